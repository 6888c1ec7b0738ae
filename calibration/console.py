"""What `smmsim calibrate` prints: the import account, the estimates, and the hold-out scores of
the model beside the naive baseline."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from smmsim.calibration.headline import calibration_headline
from smmsim.calibration.import_summary import ImportSummary, bad_encoding_line, shifted_line
from smmsim.calibration.result import CalibrationResult, Estimate, ForecastScores
from smmsim.scenarios.documents import ABSENT


def _share(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _rate(e: Estimate | None) -> str:
    if e is None:
        return "not in data"
    return f"{e.mean:.3%} ({e.p5:.3%}-{e.p95:.3%})"


def _money(e: Estimate | None) -> str:
    if e is None:
        return "no spend in data"
    return f"{e.mean:.3g} ({e.p5:.3g}-{e.p95:.3g})"


def import_table(summary: ImportSummary) -> Table:
    table = Table(
        title=f"Import: {summary.rows_read:,} {'row' if summary.rows_read == 1 else 'rows'} read, "
        f"{summary.rows_used:,} used, {summary.rows_rejected:,} rejected"
    )
    for name in (
        "file",
        "format",
        "encoding",
        "sep",
        "decimal",
        "dates",
        "read",
        "used",
        "rejected",
    ):
        table.add_column(name, justify="right" if name in ("read", "used", "rejected") else "left")
    for f in summary.per_file:
        table.add_row(
            f.file,
            f.format,
            f.encoding,
            f.separator,
            f.decimal_mark,
            f.date_order,
            f"{f.rows_read:,}",
            f"{f.rows_used:,}",
            f"{f.rows_rejected:,}",
        )
    return table


def reasons_table(summary: ImportSummary) -> Table | None:
    if not summary.rejected_by_reason:
        return None
    table = Table(title="Rejected rows by reason (rows may have several; see rejected.csv)")
    table.add_column("reason")
    table.add_column("rows", justify="right")
    for reason, n in summary.rejected_by_reason.items():
        table.add_row(reason, f"{n:,}")
    return table


def estimates_table(result: CalibrationResult) -> Table:
    table = Table(title=f"Estimates per arm, posterior mean (90% interval), seed {result.seed}")
    for name in (
        "arm",
        "days",
        f"CPM0 ({result.currency})" if result.currency else "CPM0",
        "auction pressure",
        "CTR0",
        "fatigue",
        "join rate",
        "CVR",
    ):
        table.add_column(name, justify="right" if name == "days" else "left")
    for arm in result.arms:
        a, f = arm.auction, arm.fatigue
        pressure = f"s_half {a.s_half:.3g}, k {a.k:.2f}" if a.detected else "not detected"
        fatigue = f"phi {f.phi:.3g}" if f.identified else "not identified"
        if arm.cpm is None:
            pressure = "no spend in data"
        table.add_row(
            arm.arm,
            str(arm.days),
            _money(arm.cpm),
            pressure,
            _rate(arm.ctr),
            fatigue,
            _rate(arm.join_rate),
            _rate(arm.cvr),
        )
    return table


def _scores(m: ForecastScores) -> list[str]:
    shares = (m.wape_clicks, m.wape_conversions, m.coverage_clicks, m.coverage_conversions)
    return [_share(x) for x in shares]


def validation_table(result: CalibrationResult) -> Table | None:
    v = result.validation
    if not v.scored:
        return None
    n_unseen = v.model.unseen_cells
    which = "all" if n_unseen == v.model.cells else f"{n_unseen:,}"
    unseen = f" ({which} on arms the fit never saw)" if n_unseen else ""
    title = f"Hold-out ({v.holdout}): {v.test_rows:,} rows, {v.model.cells:,} arm-days{unseen}"
    # An arm without training rows has no rates of its own: the spreadsheet pools them.
    caption = (
        "each arm's own rates: the pooled ones for an arm the fit never saw" if n_unseen else None
    )
    table = Table(title=title, caption=caption)
    for name in (
        "",
        "WAPE clicks",
        "WAPE conversions",
        "90% coverage clicks",
        "90% coverage conversions",
    ):
        table.add_column(name, justify="left" if not name else "right")
    table.add_row("smmsim fit", *_scores(v.model))
    table.add_row("naive pooled rates", *_scores(v.baseline))
    table.add_row("each arm's own rates", *_scores(v.per_arm))
    return table


def view_through_line(rows: int) -> str:
    return (
        f"{rows:,} {'row' if rows == 1 else 'rows'} with more conversions than clicks kept "
        "(view-through conversions; --view-through reject drops them)"
    )


def print_calibration(
    result: CalibrationResult,
    summary: ImportSummary,
    console: Console,
    *,
    rejected: str = "rejected.csv",
    scenario: str | None = None,
    plan: str | None = None,
) -> None:
    """The answer first (`calibration_headline`, naming the rejected rows' file and the scenario
    written back, if any), then the tables on `console`, which the CLI makes as every command's
    (as wide as the content needs when piped, no figure cut)."""
    for line in calibration_headline(result, rejected=rejected, scenario=scenario, plan=plan):
        console.print(line, highlight=False, markup=False)  # file and arm names are the data's
    console.print()
    tables = [
        import_table(summary),
        reasons_table(summary),
        estimates_table(result),
        validation_table(result),
    ]
    for table in tables:
        if table is not None:
            console.print(table)
    if summary.view_through_kept:
        console.print(view_through_line(summary.view_through_kept), highlight=False)
    for line in not_fitted_lines(result):
        console.print(line, highlight=False, markup=False)
    shifted = shifted_line(summary)
    if shifted:
        console.print(shifted, highlight=False, markup=False)
    if summary.bad_encoding_lines:
        console.print(bad_encoding_line(summary), highlight=False, markup=False)
    if result.validation.why_none:
        console.print(f"Hold-out: {result.validation.why_none}")


def not_fitted_lines(result: CalibrationResult) -> list[str]:
    """One line per model part the data could not measure, with what a scenario keeps."""
    if result.not_fitted is ABSENT or not result.not_fitted:  # an older document, or all fit
        return []
    lines = ["Not fitted from these data (a written scenario keeps the plan's beliefs):"]
    for item in result.not_fitted:
        arms = "every arm" if len(item.arms) == len(result.arms) else ", ".join(item.arms)
        lines.append(f"  {item.part}: {item.reason} ({arms}); {item.scenario}")
    return lines

"""What `smmsim calibrate` prints: the import account, the estimates, and the hold-out scores of
the model beside the naive baseline."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def _share(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _rate(e: dict | None) -> str:
    if e is None:
        return "not in data"
    return f"{e['mean']:.3%} ({e['p5']:.3%}-{e['p95']:.3%})"


def _money(e: dict) -> str:
    return f"{e['mean']:.3g} ({e['p5']:.3g}-{e['p95']:.3g})"


def import_table(summary: dict) -> Table:
    table = Table(
        title=f"Import: {summary['rows_read']} rows read, {summary['rows_used']} used, "
        f"{summary['rows_rejected']} rejected"
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
    for f in summary["per_file"]:
        table.add_row(
            f["file"],
            f["format"],
            f["encoding"],
            f["separator"],
            f["decimal_mark"],
            f["date_order"],
            str(f["rows_read"]),
            str(f["rows_used"]),
            str(f["rows_rejected"]),
        )
    return table


def reasons_table(summary: dict) -> Table | None:
    if not summary["rejected_by_reason"]:
        return None
    table = Table(title="Rejected rows by reason (rows may have several; see rejected.csv)")
    table.add_column("reason")
    table.add_column("rows", justify="right")
    for reason, n in summary["rejected_by_reason"].items():
        table.add_row(reason, str(n))
    return table


def estimates_table(document: dict) -> Table:
    currency = document["currency"] or "currency"
    table = Table(
        title=f"Estimates per arm, posterior mean (90% interval), seed {document['seed']}"
    )
    for name in (
        "arm",
        "days",
        f"CPM0 ({currency})",
        "auction pressure",
        "CTR0",
        "fatigue",
        "join rate",
        "CVR",
    ):
        table.add_column(name, justify="right" if name == "days" else "left")
    for arm in document["arms"]:
        a, f = arm["auction"], arm["fatigue"]
        pressure = f"s_half {a['s_half']:.3g}, k {a['k']:.2f}" if a["detected"] else "not detected"
        fatigue = f"phi {f['phi']:.3g}" if f["identified"] else "not identified"
        table.add_row(
            arm["arm"],
            str(arm["days"]),
            _money(arm["cpm"]),
            pressure,
            _rate(arm["ctr"]),
            fatigue,
            _rate(arm["join_rate"]),
            _rate(arm["cvr"]),
        )
    return table


def validation_table(document: dict) -> Table | None:
    v = document["validation"]
    if "model" not in v:
        return None
    table = Table(
        title=f"Hold-out ({v['holdout']}): {v['test_rows']} rows, {v['model']['cells']} arm-days"
    )
    for name in (
        "",
        "WAPE clicks",
        "WAPE conversions",
        "90% coverage clicks",
        "90% coverage conversions",
    ):
        table.add_column(name, justify="left" if not name else "right")
    for label in ("model", "baseline"):
        m = v[label]
        table.add_row(
            "smmsim fit" if label == "model" else "naive pooled rates",
            _share(m["wape_clicks"]),
            _share(m["wape_conversions"]),
            _share(m["coverage_clicks"]),
            _share(m["coverage_conversions"]),
        )
    return table


def print_calibration(document: dict, summary: dict) -> None:
    console = Console()
    tables = [
        import_table(summary),
        reasons_table(summary),
        estimates_table(document),
        validation_table(document),
    ]
    for table in tables:
        if table is not None:
            console.print(table)
    note = document["validation"].get("note")
    if note:
        console.print(f"Hold-out: {note}")

"""The console summary of `smmsim track`: the headline, then the KPIs to date against the plan,
the targets' odds before and after, the updated beliefs and the re-forecast."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from smmsim.simulator.studies.track.headline import track_headline
from smmsim.simulator.studies.track.study import TrackResult

STATUS_STYLE = {"behind": "bold red", "ahead": "green", "on track": "", "no data": "dim"}


def _f(value: float | None, metric: str = "") -> str:
    if value is None:
        return "n/a"
    if metric in ("ctr", "join_rate", "cvr"):
        return f"{value:.3%}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def print_track(result: TrackResult, console: Console, rejected_file: str) -> None:
    for line in track_headline(result, rejected_file):
        console.print(line)
    console.print()
    table = Table(title=f"To date ({result.as_of}) against the plan's band on the same days")
    for column in ("scope", "KPI", "actual", "plan p10", "plan p50", "plan p90", "status"):
        table.add_column(column, justify="left" if column in ("scope", "KPI") else "right")
    for k in result.overlay:
        table.add_row(
            k.scope,
            k.metric,
            _f(k.actual, k.metric),
            _f(k.plan.p10, k.metric),
            _f(k.plan.p50, k.metric),
            _f(k.plan.p90, k.metric),
            f"[{STATUS_STYLE[k.status]}]{k.status}[/]" if STATUS_STYLE[k.status] else k.status,
        )
    console.print(table)
    targets = Table(title="KPI targets: P(met by the end), planned and now")
    for column in ("target", "planned", "now", "expected now (p50)", "note"):
        targets.add_column(column)
    for t in result.targets:
        now = "n/a" if t.probability is None else f"{t.probability:.0%}"
        expected = "n/a" if t.expected is None else _f(t.expected.p50, t.metric)
        targets.add_row(t.target, f"{t.plan_probability:.0%}", now, expected, t.note or "")
    console.print(targets)
    beliefs = Table(title="Beliefs: the plan's and after the actuals (90% interval)")
    for column in ("arm", "belief", "plan", "observed", "updated", "90% interval"):
        beliefs.add_column(column)
    for u in result.updates:
        for name in ("cpm", "ctr", "join_rate", "cvr"):
            b = getattr(u, name)
            moved = _f(b.mean, name) if b.updated else "kept (known exactly)"
            beliefs.add_row(
                u.arm, name, _f(b.prior_mean, name), _f(b.observed, name), moved,
                f"{_f(b.p5, name)}-{_f(b.p95, name)}",
            )  # fmt: skip
    console.print(beliefs)
    ends = Table(title="The campaign's end: plan, the rest re-forecast, actuals + rest (mean, 90%)")
    for column in ("KPI", "plan", "rest", "end now", "end now 90%"):
        ends.add_column(column, justify="left" if column == "KPI" else "right")
    for f in result.forecast:
        ends.add_row(
            f.metric, _f(f.plan.mean, f.metric), _f(f.rest.mean, f.metric),
            _f(f.campaign.mean, f.metric),
            f"{_f(f.campaign.p5, f.metric)}-{_f(f.campaign.p95, f.metric)}",
        )  # fmt: skip
    console.print(ends)

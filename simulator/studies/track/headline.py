"""The answer of `smmsim track` in a few sentences: the console opens with them and track.html
puts them under its title."""

from __future__ import annotations

from smmsim.simulator.studies.track.study import TrackResult

HEADLINE_KPIS = ("spend", "clicks", "conversions", "cpa")


def _num(value: float | None, metric: str = "") -> str:
    if value is None:
        return "n/a"
    if metric == "ctr":
        return f"{value:.2%}"
    if abs(value) >= 100 or float(value).is_integer():  # counts read as counts: 29, not 29.00
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def track_headline(result: TrackResult, rejected_file: str = "rejected_rows.csv") -> list[str]:
    a = result.imports
    lines = [
        f"Tracked {result.days_tracked} days of {result.plan} ({result.start} to {result.as_of}) "
        f"from {a.rows_used:,} of {a.rows_read:,} rows; {a.rows_rejected:,} rejected and "
        f"{a.rows_set_aside:,} set aside, each with its reason, in {rejected_file}."
    ]
    ads = {k.metric: k for k in result.overlay if k.scope == "ads"}
    parts = []
    for metric in HEADLINE_KPIS:
        k = ads[metric]
        parts.append(
            f"{metric} {_num(k.actual, metric)} (plan {_num(k.plan.p10, metric)}-"
            f"{_num(k.plan.p90, metric)}): {k.status}"
        )
    lines.append(f"To date, against the plan's p10-p90 on the same days: {'; '.join(parts)}.")
    off = [f"{k.scope} {k.metric}" for k in result.overlay if k.status == "behind"]
    if off:
        lines.append(f"Behind: {', '.join(off)}.")
    odds = [
        f"{t.target} {t.plan_probability:.0%} -> "
        + ("not measured" if t.probability is None else f"{t.probability:.0%}")
        for t in result.targets
    ]
    if odds:
        lines.append(f"P(target met), planned -> now: {'; '.join(odds)}.")
    end = {f.metric: f for f in result.forecast}
    conv, cpa = end["conversions"], end["cpa"]
    lines.append(
        f"Re-forecast to the end ({result.days_left} days left, "
        f"{result.currency} {result.budget - result.spent:,.0f} to spend): conversions "
        f"{_num(conv.campaign.mean)} (90%: {_num(conv.campaign.p5)}-{_num(conv.campaign.p95)}) "
        f"against the plan's {_num(conv.plan.mean)}; CPA {_num(cpa.campaign.p50)} "
        f"(90%: {_num(cpa.campaign.p5)}-{_num(cpa.campaign.p95)}) against {_num(cpa.plan.p50)}."
    )
    lines.append(_reallocation_line(result))
    return lines


def _reallocation_line(result: TrackResult) -> str:
    r = result.reallocation
    if r is None:
        return "No reallocation searched (--trials 0, or one ad tool): the rest keeps the split."
    shares = ", ".join(f"{arm} {share:.0%}" for arm, share in r.shares.items())
    gain = r.conversions_gain
    cpa = r.cpa_change
    return (
        f"Re-split the rest as {shares} ({r.trials} trials): {_signed(gain.mean)} conversions "
        f"(90% CI {_signed(gain.ci_low)} to {_signed(gain.ci_high)}) and expected CPA "
        f"{_signed(cpa.mean)} (90% CI {_signed(cpa.ci_low)} to {_signed(cpa.ci_high)}) against "
        "keeping the plan's split."
    )


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+,.2f}"

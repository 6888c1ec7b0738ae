"""The calibration's answer first, in the console and under fit.html's title: what was imported
(and what was kept aside, and where), which arms were fitted, how well the fit forecast the
held-out data, and where the calibrated scenario was written. Read off `CalibrationResult`; the
outputs' names are given by the caller, which wrote them."""

from __future__ import annotations

from collections import Counter

from smmsim.calibration.result import CalibrationResult, ForecastScores


def calibration_headline(
    result: CalibrationResult,
    *,
    rejected: str = "rejected.csv",
    scenario: str | None = None,
    plan: str | None = None,
) -> list[str]:
    """Two or three plain sentences: the rows and arms, the hold-out's verdict, and (with
    `scenario`, the file written back; `plan`, the plan it was merged into) what to run next."""
    lines = [fitted(result, rejected), holdout(result)]
    if scenario is not None:
        what = "Calibrated scenario" if plan is None else f"{plan} with its calibrated arms"
        lines.append(f"{what} written to {scenario}; next: smmsim run {scenario}")
    return lines


def fitted(result: CalibrationResult, rejected: str) -> str:
    """'Fitted 24 arms on adnetwork (by campaign, banner) from 15,073 of 15,403 rows; 330 kept
    aside, each with its reasons, in rejected.csv.'"""
    rows = result.import_
    arms = len(result.arms)
    per_platform = Counter(arm.platform for arm in result.arms)
    if len(per_platform) == 1:
        where = f"on {next(iter(per_platform))}"
    else:
        counts = ", ".join(f"{name} {n}" for name, n in per_platform.items())
        where = f"on {len(per_platform)} platforms ({counts})"
    source = f"{rows.files} files" if rows.files > 1 else str(result.sources[0])
    if rows.rows_rejected:
        used = f"{rows.rows_used:,} of {rows.rows_read:,} rows"
    else:
        used = "the one row" if rows.rows_read == 1 else f"all {rows.rows_read:,} rows"
    sentence = (
        f"Fitted {arms:,} arm{'s' * (arms != 1)} {where} (by {', '.join(result.group_by)}) "
        f"from {used} of {source}"
    )
    if not rows.rows_rejected:
        return sentence + "."
    return f"{sentence}; {rows.rows_rejected:,} kept aside, each with its reasons, in {rejected}."


def holdout(result: CalibrationResult) -> str:
    """The hold-out's verdict: how often the 90% forecast intervals held what was observed, and
    the forecast's error against pooled rates (conversions where the data have them)."""
    v = result.validation
    if not v.scored:
        if v.why_none:
            why = v.why_none.removeprefix("not validated: ").removeprefix("--holdout: ")
            return f"Not checked on a hold-out: {why}."
        return "Not checked on a hold-out (--holdout 0): every row was fitted on."
    model, baseline = v.model, v.baseline
    measure = "conversions" if model.coverage_conversions is not None else "clicks"
    coverage, error = scores(model, measure)
    _, pooled = scores(baseline, measure)
    _, own = scores(v.per_arm, measure)
    clicks = (
        f" (clicks: {model.coverage_clicks:.0%})"
        if measure == "conversions" and model.coverage_clicks is not None
        else ""
    )
    unseen = ""
    if model.unseen_cells:
        which = "all" if model.unseen_cells == model.cells else f"{model.unseen_cells:,} of them"
        unseen = (
            f", {which} on arms the fit never saw, forecast from the fitted arms most like them"
        )
    return (
        f"On the hold-out ({v.holdout}, {model.cells:,} arm-days{unseen}), the 90% forecast "
        "intervals "
        f"held the observed {measure} on {percent(coverage)} of them{clicks}; its forecast is "
        f"off by {percent(error)} (WAPE), pooled rates' by {percent(pooled)}, each arm's own "
        f"rates' by {percent(own)}."
    )


def scores(forecast: ForecastScores, measure: str) -> tuple[float | None, float | None]:
    """(coverage of the 90% intervals, WAPE) of one measure."""
    return getattr(forecast, f"coverage_{measure}"), getattr(forecast, f"wape_{measure}")


def percent(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.0%}"

"""Write a calibration back as a scenario whose priors are the posteriors: `smmsim run` reads it.

Each arm becomes a paid-ads tool with its posterior mean and sd as the belief (so every replication
draws a plausible true rate), its fitted auction curve, fatigue and daily noise, and its observed
share of spend. The campaign repeats the observed period: same length, same budget, starting the
day after the data end, as a baseline to edit. What the data could not measure is written with a
comment that says so, never silently.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

from smmsim.calibration.fit import ArmFit, Calibration
from smmsim.calibration.reading import ExportFileError
from smmsim.calibration.shrinkage import BetaEstimate
from smmsim.scenarios.loader import scenario_from_data
from smmsim.scenarios.schema import Fatigue, Scenario
from smmsim.scenarios.tool_kinds import AD_TOOL_TYPES
from smmsim.scenarios.tools_schema import AdArm
from smmsim.scenarios.yaml_text import render_yaml

# A vague belief for a rate the data do not measure: 0.1% to 20% of clicks covers every funnel
# step smmsim models; it is flagged in the file and on the console so that it gets replaced.
VAGUE_RATE = {"p5": 0.001, "p95": 0.2}
# Without reach, the audience only bounds delivery (impressions <= frequency cap x audience):
# thirty days of the busiest day's impressions at one per person keep that bound from binding.
AUDIENCE_DAYS = 30
DEFAULT_PHI = Fatigue.model_fields["phi"].default  # what a plan without `fatigue` assumes
# What a new scenario holds for a part the data could not measure: the schema's default, which
# is what a plan that leaves the key out assumes.
SCENARIO_DEFAULTS = {
    "day_of_week": list(AdArm.model_fields["day_of_week"].default),
    "noise": AdArm.model_fields["noise"].default,
    "fatigue": {"f0": Fatigue.model_fields["f0"].default, "phi": DEFAULT_PHI},
}


def _unpriced(cal: Calibration) -> list[str]:
    return [a.days.label for a in cal.arms if a.cpm_given_curve is None]


def scenario_data(cal: Calibration, sources: list[str]) -> tuple[dict, dict, list[str]]:
    """(scenario as plain data, comments by key path, warnings for the console)."""
    notes: dict[str, str] = {}
    warnings: list[str] = []
    first, last = date.fromisoformat(cal.first_date), date.fromisoformat(cal.last_date)
    unpriced = _unpriced(cal)
    if unpriced:
        raise ExportFileError(
            f"--write-scenario: the data have no spend, so no price (cpm, auction) and no "
            f"budget for {', '.join(unpriced)}; give the plan these arms belong to with --plan "
            "PLAN.yaml (its tools, as platform/tool, keep their cpm and auction and take the "
            "calibrated ctr, join_rate and cvr), or calibrate an export with a spend column"
        )
    spend = {a.days.label: a.days.total("spend") for a in cal.arms}
    budget = sum(spend.values())
    if budget <= 0:
        raise ExportFileError(
            "--write-scenario: the data spend nothing, so there is no plan to write"
        )
    idle = [a.days.label for a in cal.arms if spend[a.days.label] <= 0]
    if idle:  # a plan's arm needs a positive share; the data say nothing about these anyway
        warnings.append(f"left out of the scenario, no spend in the data: {', '.join(idle)}")
    spending = [a for a in cal.arms if spend[a.days.label] > 0]
    campaign = {
        "name": "calibrated from " + ", ".join(sources),
        "start": last + timedelta(days=1),
        "days": (last - first).days + 1,
        "budget": _round(budget),
        "replications": 1000,
        "seed": cal.seed,
    }
    if cal.currency:
        campaign["currency"] = cal.currency
    if cal.average_order_value:
        mean, lo, hi = cal.average_order_value
        campaign["average_order_value"] = _round(mean)
        notes["campaign.average_order_value"] = (
            f"revenue per conversion; 90% interval {lo:.4g}-{hi:.4g}"
        )
    notes["campaign.budget"] = "what the observed period spent; the same again over as many days"
    platforms = []
    for p_index, name in enumerate(dict.fromkeys(a.days.platform for a in spending)):
        arms = [a for a in spending if a.days.platform == name]
        tools = [
            _tool(
                a, spend[a.days.label] / budget, f"platforms[{p_index}].tools[{t}]", notes, warnings
            )
            for t, a in enumerate(arms)
        ]
        audience, why = _audience(arms)
        notes[f"platforms[{p_index}].audience"] = why
        platforms.append({"name": name, "audience": audience, "tools": tools})
    _fix_share_rounding(platforms)
    return {"campaign": campaign, "platforms": platforms}, notes, _missing_lines(warnings)


def _missing_lines(warnings: list[str]) -> list[str]:
    """One line per rate the data lack, however many arms lack it; other warnings as they are."""
    missing = [w for w in warnings if w in ("ctr", "join_rate", "cvr")]
    other = [w for w in warnings if w not in missing]
    counts = {rate: missing.count(rate) for rate in dict.fromkeys(missing)}
    return [
        f"{rate} could not be measured for {n} arm{'s' if n > 1 else ''}: a vague belief "
        f"{VAGUE_RATE['p5']}-{VAGUE_RATE['p95']} was written, marked NOT CALIBRATED; replace it"
        for rate, n in counts.items()
    ] + other


def _tool(arm: ArmFit, share: float, path: str, notes: dict, warnings: list[str]) -> dict:
    """The arm as a paid-ads tool; a part the data could not measure holds the schema's
    default, marked NOT CALIBRATED (`merge_into_plan` keeps the plan's instead). An arm without
    a price (no spend) is only merged into a plan, which keeps its price."""
    tool = _measured_tool(arm, share, path, notes, warnings)
    for part, why in arm.unmeasured.items():
        if part in SCENARIO_DEFAULTS:
            tool[part] = SCENARIO_DEFAULTS[part]
            notes[f"{path}.{part}"] = f"NOT CALIBRATED: {why}; the default, replace it if known"
    return tool


def _measured_tool(arm: ArmFit, share: float, path: str, notes: dict, warnings: list[str]) -> dict:
    p, f = arm.pressure, arm.fatigue
    price = arm.cpm_given_curve  # the scenario fixes s_half and k at their estimates
    lo, hi = price.interval() if price is not None else (math.nan, math.nan)
    tool = {
        "type": "paid_ads",
        "name": "/".join(arm.days.key[1:]) or "paid_ads",
        "budget_share": round(share, 6),
        "cpm": {"mean": _round(price.cpm_mean), "sd": _round(price.cpm_sd)} if price else None,
        "ctr": _belief(arm.ctr),
        "join_rate": _belief(arm.join_rate) if arm.join_rate else dict(VAGUE_RATE),
        "cvr": _belief(arm.cvr) if arm.cvr else dict(VAGUE_RATE),
        "auction": {"s_half": _round(p.s_half), "k": round(p.k, 4)},
        "fatigue": {
            "f0": round(max(f.f0, 1.0), 4),
            "phi": round(f.phi, 6),
        },
        "day_of_week": [round(m, 4) for m in arm.weekdays.multipliers],
        "noise": round(p.noise, 4),
        "learning": {"conversions": 0},
    }
    notes[f"{path}.cpm"] = (
        f"base CPM before auction pressure, given the curve below; 90% interval {lo:.4g}-{hi:.4g}"
    )
    notes[f"{path}.auction"] = f"auction pressure {p.note}"
    notes[f"{path}.fatigue"] = f"fatigue: {f.note}"
    notes[f"{path}.day_of_week"] = f"CPM multipliers Monday..Sunday: {arm.weekdays.note}"
    notes[f"{path}.noise"] = "daily sd of log CPM around the auction curve and weekday pattern"
    if p.log_cpm_sd > p.noise:
        notes[f"{path}.noise"] += f" (measured {p.log_cpm_sd:.3g}, above the schema's limit 1)"
        warnings.append(
            f"{arm.days.label}: daily price sd {p.log_cpm_sd:.3g} written as the schema's limit 1"
        )
    notes[f"{path}.learning"] = (
        "the fitted rates already include the observed learning phases; "
        "set conversions: 50 to model a fresh start"
    )
    for rate in ("ctr", "join_rate", "cvr"):
        estimate = getattr(arm, rate)
        if estimate is None:
            why = arm.prior_source[rate]
            notes[f"{path}.{rate}"] = f"NOT CALIBRATED: {why}; a vague belief, replace it"
            warnings.append(rate)
        else:
            lo, hi = estimate.interval()
            notes[f"{path}.{rate}"] = f"posterior; 90% interval {lo:.4g}-{hi:.4g}"
    return tool


def _belief(estimate: BetaEstimate) -> dict:
    return {"mean": _round(estimate.mean), "sd": _round(estimate.sd)}


def _audience(arms: list[ArmFit]) -> tuple[int, str]:
    measured = [a.fatigue.audience for a in arms if a.fatigue.audience]
    if measured:
        return math.ceil(max(measured)), "people, from daily reach against impressions"
    peak = max(float(np.nanmax(a.days.values["impressions"])) for a in arms)
    audience = math.ceil(AUDIENCE_DAYS * max(peak, 1.0))
    return audience, (
        "NOT MEASURED (no reach column): 30 days of the peak day's impressions at one per "
        "person, so the frequency cap does not bind; replace with the platform's estimate"
    )


def _fix_share_rounding(platforms: list[dict]) -> None:
    """Rounded shares must still sum to 1: the largest absorbs the rounding."""
    tools = [t for p in platforms for t in p["tools"]]
    largest = max(tools, key=lambda t: t["budget_share"])
    largest["budget_share"] = round(
        largest["budget_share"] + 1 - sum(t["budget_share"] for t in tools), 6
    )


def _round(x: float) -> float:
    return float(f"{x:.6g}")


def to_scenario(
    cal: Calibration, sources: list[str], target: str
) -> tuple[str, Scenario, list[str]]:
    """(YAML text, the validated scenario, warnings). Validated before it is written, so an
    invalid file is never produced."""
    data, notes, warnings = scenario_data(cal, sources)
    scenario = scenario_from_data(data, target)
    header = [
        f"# Calibrated by `smmsim calibrate` from {', '.join(sources)}",
        f"# on {cal.first_date} - {cal.last_date}, seed {cal.seed}, arms grouped by "
        f"{', '.join(cal.group_by)}.",
        "# Every belief is the posterior of that fit (mean and sd of the arm's true value); the",
        "# campaign repeats the observed period. Edit budget, days and start for the next plan.",
    ]
    return "\n".join(header) + "\n" + render_yaml(data, notes) + "\n", scenario, warnings


# What the calibration replaces in a plan's tool; the plan keeps its budget, learning phase (a new
# campaign goes through one) and everything else. join_rate and cvr only where the data had them.
CALIBRATED_KEYS = ("cpm", "ctr", "join_rate", "cvr", "auction", "day_of_week", "noise")


def merge_into_plan(
    cal: Calibration, plan: dict, plan_source: str, target: str
) -> tuple[str, Scenario, list[str]]:
    """(YAML text, validated scenario, warnings): the plan with every arm the data calibrated
    (matched as platform/tool) given the calibrated beliefs; other arms kept as planned."""
    fitted = {a.days.label: a for a in cal.arms}
    notes: dict[str, str] = {}
    replaced, scratch = [], []
    for p_index, platform in enumerate(plan.get("platforms") or []):
        for t_index, tool in enumerate(platform.get("tools") or []):
            kind = tool.get("type", "paid_ads")
            label = f"{platform.get('name')}/{tool.get('name', kind)}"
            # Ad-platform exports measure what the auction bought; tactics keep their plan.
            if label not in fitted or kind not in AD_TOOL_TYPES:
                continue
            path = f"platforms[{p_index}].tools[{t_index}]"
            calibrated = _tool(fitted[label], 1.0, path, notes, scratch)
            unmeasured = fitted[label].unmeasured
            for key in CALIBRATED_KEYS:
                unknown = key in ("join_rate", "cvr") and getattr(fitted[label], key) is None
                if unknown or key in unmeasured:
                    notes.pop(f"{path}.{key}", None)  # the plan's belief stands
                    continue
                tool[key] = calibrated[key]
            kept = [k for k in ("cpm", "auction", "day_of_week", "noise") if k in unmeasured]
            if kept:
                why = unmeasured[kept[0]]
                scratch.append(f"{label}: the plan's {', '.join(kept)} kept: {why}")
            # The calibrated CTR already has the data's wear-out in it (or, without reach, is
            # its average): the plan's own fatigue on top would count wear-out twice.
            planned_phi = (tool.get("fatigue") or {}).get("phi", DEFAULT_PHI)
            if "fatigue" in unmeasured:
                scratch.append(
                    f"{label}: the plan's fatigue (phi {planned_phi}) kept: "
                    f"{unmeasured['fatigue']}; the calibrated CTR is the period's average"
                )
                notes.pop(f"{path}.fatigue", None)
            else:
                tool["fatigue"] = calibrated["fatigue"]
            if "fatigue" not in unmeasured and not fitted[label].fatigue.detected and planned_phi:
                scratch.append(
                    f"{label}: the plan's fatigue (phi {planned_phi}) set to 0: "
                    f"{fitted[label].fatigue.note}; the calibrated CTR already includes it"
                )
            notes.pop(f"{path}.learning", None)
            replaced.append(label)
    missing = sorted(set(fitted) - set(replaced))
    warnings = [w for w in scratch if w not in ("ctr", "join_rate", "cvr")]
    if missing:
        warnings.append(
            f"calibrated arms not in {plan_source} (add them as tools to plan them): "
            f"{', '.join(missing)}"
        )
    if not replaced:
        raise ExportFileError(
            f"--plan {plan_source}: none of its arms (platform/tool) is in the data; the data "
            f"have {', '.join(sorted(fitted))} (see --group-by, --platform)"
        )
    scenario = scenario_from_data(plan, target)
    header = [
        f"# {plan_source}, calibrated by `smmsim calibrate` on {cal.first_date} - {cal.last_date}",
        f"# (seed {cal.seed}). Arms whose costs and rates are now the posteriors of that fit:",
        f"#   {', '.join(replaced)}",
        "# Every other setting is the plan's (its comments are in the original file).",
    ]
    return "\n".join(header) + "\n" + render_yaml(plan, notes) + "\n", scenario, warnings

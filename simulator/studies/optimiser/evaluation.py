"""The optimum against the baselines, on a larger set of common random numbers.

Trials use few replications to be fast; the chosen plan is simulated again with the scenario's
replications, beside the plan as written and, when the split is searched, `spread` (every
paid-ads tool the same share) and `best-guess` (everything on the best prior CPA), each under the
strategy the candidates run, so that only the split differs: the same seed for all, so each
difference is paired replication by replication and carries a 90% confidence interval. The
marginal CPA of each paid-ads tool at the optimum is the extra spend over the extra conversions
when that tool alone gets a little more budget, on the same random numbers, with a 90% interval.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from smmsim.scenarios.budget import paid_ads_budget, retargeting_share
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.strategy_settings import arm_names
from smmsim.scenarios.tool_kinds import PACED_ADS, RETARGETING
from smmsim.simulator.engine import DEFAULT_CHUNK, simulate, simulate_together
from smmsim.simulator.metrics import KpiDraws
from smmsim.simulator.plan import CampaignPlan
from smmsim.simulator.ratios import expected_ratio, paired_ratio_difference, probability_below_zero
from smmsim.simulator.result import Result
from smmsim.simulator.strategies.evidence import prior_conversions_per_money
from smmsim.simulator.studies.comparison import paired_difference
from smmsim.simulator.studies.evaluation import with_strategy
from smmsim.simulator.studies.optimiser.candidate import (
    Candidate,
    plan_of,
    shares_rounded,
)
from smmsim.simulator.studies.optimiser.objective import checked_plan
from smmsim.simulator.studies.optimiser.space import SearchSpace, search_space
from smmsim.simulator.studies.risk import event_probability
from smmsim.simulator.studies.spending import expected_unspent, unspent, worth_saying
from smmsim.simulator.summary import describe, describe_kpi

SHOWN_KPIS = ("conversions", "cpa", "spend", "joins", "reach", "roas")
# Better direction of each compared KPI: +1 larger is better, -1 smaller is.
BETTER = {"conversions": 1, "cpa": -1, "joins": 1, "roas": 1}
# The budget step of a marginal-CPA probe, as a share of the campaign budget.
MARGINAL_STEP = 0.02
LIMIT_TOLERANCE = 0.01


@dataclass(frozen=True)
class Runs:
    replications: int
    seed: int
    deterministic: bool = False
    workers: int = 1

    def simulate(self, plan: Scenario) -> Result:
        return simulate(
            plan,
            replications=self.replications,
            seed=self.seed,
            deterministic=self.deterministic,
            workers=self.workers,
            daily_sample=0,  # plans are compared on their KPIs, never day by day
        )

    def simulate_all(self, plans: list[Scenario]) -> list[Result]:
        """`simulate` of each plan: all in one pool (`simulate_together`), each whole in a
        process of its own, rather than each split over the workers in turn. Above a chunk's
        replications one after another instead: every result is held until the last is done,
        and a chunk is where a plan's own split pays its day's fixed cost back."""
        if self.deterministic or len(plans) < 2 or self.replications > DEFAULT_CHUNK:
            return [self.simulate(plan) for plan in plans]
        return simulate_together(
            plans,
            daily_samples=[0] * len(plans),
            replications=self.replications,
            seed=self.seed,
            workers=self.workers,
        )


def plan_figures(result: Result) -> dict:
    """A plan's KPIs over the replications (mean and 5/95% quantiles) and its backlash risk."""
    kpis = result.kpis()
    figures = {name: describe_kpi(kpis, name) for name in SHOWN_KPIS if name in kpis}
    # The objective's CPA, the expected CPA of every command (expected spend over expected
    # conversions), kept under its own key for the documents that read it there.
    figures["expected_cpa"] = figures["cpa"]["mean"]
    events = kpis.get("backlash_events", np.zeros(result.replications))
    figures["backlash_probability"] = event_probability(events, result.deterministic)
    figures["unspent"] = describe(unspent(result.scenario.campaign.budget, kpis["spend"]))
    return figures


def tool_rows(result: Result, candidate: Candidate, scenario: Scenario) -> list[dict]:
    """Per tool of the optimised plan: its share and planned budget (paid ads, as the plan
    rounds them), what it spent, and its conversions and CPA with intervals; no CPA (None)
    where the tool brought no conversions."""
    ads_budget = paid_ads_budget(plan_of(scenario, candidate))
    left = 1.0 - retargeting_share(scenario)
    written = shares_rounded(candidate.shares, left)
    rows = []
    for i, name in enumerate(result.lines.names):
        kpis = result.kpis(result.arm_mask(i), tools_only=True)
        share = written[name] / left if name in written and left > 0 else None
        cpa = describe_kpi(kpis, "cpa")
        rows.append(
            {
                "tool": name,
                "type": result.lines.kinds[i],
                "share": share,
                "planned_budget": None if share is None else round(share * ads_budget, 2),
                "intensity": candidate.intensities.get(name),
                "spend": describe(kpis["spend"]),
                "conversions": describe(kpis["conversions"]),
                # No conversion expected, no price: the expected CPA is undefined.
                "cpa": cpa if cpa["mean"] is not None else None,
            }
        )
    return rows


def compared(optimised: Result, baseline: Result) -> dict:
    """Paired differences optimised - baseline per KPI, with 90% confidence intervals, and the
    difference in expected CPA (the objective's CPA) with P(cheaper)."""
    ours, theirs = optimised.kpis(), baseline.kpis()
    found = {k: paired_difference(ours, theirs, k, b) for k, b in BETTER.items() if k in ours}
    found["expected_cpa"] = expected_cpa_difference(ours, theirs)
    return found


def expected_cpa_difference(ours: KpiDraws, theirs: KpiDraws) -> dict:
    """Expected CPA optimised - baseline (`ratios.paired_ratio_difference`) with its 90%
    interval, and P(cheaper): how sure the paired replications make us that the optimised plan's
    expected CPA is the lower one."""
    (num_a, den_a, _), (num_b, den_b, _) = ours.parts["cpa"], theirs.parts["cpa"]
    estimate = paired_ratio_difference((num_a, den_a), (num_b, den_b))
    return {
        "mean": estimate.value,
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
        "probability_better": probability_below_zero(estimate),
    }


def baseline_plans(scenario: Scenario, space: SearchSpace, source: str) -> dict[str, Scenario]:
    """The plan as written and, when the split is searched, the same plan with the even split
    and with everything on the best prior CPA, under the strategy the candidates run. Under
    `fixed` those are the `spread` and `best-guess` strategies themselves (retargeting funded as
    planned); under a planned test split they are that test's split."""
    plans = {"as written": scenario}
    if not space.platforms:
        return plans  # the split is the plan's own: another split would change nothing
    if scenario.strategy.type == "fixed":
        plans["spread"] = with_strategy(scenario, "spread", source)
        plans["best-guess"] = with_strategy(scenario, "best-guess", source)
        return plans
    even = 1 / len(space.paid_ads)
    plans["spread"] = checked_plan(scenario, Candidate(dict.fromkeys(space.paid_ads, even)), source)
    best = best_prior_tools(scenario, space)
    plans["best-guess"] = checked_plan(
        scenario,
        Candidate({t: (1 / len(best) if t in best else 0.0) for t in space.paid_ads}),
        source,
    )
    return plans


def best_prior_tools(scenario: Scenario, space: SearchSpace) -> list[str]:
    """The paid-ads tools with the best prior CPA, as many as `strategy.best_guess.arms`."""
    names = arm_names(scenario)
    lam = prior_conversions_per_money(CampaignPlan.from_scenario(scenario).arms)
    ranked = sorted(space.paid_ads, key=lambda tool: -lam[names.index(tool)])
    return ranked[: scenario.strategy.best_guess.arms]


def marginal_cpas(
    scenario: Scenario, candidate: Candidate, base: Result, runs: Runs, source: str
) -> list[dict]:
    """Per paid-ads tool: extra spend / extra conversions when it alone gets MARGINAL_STEP of
    the budget more, every other tool (retargeting included) keeping its amount, with a 90%
    interval over the paired replications. At an interior optimum these are equal. Only a
    `fixed` plan spends by its split all campaign long; under a test the probe would measure
    the scale-up's rule, not the split."""
    if not candidate.shares or plan_of(scenario, candidate).strategy.type != "fixed":
        return []
    step = MARGINAL_STEP * scenario.campaign.budget
    ads = paid_ads_budget(plan_of(scenario, candidate))
    bigger = with_more_budget(scenario, step, ads / max(1 - retargeting_share(scenario), 1e-12))
    before = base.kpis()
    left = 1.0 - retargeting_share(scenario)
    written = shares_rounded(candidate.shares, left)  # the shares the plan runs
    planned = {t: share / left if left > 0 else 0.0 for t, share in written.items()}
    probes = []
    for tool in candidate.shares:
        shares = {t: s * ads / (ads + step) for t, s in planned.items()}
        shares[tool] += step / (ads + step)
        probing = replace(candidate, shares=shares, rounded=False)
        probes.append(checked_plan(bigger, probing, source))
    rows = []
    for tool, probe in zip(candidate.shares, runs.simulate_all(probes), strict=True):
        after = probe.kpis()
        spent = after["spend"] - before["spend"]
        converted = after["conversions"] - before["conversions"]
        extra_spend, extra_conversions = float(spent.mean()), float(converted.mean())
        marginal = expected_ratio(spent, converted)
        rows.append(
            {
                "tool": tool,
                "share": planned[tool],
                "extra_spend": extra_spend,
                "extra_conversions": extra_conversions,
                "marginal_cpa": marginal.value,
                "ci_low": marginal.ci_low,
                "ci_high": marginal.ci_high,
            }
        )
    return rows


def with_more_budget(s: Scenario, extra: float, left: float) -> Scenario:
    """The scenario with `extra` more budget, all of it for the paid ads: retargeting's shares
    shrink so that it keeps its amount (it takes its share of `left`, what the plan's tactics
    and fixed budgets leave)."""
    keep = left / (left + extra) if left + extra > 0 else 1.0
    platforms = []
    for p in s.platforms:
        tools = [
            t.model_copy(update={"budget_share": t.budget_share * keep})
            if t.type in RETARGETING and t.budget_share
            else t
            for t in p.tools
        ]
        platforms.append(p.model_copy(update={"tools": tools}))
    campaign = s.campaign.model_copy(update={"budget": s.campaign.budget + extra})
    return s.model_copy(update={"campaign": campaign, "platforms": platforms})


def final_evaluation(
    scenario: Scenario,
    candidate: Candidate,
    runs: Runs,
    source: str,
    objective: str = "cpa",
    max_risk: float | None = None,
) -> dict:
    """The optimised plan's figures, per tool, against the baselines, and its marginal CPAs,
    with notes where the figures call for a second look."""
    plan = checked_plan(scenario, candidate, source)
    written = baseline_plans(scenario, search_space(scenario), source)
    optimised, *others = runs.simulate_all([plan, *written.values()])
    baselines = dict(zip(written, others, strict=True))
    plans = {"optimised": plan_figures(optimised)}
    plans.update({label: plan_figures(r) for label, r in baselines.items()})
    against = {label: compared(optimised, r) for label, r in baselines.items()}
    notes = [
        *limit_notes(scenario, optimised),
        *risk_notes(plans["optimised"], max_risk),
        *unspent_notes(scenario, plans, objective),
        *beaten_notes(scenario, plans, against, baselines, objective),
    ]
    return {
        "replications": optimised.replications,
        "seed": optimised.seed,
        "plans": plans,
        "notes": notes,
        "against": against,
        "tools": tool_rows(optimised, candidate, scenario),
        "marginal_cpa": at_limits(
            marginal_cpas(scenario, candidate, optimised, runs, source), scenario, optimised
        ),
        "plan": plan,
    }


def limit_notes(scenario: Scenario, optimised: Result) -> list[str]:
    broken = broken_limits(scenario, optimised)
    if not broken:
        return []
    return [
        f"the optimised plan misses the spend limits ({'; '.join(broken)}): its tactics leave "
        "too little of the budget for every minimum (or too much for the ceilings), so the "
        "limits were relaxed in proportion"
    ]


def risk_notes(optimised: dict, max_risk: float | None) -> list[str]:
    """The risk limit read again on the final replications: a plan that met it on the trials'
    few replications may not on more."""
    if max_risk is None:
        return []
    risk = optimised["backlash_probability"]
    if risk["p95"] <= max_risk:
        return []
    if risk["probability"] > max_risk:
        advice = "the trials' replications were too few to tell; raise --reps"
    else:
        advice = "the final replications are too few to confirm it; raise --final-reps"
    return [
        f"on the final evaluation the optimised plan's P(backlash) is {risk['probability']:.1%} "
        f"(90% CI up to {risk['p95']:.1%}), against the limit of {max_risk:.1%}: {advice}"
    ]


def unspent_notes(scenario: Scenario, plans: dict, objective: str) -> list[str]:
    """A line for the optimised plan and for the plan as written when either leaves more than
    rounding of the budget unspent (`spending.worth_saying`): a frequency cap or a saturated
    audience buys nothing more, and a lower CPA on less spend may not be what the planner
    wants."""
    budget = scenario.campaign.budget
    notes = []
    for label, name in (("optimised", "the optimised plan"), ("as written", "the plan as written")):
        if label not in plans or plans[label]["spend"]["mean"] is None:
            continue
        left = expected_unspent(budget, plans[label]["spend"]["mean"])
        if not worth_saying(budget, left):
            continue
        note = (
            f"{name} leaves {left:,.0f} of the {budget:,.0f} budget unspent on average "
            f"({left / budget:.0%})"
        )
        if label == "optimised" and objective == "cpa":
            note += (
                ": a lower CPA on less spend; --objective conversions looks for the most "
                "conversions the budget buys"
            )
        notes.append(note)
    return notes


def beaten_notes(
    scenario: Scenario,
    plans: dict,
    against: dict,
    baselines: dict[str, Result],
    objective: str,
) -> list[str]:
    """A line for each baseline that does clearly better than the optimised plan on the final
    evaluation (its 90% interval excludes no difference), with the likely reason: it breaks the
    spend limits the search respected, or the study's trials were too few or too noisy."""
    notes = []
    for label, result in baselines.items():
        if objective == "cpa":
            better = against[label]["expected_cpa"]["ci_low"] > 0
            ours, theirs = plans["optimised"]["expected_cpa"], plans[label]["expected_cpa"]
            what = "a lower expected CPA"
        else:
            d = against[label]["conversions"]
            high = d["ci_high"]
            # One deterministic replication has no interval: its difference is exact.
            better = d["mean"] < 0 if high is None or np.isnan(high) else high < 0
            ours = plans["optimised"]["conversions"]["mean"]
            theirs = plans[label]["conversions"]["mean"]
            what = "more expected conversions"
        if not better:
            continue
        broken = broken_limits(scenario, result)
        why = (
            f"it breaks the spend limits ({'; '.join(broken)})"
            if broken
            else "run more trials (--trials) or more replications per trial (--reps)"
        )
        notes.append(f"{label} has {what} ({theirs:.4g} against {ours:.4g}): {why}")
    return notes


def at_limits(rows: list[dict], scenario: Scenario, optimised: Result) -> list[dict]:
    """Each marginal-CPA row marked `at_limit` when its platform spends at its min_spend or
    max_spend (within 1%): a limit that binds keeps its marginal CPA apart from the others'."""
    bound = set()
    for name, limits in scenario.optimise.platforms.items():
        spent = platform_ads_spend(optimised, name)
        floor, ceiling = limits.min_spend, limits.max_spend
        if spent <= floor * (1 + LIMIT_TOLERANCE) and floor > 0:
            bound.add(name)
        if ceiling is not None and spent >= ceiling * (1 - LIMIT_TOLERANCE):
            bound.add(name)
    return [{**row, "at_limit": row["tool"].split("/")[0] in bound} for row in rows]


def platform_ads_spend(result: Result, platform: str) -> float:
    mask = result.platform_mask(platform) & result.lines.kind_mask(*PACED_ADS)
    return float(result.kpis(mask, tools_only=True)["spend"].mean())


def broken_limits(scenario: Scenario, result: Result) -> list[str]:
    """The `optimise.platforms` limits a plan's paid-ads spend breaks (by more than 1%)."""
    broken = []
    for name, limits in scenario.optimise.platforms.items():
        spent = platform_ads_spend(result, name)
        if spent < limits.min_spend * (1 - LIMIT_TOLERANCE):
            broken.append(f"{name} spends {spent:,.0f}, min_spend {limits.min_spend:,.0f}")
        if limits.max_spend is not None and spent > limits.max_spend * (1 + LIMIT_TOLERANCE):
            broken.append(f"{name} spends {spent:,.0f}, max_spend {limits.max_spend:,.0f}")
    return broken

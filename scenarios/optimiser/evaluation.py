"""The optimum against the baselines, on a larger set of common random numbers.

Trials use few replications to be fast; the chosen plan is simulated again with the scenario's
replications, beside the plan as written, `spread` (every paid-ads tool the same share) and
`best-guess` (everything on the best prior CPA): the same seed for all, so each difference is
paired replication by replication and carries a 90% confidence interval. The marginal CPA of each
paid-ads tool at the optimum is the extra spend over the extra conversions when that tool alone
gets a little more budget, on the same random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from scenarios.comparison import paired_difference
from scenarios.evaluation import with_strategy
from scenarios.optimiser.candidate import Candidate
from scenarios.optimiser.objective import checked_plan
from scenarios.optimiser.warm_start import paid_ads_daily_budget
from scenarios.risk import event_probability
from scenarios.schema import Scenario
from simulator.engine import simulate
from simulator.result import Result
from simulator.summary import describe

SHOWN_KPIS = ("conversions", "cpa", "spend", "joins", "reach", "roas")
BASELINES = ("as written", "spread", "best-guess")
# Better direction of each compared KPI: +1 larger is better, -1 smaller is.
BETTER = {"conversions": 1, "cpa": -1, "joins": 1, "roas": 1}
# The budget step of a marginal-CPA probe, as a share of the campaign budget.
MARGINAL_STEP = 0.02


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
        )


def plan_figures(result: Result) -> dict:
    """A plan's KPIs over the replications (mean and 5/95% quantiles) and its backlash risk."""
    kpis = result.kpis()
    figures = {name: describe(kpis[name]) for name in SHOWN_KPIS if name in kpis}
    # The objective's CPA: expected spend over expected conversions (the mean of per-replication
    # CPAs above weighs the unlucky replications' huge CPAs far more).
    conversions = float(kpis["conversions"].mean())
    figures["expected_cpa"] = float(kpis["spend"].mean()) / conversions if conversions else None
    events = kpis.get("backlash_events", np.zeros(result.replications))
    figures["backlash_probability"] = event_probability(events, result.deterministic)
    return figures


def tool_rows(result: Result, candidate: Candidate, ads_budget: float) -> list[dict]:
    """Per tool of the optimised plan: its share and planned budget (paid ads), what it spent,
    and its conversions and CPA with intervals."""
    rows = []
    for i, name in enumerate(result.arms.names):
        kpis = result.kpis(result.arm_mask(i), tools_only=True)
        share = candidate.shares.get(name)
        rows.append(
            {
                "tool": name,
                "type": result.arms.kinds[i],
                "share": share,
                "planned_budget": None if share is None else share * ads_budget,
                "intensity": candidate.intensities.get(name),
                "spend": describe(kpis["spend"]),
                "conversions": describe(kpis["conversions"]),
                "cpa": describe(kpis["cpa"]),
            }
        )
    return rows


def compared(optimised: Result, baseline: Result) -> dict:
    """Paired differences optimised - baseline per KPI, with 90% confidence intervals."""
    ours, theirs = optimised.kpis(), baseline.kpis()
    return {k: paired_difference(ours[k], theirs[k], b) for k, b in BETTER.items() if k in ours}


def baseline_plans(scenario: Scenario, source: str) -> dict[str, Scenario]:
    return {
        "as written": scenario,
        "spread": with_strategy(scenario, "spread", source),
        "best-guess": with_strategy(scenario, "best-guess", source),
    }


def marginal_cpas(
    scenario: Scenario, candidate: Candidate, base: Result, runs: Runs, source: str
) -> list[dict]:
    """Per paid-ads tool: extra spend / extra conversions when it alone gets MARGINAL_STEP more
    of the budget (the others keep their amounts). At an interior optimum these are equal."""
    if not candidate.shares:
        return []
    budget = scenario.campaign.budget
    step = MARGINAL_STEP * budget
    before = base.kpis()
    rows = []
    for tool in candidate.shares:
        shares = {t: s * budget / (budget + step) for t, s in candidate.shares.items()}
        shares[tool] += step / (budget + step)
        bigger = scenario.model_copy(
            update={"campaign": scenario.campaign.model_copy(update={"budget": budget + step})}
        )
        probe = runs.simulate(checked_plan(bigger, replace(candidate, shares=shares), source))
        after = probe.kpis()
        extra_spend = float((after["spend"] - before["spend"]).mean())
        extra_conversions = float((after["conversions"] - before["conversions"]).mean())
        rows.append(
            {
                "tool": tool,
                "share": candidate.shares[tool],
                "extra_spend": extra_spend,
                "extra_conversions": extra_conversions,
                "marginal_cpa": extra_spend / extra_conversions if extra_conversions > 0 else None,
            }
        )
    return rows


def final_evaluation(scenario: Scenario, candidate: Candidate, runs: Runs, source: str) -> dict:
    """The optimised plan's figures, per tool, against the baselines, and its marginal CPAs."""
    plan = checked_plan(scenario, candidate, source)
    optimised = runs.simulate(plan)
    baselines = {label: runs.simulate(s) for label, s in baseline_plans(scenario, source).items()}
    ads_budget = _ads_budget(optimised)
    return {
        "replications": optimised.replications,
        "seed": optimised.seed,
        "plans": {
            "optimised": plan_figures(optimised),
            **{label: plan_figures(r) for label, r in baselines.items()},
        },
        "against": {label: compared(optimised, r) for label, r in baselines.items()},
        "tools": tool_rows(optimised, candidate, ads_budget),
        "marginal_cpa": marginal_cpas(scenario, candidate, optimised, runs, source),
        "plan": plan,
    }


def _ads_budget(result: Result) -> float:
    """The paid ads' budget as planned: the campaign's, less what the tactics and retargeting
    were planned to take (the shares split this)."""
    return paid_ads_daily_budget(result.scenario) * result.scenario.campaign.days

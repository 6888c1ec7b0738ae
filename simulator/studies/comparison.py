"""Side-by-side comparison of scenario x strategy combinations on common random numbers.

Every combination runs with the same seed and number of replications. Random numbers are drawn per
arm (keyed by the arm's name) and per RNG block, so replication r sees the same true rates and the
same daily noise in every combination that has the arm: the difference between two combinations is
taken replication by replication (paired), which removes the market's luck from the comparison.
Comparing a scenario with itself gives a difference of exactly zero.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from smmsim.scenarios.documents import Document, in_memory
from smmsim.scenarios.errors import SmmsimError
from smmsim.scenarios.hints import did_you_mean
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.tables import Table
from smmsim.simulator.metrics import KpiDraws
from smmsim.simulator.studies.evaluation import StrategyRun, evaluate, runs_needed, with_strategy
from smmsim.simulator.studies.outcome import StrategyOutcome, strategy_outcome
from smmsim.simulator.studies.spending import unspent
from smmsim.simulator.summary import (
    Stats,
    TargetOdds,
    describe,
    describe_kpis,
    kpi_difference,
    target_odds,
)

if TYPE_CHECKING:  # pandas (0.4 s to import) only where a frame is asked for
    import pandas as pd

# Paired differences are reported for these KPIs (revenue only where there is an order value).
# Which way is better: +1 larger, -1 smaller, 0 neither (spend is a fact, not a score).
BETTER = {
    "conversions": 1,
    "cpa": -1,
    "spend": 0,
    "joins": 1,
    "direct_conversions": 1,
    "revenue": 1,
}


@dataclass(frozen=True)
class Combination:
    label: str
    source: str
    run: StrategyRun

    @property
    def scenario(self) -> Scenario:
        return self.run.result.scenario


def combinations(
    scenarios: list[tuple[str, Scenario]], strategies: list[str] | None
) -> list[tuple[str, str, Scenario]]:
    """(label, source, scenario) for every scenario x strategy; a scenario's own strategy when
    `strategies` is None. Labels read 'file-stem:strategy'."""
    stems = [Path(source).stem for source, _ in scenarios]
    out = []
    for i, (source, scenario) in enumerate(scenarios):
        stem = stems[i] if stems.count(stems[i]) == 1 else f"{stems[i]}#{i + 1}"
        for name in strategies or [scenario.strategy.type]:
            chosen = with_strategy(scenario, name, source)
            out.append((f"{stem}:{name}", source, chosen))
    return out


def chosen_baseline(baseline: str | None, labels: list[str], option: str) -> str:
    """The combination the others are compared with: `baseline`, or the first; an unknown one is
    an error naming the combinations (and the likely one), under the option's name."""
    chosen = baseline or labels[0]
    if chosen not in labels:
        raise SmmsimError(
            f"{option}: no combination {chosen!r}{baseline_hint(chosen, labels)}; "
            f"the combinations are {', '.join(labels)}"
        )
    return chosen


def baseline_hint(baseline: str, labels: list[str]) -> str:
    """' (did you mean 'plan:spread'?)' for 'spread', 'plan' (when either names one combination)
    or 'plan:sprad'; nothing for 'plan:fixed' when fixed was not run."""
    parts = {label: label.split(":", 1) for label in labels}
    named = [label for label, part in parts.items() if baseline in part]
    if len(named) == 1:
        return f" (did you mean {named[0]!r}?)"
    stem, _, name = baseline.partition(":")
    same_stem = {part[1]: label for label, part in parts.items() if part[0] == stem}
    if name and same_stem:
        close = difflib.get_close_matches(name, list(same_stem), n=1, cutoff=0.6)
        return f" (did you mean {same_stem[close[0]]!r}?)" if close else ""
    return did_you_mean(baseline, labels)


def run_comparison(
    planned: list[tuple[str, str, Scenario]],
    *,
    replications: int,
    seed: int,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Combination]:
    """Run every combination with one seed and one number of replications."""
    return [
        Combination(
            label,
            source,
            evaluate(
                scenario,
                replications=replications,
                seed=seed,
                workers=workers,
                progress=progress,
            ),
        )
        for label, source, scenario in planned
    ]


def total_runs(planned: list[tuple[str, str, Scenario]]) -> int:
    return sum(runs_needed(scenario) for _, _, scenario in planned)


@dataclass(frozen=True)
class PairedStats(Document):
    """A difference read replication by replication (both sides on the same random numbers): the
    difference of the expected values, the 90% confidence interval of it, the quantiles of the
    per-campaign differences, P(better) where a side can be better, and the replications it was
    read on (`paired_difference`)."""

    mean: float | None
    p5: float | None
    p50: float | None
    p95: float | None
    ci_low: float | None
    ci_high: float | None
    probability_better: float | None  # None for a KPI that is no score (spend)
    replications_used: int

    def spreads(self) -> tuple[float | None, ...]:
        """How far the difference reaches: its quantiles and its mean's interval."""
        return (self.p5, self.p95, self.ci_low, self.ci_high)


def paired_difference(ours: KpiDraws, theirs: KpiDraws, metric: str, better: int) -> dict:
    """One KPI of a combination minus the baseline's, replication by replication: the difference
    of the expected values with its 90% confidence interval (`summary.kpi_difference`: for a
    ratio KPI the difference of the ratios of expected totals), the 5/50/95% quantiles of the
    per-campaign differences, and the probability that the combination does better in a paired
    campaign (`better`: +1 when larger is better, -1 when smaller is, 0 for neither).
    Replications where either side's ratio is undefined (a CPA without conversions) are left out
    of the quantiles and the probability."""
    stats = kpi_difference(ours, theirs, metric)
    a, b = ours[metric], theirs[metric]
    both = ~np.isnan(a) & ~np.isnan(b)
    beats = better * (a[both] - b[both]) > 0
    n = int(both.sum())
    return {
        **stats,
        "probability_better": float(beats.mean()) if n and better else None,
        "replications_used": n,
    }


def comparison_document(found: list[Combination], baseline: str) -> dict:
    """The comparison as JSON: each combination's KPIs and strategy outcome, and the paired
    differences of every other combination against `baseline`."""
    by_label = {c.label: c for c in found}
    base = by_label[baseline].run.result.kpis()
    first = found[0].run.result
    return {
        "seed": first.seed,
        "replications": first.replications,
        "baseline": baseline,
        "combinations": [
            {
                "label": c.label,
                "source": c.source,
                "scenario": c.scenario.campaign.name,
                "strategy": c.scenario.strategy.type,
                "currency": c.scenario.campaign.currency,
                "kpis": describe_kpis(c.run.result.kpis()),
                "unspent": describe(
                    unspent(c.scenario.campaign.budget, c.run.result.kpis()["spend"])
                ),
                "outcome": strategy_outcome(c.run.result, c.run.oracle),
                "kpi_targets": [target_odds(c.run.result, t) for t in c.scenario.kpis],
            }
            for c in found
        ],
        "differences": [
            {
                "label": c.label,
                "metric": metric,
                **paired_difference(kpis, base, metric, BETTER[metric]),
            }
            for c in found
            if c.label != baseline
            for kpis in [c.run.result.kpis()]
            for metric in BETTER
            if metric in kpis and metric in base
        ],
    }


def comparison_result(found: list[Combination], baseline: str) -> ComparisonResult:
    """The typed comparison of the runs `found` against `baseline` (the runs ride along, in
    memory, for the page's per-replication figures)."""
    return ComparisonResult.from_dict(comparison_document(found, baseline), found=found)


def comparison_rows(result: ComparisonResult) -> list[dict]:
    """Tidy rows (label, scenario, strategy, metric, mean, p5, p50, p95) of every combination."""
    return [
        {
            "label": c.label,
            "scenario": c.scenario,
            "strategy": c.strategy,
            "metric": metric,
            **stats.to_dict(),
        }
        for c in result.combinations
        for metric, stats in {**c.kpis, "unspent": c.unspent}.items()
    ]


@dataclass(frozen=True)
class CombinationSummary(Document):
    """One scenario x strategy combination as compared: its KPIs over the replications, what its
    strategy achieved against the oracle, and the odds of the scenario's KPI targets."""

    label: str  # 'file-stem:strategy'
    source: str
    scenario: str  # the campaign's name
    strategy: str
    currency: str
    kpis: dict[str, Stats]  # KPI name -> its summary
    unspent: Stats  # the budget less the spend, per campaign (`spending.unspent`)
    outcome: StrategyOutcome
    kpi_targets: list[TargetOdds]


@dataclass(frozen=True)
class PairedDifference(Document):
    """One combination minus the baseline in one KPI, replication by replication (see
    `paired_difference`); the numbers are None when no replication has both values."""

    label: str
    metric: str
    mean: float | None
    p5: float | None
    p50: float | None
    p95: float | None
    ci_low: float | None  # the 90% confidence interval of the mean difference
    ci_high: float | None
    probability_better: float | None  # None for a KPI that is no score (spend)
    replications_used: int


@dataclass(frozen=True)
class ComparisonResult(Document):
    """Every scenario x strategy run under common random numbers, with paired differences
    against the baseline (comparison.json)."""

    seed: int
    replications: int
    baseline: str
    combinations: list[CombinationSummary]
    differences: list[PairedDifference]
    # the runs behind the numbers, for the page's figures; none when read back from a file
    found: Sequence[Combination] = in_memory(default=())

    def to_frame(self) -> pd.DataFrame:
        """label, scenario, strategy, metric, mean, p5, p50, p95 of every combination."""
        return self.comparison_table().to_frame()

    def comparison_table(self) -> Table:
        """`to_frame`'s rows as a `Table`: comparison.csv is written from it without pandas."""
        return Table.from_rows(comparison_rows(self))

    def differences_frame(self) -> pd.DataFrame:
        """Paired differences against the baseline, one row per combination and KPI."""
        return self.differences_table().to_frame()

    def differences_table(self) -> Table:
        return Table.from_rows([d.to_dict() for d in self.differences])

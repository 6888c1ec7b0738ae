"""`smmsim run` as a study: the plan simulated under its strategy and the oracle, its risk
assessed, and the answer as one typed document (`result.json`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smmsim.scenarios.documents import ABSENT, Document, in_memory
from smmsim.scenarios.kpis import kpi_unit
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.tables import Table
from smmsim.simulator.alongside import computed_alongside
from smmsim.simulator.frames import daily_table
from smmsim.simulator.result import Result
from smmsim.simulator.studies.evaluation import StrategyRun, evaluate
from smmsim.simulator.studies.outcome import StrategyOutcome, strategy_outcome
from smmsim.simulator.studies.risk import RiskAssessment, assess_risk
from smmsim.simulator.studies.spending import unspent
from smmsim.simulator.studies.streamed import STREAM_ABOVE, stream_run
from smmsim.simulator.summary import Probability, Stats, TargetOdds, describe, result_json

if TYPE_CHECKING:  # pandas (0.2 s to import) only where a frame is asked for
    import pandas as pd

KpiStats = dict[str, Stats]  # KPI name -> its summary over replications (only the KPIs it has)


@dataclass(frozen=True)
class ArmSummary(Document):
    """One tool line (an arm): where it runs, what kind of tool it is, and its KPIs."""

    platform: str
    tool: str
    type: str
    metrics: KpiStats


@dataclass(frozen=True)
class MonthSummary(Document):
    """The KPIs within one calendar month: the whole campaign, each platform and each arm."""

    total: KpiStats
    platforms: dict[str, KpiStats]  # platform name -> its KPIs
    arms: dict[str, KpiStats]  # arm name -> its KPIs


@dataclass(frozen=True)
class QuantileMethod(Document):
    """How a run's quantiles were read: `streamed` from a log-grid histogram, each within
    `relative_error` of the exact quantile of the replications (`simulator.sketch`). A run that
    kept every replication has exact quantiles and no such section."""

    method: str
    relative_error: float


@dataclass(frozen=True)
class RunResult(Document):
    """What a plan buys, with uncertainty: KPIs by platform, tool and month, the KPI targets'
    probabilities, the strategy against the oracle, and the plan's flags (`risk`)."""

    scenario: str
    source: str | None
    currency: str
    seed: int
    replications: int
    deterministic: bool
    start: str
    days: int
    budget: float
    months: list[str]
    totals: KpiStats
    platforms: dict[str, KpiStats]  # platform name -> its KPIs
    arms: dict[str, ArmSummary]  # arm name ('platform/tool') -> its summary
    monthly: dict[str, MonthSummary]  # 'YYYY-MM' -> that month's KPIs
    kpi_targets: list[TargetOdds]
    all_targets_met: Probability | None  # every target at once, in one campaign; None: no target
    unspent: Stats  # the budget less the spend, per campaign (`spending.unspent`); ABSENT in a
    # document of a simulation alone
    strategy: StrategyOutcome  # ABSENT in a document of a simulation alone (`result_json`)
    risk: RiskAssessment  # ABSENT where the plan's flags were not assessed
    quantiles: QuantileMethod  # ABSENT where every replication was kept (exact quantiles)
    # The simulation itself: kept in memory for the day-by-day views, None for a result read
    # back from a file.
    simulation: Result | None = in_memory(default=None)
    oracle: Result | None = in_memory(default=None)  # the oracle's run on the same numbers

    def quantile_note(self) -> str | None:
        """What a reader must know of the quantiles when they were streamed (None: exact)."""
        if self.quantiles is ABSENT:
            return None
        return (
            f"Quantiles (p5, p50, p95) are streamed estimates: {self.replications:,} replications "
            "were summarised as they ran, not kept; each quantile lies within "
            f"{self.quantiles.relative_error:.1%} of the exact one. Expected values, intervals "
            "and probabilities are exact."
        )

    def to_frame(self) -> pd.DataFrame:
        """Every KPI of every scope (total, platform, tool): level, name, metric, unit, mean,
        p5, p50, p95 (summary.csv)."""
        return self.summary_table().to_frame()

    def summary_table(self) -> Table:
        """`to_frame`'s rows as a `Table`: summary.csv is written from it without pandas."""
        arms = {name: arm.metrics for name, arm in self.arms.items()}
        return Table.from_rows(kpi_rows(self.totals, self.platforms, arms, self.currency))

    def by_platform(self) -> pd.DataFrame:
        """Mean KPIs, one row per platform and one column per KPI."""
        frame = self.to_frame()
        platforms = frame[frame["level"] == "platform"]
        return platforms.pivot(index="name", columns="metric", values="mean")[
            list(dict.fromkeys(platforms["metric"]))
        ]

    def monthly_frame(self) -> pd.DataFrame:
        """Every KPI of every scope within each calendar month (monthly.csv)."""
        return self.monthly_table().to_frame()

    def monthly_table(self) -> Table:
        rows = [
            {"month": label, **row}
            for label, month in self.monthly.items()
            for row in kpi_rows(month.total, month.platforms, month.arms, self.currency)
        ]
        return Table.from_rows(rows)

    def daily(self) -> pd.DataFrame:
        """Per day and tool in the canonical columns; `stat` is the mean over replications or a
        5/50/95% quantile of the daily sample (daily.csv). Needs the simulation: a result read
        back from result.json has only the summaries."""
        return self.daily_table().to_frame()

    def daily_table(self) -> Table:
        if self.simulation is None:
            raise ValueError("daily(): this result holds no simulation (read from a file?)")
        return daily_table(self.simulation)


def kpi_rows(
    total: KpiStats, platforms: dict[str, KpiStats], arms: dict[str, KpiStats], currency: str
) -> list[dict]:
    """Tidy rows (level, name, metric, unit, mean, p5, p50, p95): the campaign, each platform,
    each arm; money in the campaign's currency."""
    scopes = [
        ("total", "all", total),
        *(("platform", name, kpis) for name, kpis in platforms.items()),
        *(("arm", name, kpis) for name, kpis in arms.items()),
    ]
    return [
        {"level": level, "name": name, "metric": metric, "unit": kpi_unit(metric, currency)}
        | stats.to_dict()
        for level, name, kpis in scopes
        for metric, stats in kpis.items()
    ]


def run_document(
    result: Result, oracle: Result, source: str | None = None, risk: dict | None = None
) -> dict:
    """The JSON document of a run, with its strategy's outcome against the oracle and, when
    assessed, the plan's flags."""
    budget = result.scenario.campaign.budget
    document = {
        **result_json(result, source),
        "unspent": describe(unspent(budget, result.kpis()["spend"])),
        "strategy": strategy_outcome(result, oracle),
    }
    if risk is not None:
        document["risk"] = risk
    return document


def run_plan(
    scenario: Scenario,
    *,
    source: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    deterministic: bool = False,
    chunk_size: int | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    stream: bool | None = None,
) -> RunResult:
    """Simulate the plan under its strategy (and the oracle, to measure regret), assess its
    risk on the same seed and replications, and return the run's typed document.

    Above `STREAM_ABOVE` replications (or with `stream=True`) no replication is kept: each chunk
    is summarised as it ends (`studies.streamed`), and quantiles are streamed estimates."""
    reps = replications or scenario.campaign.replications
    if stream is None:
        stream = reps > STREAM_ABOVE
    if stream and not deterministic:
        document, simulation = stream_run(
            scenario,
            source=source,
            replications=reps,
            seed=seed,
            chunk_size=chunk_size,
            workers=workers,
            progress=progress,
        )
        return RunResult.from_dict(document, simulation=simulation)
    done = evaluate(
        scenario,
        replications=replications,
        seed=seed,
        deterministic=deterministic,
        chunk_size=chunk_size,
        workers=workers,
        progress=progress,
    )
    document = _documented_alongside_risk(done, source, chunk_size, workers)
    return RunResult.from_dict(document, simulation=done.result, oracle=done.oracle)


def _documented_alongside_risk(
    done: StrategyRun, source: str | None, chunk_size: int | None, workers: int
) -> dict:
    """The run's document with its risk. The risk's what-ifs simulate in this process, one
    after another (travel-agency: 0.3 s), while the rest of the document, which does not
    depend on them (0.25 s), is computed by a forked copy, where more than one worker was
    asked for; the document is the same either way."""

    def without_risk() -> dict:
        return run_document(done.result, done.oracle, source=source)

    if workers == 1:
        risk = assess_risk(done.result, chunk_size=chunk_size, workers=workers)
        return {**without_risk(), "risk": risk}
    with computed_alongside(without_risk) as document:
        risk = assess_risk(done.result, chunk_size=chunk_size, workers=workers)
        return {**document(), "risk": risk}

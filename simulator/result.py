"""The record of a simulation run: per-replication totals and months, daily means and samples."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from smmsim.scenarios.schema import Scenario
from smmsim.simulator.arms import ArmTable
from smmsim.simulator.lines import LineTable
from smmsim.simulator.metrics import (
    CAMPAIGN_FLOWS,
    CAMPAIGN_STOCKS,
    PLATFORM_FLOWS,
    STOCK_MEASURES,
    derive_kpis,
)
from smmsim.simulator.recorder import DAILY_CAMPAIGN_MEASURES, DAILY_MEASURES, Recorder
from smmsim.simulator.sketch import QuantileSketch
from smmsim.simulator.strategies import StrategyRecord

SCOPED = PLATFORM_FLOWS + CAMPAIGN_FLOWS + CAMPAIGN_STOCKS


@dataclass(frozen=True)
class Streamed:
    """What a streamed run's report needs from its replications, summarised while it ran:
    each KPI target group's monthly summaries and the regret's histogram (a quantile sketch)."""

    replications: int
    relative_error: float  # of every quantile (`simulator.sketch`)
    target_months: dict[tuple[str, str | None, bool], list[dict]]  # (metric, platform, whole
    # campaign?) -> per month, the KPI's summary within it or from the start to its end
    regret: QuantileSketch | None  # of the oracle's conversions minus the strategy's


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    lines: LineTable  # every tool on every platform; the first `lines.n_arms` are the ad arms
    budget_arms: ArmTable  # the arms the strategy split the budget over (its record's columns)
    seed: int
    deterministic: bool
    dates: tuple[date, ...]
    months: tuple[str, ...]  # 'YYYY-MM' calendar months of the campaign
    totals: dict[str, np.ndarray]  # base measure -> (reps, lines | platforms | 1)
    monthly: dict[str, np.ndarray]  # base measure -> (months, reps, lines | platforms | 1)
    daily_mean: dict[str, np.ndarray]  # daily measure -> (days, arms), over all replications
    daily_sample: dict[str, np.ndarray]  # daily measure -> (days, sampled reps, arms)
    campaign_daily_mean: dict[str, np.ndarray]  # reputation and backlash -> (days,)
    campaign_daily_sample: dict[str, np.ndarray]  # -> (days, sampled reps)
    strategy: StrategyRecord  # what the strategy did in each replication
    checkpoints: dict[int, dict[str, np.ndarray]]  # day -> spend, conversions (reps,) before it
    # A streamed run keeps no replication: `totals`, `monthly` and `checkpoints` are empty and
    # `strategy` None; what its report draws beside the daily views was summarised as it ran.
    streamed: Streamed | None = None

    @property
    def replications(self) -> int:
        if self.streamed is not None:
            return self.streamed.replications
        return next(iter(self.totals.values())).shape[0]

    def kpis(
        self,
        arm_mask: np.ndarray | None = None,
        month: int | None = None,
        through_month: int | None = None,
        tools_only: bool = False,
    ) -> dict[str, np.ndarray]:
        """Every KPI per replication, (reps,), for the lines in `arm_mask` (all if None): over the
        whole campaign, within calendar month `month`, or from the start to the end of
        `through_month` (months 0-based). Backlash measures belong to platforms, so they come
        (and repair spend counts in `spend`) only where the mask holds whole platforms; the
        reputation belongs to the brand and comes only with every line. `tools_only` reads the
        lines' own measures alone (a tool's figures, even the only tool of its platform)."""
        mask = np.ones(self.lines.n, dtype=bool) if arm_mask is None else arm_mask
        period = self._period(month, through_month)
        line_measures = {n: v for n, v in period.items() if n not in SCOPED}
        base = {name: values[:, mask].sum(axis=1) for name, values in line_measures.items()}
        covered = np.unique(self.lines.platform_of[mask])
        whole = [p for p in covered if mask[self.lines.platform_of == p].all()]
        if len(whole) == len(covered) and not tools_only:
            base.update({n: period[n][:, whole].sum(axis=1) for n in PLATFORM_FLOWS})
        if mask.all() and not tools_only:
            base.update({n: period[n][:, 0] for n in CAMPAIGN_FLOWS + CAMPAIGN_STOCKS})
        by_platform = np.stack(
            [
                period["impressions"][:, mask & (self.lines.platform_of == p)].sum(axis=1)
                for p in covered
            ],
            axis=-1,
        )
        return derive_kpis(
            base,
            by_platform,
            self.lines.platform_audience[covered],
            self.scenario.campaign.average_order_value,
            reputation=self.scenario.reputation is not None,
        )

    def month_measures(self, month: int) -> dict[str, np.ndarray]:
        """Every base measure per replication within calendar month `month` (0-based)."""
        return self._period(month, None)

    def _period(self, month: int | None, through_month: int | None) -> dict[str, np.ndarray]:
        """Base measures over a period; stocks are read at the period's end."""
        if month is None and through_month is None:
            return self.totals
        first, last = (month, month) if month is not None else (0, through_month)
        stocks = STOCK_MEASURES + CAMPAIGN_STOCKS
        return {
            name: values[last] if name in stocks else values[first : last + 1].sum(axis=0)
            for name, values in self.monthly.items()
        }

    def platform_mask(self, platform: str) -> np.ndarray:
        return self.lines.platform_of == self.lines.platforms.index(platform)

    def arm_mask(self, arm: int) -> np.ndarray:
        mask = np.zeros(self.lines.n, dtype=bool)
        mask[arm] = True
        return mask


def replications_of(result: Result, rows: slice, scenario: Scenario) -> Result:
    """These replications of `result` as a run of `scenario` (per-replication totals, months,
    checkpoints and strategy record), without the day-by-day fields, which are over all of
    `result`'s replications (`simulator/stacked.py` splits its side-by-side runs so)."""
    return replace(
        result,
        scenario=scenario,
        totals={k: v[rows] for k, v in result.totals.items()},
        monthly={k: v[:, rows] for k, v in result.monthly.items()},
        checkpoints={
            day: {k: v[rows] for k, v in measures.items()}
            for day, measures in result.checkpoints.items()
        },
        daily_mean={},
        daily_sample={},
        campaign_daily_mean={},
        campaign_daily_sample={},
        strategy=result.strategy.rows(rows),
    )


def spliced(base: Result, rows: np.ndarray, part: Result) -> Result:
    """`part`'s run (`simulate(..., only=rows)` of another scenario on `base`'s seed) with every
    other replication copied from `base`: per-replication totals, months and checkpoints. For a
    what-if that is the same as `base` wherever nothing it changes happened. Only the
    replications are spliced: the day-by-day fields and the strategy record, which a what-if's
    KPIs never read, are left empty."""

    def put(values: np.ndarray, replaced: np.ndarray, axis: int) -> np.ndarray:
        out = values.copy()
        out[(slice(None),) * axis + (rows,)] = replaced
        return out

    return replace(
        part,
        totals={k: put(v, part.totals[k], 0) for k, v in base.totals.items()},
        monthly={k: put(v, part.monthly[k], 1) for k, v in base.monthly.items()},
        checkpoints={
            day: {k: put(v, part.checkpoints[day][k], 0) for k, v in measures.items()}
            for day, measures in base.checkpoints.items()
        },
        daily_mean={},
        daily_sample={},
        campaign_daily_mean={},
        campaign_daily_sample={},
        strategy=None,
    )


class ChunkMerger:
    """Joins chunks in replication order as they finish, wherever they ran: each chunk's
    per-replication totals, months and checkpoints are copied into the run's arrays at its
    offset and the chunk is dropped, so a run never holds its replications twice (once in its
    chunks and once joined). Daily sums are kept per chunk (a few numbers a day per RNG block)
    and added in chunk order at the end, the same additions as before in the same order."""

    def __init__(self, chunk_sizes: list[int]):
        self.offsets = np.cumsum([0, *chunk_sizes])
        self.n_reps = int(self.offsets[-1])
        self.totals: dict[str, np.ndarray] = {}
        self.monthly: dict[str, np.ndarray] = {}
        self.checkpoints: dict[int, dict[str, np.ndarray]] = {}
        n = len(chunk_sizes)
        self.daily: list[Recorder | None] = [None] * n  # the chunks' day-by-day parts only
        self.records: list[StrategyRecord | None] = [None] * n

    def add(self, i: int, chunk: Recorder, record: StrategyRecord) -> None:
        if not self.totals:
            self._allocate(chunk)
        rows = slice(int(self.offsets[i]), int(self.offsets[i + 1]))
        for name, values in chunk.totals.items():
            self.totals[name][rows] = values
        for name, values in chunk.monthly.items():
            self.monthly[name][:, rows] = values
        for day, measures in chunk.checkpoints.items():
            for name, values in measures.items():
                self.checkpoints[day][name][rows] = values
        chunk.totals, chunk.monthly, chunk.checkpoints = {}, {}, {}
        chunk.running = {}
        self.daily[i], self.records[i] = chunk, record

    def _allocate(self, chunk: Recorder) -> None:
        def like(values: np.ndarray, axis: int) -> np.ndarray:
            shape = list(values.shape)
            shape[axis] = self.n_reps
            return np.empty(shape, dtype=values.dtype)

        self.totals = {k: like(v, 0) for k, v in chunk.totals.items()}
        self.monthly = {k: like(v, 1) for k, v in chunk.monthly.items()}
        self.checkpoints = {
            day: {m: like(v, 0) for m, v in measures.items()}
            for day, measures in chunk.checkpoints.items()
        }

    def result(self, **fields) -> Result:
        return Result(
            totals=self.totals,
            monthly=self.monthly,
            **daily_fields(self.daily, self.n_reps),
            strategy=StrategyRecord.merge(self.records),
            checkpoints=self.checkpoints,
            **fields,
        )


def daily_fields(chunks: list[Recorder], n_reps: int) -> dict[str, dict[str, np.ndarray]]:
    """The day-by-day fields of a run from its chunks' daily parts, in chunk order: daily sums
    become means over all replications, samples are joined."""
    sampled = [c for c in chunks if c.n_sampled > 0] or chunks[:1]
    return {
        "daily_mean": {
            k: np.concatenate([c.daily_sum[k] for c in chunks], axis=1).sum(axis=1) / n_reps
            for k in DAILY_MEASURES
        },
        "daily_sample": {k: _joined([c.daily_sample[k] for c in sampled]) for k in DAILY_MEASURES},
        "campaign_daily_mean": {
            k: np.concatenate([c.campaign_daily_sum[k] for c in chunks], axis=1).sum(axis=1)
            / n_reps
            for k in DAILY_CAMPAIGN_MEASURES
        },
        "campaign_daily_sample": {
            k: _joined([c.campaign_daily_sample[k] for c in sampled])
            for k in DAILY_CAMPAIGN_MEASURES
        },
    }


def _joined(samples: list[np.ndarray]) -> np.ndarray:
    """Chunks' sampled days side by side. Usually the first chunk holds them all: its arrays
    are then the run's, not copied (a copy of a long plan's sample cost a tenth of a second)."""
    return samples[0] if len(samples) == 1 else np.concatenate(samples, axis=1)


def merge_chunks(chunks: list[Recorder], records: list[StrategyRecord], **fields) -> Result:
    """Join chunks in replication order; daily sums become means over all replications."""
    merger = ChunkMerger([c.totals["spend"].shape[0] for c in chunks])
    for i, (chunk, record) in enumerate(zip(chunks, records, strict=True)):
        merger.add(i, chunk, record)
    return merger.result(**fields)

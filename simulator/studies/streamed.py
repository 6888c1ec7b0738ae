"""`smmsim run` of more replications than are worth keeping: each chunk is summarised as it ends.

A chunk job simulates one chunk of RNG blocks under the strategy and under the oracle (the same
blocks, so the same markets), and, for each platform where this chunk saw a backlash event, the
what-if without that platform's backlash. It then builds the run's document of that chunk alone
with partial summaries (`simulator.partials`) and returns it with the chunk's daily sums and
samples; the replications themselves are dropped in the worker. The parent merges the chunks'
documents as they arrive, so memory does not grow with the replications (beyond a few numbers
per RNG block and the quantile sketches' buckets).

A what-if is skipped in a chunk without an event on that platform: there its replications are
the same with and without the platform's backlash (its events are drawn from the platform's own
stream and change nothing until one strikes), so the chunk's own numbers stand in for it. For
the same reason a chunk's what-if simulates only its replications where the platform's backlash
struck, as the kept run's does (`risk.resimulate_struck_only`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from smmsim.scenarios.schema import Scenario
from smmsim.simulator.engine import (
    DEFAULT_CHUNK,
    DEFAULT_DAILY_SAMPLE,
    KEEP_LIMIT,
    ChunkJob,
    chunk_jobs,
    for_each_done,
    result_fields,
    run_job,
)
from smmsim.simulator.partials import finish_tree, merge_tree, summarising_chunk
from smmsim.simulator.plan import CampaignPlan
from smmsim.simulator.recorder import Recorder
from smmsim.simulator.result import Result, Streamed, daily_fields, merge_chunks, spliced
from smmsim.simulator.sketch import RELATIVE_ERROR, QuantileSketch
from smmsim.simulator.strategies import load_for
from smmsim.simulator.studies.evaluation import oracle_of
from smmsim.simulator.studies.outcome import regret_per_replication, strategy_outcome
from smmsim.simulator.studies.risk import (
    LOSS_KPIS,
    event_probability,
    flags,
    kpi_loss,
    level_of,
    resimulate_struck_only,
    without_backlash_on,
)
from smmsim.simulator.studies.spending import unspent
from smmsim.simulator.summary import describe, describe_kpi, result_json

# Above this many replications `run` streams; at or below it every replication is kept and every
# quantile is exact.
STREAM_ABOVE = KEEP_LIMIT


@dataclass(frozen=True)
class StreamPlans:
    """What every chunk job needs: the scenario, its plan and the oracle's (None: the strategy
    is the oracle), and the fixed fields of a chunk's `Result`."""

    scenario: Scenario
    plan: CampaignPlan
    oracle: CampaignPlan | None
    source: str | None
    fields: dict


def stream_plans(scenario: Scenario, seed: int, source: str | None) -> StreamPlans:
    plan = CampaignPlan.from_scenario(scenario)
    oracle = None
    if scenario.strategy.type != "oracle":
        oracle = CampaignPlan.from_scenario(oracle_of(scenario))
    return StreamPlans(scenario, plan, oracle, source, result_fields(plan, seed, False))


def chunk_result(plans: StreamPlans, plan: CampaignPlan, job: ChunkJob) -> Result:
    recorder, record = run_job(plan, job)
    return merge_chunks([recorder], [record], scenario=plan.scenario, **plans.fields)


def summarise_chunk(plans: StreamPlans, job: ChunkJob) -> tuple[dict, Recorder]:
    """One chunk's partial document and report parts, and its daily sums and samples."""
    recorder, record = run_job(plans.plan, job)
    result = merge_chunks([recorder], [record], scenario=plans.scenario, **plans.fields)
    oracle = result if plans.oracle is None else chunk_result(plans, plans.oracle, job)
    scenario = plans.scenario
    with summarising_chunk(np.cumsum([0, *job.sizes[:-1]])):
        document = {
            **result_json(result, plans.source),
            "unspent": describe(unspent(scenario.campaign.budget, result.kpis()["spend"])),
            "strategy": strategy_outcome(result, oracle),
            "risk": chunk_risk(plans, result, job),
        }
        report = {
            "targets": target_months(result),
            "regret": QuantileSketch.of(regret_per_replication(result, oracle)),
        }
    return {"document": document, "report": report}, recorder


def chunk_risk(plans: StreamPlans, result: Result, job: ChunkJob) -> list[dict]:
    """The simulated risk rows of one chunk, levels not yet judged (`finish_risk`)."""
    scenario, kpis, rows = result.scenario, result.kpis(), []
    for p, platform in enumerate(result.lines.platforms):
        events = result.totals["backlash_events"][:, p]
        calm = kpis
        if events.any():
            what_if = CampaignPlan.from_scenario(without_backlash_on(scenario, [platform]))
            calm = chunk_what_if(plans, what_if, job, result, events > 0).kpis()
        rows.append(
            {
                "platform": platform,
                "chance": event_probability(events, deterministic=False),
                "events": describe(events),
                "repair_cost": describe(result.totals["repair_cost"][:, p]),
                "loss": kpi_loss(kpis, calm, scenario.reputation is not None),
            }
        )
    return rows


def chunk_what_if(
    plans: StreamPlans, what_if: CampaignPlan, job: ChunkJob, result: Result, struck: np.ndarray
) -> Result:
    """The chunk under `what_if`: only its struck replications simulated where they are few,
    the rest the chunk's own (`risk.resimulate_struck_only`)."""
    if not resimulate_struck_only(result, what_if.scenario, struck):
        return chunk_result(plans, what_if, job)
    rows = np.flatnonzero(struck)
    return spliced(result, rows, chunk_result(plans, what_if, job.only(rows)))


def finish_risk(scenario: Scenario, rows: list[dict]) -> dict:
    """The risk section from the merged rows: each platform's level, and no loss where no event
    struck in any replication (as an exact run has it)."""
    simulated = []
    for row in rows:
        chance = row["chance"]
        loss = row["loss"] if chance["probability"] > 0 else dict.fromkeys(LOSS_KPIS)
        simulated.append(
            {
                "platform": row["platform"],
                **chance,
                "level": level_of(chance["probability"], scenario),
                "events": row["events"],
                "repair_cost": row["repair_cost"],
                "loss": loss,
            }
        )
    return flags(scenario, simulated)


def target_months(result: Result) -> list[dict]:
    """For each group of KPI targets the report charts together (metric, platform, whole
    campaign?), the KPI's summary per month: within it, or from the start to its end."""
    groups = dict.fromkeys((t.metric, t.platform, t.month is None) for t in result.scenario.kpis)
    out = []
    for metric, platform, cumulative in groups:
        mask = result.platform_mask(platform) if platform else None
        period = "through_month" if cumulative else "month"
        months = [
            describe_kpi(result.kpis(mask, **{period: m}), metric)
            for m in range(len(result.months))
        ]
        out.append({"key": [metric, platform, cumulative], "months": months})
    return out


def stream_run(
    scenario: Scenario,
    *,
    source: str | None = None,
    replications: int,
    seed: int | None = None,
    chunk_size: int | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict, Result]:
    """The run's document (as `run_document` writes it, quantiles streamed) and its simulation
    without replications (daily views and the report's streamed parts)."""
    seed = scenario.campaign.seed if seed is None else seed
    plans = stream_plans(scenario, seed, source)
    size = chunk_size or min(DEFAULT_CHUNK, -(-replications // workers))
    jobs = chunk_jobs(replications, seed, size, DEFAULT_DAILY_SAMPLE)
    runs = 1 if plans.oracle is None else 2
    merged: dict = {}
    daily: list[Recorder | None] = [None] * len(jobs)

    def done(i: int, answer: tuple[dict, Recorder]) -> None:
        part, daily[i] = answer
        merged["tree"] = merge_tree(merged["tree"], part) if merged else part
        if progress:
            progress(jobs[i].n_reps * runs)

    load_for([scenario])  # before the workers fork, so that each inherits it
    for_each_done(summarise_chunk, [(plans, job) for job in jobs], workers, done)
    tree = finish_tree(merged["tree"])
    document = tree["document"]
    document["replications"] = replications
    document["risk"] = finish_risk(scenario, document["risk"])
    document["quantiles"] = {"method": "streamed", "relative_error": RELATIVE_ERROR}
    report = tree["report"]
    streamed = Streamed(
        replications=replications,
        relative_error=RELATIVE_ERROR,
        target_months={tuple(g["key"]): g["months"] for g in report["targets"]},
        regret=None if plans.oracle is None else report["regret"],
    )
    simulation = Result(
        scenario=scenario,
        totals={},
        monthly={},
        **daily_fields(daily, replications),
        strategy=None,
        checkpoints={},
        streamed=streamed,
        **plans.fields,
    )
    return document, simulation

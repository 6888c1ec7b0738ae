"""What to do with the rest of the money: the optimiser searches the split of the remaining
budget over the remaining days (a few trials), and the best split is evaluated against keeping the
plan's split on common random numbers (the optimiser's own final evaluation)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from smmsim.scenarios.documents import Document
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.studies.comparison import PairedStats
from smmsim.simulator.studies.optimiser.document import CpaDifference, PlanFigures
from smmsim.simulator.studies.optimiser.job import OptimiseJob
from smmsim.simulator.studies.optimiser.job import optimise as run_study
from smmsim.simulator.studies.optimiser.storage import default_url
from smmsim.simulator.studies.optimiser.study import settings_of

DEFAULT_TRIALS = 12  # a few: the remaining split has as many dimensions as the plan has ad tools
AS_PLANNED = "as written"  # the optimiser's name for the plan it was given


@dataclass(frozen=True)
class Reallocation(Document):
    """The best split found for the rest against keeping the plan's: shares of the paid-ads
    budget, both plans' figures, and the gains (optimised - kept, paired)."""

    trials: int
    replications: int
    shares: dict[str, float]  # 'platform/tool' -> proposed share of the remaining paid-ads budget
    planned_shares: dict[str, float]
    proposed: PlanFigures
    kept: PlanFigures
    conversions_gain: PairedStats
    cpa_change: CpaDifference
    notes: list[str]


def reallocate(
    rest: Scenario, source: str, *, trials: int, replications: int, seed: int, workers: int = 1
) -> Reallocation | None:
    """None when the rest has nothing to re-split (one paid-ads tool, or no trial completed)."""
    if sum(t.budget_share is not None for p in rest.platforms for t in p.ad_tools()) < 2:
        return None
    settings = settings_of(rest, trials=trials, replications=max(replications // 4, 50), seed=seed)
    with tempfile.TemporaryDirectory() as folder:
        job = OptimiseJob(
            source=Path(source),
            scenario=rest,
            settings=settings,
            storage_url=default_url(Path(folder)),
            study_name="track-remaining",
            out_dir=None,
            final_replications=replications,
            workers=workers,
        )
        done = _quiet(job)
    if done.best is None or done.evaluation is None:
        return None
    evaluation = done.evaluation
    if AS_PLANNED not in evaluation.against:
        return None
    against = evaluation.against[AS_PLANNED]
    planned = {
        f"{p.name}/{t.name}": t.budget_share
        for p in rest.platforms
        for t in p.ad_tools()
        if t.budget_share is not None
    }
    return Reallocation(
        trials=trials,
        replications=evaluation.replications,
        shares=dict(done.best.candidate.shares),
        planned_shares=planned,
        proposed=evaluation.plans["optimised"],
        kept=evaluation.plans[AS_PLANNED],
        conversions_gain=against.conversions,
        cpa_change=against.expected_cpa,
        notes=list(evaluation.notes),
    )


def _quiet(job: OptimiseJob):
    import optuna

    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        return run_study(job)
    finally:
        optuna.logging.set_verbosity(level)

"""The optimisation study (`scenarios.optimiser.study`, `selection`, `objective`): reproducible
for one worker, seeded with the known plans once, resumable only with the same settings, the risk
limit handed to the sampler, the best trial and the Pareto front read as documented, and every
trial simulated on the same random numbers.

Studies are kids-shop (made `fixed`) at 20 replications per trial in SQLite files under
tmp_path, so that a study is reopened as a separate process would reopen it.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest
from hypothesis import given
from hypothesis import strategies as st
from optuna.study._constrained_optimization import _CONSTRAINTS_KEY, _get_feasible_trials
from optuna.trial import FrozenTrial, TrialState

import smmsim.simulator.studies.optimiser.study as study_module
from smmsim.scenarios.errors import SmmsimError
from smmsim.scenarios.loader import load_scenario, read_yaml, scenario_from_data
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.studies.optimiser.candidate import Candidate
from smmsim.simulator.studies.optimiser.job import DEFAULT_PARALLEL_TRIALS
from smmsim.simulator.studies.optimiser.objective import outcome_of, simulate_candidate
from smmsim.simulator.studies.optimiser.sampling import TrialSeededSampler
from smmsim.simulator.studies.optimiser.selection import best_choice, is_feasible, pareto_front
from smmsim.simulator.studies.optimiser.study import (
    INTERRUPTED,
    RISK_CONSTRAINT,
    Optimisation,
    StudySettings,
    evaluate_candidate,
    open_optimisation,
    scenario_digest,
    settings_of,
)
from smmsim.simulator.studies.optimiser.warm_start import water_filling_split

# kids-shop as a `fixed` plan whose split the study searches (the bundled file tests its tools).
from tests.helpers import interrupting, kids_shop_fixed

KIDS = kids_shop_fixed(Path(tempfile.mkdtemp(prefix="optimiser-study-")))
ADS = ("facebook/paid_ads", "instagram/paid_ads", "tiktok/paid_ads")
REPS = 20
TRIALS = 12  # past TPE's 10 random start-up trials, so model-based proposals are covered
KNOWN_PLANS = 3

optuna.logging.set_verbosity(optuna.logging.WARNING)


def kids() -> Scenario:
    return load_scenario(KIDS)


def open_kids(
    storage: Path, scenario: Scenario | None = None, name: str = "kids", **overrides
) -> Optimisation:
    scenario = scenario or kids()
    settings = settings_of(scenario, **{"trials": TRIALS, "replications": REPS, **overrides})
    return open_optimisation(
        scenario, settings, storage_url=f"sqlite:///{storage}", study_name=name, source=str(KIDS)
    )


def run(optimisation: Optimisation) -> int:
    return optimisation.run_batches(1)


def optunas_own_loop(optimisation: Optimisation) -> None:
    """The one-at-a-time study as Optuna's `optimize` runs it, each trial recorded as smmsim
    records it: what batches of 1 must give, trial for trial."""
    s = optimisation

    def objective(trial: optuna.Trial):
        candidate = s.space.suggest(trial)
        outcome = evaluate_candidate(s.scenario, candidate, s.settings, s.source)
        return s._record(trial, candidate, outcome)

    s.study.optimize(objective, n_trials=s.settings.trials - len(s.completed()))


def history(optimisation: Optimisation) -> list[tuple[int, str, dict, tuple]]:
    """(number, state, params, values) of every trial, in number order."""
    trials = sorted(optimisation.study.get_trials(), key=lambda t: t.number)
    return [(t.number, t.state.name, t.params, tuple(t.values or ())) for t in trials]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Optimisation, Path]:
    """One study of TRIALS trials, run in one go with the scenario's seed (7) by Optuna's own
    loop, one trial at a time."""
    storage = tmp_path_factory.mktemp("reference") / "study.db"
    optimisation = open_kids(storage)
    optunas_own_loop(optimisation)
    return optimisation, storage


# --- (a) reproducibility -------------------------------------------------------------------------


def test_the_same_seed_on_one_worker_gives_the_same_trials(reference, tmp_path):
    again = open_kids(tmp_path / "again.db")
    run(again)
    assert history(again) == history(reference[0])
    assert len(history(again)) == TRIALS


def test_another_seed_proposes_other_trials(reference, tmp_path):
    other = open_kids(tmp_path / "other.db", seed=8, trials=KNOWN_PLANS + 2)
    run(other)
    ours = {n: params for n, _, params, _ in history(reference[0])}
    theirs = {n: params for n, _, params, _ in history(other)}
    for number in range(KNOWN_PLANS):  # the known plans do not depend on the seed
        assert theirs[number] == ours[number]
    for number in range(KNOWN_PLANS, KNOWN_PLANS + 2):
        assert theirs[number] != ours[number]


def test_trials_side_by_side_give_the_same_study_run_after_run(reference, tmp_path):
    """Two trials at a time: proposed here one after another and told in order, so the study
    is reproducible for that batch size. The known plans come first, as one at a time, and the
    trials' values are those of their candidates simulated here (only the proposals after the
    start-up differ from the one-at-a-time study: a batch's trials do not see each other)."""
    first, second = open_kids(tmp_path / "first.db"), open_kids(tmp_path / "second.db")
    assert first.run_batches(2) == TRIALS
    second.run_batches(2)
    assert history(first) == history(second)
    ours = {n: (params, values) for n, _, params, values in history(first)}
    serial = {n: (params, values) for n, _, params, values in history(reference[0])}
    for number in range(KNOWN_PLANS):
        assert ours[number] == serial[number]
    for t in first.completed():
        candidate = Candidate(t.user_attrs["candidate"]["shares"], {})
        assert t.value == outcome_of(simulated(candidate)).cpa


def test_a_batch_split_over_processes_is_the_same_study(tmp_path):
    """Where a batch is simulated (side by side here, or in groups over worker processes)
    changes no number of the study."""
    here, spread = open_kids(tmp_path / "here.db"), open_kids(tmp_path / "spread.db")
    here.run_batches(3)
    spread.run_batches(3, workers=2)
    assert history(here) == history(spread)


def test_a_batch_first_fails_and_retries_a_stopped_workers_trial(tmp_path):
    """Before each batch, as Optuna's own loop before each trial: a running trial whose worker
    stopped beating (here: asked, beaten once, then left) is failed, and its plan runs again."""
    scenario = kids()
    settings = settings_of(scenario, trials=TRIALS, replications=REPS)
    optimisation = open_optimisation(
        scenario,
        settings,
        storage_url=f"sqlite:///{tmp_path / 'stale.db'}",
        study_name="stale",
        source=str(KIDS),
        heartbeat_seconds=1,
    )
    stopped = optimisation._ask()
    optimisation.space.suggest(stopped)
    optimisation.study._storage.record_heartbeat(stopped._trial_id)
    # Two missed 1 s beats, on SQLite's clock, which keeps whole seconds: past 3 s in all.
    time.sleep(3.5)
    optimisation.run_batches(4)
    trials = optimisation.study.get_trials(deepcopy=False)
    assert trials[stopped.number].state == TrialState.FAIL
    retries = [t for t in trials if t.system_attrs.get("failed_trial") == stopped.number]
    assert [t.state for t in retries] == [TrialState.COMPLETE]
    assert retries[0].params == trials[stopped.number].params


def test_the_command_line_and_the_library_batch_alike():
    """`smmsim optimise` and `OptimiseJob` (the Python API) default to the same batch size."""
    from smmsim.cli import optimise as command

    option = next(p for p in command.params if p.name == "parallel_trials")
    assert option.default == DEFAULT_PARALLEL_TRIALS


@pytest.mark.parametrize("parallel", [1, 4])
def test_a_proposal_read_once_is_the_proposal_fresh_reads_give(tmp_path, monkeypatch, parallel):
    """The sampler reads the study's trials once a trial (`TrialsReadOnce`) where TPE would read
    them twice: the proposals are the same, one at a time and in batches (past TPE's random
    start-up, so model-based proposals are compared)."""
    once = open_kids(tmp_path / "once.db")
    once.run_batches(parallel)
    monkeypatch.setattr(TrialSeededSampler, "_read_once", lambda self, study: study)
    fresh = open_kids(tmp_path / "fresh.db")
    fresh.run_batches(parallel)
    assert history(once) == history(fresh)


def test_one_trial_at_a_time_in_batches_is_optunas_one_at_a_time_study(reference, tmp_path):
    """Batches of 1 through the batch's storage propose, simulate and store every trial as
    Optuna's own loop does (the reference), attributes and constraint included."""
    again = open_kids(tmp_path / "again.db")
    again.run_batches(1)
    assert history(again) == history(reference[0])
    ours, theirs = (sorted(o.completed(), key=lambda t: t.number) for o in (again, reference[0]))
    assert [t.system_attrs for t in ours] == [t.system_attrs for t in theirs]
    drop_worker = [{k: v for k, v in t.user_attrs.items() if k != "worker"} for t in ours]
    assert drop_worker == [{k: v for k, v in t.user_attrs.items() if k != "worker"} for t in theirs]


def failing_evaluation(*args) -> None:
    raise RuntimeError("a plan that cannot be simulated")


def test_a_batch_that_raises_fails_its_trials_and_says_why(monkeypatch, tmp_path):
    """As Optuna fails the trial whose objective raised: no trial of the batch is left
    running, and the error reaches the caller."""
    monkeypatch.setattr(study_module, "evaluate_candidates", failing_evaluation)
    optimisation = open_kids(tmp_path / "failing.db")
    with pytest.raises(RuntimeError, match="cannot be simulated"):
        optimisation.run_batches(2)
    states = [state for _, state, _, _ in history(optimisation)]
    assert states.count("FAIL") == 2
    assert "RUNNING" not in states and "COMPLETE" not in states


# --- (b) the known plans -------------------------------------------------------------------------


def test_a_new_study_first_runs_the_known_plans(reference):
    """The water-filling start, the plan as written (45/35/20) and the even spread, in that
    order, as enqueued (fixed) parameters."""
    optimisation, _ = reference
    s, space = optimisation.scenario, optimisation.space
    known = [
        Candidate(water_filling_split(s, space)),
        Candidate(dict(zip(ADS, (0.45, 0.35, 0.20), strict=True))),
        Candidate({t: 1 / 3 for t in ADS}),
    ]
    trials = sorted(optimisation.study.trials, key=lambda t: t.number)
    for trial, candidate in zip(trials, known, strict=False):
        assert trial.system_attrs["fixed_params"] == pytest.approx(space.parameters_of(candidate))
        assert trial.params == pytest.approx(space.parameters_of(candidate))
    assert all("fixed_params" not in t.system_attrs for t in trials[KNOWN_PLANS:])


def test_the_plan_as_written_is_simulated_as_written(reference):
    trial = sorted(reference[0].study.trials, key=lambda t: t.number)[1]
    shares = trial.user_attrs["candidate"]["shares"]
    assert shares == pytest.approx(dict(zip(ADS, (0.45, 0.35, 0.20), strict=True)))


def test_reopening_a_new_study_does_not_enqueue_the_known_plans_again(tmp_path):
    first = open_kids(tmp_path / "study.db")
    again = open_kids(tmp_path / "study.db")
    assert (first.created, again.created) == (True, False)
    states = [t.state for t in again.study.get_trials()]
    assert states == [TrialState.WAITING] * KNOWN_PLANS


def test_resuming_a_finished_study_enqueues_nothing(reference):
    _, storage = reference
    again = open_kids(storage)
    assert not again.created
    assert again.study.get_trials(states=(TrialState.WAITING,)) == []
    assert run(again) == 0  # the target is reached: no trial runs
    assert len(again.completed()) == TRIALS


# --- (c) resuming --------------------------------------------------------------------------------


def test_resuming_continues_to_the_target_with_the_same_trials(reference, tmp_path):
    """Stopped after 5 trials and resumed to 12, the study is the one run in one go: no
    completed trial is lost or changed, and the sampler picks up where it stopped."""
    storage = tmp_path / "study.db"
    first = open_kids(storage, trials=5)
    assert run(first) == 5
    before = history(first)
    resumed = open_kids(storage)
    assert run(resumed) == TRIALS - 5
    after = history(resumed)
    assert after[:5] == before
    assert after == history(reference[0])


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"seed": 8}, "seed 7 (now 8)"),
        ({"replications": 30}, "replications 20 (now 30)"),
        ({"deterministic": True}, "deterministic False (now True)"),
    ],
)
def test_resuming_with_other_settings_is_refused(reference, change, detail):
    _, storage = reference
    with pytest.raises(SmmsimError) as info:
        open_kids(storage, **change)
    assert str(info.value) == (
        f"study 'kids' was created with other settings: {detail}; resume it with the same "
        "scenario and options, or name a new study with --study"
    )


def test_resuming_with_a_changed_scenario_is_refused(reference):
    _, storage = reference
    data = read_yaml(KIDS)
    data["campaign"]["budget"] = 13_000
    changed = scenario_from_data(data, str(KIDS))
    with pytest.raises(
        SmmsimError,
        match=r"^study 'kids' was created with other settings: scenario '[0-9a-f]{16}' "
        r"\(now '[0-9a-f]{16}'\); resume it with the same scenario and options",
    ):
        open_kids(storage, scenario=changed)


def test_a_refused_resume_leaves_the_study_as_it_was(reference):
    _, storage = reference
    with pytest.raises(SmmsimError):
        open_kids(storage, seed=8)
    assert history(open_kids(storage)) == history(reference[0])


def file_with(**changes: Any) -> Scenario:
    """kids-shop with `section.key` settings changed in the file."""
    data = read_yaml(KIDS)
    for dotted, value in changes.items():
        section, key = dotted.split(".")
        data[section][key] = value
    return scenario_from_data(data, str(KIDS))


def test_raising_the_trials_in_the_file_resumes_the_study(reference):
    """Fixed (was doubtful): the scenario digest included the whole optimise block, so raising
    optimise.trials in the file (not a setting any trial depends on) refused the resume."""
    _, storage = reference
    more = file_with(**{"optimise.trials": 200})
    resumed = open_kids(storage, scenario=more, trials=None)
    assert not resumed.created
    assert resumed.settings.trials == 200


@pytest.mark.parametrize(
    "change",
    [
        {"campaign.replications": 500},  # `smmsim run`'s, not a trial's
        {"campaign.name": "Little Steps - renamed"},
        {"optimise.replications": 400},  # given as --reps 20, so the file's is not read
        {"optimise.trials": 30, "campaign.replications": 100},
    ],
    ids=["campaign.replications", "campaign.name", "optimise.replications-overridden", "both"],
)
def test_editing_a_setting_no_trial_reads_resumes_the_study(reference, change):
    _, storage = reference
    assert scenario_digest(file_with(**change)) == scenario_digest(kids())
    resumed = open_kids(storage, scenario=file_with(**change))
    assert not resumed.created
    assert history(resumed) == history(reference[0])


def test_changing_a_prior_in_the_file_refuses_the_resume(reference):
    _, storage = reference
    data = read_yaml(KIDS)
    data["platforms"][0]["tools"][0]["cvr"] = {"mean": 0.013, "sd": 0.004}
    changed = scenario_from_data(data, str(KIDS))
    assert scenario_digest(changed) != scenario_digest(kids())
    with pytest.raises(SmmsimError, match=r"^study 'kids' was created with other settings: "):
        open_kids(storage, scenario=changed)


def test_changing_the_search_space_in_the_file_refuses_the_resume(reference):
    """The spend limits are part of the optimise block that the trials do read."""
    _, storage = reference
    data = read_yaml(KIDS)
    data["optimise"]["platforms"] = {"tiktok": {"max_spend": 1000}}
    changed = scenario_from_data(data, str(KIDS))
    with pytest.raises(SmmsimError, match=r"other settings: scenario '[0-9a-f]{16}' \(now "):
        open_kids(storage, scenario=changed)


def test_changing_the_objective_in_the_file_is_refused_as_a_setting(reference):
    """Out of the digest, the objective is still fingerprinted as the trials use it."""
    _, storage = reference
    with pytest.raises(
        SmmsimError, match=r"other settings: objective 'cpa' \(now 'conversions'\);"
    ):
        open_kids(storage, scenario=file_with(**{"optimise.objective": "conversions"}))


# --- (c') Ctrl-C inside a trial ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "waiting"),
    [(6, [6]), (2, [2, 3])],  # the known plans are trials 0-2
    ids=["a-sampled-trial", "a-known-plan"],
)
def test_an_interrupted_trial_is_queued_again_and_run_first_on_resume(
    tmp_path, monkeypatch, call, waiting
):
    """The trial Ctrl-C stopped is stored failed, and its plan is queued again (marked with the
    failed trial's number): the resumed study runs it before any new proposal (after the known
    plans still waiting, when it was one of them), and no plan is lost."""
    storage = tmp_path / "study.db"
    interrupting(monkeypatch, call)
    first = open_kids(storage, trials=8)
    with pytest.raises(KeyboardInterrupt):
        first.run_batches(1)
    number = call - 1
    trials = sorted(first.study.get_trials(), key=lambda t: t.number)
    failed = trials[number]
    assert failed.state == TrialState.FAIL
    assert [t.number for t in trials if t.state == TrialState.COMPLETE] == list(range(number))
    assert [t.number for t in trials if t.state == TrialState.WAITING] == waiting
    queued = trials[waiting[-1]]
    assert queued.user_attrs == {INTERRUPTED: number}
    assert queued.system_attrs["fixed_params"] == failed.params

    monkeypatch.undo()
    resumed = open_kids(storage, trials=8)
    assert resumed.run_batches(1) == 8 - number
    done = sorted(resumed.completed(), key=lambda t: t.datetime_start)
    new = [t for t in done if t.number > number]
    assert [t.number for t in new[: len(waiting)]] == waiting
    retried = next(t for t in done if t.number == waiting[-1])
    assert retried.params == failed.params
    assert retried.user_attrs[INTERRUPTED] == number
    assert [t.number for t in resumed.study.get_trials(states=(TrialState.FAIL,))] == [number]
    assert len(done) == 8


def test_a_batch_ctrl_c_stopped_is_queued_again_and_run_first_on_resume(tmp_path, monkeypatch):
    """Ctrl-C while a batch is simulated: each of its trials is stored failed and its plan
    queued again, and the resumed study runs those plans before any new proposal."""
    storage = tmp_path / "study.db"
    interrupting(monkeypatch, 2)
    first = open_kids(storage, trials=10)
    with pytest.raises(KeyboardInterrupt):
        first.run_batches(4)
    trials = sorted(first.study.get_trials(), key=lambda t: t.number)
    assert [t.number for t in trials if t.state == TrialState.COMPLETE] == [0, 1, 2, 3]
    failed = [t for t in trials if t.state == TrialState.FAIL]
    assert [t.number for t in failed] == [4, 5, 6, 7]
    queued = [t for t in trials if t.state == TrialState.WAITING]
    assert [t.user_attrs[INTERRUPTED] for t in queued] == [4, 5, 6, 7]

    monkeypatch.undo()
    resumed = open_kids(storage, trials=10)
    resumed.run_batches(4)
    done = {t.number: t for t in resumed.completed()}
    assert len(done) == 10
    for stopped, again in zip(failed, queued, strict=True):
        assert done[again.number].params == stopped.params


# --- (d) the best trial and the Pareto front -----------------------------------------------------


def settings(objective: str = "cpa", max_risk: float | None = None) -> StudySettings:
    return StudySettings(
        objective=objective, max_risk=max_risk, pareto=False, trials=1, replications=10, seed=1
    )


def trial(number: int, value: float, risk: float) -> FrozenTrial:
    """A completed trial scoring `value` on both objectives' attributes."""
    t = optuna.trial.create_trial(
        value=value, user_attrs={"cpa": value, "conversions": value, "risk": risk}
    )
    t.number = number
    return t


RISKS = st.sampled_from([0.0, 0.05, 0.1, 0.15, 0.2, 0.5])  # a grid: ties in risk are common
scored = st.lists(
    st.tuples(st.floats(1, 1000), RISKS), min_size=1, max_size=12, unique_by=lambda x: x[0]
)


def trials_of(points: list[tuple[float, float]]) -> list[FrozenTrial]:
    return [trial(i, value, risk) for i, (value, risk) in enumerate(points)]


def goodness(objective: str):
    """Smaller is better: CPA as it is, conversions negated."""
    return (lambda v: v) if objective == "cpa" else (lambda v: -v)


@given(scored, st.sampled_from([0.01, 0.07, 0.12, 0.3]), st.sampled_from(["cpa", "conversions"]))
def test_the_best_trial_is_the_best_feasible_one_when_any_is(points, max_risk, objective):
    trials = trials_of(points)
    feasible = [t for t in trials if t.user_attrs["risk"] <= max_risk]
    choice = best_choice(trials, settings(objective, max_risk))
    better = goodness(objective)
    if feasible:
        assert choice.feasible
        assert choice.trial.user_attrs["risk"] <= max_risk
        assert better(choice.trial.value) == min(better(t.value) for t in feasible)
    else:  # the least risky, and the best of those
        assert not choice.feasible
        least = min(t.user_attrs["risk"] for t in trials)
        assert choice.trial.user_attrs["risk"] == least
        tied = [t for t in trials if t.user_attrs["risk"] == least]
        assert better(choice.trial.value) == min(better(t.value) for t in tied)


def test_without_a_risk_limit_the_best_trial_is_the_best_one():
    trials = trials_of([(30, 0.5), (20, 0.9), (25, 0.0)])
    choice = best_choice(trials, settings("cpa"))
    assert (choice.trial.number, choice.feasible) == (1, True)


def test_no_trials_no_choice():
    assert best_choice([], settings("cpa", 0.1)) is None


@pytest.mark.parametrize(
    ("objective", "number"), [("cpa", 1), ("conversions", 0)], ids=["cpa", "conversions"]
)
def test_with_none_feasible_the_least_risky_trial_is_the_best_of_the_least_risky(objective, number):
    """Fixed: with no feasible trial, best_choice broke ties in risk by trial number, not by
    the objective, and could pick a dominated trial."""
    trials = trials_of([(40, 0.2), (30, 0.2), (20, 0.5)])
    choice = best_choice(trials, settings(objective, 0.1))
    assert (choice.trial.number, choice.feasible) == (number, False)


def test_with_none_feasible_an_exact_tie_goes_to_the_earlier_trial():
    trials = trials_of([(20, 0.5), (30, 0.2), (30, 0.2)])
    assert best_choice(trials, settings("cpa", 0.1)).trial.number == 1


def dominates(a: FrozenTrial, b: FrozenTrial, better) -> bool:
    va, vb = better(a.value), better(b.value)
    ra, rb = a.user_attrs["risk"], b.user_attrs["risk"]
    return va <= vb and ra <= rb and (va < vb or ra < rb)


@given(scored, st.sampled_from(["cpa", "conversions"]))
def test_the_pareto_front_holds_no_dominated_trial(points, objective):
    trials = trials_of(points)
    better = goodness(objective)
    front = pareto_front(trials, settings(objective))
    assert front
    for t in front:
        assert not any(dominates(other, t, better) for other in trials)
    for t in trials:  # and every trial left out is dominated
        if t not in front:
            assert any(dominates(other, t, better) for other in trials)


@given(scored, st.sampled_from(["cpa", "conversions"]))
def test_the_pareto_front_holds_the_best_trial_and_the_least_risk(points, objective):
    trials = trials_of(points)
    front = pareto_front(trials, settings(objective))
    best = best_choice(trials, settings(objective)).trial
    assert best in front
    assert min(t.user_attrs["risk"] for t in front) == min(t.user_attrs["risk"] for t in trials)


@given(scored)
def test_the_pareto_front_is_ordered_by_risk(points):
    front = pareto_front(trials_of(points), settings())
    risks = [t.user_attrs["risk"] for t in front]
    assert risks == sorted(risks)


# --- (e) the risk limit reaches the sampler ------------------------------------------------------

TRAVEL = Path("scenarios/examples/travel-agency.yaml")


def open_travel(storage: Path, **overrides) -> Optimisation:
    """travel-agency, whose backlash risk varies from plan to plan (kids-shop's is 0)."""
    s = load_scenario(TRAVEL)
    settings = settings_of(s, **{"replications": REPS, **overrides})
    return open_optimisation(
        s, settings, storage_url=f"sqlite:///{storage}", study_name="travel", source=str(TRAVEL)
    )


# travel-agency's four trials here have backlash risks of about 0.3%, 3.5%, 8% and 13% (3,000
# replications each): at 400 replications a limit of 6% keeps the first feasible and the last
# infeasible whatever the draws (each is more than four standard errors from the limit).
RISK_LIMIT = 0.06
RISK_REPS = 400


@pytest.fixture(scope="module")
def risk_limited(tmp_path_factory) -> Optimisation:
    optimisation = open_travel(
        tmp_path_factory.mktemp("risk") / "study.db",
        max_risk=RISK_LIMIT,
        trials=4,
        replications=RISK_REPS,
    )
    run(optimisation)
    return optimisation


def test_with_a_risk_limit_every_trial_stores_its_constraint(risk_limited):
    """Feasible is <= 0 for Optuna, so the constraint is the risk over the limit; it is stored
    with the trial, under Optuna's constraints key, where TPE reads it."""
    for t in risk_limited.completed():
        assert t.constraints == {RISK_CONSTRAINT: pytest.approx(t.user_attrs["risk"] - RISK_LIMIT)}
        assert t.system_attrs[f"{_CONSTRAINTS_KEY}:{RISK_CONSTRAINT}"] == pytest.approx(
            t.user_attrs["risk"] - RISK_LIMIT
        )


def test_optuna_and_the_selection_agree_on_which_trials_are_feasible(risk_limited):
    trials = risk_limited.completed()
    ours = {t.number for t in trials if is_feasible(t, risk_limited.settings)}
    assert {t.number for t in _get_feasible_trials(trials)} == ours
    assert 0 < len(ours) < len(trials)  # the limit splits this study's trials


def test_the_chosen_trial_of_a_risk_limited_study_is_its_best_feasible_one(risk_limited):
    trials = risk_limited.completed()
    choice = best_choice(trials, risk_limited.settings)
    feasible = [t for t in trials if t.user_attrs["risk"] <= RISK_LIMIT]
    assert choice.feasible
    assert choice.trial.value == min(t.value for t in feasible)


def test_two_objectives_with_a_risk_limit_store_both_values_and_the_constraint(tmp_path):
    optimisation = open_kids(tmp_path / "pareto.db", max_risk=0.05, pareto=True, trials=3)
    run(optimisation)
    assert [d.name for d in optimisation.study.directions] == ["MINIMIZE", "MINIMIZE"]
    for t in optimisation.completed():
        assert t.values == [t.user_attrs["cpa"], t.user_attrs["risk"]]
        assert t.constraints == {RISK_CONSTRAINT: pytest.approx(t.user_attrs["risk"] - 0.05)}


def test_without_a_risk_limit_no_constraint_is_stored(reference):
    for t in reference[0].completed():
        assert t.constraints == {}
        assert not any(k.startswith(_CONSTRAINTS_KEY) for k in t.system_attrs)


# --- (f) common random numbers -------------------------------------------------------------------


def simulated(candidate: Candidate, seed: int = 7):
    return simulate_candidate(kids(), candidate, replications=REPS, seed=seed, source=str(KIDS))


A = Candidate(dict(zip(ADS, (0.5, 0.3, 0.2), strict=True)))
B = Candidate(dict(zip(ADS, (0.5, 0.25, 0.25), strict=True)))  # facebook's share as in A


def test_the_same_candidate_twice_gives_identical_outcomes():
    first, second = simulated(A), simulated(A)
    assert outcome_of(first) == outcome_of(second)
    for name, values in first.totals.items():
        assert np.array_equal(values, second.totals[name]), name


def test_a_trial_records_the_outcome_of_its_candidate(reference):
    """What the study stored for a trial is what its candidate simulates to, again."""
    t = sorted(reference[0].completed(), key=lambda t: t.number)[1]
    candidate = Candidate(t.user_attrs["candidate"]["shares"], {})
    outcome = outcome_of(simulated(candidate))
    assert t.value == outcome.cpa
    assert (t.user_attrs["conversions"], t.user_attrs["risk"]) == (
        outcome.conversions,
        outcome.risk,
    )


def paired_gap(a, b, measure: str, arm: str) -> float:
    """The largest per-replication difference of one arm's measure, over its spread across
    replications."""
    i = a.lines.names.index(arm)
    x, y = a.totals[measure][:, i], b.totals[measure][:, i]
    return float(np.abs(x - y).max() / x.std())


@pytest.mark.parametrize("measure", ["impressions", "clicks"])
def test_two_candidates_differ_only_through_their_plan(measure):
    """Facebook gets 50% in both: replication by replication its figures match to a tiny
    fraction of their spread (the same true rates and noise; only the pooled pacing of a few
    unspent cents couples it to the others), while another seed moves them by about one spread."""
    a, b = simulated(A), simulated(B)
    assert paired_gap(a, b, measure, "facebook/paid_ads") < 1e-3
    assert paired_gap(a, simulated(A, seed=8), measure, "facebook/paid_ads") > 0.5


def test_an_unchanged_share_spends_the_same_budget():
    a, b = simulated(A), simulated(B)
    i = a.lines.names.index("facebook/paid_ads")
    assert b.totals["spend"][:, i] == pytest.approx(a.totals["spend"][:, i], rel=1e-4)


def test_the_arm_whose_share_changed_does_differ():
    a, b = simulated(A), simulated(B)
    i = a.lines.names.index("tiktok/paid_ads")
    ratio = b.totals["spend"][:, i].mean() / a.totals["spend"][:, i].mean()
    assert ratio == pytest.approx(0.25 / 0.2, rel=0.02)
    assert not math.isclose(outcome_of(a).cpa, outcome_of(b).cpa)

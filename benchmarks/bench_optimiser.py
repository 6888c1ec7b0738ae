"""Optimiser benchmark: how close a study gets to a known optimum, and what one trial costs.

    python -m benchmarks.bench_optimiser [--seeds N] [--trials N] [--example-trials N]
        [--parallel-trials N] [--record]

Quality: deterministic studies (`smmsim optimise --deterministic`: one replication of the model's
expected values) of the closed-form scenarios in tests/optimiser_scenarios.py: three arms all
funded at the optimum, three arms with one unfunded, six arms all funded. The best trial's
conversions after 50, 100 and 200 trials are given as a share of the hand-computed optimum's,
the minimum and median over seeds 1..N, for the sampler alone (no warm start) and with the warm
start (the marginal-return split, the plan as written and the even spread enqueued first); then
the trials the sampler alone took to first reach 99%. For scale: the even spread's share, and the
chance that one split drawn uniformly over the simplex reaches 99% (what a random trial has).

Cost: seconds per trial of a study of the bundled kids-shop.yaml and reputation-steady.yaml (which
has tactics, so intensity dials too) at the default 200 replications per trial, one process,
beside one plain `simulate` of the plan as written at 200 replications (the rest is the sampler
and the storage); then the same studies N trials at a time (`--parallel-trials N`, default 8 as
`smmsim optimise`'s), the batch side by side over every core. Every study runs on SQLite in a
temporary folder. Wall time by `time.perf_counter`; nothing asserted. `--record` appends the
figures to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import optuna

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_engine import machine, print_table, record
from smmsim.scenarios.loader import load_scenario, scenario_from_data
from smmsim.simulator.engine import simulate
from smmsim.simulator.studies.optimiser.job import DEFAULT_PARALLEL_TRIALS
from smmsim.simulator.studies.optimiser.storage import default_url
from smmsim.simulator.studies.optimiser.study import open_optimisation, settings_of
from tests.optimiser_scenarios import (
    CASES,
    closed_form_optimum,
    concave_scenario_data,
    even_conversions,
    half_spends,
    returns_per_money,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "scenarios" / "examples"
CHECKPOINTS = (50, 100, 200)
BAR = 0.99
SEEDS = 3
EXAMPLE_TRIALS = {"kids-shop": 30, "reputation-steady": 15}
REPLICATIONS = 200  # the `optimise:` block's default per trial
LABELS = {
    "interior": "3 arms, all funded",
    "corner": "3 arms, one unfunded",
    "wide": "6 arms, all funded",
}


def best_so_far(case: str, seed: int, trials: int, warm_start: bool) -> tuple[np.ndarray, float]:
    """(best conversions after each trial / the optimum's, seconds per trial) of one study."""
    arms, budget, days = CASES[case]
    scenario = scenario_from_data(concave_scenario_data(arms, budget, days, seed), f"{case}.yaml")
    settings = settings_of(scenario, trials=trials, replications=1, deterministic=True)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        run = open_optimisation(
            scenario,
            settings,
            storage_url=default_url(Path(folder)),
            study_name=case,
            source=f"{case}.yaml",
            warm_start=warm_start,
        )
        run.run()
        seconds = time.perf_counter() - start
        trials_done = sorted(run.completed(), key=lambda t: t.number)
    conversions = np.array([t.user_attrs["conversions"] for t in trials_done])
    optimum = closed_form_optimum(arms, budget, days)[1]
    return np.maximum.accumulate(conversions) / optimum, seconds / len(trials_done)


def random_split_success(case: str, draws: int = 200_000) -> float:
    """P(one split drawn uniformly over the simplex reaches BAR of the optimum), by hand."""
    arms, budget, days = CASES[case]
    a, h = returns_per_money(arms), half_spends(arms)
    spends = np.random.default_rng(0).dirichlet(np.ones(len(arms)), draws) * budget / days
    conversions = (a * spends / (1 + spends / h)).sum(axis=1) * days
    return float((conversions >= BAR * closed_form_optimum(arms, budget, days)[1]).mean())


def quality_rows(seeds: int, trials: int) -> list[tuple[str, str]]:
    rows = []
    checkpoints = [n for n in CHECKPOINTS if n <= trials]
    per_trial = []
    for case in CASES:
        arms, budget, days = CASES[case]
        even = even_conversions(arms, budget, days) / closed_form_optimum(arms, budget, days)[1]
        rows.append(
            (
                f"{case} ({LABELS[case]}): even spread / optimum; P(random split >= 99%)",
                f"{even:.2%}; {random_split_success(case):.2%}",
            )
        )
        for warm_start in (False, True):
            curves = []
            for seed in range(1, seeds + 1):
                curve, seconds = best_so_far(case, seed, trials, warm_start)
                curves.append(curve)
                per_trial.append(seconds)
            mode = "with warm start" if warm_start else "sampler alone"
            cells = [
                f"{np.min([c[n - 1] for c in curves]):.2%} / "
                f"{np.median([c[n - 1] for c in curves]):.2%}"
                for n in checkpoints
            ]
            rows.append(
                (
                    f"{case}, {mode}: best / optimum after {', '.join(map(str, checkpoints))} "
                    f"trials (min / median of {seeds} seeds)",
                    "; ".join(cells),
                )
            )
            if not warm_start:
                first = [int(np.argmax(c >= BAR)) + 1 if (c >= BAR).any() else None for c in curves]
                shown = [str(n) if n is not None else f">{trials}" for n in first]
                rows.append((f"{case}, sampler alone: trials to first reach 99%", ", ".join(shown)))
    rows.append(
        (
            f"deterministic trial (sampler and SQLite, {trials}-trial studies): mean seconds",
            f"{np.mean(per_trial):.3f} s",
        )
    )
    return rows


def timed_study(name: str, scenario, trials: int, parallel: int) -> tuple[float, int, int]:
    """(seconds, trials done, parameters searched) of one study, `parallel` trials at a time
    (over every core, as the command runs them)."""
    settings = settings_of(scenario, trials=trials, replications=REPLICATIONS)
    with tempfile.TemporaryDirectory() as folder:
        run = open_optimisation(
            scenario,
            settings,
            storage_url=default_url(Path(folder)),
            study_name=name,
            source=f"{name}.yaml",
        )
        start = time.perf_counter()
        done = run.run_batches(parallel, workers=os.cpu_count() or 1)
        seconds = time.perf_counter() - start
        space = run.space
        split = len(space.paid_ads) - 1 if space.platforms and not space.policy else 0
        parameters = split + len(space.dials) + (3 if space.policy else 0)
    return seconds, done, parameters


def example_rows(example_trials: dict[str, int], parallel: int = 1) -> list[tuple[str, str]]:
    rows = []
    for name, trials in example_trials.items():
        scenario = load_scenario(EXAMPLES / f"{name}.yaml")
        simulate(scenario, replications=20, seed=scenario.campaign.seed)  # warm-up, untimed
        start = time.perf_counter()
        simulate(scenario, replications=REPLICATIONS, seed=scenario.campaign.seed)
        plain = time.perf_counter() - start
        seconds, done, parameters = timed_study(name, scenario, trials, 1)
        rows.append(
            (
                f"{name}: seconds per trial, {REPLICATIONS} replications, 1 process "
                f"({done} trials, {parameters} parameters)",
                f"{seconds / done:.2f} s",
            )
        )
        if parallel > 1:
            seconds, done, _ = timed_study(name, scenario, trials, parallel)
            rows.append(
                (
                    f"{name}: seconds per trial, {parallel} trials side by side over "
                    f"{os.cpu_count()} cores (--parallel-trials {parallel}, {done} trials)",
                    f"{seconds / done:.2f} s",
                )
            )
        rows.append(
            (f"{name}: one plain simulate at {REPLICATIONS} replications", f"{plain:.2f} s")
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--trials", type=int, default=max(CHECKPOINTS))
    parser.add_argument(
        "--example-trials", type=int, default=None, help="trials per bundled example"
    )
    parser.add_argument(
        "--parallel-trials",
        type=int,
        default=DEFAULT_PARALLEL_TRIALS,
        help="also time the examples N trials at a time (1: only one at a time)",
    )
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    examples = {name: args.example_trials or trials for name, trials in EXAMPLE_TRIALS.items()}
    start = time.perf_counter()
    rows = quality_rows(args.seeds, args.trials) + example_rows(examples, args.parallel_trials)
    rows.append(("benchmark wall time", f"{time.perf_counter() - start:.0f} s"))
    print(f"Machine: {machine()}")
    print_table(rows)
    if args.record:
        record(rows, title="optimiser")
        print("Recorded in benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()

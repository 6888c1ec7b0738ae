"""Sizing benchmark: a 20-point test-budget sweep of the bundled kids-shop example.

    python benchmarks/bench_sizing.py [--reps N] [--workers N] [--record]

Times `run_sweep` on 20 test budgets (no test, then 19 log-spaced up to the ceiling that the
March cap allows), each simulating the whole 90-day campaign at 2,000 replications, plus the one
oracle run the sweep shares; then the default adaptive sweep (`smmsim size-test` without
--budgets). Wall time by `time.perf_counter`, nothing asserted; `--record` appends the figures to
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_engine import machine, print_table, record
from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.studies.sizing.points import budget_ceiling, initial_budgets
from smmsim.simulator.studies.sizing.sweep import SweepSettings, run_sweep

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "examples" / "kids-shop.yaml"
POINTS = 20
REPS = 2000


def timed_sweep(settings: SweepSettings, budgets: list[float] | None) -> tuple[float, int]:
    scenario = load_scenario(EXAMPLE)
    start = time.perf_counter()
    sweep = run_sweep(scenario, "kids-shop", settings, budgets)
    return time.perf_counter() - start, len(sweep.points)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=REPS)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    scenario = load_scenario(EXAMPLE)
    days = scenario.strategy.test.days
    budgets = initial_budgets(budget_ceiling(scenario, days), POINTS)
    settings = SweepSettings(replications=args.reps, seed=7, points=POINTS, workers=args.workers)
    fixed, n_fixed = timed_sweep(settings, budgets)
    adaptive, n_adaptive = timed_sweep(settings, None)
    rows = [
        (
            f"size-test kids-shop: {n_fixed} points x {args.reps:,} reps, {args.workers} workers",
            f"{fixed:.2f} s",
        ),
        ("per point (the oracle run included in the total)", f"{fixed / n_fixed:.2f} s"),
        (f"default adaptive sweep ({n_adaptive} points)", f"{adaptive:.2f} s"),
    ]
    print(f"Machine: {machine()}")
    print_table(rows)
    if args.record:
        record(rows, title="size-test sweep")
        print("Recorded in benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()

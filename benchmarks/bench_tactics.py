"""Tactics benchmark: every tool, the reputation and the backlash through the engine, and a check.

    python benchmarks/bench_tactics.py [--reps N] [--record]

Times `simulate` on the bundled `reputation-steady.yaml` (paid ads, retargeting, community content
and forum seeding; 4 key queries, 20 portals, 91 days) against the same plan with its tactics,
reputation and backlash taken out (the ads alone), so the figure is what the new mechanisms cost
per replication; then `smmsim check` of `reputation-rush.yaml` (the static rules, the run, and
the paired what-if without the forums' backlash). Wall time by `time.perf_counter`, best of three,
in this process (one worker); nothing asserted. `--record` appends to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_engine import machine, print_table, record
from benchmarks.draw_time import REPUTATION_DAY, draw_clock
from smmsim.scenarios.loader import load_scenario
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.engine import simulate
from smmsim.simulator.studies.risk import check_document

EXAMPLES = Path(__file__).resolve().parents[1] / "scenarios" / "examples"
REPS = 10_000
REPEATS = 3


def best_time(step) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def ads_only(scenario: Scenario) -> Scenario:
    """The plan's ad tools alone: no tactics, no reputation, no backlash."""
    platforms = [
        p.model_copy(update={"tools": p.ad_tools()}) for p in scenario.platforms if p.ad_tools()
    ]
    backlash = scenario.backlash.model_copy(update={"enabled": False})
    kpis = [k for k in scenario.kpis if k.metric == "cpa"]
    return scenario.model_copy(
        update={"platforms": platforms, "reputation": None, "backlash": backlash, "kpis": kpis}
    )


def model_parts(step) -> str:
    """One run of `step` under the draw clock: the draws' seconds, the reputation's compiled
    day's, and the rest of the model's (its array steps and the Python around them)."""
    with draw_clock() as clock:
        start = time.perf_counter()
        step()
        seconds = time.perf_counter() - start
    reputation = clock.total(REPUTATION_DAY)
    rest = seconds - clock.draws_seconds - reputation
    return f"{clock.draws_seconds:.2f} s, {reputation:.2f} s, {rest:.2f} s (of {seconds:.2f} s)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=REPS)
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    steady = load_scenario(EXAMPLES / "reputation-steady.yaml")
    rush = load_scenario(EXAMPLES / "reputation-rush.yaml")
    full = best_time(lambda: simulate(steady, replications=args.reps, workers=1))
    bare = best_time(lambda: simulate(ads_only(steady), replications=args.reps, workers=1))
    full_parts = model_parts(lambda: simulate(steady, replications=args.reps, workers=1))
    bare_parts = model_parts(lambda: simulate(ads_only(steady), replications=args.reps, workers=1))
    check = best_time(lambda: check_document(rush, replications=args.reps, workers=1))
    rows = [
        (f"reputation-steady, {args.reps:,} reps, 1 process", f"{full:.2f} s"),
        ("  its ads alone (no tactics, reputation, backlash)", f"{bare:.2f} s"),
        ("  cost of tactics, reputation and backlash", f"{full / bare:.2f}x"),
        ("  draws, reputation's compiled day, rest (draw_time.py)", full_parts),
        ("  the same, its ads alone", bare_parts),
        (f"check reputation-rush, {args.reps:,} reps (run + what-if)", f"{check:.2f} s"),
    ]
    print(f"Machine: {machine()}")
    print_table(rows)
    if args.record:
        record(rows, title="tactics, reputation and backlash")
        print("Recorded in benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()

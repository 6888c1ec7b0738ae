"""Command-line wall time: `smmsim --help`, `validate` and every bundled example's `run`.

    python benchmarks/bench_cli.py [--repeats 3] [--only kids-shop] [--record]

Each command runs in a fresh interpreter (`python -m smmsim.cli ...`), as a planner starts it, so
the figures include Python's start-up, the imports, loading the scenario (the prior fits), the
simulation and writing every output file (`run --out`). `run --reps 1` is the same command with
one replication: what a run costs besides the engine (start-up, oracle and report writing of a
one-replication run). Best of `--repeats` runs, wall time by `time.perf_counter`; nothing is
asserted. The targets are issue 17's. `--record` appends the table to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EXAMPLES = ROOT / "scenarios" / "examples"
TARGETS = {"help": 0.3, "validate": 0.5, "run": 3.0}  # seconds, issue 17


def wall_time(args: list[str], repeats: int) -> float:
    """Best wall time of `smmsim ARGS` in a fresh interpreter; a failing command stops the
    benchmark (a fast failure is no figure)."""
    command = [sys.executable, "-m", "smmsim.cli", *args]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return min(times)


def cases(examples: list[str], out: Path) -> list[tuple[str, str, list[str]]]:
    """(row name, target key, arguments) of every command timed."""
    rows = [("smmsim --help", "help", ["--help"])]
    for name in examples:
        path = str(EXAMPLES / f"{name}.yaml")
        rows.append((f"validate {name}", "validate", ["validate", path]))
    for name in examples:
        path, folder = str(EXAMPLES / f"{name}.yaml"), str(out / name)
        rows.append((f"run {name} --out", "run", ["run", path, "--out", folder]))
        one = ["run", path, "--reps", "1", "--out", folder]
        rows.append((f"run {name} --reps 1 --out", "", one))
    return rows


def table(examples: list[str], repeats: int) -> list[tuple[str, str]]:
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for name, target, args in cases(examples, Path(out)):
            seconds = wall_time(args, repeats)
            goal = TARGETS.get(target)
            verdict = (
                ""
                if goal is None
                else f"  (target <= {goal} s: {'met' if seconds <= goal else 'NOT met'})"
            )
            rows.append((name, f"{seconds:.2f} s{verdict}"))
            print(f"{name:<42} {rows[-1][1]}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per command (best is kept)")
    parser.add_argument("--only", action="append", help="an example's name (repeatable)")
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    examples = args.only or sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
    print(f"smmsim commands, best of {args.repeats}, {os.cpu_count()} CPUs")
    rows = table(examples, args.repeats)
    if args.record:
        from benchmarks.bench_engine import record

        record(rows, title="command-line wall time (bench_cli.py)")


if __name__ == "__main__":
    main()

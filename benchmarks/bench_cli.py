"""Command-line wall time: `smmsim --help`, `validate` and every bundled example's `run`.

    python benchmarks/bench_cli.py [--repeats 3] [--only kids-shop] [--baseline DIR] [--record]

Each command runs in a fresh interpreter (`python -m smmsim.cli ...`), as a planner starts it, so
the figures include Python's start-up, the imports, loading the scenario (the prior fits), the
simulation and writing every output file (`run --out`). `run --reps 1` is the same command with
one replication: what a run costs besides the engine's replications (start-up, loading, one
replication and its oracle, and writing the outputs).

Python may cache compiled modules (`__pycache__`), as an installed copy does: the benchmark lifts
PYTHONDONTWRITEBYTECODE for its commands and runs each once untimed first, so no figure includes
compiling smmsim's sources. Best of `--repeats` runs, wall time by `time.perf_counter`; nothing is
asserted. The targets are issue 17's.

`--baseline DIR` times the same commands with another copy of the package too (DIR holds a
folder `smmsim`, for example `mkdir -p /tmp/base/smmsim && git archive main | tar -x -C
/tmp/base/smmsim`), each command's two versions one after the other, so both see the same
machine load. `--record` appends the table to benchmarks/RESULTS.md.
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


def environment(package_parent: Path | None) -> dict[str, str]:
    """The commands' environment: bytecode cached; `package_parent` first on the path."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if package_parent is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(package_parent), env.get("PYTHONPATH")])
        )
    return env


def wall_time(args: list[str], repeats: int, env: dict[str, str]) -> float:
    """Best wall time of `smmsim ARGS` in a fresh interpreter, after one untimed run; a failing
    command stops the benchmark (a fast failure is no figure)."""
    command = [sys.executable, "-m", "smmsim.cli", *args]
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=env)
        times.append(time.perf_counter() - start)
    return min(times[1:])


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


def verdict(seconds: float, target: str) -> str:
    goal = TARGETS.get(target)
    if goal is None:
        return ""
    return f"target <= {goal} s: {'met' if seconds <= goal else 'NOT met'}"


def table(examples: list[str], repeats: int, baseline: Path | None) -> list[tuple[str, str]]:
    now, before = environment(None), environment(baseline) if baseline else None
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for name, target, args in cases(examples, Path(out)):
            seconds = wall_time(args, repeats, now)
            value = f"{seconds:.2f} s"
            if before is not None:
                old = wall_time(args, repeats, before)
                value = f"{old:.2f} s -> {value} ({old / seconds:.1f}x)"
            value = f"{value}  {verdict(seconds, target)}".rstrip()
            rows.append((name, value))
            print(f"{name:<36} {value}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per command (best)")
    parser.add_argument("--only", action="append", help="an example's name (repeatable)")
    parser.add_argument("--baseline", type=Path, help="a folder holding another `smmsim` copy")
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    examples = args.only or sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
    shown = "baseline -> this tree" if args.baseline else "this tree"
    print(f"smmsim commands, best of {args.repeats}, {os.cpu_count()} CPUs ({shown})")
    rows = table(examples, args.repeats, args.baseline)
    if args.record:
        from benchmarks.bench_engine import record

        record(rows, title="command-line wall time (bench_cli.py)")


if __name__ == "__main__":
    main()

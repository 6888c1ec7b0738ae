"""Peak memory of a large streamed `smmsim run` (issue 17: 1,000,000 kids-shop replications in
less than 1 GiB).

    python benchmarks/bench_stream.py [--reps N] [--workers N] [--record]

Runs `smmsim run scenarios/examples/kids-shop.yaml --reps N --out DIR` in a child process and
reads its peak resident memory from the operating system (`ru_maxrss` of the waited-for
children: the largest single process, the parent or one of its workers, as `/usr/bin/time -v`
reports it) and its wall time. On a shared machine only the memory figure is meaningful. Nothing
here asserts a figure; `--record` appends a line to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "examples" / "kids-shop.yaml"
RESULTS = Path(__file__).with_name("RESULTS.md")
TARGET_MIB = 1024


def run(reps: int, workers: int | None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one `smmsim run`."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "smmsim.cli", "run", str(SCENARIO), "--reps", str(reps)]
        command += ["--out", out, "--format", "json"]
        if workers:
            command += ["--workers", str(workers)]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak_kib / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, help="[all cores, as `smmsim run`]")
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    wall, peak = run(args.reps, args.workers)
    line = (
        f"- {datetime.now(UTC):%Y-%m-%d}, {platform.processor() or platform.machine()}: "
        f"`smmsim run kids-shop --reps {args.reps:,}` peak RSS {peak:,.0f} MiB "
        f"(target {TARGET_MIB:,} MiB), {wall:.0f} s wall"
    )
    print(line)
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as results:
            results.write(line + "\n")


if __name__ == "__main__":
    main()

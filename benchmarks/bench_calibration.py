"""Calibration benchmark: import and calibrate online_advertising_performance_data.csv.

    python benchmarks/bench_calibration.py [--record] [--rows N]

Times the import (15,403 rows, each checked and accounted for) and the calibration (the fit on
every usable row plus the hold-out fit, forecast and baseline) of the bundled copy of the real
dataset, grouped by campaign x banner (24 arms), as `smmsim calibrate` runs it. Peak memory is the
tracemalloc peak of each step (Python and numpy allocations) and the process's maximum resident
set. Wall time by `time.perf_counter`, best of three; nothing asserted. `--record` appends the
figures to benchmarks/RESULTS.md.

`--rows N` (issue 17's 1,000,000, for example) times the same import and calibration of a file of N
rows built from the bundled one: copy k of its rows has ` k` added to the placement, a column the
calibration neither groups by nor reads, so no row repeats another, the 24 arms stay, and each
arm-day sums about N / 15,403 times as many rows (330 rows of every copy are rejected, as in the
original). The file is written once to the temporary directory and reused. One run, in a fresh
process so that its maximum resident set is this size's alone; no tracemalloc (it slows Python
allocations several times).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_engine import machine, print_table, record
from smmsim.calibration.importer import ImportOptions, import_exports
from smmsim.calibration.pipeline import CalibrationSettings, calibrate

DATA = (
    Path(__file__).resolve().parents[1]
    / "calibration"
    / "examples"
    / "online_advertising_performance_data.csv"
)
MAPPING = {
    "displays": "impressions",
    "revenue": "spend",
    "cost": "ignore",
    "post_click_conversions": "conversions",
    "post_click_sales_amount": "revenue",
    "month": "month",
    "day": "day",
    "campaign_number": "campaign",
}
OPTIONS = ImportOptions(mapping=MAPPING, platform="adnetwork", year=2020)
SETTINGS = CalibrationSettings(group_by=("campaign", "banner"))
REPEATS = 3


def best_time(step) -> tuple[float, object]:
    times, value = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        value = step()
        times.append(time.perf_counter() - start)
    return min(times), value


def peak_mib(step) -> float:
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def scaled_copy(rows: int) -> Path:
    """A file of `rows` data rows: the bundled file's rows again and again, each copy's
    placement marked with its number (see the module's docstring)."""
    path = Path(tempfile.gettempdir()) / f"smmsim-bench-calibration-{rows}.csv"
    if path.exists():
        return path
    header, *data = DATA.read_text(encoding="utf-8").splitlines()
    placement = header.split(",").index("placement")
    with path.open("w", encoding="utf-8") as out:
        out.write(header + "\n")
        for n in range(rows):
            cells = data[n % len(data)].split(",")  # the bundled file has no quoted cells
            cells[placement] += f" {n // len(data)}"
            out.write(",".join(cells) + "\n")
    return path


def one_run(path: Path) -> dict:
    """Import and calibrate `path` once; the figures as a dict (run in a fresh process)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    imported = import_exports([path], OPTIONS)
    middle, middle_cpu = time.perf_counter(), time.process_time()
    run = calibrate(imported, SETTINGS)
    end, end_cpu = time.perf_counter(), time.process_time()
    return {
        **imported.totals,
        "arms": len(run.calibration.arms),
        "import_s": middle - start,
        "calibrate_s": end - middle,
        "import_cpu_s": middle_cpu - start_cpu,
        "calibrate_cpu_s": end_cpu - middle_cpu,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def seconds(found: dict, step: str) -> str:
    """Wall time, with the CPU time beside it: on a shared machine the wall time also counts
    the waits for a core."""
    return f"{found[step + '_s']:.1f} s (CPU {found[step + '_cpu_s']:.1f} s)"


def scaled(rows: int) -> list[tuple[str, str]]:
    path = scaled_copy(rows)
    child = [sys.executable, __file__, "--one-run", str(path)]
    found = json.loads(subprocess.run(child, check=True, capture_output=True, text=True).stdout)
    return [
        (
            f"import {found['rows_read']:,} rows ({found['rows_used']:,} used, "
            f"{found['rows_rejected']:,} rejected)",
            seconds(found, "import"),
        ),
        ("import throughput", f"{found['rows_read'] / found['import_s'] / 1000:.0f} k rows/s"),
        (f"calibrate: {found['arms']} arms, fit + hold-out", seconds(found, "calibrate")),
        (
            "import + calibrate",
            f"{found['import_s'] + found['calibrate_s']:.1f} s "
            f"(CPU {found['import_cpu_s'] + found['calibrate_cpu_s']:.1f} s)",
        ),
        ("process max RSS", f"{found['max_rss_mib']:.0f} MiB"),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    parser.add_argument("--rows", type=int, help="time a file of this many rows built from it")
    parser.add_argument("--one-run", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_run:
        print(json.dumps(one_run(args.one_run)))
        return
    if args.rows:
        rows = scaled(args.rows)
        print(f"Machine: {machine()}")
        print_table(rows)
        if args.record:
            record(rows, title=f"calibration of {args.rows:,} rows")
            print("Recorded in benchmarks/RESULTS.md")
        return
    import_s, imported = best_time(lambda: import_exports([DATA], OPTIONS))
    fit_s, run = best_time(lambda: calibrate(imported, SETTINGS))
    import_peak = peak_mib(lambda: import_exports([DATA], OPTIONS))
    fit_peak = peak_mib(lambda: calibrate(imported, SETTINGS))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    totals = imported.totals
    rows = [
        (
            f"import {DATA.name}: {totals['rows_read']:,} rows "
            f"({totals['rows_used']:,} used, {totals['rows_rejected']} rejected)",
            f"{import_s:.2f} s",
        ),
        ("import throughput", f"{totals['rows_read'] / import_s / 1000:.0f} k rows/s"),
        (f"calibrate: {len(run.calibration.arms)} arms, fit + hold-out", f"{fit_s:.2f} s"),
        ("import + calibrate", f"{import_s + fit_s:.2f} s"),
        ("tracemalloc peak, import", f"{import_peak:.0f} MiB"),
        ("tracemalloc peak, calibrate", f"{fit_peak:.0f} MiB"),
        ("process max RSS", f"{rss:.0f} MiB"),
    ]
    print(f"Machine: {machine()}")
    print_table(rows)
    if args.record:
        record(rows, title="calibration")
        print("Recorded in benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()

"""Calibration benchmark: import and calibrate online_advertising_performance_data.csv.

    python benchmarks/bench_calibration.py [--record]

Times the import (15,403 rows, each checked and accounted for) and the calibration (the fit on
every usable row plus the hold-out fit, forecast and baseline) of the bundled copy of the real
dataset, grouped by campaign x banner (24 arms), as `smmsim calibrate` runs it. Peak memory is the
tracemalloc peak of each step (Python and numpy allocations) and the process's maximum resident
set. Wall time by `time.perf_counter`, best of three; nothing asserted. `--record` appends the
figures to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import resource
import sys
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
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

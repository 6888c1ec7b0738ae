"""Engine benchmark: the reference scenario through `simulate`, and a naive baseline.

    python benchmarks/bench_engine.py [--reps N] [--baseline-reps N] [--record]
    python benchmarks/bench_engine.py --against DIR [--rounds 3]

The engine is timed in a fresh `spawn` subprocess (one untimed warm-up run first), so its
maximum resident set size is that of one clean interpreter; a second, untimed run there measures
the tracemalloc peak (numpy reports its buffers to tracemalloc). The baseline is what DESIGN.md
section 4 calls the naive design: one `simpy.Environment` per replication, a Python loop over days
and arms, scalar draws from a numpy Generator. It does comparable work per arm-day, not identical
numbers. Throughput is arm-day-replications per second. Nothing here asserts a timing; `--record`
appends the figures to benchmarks/RESULTS.md.

`--against DIR` compares this tree's engine with another copy of the package (DIR holds a folder
`smmsim`, for example `mkdir -p /tmp/base/smmsim && git archive main | tar -x -C
/tmp/base/smmsim`): each round times the reference scenario with one, then the other, each in a
fresh interpreter, so both see the same machine load; a shared 2-core host's speed can move by a
third within minutes, and only figures measured side by side compare.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_cli import environment
from benchmarks.draw_time import draw_clock, draw_rows
from benchmarks.reference import reference_scenario
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.arms import ArmTable, build_arm_table
from smmsim.simulator.curves import DAYS_PER_MONTH, monthly_to_daily_probability
from smmsim.simulator.engine import simulate

TARGET_SECONDS = 3.0
# Issue 17: all cores, one process, and the ratio to the naive loop measured in the same run.
TARGET_RATE = 10e6
TARGET_RATE_ONE_PROCESS = 5e6
TARGET_SPEEDUP = 40.0
REFERENCE_REPS = 10_000
WARMUP_REPS = 500
BASELINE_REPS = 50
SEED = 1
MIB = 2**20
WORKERS = os.cpu_count() or 1  # what `smmsim run` uses by default
RESULTS = Path(__file__).with_name("RESULTS.md")
RESULTS_HEADER = f"""# Engine benchmark results

Written by `python benchmarks/bench_engine.py --record`; newest entry last.

What is measured: the reference scenario (`benchmarks/reference.py`: 8 platforms with one paid-ads
arm each, 120 days, a community) simulated at {REFERENCE_REPS:,} replications by
`simulator.engine.simulate`, after one untimed warm-up run of {WARMUP_REPS} replications, in a
fresh subprocess. Throughput is arm-day-replications per second (8 x 120 x replications / wall
seconds, `time.perf_counter`). Memory is the tracemalloc peak of a second run (numpy buffers
included) and the subprocess's maximum resident set size (interpreter and imports included).
The naive baseline (DESIGN.md section 4) runs one `simpy.Environment` per replication with a
Python loop per day and arm and scalar numpy draws, on a small slice; the speed-up compares the
two throughputs.

The engine is timed twice: in one process, and as `smmsim run` runs it by default, with its chunks
spread over one worker process per core (results are identical either way).

Target: the reference scenario in at most {TARGET_SECONDS:g} s on the 2-core development machine.
"""


# --- the engine, in a fresh process -------------------------------------------------------------


def max_rss_mib() -> float:
    """This process's peak resident set size so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    unit = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit / MIB


def measure_engine(reps: int, seed: int) -> dict[str, float]:
    """Warm up, time `simulate` on the reference scenario, then measure its tracemalloc peak."""
    scenario = reference_scenario()
    rss_before = max_rss_mib()
    simulate(scenario, replications=WARMUP_REPS, seed=seed)
    # The clock adds a microsecond or so to each of the run's few thousand kernel calls.
    with draw_clock() as clock:
        start = time.perf_counter()
        result = simulate(scenario, replications=reps, seed=seed)
        seconds_one = time.perf_counter() - start
    rss = max_rss_mib()
    del result
    # What `smmsim run` does by default: chunks spread over one process per core.
    start = time.perf_counter()
    simulate(scenario, replications=reps, seed=seed, workers=WORKERS)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    result = simulate(scenario, replications=reps, seed=seed)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    totals = result.totals
    conversions = sum(
        totals[k] for k in ("direct_conversions", "member_conversions", "referral_conversions")
    )
    return {
        "seconds": seconds,
        "seconds_one_process": seconds_one,
        "draws_seconds": clock.draws_seconds,
        "draws": clock.draws,
        "tracemalloc_peak_mib": peak / MIB,
        "rss_before_mib": rss_before,
        "max_rss_mib": rss,
        "mean_spend": float(totals["spend"].sum(axis=1).mean()),
        "mean_conversions": float(conversions.sum(axis=1).mean()),
    }


def measure_engine_in_subprocess(reps: int, seed: int) -> dict[str, float]:
    # A fresh interpreter, so the memory figures are the engine's alone. Not a multiprocessing
    # Pool: its daemonic workers could not start the engine's own worker processes.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(measure_engine, reps, seed).result()


# --- the naive baseline -------------------------------------------------------------------------


@dataclass(frozen=True)
class NaiveArm:
    """One arm's parameters as Python scalars."""

    audience: float
    share: float
    s_half: float
    k: float
    f0: float
    phi: float
    cap: float
    learn_conversions: float
    learn_efficiency: float
    learn_reset: float
    day_of_week: tuple[float, ...]
    noise: float
    priors: tuple  # cpm, ctr, join_rate, cvr distributions


def naive_arms(t: ArmTable) -> list[NaiveArm]:
    def arm(i: int) -> NaiveArm:
        return NaiveArm(
            audience=float(t.audience[i]),
            share=float(t.budget_share[i]),
            s_half=float(t.s_half[i]),
            k=float(t.k[i]),
            f0=float(t.f0[i]),
            phi=float(t.phi[i]),
            cap=float(t.frequency_cap[i]),
            learn_conversions=float(t.learn_conversions[i]),
            learn_efficiency=float(t.learn_efficiency[i]),
            learn_reset=float(t.learn_reset[i]),
            day_of_week=tuple(float(x) for x in t.day_of_week[i]),
            noise=float(t.noise[i]),
            priors=tuple(t.priors[r][i] for r in ("cpm", "ctr", "join_rate", "cvr")),
        )

    return [arm(i) for i in range(t.n)]


class NaiveArmState:
    """One arm in one replication: true rates drawn from the priors, then scalar state."""

    def __init__(self, arm: NaiveArm, rng: np.random.Generator, lag: int):
        self.arm = arm
        self.cpm, self.ctr, self.join_rate, self.cvr = (
            float(d.sample(rng, 1)[0]) for d in arm.priors
        )
        self.cumulative = 0.0
        self.previous_budget = 0.0
        self.started = False
        self.learning = False
        self.learn_count = 0.0
        self.pipeline: deque[int] = deque([0] * lag)
        self.in_pipeline = 0
        self.mature = 0


class NaiveCampaign:
    """One replication of the campaign, advanced one arm-day at a time on Python scalars."""

    def __init__(self, scenario: Scenario, arms: list[NaiveArm], rng: np.random.Generator):
        c, community = scenario.campaign, scenario.community
        self.days, self.budget, self.rng = c.days, c.budget, rng
        self.start_weekday = c.start.weekday()
        self.churn = monthly_to_daily_probability(community.churn_per_month)
        self.conversion = monthly_to_daily_probability(community.member_conversion_per_month)
        self.recommend = community.recommendations_per_member_per_month / DAYS_PER_MONTH
        self.referral_rate = community.referral_conversion_rate
        lag = community.conversion_lag_days
        self.arms = [NaiveArmState(a, rng, lag) for a in arms]
        self.spent = 0.0
        self.conversions = 0

    def run(self, env: simpy.Environment) -> Iterator[simpy.Event]:
        for day in range(self.days):
            today = max(self.budget - self.spent, 0.0) / (self.days - day)  # even pacing
            weekday = (self.start_weekday + day) % 7
            for state in self.arms:
                joins = self.deliver(state, today * state.arm.share, weekday)
                self.community(state, joins)
            yield env.timeout(1)

    def deliver(self, s: NaiveArmState, budget: float, weekday: int) -> int:
        """Ads: learning phase, auction CPM, impressions, reach and fatigue, the click funnel."""
        a, rng = s.arm, self.rng
        efficiency = self.learning_efficiency(s, budget)
        noise = math.exp(a.noise * rng.standard_normal() - a.noise**2 / 2)
        cpm = s.cpm * (1 + (budget / a.s_half) ** a.k) * a.day_of_week[weekday] * noise
        cpm /= efficiency
        impressions = math.floor(min(1000 * budget / cpm, a.cap * a.audience))
        self.spent += impressions * cpm / 1000
        s.cumulative += impressions
        reach = a.audience * -math.expm1(-s.cumulative / a.audience)
        freq = s.cumulative / reach if reach > 0 else 0.0
        ctr = s.ctr * math.exp(-a.phi * max(0.0, freq - a.f0))
        ctr *= math.exp(a.noise * rng.standard_normal() - a.noise**2 / 2)
        clicks = rng.binomial(impressions, min(ctr, 1.0))
        joins = rng.binomial(clicks, s.join_rate)
        direct = rng.binomial(clicks, s.cvr)
        s.learn_count += direct
        s.learning = s.learning and s.learn_count < a.learn_conversions
        self.conversions += direct
        return int(joins)

    @staticmethod
    def learning_efficiency(s: NaiveArmState, budget: float) -> float:
        """The learning phase starts on the first spend and again after a large budget change."""
        a, before = s.arm, s.previous_budget
        first = budget > 0 and not s.started
        reset = (
            s.started
            and before > 0
            and budget > 0
            and abs(budget - before) > a.learn_reset * before
        )
        if first or reset:
            s.learning, s.learn_count = True, 0.0
        s.learning = s.learning and s.learn_count < a.learn_conversions
        s.started = s.started or budget > 0
        s.previous_budget = budget
        return a.learn_efficiency if s.learning else 1.0

    def community(self, s: NaiveArmState, joins: int) -> None:
        """Members: a lag pipeline, then churn, later purchases and referrals."""
        rng = self.rng
        if s.pipeline:
            matured = s.pipeline.popleft()
            s.pipeline.append(joins)
            s.in_pipeline += joins - matured
        else:
            matured = joins
        s.mature += matured
        s.mature -= rng.binomial(s.mature, self.churn)
        bought = rng.binomial(s.mature, self.conversion)
        recommendations = rng.poisson((s.mature + s.in_pipeline) * self.recommend)
        self.conversions += bought + rng.binomial(recommendations, self.referral_rate)


def naive_replication(scenario: Scenario, arms: list[NaiveArm], rng: np.random.Generator):
    env = simpy.Environment()
    campaign = NaiveCampaign(scenario, arms, rng)
    env.process(campaign.run(env))
    env.run()
    return campaign.spent, campaign.conversions


def measure_baseline(reps: int, seed: int) -> dict[str, float]:
    """Time the naive design on `reps` replications of the reference scenario."""
    scenario = reference_scenario()
    arms = naive_arms(build_arm_table(scenario))
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(reps + 1)]
    naive_replication(scenario, arms, rngs[-1])  # warm-up
    start = time.perf_counter()
    outcomes = [naive_replication(scenario, arms, rng) for rng in rngs[:-1]]
    seconds = time.perf_counter() - start
    spend, conversions = np.array(outcomes, dtype=float).mean(axis=0)
    return {"seconds": seconds, "mean_spend": spend, "mean_conversions": conversions}


# --- report -------------------------------------------------------------------------------------


def arm_days(scenario: Scenario) -> int:
    return sum(len(p.tools) for p in scenario.platforms) * scenario.campaign.days


def run_benchmark(reps: int, baseline_reps: int, seed: int = SEED) -> dict[str, Any]:
    """Every figure of one benchmark run."""
    work = arm_days(reference_scenario())
    engine = measure_engine_in_subprocess(reps, seed)
    baseline = measure_baseline(baseline_reps, seed)
    engine_rate = work * reps / engine["seconds"]
    baseline_rate = work * baseline_reps / baseline["seconds"]
    one_process_rate = work * reps / engine["seconds_one_process"]
    met = {
        "seconds": engine["seconds"] <= TARGET_SECONDS,
        "rate": engine_rate >= TARGET_RATE,
        "rate_one_process": one_process_rate >= TARGET_RATE_ONE_PROCESS,
        "speedup": engine_rate / baseline_rate >= TARGET_SPEEDUP,
    }
    return {
        "reps": reps,
        "baseline_reps": baseline_reps,
        "engine": engine,
        "baseline": baseline,
        "engine_rate": engine_rate,
        "baseline_rate": baseline_rate,
        "speedup": engine_rate / baseline_rate,
        "target_met": met if reps == REFERENCE_REPS else None,
    }


def figure_rows(f: dict[str, Any]) -> list[tuple[str, str]]:
    e, b = f["engine"], f["baseline"]
    return [
        (f"engine: {f['reps']:,} replications, {WORKERS} workers", f"{e['seconds']:.2f} s"),
        ("engine throughput", f"{f['engine_rate'] / 1e6:.2f} M arm-day-reps/s"),
        (f"engine: {f['reps']:,} replications, 1 process", f"{e['seconds_one_process']:.2f} s"),
        (
            "engine throughput, 1 process",
            f"{work_rate(f, e['seconds_one_process']) / 1e6:.2f} M arm-day-reps/s",
        ),
        *draw_rows(
            e["draws_seconds"],
            e["draws"],
            e["seconds_one_process"],
            arm_days(reference_scenario()) * f["reps"],
        ),
        ("engine tracemalloc peak (1 process)", f"{e['tracemalloc_peak_mib']:.0f} MiB"),
        ("engine process max RSS (1 process)", f"{e['max_rss_mib']:.0f} MiB"),
        ("  of which before the runs", f"{e['rss_before_mib']:.0f} MiB"),
        (f"baseline: {f['baseline_reps']:,} replications", f"{b['seconds']:.2f} s"),
        ("baseline throughput", f"{f['baseline_rate'] / 1e6:.3f} M arm-day-reps/s"),
        ("speed-up (throughput ratio)", f"{f['speedup']:.0f}x"),
        ("mean spend / rep (engine, baseline)", f"{e['mean_spend']:,.0f}, {b['mean_spend']:,.0f}"),
        (
            "mean conversions / rep (engine, baseline)",
            f"{e['mean_conversions']:,.0f}, {b['mean_conversions']:,.0f}",
        ),
        (f"target <= {TARGET_SECONDS:g} s at {REFERENCE_REPS:,} reps", target_text(f, "seconds")),
        (f"target >= {TARGET_RATE / 1e6:g} M arm-day-reps/s (issue 17)", target_text(f, "rate")),
        (
            f"target >= {TARGET_RATE_ONE_PROCESS / 1e6:g} M in 1 process (issue 17)",
            target_text(f, "rate_one_process"),
        ),
        (f"target >= {TARGET_SPEEDUP:g}x the naive loop (issue 17)", target_text(f, "speedup")),
    ]


def work_rate(f: dict[str, Any], seconds: float) -> float:
    return f["engine_rate"] * f["engine"]["seconds"] / seconds


def target_text(f: dict[str, Any], target: str) -> str:
    if f["target_met"] is None:
        return f"not judged ({f['reps']:,} replications)"
    return "met" if f["target_met"][target] else "not met"


def print_table(rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def machine() -> str:
    return (
        f"{platform.platform()}; {processor_name()} / {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}; numpy {np.__version__}"
    )


def processor_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def record(rows: list[tuple[str, str]], path: Path = RESULTS, title: str = "") -> None:
    """Append a dated section with the figures to RESULTS.md, creating it with its header;
    `title` names a benchmark other than the engine's."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"\n## {stamp}{': ' + title if title else ''}\n",
        f"Machine: {machine()}\n",
        "| figure | value |",
        "|---|---|",
    ]
    lines += [f"| {name.strip()} | {value} |" for name, value in rows]
    if not path.exists():
        path.write_text(RESULTS_HEADER, encoding="utf-8")
    with path.open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


# --- this tree against another copy, side by side --------------------------------------------


def engine_figures_with(package_parent: Path | None, reps: int) -> dict[str, float]:
    """`measure_engine` in a fresh interpreter, with the smmsim in `package_parent` (None: the
    one this interpreter finds, this tree's)."""
    command = [sys.executable, __file__, "--engine-json", "--reps", str(reps)]
    env = environment(package_parent)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def side_by_side(baseline: Path, reps: int, rounds: int) -> list[tuple[str, str]]:
    """Rows of the reference scenario's times, the baseline's then this tree's, round by round."""
    measures = {"seconds_one_process": "1 process", "seconds": f"{WORKERS} workers"}
    times: dict[str, dict[str, list[float]]] = {m: {"base": [], "ours": []} for m in measures}
    for _ in range(rounds):
        for side, parent in (("base", baseline), ("ours", None)):
            figures = engine_figures_with(parent, reps)
            for m in measures:
                times[m][side].append(figures[m])
    work = arm_days(reference_scenario()) * reps
    rows = []
    for m, label in measures.items():
        base, ours = times[m]["base"], times[m]["ours"]
        ratio = statistics.median(base) / statistics.median(ours)
        rows.append(
            (
                f"reference, {reps:,} reps, {label}",
                f"{_listed(base)} -> {_listed(ours)} s (median {ratio:.2f}x; now "
                f"{work / statistics.median(ours) / 1e6:.2f} M arm-day-reps/s)",
            )
        )
    return rows


def _listed(seconds: list[float]) -> str:
    return ", ".join(f"{s:.2f}" for s in seconds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=REFERENCE_REPS, help="engine replications")
    parser.add_argument("--baseline-reps", type=int, default=BASELINE_REPS)
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    parser.add_argument("--against", type=Path, help="a folder holding another `smmsim`")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --against")
    parser.add_argument("--engine-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engine_json:  # one side of --against, in its own interpreter
        print(json.dumps(measure_engine(args.reps, SEED)))
        return
    if args.against:
        print(f"Machine: {machine()}")
        print_table(side_by_side(args.against.resolve(), args.reps, args.rounds))
        return
    rows = figure_rows(run_benchmark(args.reps, args.baseline_reps))
    print(f"Machine: {machine()}")
    print_table(rows)
    if args.record:
        record(rows)
        print(f"Recorded in {RESULTS}")


if __name__ == "__main__":
    main()

"""How much of a simulation is its random draws: the time spent inside the compiled samplers.

    python benchmarks/draw_time.py [--reps N]

Every random number the engine uses is made by a handful of compiled kernels
(`simulator/kernels.py`): the uniforms of each stream (`draw_streams`), and the counts and noise
made from them (`binomial_counts`, `poisson_counts`, `lognormal_noise`). `draw_clock` wraps those
kernels where the engine calls them and adds up the wall time spent inside them, and the cells
they draw, during a run in this process. The rest of the run is the model itself: pacing, prices,
reach and fatigue, the strategy, the recording, and Python around them.

The draws' time bounds what any speed-up of the rest can give: with the model costing nothing,
a run would still take the draws' time. On the reference scenario that bound is the figure to
set an engine target against (issue 17): `bench_engine.py` prints it beside the throughput.

The reputation's compiled day (`turn_over`, `mention_portals`) draws its counts inside the
model's own loop, so it is timed as a kernel of its own, not as draws.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smmsim.simulator import randomness, reputation

# The kernels that make random numbers, by the module that calls them, and the argument that
# holds the cells they draw (None: the uniforms' kernels, whose output is the last argument).
SAMPLERS = {
    randomness: ("binomial_counts", "poisson_counts", "lognormal_noise"),
}
UNIFORMS = {randomness: ("draw_streams", "draw_kept_streams")}
REPUTATION_KERNELS = {reputation: ("turn_over", "mention_portals")}


@dataclass
class DrawClock:
    """Seconds spent in each kernel, and the cells each drew (counts and noise only)."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    cells: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def total(self, names: tuple[str, ...]) -> float:
        return sum(self.seconds[name] for name in names)

    @property
    def draws_seconds(self) -> float:
        """The counts, the noise and the uniforms they are made from."""
        return self.total(_names(SAMPLERS) + _names(UNIFORMS))

    @property
    def draws(self) -> int:
        """Counts and noise multipliers drawn (one uniform each)."""
        return sum(self.cells.values())


def _names(table: dict) -> tuple[str, ...]:
    return tuple(name for names in table.values() for name in names)


REPUTATION_DAY = _names(REPUTATION_KERNELS)


@contextmanager
def draw_clock() -> Iterator[DrawClock]:
    """Time the engine's compiled kernels while the block runs, in this process only (a
    worker process has its own copies of the modules, untouched)."""
    clock = DrawClock()
    originals = []
    for table, counted in ((SAMPLERS, True), (UNIFORMS, False), (REPUTATION_KERNELS, False)):
        for module, names in table.items():
            for name in names:
                kernel = getattr(module, name, None)
                if kernel is None:  # another copy of the package (`--against`) may lack it
                    continue
                originals.append((module, name, kernel))
                setattr(module, name, _timed(kernel, name, clock, counted))
    try:
        yield clock
    finally:
        for module, name, kernel in originals:
            setattr(module, name, kernel)


def _timed(kernel, name: str, clock: DrawClock, counted: bool):
    """`kernel` with its time (and, for a sampler, its cells: the first argument's size) added
    to `clock`. The ahead-of-time kernels carry an unchecked twin that the engine calls
    (`compiled.unchecked`); it is timed the same way."""
    inner = getattr(kernel, "unchecked", kernel)

    def timed_call(call: Callable) -> Callable:
        def timed(*args):
            start = time.perf_counter()
            call(*args)
            clock.seconds[name] += time.perf_counter() - start
            if counted:
                clock.cells[name] += args[0].size

        return timed

    wrapper = timed_call(kernel)
    wrapper.unchecked = timed_call(inner)
    return wrapper


def main(argv: list[str] | None = None) -> None:
    from benchmarks.bench_engine import arm_days, print_table
    from benchmarks.reference import reference_scenario
    from smmsim.simulator.engine import simulate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10_000)
    args = parser.parse_args(argv)
    scenario = reference_scenario()
    simulate(scenario, replications=500, seed=1)  # warm-up
    with draw_clock() as clock:
        start = time.perf_counter()
        simulate(scenario, replications=args.reps, seed=1)
        seconds = time.perf_counter() - start
    work = arm_days(scenario) * args.reps
    rows = [(f"reference, {args.reps:,} reps, 1 process", f"{seconds:.2f} s")]
    rows += draw_rows(clock.draws_seconds, clock.draws, seconds, work)
    kernels = _names(SAMPLERS) + _names(UNIFORMS)
    rows += [(f"  {name}", f"{clock.seconds[name]:.2f} s") for name in kernels]
    print_table(rows)


def draw_rows(draws_seconds: float, draws: int, seconds: float, work: int) -> list[tuple[str, str]]:
    """The draws' share of a one-process run of `work` arm-day-replications in `seconds`, and
    the most throughput the run could have with the rest of the model costing nothing."""
    return [
        (
            "  of which the draws alone (draw_time.py)",
            f"{draws_seconds:.2f} s ({draws_seconds / seconds:.0%}): {draws / work:.1f} counts "
            f"and noise an arm-day, {draws / draws_seconds / 1e6:.0f} M a second",
        ),
        (
            "  at most, with the rest of the model free",
            f"{work / draws_seconds / 1e6:.2f} M arm-day-reps/s in 1 process",
        ),
    ]


if __name__ == "__main__":
    main()

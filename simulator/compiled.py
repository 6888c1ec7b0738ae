"""The compiled kernels the engine runs: the ahead-of-time build where a fresh one is there, else
numba's JIT of the same source.

Importing numba and loading its JIT cache costs about 0.4 s at the start of every command that
simulates, as much as all its other imports. `make setup` therefore also compiles the kernels
ahead of time (`build_kernels.py`) into an extension module beside this file that loads in a
millisecond and does not import numba. The module's name carries a digest of the kernels' source
and of the processor it was built for, so an edited kernel never runs from a stale build, nor a
build from another machine: without a build for today's source and processor (no C compiler, a
wheel installed without one, a kernel just edited) the engine imports numba and JITs the same
numba source (`kernels.py`, the other `*_kernels.py` and `elementary.py`) as before. Both are
compiled with the same options, so they give the same numbers bit for bit
(tests/test_compiled.py).
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
# What the build is compiled from (the kernels, their rule, their signatures and how they are
# built): the digest of these files names the module.
SOURCES = (
    "kernels.py",
    "elementary.py",
    "delivery_kernels.py",
    "row_kernels.py",
    "reputation_kernels.py",
    "prior_kernels.py",
    "sampler_rule.py",
    "compiled.py",
    "build_kernels.py",
)
MODULE_PREFIX = "_kernels_aot_"
# A build uses every instruction this machine's processor offers, as numba's JIT does (the
# samplers' branch-free passes run on wider SIMD lanes: a quarter of the draws' time on the
# reference scenario). Such a build would crash on a processor without them, so the processor,
# as these lines of Linux's description read it, is part of the module's name: a checkout moved
# to another machine runs the JIT until `make setup` builds for it.
CPU_INFO = "/proc/cpuinfo"
PROCESSOR_KEYS = ("model name", "flags")
# Each kernel's arguments, the one table both builds read: "in<d>" a float64 array of d
# dimensions that it only reads, "out<d>" one it writes, "flat_in" and "flat_out" such 1-d
# arrays laid out contiguously (the element-wise samplers: their loops then run on SIMD lanes),
# "cells_in" and "cells_out" such 2-d arrays (the ads' day, one cell a replication and arm),
# "rows_out" such a 3-d array (rows of uniforms, replications by streams: declared contiguous, the
# loop over streams stores a replication's numbers side by side on SIMD lanes, about twice as fast),
# "state" a contiguous 2-d array of unsigned 64-bit words that it updates (random generators'
# states), "positions" a contiguous 1-d array of int64 indices, else a scalar of that type.
ARGUMENTS = {
    "binomial_counts": ("flat_in", "flat_in", "flat_in", "flat_out"),
    "poisson_counts": ("flat_in", "flat_in", "flat_out"),
    "lognormal_noise": ("flat_in", "flat_in", "flat_out"),
    "draw_streams": ("state", "int", "int", "int", "float", "rows_out"),
    "draw_kept_streams": ("state", "int", "int", "positions", "int", "float", "rows_out"),
    "water_fill": ("in2", "in1", "in1", "in1", "in2", "in1", "float", "int", "out2"),
    "turn_over": (
        "in3", "bool", "out3", "in1", "in1", "in1", "in1", "in1", "float", "in2", "float", "float",
    ),
    "mention_portals": ("in3", "bool", "in1", "in1", "out3", "int", "out2", "out2", "out2"),
    "normal_quantiles": ("flat_in", "flat_out"),
    "beta_quantile_nodes": ("float", "float", "float", "float", "flat_in", "flat_out"),
    "exponentials": ("flat_in", "flat_out"),
    "exponentials_less_one": ("flat_in", "flat_out"),
    "ads_price": (
        "cells_in", "cells_in", "flat_in", "flat_in", "bool", "flat_in", "cells_in", "cells_in",
        "flat_in", "cells_in", "cells_out", "cells_out", "cells_out",
    ),
    "ads_reach": (
        "cells_in", "cells_in", "cells_out", "flat_in", "cells_in", "cells_in", "flat_in",
        "flat_in", "cells_in", "cells_in", "cells_out", "cells_out",
    ),
    "learning_day": (
        "cells_in", "cells_out", "cells_out", "cells_out", "cells_out", "flat_in", "flat_in",
        "flat_in", "float", "cells_out", "cells_out", "cells_out",
    ),
    "learning_record": ("cells_in", "cells_out", "flat_in", "cells_out"),
    "row_sums": ("cells_in", "flat_out"),
    "side_by_side": ("cells_in", "cells_in", "cells_out"),
}  # fmt: skip
KERNELS = tuple(ARGUMENTS)


def array_kind(kind: str) -> tuple[int, bool, np.dtype] | None:
    """An `ARGUMENTS` entry's (dimensions, contiguous, element type), or None for a scalar."""
    if kind == "state":
        return 2, True, np.dtype(np.uint64)
    if kind == "positions":
        return 1, True, np.dtype(np.int64)
    if kind.startswith("flat_"):
        return 1, True, np.dtype(np.float64)
    if kind.startswith("cells_"):
        return 2, True, np.dtype(np.float64)
    if kind.startswith("rows_"):
        return 3, True, np.dtype(np.float64)
    return (int(kind[-1]), False, np.dtype(np.float64)) if kind[-1].isdigit() else None


def processor() -> str:
    """The processor a build is compiled for: this machine's, as Linux describes it (its model
    and the instruction-set extensions it offers), or "" where that cannot be read, and a build
    then runs on any processor of the architecture."""
    try:
        with open(CPU_INFO, encoding="utf-8", errors="replace") as info:
            found: dict[str, str] = {}
            for line in info:
                key = line.split(":", 1)[0].strip()
                if key in PROCESSOR_KEYS:
                    found.setdefault(key, line.strip())
                if len(found) == len(PROCESSOR_KEYS):
                    return "\n".join(found[key] for key in PROCESSOR_KEYS)
    except OSError:
        pass
    return ""


def module_name() -> str:
    """The ahead-of-time module's name for today's kernel source on this machine's processor."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((HERE / name).read_bytes())
    digest.update(processor().encode("utf-8"))
    return MODULE_PREFIX + digest.hexdigest()[:16]


def _ahead_of_time():
    try:
        return importlib.import_module(f"{__package__}.{module_name()}")
    except ImportError:
        return None


def numba_source(name: str):
    """The kernel's numba function: the JIT's, and what the ahead-of-time build compiles."""
    from smmsim.simulator import (
        delivery_kernels,
        elementary,
        kernels,
        prior_kernels,
        reputation_kernels,
        row_kernels,
    )

    homes = (kernels, reputation_kernels, prior_kernels, elementary, delivery_kernels, row_kernels)
    home = next(m for m in homes if hasattr(m, name))
    return getattr(home, name)


def checked(name: str, kernel):
    """The ahead-of-time `kernel` behind a check of its array arguments: unlike the JIT, which
    compiles a version for whatever it is given, an ahead-of-time export reads any array as the
    float64 array of its signature, so a wrong one would give garbage or a crash, not an error.
    About a microsecond a call."""
    kinds = [array_kind(kind) for kind in ARGUMENTS[name]]
    arrays = [(i, *kind) for i, kind in enumerate(kinds) if kind is not None]

    def call(*args):
        for i, ndim, contiguous, dtype in arrays:
            a = args[i]
            if not (isinstance(a, np.ndarray) and a.dtype == dtype and a.ndim == ndim):
                raise TypeError(f"{name}: argument {i} must be a {ndim}-d {dtype} array")
            if contiguous and not a.flags.c_contiguous:
                raise TypeError(f"{name}: argument {i} must be contiguous")
        kernel(*args)

    call.__doc__ = kernel.__doc__
    call.unchecked = kernel
    return call


def laid_out(x, shape: tuple[int, ...]) -> np.ndarray:
    """x (a number, a row to broadcast, or an array of `shape`) as a contiguous float64 array of
    `shape`, as the element-wise kernels read their arguments (their loops then run on SIMD
    lanes): x itself where it already is one, else a fresh copy. A row or a number is filled
    into the fresh array, half the cost of broadcasting it and copying the broadcast view; a
    row of a 2-d array by doubling (`_rows_of`)."""
    ready = isinstance(x, np.ndarray) and x.dtype == np.float64 and x.shape == shape
    if ready and x.flags.c_contiguous:
        return x
    out = np.empty(shape)
    if isinstance(x, np.ndarray) and x.ndim == 1 and len(shape) == 2 and x.shape == shape[1:]:
        return _rows_of(x, out)
    np.copyto(out, x)
    return out


def _rows_of(row: np.ndarray, out: np.ndarray) -> np.ndarray:
    """`out` (n, k) with `row` (k,) in every row: the first row set, then the rows filled so far
    copied after them, doubling, in a few contiguous copies. numpy broadcasting a short row
    copies it row by row, a call each: twice the time for the engine's (10,000, 8) arrays."""
    if len(out):
        out[0] = row
    filled = 1
    while filled < len(out):
        more = min(filled, len(out) - filled)
        out[filled : filled + more] = out[:more]
        filled += more
    return out


def unchecked(kernel):
    """`kernel` without the check of its arrays, for a caller that lays them out as float64
    itself, many times a day (`randomness._elementwise`); the JIT's kernel is its own."""
    return getattr(kernel, "unchecked", kernel)


_module = _ahead_of_time()
AHEAD_OF_TIME = _module is not None
if _module is None:
    _loaded = [numba_source(name) for name in KERNELS]
else:
    _loaded = [checked(name, getattr(_module, name)) for name in KERNELS]
(
    binomial_counts,
    poisson_counts,
    lognormal_noise,
    draw_streams,
    draw_kept_streams,
    water_fill,
    turn_over,
    mention_portals,
    normal_quantiles,
    beta_quantile_nodes,
    exponentials,
    exponentials_less_one,
    ads_price,
    ads_reach,
    learning_day,
    learning_record,
    row_sums,
    side_by_side,
) = _loaded


def warm_up() -> None:
    """Before forking workers: load numba's JIT code here, so that each worker inherits it
    instead of loading it from the cache again. An ahead-of-time build is loaded already."""
    if not AHEAD_OF_TIME:
        from smmsim.simulator import kernels, prior_kernels

        kernels.warm_up()
        prior_kernels.beta_quantile_nodes(2.0, 2.0, 0.0, 0.0, np.zeros(1), np.empty(1))
        exponentials(np.zeros(1), np.empty(1))
        exponentials_less_one(np.zeros(1), np.empty(1))
        one, cell = np.ones(1), np.ones((1, 1))
        ads_price(cell, cell, one, one, True, one, cell, cell, one, cell, *np.ones((3, 1, 1)))
        seen, day = cell.copy(), np.ones((2, 1, 1))
        ads_reach(cell, cell, seen, one, cell, cell, one, one, cell, cell, *day)
        flags = np.zeros((4, 1, 1))
        learning_day(cell, *flags, one, one, one, 1.0, *np.empty((3, 1, 1)))
        learning_record(cell, *flags[:2], one, flags[2])
        row_sums(cell, one.copy())
        side_by_side(cell, cell, np.empty((1, 2)))

"""Compile the engine's kernels ahead of time: `python -m smmsim.simulator.build_kernels`.

`make setup` runs this once for each kernel source and processor. numba's `pycc` compiles the
same numba source the JIT would (`kernels.py`, `reputation_kernels.py`), for this machine's
processor as the JIT does, into a C extension module beside this file, named after a digest of
that source and processor (`compiled.module_name`). Loading it takes a millisecond where importing
numba and loading its JIT cache takes about 0.4 s, at the start of every command that simulates.
It needs a C compiler; where there is none, or the build fails, the engine runs numba's JIT as
before, with the same numbers (`compiled.py`).

The exports' signatures come from `compiled.ARGUMENTS`, which also checks every call's arrays.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from numba import types

with warnings.catch_warnings():
    # pycc is "pending deprecation" with no replacement released yet; it works, and where it
    # stops working the engine falls back to the JIT.
    warnings.simplefilter("ignore")
    from numba.pycc import CC

from smmsim.simulator import compiled


def numba_type(kind: str) -> types.Type:
    """An `ARGUMENTS` entry as numba's type: arrays of any layout ("A") or contiguous ("C"),
    read-only where only read (the uniforms and parameters may be read-only views)."""
    scalars = {"float": types.float64, "int": types.int64, "bool": types.boolean}
    if kind in scalars:
        return scalars[kind]
    ndim, contiguous, dtype = compiled.array_kind(kind)
    element = {np.uint64: types.uint64, np.int64: types.int64}.get(dtype.type, types.float64)
    layout = "C" if contiguous else "A"
    read_only = kind.startswith(("in", "flat_in", "cells_in"))
    return types.Array(element, ndim, layout, readonly=read_only)


def signature(name: str):
    return types.void(*(numba_type(kind) for kind in compiled.ARGUMENTS[name]))


def calling(name: str):
    """A function of the kernel's arguments that calls the kernel's numba function: pycc compiles
    what it exports with numba's default options, so the kernel exported itself would lose its
    own (numpy's error model, where a division by zero gives inf instead of a test before every
    division, which keeps the ads' day off SIMD lanes: three times its time); called, it keeps
    them, as the JIT has them."""
    arguments = ", ".join(f"a{i}" for i in range(len(compiled.ARGUMENTS[name])))
    namespace = {"kernel": compiled.numba_source(name)}
    exec(f"def {name}({arguments}):\n    kernel({arguments})\n", namespace)
    return namespace[name]


def build(folder: Path = compiled.HERE) -> Path:
    """Compile every kernel into `folder` as the module `compiled.module_name()`; return its
    path. Built in a scratch folder and moved into place, so a failed build leaves nothing
    behind; older builds in `folder` are removed."""
    module = compiled.module_name()
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        cc = CC(module)
        cc.output_dir = scratch
        cc.verbose = False
        # This machine's processor where its description names the module, else any.
        cc.target_cpu = "host" if compiled.processor() else ""
        for kernel in compiled.KERNELS:
            cc.export(kernel, signature(kernel))(calling(kernel))
        cc.compile()
        (built,) = Path(scratch).glob(f"{module}.*")
        target = folder / built.name
        for old in folder.glob(f"{compiled.MODULE_PREFIX}*"):
            if old.is_file() and old != target:
                old.unlink()
        shutil.move(built, target)
    return target


def main() -> int:
    try:
        path = build()
    except Exception as error:  # no compiler, or numba's pycc failed: the JIT still works
        print(
            f"smmsim: kernels not compiled ahead of time ({type(error).__name__}: {error}); "
            "commands will load numba's JIT instead (about 0.4 s more at each start)",
            file=sys.stderr,
        )
        return 0
    print(f"smmsim: kernels compiled ahead of time: {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

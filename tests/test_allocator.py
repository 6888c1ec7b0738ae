"""Freed memory kept for reuse (`simulator/allocator.py`): a day's arrays come back without page
faults. Counted in fresh interpreters, since the setting is the process's."""

from __future__ import annotations

import subprocess
import sys

import pytest

from smmsim.simulator.allocator import is_glibc

# Each round makes and frees what a day of a large chunk does: 8 arrays of 1 MB, all alive at
# once, so that more than glibc's default trim threshold (a few MB) is free at the end.
ROUNDS = """
import resource, sys
import numpy as np
from smmsim.simulator.allocator import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
def day():
    arrays = [np.ones(2**17) for _ in range(8)]
    return sum(a[-1] for a in arrays)
day()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(40):
    day()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def page_faults(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", ROUNDS, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


@pytest.mark.skipif(not is_glibc(), reason="the setting is glibc's")
def test_a_days_arrays_reuse_freed_memory_instead_of_faulting_in_new_pages():
    # By default the 8 MB freed each round is handed back and faulted in again (2,048 pages a
    # round); kept, the rounds after the first reuse it.
    handed_back, kept = page_faults("default"), page_faults("keep")
    assert handed_back > 40 * 1000
    assert kept < handed_back / 10

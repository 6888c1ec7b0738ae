"""Keeping freed memory for the next day's arrays: glibc's malloc asked not to hand it back.

A chunk's day makes and frees dozens of (replications, lines) arrays, from 0.1 to a few MB each.
By default glibc's malloc gives the free memory at the top of its heap back to the system once
more than its trim threshold is free (twice the largest block freed so far: a few MB), and the next
day's arrays take it back one page fault per 4 KB page. In a default `smmsim run` of travel-agency
that was half the process's page faults and a sixth of its CPU time, spent in the kernel.

So the heap keeps up to `TRIM_THRESHOLD` free for reuse, and only blocks over `MMAP_THRESHOLD`
(a chunk's recorder, made once) are mapped on their own and unmapped when freed, as before. The
setting is the process's, inherited by the workers it forks; elsewhere than glibc (macOS, Windows,
musl) nothing changes. What a run computes never depends on it.
"""

from __future__ import annotations

import os

M_TRIM_THRESHOLD = -1  # mallopt's parameter numbers, from glibc's <malloc.h>
M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD = 64 * 2**20
MMAP_THRESHOLD = 4 * 2**20

_kept = False


def keep_freed_memory() -> bool:
    """Ask glibc's malloc, once per process, to keep freed memory; True where it does."""
    global _kept
    if not _kept and is_glibc():
        import ctypes

        libc = ctypes.CDLL(None)
        # Setting a threshold turns glibc's own adjustment of both off, so both are set.
        _kept = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
            libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        )
    return _kept


def is_glibc() -> bool:
    """Whether this process runs on glibc, whose malloc takes the setting."""
    try:
        return (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (ValueError, OSError, AttributeError):  # no such name here: not glibc
        return False

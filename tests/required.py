"""Tests that need something the machine may lack (a PostgreSQL server, Chromium, a C compiler
for the kernels' build) skip without it, except where CI says it must be there."""

import os

import pytest


def require_or_skip(reason: str | None, required_by: str, what: str) -> None:
    """Nothing when `what` is available (`reason` None). Otherwise a skip with the reason, or,
    where the environment variable `required_by` is 1 (CI sets it), a failure: CI must never
    pass by not running the tests."""
    if reason is None:
        return
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{required_by}=1 but {what} is unavailable: {reason}")
    pytest.skip(reason)

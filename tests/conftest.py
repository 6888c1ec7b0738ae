"""Test-wide settings: hypothesis explores new examples locally and replays fixed ones in CI."""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.browser import browser_available
from tests.demo_reports import write_demo_reports
from tests.postgres import PostgresServer, postgres_available, throwaway_postgres
from tests.required import require_or_skip

# In CI (CI=true) every run draws the same examples, so a landing never hinges on a lucky draw;
# locally each run explores new ones and stores any failure in .hypothesis/ to replay.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real, throwaway PostgreSQL server for the session (127.0.0.1 only, deleted after).

    Skips where no server binaries or driver exist, but CI sets SMMSIM_REQUIRE_POSTGRES=1 so
    the distributed-optimiser tests fail there rather than silently not running.
    """
    require_or_skip(postgres_available(), "SMMSIM_REQUIRE_POSTGRES", "PostgreSQL")
    # The system temp dir, not tmp_path_factory: pytest's base temp is 0700 for its owner, so
    # the unprivileged user the server runs as (when we are root) could not reach the cluster.
    with throwaway_postgres(Path(tempfile.gettempdir())) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> None:
    """Headless Chromium can start. Skips where it cannot, but CI sets SMMSIM_REQUIRE_BROWSER=1
    (and installs it) so the browser tests fail there rather than silently not running."""
    require_or_skip(browser_available(), "SMMSIM_REQUIRE_BROWSER", "headless Chromium")


@pytest.fixture(scope="session")
def demo_reports(tmp_path_factory) -> dict[str, Path]:
    """Every report `make demo` writes (and compare's), each in its own folder as the commands
    write them by default (plotly.js shared beside the page); folder name -> report path."""
    return write_demo_reports(tmp_path_factory.mktemp("demo"))

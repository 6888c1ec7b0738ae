"""Where a study lives: an embedded SQLite file in the output folder, or a shared database.

The database URL may carry a password (or libpq reads it from PGPASSWORD). It is only ever shown
redacted: `shown` for messages and outputs, `scrubbed` for any text an error brings back.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

from optuna.exceptions import ExperimentalWarning
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, ProgrammingError

from scenarios.errors import SmmsimError

STUDY_FILE = "study.db"
# A crashed worker's running trial is failed after missing two heartbeats, and its plan is tried
# again (once per failure, up to this many times) by the next worker that starts a trial.
DEFAULT_HEARTBEAT_SECONDS = 30
RETRIES = 3
# Workers started together on a new database race to create Optuna's tables; a loser sees a
# duplicate table or row, and finds the tables made when it tries again.
SCHEMA_ATTEMPTS = 5


def default_url(out_dir: Path) -> str:
    return f"sqlite:///{(out_dir / STUDY_FILE).resolve()}"


def in_memory(url: str) -> bool:
    """SQLite without a file (`sqlite://`, `sqlite:///`, `:memory:` in any form) is in memory."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return False
    database = parsed.database or ""
    return parsed.drivername.startswith("sqlite") and (not database or ":memory:" in database)


def with_driver(url: str) -> str:
    """`postgresql://` with the driver smmsim installs: SQLAlchemy's default for a bare scheme is
    psycopg 3, which is not a dependency."""
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg2://" + url.removeprefix(bare)
    return url


def shown(url: str) -> str:
    """The URL with its password replaced by ***, for messages and output files."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable storage URL>"


def scrubbed(text: str, url: str) -> str:
    """`text` with the URL's password (if any) replaced by ***."""
    try:
        password = make_url(url).password
    except ArgumentError:
        return text
    return text.replace(str(password), "***") if password else text


def open_storage(url: str, heartbeat_seconds: int | None) -> RDBStorage:
    """Optuna's RDB storage with heartbeats: a worker killed mid-trial leaves a trial that the
    next worker marks failed and retries, so no plan is lost and none is counted twice."""
    heartbeat = heartbeat_seconds or DEFAULT_HEARTBEAT_SECONDS
    if in_memory(url):
        raise SmmsimError(
            f"the study storage {url} is in memory: a study there can neither be resumed nor "
            "shared; give a file (sqlite:///path/study.db) or a database server"
        )
    try:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return _rdb_storage(with_driver(url), heartbeat)
    except Exception as exc:  # a driver's error: unreachable server, bad URL, wrong password
        message = scrubbed(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, url)
        raise SmmsimError(f"cannot open the study storage {shown(url)}: {message}") from None


def _rdb_storage(url: str, heartbeat: int) -> RDBStorage:
    for attempt in range(1, SCHEMA_ATTEMPTS):
        try:
            return _new_rdb_storage(url, heartbeat)
        except (IntegrityError, ProgrammingError):  # another worker is creating the tables
            time.sleep(0.1 * attempt)
    return _new_rdb_storage(url, heartbeat)


def _new_rdb_storage(url: str, heartbeat: int) -> RDBStorage:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)  # heartbeats: what we need
        return RDBStorage(
            url,
            heartbeat_interval=heartbeat,
            grace_period=2 * heartbeat,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=RETRIES),
        )


def use_heartbeat(storage: RDBStorage, seconds: int) -> None:
    """Every worker of a study must beat at the study's pace: one that expects beats more often
    than another sends them would fail that worker's live trials as stale."""
    storage.heartbeat_interval = seconds
    storage.grace_period = 2 * seconds

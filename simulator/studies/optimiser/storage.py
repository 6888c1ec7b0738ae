"""Where a study lives: an embedded SQLite file in the output folder, or a shared database.

The database URL may carry a password (or libpq reads it from PGPASSWORD). It is only ever shown
redacted: `shown` for messages and outputs, `scrubbed` for any text an error brings back.
"""

from __future__ import annotations

import re
import sqlite3
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

from optuna.exceptions import ExperimentalWarning, StorageInternalError
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, ProgrammingError, SQLAlchemyError

from smmsim.scenarios.errors import SmmsimError

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


def parsed_url(url: str) -> URL | None:
    """SQLAlchemy's reading of the URL; None when it cannot be read (no scheme, a port that is
    not a number: make_url raises ValueError for that one)."""
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        return None


def unreadable_url(url: str) -> str | None:
    """Why the URL cannot be read, scrubbed of its passwords; None when it can."""
    try:
        make_url(url)
    except ArgumentError:
        return "it is not a database URL"
    except ValueError as exc:
        port = re.search(r"int\(\) with base 10: '(.*)'", str(exc))
        why = f"its port {port.group(1)!r} is not a number" if port else str(exc)
        return scrubbed(why, url)
    return None


def in_memory(url: str) -> bool:
    """SQLite without a file (`sqlite://`, `sqlite:///`, `:memory:` in any form) is in memory."""
    parsed = parsed_url(url)
    if parsed is None:
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


PASSWORD_KEYS = ("password", "pass", "passwd")  # query parameters libpq and drivers read


def shown(url: str) -> str:
    """The URL with its password replaced by ***, for messages and output files: the one
    after the user name and any given as a query parameter (`?password=...`); a URL that cannot
    be read is shown as written, with what may be its passwords scrubbed."""
    parsed = parsed_url(url)
    if parsed is None:
        return scrubbed(url, url)
    query = {k: ("***" if k.lower() in PASSWORD_KEYS else v) for k, v in parsed.query.items()}
    rendered = parsed.set(query=query).render_as_string(hide_password=True)
    return rendered.replace(quote("***", safe=""), "***")


def passwords_in(url: str) -> list[str]:
    """Every password the URL carries, as written and decoded; for a URL that cannot be read,
    whatever stands where a password would (erring towards hiding too much)."""
    parsed = parsed_url(url)
    if parsed is None:
        found = _password_like(url)
    else:
        found = [parsed.password] if parsed.password else []
        for key, value in parsed.query.items():
            if key.lower() in PASSWORD_KEYS:
                found += [value] if isinstance(value, str) else list(value)
    found += [quote(p, safe="") for p in found]  # a password as the URL spelt it
    return sorted({str(p) for p in found if p}, key=len, reverse=True)


def _password_like(url: str) -> list[str]:
    """In a URL SQLAlchemy cannot read: the text between the user name and the last `@`, and
    every value of a password query parameter."""
    _, _, rest = url.partition("://")
    userinfo, at, _ = rest.rpartition("@")
    found = [userinfo.partition(":")[2]] if at else []
    keys = "|".join(PASSWORD_KEYS)
    return found + re.findall(rf"(?i)[?&](?:{keys})=([^&]*)", url)


def scrubbed(text: str, url: str) -> str:
    """`text` with every password of the URL replaced by ***."""
    for password in passwords_in(url):
        text = text.replace(password, "***")
    return text


def open_storage(url: str, heartbeat_seconds: int | None) -> RDBStorage:
    """Optuna's RDB storage with heartbeats: a worker killed mid-trial leaves a trial that the
    next worker marks failed and retries, so no plan is lost and none is counted twice."""
    heartbeat = heartbeat_seconds or DEFAULT_HEARTBEAT_SECONDS
    why = unreadable_url(url)
    if why is not None:
        raise SmmsimError(
            f"--storage {shown(url)}: cannot read the database URL: {why}; write it as "
            "postgresql://user@host:5432/db or sqlite:///path/study.db"
        )
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
        storage = RDBStorage(
            url,
            heartbeat_interval=heartbeat,
            grace_period=2 * heartbeat,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=RETRIES),
        )
    if storage.engine.dialect.name == "sqlite":
        write_ahead(storage.engine)
    return storage


def write_ahead(engine: Engine) -> None:
    """SQLite in write-ahead-log mode, synced at checkpoints rather than at every commit.

    Optuna commits about twenty times a trial (each parameter and attribute on its own), and a
    commit in SQLite's default mode waits for the disk twice: 12 ms a commit on the development
    machine, a third of a 200-replication trial. In WAL mode with synchronous=NORMAL a commit
    only appends to the log; the database cannot be corrupted by a crash, and a power cut can
    lose at most the last trials, which a resumed study runs again. Readers and a writer in
    other processes (workers sharing the file) no longer block each other."""
    event.listen(engine, "connect", _write_ahead_pragmas)
    engine.dispose()  # the connections that created the tables were opened without it


def _write_ahead_pragmas(connection: sqlite3.Connection, _record) -> None:
    cursor = connection.cursor()
    # Kept in the file, so a no-op once set. A worker that finds the new file locked by
    # another leaves the mode to that one (or to its own next connection).
    with suppress(sqlite3.OperationalError):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def use_heartbeat(storage: RDBStorage, seconds: int) -> None:
    """Every worker of a study must beat at the study's pace: one that expects beats more often
    than another sends them would fail that worker's live trials as stale."""
    storage.heartbeat_interval = seconds
    storage.grace_period = 2 * seconds


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """A database that fails mid-study (a dropped connection, a full disk) as one error line,
    its text scrubbed of the URL's passwords. Optuna wraps the driver's error in its own
    StorageInternalError, and can mask that in turn (a trial's bookkeeping fails on the way out
    with UnboundLocalError), so the chain of causes is searched for the database's error."""
    try:
        yield
    except SmmsimError:
        raise
    except Exception as exc:
        failure = database_failure(exc)
        if failure is None:
            raise
        text = str(failure).splitlines()[0] if str(failure) else type(failure).__name__
        raise SmmsimError(
            f"the study storage {shown(url)} failed: {scrubbed(text, url)}; its completed trials "
            "are kept: run the same command again to resume"
        ) from None


def database_failure(exc: BaseException) -> BaseException | None:
    """The database's own error in `exc`'s chain of causes (the driver's text through
    SQLAlchemy), else Optuna's wrapper of it; None when the database is not to blame."""
    wrapper, seen = None, set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, SQLAlchemyError):
            return exc
        if isinstance(exc, StorageInternalError) and wrapper is None:
            wrapper = exc
        exc = exc.__cause__ or exc.__context__
    return wrapper

"""A real, throwaway PostgreSQL server for tests: initdb into a temp dir, start, yield, remove.

The distributed optimiser stores its Optuna study in PostgreSQL, and only a real server shows
that SQLAlchemy, the driver and the URL fit together. The cluster listens on 127.0.0.1 only,
uses SCRAM passwords and lives under one directory that is deleted on exit.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import re
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

HOST = "127.0.0.1"
SUPERUSER = "smmsim"
DATABASE = "postgres"
# initdb and postgres refuse to run as root, so as root the cluster belongs to this system user.
SERVICE_USER = "nobody"
_BINARIES = ("initdb", "pg_ctl", "postgres")
_DEBIAN_GLOB = "/usr/lib/postgresql/*/bin"
_START_TIMEOUT_S = 30
_PORT_ATTEMPTS = 3
# Settings appended to postgresql.conf: a test cluster trades durability for speed.
_SETTINGS = {
    "listen_addresses": HOST,
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "logging_collector": "off",
}


class PostgresError(RuntimeError):
    """The throwaway server could not be set up, started or reached."""


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    database: str
    data_dir: Path

    def url(self, password: bool = True) -> str:
        """The SQLAlchemy URL (what Optuna's `--storage` takes); password=False for logs."""
        auth = quote(self.user, safe="")
        if password:
            auth += ":" + quote(self.password, safe="")
        return f"postgresql+psycopg2://{auth}@{self.host}:{self.port}/{self.database}"

    def connect_kwargs(self) -> dict[str, str | int]:
        """Keyword arguments for psycopg2.connect, which does not take SQLAlchemy's scheme."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": self.database,
        }


def find_bin_dir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres: PATH first, else Debian's newest."""
    if initdb := shutil.which("initdb"):
        # Resolved first: a PATH symlink into /usr/lib/postgresql/15/bin still names the version.
        for directory in (Path(initdb).resolve().parent, Path(initdb).parent):
            if _has_binaries(directory):
                return directory
    # Debian keeps server binaries off PATH, one directory per major version.
    candidates = [Path(d) for d in glob.glob(_DEBIAN_GLOB) if _has_binaries(Path(d))]
    return max(candidates, key=_version_key, default=None)


def postgres_available() -> str | None:
    """None when throwaway_postgres can run here, else the reason it cannot."""
    if find_bin_dir() is None:
        return (
            f"PostgreSQL server binaries ({', '.join(_BINARIES)}) not on PATH or in {_DEBIAN_GLOB}"
        )
    if importlib.util.find_spec("psycopg2") is None:
        return "psycopg2 is not installed (pip install psycopg2-binary)"
    if os.geteuid() == 0:
        try:
            _drop_privileges_prefix(SERVICE_USER)
        except PostgresError as exc:
            return str(exc)
    return None


@contextmanager
def throwaway_postgres(base_dir: Path, run_as: str = SERVICE_USER) -> Iterator[PostgresServer]:
    """Start a fresh cluster in a new directory under base_dir; stop and delete it on exit.

    As root, initdb and the server run as `run_as`, so base_dir and its parents must be
    traversable by that user (the system temp dir is).
    """
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise PostgresError(postgres_available() or "PostgreSQL binaries not found")
    prefix = _drop_privileges_prefix(run_as) if os.geteuid() == 0 else []
    work = Path(tempfile.mkdtemp(prefix="smmsim-pg-", dir=base_dir))
    cluster = _Cluster(bin_dir, work, prefix)
    try:
        _hand_over(work, run_as if prefix else None)
        password = secrets.token_urlsafe(24)
        cluster.initdb(password)
        port = cluster.start()
        server = PostgresServer(HOST, port, SUPERUSER, password, DATABASE, cluster.data)
        _wait_until_accepting(server)
        yield server
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


class _Cluster:
    """The pg_ctl/initdb calls for one data directory, run as the unprivileged user if any."""

    def __init__(self, bin_dir: Path, work: Path, prefix: list[str]) -> None:
        self.bin_dir = bin_dir
        self.work = work
        self.data = work / "data"
        self.log = work / "server.log"
        self.prefix = prefix
        self.started = False

    def initdb(self, password: str) -> None:
        pwfile = self.work / "pwfile"
        # Created 0600 from the start so the password is never readable by anyone else.
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(password + "\n")
        _chown_like(pwfile, self.work)
        try:
            self._run(
                "initdb", "-D", self.data, "-U", SUPERUSER, f"--pwfile={pwfile}",
                "--auth=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync",
            )  # fmt: skip
        finally:
            pwfile.unlink(missing_ok=True)
        settings = {**_SETTINGS, "unix_socket_directories": str(self.work)}
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# throwaway test cluster (tests/postgres.py)\n")
            conf.writelines(f"{key} = {_conf_quote(value)}\n" for key, value in settings.items())

    def start(self) -> int:
        """Start on a free port; retry with another if one is taken between pick and bind."""
        for _ in range(_PORT_ATTEMPTS):
            port = _free_port()
            result = self._run(
                "pg_ctl", "start", "-D", self.data, "-l", self.log, "-w",
                "-t", str(_START_TIMEOUT_S), "-o", f"-p {port}", check=False,
            )  # fmt: skip
            if result.returncode == 0:
                self.started = True
                return port
            if "could not bind" not in self._log_tail():
                break
        raise PostgresError(f"pg_ctl start failed:\n{result.stdout}\n{self._log_tail()}")

    def stop(self) -> None:
        if self.started:
            # Immediate: nothing in a throwaway cluster is worth a clean checkpoint.
            self._run("pg_ctl", "stop", "-D", self.data, "-m", "immediate", "-w", check=False)
            self.started = False

    def _run(
        self, program: str, *args: str | Path, check: bool = True
    ) -> subprocess.CompletedProcess:
        cmd = [*self.prefix, str(self.bin_dir / program), *map(str, args)]
        # cwd inside the cluster: the unprivileged user may not be able to enter ours.
        result = subprocess.run(
            cmd, cwd=self.work, env=_clean_env(), capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise PostgresError(f"{program} failed ({result.returncode}):\n{result.stderr}")
        return result

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def _drop_privileges_prefix(user: str) -> list[str]:
    """The command prefix that runs a program as `user`: setpriv if present, else runuser."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise PostgresError(f"running as root but user {user!r} does not exist") from None
    if setpriv := shutil.which("setpriv"):
        uid, gid = entry.pw_uid, entry.pw_gid
        return [setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]
    if runuser := shutil.which("runuser"):
        return [runuser, "-u", user, "--"]
    raise PostgresError(
        "running as root, and initdb refuses root, but neither setpriv nor runuser "
        "is available to drop privileges; run the tests as a non-root user"
    )


def _hand_over(work: Path, user: str | None) -> None:
    """Give the cluster directory to the unprivileged user and check it can reach it."""
    if user is None:
        return
    entry = pwd.getpwnam(user)
    os.chown(work, entry.pw_uid, entry.pw_gid)
    for parent in work.parents:
        if not _traversable(parent, entry):
            raise PostgresError(
                f"{user!r} cannot traverse {parent}; give throwaway_postgres a base_dir whose "
                "parents are world-executable (e.g. the system temp dir)"
            )


def _traversable(path: Path, entry: pwd.struct_passwd) -> bool:
    st = path.stat()
    if st.st_uid == entry.pw_uid:
        return bool(st.st_mode & stat.S_IXUSR)
    if st.st_gid == entry.pw_gid:
        return bool(st.st_mode & stat.S_IXGRP)
    return bool(st.st_mode & stat.S_IXOTH)


def _chown_like(path: Path, reference: Path) -> None:
    st = reference.stat()
    if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
        os.chown(path, st.st_uid, st.st_gid)


def _wait_until_accepting(server: PostgresServer, timeout_s: float = _START_TIMEOUT_S) -> None:
    """pg_ctl -w already waited; this also proves TCP and the password work."""
    import psycopg2

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            psycopg2.connect(**server.connect_kwargs(), connect_timeout=5).close()
            return
        except psycopg2.OperationalError as exc:
            if time.monotonic() > deadline:
                raise PostgresError(f"server never accepted connections: {exc}") from exc
            time.sleep(0.1)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _clean_env() -> dict[str, str]:
    # Stray PGDATA/PGPORT/PGUSER from the caller's shell must not steer initdb or pg_ctl.
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


def _conf_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _has_binaries(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in _BINARIES)


def _version_key(bin_dir: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/15/bin -> (15,); numeric so 9.6 sorts below 15.
    return tuple(int(part) for part in re.findall(r"\d+", bin_dir.parent.name))

"""The postgres_server fixture is a real server: right version, loopback only, SCRAM, not root."""

from __future__ import annotations

import os
from contextlib import closing
from pathlib import Path

import optuna
import psycopg2
import pytest
import sqlalchemy

from tests.postgres import PostgresServer, find_bin_dir


def query_one(server: PostgresServer, sql: str) -> object:
    # closing(): psycopg2's own `with conn` only ends the transaction, it leaves the socket open.
    with closing(psycopg2.connect(**server.connect_kwargs())) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def test_server_is_real_postgresql(postgres_server: PostgresServer) -> None:
    version = query_one(postgres_server, "SELECT version()")
    assert isinstance(version, str)
    assert version.startswith("PostgreSQL")
    # The binaries we found decide the major version (15 on the Debian machines and CI).
    bin_dir = find_bin_dir()
    assert bin_dir is not None
    if bin_dir.parent.name.isdigit():
        assert version.startswith(f"PostgreSQL {bin_dir.parent.name}")


def test_listens_on_loopback_only(postgres_server: PostgresServer) -> None:
    assert postgres_server.host == "127.0.0.1"
    assert query_one(postgres_server, "SHOW listen_addresses") == "127.0.0.1"


def test_passwords_are_scram_and_checked(postgres_server: PostgresServer) -> None:
    assert query_one(postgres_server, "SHOW password_encryption") == "scram-sha-256"
    wrong = {**postgres_server.connect_kwargs(), "password": "not-" + postgres_server.password}
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(**wrong)
    missing = {k: v for k, v in postgres_server.connect_kwargs().items() if k != "password"}
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(**missing)


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc to find process owners")
def test_server_does_not_run_as_root(postgres_server: PostgresServer) -> None:
    postmaster_pid = int((postgres_server.data_dir / "postmaster.pid").read_text().split()[0])
    # The backend serving a connection lives only as long as it: read its owner while connected.
    with closing(psycopg2.connect(**postgres_server.connect_kwargs())) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            backend_pid = cur.fetchone()[0]
        for pid in (backend_pid, postmaster_pid):
            assert os.stat(f"/proc/{pid}").st_uid != 0
    assert postgres_server.data_dir.stat().st_uid != 0


def test_url_works_with_sqlalchemy(postgres_server: PostgresServer) -> None:
    # The URL is what `smmsim optimise --storage` hands to Optuna, which hands it to SQLAlchemy.
    engine = sqlalchemy.create_engine(postgres_server.url())
    try:
        with engine.connect() as conn:
            assert conn.execute(sqlalchemy.text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
    assert postgres_server.password not in postgres_server.url(password=False)


def test_optuna_rdb_storage_round_trips(postgres_server: PostgresServer) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name="fixture-check", storage=postgres_server.url())
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1) ** 2, n_trials=3)
    loaded = optuna.load_study(study_name="fixture-check", storage=postgres_server.url())
    assert len(loaded.trials) == 3
    optuna.delete_study(study_name="fixture-check", storage=postgres_server.url())

"""Shared fixtures: a migrated warehouse on each backend (DuckDB file, real local PostgreSQL schema)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from warehouse.store import Warehouse

PG_URL = os.environ.get("QBSYNC_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


def _pg_unreachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means the server is not usable
        return f"PostgreSQL at {PG_URL} unreachable: {exc}"


@pytest.fixture(scope="session", autouse=True)
def test_secrets(tmp_path_factory):
    """A key file and a QBSYNC_HOME of the test session's own (never the user's data folder) and a low scrypt cost
    so logins stay fast; the production default (2**17) is asserted in tests/test_secrets_at_rest.py."""
    keep = {name: os.environ.get(name) for name in ("QBSYNC_KEY_FILE", "QBSYNC_SCRYPT_N", "QBSYNC_HOME")}
    os.environ["QBSYNC_KEY_FILE"] = str(tmp_path_factory.mktemp("keys") / "secret.key")
    os.environ.setdefault("QBSYNC_HOME", str(tmp_path_factory.mktemp("home")))
    os.environ["QBSYNC_SCRYPT_N"] = str(2**12)
    yield
    for name, value in keep.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The real local PostgreSQL server; skipped when absent locally, a failure under CI=true."""
    reason = _pg_unreachable()
    if reason:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason + " (CI requires PostgreSQL tests to run)")
        pytest.skip(reason)
    return PG_URL


def make_pg_warehouse(url: str) -> Warehouse:
    """A warehouse in a throw-away schema of the real server."""
    return Warehouse(url, schema=f"t_{uuid.uuid4().hex[:12]}")


def drop_pg_schema(wh: Warehouse) -> None:
    import psycopg

    wh.close()
    with psycopg.connect(wh.url, autocommit=True) as raw:
        raw.execute(f'DROP SCHEMA IF EXISTS "{wh.schema}" CASCADE')


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request, tmp_path) -> Warehouse:
    """A freshly migrated warehouse on each backend."""
    if request.param == "duckdb":
        wh = Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}", lock_timeout=10)
        wh.migrate()
        yield wh
        return
    yield request.getfixturevalue("pg_warehouse")


@pytest.fixture
def pg_warehouse(pg_url) -> Warehouse:
    """A freshly migrated warehouse in a throw-away schema of the real PostgreSQL, for PostgreSQL-only behaviour."""
    wh = make_pg_warehouse(pg_url)
    wh.migrate()
    yield wh
    drop_pg_schema(wh)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Read-only official schemas, specs and fixtures beside the project (../shared/reference)."""
    if not REFERENCE.is_dir():
        pytest.fail(f"reference material missing at {REFERENCE}")
    return REFERENCE


@pytest.fixture
def cli(warehouse, monkeypatch, tmp_path):
    """Run `qbsync ...` against the test warehouse (on each backend)."""
    env = {"QBSYNC_DATABASE_URL": warehouse.url, "QBSYNC_HOME": str(tmp_path)}
    if warehouse.schema:
        env["QBSYNC_DATABASE_SCHEMA"] = warehouse.schema
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    from typer.testing import CliRunner

    from pipelines.cli import app

    runner = CliRunner()

    def run(*args: str, stdin: str | None = None, ok: bool = True):
        result = runner.invoke(app, list(args), input=stdin)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    run.env = env
    return run

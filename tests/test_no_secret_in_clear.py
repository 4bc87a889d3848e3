"""After a demo run with known secrets (the sandbox Coupa client secret, the Web Connector password, every
ticket and token minted), none of them is in clear in the warehouse, under QBSYNC_HOME, in the logs or in the
Dagster run metadata."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from warehouse.store import Warehouse

MARK = "KNOWNSECRET"


@pytest.fixture
def known_secrets(monkeypatch):
    """Every secrets.token_urlsafe value made during the test starts with MARK (and stays unique)."""
    minted: list[str] = []
    real = secrets.token_urlsafe

    def known(nbytes: int | None = None) -> str:
        value = f"{MARK}{len(minted):04d}{real(nbytes)}"
        minted.append(value)
        return value

    monkeypatch.setattr(secrets, "token_urlsafe", known)
    return minted


@pytest.fixture
def run_events(monkeypatch):
    """The text of every event (metadata included) of every Dagster run the demo makes."""
    seen: list[str] = []
    real = dg.materialize

    def recording(*args, **kwargs):
        result = real(*args, **kwargs)
        seen.extend(str(event) for event in result.all_events)
        return result

    monkeypatch.setattr(dg, "materialize", recording)
    return seen


def _warehouse_text(path: Path) -> str:
    wh = Warehouse(f"duckdb:///{path}")
    try:
        with wh.connect() as conn:
            tables = conn.fetchall(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND "
                "table_schema = 'main'"
            )
            return "\n".join(str(conn.fetchall(f'SELECT * FROM "{t}"')) for (t,) in tables)
    finally:
        wh.close()


def test_a_demo_run_leaves_no_secret_in_clear(tmp_path, monkeypatch, known_secrets, run_events, caplog, capfd):
    monkeypatch.setenv("QBSYNC_HOME", str(tmp_path))
    monkeypatch.delenv("QBSYNC_DATABASE_URL", raising=False)
    for var in ("COUPA_BASE_URL", "COUPA_CLIENT_ID", "COUPA_CLIENT_SECRET"):
        monkeypatch.delenv(var, raising=False)
    caplog.set_level(logging.DEBUG)
    run = CliRunner().invoke(app, ["demo", "--json", "--records", "40", "--faults"])
    assert run.exit_code == 0, run.output
    password = next(s for s in known_secrets if run.stderr and s in run.stderr)  # the one the summary hands out
    secrets_made = set(known_secrets)
    assert len(secrets_made) > 5  # the Coupa secret, the password, tickets, sandbox access tokens

    stored = _warehouse_text(tmp_path / "demo" / "warehouse.duckdb")
    assert "coupa:" in stored  # the dump really holds the data
    files = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert any(p.name == "warehouse.duckdb" for p in files)
    captured = capfd.readouterr()
    outputs = {
        "warehouse": stored,
        "logs": caplog.text + captured.err + captured.out,
        "run metadata": "\n".join(run_events),
        "stdout": run.stdout,
    }
    assert run_events, "the demo made no Dagster run"
    for value in secrets_made:
        for where, text in outputs.items():
            assert value not in text, f"a secret ({value[:15]}...) is in clear in the {where}"
        for path, data in files.items():
            assert value.encode() not in data, f"a secret ({value[:15]}...) is in clear in {path}"
    # The Web Connector password is shown once, on stderr, to the operator who runs the demo; nowhere else.
    assert password not in run.stdout

"""Where the warehouse is, and `qbsync doctor`: settings without secret values, companies, sources, reachability."""

from __future__ import annotations

from pathlib import Path

import pytest
from bridge_support import PASSWORD
from typer.testing import CliRunner

from pipelines.cli import app
from sandbox.coupa.generator import generate
from sandbox.coupa.server import CoupaSandbox
from warehouse import config


@pytest.fixture
def qbsync(monkeypatch, tmp_path):
    """`qbsync ...` run in an empty folder with only the variables a test sets (no QBSYNC_* from outside)."""
    for name in ("QBSYNC_HOME", "QBSYNC_DATABASE_URL", "QBSYNC_DATABASE_SCHEMA", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.chdir(tmp_path)

    def run(*args: str, stdin: str | None = None):
        return CliRunner().invoke(app, list(args), input=stdin)

    return run


def test_default_warehouse_is_the_users_not_the_folders(qbsync, tmp_path, monkeypatch):
    expected = tmp_path / "user" / ".local" / "share" / "qbsync"
    assert config.home() == expected
    qbsync(
        "company",
        "add",
        "--name",
        "acme",
        "--user",
        "u",
        "--source",
        "coupa",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    listed = qbsync("company", "list").output.splitlines()
    assert any(line.startswith("acme") for line in listed)  # the same warehouse from any folder
    assert not (tmp_path / ".qbsync").exists() and not (elsewhere / ".qbsync").exists()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert config.home() == tmp_path / "xdg" / "qbsync"
    monkeypatch.setenv("QBSYNC_HOME", "rel")
    assert config.home() == elsewhere / "rel"


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (["outbox", "status"], "the outbox is empty"),
        (["company", "list"], "no companies yet"),
        (["audit", "coupa:po:1"], "coupa:po:1: no audit events"),
        (["report", "--out", "r.html"], "0 documents"),
        (["qwc", "--company", "acme", "--url", "https://b.example.com/qbwc"], "no company 'acme'"),
        (["connection", "list"], "no connections yet"),
        (["mappings", "list"], "no mappings yet"),
    ],
)
def test_commands_that_find_nothing_name_the_warehouse(qbsync, tmp_path, command, words):
    result = qbsync(*command)
    where = f"duckdb:{tmp_path / 'user' / '.local' / 'share' / 'qbsync' / 'warehouse.duckdb'}"
    assert words in result.output and f"in {where}" in result.output, result.output


def test_doctor_shows_settings_without_secrets_and_which_wins(qbsync, tmp_path, monkeypatch):
    monkeypatch.setenv("QBSYNC_HOME", str(tmp_path / "exported"))
    monkeypatch.setenv("COUPA_CLIENT_SECRET", "exported-secret-value")
    (tmp_path / ".env").write_text(f"QBSYNC_HOME={tmp_path / 'dotenv'}\nQBSYNC_COUPA_CRON=*/5 * * * *\n")
    assert qbsync("db", "init").exit_code == 0
    result = qbsync("doctor", "--offline")
    out = result.output
    assert result.exit_code == 1, out  # no company yet, and .env disagrees with the environment
    assert "exported-secret-value" not in out
    assert "COUPA_CLIENT_SECRET=(set, hidden) (exported)" in out
    assert "QBSYNC_COUPA_CRON=*/5 * * * * (.env: dagster dev only)" in out
    assert f"QBSYNC_HOME: .env says {tmp_path / 'dotenv'}, exported {tmp_path / 'exported'}" in out
    assert f"would use duckdb:{tmp_path / 'dotenv' / 'warehouse.duckdb'}" in out
    assert f"duckdb:{tmp_path / 'exported' / 'warehouse.duckdb'} (the DuckDB file in QBSYNC_HOME)" in out
    assert "no company registered: qbsync company add" in out


def test_doctor_reaches_each_source_of_each_company(qbsync, tmp_path, monkeypatch):
    monkeypatch.setenv("QBSYNC_HOME", str(tmp_path / "home"))
    qbsync(
        "company",
        "add",
        "--name",
        "acme",
        "--user",
        "u",
        "--source",
        "coupa",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    with CoupaSandbox(generate(1, suppliers=2, purchase_orders=1), client_id="id", client_secret="right") as api:
        url = api.base_url
        settings = ["--set", f"base_url={url}", "--set", "client_id=id"]
        qbsync("connection", "add", "coupa", "--instance", "default", *settings, stdin="client_secret=right\n")
        good = qbsync("doctor")
        qbsync("connection", "add", "coupa", "--instance", "default", *settings, stdin="client_secret=wrong\n")
        bad = qbsync("doctor")
    assert good.exit_code == 0, good.output
    assert "acme: Web Connector user u, US" in good.output and "fed by coupa:default" in good.output
    assert f"coupa:default at {url}: answers" in good.output
    assert bad.exit_code == 1 and "invalid_client" in bad.output
    assert "right" not in bad.output.replace("right)", "")


def test_doctor_says_when_the_warehouse_is_not_there_yet(qbsync, tmp_path, monkeypatch):
    monkeypatch.setenv("QBSYNC_DATABASE_URL", f"duckdb:///{tmp_path / 'new.duckdb'}")
    result = qbsync("doctor", "--offline")
    assert result.exit_code == 1
    assert f"duckdb:{tmp_path / 'new.duckdb'} does not exist yet" in result.output
    assert not Path(tmp_path / "new.duckdb").exists()

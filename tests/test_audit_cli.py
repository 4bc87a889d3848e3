"""`qbsync audit KEY` tells one document's story; `qbsync replay` re-queues through the CLI."""

from __future__ import annotations

import json

import pytest
from quality_fixtures import draft, line, load, outbox_row, seed
from typer.testing import CliRunner

from data_checks.quarantine import evaluate
from pipelines.cli import app
from warehouse.audit import record


@pytest.fixture
def cli_env(warehouse, monkeypatch, tmp_path):
    """Point the CLI at the test warehouse."""
    if warehouse.backend == "postgres":
        monkeypatch.setenv("QBSYNC_DATABASE_URL", warehouse.url)
        monkeypatch.setenv("QBSYNC_DATABASE_SCHEMA", warehouse.schema)
    else:
        monkeypatch.setenv("QBSYNC_DATABASE_URL", warehouse.url)
    monkeypatch.setenv("QBSYNC_HOME", str(tmp_path / "home"))
    return warehouse


def test_audit_shows_the_story_to_the_txn_id(cli_env):
    with cli_env.connect() as c:
        seed(c, [draft(4711, total=90.0)], [line(4711)])
        record(c, [{"actor": "coupa", "company": "acme", "record_key": "coupa:po:4711", "event": "landed"}])
        evaluate(c)
        c.execute("UPDATE bill_drafts SET total_amount = 100")
        evaluate(c)
        row = outbox_row("coupa:po:4711", "done", qb_id="1A2B-99")
        load(c, "qbxml_outbox", [row])
        record(
            c,
            [
                {"actor": "bridge", "record_key": "coupa:po:4711", "event": "done", "request_id": row["request_id"]},
            ],
        )
    runner = CliRunner()
    out = runner.invoke(app, ["audit", "coupa:po:4711"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == "coupa:po:4711: 4 events"
    assert [ln.split()[2] for ln in lines[1:5]] == ["landed", "quarantined", "released", "done"]
    assert "reason=document total 90.00 differs" in lines[2]
    assert "BillAdd coupa:po:4711:v1 done (attempts 1) → 1A2B-99" in out.output
    assert lines[-1] == "  QuickBooks: 1A2B-99"

    as_json = json.loads(runner.invoke(app, ["audit", "coupa:po:4711", "--json"]).output)
    assert as_json["quickbooks_id"] == "1A2B-99"
    assert as_json["events"][1]["detail"]["check"] == "totals_match"

    missing = runner.invoke(app, ["audit", "coupa:po:1"])
    assert missing.exit_code == 1 and "no audit events" in missing.output


def test_replay_command(cli_env):
    with cli_env.connect() as c:
        load(c, "qbxml_outbox", [outbox_row("coupa:po:1", "failed", last_error="3180: save failed")])
    runner = CliRunner()
    dry = runner.invoke(app, ["replay", "--failed", "--key", "coupa:po:1", "--dry-run"])
    assert dry.exit_code == 0 and "would re-queue BillAdd coupa:po:1" in dry.output
    assert "re-queued" not in dry.output and dry.output.splitlines()[-1] == "nothing was changed (--dry-run)"
    assert cli_env.scalar("SELECT status FROM qbxml_outbox") == "failed"
    out = runner.invoke(app, ["replay", "--failed", "--key", "coupa:po:1", "--since", "3650d"])
    assert out.exit_code == 0, out.output
    assert "re-queued BillAdd coupa:po:1" in out.output and "was: 3180: save failed" in out.output
    assert out.output.splitlines()[-1] == "1 re-queued, 0 released, 0 still quarantined, 0 skipped"
    again = runner.invoke(app, ["replay", "--failed"])
    assert again.output.splitlines()[-1] == "0 re-queued, 0 released, 0 still quarantined, 0 skipped"
    bad = runner.invoke(app, ["replay", "--since", "last week"])
    assert bad.exit_code != 0 and "--since" in bad.output

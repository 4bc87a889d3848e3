"""`qbsync demo` end to end on DuckDB and PostgreSQL: sandbox Coupa -> assets -> bridge -> QBWC -> company file."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import app

KEYS = {
    "sources", "verified", "faults_fired", "outbox", "quickbooks", "round_trips", "duplicates", "double_booked",
    "unreconciled", "quarantined", "seconds", "warehouse", "company_file", "documents",
}  # fmt: skip


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("QBSYNC_HOME", str(tmp_path))
    monkeypatch.delenv("QBSYNC_DATABASE_URL", raising=False)
    return tmp_path


def _demo(*args: str) -> dict:
    run = CliRunner().invoke(app, ["demo", "--json", *args])
    assert run.exit_code == 0, run.output
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_demo_json_delivers_everything_exactly_once(home):
    out = _demo("--records", "200")
    assert set(out) == KEYS
    assert out["sources"]["coupa"]["purchase_orders"] == 200
    assert out["outbox"]["failed"] == 0 and out["outbox"]["pending"] == 0
    assert out["outbox"]["done"] > 0 and out["round_trips"] > 0
    assert out["duplicates"] == 0 and out["unreconciled"] == 0 and out["double_booked"] == 0
    assert out["verified"]["coupa"] == {"double_booked": 0, "unreconciled": 0, "vendors_missing": 0}  # its truth
    assert not any(out["faults_fired"]["coupa"].values())
    assert out["quickbooks"]["bills"] > 0 and out["quickbooks"]["bill_payments"] > 0
    assert out["quarantined"] > 0  # the generator plants bad records; they are held, not sent
    coupa = out["documents"]["coupa"]
    dataset = {"purchase_order": 200, "invoice": out["sources"]["coupa"]["invoices"]}  # as landed from the simulator
    for kind, landed in dataset.items():  # every document accounted for, each counted once
        figures = coupa[kind]
        assert figures["landed"] == landed == sum(v for k, v in figures.items() if isinstance(v, int) and k != "landed")
        assert figures.get("not_eligible", 0) == sum(figures.get("not_eligible_statuses", {}).values())
    assert out["warehouse"].startswith("duckdb:") and str(home) in out["company_file"]


def test_demo_with_every_fault_still_has_no_duplicate_and_no_loss(home):
    out = _demo("--records", "40", "--faults", "--seed", "3")
    assert out["duplicates"] == 0 and out["unreconciled"] == 0
    fired = out["faults_fired"]["coupa"]
    assert fired["server_errors"] >= 2 and fired["token_revocations"] == 1 and fired["unauthorized"] >= 1
    assert out["outbox"]["pending"] == 0


def test_stage_only_stops_with_the_outbox_filled(home):
    out = _demo("--records", "30", "--stage-only")
    assert out["outbox"]["total"] == out["outbox"]["pending"] > 0
    assert out["round_trips"] == 0 and out["quickbooks"]["bills"] == 0


def test_demo_on_postgresql_with_every_fault_has_no_duplicate_and_no_loss(home, pg_warehouse):
    schema = pg_warehouse.schema  # a throw-away schema: the demo drops and re-creates it, the fixture drops it
    out = _demo("--records", "40", "--faults", "--seed", "5", "--database", pg_warehouse.url, "--schema", schema)
    assert out["warehouse"].startswith("postgresql:") and schema in out["warehouse"]
    assert out["duplicates"] == 0 and out["unreconciled"] == 0
    assert out["outbox"]["pending"] == 0 and out["outbox"]["failed"] == 0
    assert out["quickbooks"]["bills"] > 0 and out["quickbooks"]["bill_payments"] > 0

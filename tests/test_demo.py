"""`qbsync demo` end to end on DuckDB and PostgreSQL: sandbox Coupa -> assets -> bridge -> QBWC -> company file."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from sandbox.basware.verdict import PROBLEMS

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
    assert out["verified"]["coupa"] == {  # its truth; and its second sync with nothing changed told Coupa nothing
        "double_booked": 0, "unreconciled": 0, "vendors_missing": 0, "second_sync_writes": 0,
    }  # fmt: skip
    _assert_basware_clean(out["verified"]["basware"])
    _procurify_verified(out["verified"]["procurify"])
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
    # QuickBooks -> Salesforce, judged from the org's records against the company file (unreconciled counts every
    # name not one Account, invoice not one Opportunity, line, amount, balance, stage or inactive flag wrong)
    salesforce = out["verified"]["salesforce"]
    assert salesforce["unreconciled"] == 0 and salesforce["accounts"] > 0 and salesforce["opportunities"] > 0
    assert salesforce["sent_again_unchanged"] == 0  # every fold ran the flow again: nothing unchanged was re-sent
    assert salesforce["second_sync_writes"] == 0  # nor did the second sync and delivery with nothing changed


def _procurify_verified(figures: dict[str, int]) -> None:
    """Procurify's own truth: every approved PO one bill (revised ones modified), vendors matched or created as
    its policy says, every bill paid in QuickBooks marked paid in Procurify exactly once."""
    assert figures["unreconciled"] == 0 and figures["double_booked"] == 0, figures
    assert figures["bills_expected"] > 0 and figures["revised_after_booking"] > 0, figures
    assert figures["vendors_matched"] > 0 and figures["vendors_created"] > 0, figures
    assert figures["vendors_created_wrongly"] == 0, figures
    # the vendor deleted in Procurify is inactive in QuickBooks, no other of Procurify's is; another source's
    # inactive vendor (Salesforce's file has one from the start) is not Procurify's to count
    assert figures["vendors_deactivated"] == 1 and figures["vendors_deactivated_wrongly"] == 0, figures
    # a PO cancelled after its bill was booked, one unpaid and one paid: both bills stay as booked (held)
    assert figures["cancelled_after_booking"] == 2 and figures["cancelled_bills_wrong"] == 0, figures
    assert figures["bills_paid_in_quickbooks"] > 0 and figures["marked_paid_not_once"] == 0, figures
    assert figures["second_sync_writes"] == 0, figures  # nothing unchanged marked paid again


def test_demo_with_every_fault_still_has_no_duplicate_and_no_loss(home):
    out = _demo("--records", "40", "--faults", "--seed", "3")
    assert out["duplicates"] == 0 and out["unreconciled"] == 0
    _procurify_verified(out["verified"]["procurify"])
    assert out["faults_fired"]["procurify"]["server_errors"] >= 2
    fired = out["faults_fired"]["coupa"]
    assert fired["server_errors"] >= 2 and fired["token_revocations"] == 1 and fired["unauthorized"] >= 1
    assert out["outbox"]["pending"] == 0
    # the org's load took more requests than one (compressed) day allows: a run stopped at its share and the next
    # one resumed; the org never had to refuse a request for the day, and ended complete
    salesforce, fired = out["verified"]["salesforce"], out["faults_fired"]["salesforce"]
    assert salesforce["unreconciled"] == 0
    assert salesforce["api_requests"] > salesforce["daily_allowance"] and salesforce["org_days_used"] >= 2
    assert salesforce["refused_over_daily_limit"] == 0
    assert fired["unauthorized"] >= 1 and fired["server_errors"] >= 2 and fired["rate_limited"] >= 1
    assert fired["concurrent_limited"] == 1
    # the first run was killed with kill -9 while the org held the answer of a write it had applied: nothing lost
    # (unreconciled 0), no record twice, and only that write came again
    assert salesforce["killed_runs"] == 1 and salesforce["in_flight_at_kill"] > 0
    assert salesforce["sent_again_unchanged"] == salesforce["in_flight_at_kill"]
    _assert_basware_clean(out["verified"]["basware"])
    assert out["faults_fired"]["basware"]["server_errors"] >= 2 and out["faults_fired"]["basware"]["unauthorized"]


def _assert_basware_clean(figures: dict) -> None:
    """Basware's verdict (its generator's truth and its simulator's state against the company file): every invoice
    one bill, one transfer response, one payment response per paid bill, the master data in Basware, and a second
    sync with nothing changed sent Basware nothing."""
    problems = {k: n for k, n in figures.items() if k in PROBLEMS and n}
    assert not problems, figures
    assert figures["bills_expected"] > 0 and figures["held_told_why"] > 0
    assert figures["paid_in_full"] > 0 and figures["paid_partially"] > 0
    assert figures["vendors_in_basware"] > 0 and figures["accounts_in_basware"] > 0
    assert figures["cost_centres_in_basware"] > 0
    assert figures["second_sync_writes"] == 0


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
    _procurify_verified(out["verified"]["procurify"])


def test_a_second_demo_in_the_same_home_is_refused_and_leaves_the_running_one_alone(home):
    from sandbox.demo import DemoBusy, DemoEnvironment, _hold

    folder = home / "demo"
    with DemoEnvironment(folder, records=10, sources=["jaggaer"]) as running:
        company = running.company_path.read_bytes()
        with (
            pytest.raises(DemoBusy, match="another qbsync demo"),
            DemoEnvironment(folder, records=10, sources=["jaggaer"]),
        ):
            pass
        assert running.company_path.read_bytes() == company and (folder / "warehouse.duckdb").exists()
        refused = CliRunner().invoke(app, ["demo", "--records", "10"])
        assert refused.exit_code == 1 and "QBSYNC_HOME" in refused.output
    _hold(folder).close()  # released when the first run ended

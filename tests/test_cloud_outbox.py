"""The cloud_outbox ledger: idempotent enqueue, delivery through the source's client against its simulator, exactly
once under a killed run, failures visible in audit, check and report, and replayable."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
from coupa_payloads import land
from test_transforms import COUPA, _company

from assets.feedback import deliver_writes, feedback_assets, feedback_key
from assets.steps import build_bill_drafts, enqueue_bills, match_vendors, stage
from connectors.core.retry import RetryPolicy
from data_checks.finance_report import gather
from data_checks.replay import replay
from data_checks.timeline import document_story
from resources.source_api import SourceApiResource
from resources.warehouse import WarehouseResource
from sandbox.coupa.generator import generate
from sandbox.coupa.server import CoupaSandbox
from sandbox.scaffold import ApiFaults
from sources.coupa.client import CoupaClient
from warehouse import cloud_outbox
from warehouse.audit import now

DUE = (
    "SELECT 'coupa' AS source_system, 'coupa:po:1' AS record_key, 'mark_exported' AS op, 'purchase_order 1' AS target,"
    " 'coupa:po:1:exported' AS idempotency_key, '{{\"version\": {v}}}' AS payload"
)


def _status(wh) -> list[tuple]:
    return sorted(wh.fetchall("SELECT payload, status FROM cloud_outbox"))


def test_same_key_and_payload_is_a_no_op_and_a_changed_payload_supersedes_the_unsent_write(warehouse):
    with warehouse.connect() as conn:
        assert cloud_outbox.enqueue(conn, DUE.format(v=1), "test") == 1
        assert cloud_outbox.enqueue(conn, DUE.format(v=1), "test") == 0
        assert cloud_outbox.enqueue(conn, DUE.format(v=2), "test") == 1
    assert _status(warehouse) == [('{"version": 1}', "superseded"), ('{"version": 2}', "pending")]
    warehouse.execute("UPDATE cloud_outbox SET status = 'done' WHERE status = 'pending'")
    with warehouse.connect() as conn:  # a settled write is never superseded; a new payload is a new write
        assert cloud_outbox.enqueue(conn, DUE.format(v=2), "test") == 0
        assert cloud_outbox.enqueue(conn, DUE.format(v=3), "test") == 1
    assert [s for _, s in _status(warehouse)] == ["superseded", "done", "pending"]


def _bills_in_quickbooks(warehouse, dataset) -> set[int]:
    """Stage Coupa's suppliers and POs, draft and queue bills, and settle every BillAdd as QuickBooks would."""
    with warehouse.connect() as conn:
        _company(conn)
        codes = [a["code"] for a in dataset.accounts]
        conn.execute("DELETE FROM account_mappings")
        for code in codes:
            conn.execute("INSERT INTO account_mappings VALUES ('acme', 'coupa', ?, 'Office Supplies')", [code])
        for entity in ("suppliers", "purchase_orders"):
            land(conn, entity, getattr(dataset, entity))
    for entity in ("suppliers", "purchase_orders"):
        stage(warehouse, COUPA, entity)
    match_vendors(warehouse)
    build_bill_drafts(warehouse)
    enqueue_bills(warehouse)
    warehouse.execute("UPDATE qbxml_outbox SET status = 'done', qb_id = 'T' || record_key WHERE op = 'BillAdd'")
    done = {int(r[0].rsplit(":", 1)[1]) for r in warehouse.fetchall("SELECT record_key FROM qbxml_outbox")}
    assert done
    return done


def _sandbox(dataset) -> CoupaSandbox:
    return CoupaSandbox(dataset, client_id="qbsync", client_secret="s3cret", rate_limit_per_s=None)


def test_the_feedback_asset_marks_each_document_once_through_the_ledger(warehouse):
    dataset = generate(5, suppliers=3, purchase_orders=6, invoice_share=0.0)
    done = _bills_in_quickbooks(warehouse, dataset)
    [feedback] = [a for a in feedback_assets() if a.key == feedback_key(COUPA)]
    with _sandbox(dataset) as api:
        resources = {
            "warehouse": WarehouseResource(database_url=warehouse.url, schema_name=warehouse.schema),
            "coupa": SourceApiResource(
                source="coupa", base_url=api.base_url, client_id="qbsync", client_secret="s3cret"
            ),
        }
        for attempt in range(2):
            result = dg.materialize([feedback], resources=resources, instance=dg.DagsterInstance.ephemeral())
            assert result.success
            [event] = result.get_asset_materialization_events()
            run = event.materialization.metadata["this_run"].value
            assert run["sent"] == (len(done) if attempt == 0 else 0), run
            [check] = result.get_asset_check_evaluations()
            assert check.passed
    assert {po["id"] for po in dataset.purchase_orders if po["exported"]} == done
    assert set(dataset.export_writes.values()) == {1}  # the simulator counted one write per document


def test_a_run_killed_between_the_write_and_its_status_never_writes_twice(warehouse):
    """The run claims its writes and Coupa takes some of them, then the process dies before the ledger hears of it.
    The next run reads those back from Coupa and settles them as found: the simulator counts one write each."""
    dataset = generate(6, suppliers=3, purchase_orders=8, invoice_share=0.0)
    done = _bills_in_quickbooks(warehouse, dataset)
    with _sandbox(dataset) as api, CoupaClient(api.base_url, "qbsync", "s3cret") as client:
        with warehouse.connect() as conn:
            cloud_outbox.enqueue(conn, _due(warehouse), "test")
            claimed = cloud_outbox.claim(conn, "coupa", 100, "killed-run")
        written = claimed[: len(claimed) // 2]
        for row in written:  # the HTTP calls that happened before the kill
            client.mark_exported("purchase_order", row["record_key"].rsplit(":", 1)[1])
        counts = deliver_writes(warehouse, COUPA, client)
    assert counts["found"] == len(written) and counts["sent"] == len(done) - len(written)
    assert len(dataset.export_writes) == len(done) and set(dataset.export_writes.values()) == {1}
    assert dict(warehouse.fetchall("SELECT status, count(*) FROM cloud_outbox GROUP BY status")) == {"done": len(done)}


def _due(warehouse) -> str:
    from transforms.dialect import dialect
    from transforms.exports import exports_due

    return exports_due(dialect(warehouse.backend), COUPA)


def test_a_refused_write_stays_failed_visible_in_audit_and_report_and_replay_requeues_it(warehouse):
    dataset = generate(7, suppliers=3, purchase_orders=4, invoice_share=0.0)
    done = _bills_in_quickbooks(warehouse, dataset)
    gone = min(done)
    del dataset.records["purchase_orders"][gone]  # Coupa no longer has it: the PUT answers 404
    with _sandbox(dataset) as api, CoupaClient(api.base_url, "qbsync", "s3cret") as client:
        counts = deliver_writes(warehouse, COUPA, client)
    assert counts["error"] == 1 and counts["sent"] == len(done) - 1
    key = f"coupa:po:{gone}"
    with warehouse.connect() as conn:
        [failed] = cloud_outbox.failed(conn, "coupa")
        assert failed["record_key"] == key and "404" in failed["last_error"]
        story = document_story(conn, key + ":exported")  # a key copied from our own output
        assert story["record_key"] == key
        assert "cloud write failed" in {e["event"] for e in story["events"]}
        assert [w["status"] for w in story["cloud_writes"]] == ["failed"]
        assert [w["record_key"] for w in gather(conn).failed_cloud_writes] == [key]
        result = replay(conn, failed_only=True, key=key)
    assert [r["record_key"] for r in result.cloud_requeued] == [key]
    assert warehouse.scalar("SELECT status FROM cloud_outbox WHERE record_key = ?", [key]) == "pending"


def test_a_write_its_target_keeps_failing_waits_for_a_later_run_and_goes_once(warehouse):
    """Coupa answers 5xx through every retry of a run (a 3,000-record soak lost a Procurify mark-as-paid so, failed for
    good after one 502 burst): the writes wait for a later run, which sends each once; a write whose target still
    fails after MAX_ATTEMPTS runs fails for good, replayable."""
    dataset = generate(8, suppliers=3, purchase_orders=4, invoice_share=0.0)
    done = _bills_in_quickbooks(warehouse, dataset)
    quick = RetryPolicy(max_attempts=2, base=0.01, cap=0.01)

    def failing_coupa(runs: int) -> list[dict]:
        down = ApiFaults(error_rate=1.0, burst_length=10_000)
        with (
            CoupaSandbox(
                dataset, client_id="qbsync", client_secret="s3cret", faults=down, rate_limit_per_s=None
            ) as api,
            CoupaClient(api.base_url, "qbsync", "s3cret", retry=quick) as client,
        ):
            return [deliver_writes(warehouse, COUPA, client) for _ in range(runs)]

    first, again = failing_coupa(2)
    assert first["retry"] == len(done) and again["retry"] == 0  # the second run: not due yet, not its to send
    assert dict(warehouse.fetchall("SELECT status, count(*) FROM cloud_outbox GROUP BY status")) == {
        "pending": len(done)
    }
    warehouse.execute("UPDATE cloud_outbox SET next_attempt_at = ?", [now() - timedelta(seconds=1)])
    with _sandbox(dataset) as api, CoupaClient(api.base_url, "qbsync", "s3cret") as client:
        assert deliver_writes(warehouse, COUPA, client)["sent"] == len(done)
    assert len(dataset.export_writes) == len(done) and set(dataset.export_writes.values()) == {1}
    key = f"coupa:po:{min(done)}"  # one write again, whose target now fails run after run
    warehouse.execute("UPDATE cloud_outbox SET status = 'pending', attempts = 0 WHERE record_key = ?", [key])
    for _ in range(cloud_outbox.MAX_ATTEMPTS):
        warehouse.execute("UPDATE cloud_outbox SET next_attempt_at = NULL WHERE status = 'pending'")
        failing_coupa(1)
    with warehouse.connect() as conn:
        [failed] = cloud_outbox.failed(conn, "coupa")
    assert (
        failed["record_key"] == key and f"still failing after {cloud_outbox.MAX_ATTEMPTS} runs" in failed["last_error"]
    )

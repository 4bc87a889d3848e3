"""The Basware handoff through the cloud-write ledger, against the simulator: each staged invoice acknowledged once,
then exactly one transfer response: success with the QuickBooks TxnID as voucher number, or success = false with
a reason the AP team can read (QuickBooks' refusal, or the field qbsync holds the invoice for); then a payment
response each time the paid total of its bill in QuickBooks changes."""

from __future__ import annotations

import pytest
from test_transforms import _company

from assets.feedback import deliver_writes
from assets.steps import build_bill_drafts, enqueue_bills, land, match_vendors, stage
from connectors.core import RetryPolicy
from sandbox.basware.generator import ACCOUNTS, BROKEN_FIELD, generate, record_key
from sandbox.basware.server import BaswareSandbox
from sources import registry
from sources.basware.client import BaswareClient
from warehouse.audit import now
from warehouse.company_sources import enrol

BASWARE = registry.get("basware")
REFUSAL = "3140: There is an invalid reference to QuickBooks Account"


@pytest.fixture
def tenant():
    dataset = generate(8, vendors=4, invoices=10, bad_share=0.2)  # two defects: a missing number and supplier
    with (
        BaswareSandbox(dataset, client_id="c", client_secret="s") as api,
        BaswareClient(api.base_url, "c", "s", retry=RetryPolicy(base=0.001, cap=0.01)) as client,
    ):
        yield api, client


def _into_quickbooks(warehouse, client) -> dict[str, str]:
    """Land, stage and bill the waiting invoices; QuickBooks takes every BillAdd but one. record key -> TxnID."""
    with warehouse.connect() as conn:
        _company(conn)
        enrol(conn, "acme", "basware")
        for code in ACCOUNTS:
            conn.execute("INSERT INTO account_mappings VALUES ('acme', 'basware', ?, 'Office Supplies')", [code])
    for entity in ("vendors", "invoices"):
        land(warehouse, BASWARE, entity, getattr(client, f"iter_{entity}")())
        stage(warehouse, BASWARE, entity)
    match_vendors(warehouse)
    build_bill_drafts(warehouse)
    enqueue_bills(warehouse)
    warehouse.execute(
        "UPDATE qbxml_outbox SET status = 'done', qb_id = upper(substr(md5(record_key), 1, 8)) || '-1733500000' "
        "WHERE op = 'BillAdd'"
    )
    refused = warehouse.scalar("SELECT min(record_key) FROM qbxml_outbox WHERE op = 'BillAdd'")
    warehouse.execute(
        "UPDATE qbxml_outbox SET status = 'failed', qb_id = NULL, last_error = ? WHERE record_key = ?",
        [REFUSAL, refused],
    )
    return dict(warehouse.fetchall("SELECT record_key, qb_id FROM qbxml_outbox WHERE op = 'BillAdd'"))


def test_each_invoice_is_acknowledged_then_answered_once(warehouse, tenant):
    api, client = tenant
    warehouse.migrate()
    txn_ids = _into_quickbooks(warehouse, client)
    data = api.state.dataset
    waiting = {i for i, d in data.documents.items() if d["processingStatus"] == "WaitingForTransfer"}
    expected = data.expected_bills()
    assert set(expected) == set(txn_ids)  # every good invoice, and only those, became a bill
    counts = deliver_writes(warehouse, BASWARE, client)
    assert counts["error"] == 0

    assert set(api.state.acknowledged) == waiting and set(api.state.acknowledged.values()) == {1}
    assert api.state.transfer_responses() == dict.fromkeys(waiting, 1)
    for invoice in waiting:
        [answer] = data.documents[invoice]["transferResponses"]
        key = record_key(invoice)
        if key in data.bad_records:  # held by qbsync: the reason names the field Basware must fix
            assert answer["success"] is False
            assert any(f in answer["responseMessage"] for f in BROKEN_FIELD[data.bad_records[key]]), answer
        elif txn_ids[key] is None:  # QuickBooks refused the bill
            assert answer["success"] is False and REFUSAL in answer["responseMessage"]
            assert data.documents[invoice]["processingStatus"] == "TransferFailed"
        else:
            assert answer["success"] is True and answer["voucherNumber1"] == txn_ids[key]
            assert data.documents[invoice]["processingStatus"] == "Transferred"
            assert expected[key]["ref_number"] in answer["responseMessage"]

    assert deliver_writes(warehouse, BASWARE, client) == {"queued": 0, "sent": 0, "found": 0, "error": 0, "retry": 0}

    # the refused bill goes in once the cause is fixed: Basware now hears success, once
    warehouse.execute("UPDATE qbxml_outbox SET status = 'done', qb_id = '9-1733500999' WHERE status = 'failed'")
    assert deliver_writes(warehouse, BASWARE, client)["sent"] == 1
    [fixed] = [i for i in waiting if record_key(i) in txn_ids and txn_ids[record_key(i)] is None]
    assert [r["success"] for r in data.documents[fixed]["transferResponses"]] == [False, True]


def _paid(warehouse, txn_id: str, amount: str, on: str, applied: str, kind: str = "check") -> None:
    warehouse.execute(
        "INSERT INTO qb_bill_payments (company, txn_id, payment_kind, txn_date, amount, ref_number, "
        "applied_to_txn_ids, synced_at) VALUES ('acme', ?, ?, CAST(? AS DATE), CAST(? AS DECIMAL(18,2)), ?, ?, ?)",
        [txn_id, kind, on, amount, f"CHK{txn_id[:4]}", applied, now()],
    )


def test_payments_in_quickbooks_are_reported_partial_then_full(warehouse, tenant):
    api, client = tenant
    warehouse.migrate()
    txn_ids = {k: t for k, t in _into_quickbooks(warehouse, client).items() if t}
    expected = api.state.dataset.expected_bills()
    deliver_writes(warehouse, BASWARE, client)
    first, second = sorted(txn_ids)[:2]
    for key in (first, second):  # the mirror of QuickBooks' bills (AmountDue stays the total)
        warehouse.execute(
            "INSERT INTO qb_bills (company, txn_id, amount_due, synced_at) VALUES ('acme', ?, ?, ?)",
            [txn_ids[key], expected[key]["amount"], now()],
        )
    _paid(warehouse, "P-1", "10.00", "2026-12-01", txn_ids[first])  # partial
    _paid(warehouse, "P-2", "1.00", "2026-12-02", f"{txn_ids[first]},{txn_ids[second]}", "credit_card")
    assert deliver_writes(warehouse, BASWARE, client)["sent"] == 2
    invoice = {k: k.rsplit(":", 1)[1] for k in (first, second)}
    [partial] = api.state.dataset.documents[invoice[first]]["paymentResponses"]
    assert partial["paidTotal"] == 11.0 and partial["paymentMethod"] == "CreditCard"
    assert partial["responseMessage"].startswith("Partially paid in QuickBooks: 11.00 of ")
    assert partial["paymentDate"] == "2026-12-02T00:00:00Z"
    [whole] = api.state.dataset.documents[invoice[second]]["paymentResponses"]
    assert whole["paidTotal"] == 1.0  # its share of the payment over two bills, up to its amount

    assert deliver_writes(warehouse, BASWARE, client)["sent"] == 0  # nothing changed: nothing re-sent
    rest = str(expected[first]["amount"] - 11)
    _paid(warehouse, "P-3", rest, "2026-12-03", txn_ids[first])
    assert deliver_writes(warehouse, BASWARE, client)["sent"] == 1
    answers = api.state.dataset.documents[invoice[first]]["paymentResponses"]
    assert [a["paidTotal"] for a in answers] == [11.0, float(expected[first]["amount"])]
    assert answers[-1]["responseMessage"].startswith("Paid in full in QuickBooks")


def test_runs_killed_between_the_writes_and_their_status_never_write_twice(warehouse, tenant):
    """A run claims its writes and Basware takes some of them, then the process dies before the ledger hears of it:
    once among the acknowledges, once on the success response of a bill QuickBooks took after a fix. The next run
    reads those back from Basware (no longer waiting; the response's externalCode on the invoice) and settles them
    as found: Basware counts one acknowledge per invoice and each response once, and never refused a repeat."""
    import json

    from sources.basware.writes import writes_due
    from transforms.dialect import dialect
    from warehouse import cloud_outbox

    api, client = tenant
    warehouse.migrate()
    txn_ids = _into_quickbooks(warehouse, client)
    due = writes_due(dialect(warehouse.backend), BASWARE)

    def killed(op: str) -> int:
        """Claim what is due, let Basware take half the `op` writes (at least one), die; the next run's found."""
        with warehouse.connect() as conn:
            cloud_outbox.enqueue(conn, due, "test")
            claimed = [r for r in cloud_outbox.claim(conn, "basware", 500, "killed-run") if r["op"] == op]
        written = claimed[: max(1, len(claimed) // 2)]
        for row in written:  # the HTTP calls that happened before the kill
            client.deliver(op, json.loads(row["payload"]))
        counts = deliver_writes(warehouse, BASWARE, client)
        assert counts["error"] == 0 and counts["found"] == len(written), counts
        return len(written)

    assert killed("acknowledge") >= 2
    waiting = api.state.dataset.waiting
    assert set(api.state.acknowledged) == waiting and set(api.state.acknowledged.values()) == {1}
    assert api.state.transfer_responses() == dict.fromkeys(waiting, 1)
    warehouse.execute("UPDATE qbxml_outbox SET status = 'done', qb_id = '9-1733500999' WHERE status = 'failed'")
    assert killed("transfer_response") == 1  # the refused bill went in after a fix: its success, written once
    [fixed] = [k for k, t in txn_ids.items() if t is None]
    answers = api.state.dataset.documents[fixed.rsplit(":", 1)[1]]["transferResponses"]
    assert [a["success"] for a in answers] == [False, True] and not api.state.refused

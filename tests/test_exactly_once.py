"""Exactly-once where answers go missing: every Add is looked up before it is sent again, by ExternalGUID for
transactions (bills and vendor credits; a hand-keyed bill with our RefNumber is not ours), payments by payee and
RefNumber, replays look up first, and a slow QuickBooks answering late into a silent session never gets its bills
added twice.

The oracle is the sandbox company file (what QuickBooks holds), never the outbox's own bookkeeping."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pandas as pd
import pytest
from bridge_support import (
    COMPANY,
    FAST,
    PASSWORD,
    USER,
    add_company,
    connector,
    qb_add,
    running_bridge,
    statuses,
    zeep_service,
)

from data_checks.replay import replay
from qbwc_bridge import sessions
from qbwc_bridge.conversation import Conversation
from qbwc_bridge.delivery import external_guid
from qbwc_bridge.settings import BridgeSettings
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.faults import Faults
from warehouse.audit import now
from warehouse.outbox import enqueue

VENDOR = "Vendor 00000"


def _bills(path, kind: str = "Bill") -> Counter:
    with CompanyFile(path) as books:
        return Counter((b["VendorRef"]["FullName"], b["RefNumber"]) for b in books.objects(kind))


def _outbox(wh, dedup_key: str) -> dict:
    with wh.connect() as conn:
        return conn.records(
            "SELECT status, qb_id, external_guid, last_error FROM qbxml_outbox WHERE dedup_key = ?", [dedup_key]
        )[0]


def _queue_bills(wh, count: int, kind: str = "Bill") -> list[str]:
    """`count` BillAdds (or VendorCreditAdds) for "Vendor 00000" (already in the company file); their dedup keys."""
    rows = [
        (
            COMPANY,
            f"{kind}Add",
            f"coupa:invoice:{i}:v1",
            f"coupa:invoice:{i}",
            {
                f"{kind}Add": {
                    "VendorRef": {"FullName": VENDOR},
                    "TxnDate": "2024-03-01",
                    "RefNumber": f"INV-{i}",
                    "ExpenseLineAdd": [{"AccountRef": {"FullName": "Office Supplies"}, "Amount": "125.00"}],
                }
            },
        )
        for i in range(count)
    ]
    frame = pd.DataFrame(rows, columns=["company", "op", "dedup_key", "record_key", "payload"])
    with wh.connect() as conn:
        enqueue(conn, frame)
    return list(frame["dedup_key"])


def _books_with_vendor(path) -> dict:
    with CompanyFile.create(path) as books:
        return qb_add(books, "VendorAdd", {"Name": VENDOR})


@pytest.mark.parametrize("kind", ["Bill", "VendorCredit"])
def test_lost_bill_answer_is_resolved_by_external_guid(warehouse, tmp_path, kind):
    add_company(warehouse)
    path = tmp_path / "qb.sqlite"
    _books_with_vendor(path)
    keys = _queue_bills(warehouse, 4, kind)
    with running_bridge(warehouse, **FAST) as bridge:
        with CompanyFile(path, faults=Faults(lose_response_rate=1.0)) as lossy:
            assert connector(bridge, lossy).run_session().dropped_applied
        assert statuses(warehouse) == {"sent": 4}
        with CompanyFile(path) as healthy:
            connector(bridge, healthy).run_until_idle()
    assert statuses(warehouse) == {"done": 4}
    assert _bills(path, kind) == Counter({(VENDOR, f"INV-{i}"): 1 for i in range(4)})
    row = _outbox(warehouse, keys[0])
    assert row["external_guid"] == external_guid(COMPANY, keys[0])
    with CompanyFile(path) as books:
        ours = {b["TxnID"]: b for b in books.objects(kind)}[row["qb_id"]]
    assert ours["ExternalGUID"] == row["external_guid"] and ours["RefNumber"] == "INV-0"
    with warehouse.connect() as conn:
        events = Counter(e for (e,) in conn.fetchall("SELECT event FROM audit_log WHERE actor = 'bridge'"))
    assert events["linked"] == 4 and events["done"] == 0


def test_hand_keyed_bill_with_our_ref_number_is_not_taken_as_ours(warehouse, tmp_path):
    add_company(warehouse)
    path = tmp_path / "qb.sqlite"
    vendor = _books_with_vendor(path)
    (key,) = _queue_bills(warehouse, 1)
    with CompanyFile(path) as books:
        hand = qb_add(
            books,
            "BillAdd",
            {
                "VendorRef": {"ListID": vendor["ListID"]},
                "RefNumber": "INV-0",
                "ExpenseLineAdd": [{"AccountRef": {"FullName": "Office Supplies"}, "Amount": "9.99"}],
            },
        )
    with running_bridge(warehouse, **FAST) as bridge:
        # the first message's connection drops before QuickBooks ran it: our bill was never added
        with CompanyFile(path) as books:
            first = connector(bridge, books, seed=0, drop_after_send_rate=1.0).run_session()
            assert first.dropped
        with CompanyFile(path) as books:
            connector(bridge, books).run_until_idle()
    assert statuses(warehouse) == {"done": 1}
    row = _outbox(warehouse, key)
    assert row["qb_id"] != hand["TxnID"]
    assert _bills(path) == Counter({(VENDOR, "INV-0"): 2})  # the hand-keyed one and ours, once
    with CompanyFile(path) as books:
        amounts = {b["TxnID"]: b["AmountDue"] for b in books.objects("Bill")}
    assert amounts == {hand["TxnID"]: "9.99", row["qb_id"]: "125.00"}


def _queue_payment(wh, bill_txn_id: str) -> str:
    body = {
        "PayeeEntityRef": {"FullName": VENDOR},
        "TxnDate": "2024-03-15",
        "BankAccountRef": {"FullName": "Checking"},
        "RefNumber": "PAY-1",
        "AppliedToTxnAdd": [{"TxnID": bill_txn_id, "PaymentAmount": "125.00"}],
    }
    frame = pd.DataFrame(
        [(COMPANY, "BillPaymentCheckAdd", "coupa:payment:1", "coupa:payment:1", {"BillPaymentCheckAdd": body})],
        columns=["company", "op", "dedup_key", "record_key", "payload"],
    )
    with wh.connect() as conn:
        enqueue(conn, frame)
    return "coupa:payment:1"


def test_lost_payment_answer_is_looked_up_by_payee_and_ref_number(warehouse, tmp_path):
    add_company(warehouse)
    path = tmp_path / "qb.sqlite"
    _books_with_vendor(path)
    (bill_key,) = _queue_bills(warehouse, 1)
    with running_bridge(warehouse, **FAST) as bridge:
        with CompanyFile(path) as books:
            connector(bridge, books).run_until_idle()
        key = _queue_payment(warehouse, _outbox(warehouse, bill_key)["qb_id"])
        with CompanyFile(path, faults=Faults(lose_response_rate=1.0)) as lossy:
            assert connector(bridge, lossy).run_session().dropped_applied
        with CompanyFile(path) as books:
            connector(bridge, books).run_until_idle()
    assert statuses(warehouse) == {"done": 2}
    with CompanyFile(path) as books:
        payments = books.objects("BillPaymentCheck")
        bill = books.objects("Bill")[0]
    assert len(payments) == 1 and bill["OpenAmount"] == "0.00"
    assert _outbox(warehouse, key)["qb_id"] == payments[0]["TxnID"]


def test_replay_of_adds_failed_with_an_unknown_outcome_looks_them_up_first(warehouse, tmp_path):
    add_company(warehouse)
    path = tmp_path / "qb.sqlite"
    _books_with_vendor(path)
    _queue_bills(warehouse, 6)
    # QuickBooks applied the message but its answer was lost, and the attempt limit is reached: failed for review
    with running_bridge(warehouse, **{**FAST, "max_attempts": 1}) as bridge:
        with CompanyFile(path, faults=Faults(lose_response_rate=1.0)) as lossy:
            connector(bridge, lossy).run_session()
        with CompanyFile(path) as books:
            assert connector(bridge, books).run_session().authenticated == "none"
    assert statuses(warehouse) == {"failed": 6}
    with warehouse.connect() as conn:  # as a row failed before replays looked up would stand: next action send
        conn.execute("UPDATE qbxml_outbox SET next_action = 'send'")
        assert len(replay(conn, failed_only=True).requeued) == 6
    with running_bridge(warehouse, **FAST) as bridge, CompanyFile(path) as books:
        connector(bridge, books).run_until_idle()
    assert statuses(warehouse) == {"done": 6}
    assert _bills(path) == Counter({(VENDOR, f"INV-{i}"): 1 for i in range(6)})


def test_slow_quickbooks_and_a_second_session_add_nothing_twice(warehouse, tmp_path):
    """Session A's message sits in a slow QuickBooks; A falls silent past SESSION_IDLE_SECONDS and session B takes
    the company, looks the bills up (not applied yet) and must not add them; A's late answer is then settled."""
    add_company(warehouse)
    path = tmp_path / "qb.sqlite"
    _books_with_vendor(path)
    _queue_bills(warehouse, 4)
    with running_bridge(warehouse, **{**FAST, "answer_wait_seconds": 300}) as bridge:
        a = zeep_service(bridge.soap_url)
        ticket = a.authenticate(strUserName=USER, strPassword=PASSWORD)[0]
        with CompanyFile(path) as books:
            hcp = books.host_query_response("16.0").decode()
        message = a.sendRequestXML(ticket, hcp, str(path), "US", 16, 0)  # QuickBooks has not started it yet
        assert message.count("<BillAddRq") == 4
        with CompanyFile(path) as books:
            second = connector(bridge, books).run_until_idle()
        assert second[0].authenticated == "" and second[0].requests == 4  # B sent lookups
        assert _bills(path) == Counter()  # and added nothing
        assert statuses(warehouse) == {"unknown": 4}
        with CompanyFile(path) as books:  # QuickBooks finally runs A's message; its answer arrives late
            answer = books.process(message, session_id="a").response_xml.decode()
        assert a.receiveResponseXML(ticket, answer, "", "") == 100
        assert a.closeConnection(ticket)
    assert statuses(warehouse) == {"done": 4}
    assert _bills(path) == Counter({(VENDOR, f"INV-{i}"): 1 for i in range(4)})
    with warehouse.connect() as conn:
        events = Counter(e for (e,) in conn.fetchall("SELECT event FROM audit_log WHERE actor = 'bridge'"))
        linked = conn.scalar("SELECT count(*) FROM qbxml_outbox WHERE qb_id IS NOT NULL AND add_batch_id IS NULL")
    assert events["waiting"] == 4 and events["done"] == 4 and linked == 4


def test_a_purchase_order_whose_answer_was_lost_reaches_the_mirror_with_its_lines(warehouse, tmp_path):
    """The lookup asks for the lines: a PO settled by it is mirrored whole, so its receipts' bills can link to it (a
    later query of the same EditSequence would not bring the lines anew)."""
    from warehouse.qb_mirror import fold_pending

    add_company(warehouse)
    path = tmp_path / "qb.sqlite"
    _books_with_vendor(path)
    lines = [{"ItemRef": {"FullName": "Printer Paper"}, "Quantity": "4", "Rate": "12.40"},
             {"ItemRef": {"FullName": "Consulting"}, "Quantity": "1", "Rate": "640.00"}]  # fmt: skip
    body = {"VendorRef": {"FullName": VENDOR}, "TxnDate": "2024-03-01", "RefNumber": "4500001239",
            "PurchaseOrderLineAdd": lines}  # fmt: skip
    row = (COMPANY, "PurchaseOrderAdd", "jaggaer:po:4500001239:v1", "jaggaer:po:4500001239", {"PurchaseOrderAdd": body})
    frame = pd.DataFrame([row], columns=["company", "op", "dedup_key", "record_key", "payload"])
    with warehouse.connect() as conn:
        enqueue(conn, frame)
    with running_bridge(warehouse, **FAST) as bridge:
        with CompanyFile(path, faults=Faults(lose_response_rate=1.0)) as lossy:
            assert connector(bridge, lossy).run_session().dropped_applied
        with CompanyFile(path) as healthy:
            connector(bridge, healthy).run_until_idle()
    assert statuses(warehouse) == {"done": 1}
    with warehouse.connect() as conn:
        fold_pending(conn)
        mirrored = conn.fetchall("SELECT item_name, quantity FROM qb_purchase_order_lines ORDER BY line_number")
    assert [(name, float(q)) for name, q in mirrored] == [("Printer Paper", 4.0), ("Consulting", 1.0)]


def test_a_session_opened_beside_a_silent_one_looks_its_batch_up_instead_of_waiting_forever(warehouse, tmp_path):
    """Session A's message went out and A fell silent; session B was opened in the instant where A was neither swept
    as abandoned nor live any more (authenticate reads the clock twice). B's first poll must sweep A's batch and look
    its bills up, not answer NoOp for ever while the batch counts as in flight (a 3,000-record soak hung there)."""
    add_company(warehouse)
    path = tmp_path / "qb.sqlite"
    _books_with_vendor(path)
    _queue_bills(warehouse, 3)
    conversation = Conversation(warehouse, BridgeSettings(**{**FAST, "session_idle_seconds": 60}))
    a = conversation.authenticate(USER, PASSWORD)[0]
    with CompanyFile(path) as books:
        hcp = books.host_query_response("16.0").decode()
    assert conversation.send_request_xml(a, hcp, str(path), "US", 16, 0).count("<BillAddRq") == 3
    with warehouse.connect() as conn:  # A silent past SESSION_IDLE_SECONDS; B opened as authenticate would
        conn.execute(
            "UPDATE qbwc_sessions SET last_seen_at = ? WHERE ticket = ?", [now() - timedelta(hours=1), sessions.key(a)]
        )
        b, _ = sessions.open_session(conn, COMPANY, USER, 600)
    message = conversation.send_request_xml(b, hcp, str(path), "US", 16, 0)
    assert message.count("<BillQueryRq") == 3, conversation.get_last_error(b)
    assert statuses(warehouse) == {"sent": 3}

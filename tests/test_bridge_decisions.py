"""What a row sends next and how an answer settles it: lookups, re-queries, iterators, retries (pure functions)."""

from __future__ import annotations

import pytest

from qbwc_bridge.delivery import Unsendable, lookup_query, plan, requery
from qbwc_bridge.intake import decide
from qbxml.responses import Record, Response


def _row(op: str, payload: dict, **extra) -> dict:
    base = {
        "request_id": "q1",
        "company": "acme",
        "record_key": "k",
        "op": op,
        "payload": payload,
        "attempts": 1,
        "sent_action": "send",
        "next_action": None,
        "qb_id": None,
        "qb_edit_sequence": None,
        "iterator_id": None,
        "iterator_ticket": None,
        "watermark": None,
        "last_status_code": None,
    }
    return {**base, **extra}


def _rs(code: int, records: list[Record] | None = None, **extra) -> Response:
    return Response("q1", "X", code, "Error" if code > 1 else "Info", f"status {code}", records=records or [], **extra)


BILL = {"BillAdd": {"VendorRef": {"FullName": "Acme"}, "RefNumber": "INV-1"}}


def test_lookups_by_natural_key_or_stored_id():
    assert lookup_query(_row("VendorAdd", {"VendorAdd": {"Name": "Acme"}})) == ("VendorQuery", {"FullName": ["Acme"]})
    op, fields = lookup_query(_row("BillAdd", BILL))
    assert op == "BillQuery"
    assert fields["EntityFilter"] == {"FullName": ["Acme"]}
    assert fields["RefNumberRangeFilter"] == {"FromRefNumber": "INV-1", "ToRefNumber": "INV-1"}
    sub = _row("AccountAdd", {"AccountAdd": {"Name": "Pens", "ParentRef": {"FullName": "Office Supplies"}}})
    assert lookup_query(sub) == ("AccountQuery", {"FullName": ["Office Supplies:Pens"]})
    # a transaction with its lines: the answer fills the mirror as the Add's would have (a PO's lines, for its bills)
    lines = {"IncludeLineItems": "true"}
    assert lookup_query(_row("BillAdd", BILL, qb_id="T-9")) == ("BillQuery", {"TxnID": ["T-9"], **lines})
    assert fields["IncludeLineItems"] == "true"
    credit = {"VendorCreditAdd": {"VendorRef": {"FullName": "Acme"}, "RefNumber": "INV-1-CM"}}
    assert lookup_query(_row("VendorCreditAdd", credit)) == ("VendorCreditQuery", {
        "EntityFilter": {"FullName": ["Acme"]},
        "RefNumberRangeFilter": {"FromRefNumber": "INV-1-CM", "ToRefNumber": "INV-1-CM"}, **lines})  # fmt: skip
    po = {"PurchaseOrderAdd": {"VendorRef": {"FullName": "Acme"}, "RefNumber": "4500001239"}}
    assert lookup_query(_row("PurchaseOrderAdd", po))[1]["IncludeLineItems"] == "true"
    by_id = _row("BillAdd", {"BillAdd": {"VendorRef": {"ListID": "80000001-1"}, "RefNumber": "INV-1"}})
    assert lookup_query(by_id)[1]["EntityFilter"] == {"ListID": ["80000001-1"]}
    with pytest.raises(Unsendable, match="RefNumber"):
        lookup_query(_row("BillAdd", {"BillAdd": {"VendorRef": {"FullName": "Acme"}}}))
    with pytest.raises(Unsendable, match="cannot be looked up"):
        lookup_query(_row("BillPaymentCheckAdd", {"BillPaymentCheckAdd": {}}))


def test_requery_reads_the_object_a_mod_changes():
    assert requery(_row("VendorMod", {"VendorMod": {"ListID": "L1", "EditSequence": "1"}})) == (
        "VendorQuery",
        {"ListID": ["L1"]},
    )
    assert requery(_row("BillMod", {"BillMod": {"TxnID": "T1"}})) == ("BillQuery", {"TxnID": ["T1"]})


def test_plan_continues_an_iterator_only_in_its_own_session():
    query = {"@iterator": "Start", "MaxReturned": 50}
    paging = _row("VendorQuery", query, next_action="continue", iterator_id="{it}", iterator_ticket="t1")
    continued = {**query, "@iterator": "Continue", "@iteratorID": "{it}"}
    assert plan(paging, "t1", "16.0") == ("continue", "VendorQuery", continued)
    assert plan(paging, "t2", "16.0") == ("send", "VendorQuery", query)  # new session: restart from its own watermark


def test_a_mod_goes_only_with_an_edit_sequence_read_in_the_same_session():
    queued = _row("VendorMod", {"VendorMod": {"ListID": "L1", "EditSequence": "1"}}, qb_edit_sequence="3")
    assert plan(queued, "t", "16.0") == ("requery", "VendorQuery", {"ListID": ["L1"]})  # the mirror's may be stale
    read = decide({**queued, "sent_action": "requery"}, _rs(0, [Record("VendorRet", {"ListID": "L1",
                  "EditSequence": "7"})]), "t", 5, 0)  # fmt: skip
    assert plan(read, "t", "16.0") == ("send", "VendorMod", {"VendorMod": {"ListID": "L1", "EditSequence": "7"}})
    assert plan(read, "next-session", "16.0")[0] == "requery"  # read in an earlier session: read again


def test_decisions_by_status():
    vendor = Record("VendorRet", {"ListID": "L1", "EditSequence": "5", "Name": "Acme"})
    add = _row("VendorAdd", {"VendorAdd": {"Name": "Acme"}})
    done = decide(add, _rs(0, [vendor]), "t", 5, 0)
    assert (done["status"], done["qb_id"], done["qb_edit_sequence"]) == ("done", "L1", "5")
    assert decide(add, _rs(3175), "t", 5, 0)["status"] == "retry"
    assert decide({**add, "attempts": 5}, _rs(3175), "t", 5, 0)["status"] == "failed"
    assert decide(add, _rs(3100), "t", 5, 0)["next_action"] == "lookup"
    assert decide(add, _rs(3120), "t", 5, 0)["last_error"] == "3120: status 3120"
    mod = _row("VendorMod", {"VendorMod": {"ListID": "L1"}})
    assert decide(mod, _rs(3200), "t", 5, 0)["next_action"] == "requery"
    requeried = decide({**mod, "sent_action": "requery"}, _rs(0, [vendor]), "t", 5, 0)
    assert (requeried["status"], requeried["next_action"], requeried["qb_edit_sequence"]) == ("pending", "send", "5")


def test_lookup_answers():
    add = _row("VendorAdd", {"VendorAdd": {"Name": "Acme"}}, sent_action="lookup")
    found = decide({**add, "last_status_code_before": None}, _rs(0, [Record("VendorRet", {"ListID": "L1"})]), "t", 5, 0)
    assert (found["status"], found["event"], found["qb_id"]) == ("done", "linked", "L1")
    missing = decide({**add, "last_status_code_before": None}, _rs(1), "t", 5, 0)
    assert (missing["status"], missing["next_action"]) == ("pending", "send")  # not there: add it now
    taken = decide({**add, "last_status_code_before": 3100}, _rs(1), "t", 5, 0)
    assert taken["status"] == "failed" and "another kind of list entry" in taken["last_error"]


def test_iterator_answers():
    query = _row("VendorQuery", {"@iterator": "Start", "MaxReturned": 2})
    page = Record("VendorRet", {"ListID": "L1", "TimeModified": "2024-03-01T10:00:00-08:00"})
    more = decide(query, _rs(0, [page], iterator_id="{it}", iterator_remaining=3), "t1", 5, 0)
    assert (more["status"], more["next_action"], more["iterator_id"], more["iterator_ticket"]) == (
        "pending",
        "continue",
        "{it}",
        "t1",
    )
    assert more["watermark"].startswith("2024-03-01T10:00:00")
    last = decide({**query, "sent_action": "continue"}, _rs(0, [page], iterator_remaining=0), "t1", 5, 0)
    assert last["status"] == "done"
    expired = decide({**query, "sent_action": "continue"}, _rs(3391), "t1", 5, 0)
    assert (expired["status"], expired["next_action"], expired["iterator_id"]) == ("pending", "send", None)

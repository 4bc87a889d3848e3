"""The outbox delivery state machine on both backends: claim with dependencies, send, settle, unknown outcomes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pandas as pd
import pytest

from warehouse import outbox
from warehouse.audit import now, story
from warehouse.outbox import enqueue, request_id_for


def _queue(wh, rows: list[tuple[str, str, dict, str | None]], company: str = "acme") -> None:
    frame = pd.DataFrame(
        {
            "company": company,
            "op": [r[0] for r in rows],
            "dedup_key": [r[1] for r in rows],
            "record_key": [r[1].rsplit(":", 1)[0] for r in rows],
            "payload": [r[2] for r in rows],
            "depends_on": [r[3] for r in rows],
        }
    )
    with wh.connect() as c:
        enqueue(c, frame)


def _vendor_and_bill(wh) -> tuple[str, str]:
    vendor = request_id_for("acme", "coupa:supplier:1:v1")
    _queue(
        wh,
        [
            ("VendorAdd", "coupa:supplier:1:v1", {"VendorAdd": {"Name": "Acme"}}, None),
            ("BillAdd", "coupa:inv:7:v1", {"BillAdd": {"VendorRef": {"FullName": "Acme"}, "RefNumber": "7"}}, vendor),
        ],
    )
    return vendor, request_id_for("acme", "coupa:inv:7:v1")


def _send(wh, rows, batch="b1", action="send"):
    with wh.connect() as c:
        outbox.mark_sent(c, [{**r, "sent_action": action} for r in rows], "t1", batch)


def test_bill_waits_for_its_vendor_then_goes(warehouse):
    vendor, bill = _vendor_and_bill(warehouse)
    with warehouse.connect() as c:
        claimed = outbox.claim(c, "acme", 10)
    assert [r["request_id"] for r in claimed] == [vendor]
    assert claimed[0]["payload"] == {"VendorAdd": {"Name": "Acme"}}
    _send(warehouse, claimed)
    with warehouse.connect() as c:
        assert outbox.claim(c, "acme", 10) == []
        rows = outbox.batch_rows(c, "b1")
        outbox.settle(c, [{**rows[0], "status": "done", "qb_id": "80000001-1", "event": "done"}])
        again = outbox.claim(c, "acme", 10)
    assert [r["request_id"] for r in again] == [bill]
    with warehouse.connect() as c:
        assert c.scalar("SELECT qb_id FROM qbxml_outbox WHERE request_id = ?", [vendor]) == "80000001-1"
        assert c.scalar("SELECT attempts FROM qbxml_outbox WHERE request_id = ?", [vendor]) == 1
        assert [e["event"] for e in story(c, "coupa:supplier:1")] == ["queued", "sent", "done"]


def test_failed_vendor_fails_its_bill_instead_of_waiting_forever(warehouse):
    _, bill = _vendor_and_bill(warehouse)
    with warehouse.connect() as c:
        row = outbox.claim(c, "acme", 1)[0]
        outbox.settle(c, [{**row, "status": "failed", "last_error": "3210: bad phone", "event": "failed"}])
        assert outbox.fail_blocked(c, "acme") == 1
        error = c.scalar("SELECT last_error FROM qbxml_outbox WHERE request_id = ?", [bill])
    assert error == "blocked: vendor coupa:supplier:1 failed: 3210: bad phone"


def test_retry_waits_for_its_time(warehouse):
    vendor, _ = _vendor_and_bill(warehouse)
    with warehouse.connect() as c:
        row = outbox.claim(c, "acme", 1)[0]
        later = {**row, "status": "retry", "next_attempt_at": now() + timedelta(hours=1), "event": "retry"}
        outbox.settle(c, [later])
        assert outbox.claim(c, "acme", 10) == []
        outbox.settle(c, [{**later, "next_attempt_at": now() - timedelta(seconds=1)}])
        assert [r["request_id"] for r in outbox.claim(c, "acme", 10)] == [vendor]


def test_lost_batch_turns_adds_into_lookups_and_queries_into_resends(warehouse):
    _queue(
        warehouse,
        [
            ("VendorAdd", "coupa:supplier:2:v1", {"VendorAdd": {"Name": "Beta"}}, None),
            ("VendorQuery", "qb:vendors:1", {"@iterator": "Start", "MaxReturned": 100}, None),
        ],
    )
    with warehouse.connect() as c:
        rows = outbox.claim(c, "acme", 10)
    _send(warehouse, rows)
    with warehouse.connect() as c:
        assert outbox.mark_unknown(c, "b1", "0x80040401 could not access QuickBooks", max_attempts=5) == 2
        states = dict(c.fetchall("SELECT op, status || '/' || next_action FROM qbxml_outbox"))
    assert states == {"VendorAdd": "unknown/lookup", "VendorQuery": "pending/send"}


def test_lost_add_past_its_attempts_is_failed_for_review_not_resent(warehouse):
    _queue(warehouse, [("VendorAdd", "coupa:supplier:3:v1", {"VendorAdd": {"Name": "Gamma"}}, None)])
    for n in range(3):
        with warehouse.connect() as c:
            rows = outbox.claim(c, "acme", 10)
        _send(warehouse, rows, batch=f"b{n}")
        with warehouse.connect() as c:
            outbox.mark_unknown(c, f"b{n}", "dropped session", max_attempts=3)
    with warehouse.connect() as c:
        status, error = c.fetchone("SELECT status, last_error FROM qbxml_outbox")
    assert status == "failed"
    assert "outcome unknown after 3 attempts" in error


def test_status_counts(warehouse):
    _vendor_and_bill(warehouse)
    with warehouse.connect() as c:
        assert outbox.status_counts(c) == [{"company": "acme", "status": "pending", "n": 2}]


@pytest.mark.postgres
def test_two_bridges_never_claim_the_same_row(pg_warehouse):
    """Concurrent claims are PostgreSQL's (FOR UPDATE SKIP LOCKED); DuckDB has one writer."""
    wh = pg_warehouse
    _queue(wh, [("VendorAdd", f"s:{i}:v1", {"VendorAdd": {"Name": f"V{i}"}}, None) for i in range(10)])
    first_claimed = threading.Event()
    release = threading.Event()
    got: dict[str, list[str]] = {}

    def first() -> None:
        with wh.connect() as c:
            got["a"] = [r["request_id"] for r in outbox.claim(c, "acme", 6)]
            first_claimed.set()
            release.wait(10)

    holder = threading.Thread(target=first)
    holder.start()
    assert first_claimed.wait(10)
    with wh.connect() as c:
        got["b"] = [r["request_id"] for r in outbox.claim(c, "acme", 6)]
    release.set()
    holder.join()
    assert len(got["a"]) == 6
    assert len(got["b"]) == 4
    assert not set(got["a"]) & set(got["b"])


def test_only_sends_count_as_attempts_not_the_reads_before_them(warehouse):
    """A Mod's re-query for the current EditSequence and an Add's lookup read QuickBooks without changing it: a Mod that
    met a stale EditSequence keeps its full count of sends (the 10,000-record soak failed 5 BillMods after three)."""
    _queue(warehouse, [("BillMod", "coupa:po:9:v2", {"BillMod": {"TxnID": "T9", "EditSequence": "1"}}, None)])
    mod = request_id_for("acme", "coupa:po:9:v2")
    for number, action in enumerate(["send", "requery", "send", "lookup", "requery", "send"], start=1):
        with warehouse.connect() as c:
            row = c.records("SELECT * FROM qbxml_outbox WHERE request_id = ?", [mod])[0]
        _send(warehouse, [row], batch=f"b{number}", action=action)
    assert warehouse.scalar("SELECT attempts FROM qbxml_outbox WHERE request_id = ?", [mod]) == 3

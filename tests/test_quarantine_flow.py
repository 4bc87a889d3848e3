"""The quality cycle on the warehouse alone (until the pipeline demo lands): bad records held with reasons, the rest
matched; a fix upstream releases; a replay after a fault re-uses the same outbox row, so no duplicate."""

from __future__ import annotations

import pandas as pd
from quality_fixtures import draft, line, load, qb_bill, seed

from data_checks.quarantine import evaluate
from data_checks.replay import replay
from warehouse.outbox import enqueue


def _enqueue_unquarantined(conn) -> int:
    """What the outbox asset does: one BillAdd per document not held in quarantine, keyed by version."""
    frame = conn.df(
        "SELECT company, record_key, source_version, document_number FROM bill_drafts d WHERE NOT EXISTS "
        "(SELECT 1 FROM quarantine q WHERE q.record_key = d.record_key AND q.released_at IS NULL)"
    )
    if frame.empty:
        return 0
    requests = pd.DataFrame(
        {
            "company": frame["company"],
            "op": "BillAdd",
            "dedup_key": frame["record_key"] + ":v" + frame["source_version"].astype(str),
            "record_key": frame["record_key"],
            "payload": [{"BillAdd": {"RefNumber": n}} for n in frame["document_number"]],
        }
    )
    return enqueue(conn, requests)


def _deliver(conn, fail: set[str] = frozenset()) -> None:
    """The bridge and QuickBooks, reduced to their effect: pending rows done with a TxnID (or failed)."""
    rows = conn.fetchall("SELECT request_id, record_key FROM qbxml_outbox WHERE status = 'pending'")
    for request_id, key in rows:
        if key in fail:
            conn.execute(
                "UPDATE qbxml_outbox SET status = 'failed', attempts = 1, last_error = '3180: sandbox fault' "
                "WHERE request_id = ?",
                [request_id],
            )
            continue
        txn = "T-" + key.rsplit(":", 1)[-1]
        conn.execute("UPDATE qbxml_outbox SET status = 'done', qb_id = ? WHERE request_id = ?", [txn, request_id])
        amount = conn.scalar("SELECT total_amount FROM bill_drafts WHERE record_key = ?", [key])
        load(conn, "qb_bills", [qb_bill(txn, float(amount))])


def _statuses(conn) -> dict[str, str]:
    return dict(conn.fetchall("SELECT record_key, status FROM recon_documents"))


def test_bad_records_held_fix_releases_replay_never_duplicates(warehouse):
    drafts = [draft(n) for n in range(1, 11)]
    lines = [line(n) for n in range(1, 11)]
    lines[2] = line(3, qb_account_name=None, account_code="9999")  # injected: unmapped account
    drafts[5] = draft(6, total=101.0)  # injected: totals differ
    drafts[8] = draft(9, supplier="404")  # injected: unknown supplier
    with warehouse.connect() as c:
        seed(c, drafts, lines)
        report = evaluate(c)
        _enqueue_unquarantined(c)
        _deliver(c, fail={"coupa:po:4"})  # a sandbox fault fails one good bill
        statuses = _statuses(c)
        reasons = dict(c.fetchall("SELECT record_key, reason FROM quarantine WHERE released_at IS NULL"))
    assert report.held == ["coupa:po:3", "coupa:po:6", "coupa:po:9"]
    assert {k for k, s in statuses.items() if s == "quarantined"} == set(report.held)
    assert reasons["coupa:po:3"] == "line 1: source account '9999' has no QuickBooks account mapping"
    assert reasons["coupa:po:9"] == "supplier 404 has no QuickBooks vendor match yet"
    assert statuses["coupa:po:4"] == "missing_in_quickbooks"
    assert {s for k, s in statuses.items() if k not in {*report.held, "coupa:po:4"}} == {"matched"}

    with warehouse.connect() as c:  # fix one record upstream, re-run
        c.execute("UPDATE bill_drafts SET total_amount = 100 WHERE record_key = 'coupa:po:6'")
        again = evaluate(c)
        assert again.released == ["coupa:po:6"]
        assert _enqueue_unquarantined(c) == 1  # only the released document is new
        _deliver(c)
    with warehouse.connect() as c:  # replay the failed one after the fault is gone
        result = replay(c, failed_only=True)
        assert [r["record_key"] for r in result.requeued] == ["coupa:po:4"]
        assert _enqueue_unquarantined(c) == 0  # the pipeline re-running adds nothing either
        _deliver(c)
        statuses = _statuses(c)
        per_record = c.fetchall("SELECT record_key, count(*) FROM qbxml_outbox GROUP BY record_key HAVING count(*) > 1")
        bills = c.scalar("SELECT count(*) FROM qb_bills")
    assert per_record == [] and bills == 8
    assert statuses["coupa:po:4"] == "matched" and statuses["coupa:po:6"] == "matched"
    assert sorted(k for k, s in statuses.items() if s != "matched") == ["coupa:po:3", "coupa:po:9"]

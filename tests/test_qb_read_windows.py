"""Mirror reads in windows of modified time: an iterator lives only in its session, so a read of everything changed
since the watermark (an hour's overlap included) that needs more pages than a session lasts was restarted by every
new session and never finished (a 3,000-record soak started its BillQuery 111 times over 5,825 bills, none done).
Read in windows of about WINDOW_RECORDS records the mirror knows, each window finishes within a short session, and
the windows together miss nothing: the oracle is the company file itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bridge_support import FAST, PASSWORD, USER, Clock, add_company, qb_add, running_bridge

from assets import steps
from sandbox.quickbooks.company import CompanyFile
from sandbox.webconnector.client import WebConnector
from transforms import requests as rq
from warehouse.qb_mirror import fold_pending

BILLS = 24


def _add_bills(company: CompanyFile, clock: Clock, first: int, count: int) -> None:
    """`count` bills, a minute apart on the file's clock."""
    for i in range(first, first + count):
        clock.at += timedelta(minutes=1)
        line = {"AccountRef": {"FullName": "Office Supplies"}, "Amount": "100.00"}
        qb_add(company, "BillAdd", {"VendorRef": {"FullName": "Window Supplies"}, "RefNumber": f"W-{i}",
                                 "ExpenseLineAdd": [line]})  # fmt: skip


def _pull(wh, company: CompanyFile, round_trips: int) -> dict[str, int]:
    """Queue every reference read, run short sessions (`round_trips` messages each, as dropped sessions would be) until
    idle, fold; the BillQuery rows per status."""
    steps.enqueue_reference_queries(wh)
    with running_bridge(wh, **FAST) as bridge:
        connector = WebConnector(bridge.soap_url, USER, PASSWORD, company, noop_wait=0.01, max_round_trips=round_trips)
        connector.run_until_idle(max_sessions=40)
    with wh.connect() as conn:
        fold_pending(conn)
        return dict(conn.fetchall("SELECT status, count(*) FROM qbxml_outbox WHERE op = 'BillQuery' GROUP BY 1"))


def test_a_read_longer_than_a_session_finishes_in_windows_and_misses_nothing(warehouse, tmp_path, monkeypatch):
    monkeypatch.setattr(rq, "MAX_RETURNED", 2)  # pages of two bills
    monkeypatch.setattr(rq, "WINDOW_RECORDS", 4)
    add_company(warehouse)
    clock = Clock(datetime(2024, 5, 6, 15, 0, tzinfo=UTC))
    company = CompanyFile.create(tmp_path / "qb.sqlite", clock=clock)
    qb_add(company, "VendorAdd", {"Name": "Window Supplies"})
    _add_bills(company, clock, 0, BILLS)
    assert _pull(warehouse, company, round_trips=20) == {"done": 1}  # the first read: long sessions, one read
    _add_bills(company, clock, BILLS, 4)  # within the hour the next read reaches back: every bill is read again
    statuses = _pull(warehouse, company, round_trips=4)  # sessions of 4 messages: 3 pages each at most
    assert set(statuses) == {"done"} and statuses["done"] >= BILLS // 4, statuses  # each window read through
    with warehouse.connect() as conn:
        mirrored = {r for (r,) in conn.fetchall("SELECT ref_number FROM qb_bills")}
        windows = [p for (p,) in conn.fetchall("SELECT payload FROM qbxml_outbox WHERE op = 'BillQuery'")]
    assert mirrored == {b["RefNumber"] for b in company.objects("Bill")} and len(mirrored) == BILLS + 4
    assert sum("ToModifiedDate" not in str(p) for p in windows) == 1  # the first read alone is open
    company.close()


def test_a_busy_file_cannot_keep_a_read_from_finishing(warehouse, tmp_path, monkeypatch):
    """While the windows of a read wait, and between the sessions that page through them, the file keeps changing
    (five pages more before every session of four messages). The read still finishes, since its last window closed
    when it was queued; the next read takes what changed meanwhile, and the two together miss nothing."""
    monkeypatch.setattr(rq, "MAX_RETURNED", 2)
    monkeypatch.setattr(rq, "WINDOW_RECORDS", 4)
    add_company(warehouse)
    clock = Clock(datetime(2024, 5, 6, 15, 0, tzinfo=UTC))
    monkeypatch.setattr(steps, "now", clock)  # queued on the file's clock, as if ours and the file's agree
    company = CompanyFile.create(tmp_path / "qb.sqlite", clock=clock)
    qb_add(company, "VendorAdd", {"Name": "Window Supplies"})
    _add_bills(company, clock, 0, BILLS)
    assert _pull(warehouse, company, round_trips=20) == {"done": 1}
    added = BILLS + 2
    _add_bills(company, clock, BILLS, 2)
    steps.enqueue_reference_queries(warehouse)
    with running_bridge(warehouse, **FAST) as bridge:
        connector = WebConnector(bridge.soap_url, USER, PASSWORD, company, noop_wait=0.01, max_round_trips=4)
        for _ in range(12):
            _add_bills(company, clock, added, 10)
            added += 10
            connector.run_session()
    with warehouse.connect() as conn:
        assert dict(conn.fetchall("SELECT status, count(*) FROM qbxml_outbox WHERE op = 'BillQuery' GROUP BY 1")) == {
            "done": conn.scalar("SELECT count(*) FROM qbxml_outbox WHERE op = 'BillQuery'")
        }
    # the next read takes what changed while the first ran: 120 bills the mirror never saw, so one window (windows cut
    # only where the mirror knows records), paged in one long session
    assert set(_pull(warehouse, company, round_trips=100)) == {"done"}
    with warehouse.connect() as conn:
        mirrored = {r for (r,) in conn.fetchall("SELECT ref_number FROM qb_bills")}
    assert mirrored == {b["RefNumber"] for b in company.objects("Bill")} and len(mirrored) == added
    company.close()

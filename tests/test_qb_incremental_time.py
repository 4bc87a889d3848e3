"""Incremental QuickBooks pulls across a daylight-saving change: every reference query the product sends misses no
change made in the hours a UTC-as-local filter skipped, and the overlap it re-reads repeats nothing in the mirror.

The company file runs in America/Los_Angeles, writes local offsets (stale ones after the change, as real QuickBooks
does) and reads unqualified filter times as local time. The oracle is the company file itself.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bridge_support import COMPANY, FAST, PASSWORD, USER, Clock, add_company, running_bridge

from assets import steps
from qbwc_bridge import companies
from qbxml import envelope, requests
from qbxml.responses import parse_message
from sandbox.quickbooks import seed
from sandbox.quickbooks.company import CompanyFile
from sandbox.webconnector.client import WebConnector
from transforms.requests import REFERENCE_QUERIES
from warehouse.qb_clock import filter_time
from warehouse.qb_mirror import fold_pending

ZONE = "America/Los_Angeles"  # DST starts 2024-03-10 at 02:00 PST = 10:00 UTC


def _qb(company: CompanyFile, op: str, body: dict) -> dict:
    rq = requests.render(op, body if op == "TxnDel" else {op: body}, version="16.0", request_id="t")
    rs = parse_message(company.process(envelope.message([rq], version="16.0")).response_xml)[0]
    assert rs.status_code == 0, (op, rs.status_message)
    return rs.records[0].data if rs.records else {}


def _one(company: CompanyFile, kind: str, field: str, value: str) -> dict:
    return next(o for o in company.objects(kind) if o.get(field) == value)


def _bill(company: CompanyFile, vendor: str, ref: str) -> dict:
    line = {"AccountRef": {"FullName": "Office Supplies"}, "Amount": "100.00"}
    return _qb(company, "BillAdd", {"VendorRef": {"FullName": vendor}, "RefNumber": ref, "ExpenseLineAdd": [line]})


def _edit_everything(company: CompanyFile, tag: str) -> None:
    """One change seen by each reference query: vendor, account, item, bill, bill payment, deleted bill."""
    vendor = _one(company, "Vendor", "Name", "Gap Supplies")
    _qb(company, "VendorMod", {"ListID": vendor["ListID"], "EditSequence": vendor["EditSequence"], "Notes": tag})
    account = _one(company, "Account", "Name", "Office Supplies")
    _qb(company, "AccountMod", {"ListID": account["ListID"], "EditSequence": account["EditSequence"], "Desc": tag})
    item = _one(company, "ItemService", "Name", "Consulting")
    _qb(
        company,
        "ItemServiceMod",
        {"ListID": item["ListID"], "EditSequence": item["EditSequence"], "Name": "Consulting"},
    )
    bill = _one(company, "Bill", "RefNumber", "KEEP-1")
    _qb(company, "BillMod", {"TxnID": bill["TxnID"], "EditSequence": bill["EditSequence"], "Memo": tag})
    paid = _bill(company, "Gap Supplies", f"PAY-{tag}")
    _qb(
        company,
        "BillPaymentCheckAdd",
        {
            "PayeeEntityRef": {"FullName": "Gap Supplies"},
            "BankAccountRef": {"FullName": seed.BANK_ACCOUNT},
            "IsToBePrinted": False,
            "AppliedToTxnAdd": [{"TxnID": paid["TxnID"], "PaymentAmount": "100.00"}],
        },
    )
    doomed = _bill(company, "Gap Supplies", f"DEL-{tag}")
    _qb(company, "TxnDel", {"TxnDelType": "Bill", "TxnID": doomed["TxnID"]})


MIRRORS = {  # mirror table -> (its key, the company file's object type)
    "qb_vendors": ("list_id", "Vendor"),
    "qb_accounts": ("list_id", "Account"),
    "qb_items": ("list_id", "Item"),
    "qb_bills": ("txn_id", "Bill"),
    "qb_bill_payments": ("txn_id", "BillPaymentCheck"),
}


def _assert_mirror_is_the_file(wh, company: CompanyFile) -> None:
    with wh.connect() as conn:
        for table, (key, kind) in MIRRORS.items():
            held = dict(conn.fetchall(f"SELECT {key}, edit_sequence FROM {table} WHERE company = ?", [COMPANY]))
            truth = {o["ListID" if key == "list_id" else "TxnID"]: o["EditSequence"] for o in company.objects(kind)}
            assert held == truth, table
        deleted = {r for (r,) in conn.fetchall("SELECT object_id FROM qb_deleted WHERE company = ?", [COMPANY])}
    assert deleted == {d["id"] for d in company.deleted("Bill")}


def _synced(wh) -> dict:
    with wh.connect() as conn:
        return {
            table: sorted(map(tuple, conn.fetchall(f"SELECT {key}, synced_at FROM {table}")))
            for table, (key, _) in {**MIRRORS, "qb_deleted": ("object_id", None)}.items()
        }


@pytest.mark.parametrize("time_zone", [None, ZONE], ids=["offset-learned", "zone-set"])
def test_dst_crossing_pulls_lose_and_repeat_nothing(warehouse, tmp_path, time_zone):
    add_company(warehouse)
    if time_zone:
        with warehouse.connect() as conn:
            conn.execute("UPDATE companies SET time_zone = ? WHERE company = ?", [time_zone, COMPANY])
    clock = Clock(datetime(2024, 3, 10, 6, 0, tzinfo=UTC))  # Saturday 22:00 PST
    company = CompanyFile.create(tmp_path / "qb.sqlite", time_zone=ZONE, clock=clock, stale_dst_offsets=True)
    _qb(company, "VendorAdd", {"Name": "Gap Supplies"})
    _bill(company, "Gap Supplies", "KEEP-1")
    assert _one(company, "Vendor", "Name", "Gap Supplies")["TimeModified"] == "2024-03-09T22:00:00-08:00"

    def pull() -> None:
        """Queue every reference query, play Web Connector sessions until idle, fold what they read."""
        assert steps.enqueue_reference_queries(warehouse)["queued"] == len(REFERENCE_QUERIES)
        with running_bridge(warehouse, **FAST) as bridge:
            WebConnector(bridge.soap_url, USER, PASSWORD, company, noop_wait=0.01).run_until_idle()
        with warehouse.connect() as conn:
            fold_pending(conn)
            assert conn.fetchall("SELECT DISTINCT status FROM qbxml_outbox") == [("done",)]

    pull()
    _assert_mirror_is_the_file(warehouse, company)

    # After the change to PDT, in the hours a UTC-as-local filter skips ("05:55" local would be 12:55 UTC).
    clock.at = datetime(2024, 3, 10, 10, 30, tzinfo=UTC)  # 03:30 PDT, written "-08:00" by the stale offset
    _edit_everything(company, "gap")
    assert _one(company, "Vendor", "Name", "Gap Supplies")["TimeModified"] == "2024-03-10T03:30:00-08:00"
    pull()
    _assert_mirror_is_the_file(warehouse, company)

    # Minutes later: the stale offset put the watermark an hour late in UTC; the overlap still reaches back.
    clock.at += timedelta(minutes=10)
    _edit_everything(company, "late")
    pull()
    _assert_mirror_is_the_file(warehouse, company)

    # Nothing changed: the overlap is read again and the mirror is not touched.
    before = _synced(warehouse)
    with warehouse.connect() as conn:
        answered = conn.scalar("SELECT count(*) FROM qbxml_responses")
    pull()
    with warehouse.connect() as conn:
        reread = conn.fetchall("SELECT records FROM qbxml_responses ORDER BY response_id OFFSET ?", [answered])
    assert any(records not in (None, "[]", []) for (records,) in reread)  # the overlap was really re-read
    assert _synced(warehouse) == before
    company.close()


def test_company_time_zone_is_set_checked_and_cleared(warehouse):
    add_company(warehouse)
    with warehouse.connect() as conn:
        companies.set_time_zone(conn, COMPANY, "America/Chicago")
        assert conn.scalar("SELECT time_zone FROM companies") == "America/Chicago"
        with pytest.raises(ValueError, match="not an IANA zone"):
            companies.set_time_zone(conn, COMPANY, "Central Time")
        with pytest.raises(ValueError, match="no such company"):
            companies.set_time_zone(conn, "nobody", "America/Chicago")
        companies.set_time_zone(conn, COMPANY, None)
        assert conn.scalar("SELECT time_zone FROM companies") is None


def test_filter_time_is_local_and_reaches_back_past_a_dst_error():
    utc = datetime(2024, 7, 1, 18, 0)  # 11:00 PDT
    assert filter_time(utc, ZONE, None) == "2024-07-01T09:55:00"
    assert filter_time(utc, None, -480) == "2024-07-01T08:55:00"  # an offset learned in winter: earlier, never later
    assert filter_time(utc, None, None) == "2024-07-01T04:55:00"  # nothing known: the westernmost offset


def test_check_and_credit_card_payments_keep_their_own_watermarks(warehouse):
    """Both payment queries fill qb_bill_payments: a check modified after a card payment must not move the card
    query's watermark past card payments it has not read yet."""
    from transforms.requests import reference_watermarks

    add_company(warehouse)
    warehouse.execute(
        "INSERT INTO qb_bill_payments (company, txn_id, payment_kind, time_modified, synced_at) VALUES "
        "(?, 'C-1', 'check', '2026-11-20 10:00:00', now()), (?, 'K-1', 'credit_card', '2026-11-02 09:00:00', now())",
        [COMPANY, COMPANY],
    )
    marks = {op: mark for _, op, mark, *_ in warehouse.fetchall(reference_watermarks())}
    assert str(marks["BillPaymentCheckQuery"]).startswith("2026-11-20 10:00")
    assert str(marks["BillPaymentCreditCardQuery"]).startswith("2026-11-02 09:00")


def test_a_read_starts_no_later_than_the_last_finished_read_closed(warehouse):
    """The mirror's newest time can pass the close of the last read (our own Adds fold their times in as they are
    answered); the next read still starts from that close, or what changed in between would never be read. A read
    that failed does not count (its range is read again), and an empty mirror still means a full read."""
    from transforms.requests import reference_watermarks

    add_company(warehouse)
    warehouse.execute(
        "INSERT INTO qb_bills (company, txn_id, time_modified, synced_at) "
        "VALUES (?, 'B-1', '2026-11-20 10:00:00', now())",
        [COMPANY],
    )
    reads = [("BillQuery", "2026-11-20 07:00:00", "done"), ("BillQuery", "2026-11-20 09:00:00", "failed")]
    reads.append(("VendorQuery", "2026-11-20 08:00:00", "done"))
    for n, (op, created, status) in enumerate(reads):
        warehouse.execute(
            "INSERT INTO qbxml_outbox (request_id, company, op, dedup_key, record_key, payload, status, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, '{}', ?, ?, ?)",
            [f"r{n}", COMPANY, op, f"qb:{op}:{n}", f"qb:{op}", status, created, created],
        )
    marks = {op: mark for _, op, mark, *_ in warehouse.fetchall(reference_watermarks())}
    assert str(marks["BillQuery"]).startswith("2026-11-20 07:00")  # the done read's close, not 10:00 nor 09:00
    assert marks["VendorQuery"] is None  # an empty mirror: a full read again, whenever the last read was

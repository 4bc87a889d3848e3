"""QuickBooks sales through the outbox: the sandbox file's seeded customers, jobs, invoices (open, partly paid, paid,
overdue), payments and deletions; the queries that read them (list and transaction filters, iterators, deletions);
and the mirror they fold into, judged against the company file itself."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from bridge_support import COMPANY, add_company, pull_reference

from qbxml import envelope, requests
from qbxml.responses import parse_message
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.sales import seed_sales, send
from sandbox.quickbooks.sales_truth import bucket, sales_truth

TODAY = date(2026, 12, 7)


def _clock() -> datetime:
    return datetime(2026, 12, 7, 18, 0, tzinfo=UTC)


@pytest.fixture
def company(tmp_path) -> CompanyFile:
    qb = CompanyFile.create(tmp_path / "sales.qbsb", clock=_clock)
    seed_sales(qb, customers=9, seed=3, today=TODAY)
    yield qb
    qb.close()


def _query(company: CompanyFile, op: str, body: dict, attrs: dict | None = None, session: str | None = None):
    rq = requests.render(op, {**{f"@{k}": v for k, v in (attrs or {}).items()}, **body}, version="16.0", request_id="q")
    result = company.process(envelope.message([rq], version="16.0"), session_id=session)
    return parse_message(result.response_xml)[0]


def test_seed_makes_every_invoice_state_jobs_payments_and_deletions(company):
    truth = sales_truth(company, TODAY)
    stages = {i["stage"] for i in truth["invoices"].values()}
    assert stages == {"open", "paid", "overdue"}
    partly = [i for i in truth["invoices"].values() if 0 < i["balance"] < i["amount"]]
    assert partly, "a partly paid invoice"
    jobs = [c for c in truth["customers"].values() if c["parent"]]
    assert jobs and all(c["full_name"].startswith(truth["customers"][c["parent"]]["full_name"] + ":") for c in jobs)
    assert [c["active"] for c in truth["customers"].values()].count(False) == 1
    assert {k: len(v) for k, v in truth["deleted"].items()} == {"Customer": 1, "Vendor": 1, "Invoice": 1}
    for inv in truth["invoices"].values():
        assert sum(amount for _, _, amount in inv["lines"]) == inv["amount"]
    owing = next(c for c in truth["customers"].values() if c["overdue"] > 0)
    assert sum(owing["aging"].values()) == owing["open_balance"]
    assert bucket(-3) == "current" and bucket(30) == "days_1_30" and bucket(91) == "over_90"


def test_received_payments_reduce_the_invoice_and_are_refused_beyond_it(company):
    invoice = next(i for i in company.objects("Invoice") if i["IsPaid"] == "false" and "LinkedTxn" in i)
    paid = -Decimal(invoice["AppliedAmount"])
    assert Decimal(invoice["Subtotal"]) - paid == Decimal(invoice["BalanceRemaining"]) > 0
    too_much = str(Decimal(invoice["BalanceRemaining"]) + 1)
    body = {
        "CustomerRef": {"ListID": invoice["CustomerRef"]["ListID"]},
        "AppliedToTxnAdd": [{"TxnID": invoice["TxnID"], "PaymentAmount": too_much}],
    }
    rs = _query(company, "ReceivePaymentAdd", {"ReceivePaymentAdd": body})
    assert rs.status_code == 3210


def test_customer_and_invoice_queries_page_with_iterators_and_filter_as_quickbooks(company):
    first = _query(company, "CustomerQuery", {"MaxReturned": 4, "ActiveStatus": "All"}, {"iterator": "Start"}, "s1")
    names = [r.name for r in first.records]
    remaining = first.iterator_remaining
    assert len(names) == 4 and remaining > 0
    while remaining:
        more = {"iterator": "Continue", "iteratorID": first.iterator_id}
        page = _query(company, "CustomerQuery", {"MaxReturned": 4}, more, "s1")
        names += [r.name for r in page.records]
        remaining = page.iterator_remaining
    assert sorted(names) == sorted(c["FullName"] for c in company.objects("Customer"))
    other = _query(company, "CustomerQuery", {}, {"iterator": "Continue", "iteratorID": first.iterator_id}, "s2")
    assert other.status_code == 3391  # an iterator lives in its session only
    # active only by default: the inactive customer is left out
    assert len(_query(company, "CustomerQuery", {}).records) == len(company.objects("Customer")) - 1
    with_lines = _query(company, "InvoiceQuery", {"IncludeLineItems": "true", "MaxReturned": 2})
    assert all(r.lines("InvoiceLineRet") for r in with_lines.records)
    bare = _query(company, "InvoiceQuery", {"MaxReturned": 2})
    assert not any(r.lines("InvoiceLineRet") for r in bare.records)
    overdue = _query(company, "InvoiceQuery", {"PaidStatus": "NotPaidOnly"})
    assert all(r.data["IsPaid"] == "false" for r in overdue.records)
    deleted = _query(company, "ListDeletedQuery", {"ListDelType": ["Customer", "Vendor"]})
    assert {r.data["ListDelType"] for r in deleted.records} == {"Customer", "Vendor"}
    txn = _query(company, "TxnDeletedQuery", {"TxnDelType": ["Invoice"]})
    assert [r.data["TxnDelType"] for r in txn.records] == ["Invoice"]


def test_reference_queries_fold_sales_into_the_mirror_and_keep_deletions_as_facts(warehouse, company):
    add_company(warehouse)
    pull_reference(warehouse, company)
    truth = sales_truth(company, TODAY)
    with warehouse.connect() as conn:
        customers = {r["list_id"]: r for r in conn.records("SELECT * FROM qb_customers WHERE company = ?", [COMPANY])}
        invoices = {r["txn_id"]: r for r in conn.records("SELECT * FROM qb_invoices WHERE company = ?", [COMPANY])}
        lines = conn.records("SELECT txn_id, item_list_id, quantity, amount FROM qb_invoice_lines")
        deleted = conn.records("SELECT object_id, del_type, deleted_by, time_deleted FROM qb_deleted")
        items = dict(conn.fetchall("SELECT full_name, price FROM qb_items"))
        vendors = dict(conn.fetchall("SELECT vendor_name, phone FROM qb_vendors"))
    live = set(truth["customers"])
    assert set(customers) == live  # the customer deleted during the seed was never read
    for list_id, want in truth["customers"].items():
        got = customers[list_id]
        assert (got["full_name"], got["parent_list_id"], got["is_active"]) == (
            want["full_name"],
            want["parent"],
            want["active"],
        )
    assert set(invoices) == set(truth["invoices"])  # the invoice deleted during the seed was never read
    for txn_id, want in truth["invoices"].items():
        assert Decimal(str(invoices[txn_id]["subtotal"])) == want["amount"]
        assert Decimal(str(invoices[txn_id]["balance_remaining"])) == want["balance"]
        mine = sorted((r["item_list_id"], Decimal(str(r["quantity"])), Decimal(str(r["amount"]))) for r in lines
                      if r["txn_id"] == txn_id)  # fmt: skip
        assert mine == sorted(want["lines"])
    facts = {r["object_id"]: r for r in deleted}
    for kind, ids in truth["deleted"].items():
        for object_id in ids:
            assert facts[object_id]["del_type"] == kind and facts[object_id]["time_deleted"] is not None
            assert facts[object_id]["deleted_by"] == ("TxnDeletedQuery" if kind == "Invoice" else "ListDeletedQuery")
    assert Decimal(str(items["Consulting"])) == Decimal("150")
    assert vendors["Supplier Gamma"] == "(555) 010-0000"

    # a payment received later and an invoice deleted after it was read: the next pull re-reads the paid invoice
    # (its lines too); the deleted one keeps its row beside the fact of its deletion
    invoice, doomed = [i for i in company.objects("Invoice") if i["IsPaid"] == "false"][:2]
    send(company, [("TxnDel", {"TxnDelType": "Invoice", "TxnID": doomed["TxnID"]})])
    send(company, [("ReceivePaymentAdd", {"ReceivePaymentAdd": {
        "CustomerRef": {"ListID": invoice["CustomerRef"]["ListID"]},
        "AppliedToTxnAdd": [{"TxnID": invoice["TxnID"], "PaymentAmount": invoice["BalanceRemaining"]}]}})])  # fmt: skip
    with warehouse.connect() as conn:
        before = conn.scalar("SELECT count(*) FROM qb_invoice_lines")
    pull_reference(warehouse, company)
    with warehouse.connect() as conn:
        row = conn.records("SELECT is_paid, balance_remaining FROM qb_invoices WHERE txn_id = ?", [invoice["TxnID"]])
        assert row[0]["is_paid"] is True and Decimal(str(row[0]["balance_remaining"])) == 0
        assert conn.scalar("SELECT count(*) FROM qb_invoice_lines") == before
        assert conn.scalar("SELECT count(*) FROM qb_invoices WHERE txn_id = ?", [doomed["TxnID"]]) == 1
        fact = conn.records("SELECT deleted_by FROM qb_deleted WHERE object_id = ?", [doomed["TxnID"]])
        assert fact == [{"deleted_by": "TxnDeletedQuery"}]

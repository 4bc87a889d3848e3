"""Reconciliation views: each document, supplier and payment against the QuickBooks mirror, on both backends."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from quality_fixtures import STAMP, draft, line, load, outbox_row, qb_bill, seed, vendor_match

from data_checks.quarantine import evaluate


def _documents_scenario(conn) -> None:
    drafts = [draft(n) for n in range(1, 7)]
    lines = [line(n) for n in range(1, 7)]
    drafts[2] = draft(3, total=50.0)  # quarantined: total differs from lines
    seed(conn, drafts, lines)
    evaluate(conn)
    load(
        conn,
        "qbxml_outbox",
        [
            outbox_row("coupa:po:1", "done", qb_id="T1"),
            outbox_row("coupa:po:2", "done", qb_id="T2"),
            outbox_row("coupa:po:4", "sent"),
            outbox_row("coupa:po:5", "failed", last_error="3140: account missing"),
        ],
    )
    load(conn, "qb_bills", [qb_bill("T1", 100.0, "PO-1"), qb_bill("T2", 90.0, "PO-2")])


def test_recon_documents_status_per_document(warehouse):
    with warehouse.connect() as c:
        _documents_scenario(c)
        rows = {r["record_key"]: r for r in c.records("SELECT * FROM recon_documents")}
    status = {k: r["status"] for k, r in rows.items()}
    assert status == {
        "coupa:po:1": "matched",
        "coupa:po:2": "amount_differs",
        "coupa:po:3": "quarantined",
        "coupa:po:4": "pending",
        "coupa:po:5": "missing_in_quickbooks",
        "coupa:po:6": "pending",
    }
    assert Decimal(str(rows["coupa:po:2"]["difference"])) == Decimal("10.00")
    assert rows["coupa:po:1"]["qb_txn_id"] == "T1"
    assert rows["coupa:po:3"]["quarantine_reason"].startswith("totals_match: document total 50.00")
    assert rows["coupa:po:5"]["last_error"] == "3140: account missing"


def test_recon_vendors(warehouse):
    suppliers = [
        {"source_system": "coupa", "source_id": s, "supplier_name": f"Supplier {s}", "staged_at": STAMP}
        for s in ("17", "18", "19", "20", "21")
    ]
    with warehouse.connect() as c:
        load(c, "stg_suppliers", suppliers)
        load(
            c,
            "vendor_matches",
            [
                vendor_match("17"),
                vendor_match("18", method="create", name="Supplier 18"),
                vendor_match("19", method="review"),
                vendor_match("21", method="name", qb_list_id="GONE"),
            ],
        )
        load(
            c,
            "qb_vendors",
            [{"company": "acme", "list_id": "8000017-1", "vendor_name": "Acme Supplies", "synced_at": STAMP}],
        )
        load(c, "qbxml_outbox", [outbox_row("coupa:supplier:18", "pending", op="VendorAdd")])
        rows = {r["supplier_source_id"]: r for r in c.records("SELECT * FROM recon_vendors")}
    assert {k: r["status"] for k, r in rows.items()} == {
        "17": "matched",
        "18": "pending",
        "19": "review",
        "20": "unmatched",
        "21": "missing_in_quickbooks",
    }
    assert rows["17"]["qb_vendor_name"] == "Acme Supplies" and rows["20"]["record_key"] == "coupa:supplier:20"


def test_recon_payments_follow_the_invoice_to_its_bill(warehouse):
    invoices = [
        {"source_system": "coupa", "source_id": f"9{n}", "invoice_number": f"INV-{n}", "po_source_id": str(n)}
        for n in (1, 2, 4)
    ]
    payments = [
        {"source_system": "coupa", "source_id": f"P{n}", "invoice_source_id": f"9{n}", "amount": amount}
        for n, amount in ((1, 100.0), (2, 100.0), (4, 100.0))
    ]
    with warehouse.connect() as c:
        _documents_scenario(c)
        load(c, "stg_invoices", [dict(i, staged_at=STAMP) for i in invoices])
        load(c, "stg_payments", [dict(p, staged_at=STAMP) for p in payments])
        c.load(
            "qb_bill_payments",
            pd.DataFrame(
                [
                    {
                        "company": "acme",
                        "txn_id": "PAY1",
                        "payment_kind": "check",
                        "amount": 100.0,
                        "applied_to_txn_ids": "T0,T1",
                        "synced_at": STAMP,
                    }
                ]
            ),
        )
        rows = {r["source_id"]: r for r in c.records("SELECT * FROM recon_payments")}
    assert rows["P1"]["status"] == "matched" and rows["P1"]["qb_txn_id"] == "PAY1"
    assert rows["P1"]["bill_record_key"] == "coupa:po:1"
    assert rows["P2"]["status"] == "pending" and rows["P2"]["bill_txn_id"] == "T2"
    assert rows["P4"]["status"] == "pending"

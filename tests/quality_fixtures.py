"""Builders for the quality tests: bill drafts, lines, vendor matches and QuickBooks reference rows in SQL."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from warehouse.company_sources import enrol
from warehouse.store import Conn

STAMP = datetime(2024, 5, 2, 9, 0, 0)
ACCOUNT = "Office Supplies"


def company(name: str = "acme", policy: str = "create", version: str = "16.0") -> dict[str, Any]:
    return {
        "company": name,
        "qbwc_user": f"{name}-user",
        "password_hash": "scrypt$x",
        "vendor_policy": policy,
        "max_qbxml_version": version,
        "owner_id": "{00000000-0000-0000-0000-000000000001}",
        "file_id": "{00000000-0000-0000-0000-000000000002}",
        "created_at": STAMP,
    }


def draft(number: int, total: float | None = 100.0, supplier: str | None = "17", **kw: Any) -> dict[str, Any]:
    row = {
        "company": "acme",
        "record_key": f"coupa:po:{number}",
        "source_system": "coupa",
        "source_kind": "purchase_order",
        "source_id": str(number),
        "source_version": 1,
        "document_number": f"PO-{number}",
        "supplier_source_id": supplier,
        "vendor_record_key": f"coupa:supplier:{supplier}" if supplier else None,
        "qb_vendor_name": "Acme Supplies" if supplier else None,
        "txn_date": date(2024, 5, 1),
        "memo": f"Coupa PO {number}",
        "currency": "USD",
        "total_amount": total,
        "line_total": total,
        "built_at": STAMP,
    }
    row.update(kw)
    return row


def line(number: int, line_number: int = 1, amount: float | None = 100.0, **kw: Any) -> dict[str, Any]:
    row = {
        "company": "acme",
        "record_key": f"coupa:po:{number}",
        "line_number": line_number,
        "account_code": "6000",
        "qb_account_name": ACCOUNT,
        "description": "Paper",
        "quantity": 1.0,
        "unit_price": amount,
        "amount": amount,
    }
    row.update(kw)
    return row


def vendor_match(supplier: str = "17", method: str = "external_id", name: str = "Acme Supplies", **kw) -> dict:
    row = {
        "company": "acme",
        "source_system": "coupa",
        "supplier_source_id": supplier,
        "record_key": f"coupa:supplier:{supplier}",
        "match_method": method,
        "qb_list_id": None if method in ("create", "review") else f"80000{supplier}-1",
        "qb_vendor_name": name,
        "matched_at": STAMP,
    }
    row.update(kw)
    return row


def qb_account(name: str = ACCOUNT, active: bool = True, company_name: str = "acme") -> dict[str, Any]:
    return {
        "company": company_name,
        "list_id": f"A-{name}",
        "full_name": name,
        "account_type": "Expense",
        "is_active": active,
        "synced_at": STAMP,
    }


def load(conn: Conn, table: str, rows: list[dict[str, Any]]) -> None:
    """Rows with differing keys in one load; integer columns with gaps stay integers (not 3100.0)."""
    if not rows:
        return
    frame = pd.DataFrame(rows)
    for col in frame.columns:
        values = [r[col] for r in rows if r.get(col) is not None]
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            frame[col] = frame[col].astype("Int64")
    conn.load(table, frame)


def seed(
    conn: Conn,
    drafts: list[dict],
    lines: list[dict],
    matches: list[dict] | None = None,
    accounts: list[dict] | None = None,
    companies: list[dict] | None = None,
) -> None:
    """A company, its chart of accounts and vendor matches (defaults: one good of each), drafts and lines."""
    companies = companies if companies is not None else [company()]
    load(conn, "companies", companies)
    for row in companies:
        enrol(conn, row["company"], "coupa")
    load(conn, "qb_accounts", accounts if accounts is not None else [qb_account()])
    load(conn, "vendor_matches", matches if matches is not None else [vendor_match()])
    load(conn, "bill_drafts", drafts)
    load(conn, "bill_draft_lines", lines)


def outbox_row(record_key: str, status: str = "pending", op: str = "BillAdd", qb_id: str | None = None, **kw) -> dict:
    """An outbox row as the bridge leaves it (dedup key = record key + version)."""
    from warehouse.outbox import request_id_for

    dedup = kw.pop("dedup_key", f"{record_key}:v1")
    company_name = kw.pop("company", "acme")
    row = {
        "request_id": request_id_for(company_name, dedup),
        "company": company_name,
        "op": op,
        "dedup_key": dedup,
        "record_key": record_key,
        "payload": {op: {"RefNumber": record_key}},
        "status": status,
        "attempts": 1 if status != "pending" else 0,
        "qb_id": qb_id,
        "created_at": STAMP,
        "updated_at": STAMP,
    }
    row.update(kw)
    return row


def qb_bill(txn_id: str, amount: float, ref: str = "", vendor: str = "Acme Supplies") -> dict[str, Any]:
    return {
        "company": "acme",
        "txn_id": txn_id,
        "ref_number": ref,
        "vendor_name": vendor,
        "txn_date": date(2024, 5, 1),
        "amount_due": amount,
        "synced_at": STAMP,
    }

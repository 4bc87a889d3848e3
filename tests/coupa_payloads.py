"""Small hand-made Coupa R39 payloads (hyphenated keys) for staging and pipeline tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from warehouse.audit import now
from warehouse.store import Conn


def supplier(sid: int, name: str, **extra: Any) -> dict:
    return {
        "id": sid,
        "name": name,
        "number": f"S-{sid}",
        "status": "active",
        "tax-id": "12-3456789",
        "primary-contact": {"email": f"ap{sid}@example.com", "phone-work": {"number": "555-0100"}},
        "primary-address": {
            "street1": f"{sid} Main Street",
            "city": "Springfield",
            "state": "IL",
            "postal-code": "62701",
            "country": {"code": "US"},
        },
        "updated-at": "2024-03-01T10:00:00+00:00",
        **extra,
    }


def account(aid: int, code: str, name: str) -> dict:
    return {
        "id": aid,
        "code": code,
        "name": name,
        "active": True,
        "segment-1": code.split("-")[0],
        "segment-2": code.split("-")[1] if "-" in code else None,
        "account-type": {"name": "Default"},
        "updated-at": "2024-03-01T10:00:00Z",
    }


def line(num: int, price: Any, quantity: Any = 1, code: str = "6000-100", **extra: Any) -> dict:
    return {
        "id": 1000 + num,
        "line-num": str(num),
        "description": f"Item {num}",
        "price": price,
        "quantity": quantity,
        "total": None if isinstance(price, str) else round(float(price) * float(quantity), 2),
        "account": {"code": code, "segment-1": code.split("-")[0], "segment-2": code.split("-")[-1]},
        **extra,
    }


def purchase_order(pid: int, supplier_id: int, lines: list[dict], version: int = 1, **extra: Any) -> dict:
    return {
        "id": pid,
        "po-number": f"PO-{pid}",
        "status": "issued",
        "version": version,
        "supplier": {"id": supplier_id, "name": "ignored"},
        "currency": {"code": "USD"},
        "created-at": "2024-03-02T09:30:00-05:00",
        "updated-at": f"2024-03-0{min(version + 1, 9)}T10:00:00+00:00",
        "order-lines": lines,
        **extra,
    }


def invoice(iid: int, supplier_id: int, lines: list[dict], po_number: str | None = None, **extra: Any) -> dict:
    total = sum(float(line["total"] or 0) for line in lines)
    for line_ in lines:
        line_["po-number"] = po_number
    return {
        "id": iid,
        "invoice-number": f"INV-{iid}",
        "status": "approved",
        "supplier": {"id": supplier_id},
        "currency": {"code": "USD"},
        "invoice-date": "2024-03-05",
        "net-due-date": "2024-04-04",
        "gross-total": f"{total:.2f}",
        "updated-at": "2024-03-05T10:00:00Z",
        "invoice-lines": lines,
        **extra,
    }


def payment(pid: int, supplier_id: int, invoice_id: int, amount: Any, **extra: Any) -> dict:
    return {
        "id": pid,
        "payee": {"id": supplier_id, "name": "ignored"},
        "pay-to-total": amount,
        "pay-to-currency": {"code": "USD"},
        "payment-identifier": f"PAY{pid}",
        "released-at": "2024-03-20T12:00:00Z",
        "payment-details": [{"id": 1, "source-transaction-id": str(invoice_id), "payment-total": amount}],
        "updated-at": "2024-03-20T12:00:00Z",
        **extra,
    }


def land(conn: Conn, entity: str, payloads: list[dict], fetched_at: datetime | None = None) -> None:
    """Write payloads straight into raw_coupa_<entity>, as the landing asset would."""
    frame = pd.DataFrame(
        {
            "source_id": [str(p["id"]) for p in payloads],
            "payload": payloads,
            "source_updated_at": [p.get("updated-at") for p in payloads],
            "fetched_at": fetched_at or now(),
        }
    )
    conn.upsert(f"raw_coupa_{entity}", frame, ["source_id"])

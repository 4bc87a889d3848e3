"""QuickBooks -> Salesforce writes for the cloud_outbox ledger: the chart of accounts, Products with their standard
price book entries, Accounts (vendors, customers with their hierarchy and balances), Opportunities per invoice with
their lines. Inactive or deleted records are marked inactive (Opportunities also closed), never deleted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from sources.salesforce.fields import AGING, CHART_OBJECT, EXTERNAL_ID, LINE_ID, TXN_ID
from warehouse import cloud_outbox
from warehouse.states import CloudWrite
from warehouse.store import Conn

SOURCE = "salesforce"
SQL = Path(__file__).parent / "sql"
REMOVED_LINE = "Removed from the invoice in QuickBooks"
STANDARD_PRICEBOOK = "@standard"  # in a PricebookEntry payload: the org's standard price book, looked up at delivery
# what the op of a write says: "<order>:<object>:<external id field>"; writes go in this order (parents first)
ORDER = {CHART_OBJECT: 0, "Product2": 1, "PricebookEntry": 2, "Account": 10, "Opportunity": 50,
         "OpportunityLineItem": 60}  # fmt: skip


@dataclass(frozen=True)
class Stages:
    """The Opportunity stage for each invoice state (settings; the org must have them: the describe check says)."""

    open: str = "Invoiced"
    overdue: str = "Overdue"
    paid: str = "Closed Won"
    deleted: str = "Closed Lost"

    def all(self) -> tuple[str, ...]:
        return (self.open, self.overdue, self.paid, self.deleted)


DEFAULT_STAGES = Stages()


def op_of(obj: str, ext: str, level: int = 0) -> str:
    return f"{ORDER[obj] + level:02d}:{obj}:{ext}"


def parse_op(op: str) -> tuple[str, str]:
    """(object, external id field) of an op."""
    _, obj, ext = op.split(":")
    return obj, ext


def _rows(conn: Conn, name: str, params: list[Any]) -> list[dict[str, Any]]:
    return conn.records((SQL / f"{name}.sql").read_text(), params)


def _money(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _idempotency_key(company: str, obj: str, key: str) -> str:
    return f"{SOURCE}:{company}:{obj}:{key}"


def _write(company: str, kind: str, key: str, obj: str, ext: str, payload: dict[str, Any], level: int = 0) -> dict:
    deleted = payload.pop("_deleted", False)
    return {
        "source_system": SOURCE,
        "record_key": f"quickbooks:{company}:{kind}:{key}",
        "op": op_of(obj, ext, level),
        "target": f"{obj} {ext}={key}",
        "idempotency_key": _idempotency_key(company, obj, key),
        "payload": json.dumps({k: v for k, v in payload.items() if v is not None}, sort_keys=True),
        "deleted": deleted,
    }


def _account(company: str, row: dict[str, Any]) -> dict[str, Any]:
    street = "\n".join(filter(None, (row["address_line1"], row["address_line2"]))) or None
    payload: dict[str, Any] = {
        EXTERNAL_ID: row["list_id"],
        "Name": (row["name"] or row["list_id"])[:255],
        "QB_Type__c": row["kind"].title(),
        "Parent": {EXTERNAL_ID: row["parent_list_id"]} if row["parent_list_id"] else None,
        "BillingStreet": street,
        "BillingCity": row["city"],
        "BillingState": row["state"],
        "BillingPostalCode": row["postal_code"],
        "BillingCountry": row["country"],
        "Phone": row["phone"],
        "QB_Email__c": row["email"],
        "QB_Terms__c": row["terms"],
        "QB_Inactive__c": bool(row["inactive"] or row["deleted"]),
        "_deleted": bool(row["deleted"]),
    }
    if row["kind"] == "customer":
        payload["QB_Open_Balance__c"] = _money(row["open_balance"])
        payload["QB_Overdue__c"] = _money(row["overdue"])
        for field, column in zip(AGING, ("aging_current", "aging_1_30", "aging_31_60", "aging_61_90",
                                         "aging_over_90"), strict=True):  # fmt: skip
            payload[field] = _money(row[column])
    return _write(company, row["kind"], row["list_id"], "Account", EXTERNAL_ID, payload, int(row["sublevel"] or 0))


def _stage(row: dict[str, Any], stages: Stages) -> str:
    if row["deleted"]:
        return stages.deleted
    if row["is_paid"] or not row["balance_remaining"]:
        return stages.paid
    return stages.overdue if row["days_late"] > 0 else stages.open


def _opportunity(company: str, row: dict[str, Any], stages: Stages) -> dict[str, Any]:
    name = f"{row['customer_name'] or row['customer_list_id']} {row['ref_number'] or row['txn_id']}"
    payload = {
        TXN_ID: row["txn_id"],
        "Name": name[:120],
        "Account": {EXTERNAL_ID: row["customer_list_id"]},
        "CloseDate": str(row["due_date"] or row["txn_date"]),
        "StageName": _stage(row, stages),
        # with products, Salesforce sums the lines into Amount itself (and refuses it in a write)
        "Amount": None if row["has_products"] else _money(row["subtotal"]),
        "QB_Ref_Number__c": row["ref_number"],
        "QB_Due_Date__c": str(row["due_date"]) if row["due_date"] else None,
        "QB_Balance__c": _money(row["balance_remaining"]),
        "QB_Inactive__c": bool(row["deleted"]),
        "_deleted": bool(row["deleted"]),
    }
    return _write(company, "invoice", row["txn_id"], "Opportunity", TXN_ID, payload)


def _line(company: str, row: dict[str, Any]) -> dict[str, Any]:
    quantity = float(row["quantity"]) if row["quantity"] is not None else 1.0
    price = float(row["rate"]) if row["rate"] is not None else float(row["amount"]) / (quantity or 1.0)
    payload = {
        LINE_ID: row["txn_line_id"],
        "Opportunity": {TXN_ID: row["txn_id"]},
        "PricebookEntry": {EXTERNAL_ID: row["item_list_id"]},
        "Quantity": quantity,
        "UnitPrice": round(price, 2),
        "Description": (row["description"] or "")[:255] or None,
        "QB_Inactive__c": False,
    }
    return _write(company, "invoice_line", row["txn_line_id"], "OpportunityLineItem", LINE_ID, payload)


def _removed_line(company: str, txn_line_id: str) -> dict[str, Any]:
    """A line QuickBooks no longer lists on its invoice: zeroed and marked, never deleted (its Quantity stays, as
    Salesforce refuses a zero quantity), so the Opportunity's Amount, the sum of its lines, is the invoice's again."""
    payload = {LINE_ID: txn_line_id, "UnitPrice": 0.0, "QB_Inactive__c": True, "Description": REMOVED_LINE}
    return _write(company, "invoice_line", txn_line_id, "OpportunityLineItem", LINE_ID, payload)


def _products(company: str, row: dict[str, Any]) -> list[dict[str, Any]]:
    active, deleted = not row["inactive"], bool(row["deleted"])
    product = {EXTERNAL_ID: row["list_id"], "Name": (row["full_name"] or row["list_id"])[:255],
               "ProductCode": (row["full_name"] or "")[:255] or None, "Description": row["description"],
               "IsActive": active, "_deleted": deleted}  # fmt: skip
    entry = {EXTERNAL_ID: row["list_id"], "Pricebook2Id": STANDARD_PRICEBOOK, "Product2": {EXTERNAL_ID: row["list_id"]},
             "UnitPrice": _money(row["price"]) or 0.0, "IsActive": active, "_deleted": deleted}  # fmt: skip
    return [_write(company, "item", row["list_id"], "Product2", EXTERNAL_ID, product),
            _write(company, "item", row["list_id"], "PricebookEntry", EXTERNAL_ID, entry)]  # fmt: skip


def _chart(company: str, row: dict[str, Any]) -> dict[str, Any]:
    payload = {EXTERNAL_ID: row["list_id"], "Name": (row["full_name"] or row["list_id"])[:80],
               "QB_Account_Type__c": row["account_type"], "QB_Account_Number__c": row["account_number"],
               "QB_Inactive__c": bool(row["inactive"]), "_deleted": bool(row["deleted"])}  # fmt: skip
    return _write(company, "account", row["list_id"], CHART_OBJECT, EXTERNAL_ID, payload)


def writes(conn: Conn, company: str, today: date, stages: Stages = DEFAULT_STAGES) -> pd.DataFrame:
    """Every write the company's QuickBooks mirror calls for now (the ledger drops those already made). A record
    deleted in QuickBooks is written (inactive) only when Salesforce has heard of it, and the lines of an invoice
    it never heard of are not written; a line Salesforce has that its invoice no longer lists is zeroed."""
    sent = {
        key
        for (key,) in conn.fetchall(
            "SELECT DISTINCT idempotency_key FROM cloud_outbox WHERE source_system = ? AND status = ?",
            [SOURCE, CloudWrite.DONE],
        )
    }
    rows = [_chart(company, r) for r in _rows(conn, "chart", [company, company])]
    rows += [w for r in _rows(conn, "items", [company, company]) for w in _products(company, r)]
    rows += [_account(company, r) for r in _rows(conn, "accounts", [company, today, company])]
    invoices = _rows(conn, "invoices", [today, company])
    rows += [_opportunity(company, r, stages) for r in invoices]
    unheard = {r["txn_id"] for r in invoices
               if r["deleted"] and _idempotency_key(company, "Opportunity", r["txn_id"]) not in sent}  # fmt: skip
    lines = _rows(conn, "invoice_lines", [company])
    rows += [_line(company, r) for r in lines if r["txn_id"] not in unheard]
    listed = {r["txn_line_id"] for r in lines}
    heard = _idempotency_key(company, "OpportunityLineItem", "")
    rows += [_removed_line(company, key[len(heard):]) for key in sorted(sent)
             if key.startswith(heard) and key[len(heard):] not in listed]  # fmt: skip
    frame = pd.DataFrame([r for r in rows if not r["deleted"] or r["idempotency_key"] in sent])
    return frame.drop(columns=["deleted"]) if not frame.empty else frame


def enqueue_writes(conn: Conn, company: str, today: date, stages: Stages = DEFAULT_STAGES) -> int:
    """Queue the company's due writes in the cloud_outbox (unchanged payloads are not queued again)."""
    frame = writes(conn, company, today, stages)
    if frame.empty:
        return 0
    staged = conn.stage(frame, like="cloud_outbox")
    return cloud_outbox.enqueue(conn, f"SELECT {cloud_outbox.COLUMNS} FROM {staged}", actor="salesforce:flows")

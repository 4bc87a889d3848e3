"""Fold parsed QuickBooks records (…Ret) into the qb_* mirror tables, set-wise; deletions are kept as facts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from warehouse import qb_clock
from warehouse.audit import now
from warehouse.store import Array, Conn

Row = dict[str, Any]


def _get(data: dict, path: str) -> Any:
    """data['A']['B'] for 'A.B'; the first element where a level is a list; None when absent."""
    value: Any = data
    for part in path.split("."):
        if isinstance(value, list):
            value = value[0] if value else None
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("#text")
    return value


def _bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def _vendor(rec: Row) -> Row:
    d = rec["data"]
    return {
        "list_id": rec["id"],
        "vendor_name": _get(d, "Name") or rec.get("name"),
        "company_name": _get(d, "CompanyName"),
        "account_number": _get(d, "AccountNumber"),
        **_name_entry(rec, "VendorAddress", lines=1),
    }


def _name_entry(rec: Row, address: str, lines: int) -> Row:
    """What vendors and customers share: the address (its first `lines` street lines), contact, terms, versions."""
    d = rec["data"]
    return {
        **{f"address_line{i}": _get(d, f"{address}.Addr{i}") for i in range(1, lines + 1)},
        "city": _get(d, f"{address}.City"),
        "state": _get(d, f"{address}.State"),
        "postal_code": _get(d, f"{address}.PostalCode"),
        "country": _get(d, f"{address}.Country"),
        "phone": _get(d, "Phone"),
        "email": _get(d, "Email"),
        "terms": _get(d, "TermsRef.FullName"),
        "is_active": _bool(_get(d, "IsActive")),
        "edit_sequence": rec["edit_sequence"],
        "time_created": _get(d, "TimeCreated"),
        "time_modified": _get(d, "TimeModified"),
    }


def _list_entry(rec: Row) -> Row:
    """What every list record shares: its ListID, full name, active flag and versions."""
    d = rec["data"]
    return {
        "list_id": rec["id"],
        "full_name": _get(d, "FullName") or rec.get("name"),
        "is_active": _bool(_get(d, "IsActive")),
        "edit_sequence": rec["edit_sequence"],
        "time_modified": _get(d, "TimeModified"),
    }


def _account(rec: Row) -> Row:
    d = rec["data"]
    return {**_list_entry(rec), "account_type": _get(d, "AccountType"), "account_number": _get(d, "AccountNumber")}


def _item(rec: Row) -> Row:
    d = rec["data"]
    return {
        **_list_entry(rec),
        "item_type": rec["type"].removesuffix("Ret"),
        "description": _first(d, "SalesOrPurchase.Desc", "SalesAndPurchase.SalesDesc", "SalesDesc"),
        "price": _first(d, "SalesOrPurchase.Price", "SalesAndPurchase.SalesPrice", "SalesPrice"),
    }


def _first(data: dict, *paths: str) -> Any:
    """The first of `paths` present in `data` (item kinds keep their sales fields in different aggregates)."""
    return next((value for value in (_get(data, p) for p in paths) if value is not None), None)


def _customer(rec: Row) -> Row:
    d = rec["data"]
    sublevel = _get(d, "Sublevel")
    return {
        "list_id": rec["id"],
        "full_name": _get(d, "FullName") or rec.get("name"),
        "customer_name": _get(d, "Name"),
        "parent_list_id": _get(d, "ParentRef.ListID"),
        "sublevel": int(sublevel) if sublevel is not None else None,
        "company_name": _get(d, "CompanyName"),
        "balance": _get(d, "Balance"),
        "total_balance": _get(d, "TotalBalance"),
        **_name_entry(rec, "BillAddress", lines=2),
    }


def _invoice(rec: Row) -> Row:
    d = rec["data"]
    return {
        "txn_id": rec["id"],
        "ref_number": _get(d, "RefNumber"),
        "customer_list_id": _get(d, "CustomerRef.ListID"),
        "customer_name": _get(d, "CustomerRef.FullName"),
        "txn_date": _get(d, "TxnDate"),
        "due_date": _get(d, "DueDate"),
        "terms": _get(d, "TermsRef.FullName"),
        "subtotal": _get(d, "Subtotal"),
        "sales_tax_total": _get(d, "SalesTaxTotal"),
        "applied_amount": _get(d, "AppliedAmount"),
        "balance_remaining": _get(d, "BalanceRemaining"),
        "is_paid": _bool(_get(d, "IsPaid")),
        "memo": _get(d, "Memo"),
        "edit_sequence": rec["edit_sequence"],
        "time_created": _get(d, "TimeCreated"),
        "time_modified": _get(d, "TimeModified"),
    }


def _invoice_lines(rec: Row) -> list[Row] | None:
    """The invoice's lines; None when the answer carries none (a query without IncludeLineItems)."""
    lines = _lines(rec, "InvoiceLine")
    return None if lines is None else [_item_line(rec, line, n) for n, line in enumerate(lines, 1)]


def _item_line(rec: Row, line: dict, n: int) -> Row:
    """What a sales or purchase line on an item holds: its ids, place, item, description, quantity, rate, amount."""
    return {
        "txn_id": rec["id"],
        "txn_line_id": _get(line, "TxnLineID"),
        "line_number": n,
        "item_list_id": _get(line, "ItemRef.ListID"),
        "item_name": _get(line, "ItemRef.FullName"),
        "description": _get(line, "Desc"),
        "quantity": _get(line, "Quantity"),
        "rate": _get(line, "Rate"),
        "amount": _get(line, "Amount"),
    }


def _lines(rec: Row, *stems: str) -> list[dict] | None:
    """The record's lines of these element kinds in answer order; None when the answer lists no lines at all (a
    query without IncludeLineItems), so the mirror keeps what it held."""
    data = rec["data"]
    if not any(f"{stem}Ret" in data for stem in stems):
        return None
    found = []
    for stem in stems:
        value = data.get(f"{stem}Ret") or []
        found += [line for line in (value if isinstance(value, list) else [value]) if isinstance(line, dict)]
    return found


def _vendor_txn(rec: Row, **fields: Any) -> Row:
    """What a vendor's transaction (purchase order, bill, vendor credit) shares: its TxnID, RefNumber, vendor, date,
    memo and versions, with its own `fields` after the date."""
    d = rec["data"]
    return {
        "txn_id": rec["id"],
        "ref_number": _get(d, "RefNumber"),
        "vendor_list_id": _get(d, "VendorRef.ListID"),
        "vendor_name": _get(d, "VendorRef.FullName"),
        "txn_date": _get(d, "TxnDate"),
        **fields,
        "memo": _get(d, "Memo"),
        "edit_sequence": rec["edit_sequence"],
        "time_created": _get(d, "TimeCreated"),
        "time_modified": _get(d, "TimeModified"),
    }


def _purchase_order(rec: Row) -> Row:
    d = rec["data"]
    return _vendor_txn(
        rec,
        total_amount=_get(d, "TotalAmount"),
        is_fully_received=_bool(_get(d, "IsFullyReceived")),
        is_manually_closed=_bool(_get(d, "IsManuallyClosed")),
    )


def _purchase_order_lines(rec: Row) -> list[Row] | None:
    lines = _lines(rec, "PurchaseOrderLine")
    if lines is None:
        return None
    return [
        {
            **_item_line(rec, line, n),
            "received_quantity": _get(line, "ReceivedQuantity"),
            "is_manually_closed": _bool(_get(line, "IsManuallyClosed")),
        }
        for n, line in enumerate(lines, 1)
    ]


def _bill_item_lines(rec: Row) -> list[Row] | None:
    """A bill's item lines (those that can link to PO lines); None when the answer lists no lines."""
    lines = _lines(rec, "ExpenseLine", "ItemLine")
    if lines is None:
        return None
    return [
        {
            "txn_id": rec["id"],
            "txn_line_id": _get(line, "TxnLineID"),
            "line_number": n,
            "item_name": _get(line, "ItemRef.FullName"),
            "quantity": _get(line, "Quantity"),
            "cost": _get(line, "Cost"),
            "amount": _get(line, "Amount"),
        }
        for n, line in enumerate(_lines(rec, "ItemLine") or [], 1)
    ]


def _bill(rec: Row) -> Row:
    d = rec["data"]
    return _vendor_txn(
        rec,
        due_date=_get(d, "DueDate"),
        amount_due=_get(d, "AmountDue"),
        is_paid=_bool(_get(d, "IsPaid")),
    )


def _vendor_credit(rec: Row) -> Row:
    d = rec["data"]
    return _vendor_txn(rec, credit_amount=_get(d, "CreditAmount"), open_amount=_get(d, "OpenAmount"))


def _payment(kind: str) -> Callable[[Row], Row]:
    def convert(rec: Row) -> Row:
        d = rec["data"]
        applied = d.get("AppliedToTxnRet") or []
        applied = applied if isinstance(applied, list) else [applied]
        return {
            "txn_id": rec["id"],
            "payment_kind": kind,
            "payee_list_id": _get(d, "PayeeEntityRef.ListID"),
            "payee_name": _get(d, "PayeeEntityRef.FullName"),
            "txn_date": _get(d, "TxnDate"),
            "amount": _get(d, "Amount"),
            "ref_number": _get(d, "RefNumber"),
            "applied_to_txn_ids": ",".join(a["TxnID"] for a in applied if isinstance(a, dict) and a.get("TxnID")),
            "edit_sequence": rec["edit_sequence"],
            "time_modified": _get(d, "TimeModified"),
        }

    return convert


def _deleted(kind: str) -> Callable[[Row], Row]:
    def convert(rec: Row) -> Row:
        d = rec["data"]
        prefix = "Txn" if kind == "txn" else "List"
        return {
            "object_id": _get(d, f"{prefix}ID") or rec["id"],
            "object_kind": kind,
            "del_type": _get(d, f"{prefix}DelType"),
            "ref_or_name": _get(d, "RefNumber") if kind == "txn" else _get(d, "FullName"),
            "time_deleted": _get(d, "TimeDeleted"),
            "deleted_by": f"{prefix}DeletedQuery",
        }

    return convert


# record type -> (table, key column, converter, timestamp columns)
TABLES: dict[str, tuple[str, str, Callable[[Row], Row], tuple[str, ...]]] = {
    "VendorRet": ("qb_vendors", "list_id", _vendor, ("time_created", "time_modified")),
    "CustomerRet": ("qb_customers", "list_id", _customer, ("time_created", "time_modified")),
    "InvoiceRet": ("qb_invoices", "txn_id", _invoice, ("time_created", "time_modified")),
    "AccountRet": ("qb_accounts", "list_id", _account, ("time_modified",)),
    "BillRet": ("qb_bills", "txn_id", _bill, ("time_created", "time_modified")),
    "VendorCreditRet": ("qb_vendor_credits", "txn_id", _vendor_credit, ("time_created", "time_modified")),
    "PurchaseOrderRet": ("qb_purchase_orders", "txn_id", _purchase_order, ("time_created", "time_modified")),
    "BillPaymentCheckRet": ("qb_bill_payments", "txn_id", _payment("check"), ("time_modified",)),
    "BillPaymentCreditCardRet": ("qb_bill_payments", "txn_id", _payment("credit_card"), ("time_modified",)),
    "TxnDeletedRet": ("qb_deleted", "object_id", _deleted("txn"), ("time_deleted",)),
    "ListDeletedRet": ("qb_deleted", "object_id", _deleted("list"), ("time_deleted",)),
}
# Line tables filled from a record type: (table, rows of one record); a changed record replaces all its lines.
LINES: dict[str, tuple[str, Callable[[Row], list[Row] | None]]] = {
    "InvoiceRet": ("qb_invoice_lines", _invoice_lines),
    "PurchaseOrderRet": ("qb_purchase_order_lines", _purchase_order_lines),
    "BillRet": ("qb_bill_item_lines", _bill_item_lines),
}
# What a deletion removes from the mirror, by its kind (customers and invoices stay: their deletion is the fact).
DELETED_FROM = {
    "txn": (
        ("qb_bills", "txn_id"),
        ("qb_bill_payments", "txn_id"),
        ("qb_purchase_orders", "txn_id"),
        ("qb_vendor_credits", "txn_id"),
    ),
    "list": (("qb_vendors", "list_id"), ("qb_accounts", "list_id"), ("qb_items", "list_id")),
}


def _table_of(rec_type: str):
    if rec_type in TABLES:
        return TABLES[rec_type]
    if rec_type.startswith("Item") and rec_type.endswith("Ret"):
        return ("qb_items", "list_id", _item, ("time_modified",))
    return None


def _as_dict(record: Any) -> Row:
    if isinstance(record, dict):
        return record
    return {
        "type": record.type,
        "data": record.data,
        "id": record.id,
        "edit_sequence": record.edit_sequence,
        "name": record.name,
        "time_modified": record.time_modified,
    }


def _utc(text: Any) -> datetime | None:
    """A QuickBooks timestamp (with its UTC offset; none read as UTC) as naive UTC, as the warehouse keeps it."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _date(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def fold(conn: Conn, company: str, records: Iterable[Any]) -> dict[str, int]:
    """Upsert QuickBooks records (qbxml Record objects or their dicts) into qb_*; returns rows per table.

    Types without a mirror table are skipped. A TxnDeletedRet/ListDeletedRet lands in qb_deleted and removes the
    mirrored bill, payment, vendor, account or item; deleted customers and invoices stay, the fact beside them.
    """
    grouped: dict[str, list[Row]] = {}
    for raw in records:
        rec = _as_dict(raw)
        target = _table_of(rec["type"])
        if target is None or (not rec.get("id") and target[0] != "qb_deleted"):
            continue
        grouped.setdefault("Item" if target[0] == "qb_items" else rec["type"], []).append(rec)
    stamp = now()
    counts: dict[str, int] = {}
    seen: list[tuple[datetime, int]] = []
    # Deletions last, so a record deleted after it was read ends up removed.
    for recs in sorted(grouped.values(), key=lambda rs: _table_of(rs[0]["type"])[0] == "qb_deleted"):
        table, key, convert, stamps = _table_of(recs[0]["type"])
        rows = list({row[key]: row for row in map(convert, recs)}.values())
        for col in stamps:
            reported = [row[col] for row in rows]
            for row in rows:
                row[col] = _utc(row[col])
            newest = max(range(len(rows)), key=lambda i: rows[i][col] or datetime.min)
            offset = qb_clock.offset_minutes(reported[newest])
            if rows[newest][col] is not None and offset is not None:
                seen.append((rows[newest][col], offset))
        rows = _changed(conn, company, table, key, rows)
        if not rows:
            continue
        for row in rows:
            for col in ("txn_date", "due_date"):
                if col in row:
                    row[col] = _date(row[col])
        conn.upsert_rows(table, [{"company": company, **row, "synced_at": stamp} for row in rows], ["company", key])
        counts[table] = counts.get(table, 0) + len(rows)
        if recs[0]["type"] in LINES:
            _replace_lines(conn, company, recs, {row[key] for row in rows}, stamp, counts)
        if table == "qb_deleted":
            _remove_deleted(conn, company, rows)
    qb_clock.learn(conn, company, max(seen, default=None))
    return counts


def _changed(conn: Conn, company: str, table: str, key: str, rows: list[Row]) -> list[Row]:
    """The rows the mirror does not hold yet in this version (ListID/TxnID + EditSequence; a deletion by its id and
    time): a modified-date query re-reads an overlap on purpose, and what repeats must change nothing."""
    version = "time_deleted" if table == "qb_deleted" else "edit_sequence"
    held = dict(
        conn.fetchall(
            f"SELECT {key}, {version} FROM {table} WHERE company = ? AND {key} IN (SELECT unnest(CAST(? AS TEXT[])))",
            [company, Array(row[key] for row in rows)],
        )
    )
    return [row for row in rows if row[key] not in held or held[row[key]] != row[version]]


def _replace_lines(
    conn: Conn, company: str, recs: list[Row], changed: set[str], stamp: datetime, counts: dict[str, int]
) -> None:
    """The lines of the changed records that carry lines replace what the mirror held for them."""
    table, convert = LINES[recs[0]["type"]]
    newest = {r["id"]: convert(r) for r in recs if r["id"] in changed}  # the last answer of each record wins
    newest = {txn_id: lines for txn_id, lines in newest.items() if lines is not None}
    if not newest:
        return
    conn.execute(
        f"DELETE FROM {table} WHERE company = ? AND txn_id IN (SELECT unnest(CAST(? AS TEXT[])))",
        [company, Array(newest)],
    )
    lines = [{"company": company, **line, "synced_at": stamp} for rows in newest.values() for line in rows]
    if lines:
        conn.upsert_rows(table, lines, ["company", "txn_line_id"])
        counts[table] = counts.get(table, 0) + len(lines)


def _remove_deleted(conn: Conn, company: str, rows: list[Row]) -> None:
    for kind, targets in DELETED_FROM.items():
        ids = Array(row["object_id"] for row in rows if row["object_kind"] == kind)
        if not ids:
            continue
        for table, key in targets:
            conn.execute(
                f"DELETE FROM {table} WHERE company = ? AND {key} IN (SELECT unnest(CAST(? AS TEXT[])))", [company, ids]
            )


def fold_pending(conn: Conn) -> int:
    """Fold every qbxml_responses row not yet folded, then stamp it; returns the responses folded."""
    rows = conn.fetchall(
        "SELECT response_id, company, records FROM qbxml_responses WHERE folded_at IS NULL ORDER BY response_id"
    )
    if not rows:
        return 0
    by_company: dict[str, list[Row]] = {}
    for _, company, records in rows:
        parsed = json.loads(records) if isinstance(records, str) else (records or [])
        by_company.setdefault(company, []).extend(parsed)
    for company, records in by_company.items():
        fold(conn, company, records)
    conn.execute(
        "UPDATE qbxml_responses SET folded_at = ? WHERE response_id IN (SELECT unnest(CAST(? AS BIGINT[])))",
        [now(), Array(r[0] for r in rows)],
    )
    return len(rows)

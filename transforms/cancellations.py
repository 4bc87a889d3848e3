"""Source documents cancelled after QuickBooks booked them: their unpaid bill is voided (TxnVoid) when the
company's `on_cancel` policy for the source is `void`; otherwise, or when the bill is paid, the data checks hold
the document with a reason (rule cancelled_after_booking)."""

from __future__ import annotations

from sources.keys import record_key_sql
from transforms.canonical import CANONICAL
from transforms.dialect import Dialect
from transforms.policy import setting
from warehouse.states import Request

CANCELLED_STATUSES = ("cancelled", "canceled", "voided", "withdrawn")


def cancelled_bills() -> str:
    """SQL: (company, record_key, source_system, document_number, status, txn_id, paid, voided) for every source
    document now cancelled whose BillAdd QuickBooks took."""
    statuses = ", ".join(f"'{s}'" for s in CANCELLED_STATUSES)
    docs = " UNION ALL ".join(
        f"SELECT {record_key_sql('h.source_system', CANONICAL[name].kind, 'h.source_id')} AS record_key, "
        f"h.source_system, h.{number} AS document_number, h.status FROM {CANONICAL[name].table} h "
        f"WHERE h.status IN ({statuses})"
        for name, number in (("purchase_orders", "po_number"), ("invoices", "invoice_number"))
    )
    return (
        "SELECT o.company, o.record_key, x.source_system, x.document_number, x.status, o.qb_id AS txn_id, "
        "(coalesce(b.is_paid, FALSE) OR EXISTS (SELECT 1 FROM qb_bill_payments p WHERE p.company = o.company "
        "AND ',' || replace(coalesce(p.applied_to_txn_ids, ''), ' ', '') || ',' LIKE '%,' || o.qb_id || ',%')) "
        "AS paid, EXISTS (SELECT 1 FROM qbxml_outbox v WHERE v.company = o.company AND v.record_key = o.record_key "
        f"AND v.op = 'TxnVoid' AND v.status = '{Request.DONE}') AS voided "
        f"FROM qbxml_outbox o JOIN ({docs}) x ON x.record_key = o.record_key "
        "LEFT JOIN qb_bills b ON b.company = o.company AND b.txn_id = o.qb_id "
        f"WHERE o.op = 'BillAdd' AND o.status = '{Request.DONE}' AND o.qb_id IS NOT NULL"
    )


def voids(d: Dialect) -> str:
    """TxnVoid for the unpaid bills of cancelled documents of companies whose policy is on_cancel = void."""
    payload = d.json_object(("TxnVoidType", "'Bill'"), ("TxnID", "c.txn_id"))
    return (
        "SELECT c.company, 'TxnVoid' AS op, c.record_key || ':void' AS dedup_key, c.record_key, "
        f"{d.json_text(payload)} AS payload, CAST(NULL AS TEXT) AS depends_on FROM ({cancelled_bills()}) c "
        f"WHERE NOT c.paid AND {setting('on_cancel', 'c.company', 'c.source_system')} = 'void' "
        "AND NOT EXISTS (SELECT 1 FROM qbxml_outbox o WHERE o.company = c.company "
        "AND o.dedup_key = c.record_key || ':void')"
    )

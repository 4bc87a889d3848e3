"""Which documents of a source to mark exported there: the current version is in QuickBooks and not yet marked."""

from __future__ import annotations

from sources.keys import record_key_sql


def exports_due() -> str:
    """SQL: (record_key, source_id, source_version, source_kind) of bills and bill payments done and not marked at
    that version, for the source_system given twice as parameters."""
    unmarked = (
        "NOT EXISTS (SELECT 1 FROM source_exports e WHERE e.source_system = {system} "
        "AND e.record_key = o.record_key AND e.source_version >= {version})"
    )
    return (
        "SELECT DISTINCT o.record_key, b.source_id, b.source_version, b.source_kind FROM qbxml_outbox o "
        "JOIN bill_drafts b ON b.company = o.company AND b.record_key = o.record_key "
        "AND o.dedup_key = b.record_key || ':v' || CAST(b.source_version AS TEXT) "
        "WHERE b.source_system = ? AND o.op IN ('BillAdd', 'BillMod') AND o.status = 'done' AND "
        + unmarked.format(system="b.source_system", version="b.source_version")
        + " UNION SELECT DISTINCT o.record_key, p.source_id, 1, 'payment' FROM qbxml_outbox o "
        f"JOIN stg_payments p ON o.record_key = {record_key_sql('p.source_system', 'payment', 'p.source_id')} "
        "WHERE p.source_system = ? AND o.op = 'BillPaymentCheckAdd' AND o.status = 'done' AND "
        + unmarked.format(system="p.source_system", version="1")
    )

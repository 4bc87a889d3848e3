"""Which source documents to mark exported in Coupa: the current version is in QuickBooks and not yet marked."""

from __future__ import annotations

from transforms.vendors import SOURCE


def exports_due() -> str:
    """SQL: (record_key, source_id, source_version) of bills and bill payments done and not marked at that version;
    an invoice booked on its PO's bill counts as done once that bill (at its current revision) is."""
    unmarked = (
        f"NOT EXISTS (SELECT 1 FROM source_exports e WHERE e.source_system = '{SOURCE}' "
        "AND e.record_key = o.record_key AND e.source_version >= {version})"
    )
    return (
        "SELECT DISTINCT o.record_key, b.source_id, b.source_version FROM qbxml_outbox o "
        "JOIN bill_drafts b ON b.company = o.company AND b.record_key = o.record_key "
        "AND o.dedup_key = b.record_key || ':v' || b.revision "
        "WHERE o.op IN ('BillAdd', 'BillMod') AND o.status = 'done' AND "
        + unmarked.replace("{version}", "b.source_version")
        + " UNION SELECT DISTINCT i.record_key, i.source_id, i.source_version FROM bill_drafts i "
        "JOIN bill_drafts b ON b.company = i.company AND b.record_key = i.booked_on "
        "JOIN qbxml_outbox o ON o.company = b.company AND o.record_key = b.record_key "
        "AND o.dedup_key = b.record_key || ':v' || b.revision AND o.op IN ('BillAdd', 'BillMod') AND o.status = 'done' "
        "WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.released_at IS NULL AND q.record_key = i.record_key "
        "AND q.company IN ('', i.company)) AND "
        + unmarked.replace("{version}", "i.source_version").replace("o.record_key", "i.record_key")
        + " UNION SELECT DISTINCT o.record_key, p.source_id, 1 FROM qbxml_outbox o "
        f"JOIN stg_payments p ON p.source_system = '{SOURCE}' AND o.record_key = 'coupa:payment:' || p.source_id "
        "WHERE o.op = 'BillPaymentCheckAdd' AND o.status = 'done' AND " + unmarked.replace("{version}", "1")
    )

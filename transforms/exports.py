"""The "mark exported" feedback flow as cloud_outbox writes: a source's documents whose current version is in
QuickBooks (bills done at that version, bill payments done), one write per document keyed by its record key."""

from __future__ import annotations

import importlib

from sources.declaration import Source
from sources.keys import record_key_sql
from transforms.dialect import Dialect
from transforms.sqltext import text
from warehouse.states import Request

OP = "mark_exported"


def exports_due(d: Dialect, source: Source) -> str:
    """SQL: (source_system, record_key, op, target, idempotency_key, payload) for cloud_outbox.enqueue; the payload
    names the kind, id and version, so a newer version is a new write of the same key."""
    kinds = ", ".join(text(k) for k in source.feedback) or "NULL"
    # marks made before the ledger existed (source_exports, no longer written) are not sent again
    earlier = (
        "NOT EXISTS (SELECT 1 FROM source_exports e WHERE e.source_system = {s}.source_system "
        "AND e.record_key = o.record_key AND e.source_version >= {v})"
    )

    def payload(kind: str, source_id: str, version: str) -> str:
        return d.json_text(d.json_object(("kind", kind), ("source_id", source_id), ("version", version)))

    bills = (
        f"SELECT DISTINCT b.source_system, o.record_key, '{OP}' AS op, b.source_kind || ' ' || b.source_id AS target, "
        f"o.record_key || ':exported' AS idempotency_key, "
        f"{payload('b.source_kind', 'b.source_id', 'b.source_version')} AS payload "
        "FROM qbxml_outbox o JOIN bill_drafts b ON b.company = o.company AND b.record_key = o.record_key "
        "AND o.dedup_key = b.record_key || ':v' || b.revision "
        f"WHERE b.source_system = {text(source.key)} AND b.source_kind IN ({kinds}) "
        f"AND o.op IN ('BillAdd', 'BillMod') AND o.status = '{Request.DONE}' AND "
        + earlier.format(s="b", v="b.source_version")
    )
    # an invoice booked on its PO's bill is exported once that bill, at its current revision, is in QuickBooks
    booked = (
        f"SELECT DISTINCT i.source_system, i.record_key, '{OP}', i.source_kind || ' ' || i.source_id, "
        f"i.record_key || ':exported', {payload('i.source_kind', 'i.source_id', 'i.source_version')} "
        "FROM bill_drafts i JOIN bill_drafts b ON b.company = i.company AND b.record_key = i.booked_on "
        "JOIN qbxml_outbox o ON o.company = b.company AND o.record_key = b.record_key "
        "AND o.dedup_key = b.record_key || ':v' || b.revision AND o.op IN ('BillAdd', 'BillMod') "
        f"AND o.status = '{Request.DONE}' "
        f"WHERE i.source_system = {text(source.key)} AND i.source_kind IN ({kinds}) "
        "AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.released_at IS NULL AND q.record_key = i.record_key "
        "AND q.company IN ('', i.company)) AND "
        + earlier.format(s="i", v="i.source_version").replace("o.record_key", "i.record_key")
    )
    payment = payload("'payment'", "p.source_id", "1")
    payments = (
        f"SELECT DISTINCT p.source_system, o.record_key, '{OP}', 'payment ' || p.source_id, "
        f"o.record_key || ':exported', {payment} "
        "FROM qbxml_outbox o "
        f"JOIN stg_payments p ON o.record_key = {record_key_sql('p.source_system', 'payment', 'p.source_id')} "
        f"WHERE p.source_system = {text(source.key)} AND 'payment' IN ({kinds}) "
        f"AND o.op = 'BillPaymentCheckAdd' AND o.status = '{Request.DONE}' AND " + earlier.format(s="p", v="1")
    )
    return f"{bills} UNION {booked} UNION {payments}"


def writes_due(d: Dialect, source: Source) -> str:
    """SQL of the writes due to `source`: its own (`Source.writes`) or, by default, the mark-exported flow."""
    if not source.writes:
        return exports_due(d, source)
    module, _, name = source.writes.partition(":")
    return getattr(importlib.import_module(module), name)(d, source)

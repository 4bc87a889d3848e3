"""The writes qbsync owes Procurify, as SQL for the cloud_outbox ledger: each AP bill whose bill QuickBooks shows paid
in full is marked paid in Procurify (`mark-as-paid`, with the date of the payment), once."""

from __future__ import annotations

from pathlib import Path

from sources.declaration import Source
from sources.procurify.client import MARK_AS_PAID
from transforms.dialect import Dialect
from transforms.sqltext import text

SQL = Path(__file__).parent / "sql" / "paid_bills.sql"


def writes_due(d: Dialect, source: Source) -> str:
    """SQL of (source_system, record_key, op, target, idempotency_key, payload) for cloud_outbox.enqueue."""
    system = text(source.key)
    paid = "\n".join(line for line in SQL.read_text().splitlines() if not line.startswith("--"))
    payload = d.json_text(d.json_object(("bill_id", "p.bill_id"), ("payment_date", d.iso_date("p.paid_on"))))
    return (
        f"SELECT {system} AS source_system, p.record_key, '{MARK_AS_PAID}' AS op, 'bill ' || p.bill_id AS target, "
        f"p.record_key || ':paid' AS idempotency_key, {payload} AS payload FROM ({paid.format(system=system)}) p"
    )

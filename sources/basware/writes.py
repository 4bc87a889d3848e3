"""The writes qbsync owes Basware, as SQL for the cloud_outbox ledger: acknowledge each staged invoice, then one
transfer response per acknowledged invoice (success with the QuickBooks TxnID, or failure with the reasons), and a
payment response whenever the paid total of a transferred invoice's bill in QuickBooks changes; and QuickBooks'
vendors and accounts, and the cost centres mapped onto its classes, as Basware master data (the ledger's payload
hash sends a record only when it changed)."""

from __future__ import annotations

from pathlib import Path

from sources.declaration import Source
from sources.keys import record_key_sql
from transforms.dialect import Dialect
from transforms.sqltext import text

SQL = Path(__file__).parent / "sql"
SOURCE_SYSTEM = "QuickBooks"  # how responses name the system answering


def writes_due(d: Dialect, source: Source) -> str:
    """SQL of (source_system, record_key, op, target, idempotency_key, payload) for cloud_outbox.enqueue."""
    system = text(source.key)
    pieces = {
        "system": system,
        "invoice_key": record_key_sql("i.source_system", "invoice", "i.source_id"),
        "iso_updated": d.iso_timestamp("i.source_updated_at"),
        "iso_billed": d.iso_timestamp("k.billed_at") + " || 'Z'",
        "iso_paid_on": d.iso_date("a.txn_date") + " || 'T00:00:00Z'",
    }

    def read(name: str) -> str:
        body = "\n".join(line for line in (SQL / f"{name}.sql").read_text().splitlines() if not line.startswith("--"))
        return body.format(**pieces)

    ack = d.json_text(d.json_object(("invoice_id", "a.invoice_id"), ("last_updated", "a.last_updated")))
    code = "'qbsync-' || substr(md5(t.record_key || '|' || coalesce(t.voucher, '') || '|' || t.message), 1, 29)"
    response = d.json_object(
        ("externalCode", code),
        ("success", "t.success"),
        ("responseMessage", "t.message"),
        ("sourceSystem", text(SOURCE_SYSTEM)),
        ("voucherNumber1", "t.voucher"),
        ("transferDate", "t.transfer_date"),
        ("paymentBlock", "false"),
    )
    transfer = d.json_text(d.json_object(("invoice_id", "t.invoice_id"), ("response", response)))
    paid_code = (
        "'qbsync-' || substr(md5(p.record_key || '|' || CAST(p.paid_total AS TEXT) || '|' || p.payment_number), 1, 29)"
    )
    paid = d.json_object(
        ("externalCode", paid_code),
        ("success", "true"),
        ("responseMessage", "p.message"),
        ("sourceSystem", text(SOURCE_SYSTEM)),
        ("paymentDate", "p.paid_on"),
        ("paymentBlock", "false"),
        ("paymentMethod", "p.method"),
        ("paidTotal", "p.paid_total"),
        ("checkNumber", "p.check_number"),
        ("paymentNumber", "p.payment_number"),
    )
    payment = d.json_text(d.json_object(("invoice_id", "p.invoice_id"), ("response", paid)))
    fields = ("external_code", "code", "name", "active", "address_line1", "city", "postal_code")
    record = d.json_text(d.json_object(*((f, f"m.{f}") for f in fields)))

    def imports(op: str, name: str) -> str:
        return (
            f"SELECT {system}, m.record_key, '{op}', '{op} ' || m.external_code, m.record_key, {record} "
            f"FROM ({read(name)}) m"
        )

    return (
        f"SELECT {system} AS source_system, a.record_key, 'acknowledge' AS op, 'invoice ' || a.invoice_id AS target, "
        f"a.record_key || ':acknowledge' AS idempotency_key, {ack} AS payload FROM ({read('acknowledge')}) a "
        f"UNION ALL SELECT {system}, t.record_key, 'transfer_response', 'invoice ' || t.invoice_id, "
        f"t.record_key || ':transfer', {transfer} FROM ({read('transfer_responses')}) t "
        f"UNION ALL SELECT {system}, p.record_key, 'payment_response', 'invoice ' || p.invoice_id, "
        f"p.record_key || ':payment', {payment} FROM ({read('payment_responses')}) p "
        f"UNION ALL {imports('vendor_import', 'vendor_imports')} "
        f"UNION ALL {imports('account_import', 'account_imports')} "
        f"UNION ALL {imports('cost_centre_import', 'cost_centre_imports')}"
    )

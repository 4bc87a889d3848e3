"""The canonical staging tables every source maps onto: table, record-key kind, the columns a source's mapping SQL
SELECTs, and the lines table of documents. Rows are keyed by (source_system, source_id)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Canonical:
    """One canonical entity: `columns` after source_id in a mapping's header SELECT, `line_columns` after
    doc_id, line_seq, line_ref in its lines SELECT (line_seq, line_ref order the lines)."""

    name: str
    table: str
    kind: str  # record-key kind: <source_system>:<kind>:<source_id>
    source_kind: str  # the document kind as bill drafts and exports name it
    columns: tuple[str, ...]
    lines_table: str | None = None
    doc_column: str | None = None  # the lines' column naming their document
    line_columns: tuple[str, ...] = ()
    optional_line_columns: tuple[str, ...] = ()  # staged only from mappings that declare them (Entity.optional)
    optional_columns: tuple[str, ...] = ()  # header columns likewise


_DOC_LINE = ("description", "quantity", "unit_price", "line_amount", "account_code", "cost_centre", "tax_code")

CANONICAL: dict[str, Canonical] = {
    c.name: c
    for c in (
        Canonical(
            "suppliers", "stg_suppliers", "supplier", "supplier",
            ("supplier_number", "supplier_name", "tax_id", "email", "phone", "address_line1", "address_line2",
             "city", "state", "postal_code", "country", "is_active", "source_updated_at"),
            optional_columns=("terms",),
        ),
        Canonical(
            "accounts", "stg_accounts", "account", "account",
            ("account_code", "account_name", "account_type", "is_active", "source_updated_at"),
        ),
        Canonical(  # a source's cost centre (a department, say) by the name its document lines give it
            "cost_centres", "stg_cost_centres", "cost_centre", "cost_centre",
            ("cost_centre", "cost_centre_name", "is_active", "source_updated_at"),
        ),
        Canonical(
            "purchase_orders", "stg_purchase_orders", "po", "purchase_order",
            ("po_number", "supplier_source_id", "status", "currency", "order_date", "source_version",
             "source_updated_at"),
            "stg_po_lines", "po_source_id", (*_DOC_LINE, "item_code"),
        ),
        Canonical(
            "invoices", "stg_invoices", "invoice", "invoice",
            ("invoice_number", "supplier_source_id", "status", "currency", "invoice_date", "due_date",
             "total_amount", "source_version", "source_updated_at"),
            "stg_invoice_lines", "invoice_source_id", (*_DOC_LINE, "po_number"), ("po_line_number",),
        ),
        Canonical(
            "payments", "stg_payments", "payment", "payment",
            ("supplier_source_id", "invoice_source_id", "payment_date", "amount", "currency", "payment_method",
             "reference", "source_updated_at"),
            "stg_payment_details", "payment_source_id", ("detail_id", "invoice_source_id", "amount"),
        ),
    )
}  # fmt: skip

KIND_OF_SOURCE_KIND = {c.source_kind: c.kind for c in CANONICAL.values()}

"""Coupa as the shared layers see it: entities and their payload fields, billable statuses, policy, schedule."""

from __future__ import annotations

from datetime import timedelta

from sources.declaration import Billable, Entity, LineNumber, Policy, Source, Webhook

_UPDATED = {"updated_at": ("updated-at",)}
# The account segment that carries the cost centre (segment-1 is the GL account in the usual Coupa set-up).
_LINE = {
    "line_num": ("line-num",),
    "line_id": ("id",),
    "description": ("description",),
    "quantity": ("quantity",),
    "price": ("price",),
    "total": ("total",),
    "account_code": ("account", "code"),
    "cost_centre": ("account", "segment-2"),
    "tax_code": ("tax-code", "code"),  # R39 line-level taxation: the line's TaxCode object
    "item_code": ("item", "item-number"),  # order lines
    "po_number": ("po-number",),  # invoice lines: the PO they bill
    "order_header_num": ("order-header-num",),
}
_LINE_NUMBERS = {"quantity": LineNumber("quantity", "18,5"), "price": LineNumber("price", "18,5"),
                 "total": LineNumber("total")}  # fmt: skip


def _document(number_field: str, doc: str, lines_key: str, paths: dict, **checks) -> Entity:
    """A PO or an invoice: header fields, lines (document_lines.sql) and the checks both get."""
    return Entity(
        canonical=checks.pop("canonical"),
        paths={**_UPDATED, **paths},
        lines_key=lines_key,
        line_paths=_LINE,
        lines_sql="document_lines",
        required={
            "number": (number_field, f"{doc} has no {number_field}"),
            "supplier_id": ("supplier", f"{doc} names no supplier"),
        },
        line_numbers=_LINE_NUMBERS,
        require_lines=True,
        line_total_check=True,
        **checks,
    )


SOURCE = Source(
    name="coupa",
    title="Coupa",
    client="sources.coupa.client:CoupaClient",
    simulator="sandbox.coupa.contract:harness",
    demo="sandbox.coupa.demo:CoupaDemo",
    cursor_overlap=timedelta(0),
    policy=Policy(bill_on="po", invoice_difference="hold", vendor_policy="create", vendor_sync="on_demand"),
    feedback=("purchase_order", "invoice", "payment"),
    rate_limit_per_s=25.0,  # Coupa answers 429 beyond 25 requests per second
    feedback_workers=8,  # exported=true once the current version is in QuickBooks
    webhook=Webhook(
        delivery_header="X-Coupa-Delivery",
        event_header="X-Coupa-Event",
        # Coupa's signing recipe is unconfirmed: HMAC-SHA256 of the body, hex, with a timestamp header
        signature={"signature_header": "X-Coupa-Signature", "timestamp_header": "X-Coupa-Timestamp"},
        entities={
            "supplier": "suppliers",
            "purchase_order": "purchase_orders",
            "order_header": "purchase_orders",
            "invoice": "invoices",
            "invoice_header": "invoices",
            "payment": "payments",
            "account": "accounts",
        },
    ),
    billable=(
        Billable("purchase_orders", ("issued", "approved", "closed", "soft_closed")),  # sent to the supplier
        Billable("invoices", ("approved",)),
    ),
    entities={
        "suppliers": Entity(
            canonical="suppliers",
            paths={
                **_UPDATED,
                "number": ("number",),
                "name": ("name",),
                "tax_id": ("tax-id",),
                "email": ("primary-contact", "email"),
                "phone": ("primary-contact", "phone-work", "number"),
                "street1": ("primary-address", "street1"),
                "street2": ("primary-address", "street2"),
                "city": ("primary-address", "city"),
                "state": ("primary-address", "state"),
                "postal_code": ("primary-address", "postal-code"),
                "country": ("primary-address", "country", "code"),
                "status": ("status",),
                "payment_term": ("payment-term", "code"),
            },
            required={"name": ("name", "supplier has no name")},
            optional=("terms",),
        ),
        "accounts": Entity(
            canonical="accounts",
            paths={
                **_UPDATED,
                "code": ("code",),
                "name": ("name",),
                "type": ("account-type", "name"),
                "active": ("active",),
            },
            required={"code": ("code", "account has no code")},
        ),
        "purchase_orders": _document(
            "po-number",
            "purchase order",
            "order-lines",
            {
                "number": ("po-number",),
                "supplier_id": ("supplier", "id"),
                "status": ("status",),
                "currency": ("currency", "code"),
                "created_at": ("created-at",),
                "version": ("version",),
            },
            canonical="purchase_orders",
        ),
        "invoices": _document(
            "invoice-number",
            "invoice",
            "invoice-lines",
            {
                "number": ("invoice-number",),
                "supplier_id": ("supplier", "id"),
                "status": ("status",),
                "currency": ("currency", "code"),
                "invoice_date": ("invoice-date",),
                "due_date": ("net-due-date",),
                "gross_total": ("gross-total",),
                "version": ("lock-version-key",),
            },
            canonical="invoices",
            dates={"invoice_date": "invoice-date"},
            numbers={"gross_total": "gross-total"},
        ),
        "payments": Entity(
            canonical="payments",
            paths={
                **_UPDATED,
                "payee_supplier_id": ("payee", "supplier", "id"),
                "payee_id": ("payee", "id"),
                "released_at": ("released-at",),
                "execution_date": ("requested-execution-date",),
                "created_at": ("created-at",),
                "total": ("pay-to-total",),
                "currency": ("pay-to-currency", "code"),
                "transfer_type": ("transfer-type",),
                "type": ("type",),
                "identifier": ("payment-identifier",),
            },
            lines_key="payment-details",
            line_paths={
                "line_num": ("line-num",),
                "line_id": ("id",),
                "payable_id": ("payable-id",),
                "source_transaction_id": ("source-transaction-id",),
                "payment_total": ("payment-total",),
            },
            labels={"invoice_source_id": "payable-id"},
            required={"total": ("pay-to-total", "payment has no pay-to-total")},
            numbers={"total": "pay-to-total"},
            line_numbers={
                "payment_total": LineNumber(
                    "payment-total", what="is not an amount (the share of the payment for this invoice)", required=True
                )
            },
        ),
    },
)

"""JAGGAER as the shared layers see it: invoice receipts (billed on the invoice by default, matched to their POs),
purchase orders (QuickBooks PurchaseOrders under bill_on = invoice) and suppliers, their payload fields and checks.
The records are the landed shapes of sources.jaggaer.models: JAGGAER's documents kept whole plus a flat view."""

from __future__ import annotations

from datetime import timedelta

from sources.declaration import Billable, Entity, LineNumber, Policy, Setting, Source
from sources.jaggaer.client import SETTINGS

_MODIFIED = {"last_modified": ("lastModified",), "version": ("version",)}
_SUPPLIER = ("header", "supplier")
_LINE = {
    "line_num": ("lineNumber",),
    "description": ("description",),
    "po_number": ("poNumber",),
    "po_line_number": ("poLineNumber",),
    "quantity": ("quantity",),
    "price": ("unitPrice",),
    "account_code": ("accountCode",),
    "cost_centre": ("costCentre",),
}
_LINE_NUMBERS = {
    "quantity": LineNumber("quantity", "18,5", required=True),
    "price": LineNumber("unitPrice", "18,5", what="is not an amount", required=True),
}
_CHARGES = {  # header charges that are lines of the bill (source account codes TAX, SHIPPING, HANDLING, DISCOUNT)
    "tax1": ("header", "taxCharge1"),
    "tax2": ("header", "taxCharge2"),
    "shipping": ("header", "shippingCharge"),
    "handling": ("header", "handlingCharge"),
    "discount": ("header", "discountAmount"),
}

SOURCE = Source(
    name="jaggaer",
    title="JAGGAER",
    client="sources.jaggaer.client:JaggaerClient",
    resource="sources.jaggaer.resource:JaggaerResource",
    settings={name: Setting(f"QBSYNC_JAGGAER_{name.upper()}", doc) for name, doc in SETTINGS.items()},
    simulator="sandbox.jaggaer.contract:harness",
    demo="sandbox.jaggaer.demo:JaggaerDemo",
    cursor_field="lastModified",
    cursor_overlap=timedelta(minutes=5),  # re-read the last minutes: late commits, clock skew, re-deliveries
    policy=Policy(bill_on="invoice", invoice_difference="hold", vendor_policy="create", vendor_sync="on_demand"),
    billable=(
        Billable("invoices", ("Completed",), credits=("CreditMemo",)),  # workflow done; a credit memo: vendor credit
        Billable("purchase_orders", ("Issued", "Closed")),  # sent to the supplier
    ),
    entities={
        "invoices": Entity(
            canonical="invoices",
            id_field="receiptKey",  # supplier / invoice number / PO: a receipt re-delivered under another id is one
            paths={
                **_MODIFIED,
                **_CHARGES,
                "number": ("header", "supplierInvoiceNumber"),
                "internal_number": ("header", "invoiceNumber"),
                "supplier_id": (*_SUPPLIER, "supplierNumber"),
                "supplier_internal_id": (*_SUPPLIER, "id"),
                "invoice_type": ("header", "invoiceType"),
                "workflow": ("header", "workflowStatus"),
                "currency": ("header", "total", "currency"),
                "invoice_date": ("header", "invoiceDate"),
                "due_date": ("header", "dueDate"),
                "total": ("header", "total", "value"),
            },
            lines_key="lines",
            line_paths=_LINE,
            optional=("po_line_number",),
            required={
                "internal_number": ("invoiceNumber", "invoice has no invoiceNumber"),
                "supplier_internal_id": ("supplier", "invoice names no supplier"),
            },
            numbers={"total": "total"},
            dates={"invoice_date": "invoiceDate"},
            line_numbers=_LINE_NUMBERS,
            require_lines=True,
        ),
        "purchase_orders": Entity(
            canonical="purchase_orders",
            id_field="poKey",
            paths={
                **_MODIFIED,
                "number": ("header", "poNumber"),
                "supplier_id": (*_SUPPLIER, "supplierNumber"),
                "supplier_internal_id": (*_SUPPLIER, "id"),
                "status": ("header", "status"),
                "currency": ("header", "total", "currency"),
                "order_date": ("header", "orderDate"),
            },
            lines_key="lines",
            line_paths={**_LINE, "item_code": ("itemNumber",)},
            required={
                "number": ("poNumber", "purchase order has no poNumber"),
                "supplier_internal_id": ("supplier", "purchase order names no supplier"),
            },
            line_numbers=_LINE_NUMBERS,
            require_lines=True,
        ),
        "suppliers": Entity(
            canonical="suppliers",
            id_field="supplierKey",  # the supplier number, else JAGGAER's id: what invoices and POs name
            paths={
                "last_modified": ("lastModified",),
                "number": ("supplierNumber",),
                "name": ("name",),
                "duns": ("duns",),
                "status": ("status",),
                "street1": ("address", "street1"),
                "street2": ("address", "street2"),
                "city": ("address", "city"),
                "state": ("address", "state"),
                "postal_code": ("address", "postalCode"),
                "country": ("address", "country"),
                "email": ("address", "email"),
                "phone": ("address", "phone"),
            },
            required={"name": ("name", "supplier has no name")},
        ),
    },
)

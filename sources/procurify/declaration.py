"""Procurify as the shared layers see it: vendors, account codes and departments (lists read whole), approved purchase
orders with their order items (the bills, `bill_on = po` by default), AP bills with their PO link, and bills marked
paid back."""

from __future__ import annotations

from datetime import timedelta

from sources.declaration import Billable, Entity, LineNumber, Policy, Source

# An order item's or bill item's budget: account code, and the department (with its location) that is the class.
_BUDGET = {
    "account_code": ("account", "account_code", "code"),
    "department": ("account", "department", "name"),
    "location": ("account", "department", "branch", "name"),
}
_LINE_NUMBERS = {"quantity": LineNumber("quantity", "18,5"), "price": LineNumber("price", "18,5"),
                 "total": LineNumber("total_cost", required=True)}  # fmt: skip

SOURCE = Source(
    name="procurify",
    title="Procurify",
    client="sources.procurify.client:ProcurifyClient",
    simulator="sandbox.procurify.contract:harness",
    demo="sandbox.procurify.demo:ProcurifyDemo",
    cursor_field="last_modified",
    # the PO list filters on whole dates in the domain's time zone: re-read the day before the watermark too
    cursor_overlap=timedelta(days=1),
    policy=Policy(bill_on="po", invoice_difference="hold", vendor_policy="create", vendor_sync="on_demand"),
    feedback=("invoice",),
    writes="sources.procurify.writes:writes_due",
    writes_read=("stg_invoices",),
    feedback_workers=2,  # Procurify publishes no rate limit; stay modest
    billable=(
        # PurchaseOrder state: 0 purchased, 3 closed (received), 4 paid, 5 reopened are bills; 1 cancelled is not
        Billable("purchase_orders", ("purchased", "closed", "paid", "reopened")),
        # Bill status from approved on (2 approved, 6/7/8 payment confirmed/approved/limbo, 4 paid)
        Billable("invoices", ("approved", "payment_confirmed", "payment_approved", "payment_limbo", "paid")),
    ),
    entities={
        "vendors": Entity(
            canonical="suppliers",
            cursor_field="dateModified",
            full_pull=True,  # /api/v3/vendors/ has no modified-since filter
            paths={
                "date_modified": ("dateModified",),
                "name": ("name",),
                "active": ("active",),
                "external_id": ("external_id",),
                "street1": ("addressLineOne",),
                "street2": ("addressLineTwo",),
                "city": ("city",),
                "state": ("state_province",),
                "postal_code": ("postalCode",),
                "country": ("country",),
                "phone": ("phoneOne",),
            },
            required={"name": ("name", "vendor has no name")},
        ),
        "account_codes": Entity(
            canonical="accounts",
            full_pull=True,  # account codes carry no stamp: compared by content
            paths={
                "code": ("code",),
                "description": ("description",),
                "type": ("account_type",),
                "active": ("active",),
            },
            required={"code": ("code", "account code has no code")},
        ),
        "departments": Entity(
            canonical="cost_centres",
            full_pull=True,  # departments carry no stamp: compared by content
            paths={"name": ("name",), "location": ("branch", "name"), "active": ("active",)},
            required={"name": ("name", "department has no name")},
        ),
        "purchase_orders": Entity(
            canonical="purchase_orders",
            id_field="procurify_PO",  # stable across versions (a revision keeps it, `version` moves)
            paths={
                "last_modified": ("last_modified",),
                "number": ("number",),
                "vendor_id": ("pref_vendor", "id"),
                "state": ("state",),
                "fulfilment": ("fulfilment_status",),
                "currency": ("purchased_currency", "name"),
                "date": ("date",),
                "version": ("version",),
            },
            lines_key="order_items",
            line_paths={
                "line_num": ("PO_line_num",),
                "line_id": ("id",),
                "description": ("name",),
                "quantity": ("quantity",),
                "price": ("price",),
                "total": ("total_cost",),
                "item_code": ("sku",),
                **_BUDGET,
            },
            required={
                "number": ("number", "purchase order has no number"),
                "vendor_id": ("pref_vendor", "purchase order names no vendor"),
            },
            line_numbers=_LINE_NUMBERS,
            require_lines=True,
            line_total_check=True,
        ),
        "bills": Entity(
            canonical="invoices",
            cursor_field="last_modified_datetime",
            paths={
                "last_modified": ("last_modified_datetime",),
                "number": ("invoice_number",),
                "vendor_id": ("vendor", "id"),
                "status": ("status",),
                "currency": ("currency", "name"),
                "invoice_date": ("invoice_date",),
                "due_date": ("due_date",),
                "total": ("total_cost",),
                "version": ("version",),
            },
            lines_key="items",
            line_paths={
                "line_num": ("id",),
                "description": ("description",),
                "quantity": ("quantity",),
                "total": ("total_cost",),
                "po_number": ("po", "number"),
                **{name: ("orderitem", *path) for name, path in _BUDGET.items()},
            },
            required={
                "number": ("invoice_number", "bill has no invoice_number"),
                "vendor_id": ("vendor", "bill names no vendor"),
            },
            numbers={"total": "total_cost"},
            dates={"invoice_date": "invoice_date"},
            line_numbers={"total": LineNumber("total_cost", what="is not an amount", required=True)},
            require_lines=True,
        ),
    },
)

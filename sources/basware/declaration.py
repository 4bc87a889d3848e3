"""Basware as the shared layers see it: accounting documents (coded invoices) and vendors, their payload fields,
billable statuses, policy, webhook scheme and the writes back to Basware."""

from __future__ import annotations

from datetime import timedelta

from sources.declaration import Billable, Entity, LineNumber, Policy, Source, Webhook

_UPDATED = {"last_updated": ("lastUpdated",)}

SOURCE = Source(
    name="basware",
    title="Basware",
    client="sources.basware.client:BaswareClient",
    options={"auth": "oauth2 (tokens from /v1/tokens, the default) or basic (HTTP Basic on every call)"},
    simulator="sandbox.basware.contract:harness",
    demo="sandbox.basware.demo:BaswareDemo",
    id_field="invoiceId",
    cursor_field="lastUpdated",
    cursor_overlap=timedelta(minutes=5),  # lastUpdated is stamped by P2P and by us; allow for clock skew
    policy=Policy(bill_on="invoice", invoice_difference="hold", vendor_policy="create", vendor_sync="on_demand"),
    feedback=("invoice",),
    writes="sources.basware.writes:writes_due",
    writes_read=("stg_invoices", "qb_vendors", "qb_accounts"),  # acknowledge/transfer and master-data imports
    feedback_workers=4,
    webhook=Webhook(
        delivery_header="",
        event_header="",
        delivery_field="taskId",  # {taskId, taskStatus, taskType, documentId}: no document, so the sync pulls it
        event_field="taskType",
        object_id_field="documentId",
        probe=("taskType", "ConnectionTest"),  # Basware checks the endpoint before a subscription is active
        # HMAC-SHA256 over the raw body with the subscription's webhookAuthenticationToken, hex; the header name is
        # unconfirmed (one unofficial source names this one): QBSYNC_BASWARE_WEBHOOK_SIGNATURE_HEADER overrides it
        signature={"signature_header": "x-bwapi-signature-256", "timestamp_header": None, "sign_timestamp": False},
        entities={"AccountingDocuments": "invoices"},
    ),
    billable=(Billable("invoices", ("WaitingForTransfer", "TransferInProgress")),),
    entities={
        "invoices": Entity(
            canonical="invoices",
            paths={
                **_UPDATED,
                "number": ("invoiceNumber",),
                "supplier_code": ("supplierCode",),
                "status": ("processingStatus",),
                "currency": ("currencyCode",),
                "invoice_date": ("invoiceDate",),
                "due_date": ("dueDate",),
                "net_sum": ("netSum",),
                "company_code": ("companyCode",),
            },
            lines_key="codingRows",
            line_paths={
                "line_num": ("rowIndex",),
                "description": ("orderLineDescription",),
                "account_name": ("accountName",),
                "netTotal": ("netTotal",),
                "account_code": ("accountCode",),
                "cost_centre": ("costCenterCode",),
                "tax_code": ("taxCode",),
                "po_number": ("orderNumber",),
            },
            required={
                "number": ("invoiceNumber", "invoice has no invoiceNumber"),
                "supplier_code": ("supplierCode", "invoice names no supplierCode"),
            },
            numbers={"net_sum": "netSum"},
            dates={"invoice_date": "invoiceDate"},
            line_numbers={"netTotal": LineNumber("netTotal", what="is not an amount", required=True)},
            require_lines=True,
        ),
        "vendors": Entity(
            canonical="suppliers",
            id_field="vendorCode",  # what an invoice's supplierCode names
            paths={
                **_UPDATED,
                "name": ("name",),
                "external_code": ("externalCode",),  # a QuickBooks ListID for vendors imported from QuickBooks
            },
            lines_key="addresses",  # read for the vendor's address only (vendors have no lines in staging)
            line_paths={
                "kind": ("addressType",),
                "is_default": ("default",),
                "line1": ("addressLine1",),
                "line2": ("addressLine2",),
                "city": ("cityName",),
                "state": ("countrySubEntity",),
                "postal": ("postalZone",),
                "country": ("countryId",),
            },
            required={"name": ("name", "vendor has no name")},
        ),
    },
)

"""Salesforce as the shared layers see it: a write-only source (nothing landed, nothing billable) whose writes are
QuickBooks' records upserted into the org, queued and delivered by its own delivery module, with its tuning
settings."""

from __future__ import annotations

from sources.declaration import Setting, Source

SOURCE = Source(
    name="salesforce",
    title="Salesforce",
    entities={},
    client="sources.salesforce.client:SalesforceClient",
    resource="sources.salesforce.resource:SalesforceResource",
    simulator="sandbox.salesforce.contract:harness",
    demo="sandbox.salesforce.demo:SalesforceDemo",
    delivery="sources.salesforce.delivery",
    # what its writes read: the QuickBooks mirror of the companies it feeds
    writes_read=(
        "qb_customers",
        "qb_invoices",
        "qb_invoice_lines",
        "qb_vendors",
        "qb_items",
        "qb_accounts",
        "qb_deleted",
    ),
    settings={
        "api_version": Setting("QBSYNC_SALESFORCE_API_VERSION", "REST API version the client calls (default v60.0)."),
        "session_seconds": Setting(
            "QBSYNC_SALESFORCE_SESSION_SECONDS",
            "Seconds a session serves before a new one is requested (no expiry in the token answer; default 7200).",
        ),
        "stop_at_percent": Setting(
            "QBSYNC_SALESFORCE_STOP_AT_PERCENT",
            "Share of the org's daily API requests after which a run stops, leaving the rest queued (default 80).",
        ),
        "bulk_threshold": Setting(
            "QBSYNC_SALESFORCE_BULK_THRESHOLD",
            "Writes of one object from which a run sends them as a Bulk API 2.0 job (default 2000).",
        ),
    },
    feedback_seconds=300.0,  # a run stops claiming after this; the rest (an initial sync in bulk) goes next run
    cron="*/15 * * * *",
)

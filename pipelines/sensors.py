"""Sensors: fold QuickBooks responses as they arrive; pull Coupa entities that webhooks say changed."""

from __future__ import annotations

import dagster as dg

from assets.coupa import staging_assets
from assets.matching import matching_assets
from assets.outbox import outbox_assets
from connectors.webhooks.queue import mark_consumed, pending_events, touched_entities
from pipelines.jobs import coupa_sync_job, quickbooks_responses_job
from pipelines.resources import WarehouseResource
from warehouse.duckdb_files import WarehouseBusy

RESPONSE_INTERVAL_SECONDS = 30
WEBHOOK_INTERVAL_SECONDS = 30


@dg.sensor(
    job=quickbooks_responses_job,
    minimum_interval_seconds=RESPONSE_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests a fold of qbxml_responses into qb_* when the bridge stored responses not yet folded",
)
def quickbooks_response_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    try:
        pending, newest = warehouse.get().fetchall(
            "SELECT count(*), max(response_id) FROM qbxml_responses WHERE folded_at IS NULL"
        )[0]
    except WarehouseBusy:
        return dg.SkipReason("the warehouse is busy (another writer holds DuckDB); trying again next tick")
    if not pending:
        return dg.SkipReason("no new QuickBooks responses")
    if context.cursor and int(context.cursor) >= newest:
        return dg.SkipReason(f"a fold up to response {newest} is already requested")
    context.update_cursor(str(newest))
    return dg.RunRequest(run_key=f"responses-{newest}", tags={"qbsync/responses": str(pending)})


def webhook_selection(entities: set[str]) -> list[dg.AssetKey]:
    """The landing assets of the entities webhooks touched, and every asset after landing in the sync."""
    after_landing = [key for a in (*staging_assets, *matching_assets, *outbox_assets) for key in sorted(a.keys)]
    return [dg.AssetKey(f"raw_coupa_{e}") for e in sorted(entities)] + after_landing


@dg.sensor(
    job=coupa_sync_job,
    minimum_interval_seconds=WEBHOOK_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Pulls the Coupa entities named by verified webhook deliveries, then marks the deliveries consumed",
)
def coupa_webhook_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    try:
        with warehouse.get().connect() as conn:
            events = pending_events(conn, "coupa")
            entities = touched_entities(events)
            if not events:
                return dg.SkipReason("no pending Coupa webhook deliveries")
            mark_consumed(conn, [e["event_id"] for e in events])
    except WarehouseBusy:
        return dg.SkipReason("the warehouse is busy (another writer holds DuckDB); trying again next tick")
    if not entities:
        return dg.SkipReason(f"{len(events)} deliveries named no entity we pull")
    return dg.RunRequest(
        run_key=f"webhooks-{events[-1]['event_id']}",
        asset_selection=webhook_selection(entities),
        tags={"qbsync/webhook_events": str(len(events))},
    )


sensors = [quickbooks_response_sensor, coupa_webhook_sensor]

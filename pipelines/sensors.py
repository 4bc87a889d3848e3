"""Sensors: fold QuickBooks responses as they arrive; pull the entities that sources' webhooks say changed."""

from __future__ import annotations

import json

import dagster as dg

from assets.landing import landing_key
from assets.matching import matching_assets
from assets.outbox import outbox_assets
from assets.staging import staging_assets
from connectors.webhooks.queue import NAMED_TAG, mark_consumed, named_objects, pending_events, touched_entities
from pipelines.jobs import quickbooks_responses_job, sync_job_name, sync_jobs
from resources.warehouse import WarehouseResource
from sources import registry
from sources.declaration import Source
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


def webhook_selection(source: Source, entities: set[str]) -> list[dg.AssetKey]:
    """The source's landing assets of the entities webhooks touched, and every asset after landing in the sync."""
    after_landing = [key for a in (*staging_assets(), *matching_assets, *outbox_assets) for key in sorted(a.keys)]
    return [landing_key(source, e) for e in sorted(entities)] + after_landing


@dg.sensor(
    jobs=list(sync_jobs.values()),
    minimum_interval_seconds=WEBHOOK_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Pulls the entities named by verified webhook deliveries of every source (one run per source; the "
    "records they name too, when the source's client fetches named records), then marks the deliveries consumed",
)
def webhook_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    requests, skipped = [], []
    for source in registry.all_sources():
        if source.webhook is None:
            continue
        try:
            with warehouse.get().connect() as conn:
                events = pending_events(conn, source.name)
                if events:
                    mark_consumed(conn, [e["event_id"] for e in events])
        except WarehouseBusy:
            return dg.SkipReason("the warehouse is busy (another writer holds DuckDB); trying again next tick")
        entities = touched_entities(events, source.webhook.entities)
        if events and not entities:
            skipped.append(f"{len(events)} {source.name} deliveries named no entity we pull")
        if entities:
            named = named_objects(events, source.webhook.entities)
            requests.append(
                dg.RunRequest(
                    run_key=f"webhooks-{source.name}-{events[-1]['event_id']}",
                    job_name=sync_job_name(source),
                    asset_selection=webhook_selection(source, entities),
                    tags={
                        "qbsync/webhook_events": str(len(events)),
                        "qbsync/source": source.name,
                        **({NAMED_TAG: json.dumps(named, separators=(",", ":"))} if named else {}),
                    },
                )
            )
    if requests:
        return requests
    return dg.SkipReason("; ".join(skipped) or "no pending webhook deliveries")


sensors = [quickbooks_response_sensor, webhook_sensor]

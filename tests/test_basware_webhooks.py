"""Basware push notifications into the per-source webhook route, over real HTTP from the simulator: the
subscription's ConnectionTest answered 200, HMAC-SHA256 over the raw body verified (header configurable), each
{taskId, taskType, documentId} queued once for the sensor, which re-pulls the invoices."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest

from connectors.core import ApiError, RetryPolicy
from connectors.webhooks import pending_events, touched_entities, webhook_app
from qbwc_bridge.serving import BackgroundServer
from sandbox.basware.generator import generate
from sandbox.basware.server import BaswareSandbox
from sources import registry
from sources.basware.client import BaswareClient

SECRET = "bw-webhook-token"
BASWARE = registry.get("basware")


@pytest.fixture
def tenant():
    with (
        BaswareSandbox(generate(2, vendors=2, invoices=3, bad_share=0.0), client_id="c", client_secret="s") as api,
        BaswareClient(api.base_url, "c", "s", retry=RetryPolicy(base=0.001, cap=0.01)) as client,
    ):
        yield api, client


@pytest.fixture
def route(warehouse):
    warehouse.migrate()
    with BackgroundServer(webhook_app(warehouse, SECRET, BASWARE)) as server:
        yield f"{server.url}/webhooks/basware"


def test_subscribed_notifications_are_verified_and_queued_once(tenant, route, warehouse):
    api, client = tenant
    [subscription] = client.subscribe(route, SECRET)  # Basware's ConnectionTest got its 200 first
    assert subscription["notificationWebhookURL"] == route
    invoice = sorted(api.state.dataset.documents)[0]
    assert api.notify(invoice) == [202]
    with warehouse.connect() as conn:
        [event] = pending_events(conn, "basware")
    assert (event["event_type"], event["object_type"], event["object_id"]) == (
        "AccountingDocuments", "AccountingDocuments", invoice,
    )  # fmt: skip
    assert touched_entities([event], BASWARE.webhook.entities) == {"invoices"}


def test_bad_signatures_and_replays_are_refused(route):
    body = json.dumps({"taskId": "t-1", "taskStatus": "New", "taskType": "AccountingDocuments", "documentId": "d"})
    unsigned = httpx.post(route, content=body)
    assert unsigned.status_code == 401
    forged = httpx.post(route, content=body, headers={"x-bwapi-signature-256": "0" * 64})
    assert forged.status_code == 401
    signed = {"x-bwapi-signature-256": _sign(body)}
    assert httpx.post(route, content=body, headers=signed).status_code == 202
    assert httpx.post(route, content=body, headers=signed).status_code == 409  # the same taskId again


def test_the_signature_header_is_configurable(warehouse, monkeypatch):
    warehouse.migrate()
    monkeypatch.setenv("QBSYNC_BASWARE_WEBHOOK_SIGNATURE_HEADER", "X-Basware-Signature")
    body = json.dumps({"taskId": "t-2", "taskStatus": "New", "taskType": "AccountingDocuments", "documentId": "d"})
    with BackgroundServer(webhook_app(warehouse, SECRET, BASWARE)) as server:
        url = f"{server.url}/webhooks/basware"
        assert httpx.post(url, content=body, headers={"x-bwapi-signature-256": _sign(body)}).status_code == 401
        assert httpx.post(url, content=body, headers={"X-Basware-Signature": _sign(body)}).status_code == 202


def test_a_subscription_to_an_endpoint_that_fails_the_connection_test_is_refused(tenant):
    _, client = tenant
    with pytest.raises(ApiError) as refused:
        client.subscribe("http://127.0.0.1:9/webhooks/basware", SECRET)
    assert refused.value.status == 400


def test_the_sensor_pulls_the_document_a_notification_names(tenant, route, warehouse):
    """A notification carries no document: the run it starts pulls the named one even where the incremental pull
    would not see it (its lastUpdated is behind the watermark)."""
    import dagster as dg

    from assets.landing import landing_assets
    from pipelines.sensors import webhook_sensor
    from resources.source_api import SourceApiResource
    from resources.warehouse import WarehouseResource

    api, client = tenant
    resources = {
        "warehouse": WarehouseResource(database_url=warehouse.url, schema_name=warehouse.schema),
        "basware": SourceApiResource(source="basware", base_url=api.base_url, client_id="c", client_secret="s"),
    }
    landing = [a for a in landing_assets(BASWARE) if a.key.path[-1] == "raw_invoices"]

    def land(tags=None) -> set[str]:
        assert dg.materialize(landing, resources=resources, tags=tags).success
        return {r for (r,) in warehouse.fetchall("SELECT source_id FROM raw_basware_invoices")}

    data = api.state.dataset
    assert land() == set(data.waiting)
    late = {
        **data.documents[sorted(data.waiting)[0]],
        "invoiceId": "late-approved",
        "lastUpdated": "2026-01-05T09:00:00.000Z",
    }
    data.documents["late-approved"] = late  # approved with an old stamp: behind the watermark and its overlap
    assert "late-approved" not in land()
    client.subscribe(route, SECRET)
    assert api.notify("late-approved") == [202]
    context = dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral())
    (request,) = webhook_sensor(context, warehouse=resources["warehouse"])
    assert "late-approved" in land(request.tags)


def _sign(body: str) -> str:
    return hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()

"""The webhook endpoint over real HTTP, alone and mounted in the bridge: signatures, staleness, replays, body limit,
and the queue a sensor reads."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

import httpx
import pytest
from bridge_support import running_bridge

from connectors.webhooks import SignatureScheme, mark_consumed, pending_events, touched_entities, webhook_app
from qbwc_bridge.serving import BackgroundServer
from qbwc_bridge.settings import BridgeSettings
from sources import registry
from sources.declaration import Source, Webhook

SECRET = "whsec-test-value"
COUPA = registry.get("coupa")


def coupa_scheme(secret: bytes = SECRET.encode(), **options) -> SignatureScheme:
    """Coupa's declared signature scheme with `secret` (and any option overridden)."""
    return SignatureScheme(secret=secret, **{**COUPA.webhook.signature, **options})


@pytest.fixture
def endpoint(warehouse):
    servers = []

    def start(source: Source = COUPA, **kwargs) -> str:
        app = webhook_app(warehouse, kwargs.pop("secret", SECRET), source, **kwargs)
        servers.append(BackgroundServer(app).start())
        return f"{servers[-1].url}/webhooks/{source.name}"

    yield start
    for server in servers:
        server.stop()


def deliver(url, payload, *, delivery="d-1", scheme=None, timestamp=None, event="purchase_order.updated"):
    scheme = scheme or coupa_scheme()
    body = json.dumps(payload).encode()
    stamp = timestamp if timestamp is not None else str(int(time.time()))
    headers = {
        scheme.signature_header: scheme.sign(body, stamp),
        "X-Coupa-Delivery": delivery,
        "X-Coupa-Event": event,
        "Content-Type": "application/json",
    }
    if scheme.timestamp_header:
        headers[scheme.timestamp_header] = stamp
    return httpx.post(url, content=body, headers=headers)


def test_verified_event_is_queued_once(endpoint, warehouse):
    url = endpoint()
    assert deliver(url, {"id": 4711, "po-number": "PO004711"}).status_code == 202
    assert deliver(url, {"id": 4711, "po-number": "PO004711"}).status_code == 409  # replay
    with warehouse.connect() as conn:
        events = pending_events(conn, "coupa")
    assert [(e["event_id"], e["event_type"], e["object_type"], e["object_id"]) for e in events] == [
        ("d-1", "purchase_order.updated", "purchase_order", "4711")
    ]
    assert events[0]["payload"]["po-number"] == "PO004711"
    assert touched_entities(events, COUPA.webhook.entities) == {"purchase_orders"}
    with warehouse.connect() as conn:
        assert mark_consumed(conn, ["d-1"]) == 1
        assert mark_consumed(conn, ["d-1"]) == 0
        assert pending_events(conn, "coupa") == []


def test_bad_signature_stale_and_missing_headers_are_rejected(endpoint, warehouse):
    url = endpoint()
    wrong = coupa_scheme(b"someone-else")
    assert deliver(url, {"id": 1}, scheme=wrong).status_code == 401
    assert deliver(url, {"id": 1}, timestamp=str(int(time.time()) - 3600)).status_code == 401
    assert deliver(url, {"id": 1}, timestamp=str(int(time.time()) + 3600)).status_code == 401
    assert httpx.post(url, content=b"{}").status_code == 401
    assert deliver(url, {"id": 1}, delivery="").status_code == 400
    assert deliver(url, ["not", "an", "object"]).status_code == 400
    with warehouse.connect() as conn:
        assert pending_events(conn, "coupa") == []


def test_iso_timestamps_within_tolerance_pass(endpoint):
    url = endpoint()
    now = datetime.now(UTC).isoformat()
    assert deliver(url, {"id": 2}, timestamp=now, delivery="iso").status_code == 202


def test_configurable_header_base64_prefix_and_signed_timestamp(endpoint, warehouse):
    scheme = SignatureScheme(
        secret=b"other-secret",
        signature_header="X-Signature-256",
        encoding="base64",
        prefix="sha256=",
        timestamp_header="X-Sent-At",
        tolerance_s=60,
        sign_timestamp=True,
    )
    other = Source("other", "Other", {}, webhook=Webhook("X-Coupa-Delivery", "X-Coupa-Event", {}))
    url = endpoint(other, secret="unused", scheme=scheme)
    assert (
        deliver(url, {"data": {"id": "inv-9"}, "event": "invoice.created"}, scheme=scheme, event="").status_code == 202
    )
    with warehouse.connect() as conn:
        (event,) = pending_events(conn, "other")
    assert (event["event_type"], event["object_type"], event["object_id"]) == ("invoice.created", "invoice", "inv-9")


def test_body_size_limit(endpoint):
    url = endpoint(max_body_bytes=1000)
    assert deliver(url, {"id": 3, "blob": "x" * 5000}).status_code == 413


def test_secret_never_logged(endpoint, caplog):
    url = endpoint()
    with caplog.at_level(logging.DEBUG):
        deliver(url, {"id": 5}, delivery="log-1")
        deliver(url, {"id": 5}, scheme=coupa_scheme(b"bad"), delivery="log-2")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "webhook.queued" in text and "webhook.rejected" in text
    assert SECRET not in text
    assert coupa_scheme().sign(json.dumps({"id": 5}).encode()) not in text


def test_scheme_rejects_bad_configuration():
    with pytest.raises(ValueError, match="hex or base64"):
        SignatureScheme(secret=b"x", encoding="rot13")
    with pytest.raises(ValueError, match="secret is required"):
        SignatureScheme(secret=b"")


def test_the_bridge_serves_coupa_webhooks_when_a_secret_is_set(warehouse):
    with running_bridge(warehouse, webhook_secrets={"coupa": SECRET}) as bridge:
        url = bridge.url + "/webhooks/coupa"
        assert deliver(url, {"id": 4712}, delivery="bridge-1").status_code == 202
        assert deliver(url, {"id": 4712}, delivery="bridge-2", scheme=coupa_scheme(b"forged")).status_code == 401
        assert deliver(url, {"id": 1, "blob": "x" * 2_000_000}, delivery="bridge-3").status_code == 413  # 1 MB here
        assert httpx.get(bridge.url + "/healthz").status_code == 200
    with warehouse.connect() as conn:
        events = pending_events(conn, "coupa")
    assert [(e["event_id"], e["object_type"], e["object_id"]) for e in events] == [
        ("bridge-1", "purchase_order", "4712")
    ]


def test_without_a_secret_the_bridge_has_no_webhook_route(warehouse):
    with running_bridge(warehouse) as bridge:
        assert deliver(bridge.url + "/webhooks/coupa", {"id": 1}).status_code == 404
    with warehouse.connect() as conn:
        assert pending_events(conn, "coupa") == []


def test_bridge_settings_read_the_webhook_secret_and_never_show_it(monkeypatch):
    monkeypatch.setenv("QBSYNC_COUPA_WEBHOOK_SECRET", SECRET)
    settings = BridgeSettings.from_env()
    assert settings.webhook_secrets == {"coupa": SECRET}
    assert SECRET not in repr(settings)

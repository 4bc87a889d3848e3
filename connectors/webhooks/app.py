"""The webhook endpoint: a Flask blueprint that verifies, de-duplicates and queues deliveries, answering 202."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from connectors.core.logs import log_event
from connectors.webhooks.queue import store_event
from connectors.webhooks.signature import SignatureScheme, WebhookRejected
from sources.declaration import Source
from warehouse.store import Warehouse

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32  # Source payloads nest a few levels; deeper is an attack on whoever reads the payload next


def webhook_path(source: str) -> str:
    return f"/webhooks/{source}"


def webhook_app(warehouse: Warehouse, secret: str | bytes, source: Source, **options: Any) -> Flask:
    """A Flask app serving only `webhook_blueprint(...)`: `POST /webhooks/<source>` (see there)."""
    app = Flask(f"webhooks_{source.name}")
    app.register_blueprint(webhook_blueprint(warehouse, secret, source, **options))
    return app


def webhook_blueprint(
    warehouse: Warehouse,
    secret: str | bytes,
    declared: Source,
    *,
    scheme: SignatureScheme | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> Blueprint:
    """`POST /webhooks/<source>`: 413 over `max_body_bytes`, 401 bad or stale signature, 400 unreadable,
    409 replayed (a delivery id seen before, or the same body within the signature's tolerance window, whatever
    its delivery id), else the event lands in `webhook_events` and the answer is 202.

    `secret` comes from configuration (QBSYNC_<SOURCE>_WEBHOOK_SECRET); header names, encoding and tolerance come
    from the source's declared webhook scheme unless `scheme` overrides them (its own secret is then used). The body
    limit is this route's own, whatever the hosting app allows elsewhere (the bridge takes multi-MB SOAP bodies).
    """
    spec = declared.webhook
    if spec is None:
        raise ValueError(f"source {declared.name} declares no webhooks")
    source = declared.name
    key = secret.encode() if isinstance(secret, str) else secret
    scheme = scheme or SignatureScheme(secret=key, **spec.signature)
    delivery_header, event_header = spec.delivery_header, spec.event_header
    blueprint = Blueprint(f"webhooks_{source}", __name__)

    @blueprint.post(webhook_path(source))
    def receive() -> Response:
        request.max_content_length = max_body_bytes
        try:
            body = request.get_data(cache=False)
            scheme.verify(body, request.headers)
            event = _event(source, body, request.headers.get(delivery_header), request.headers.get(event_header))
        except RequestEntityTooLarge:
            return _reject(source, "body too large", 413)
        except WebhookRejected as exc:
            return _reject(source, str(exc), exc.status)
        with warehouse.connect() as conn:
            stored = store_event(conn, event, replay_window_s=scheme.tolerance_s)
        if not stored:
            return _reject(source, "replayed delivery", 409, event["event_id"])
        log_event(
            "webhook.queued",
            source=source,
            event_id=event["event_id"],
            event_type=event["event_type"],
            object_type=event["object_type"],
            object_id=event["object_id"],
        )
        return _answer({"status": "queued", "event_id": event["event_id"]}, 202)

    return blueprint


def _event(source: str, body: bytes, delivery_id: str | None, event_type: str | None) -> dict[str, Any]:
    """The queue row of a verified delivery: ids and types from headers first, then from the JSON payload."""
    if not delivery_id:
        raise WebhookRejected("missing delivery id header", 400)
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRejected("body is not JSON", 400) from None
    except RecursionError:
        raise WebhookRejected("body nests too deeply", 400) from None
    if not isinstance(payload, dict):
        raise WebhookRejected("body is not a JSON object", 400)
    if _depth(payload) > MAX_JSON_DEPTH:
        raise WebhookRejected(f"body nests deeper than {MAX_JSON_DEPTH} levels", 400)
    event_type = event_type or _text(payload, "event") or _text(payload, "event-type")
    object_type = _text(payload, "object-type") or (event_type.split(".", 1)[0] if event_type else None)
    data = payload.get("data") if isinstance(payload.get("data"), dict) else payload
    object_id = payload.get("object-id") or data.get("id")
    if object_id is not None and (isinstance(object_id, bool) or not isinstance(object_id, str | int)):
        raise WebhookRejected("the object id must be a string or an integer", 400)
    return {
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "event_id": delivery_id[:200],
        "source": source,
        "event_type": event_type,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "payload": payload,
    }


def _text(payload: dict[str, Any], name: str) -> str | None:
    """A string field of the payload, None when absent; WebhookRejected when it is there but not a string."""
    value = payload.get(name)
    if value is None or isinstance(value, str):
        return value or None
    raise WebhookRejected(f"{name!r} must be a string, not {type(value).__name__}", 400)


def _depth(value: Any) -> int:
    """How deeply `value` nests lists and objects (counted without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _reject(source: str, reason: str, status: int, event_id: str | None = None) -> Response:
    log_event("webhook.rejected", 30, source=source, reason=reason, status=status, event_id=event_id)
    return _answer({"status": "rejected", "reason": reason}, status)


def _answer(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")

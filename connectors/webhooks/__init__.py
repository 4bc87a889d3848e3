"""Webhooks: signature verification, a Flask endpoint that queues verified events, and the queue a sensor reads."""

from connectors.webhooks.app import webhook_app, webhook_blueprint
from connectors.webhooks.queue import mark_consumed, pending_events, store_event, touched_entities
from connectors.webhooks.signature import SignatureScheme, WebhookRejected

__all__ = [
    "SignatureScheme",
    "WebhookRejected",
    "mark_consumed",
    "pending_events",
    "store_event",
    "touched_entities",
    "webhook_app",
    "webhook_blueprint",
]

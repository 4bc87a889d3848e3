"""The webhook_events queue: store verified deliveries once, list pending ones, mark them consumed."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from warehouse.audit import now
from warehouse.store import Conn


def store_event(conn: Conn, event: Mapping[str, Any], replay_window_s: float = 300.0) -> bool:
    """Insert one verified event; False (a replay) when its event_id was stored before, or when the same body
    (`body_sha256`) of the same source arrived within `replay_window_s`, whatever its delivery id."""
    stamp = now()
    if event.get("body_sha256") and conn.scalar(
        "SELECT 1 FROM webhook_events WHERE source = ? AND body_sha256 = ? AND received_at > ? LIMIT 1",
        [event["source"], event["body_sha256"], stamp - timedelta(seconds=replay_window_s)],
    ):
        return False
    rows = conn.fetchall(
        "INSERT INTO webhook_events (event_id, source, event_type, object_type, object_id, received_at, payload, "
        "body_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
        [
            event["event_id"],
            event["source"],
            event.get("event_type"),
            event.get("object_type"),
            event.get("object_id"),
            stamp,
            event["payload"],
            event.get("body_sha256"),
        ],
    )
    return bool(rows)


NAMED_TAG = "qbsync/webhook_objects"  # run tag: JSON {entity: [object ids]} the webhook sensor asks to pull
MAX_NAMED = 100  # object ids per entity in one run's tag; the incremental pull brings the rest


def pending_events(conn: Conn, source: str) -> list[dict[str, Any]]:
    """Unconsumed events of `source`, oldest first, each payload as a dict."""
    rows = conn.records(
        "SELECT event_id, source, event_type, object_type, object_id, received_at, payload FROM webhook_events "
        "WHERE source = ? AND consumed_at IS NULL ORDER BY received_at, event_id",
        [source],
    )
    for row in rows:
        if isinstance(row["payload"], str):
            row["payload"] = json.loads(row["payload"])
    return rows


def mark_consumed(conn: Conn, event_ids: Iterable[str]) -> int:
    """Stamp `consumed_at` on these events (once a run has been requested for them); returns how many."""
    ids = list(event_ids)
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    count = conn.scalar(f"SELECT COUNT(*) FROM webhook_events WHERE consumed_at IS NULL AND event_id IN ({marks})", ids)
    conn.execute(
        f"UPDATE webhook_events SET consumed_at = ? WHERE consumed_at IS NULL AND event_id IN ({marks})", [now(), *ids]
    )
    return int(count)


def touched_entities(events: Iterable[Mapping[str, Any]], entities: Mapping[str, str]) -> set[str]:
    """The landing entities these events ask to re-pull, by the source's map of object type -> entity."""
    return {entities[e["object_type"]] for e in events if e.get("object_type") in entities}


def named_objects(events: Iterable[Mapping[str, Any]], entities: Mapping[str, str]) -> dict[str, list[str]]:
    """Landing entity -> the object ids these events name (the newest MAX_NAMED of each), for a source whose client
    fetches named records (`fetch_<entity>(ids)`): a notification that carries no document names the one to pull."""
    named: dict[str, list[str]] = {}
    for event in events:
        entity, object_id = entities.get(event.get("object_type") or ""), event.get("object_id")
        if entity and object_id and object_id not in named.setdefault(entity, []):
            named[entity].append(object_id)
    return {entity: ids[-MAX_NAMED:] for entity, ids in named.items() if ids}


def named_in(tags: Mapping[str, str]) -> dict[str, list[str]]:
    """What `named_objects` put in a run's NAMED_TAG ({} when the run was not started by webhooks)."""
    try:
        found = json.loads(tags.get(NAMED_TAG) or "{}")
    except ValueError:
        return {}
    return (
        {str(k): [str(i) for i in v] for k, v in found.items() if isinstance(v, list)}
        if isinstance(found, dict)
        else {}
    )

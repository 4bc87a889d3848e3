"""Structured connector logging: one event name plus key/value fields, with secrets redacted."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

logger = logging.getLogger("qbsync.connectors")

SECRET_NAME = re.compile(r"secret|token|password|passwd|authorization|api[-_]?key|signature|credential|cookie", re.I)
REDACTED = "***"


def redact(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `fields` with every secret-looking name masked, nested mappings included."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if SECRET_NAME.search(str(name)):
            out[name] = REDACTED
        elif isinstance(value, Mapping):
            out[name] = redact(value)
        elif isinstance(value, str) and "://" in value:
            out[name] = redact_url(value)
        else:
            out[name] = value
    return out


def redact_url(url: str) -> str:
    """The URL without user info and with secret-looking query parameters masked."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    query = urlencode([(k, REDACTED if SECRET_NAME.search(k) else v) for k, v in parse_qsl(parts.query)], safe="[],")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log `event` with its fields as JSON in the message and as `record.fields` for structured handlers."""
    if not logger.isEnabledFor(level):
        return
    safe = redact(fields)
    logger.log(
        level, "%s %s", event, json.dumps(safe, default=str, sort_keys=True), extra={"event": event, "fields": safe}
    )

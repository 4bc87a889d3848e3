"""Webhook signature checks: HMAC-SHA256 over the raw body, configurable header and encoding, staleness window."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime


class WebhookRejected(Exception):
    """A delivery we refuse; `status` is the HTTP answer to give the sender."""

    def __init__(self, reason: str, status: int = 401):
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class SignatureScheme:
    """How a source signs deliveries (each source's declaration gives its own header names and options).

    The signature is HMAC-SHA256 with `secret` over "<timestamp>.<body>" (`sign_timestamp`, the default: a captured
    delivery cannot be replayed with a fresh timestamp), or over the raw body alone where a sender signs only that;
    sent in `signature_header` as hex or base64, optionally after `prefix` (e.g. "sha256=").
    `timestamp_header` (epoch seconds or ISO-8601) must be within `tolerance_s` of now when configured.
    """

    secret: bytes = field(repr=False)
    signature_header: str = "X-Signature"
    encoding: str = "hex"
    prefix: str = ""
    timestamp_header: str | None = "X-Timestamp"
    tolerance_s: float = 300.0
    sign_timestamp: bool = True

    def __post_init__(self) -> None:
        if self.encoding not in ("hex", "base64"):
            raise ValueError(f"signature encoding must be hex or base64, not {self.encoding!r}")
        if not self.secret:
            raise ValueError("a webhook secret is required")

    def sign(self, body: bytes, timestamp: str | None = None) -> str:
        """The header value a sender would put on `body` (used by tests and the sandbox)."""
        digest = hmac.new(self.secret, self._signed_bytes(body, timestamp), hashlib.sha256).digest()
        text = digest.hex() if self.encoding == "hex" else base64.b64encode(digest).decode()
        return self.prefix + text

    def verify(self, body: bytes, headers: Mapping[str, str], now: datetime | None = None) -> None:
        """Raise WebhookRejected unless the delivery is fresh and its signature matches (constant-time compare)."""
        timestamp = None
        if self.timestamp_header:
            timestamp = headers.get(self.timestamp_header)
            if not timestamp:
                raise WebhookRejected(f"missing {self.timestamp_header} header")
            age = ((now or datetime.now(UTC)) - _parse_timestamp(timestamp)).total_seconds()
            if abs(age) > self.tolerance_s:
                raise WebhookRejected(f"stale delivery: timestamp {age:.0f}s away from now")
        given = headers.get(self.signature_header)
        if not given:
            raise WebhookRejected(f"missing {self.signature_header} header")
        expected = self.sign(body, timestamp)
        if not hmac.compare_digest(given.strip().encode(), expected.encode()):
            raise WebhookRejected("signature mismatch")

    def _signed_bytes(self, body: bytes, timestamp: str | None) -> bytes:
        if self.sign_timestamp:
            return (timestamp or "").encode() + b"." + body
        return body


def _parse_timestamp(value: str) -> datetime:
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        if not math.isfinite(seconds):
            raise WebhookRejected(f"unreadable timestamp {value[:40]!r}", 400)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise WebhookRejected(f"timestamp {value[:40]!r} is out of range", 400) from None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise WebhookRejected(f"unreadable timestamp {value[:40]!r}", 400) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

"""The bridge's knobs (batch bounds, ticket lifetime, retry limits), read from QBSYNC_BRIDGE_* variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

# Defaults chosen with tests/bench/test_bridge_bench.py (2,000 bills, DuckDB): the bridge's time per request falls
# from 9.5 ms at 25 requests per message to 2.2 ms at 100 and 1.5 ms at 200, then flattens (each round trip costs
# ~0.2 s of warehouse work whatever its size). 200 delivers 10,000 bills in ~50 round trips while one message
# stays small for QuickBooks (~70 KiB of bills; field reports speak of 60-90 s waits on large messages), and a
# lost answer puts at most 200 rows into lookup. 1 MB bounds a message of large bills whatever their count.
DEFAULT_BATCH_MAX_REQUESTS = 200
DEFAULT_BATCH_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class BridgeSettings:
    """How the bridge batches, retries and times out. Every field has a QBSYNC_BRIDGE_<FIELD> variable."""

    batch_max_requests: int = DEFAULT_BATCH_MAX_REQUESTS
    batch_max_bytes: int = DEFAULT_BATCH_MAX_BYTES
    ticket_ttl_seconds: int = 3600  # a ticket past this is refused; its unanswered batch becomes "outcome unknown"
    session_idle_seconds: int = 300  # a session silent this long no longer holds its company ("busy")
    max_attempts: int = 5  # sends of one request before it is failed for review
    retry_delay_seconds: float = 60.0  # wait before resending after a transient error
    connection_error_retries: int = 2  # connectionError answers "" (retry) this often, then "done"
    postpone_seconds: int | None = None  # authenticate's optional [2] when there is nothing to do
    min_run_seconds: int | None = None  # authenticate's optional [3] when there is nothing to do
    max_body_bytes: int = 32 * 1024 * 1024  # a receiveResponseXML body can be several MB
    server_version: str = "qbsync-bridge 1.0"
    min_client_version: str = ""  # e.g. "2.1.0.30": older Web Connectors are told which version they need

    @classmethod
    def from_env(cls, **overrides) -> BridgeSettings:
        """Defaults, then QBSYNC_BRIDGE_* variables, then explicit overrides."""
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f"QBSYNC_BRIDGE_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            kind = f.type.replace(" | None", "")
            values[f.name] = int(raw) if kind == "int" else float(raw) if kind == "float" else raw
        return replace(cls(**values), **overrides)

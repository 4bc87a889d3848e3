"""The bridge's knobs (batch bounds, ticket lifetime, retry limits, webhook secret), read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace

# Defaults chosen with tests/bench/test_bridge_bench.py (2,000 bills, DuckDB): the bridge's time per request falls
# from 9.5 ms at 25 requests per message to 2.2 ms at 100, 1.5 ms at 200 and 0.95 ms at 400, because each round trip
# costs a fixed ~0.2-0.4 s of warehouse work. What bounds a message for QuickBooks is its time there (field reports
# speak of 60-90 s waits on large messages): the bridge sizes each message from the QuickBooks seconds per request
# it has observed for the company and request type (qbwc_bridge/pacing.py) to stay within QB_SECONDS_BUDGET, so a
# fast company file gets messages up to 1,000 requests and a slow one small ones (each planned to 90% of the budget,
# leaving room for QuickBooks' own variation); a company never seen starts at QB_SECONDS_ASSUMED per request
# (27 requests). 1 MB bounds a message of large bills.
DEFAULT_BATCH_MAX_REQUESTS = 1000
DEFAULT_BATCH_MAX_BYTES = 1_000_000
DEFAULT_QB_SECONDS_BUDGET = 30.0  # well inside the Web Connector's and QuickBooks' own limits
DEFAULT_QB_SECONDS_ASSUMED = 1.0


@dataclass(frozen=True)
class BridgeSettings:
    """How the bridge batches, retries and times out, and whether it takes webhooks.

    Every field has a QBSYNC_BRIDGE_<FIELD> variable unless its metadata names another ("env").
    """

    batch_max_requests: int = DEFAULT_BATCH_MAX_REQUESTS
    batch_max_bytes: int = DEFAULT_BATCH_MAX_BYTES
    qb_seconds_budget: float = DEFAULT_QB_SECONDS_BUDGET  # QuickBooks time one message is sized to take at most
    qb_seconds_assumed: float = DEFAULT_QB_SECONDS_ASSUMED  # per request of a type not yet observed for the company
    ticket_ttl_seconds: int = 3600  # a ticket past this is refused; its unanswered batch becomes "outcome unknown"
    session_idle_seconds: int = 300  # a session silent this long no longer holds its company ("busy")
    # how long QuickBooks may still be running a message whose session fell silent: until then a lookup that
    # does not find one of its Adds waits (QuickBooks may not have applied it yet) instead of adding it again
    answer_wait_seconds: int = 600
    max_attempts: int = 5  # sends of one request before it is failed for review
    retry_delay_seconds: float = 60.0  # wait before resending after a transient error
    connection_error_retries: int = 2  # connectionError answers "" (retry) this often, then "done"
    postpone_seconds: int | None = None  # authenticate's optional [2] when there is nothing to do
    min_run_seconds: int | None = None  # authenticate's optional [3] when there is nothing to do
    max_body_bytes: int = 32 * 1024 * 1024  # a receiveResponseXML body can be several MB
    server_version: str = "qbsync-bridge 1.0"
    min_client_version: str = ""  # e.g. "2.1.0.30": older Web Connectors are told which version they need
    public_url: str = ""  # the WSDL's service address, e.g. https://bridge.example.com/qbwc (unset: the bound address)
    login_free_failures: int = 5  # failed logins per user or client address before authenticate slows down
    login_max_delay_seconds: int = 300  # the longest a client address waits between tries (doubling per failure)
    login_window_seconds: int = 900  # failures older than this are forgotten
    max_stored_answer_bytes: int = 1_000_000  # longer raw answers are kept truncated (parsed records are kept whole)
    # source -> the key its webhook deliveries are signed with (QBSYNC_<SOURCE>_WEBHOOK_SECRET, for each source
    # that declares webhooks); a source with a key gets POST /webhooks/<source>
    webhook_secrets: dict[str, str] = field(default_factory=dict, repr=False, metadata={"env": None})

    @classmethod
    def from_env(cls, **overrides) -> BridgeSettings:
        """Defaults, then the environment, then explicit overrides."""
        values: dict = {"webhook_secrets": webhook_secrets_from_env()}
        for f in fields(cls):
            if "env" in f.metadata and f.metadata["env"] is None:
                continue
            raw = os.environ.get(f.metadata.get("env", f"QBSYNC_BRIDGE_{f.name.upper()}"))
            if raw is None or raw == "":
                continue
            kind = f.type.replace(" | None", "")
            values[f.name] = int(raw) if kind == "int" else float(raw) if kind == "float" else raw
        return replace(cls(**values), **overrides)


def webhook_secrets_from_env() -> dict[str, str]:
    """The webhook key of every declared source with webhooks whose QBSYNC_<SOURCE>_WEBHOOK_SECRET is set."""
    from sources import registry

    found = {s.name: os.environ.get(s.env["webhook_secret"], "") for s in registry.all_sources() if s.webhook}
    return {name: secret for name, secret in found.items() if secret}

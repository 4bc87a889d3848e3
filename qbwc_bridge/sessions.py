"""Web Connector sessions in `qbwc_sessions`: unguessable tickets with expiry, so any bridge process can answer.

Only a keyed hash of each ticket is stored (`warehouse.keys.ticket_digest`); the ticket itself only ever travels to
the Web Connector. Every function here takes that hash (`key(ticket)`), which the rest of the bridge also records.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warehouse.audit import now
from warehouse.keys import ticket_digest
from warehouse.store import Conn

COLUMNS = (
    "ticket, company, qbwc_user, created_at, expires_at, last_seen_at, closed_at, qbxml_version, country, "
    "company_file, last_error, connection_errors, requests_sent, requests_done, requests_failed, batch_id, qb_seconds, "
    "batch_sent_at, batch_ops"
)


@dataclass
class Session:
    ticket: str  # the stored hash of the ticket
    company: str
    qbwc_user: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime
    closed_at: datetime | None
    qbxml_version: str | None
    country: str | None
    company_file: str | None
    last_error: str | None
    connection_errors: int
    requests_sent: int
    requests_done: int
    requests_failed: int
    batch_id: str | None
    qb_seconds: str | None = None  # JSON: QuickBooks seconds per request by request type (qbwc_bridge/pacing.py)
    batch_sent_at: datetime | None = None  # when the outstanding message was handed out
    batch_ops: str | None = None  # JSON: its request types -> how many


class TicketRefused(LookupError):
    """The ticket is unknown, expired or closed; the message says which (for getLastError)."""


def new_ticket() -> str:
    """256 bits from the OS random source, URL-safe."""
    return secrets.token_urlsafe(32)


def key(ticket: str | None) -> str:
    """What a ticket is stored and looked up as."""
    return ticket_digest(ticket or "")


def open_session(conn: Conn, company: str, user: str, ttl_seconds: int) -> tuple[str, Session]:
    """A new session: (the ticket for the Web Connector, the session stored under its hash)."""
    stamp = now()
    ticket = new_ticket()
    conn.execute(
        "INSERT INTO qbwc_sessions (ticket, company, qbwc_user, created_at, expires_at, last_seen_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [key(ticket), company, user, stamp, stamp + timedelta(seconds=ttl_seconds), stamp],
    )
    return ticket, load(conn, key(ticket))


def load(conn: Conn, ticket: str) -> Session | None:
    rows = conn.records(f"SELECT {COLUMNS} FROM qbwc_sessions WHERE ticket = ?", [ticket or ""])
    return Session(**rows[0]) if rows else None


def require(conn: Conn, ticket: str) -> Session:
    """The live session of `ticket` (the call's save() refreshes its last_seen_at); TicketRefused otherwise."""
    session = load(conn, ticket)
    if session is None:
        raise TicketRefused("Invalid ticket: no such session (authenticate first)")
    if session.closed_at is not None:
        raise TicketRefused("Invalid ticket: the session was closed")
    if session.expires_at <= now():
        raise TicketRefused("Invalid ticket: the session expired; the next scheduled run starts a new one")
    return session


def update(conn: Conn, ticket: str, **values: Any) -> None:
    """Set columns of one session (names are this module's own, never user input)."""
    if not values:
        return
    sets = ", ".join(f"{k} = ?" for k in values)
    conn.execute(f"UPDATE qbwc_sessions SET {sets} WHERE ticket = ?", [*values.values(), ticket])


def save(conn: Conn, ticket: str, *, sent: int = 0, done: int = 0, failed: int = 0, **values: Any) -> None:
    """The one session write of a call on a live session: last_seen_at now, `values` set, the counters added to."""
    sets = "".join(f"{k} = ?, " for k in values)
    conn.execute(
        f"UPDATE qbwc_sessions SET {sets}last_seen_at = ?, requests_sent = requests_sent + ?, "
        "requests_done = requests_done + ?, requests_failed = requests_failed + ? WHERE ticket = ?",
        [*values.values(), now(), sent, done, failed, ticket],
    )


def live_holder(conn: Conn, company: str, idle_seconds: int) -> str | None:
    """The ticket of another open, unexpired session of `company` seen within `idle_seconds`, if any."""
    stamp = now()
    return conn.scalar(
        "SELECT ticket FROM qbwc_sessions WHERE company = ? AND closed_at IS NULL AND expires_at > ? "
        "AND last_seen_at > ? LIMIT 1",
        [company, stamp, stamp - timedelta(seconds=idle_seconds)],
    )

"""Brakes on password guessing at authenticate: doubling waits per user and per client address, failures audited.

Counters live in `login_throttle`, so every bridge process sees them. A client address that logged in as a user
before is exempt from that user's brake (only its own address counter applies), so guesses from elsewhere never
lock the real Web Connector out; the per-user wait is also capped at a minute.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from warehouse.audit import now, record
from warehouse.store import Conn

log = logging.getLogger(__name__)
USER_MAX_DELAY_SECONDS = 60
KNOWN_ADDRESS_DAYS = 30
MAX_NAME = 100  # longer user names are cut in keys, logs and audit rows


@dataclass(frozen=True)
class Limits:
    free_failures: int = 5
    max_delay_seconds: int = 300
    window_seconds: int = 900


def delay_seconds(failures: int, limits: Limits, cap: int) -> int:
    """0 below the free failures, then 1, 2, 4, ... seconds, at most `cap`."""
    if failures < limits.free_failures:
        return 0
    return min(2 ** min(failures - limits.free_failures, 30), cap)


def wait_seconds(conn: Conn, user: str, client: str, limits: Limits) -> float:
    """Seconds before `client` may try `user` again (0: now)."""
    stamp = now()
    user, keys = user[:MAX_NAME], {f"addr:{client}": limits.max_delay_seconds}
    known = conn.scalar(
        "SELECT 1 FROM login_throttle WHERE throttle_key = ? AND last_at > ?",
        [f"ok:{user}:{client}", stamp - timedelta(days=KNOWN_ADDRESS_DAYS)],
    )
    if not known:
        keys[f"user:{user}"] = min(USER_MAX_DELAY_SECONDS, limits.max_delay_seconds)
    marks = ", ".join("?" for _ in keys)
    rows = conn.fetchall(
        f"SELECT throttle_key, failures, last_at FROM login_throttle WHERE throttle_key IN ({marks})", list(keys)
    )
    wait = 0.0
    for key, failures, last_at in rows:
        if _forgotten(last_at, stamp, limits):
            continue
        until = last_at + timedelta(seconds=delay_seconds(failures, limits, keys[key]))
        wait = max(wait, (until - stamp).total_seconds())
    return wait


def failed(conn: Conn, user: str, client: str, company: str | None, limits: Limits, waited: float = 0.0) -> None:
    """Count one failed login against the user and the address, and record it in `audit_log`.

    `waited` > 0 means the attempt came while the brake was on: refused unchecked, counted, logged, not audited
    (a flood of refused tries would otherwise write the audit log at the attacker's pace).
    """
    stamp, user = now(), user[:MAX_NAME]
    counts = [_count_failure(conn, key, stamp, limits) for key in (f"user:{user}", f"addr:{client}")]
    if waited > 0:
        log.info("authenticate: user %r from %s refused unchecked, %.0fs to wait", user, client, waited)
        return
    log.warning("authenticate: bad credentials for user %r from %s (%d failures)", user, client, max(counts))
    record(
        conn,
        [
            {
                "actor": "bridge:authenticate",
                "company": company,
                "record_key": f"qbwc_user:{user}",
                "event": "login_failed",
                "detail": {"client": client, "user_failures": counts[0], "address_failures": counts[1]},
            }
        ],
    )


def succeeded(conn: Conn, user: str, client: str) -> None:
    """Clear the user's and the address's failures and remember the address as one this user logs in from."""
    conn.execute("DELETE FROM login_throttle WHERE throttle_key IN (?, ?)", [f"user:{user}", f"addr:{client}"])
    _upsert(conn, f"ok:{user}:{client}", 0, now())


def _count_failure(conn: Conn, key: str, stamp: datetime, limits: Limits) -> int:
    row = conn.fetchone("SELECT failures, last_at FROM login_throttle WHERE throttle_key = ?", [key])
    failures = 1 if row is None or _forgotten(row[1], stamp, limits) else row[0] + 1
    _upsert(conn, key, failures, stamp)
    return failures


def _upsert(conn: Conn, key: str, failures: int, stamp: datetime) -> None:
    conn.execute(
        "INSERT INTO login_throttle (throttle_key, failures, last_at) VALUES (?, ?, ?) "
        "ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at",
        [key, failures, stamp],
    )


def _forgotten(last_at: datetime, stamp: datetime, limits: Limits) -> bool:
    return stamp - last_at > timedelta(seconds=limits.window_seconds)

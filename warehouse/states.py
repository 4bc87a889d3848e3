"""Outbox state names, spelled once: qbxml_outbox (requests to QuickBooks), cloud_outbox (writes to cloud systems)."""

from __future__ import annotations

from enum import StrEnum


class Request(StrEnum):
    """A qbxml_outbox row: pending -> sent -> done | failed, or retry (sent again later), or unknown (no answer: looked
    up before anything is sent again); an unsent row whose document changed or was held becomes superseded."""

    PENDING = "pending"
    SENT = "sent"
    RETRY = "retry"
    UNKNOWN = "unknown"
    DONE = "done"
    FAILED = "failed"
    SUPERSEDED = "superseded"


LIVE = (Request.PENDING, Request.SENT, Request.RETRY, Request.UNKNOWN)  # not settled: may still reach QuickBooks
SENDABLE = (Request.PENDING, Request.RETRY, Request.UNKNOWN)  # the bridge may hand it out (unknown: as a lookup)
UNSENT = (Request.PENDING, Request.RETRY)
IN_FLIGHT = (Request.SENT, Request.UNKNOWN)  # handed out, outcome not known yet
FINISHED = (Request.DONE, Request.SUPERSEDED)


class CloudWrite(StrEnum):
    """A cloud_outbox row: pending -> sending -> done | failed; a changed payload makes an unsent row superseded."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a run; if that run died, the outcome is unknown until read back
    DONE = "done"
    FAILED = "failed"
    SUPERSEDED = "superseded"


SQL_NAMES = {f"request_{s.name.lower()}": s.value for s in Request}  # {request_done} etc. in .sql files


def sql_list(*states: StrEnum) -> str:
    """SQL `('a', 'b')` of states."""
    return "(" + ", ".join(f"'{s.value}'" for s in states) + ")"

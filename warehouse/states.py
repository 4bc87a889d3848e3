"""Outbox state names, spelled once: the cloud_outbox (writes to cloud systems)."""

from __future__ import annotations

from enum import StrEnum


class CloudWrite(StrEnum):
    """A cloud_outbox row: pending -> sending -> done | failed; a changed payload makes an unsent row superseded."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a run; if that run died, the outcome is unknown until read back
    DONE = "done"
    FAILED = "failed"
    SUPERSEDED = "superseded"


def sql_list(*states: StrEnum) -> str:
    """SQL `('a', 'b')` of states."""
    return "(" + ", ".join(f"'{s.value}'" for s in states) + ")"

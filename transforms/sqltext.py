"""Small helpers to write generated SQL safely: literals for values we create, column lists for upserts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

EPOCH = datetime(1900, 1, 1)


def ts(value: datetime | None) -> str:
    """A TIMESTAMP literal for a datetime the pipeline itself produced (never for source text)."""
    return f"TIMESTAMP '{(value or EPOCH).isoformat(sep=' ')}'"


def text(value: str) -> str:
    """A quoted SQL string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def upsert_tail(key: Sequence[str], columns: Sequence[str]) -> str:
    """`ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c` for every non-key column."""
    rest = [c for c in columns if c not in key]
    return f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in rest)

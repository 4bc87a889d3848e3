"""Numbered SQL migrations (NNNN_name.sql beside this file), applied once each and recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warehouse.store import Conn, Warehouse

HERE = Path(__file__).parent
# Per-backend spellings used in the .sql files as {placeholders}.
DIALECT = {
    "duckdb": {"json": "JSON"},
    "postgres": {"json": "JSONB"},
}


def available() -> list[tuple[str, str, Path]]:
    """(version, name, path) of every migration file, in order."""
    out = []
    for path in sorted(HERE.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        version, _, name = path.stem.partition("_")
        out.append((version, name, path))
    return out


def _ensure_table(conn: Conn) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )


def apply(wh: Warehouse) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction; returns the versions applied."""
    applied_now = []
    for version, name, path in available():
        with wh.connect() as conn:
            if wh.backend == "postgres":
                conn.execute("SELECT pg_advisory_xact_lock(7177)")
            _ensure_table(conn)
            if conn.scalar("SELECT 1 FROM schema_migrations WHERE version = ?", [version]):
                continue
            sql = path.read_text().format(**DIALECT[wh.backend])
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                [version, name, datetime.now(UTC).replace(tzinfo=None)],
            )
            applied_now.append(version)
    return applied_now


def status(wh: Warehouse) -> list[tuple[str, datetime | None]]:
    """Every known migration as (version_name, applied_at or None when pending)."""
    with wh.connect() as conn:
        _ensure_table(conn)
        done = dict(conn.fetchall("SELECT version, applied_at FROM schema_migrations"))
    return [(f"{v}_{n}", done.get(v)) for v, n, _ in available()]


def _statements(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]

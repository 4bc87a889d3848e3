"""Numbered SQL migrations (NNNN_name.sql beside this file), applied once each, and the views (views.sql)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.states import SQL_NAMES

if TYPE_CHECKING:
    from warehouse.store import Conn, Warehouse

HERE = Path(__file__).parent
VIEWS = HERE / "views.sql"  # every view, re-created whole: one definition each, not one per migration
VIEWS_VERSION = "views"  # schema_migrations row whose name is the hash of the views last created
# Per-backend spellings used in the .sql files as {placeholders}.
DIALECT = {
    "duckdb": {"json": "JSON", "split": "string_split"},
    "postgres": {"json": "JSONB", "split": "string_to_array"},
}
LANDING = (
    "CREATE TABLE IF NOT EXISTS {table} (source_id TEXT PRIMARY KEY, payload {json} NOT NULL, "
    "source_updated_at TEXT, fetched_at TIMESTAMP NOT NULL)"
)


def landing_table(backend: str, table: str) -> str:
    """DDL of landing table `table` (CREATE TABLE IF NOT EXISTS)."""
    return LANDING.format(table=table, **DIALECT[backend])


def _landing_sql(backend: str) -> str:
    """A landing table raw_<source>_<entity> for every entity of every declared source (its default instance; another
    instance's are created when it first lands)."""
    from sources import registry

    tables = [s.raw_table(e) for s in registry.all_sources() for e in s.entities]
    return "".join(landing_table(backend, t) + ";\n" for t in tables)


def available(backend: str) -> list[tuple[str, str, Path]]:
    """(version, name, path) of every migration file of `backend`, in order: NNNN_name.sql for both backends,
    NNNN_name.<backend>.sql for that one only (e.g. an index PostgreSQL needs and DuckDB pays for on every update)."""
    out = []
    for path in sorted(HERE.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        stem, _, only = path.stem.partition(".")
        if only and only != backend:
            continue
        version, _, name = stem.partition("_")
        out.append((version, name, path))
    return out


def _ensure_table(conn: Conn) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )


def apply(wh: Warehouse) -> list[str]:
    """Apply every pending migration and bring the views in line with views.sql, in one transaction.

    The views are dropped before the migrations (so a migration may rebuild a table they read) and re-created
    from views.sql after them, with the landing tables of every declared source and the declared policy defaults
    of company_sources; nothing is touched when no migration is pending and neither views.sql nor the registry
    changed. Returns the migration versions applied.
    """
    from warehouse.company_sources import fill_defaults

    views_sql = _landing_sql(wh.backend) + VIEWS.read_text().format(**DIALECT[wh.backend], **SQL_NAMES)
    views_version = hashlib.sha1(views_sql.encode()).hexdigest()[:16]
    with wh.connect() as conn:
        if wh.backend == "postgres":
            conn.execute("SELECT pg_advisory_xact_lock(7177)")
        _ensure_table(conn)
        done = dict(conn.fetchall("SELECT version, name FROM schema_migrations"))
        pending = [m for m in available(wh.backend) if m[0] not in done]
        if not pending and done.get(VIEWS_VERSION) == views_version:
            return []
        for view in reversed(re.findall(r"CREATE OR REPLACE VIEW (\w+)", views_sql)):
            conn.execute(f"DROP VIEW IF EXISTS {view}")
        for version, name, path in pending:
            for statement in _statements(path.read_text().format(**DIALECT[wh.backend])):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [version, name, _now()]
            )
        for statement in _statements(views_sql):
            conn.execute(statement)
        fill_defaults(conn)
        conn.execute("DELETE FROM schema_migrations WHERE version = ?", [VIEWS_VERSION])
        conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            [VIEWS_VERSION, views_version, _now()],
        )
    return [version for version, _, _ in pending]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def status(wh: Warehouse) -> list[tuple[str, datetime | None]]:
    """Every known migration as (version_name, applied_at or None when pending)."""
    with wh.connect() as conn:
        _ensure_table(conn)
        done = dict(conn.fetchall("SELECT version, applied_at FROM schema_migrations"))
    return [(f"{v}_{n}", done.get(v)) for v, n, _ in available(wh.backend)]


def _statements(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]

"""Where the warehouse lives: QBSYNC_DATABASE_URL (PostgreSQL) or a DuckDB file under QBSYNC_HOME."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The working folder for the warehouse file, sandbox company files and reports (default ./.qbsync);
    created readable by its owner only."""
    path = Path(os.environ.get("QBSYNC_HOME", ".qbsync")).resolve()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def database_url() -> str:
    """postgresql://... when QBSYNC_DATABASE_URL is set, else duckdb://<QBSYNC_HOME>/warehouse.duckdb."""
    url = os.environ.get("QBSYNC_DATABASE_URL", "").strip()
    return url or f"duckdb://{home() / 'warehouse.duckdb'}"


def lock_timeout_seconds() -> float:
    """How long a DuckDB writer waits for another process's file lock before reporting it."""
    return float(os.environ.get("QBSYNC_DUCKDB_LOCK_TIMEOUT", "30"))


def migrated_warehouse():
    """The configured warehouse with its schema brought up to date (a fresh one works too): what commands open."""
    from warehouse.store import Warehouse  # imported here: the CLI starts without loading the database drivers

    wh = Warehouse.from_env()
    wh.migrate()
    return wh

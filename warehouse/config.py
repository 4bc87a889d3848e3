"""Where the warehouse lives: QBSYNC_DATABASE_URL (PostgreSQL or DuckDB), else a DuckDB file under QBSYNC_HOME, whose
default is a per-user data folder: the same warehouse from whatever folder a command runs in."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from warehouse.errors import OperatorError


def home(environ: Mapping[str, str] | None = None) -> Path:
    """The working folder for the warehouse file, the key file, sandbox company files and reports: QBSYNC_HOME, else
    the per-user data folder (see default_home); created readable by its owner only."""
    environ = os.environ if environ is None else environ
    given = environ.get("QBSYNC_HOME", "").strip()
    path = Path(given).resolve() if given else default_home(environ)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def default_home(environ: Mapping[str, str] | None = None) -> Path:
    """The per-user data folder: $XDG_DATA_HOME/qbsync (~/.local/share/qbsync) on Linux, ~/Library/Application
    Support/qbsync on macOS, %LOCALAPPDATA%\\qbsync on Windows."""
    environ = os.environ if environ is None else environ
    user = Path(environ.get("HOME") or Path.home())
    if sys.platform == "win32":
        return Path(environ.get("LOCALAPPDATA") or user / "AppData" / "Local") / "qbsync"
    if sys.platform == "darwin":
        return user / "Library" / "Application Support" / "qbsync"
    return Path(environ.get("XDG_DATA_HOME") or user / ".local" / "share") / "qbsync"


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """QBSYNC_DATABASE_URL (postgresql://... or duckdb:///path) when set, else duckdb://<QBSYNC_HOME>/warehouse.duckdb."""
    environ = os.environ if environ is None else environ
    url = environ.get("QBSYNC_DATABASE_URL", "").strip()
    if url:
        check_url(url, "QBSYNC_DATABASE_URL")
        return url
    return f"duckdb://{home(environ) / 'warehouse.duckdb'}"


URL_SCHEMES = ("postgresql://", "postgres://", "duckdb://")


def storage_kind() -> str:
    """postgres or duckdb: what QBSYNC_DATABASE_URL names (Dagster shows it as the assets' storage kind)."""
    return "postgres" if os.environ.get("QBSYNC_DATABASE_URL", "").strip().startswith("postgres") else "duckdb"


def check_url(url: str, where: str = "the database URL") -> None:
    """Refuse a URL that names neither PostgreSQL nor DuckDB, saying what would work."""
    if not url.startswith(URL_SCHEMES):
        scheme = url.partition("://")[0] if "://" in url else url.partition(":")[0]
        raise OperatorError(
            f"{where} starts with {scheme!r}, neither postgresql:// nor duckdb://: set it to "
            "postgresql://USER@HOST:5432/DB or duckdb:///PATH/warehouse.duckdb, or unset it for the DuckDB file "
            "under QBSYNC_HOME"
        )


def connect_timeout_seconds() -> int:
    """How long to wait for PostgreSQL to answer a new connection (libpq counts whole seconds, at least 2)."""
    return max(2, round(float(os.environ.get("QBSYNC_DATABASE_CONNECT_TIMEOUT", "10"))))


def lock_timeout_seconds() -> float:
    """How long a DuckDB writer waits for another process's file lock before reporting it."""
    return float(os.environ.get("QBSYNC_DUCKDB_LOCK_TIMEOUT", "30"))


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit for this process (`800MB`, `2GB`; empty: DuckDB's own default, 80% of the RAM)."""
    return os.environ.get("QBSYNC_DUCKDB_MEMORY_LIMIT", "").strip()


def migrated_warehouse():
    """The configured warehouse with its schema brought up to date (a fresh one works too): what commands open."""
    from warehouse.store import Warehouse  # imported here: the CLI starts without loading the database drivers

    wh = Warehouse.from_env()
    wh.migrate()
    return wh

"""WARN rules: freshness of each landed source, unusual volume changes between runs, vendors matched by name only."""

from __future__ import annotations

import os

from data_checks.results import WARN, CheckResult
from warehouse.audit import now
from warehouse.store import Conn

VOLUME_FACTOR = 3.0  # landed rows more than 3x or less than a third of the previous run's
VOLUME_BASELINE = 10  # below this many rows in the previous run, any change is ordinary


def freshness_hours() -> float:
    """How old the newest landed row of a source may be before it is flagged (QBSYNC_FRESHNESS_HOURS, 24)."""
    return float(os.environ.get("QBSYNC_FRESHNESS_HOURS", "24"))


def raw_tables(conn: Conn) -> list[str]:
    """Every landing table (raw_<system>_<entity>): a new source is checked as soon as its table exists."""
    scope = "AND table_schema = current_schema() " if conn.backend == "postgres" else ""
    rows = conn.fetchall(f"SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' {scope}")
    return sorted(r[0] for r in rows if r[0].startswith("raw_"))


def freshness(conn: Conn, tables: list[str] | None = None, max_age_hours: float | None = None) -> CheckResult:
    """Sources whose newest landed row is older than the threshold (or that never landed anything)."""
    limit = freshness_hours() if max_age_hours is None else max_age_hours
    stamp = now()
    offenders, details, ages = [], {}, {}
    for table in tables if tables is not None else raw_tables(conn):
        newest = conn.scalar(f"SELECT max(fetched_at) FROM {_ident(table)}")
        if newest is None:
            offenders.append(table)
            details[table] = f"{table} has never landed a row"
            continue
        age = (stamp - newest).total_seconds() / 3600
        ages[table] = round(age, 2)
        if age > limit:
            offenders.append(table)
            details[table] = f"{table} last landed a row {age:.1f} h ago (limit {limit:g} h)"
    description = f"every source landed data within {limit:g} h"
    return CheckResult("source_freshness", WARN, description, offenders, details, {"age_hours": ages})


def volume_change(conn: Conn, table: str) -> CheckResult:
    """Rows landed in `table` since the previous measurement vs the previous run's count; records this run."""
    stamp = now()
    previous = conn.fetchone(
        "SELECT value, measured_at FROM data_check_metrics WHERE check_name = 'volume_change' AND subject = ? "
        "ORDER BY measured_at DESC, metric_id DESC LIMIT 1",
        [table],
    )
    if previous is None:
        landed = conn.scalar(f"SELECT count(*) FROM {_ident(table)}")
    else:
        landed = conn.scalar(f"SELECT count(*) FROM {_ident(table)} WHERE fetched_at > ?", [previous[1]])
    conn.execute(
        "INSERT INTO data_check_metrics (check_name, subject, value, measured_at) VALUES ('volume_change', ?, ?, ?)",
        [table, float(landed), stamp],
    )
    metrics = {"landed_rows": int(landed), "previous_landed_rows": None if previous is None else int(previous[0])}
    result = CheckResult(
        f"volume_change_{table}", WARN, f"rows landed in {table} within {VOLUME_FACTOR:g}x of the last run", [], {}
    )
    result.metrics.update(metrics)
    if previous is not None and previous[0] >= VOLUME_BASELINE:
        before = previous[0]
        if landed > before * VOLUME_FACTOR or landed < before / VOLUME_FACTOR:
            result.offenders = [table]
            result.details[table] = f"{table}: {int(landed)} rows landed this run against {int(before)} the last run"
    return result


def name_only_matches(conn: Conn, company: str | None = None) -> CheckResult:
    """Suppliers matched to a QuickBooks vendor by name alone: worth a person's look before bills pile up."""
    sql = (
        "SELECT record_key, company, qb_vendor_name FROM vendor_matches WHERE match_method = 'name'"
        + (" AND company = ?" if company else "")
        + " ORDER BY record_key"
    )
    rows = conn.fetchall(sql, [company] if company else None)
    details = {key: f"{co}: matched to QuickBooks vendor '{name}' by name only" for key, co, name in rows}
    return CheckResult(
        "vendors_matched_by_name", WARN, "suppliers matched by an identifier, not by name alone", list(details), details
    )


def _ident(table: str) -> str:
    if not table.replace("_", "").isalnum():
        raise ValueError(f"not a table name: {table!r}")
    return f'"{table}"'

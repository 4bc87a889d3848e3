"""WARN rules: freshness of each source instance by its source's schedule, volume spikes against its recent pulls,
vendors matched by name only."""

from __future__ import annotations

import os
from datetime import timedelta
from itertools import pairwise
from statistics import median

from data_checks.results import WARN, CheckResult
from sources.declaration import Source
from sources.keys import DEFAULT_INSTANCE
from warehouse.audit import now
from warehouse.company_sources import feeds
from warehouse.store import Conn

VOLUME_FACTOR = 3.0  # a pull that changed more than 3x the recent pulls' median
VOLUME_BASELINE = 10  # ... and more than this many rows: below it, any number is ordinary
VOLUME_HISTORY = 10  # recent pulls the median is taken over (the first, full load, never counts)
CADENCE_PULLS = 4  # a source is stale after this many of its schedule's intervals without a pull ...
MIN_FRESHNESS = timedelta(hours=1)  # ... and never sooner than this


def freshness_limit(source: Source) -> timedelta:
    """How long `source` may go without a pull: QBSYNC_FRESHNESS_HOURS when set, else CADENCE_PULLS intervals of its
    schedule (QBSYNC_<NAME>_CRON or the declared cron), at least MIN_FRESHNESS."""
    given = os.environ.get("QBSYNC_FRESHNESS_HOURS", "").strip()
    if given:
        return timedelta(hours=float(given))
    return max(MIN_FRESHNESS, cron_interval(os.environ.get(source.env["cron"]) or source.cron) * CADENCE_PULLS)


def cron_interval(cron: str) -> timedelta:
    """The longest gap between two runs of a five-field cron schedule, for the forms a sync schedule takes (every N
    minutes, minutes of every hour or of every N hours, daily, weekly); anything else counts as daily."""
    minute, hour, day, _, weekday = (cron.split() + ["*"] * 5)[:5]
    hourly = hour == "*" or _step(hour) is not None
    if weekday != "*":
        return timedelta(days=7)
    if day != "*" or not hourly:
        return timedelta(days=1)
    if hour != "*":
        return timedelta(hours=_step(hour) or 1)
    if minute == "*" or _step(minute):
        return timedelta(minutes=_step(minute) or 1)
    marks = sorted(int(m) for m in minute.split(",") if m.isdigit()) or [0]
    gaps = [b - a for a, b in pairwise(marks)] + [60 - marks[-1] + marks[0]]
    return timedelta(minutes=max(gaps))


def _step(field: str) -> int | None:
    return int(field[2:]) if field.startswith("*/") and field[2:].isdigit() else None


def _title(feed: Source) -> str:
    """How a check names one instance of a source: its title, then the instance unless it is the default one."""
    return feed.title if feed.instance == DEFAULT_INSTANCE else f"{feed.title} {feed.instance}"


def freshness(conn: Conn, source: Source, entity: str) -> CheckResult:
    """Every instance of the source pulled its entity within the limit (a pull that found nothing new counts), or
    it is flagged; a warehouse from before pulls were recorded falls back to the newest landed row."""
    limit = freshness_limit(source)
    offenders, details, ages = [], {}, {}
    for feed in feeds(conn, source):
        table = feed.raw_table(entity)
        last = conn.scalar(
            "SELECT max(pulled_at) FROM source_pulls WHERE source_system = ? AND entity = ?", [feed.key, entity]
        ) or conn.scalar(f"SELECT max(fetched_at) FROM {_ident(table)}")
        if last is None:
            offenders.append(table)
            details[table] = f"{_title(feed)} {entity} has never been pulled"
            continue
        age = now() - last
        ages[table] = round(age.total_seconds() / 3600, 2)
        if age > limit:
            offenders.append(table)
            details[table] = f"{_title(feed)} {entity} last pulled {_hours(age)} ago (limit {_hours(limit)})"
    description = f"{source.title} {entity} pulled within {_hours(limit)} (its schedule: {source.cron})"
    return CheckResult("source_freshness", WARN, description, offenders, details, {"age_hours": ages})


def volume_change(conn: Conn, source: Source, entity: str) -> CheckResult:
    """Each instance's last pull's new or changed rows against the median of its recent pulls before it (the
    first, full load excluded): a spike is flagged; few or none is what an incremental pull usually brings (silence
    is freshness's concern). Each metric is per landing table, as freshness's ages are."""
    result = CheckResult(
        "volume_change", WARN, f"rows a pull of {source.raw_table(entity)} changes within {VOLUME_FACTOR:g}x of the "
        "recent pulls", [], {},
    )  # fmt: skip
    for feed in feeds(conn, source):
        table = feed.raw_table(entity)
        pulls = [
            int(r[0])
            for r in conn.fetchall(
                "SELECT changed FROM source_pulls WHERE source_system = ? AND entity = ? ORDER BY pulled_at DESC",
                [feed.key, entity],
            )
        ]
        latest, recent = (pulls[0], pulls[1 : VOLUME_HISTORY + 1]) if pulls else (0, [])
        recent = recent[:-1] if len(pulls) <= VOLUME_HISTORY + 1 else recent  # never the first, full load
        baseline = median(recent) if recent else None
        for name, value in (("changed_rows", latest), ("recent_median", baseline), ("pulls_compared", len(recent))):
            result.metrics.setdefault(name, {})[table] = value
        if baseline is not None and latest > VOLUME_FACTOR * max(baseline, VOLUME_BASELINE):
            result.offenders.append(table)
            result.details[table] = (
                f"{table}: {latest} rows new or changed in the last pull against a median of {baseline:g} over the "
                f"{len(recent)} pulls before it"
            )
    return result


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:.1f} h"


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

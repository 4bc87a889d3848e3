"""Schedules: one per source, its cron from the environment (QBSYNC_<SOURCE>_CRON), in UTC."""

from __future__ import annotations

import os

import dagster as dg

from pipelines.jobs import coupa_sync_job

DEFAULT_CRON = {"coupa": "*/15 * * * *"}
SOURCE_JOBS = {"coupa": coupa_sync_job}


def source_cron(source: str) -> str:
    """QBSYNC_<SOURCE>_CRON, else the default cadence for the source."""
    return os.environ.get(f"QBSYNC_{source.upper()}_CRON", "").strip() or DEFAULT_CRON[source]


schedules = [
    dg.ScheduleDefinition(
        name=f"{source}_sync_schedule",
        job=job,
        cron_schedule=source_cron(source),
        execution_timezone="UTC",
        description=f"Pull {source} and queue QuickBooks requests on a cadence (QBSYNC_{source.upper()}_CRON)",
    )
    for source, job in SOURCE_JOBS.items()
]

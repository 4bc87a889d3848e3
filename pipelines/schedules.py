"""Schedules: one per declared source, its cron from the declaration unless QBSYNC_<SOURCE>_CRON overrides it (UTC).

The automation story: these schedules are on by default and pull each source; the sensors fold QuickBooks' answers
(and queue what they unblock) and pull what webhooks name. No asset carries an automation condition."""

from __future__ import annotations

import os

import dagster as dg

from pipelines.jobs import sync_job_name, sync_jobs
from sources import registry
from sources.declaration import Source


def source_cron(source: Source) -> str:
    """QBSYNC_<SOURCE>_CRON, else the source's declared cadence."""
    return os.environ.get(source.env["cron"], "").strip() or source.cron


schedules = [
    dg.ScheduleDefinition(
        name=f"{source.name}_sync_schedule",
        job=sync_jobs[source.name],
        cron_schedule=source_cron(source),
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Run {sync_job_name(source)} on a cadence ({source.env['cron']})",
    )
    for source in registry.all_sources()
]

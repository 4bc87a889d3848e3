"""`qbsync sync`: the Dagster jobs run once now, in this process: fold QuickBooks' answers, then pull each source."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from warehouse.config import migrated_warehouse
from warehouse.errors import OperatorError


def sources_in_use(conn) -> list[str]:
    """Declared sources that feed a company or have a stored connection: the ones a sync can reach."""
    from sources import registry

    used = {r[0] for r in conn.fetchall("SELECT source_system FROM company_sources")}
    used |= {r[0] for r in conn.fetchall("SELECT source_system FROM connections")}
    return [name for name in registry.names() if name in used]


def _instance():
    """The instance of DAGSTER_HOME when set (the runs show in the Dagster UI), else a temporary one."""
    import dagster as dg

    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def _failures(result) -> list[str]:
    """One line per failed step or failed blocking check: the step and what it said."""
    import dagster as dg

    lines = []
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.user_failure_data or event.step_failure_data.error
            text = getattr(error, "description", None) or getattr(error, "message", None) or str(error)
            lines.append(f"{event.step_key}: {' '.join(str(text).split())[:300]}")
    return lines


def run_sync(wanted: list[str] | None = None, echo=typer.echo) -> None:
    """Fold the answers the bridge received, then each source's sync job (every source in use when `wanted` is
    None), in this process; OperatorError naming the first failed step."""
    import dagster as dg

    from assets.feedback import feedback_key
    from pipelines.definitions import defs
    from pipelines.jobs import RESPONSE_ASSETS, sync_job_name
    from sources import registry

    wh = migrated_warehouse()
    with wh.connect() as conn:
        in_use = sources_in_use(conn)
    wanted = wanted or in_use
    unknown = sorted(set(wanted) - set(registry.names()))
    if unknown:
        raise typer.BadParameter(f"{', '.join(unknown)}: declared sources are {', '.join(registry.names())}")
    if not wanted:
        raise OperatorError(
            f"no source feeds a company in {wh.describe()}: qbsync company add --name NAME --user USER "
            "--password-stdin, then qbsync connection add SOURCE --instance default ..."
        )
    fold = [dg.AssetKey(k) for k in RESPONSE_ASSETS]
    fold += [feedback_key(s) for s in registry.all_sources() if s.writes_back and s.name in wanted]
    runs = [("quickbooks_responses", fold)] + [
        (sync_job_name(registry.get(name)), None) for name in wanted if name in registry.names()
    ]
    failed: list[str] = []
    with _instance() as instance:
        for job_name, selection in runs:
            job = defs.resolve_job_def(job_name)
            result = job.execute_in_process(instance=instance, asset_selection=selection, raise_on_error=False)
            steps = len(result.get_asset_materialization_events())
            problems = _failures(result)
            echo(f"{job_name}: {'ok' if result.success else 'FAILED'} ({steps} assets materialized)")
            for line in problems:
                echo(f"  {line}", err=True)
            failed += [f"{job_name} {line}" for line in problems] or ([] if result.success else [job_name])
    if failed:
        raise OperatorError(f"sync failed: {failed[0]}" + (f" (and {len(failed) - 1} more)" if failed[1:] else ""))


def register(app: typer.Typer) -> None:
    """Add the sync command."""

    @app.command()
    def sync(
        source: Annotated[
            list[str] | None, typer.Option("--source", help="Only this source (repeat); default: every one in use")
        ] = None,
    ) -> None:
        """Run the sync once now without the Dagster daemon: fold the answers the bridge received (queueing what they
        unblock, telling each source), then each source's sync job (pull, stage, match, check, queue). Runs are
        recorded in DAGSTER_HOME's instance when it is set."""
        run_sync(source)

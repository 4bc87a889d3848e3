"""Runs whose process died (kill -9, a lost machine) keep their pool slots forever: fail them and free the slots."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import dagster as dg

app = typer.Typer(no_args_is_help=True, help="Dagster upkeep for qbsync's runs.")


@dataclass
class Recovered:
    """One run that held pool slots, and what recovery did about it."""

    run_id: str
    status: str  # the run's status before recovery
    action: str  # "failed and freed", "freed" (run already finished), "left" (still alive or unknown)
    reason: str


def _alive(pid: int) -> bool:
    """Whether process `pid` exists on this machine (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pids(instance: dg.DagsterInstance, run_id: str) -> set[int]:
    """The process ids the run's engine events recorded (run worker and step processes)."""
    import dagster as dg

    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT).records
    pids = set()
    for record in records:
        data = record.event_log_entry.dagster_event.engine_event_data
        pid = data.metadata.get("pid") if data and data.metadata else None
        if pid is not None and str(pid.value).isdigit():
            pids.add(int(pid.value))
    return pids


def recover(instance: dg.DagsterInstance, run_ids: list[str] | None = None, dry_run: bool = False) -> list[Recovered]:
    """Every run holding (or waiting for) a pool slot: a finished one has its slots freed; an unfinished one whose
    recorded processes are all gone from this machine is reported failed and freed. `run_ids` names runs to fail
    and free whatever their processes look like (a run that ran on another machine)."""
    from dagster._core.storage.dagster_run import FINISHED_STATUSES

    storage = instance.event_log_storage
    chosen = set(run_ids or []) | set(storage.get_concurrency_run_ids())
    out = []
    for run_id in sorted(chosen):
        run = instance.get_run_by_id(run_id)
        status = run.status.value if run else "unknown"
        if run is None or run.status in FINISHED_STATUSES:
            action, reason = "freed", "the run has ended but its slots were still claimed"
        elif run_ids and run_id in run_ids:
            action, reason = "failed and freed", "named by the operator"
        else:
            pids = _pids(instance, run_id)
            living = sorted(p for p in pids if _alive(p))
            if not pids:
                out.append(Recovered(run_id, status, "left", "no process id recorded: name it with --run-id"))
                continue
            if living:
                out.append(Recovered(run_id, status, "left", f"process {living[0]} is still running"))
                continue
            action, reason = "failed and freed", f"its processes {sorted(pids)} are gone"
        if not dry_run:
            if action == "failed and freed":
                instance.report_run_failed(run, f"qbsync dagster recover: {reason}")
            storage.free_concurrency_slots_for_run(run_id)
        out.append(Recovered(run_id, status, action, reason))
    return out


@app.command("recover")
def recover_command(
    run_id: Annotated[
        list[str] | None, typer.Option("--run-id", help="A run to fail and free whatever its processes show")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be done, change nothing")] = False,
) -> None:
    """Free the pool slots of runs that died (kill -9): "Step blocked by limit for pool" forever otherwise."""
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        found = recover(instance, run_id or None, dry_run=dry_run)
    if not found:
        typer.echo("no run holds a pool slot")
    for item in found:
        typer.echo(f"{item.run_id} {item.status}: {'would be ' if dry_run else ''}{item.action} ({item.reason})")


def register(parent: typer.Typer) -> None:
    """Add `qbsync dagster ...`."""
    parent.add_typer(app, name="dagster")

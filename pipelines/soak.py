"""`qbsync soak`: documents through every fault knob and kill -9 of the bridge, the Web Connector and a Dagster
run (each restarted), then each source's independent checker (its demo hook's soak_check) says whether anything
was lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

# The Web Connector's schedule compressed: a dropped session is abandoned after 2 s, its Adds re-added after a
# lookup 3 s after they went out; QuickBooks is slow (1.5 s) on 3% of the messages, beyond both.
BRIDGE_ENV = {
    "QBSYNC_BRIDGE_SESSION_IDLE_SECONDS": "2",
    "QBSYNC_BRIDGE_ANSWER_WAIT_SECONDS": "3",
    "QBSYNC_BRIDGE_RETRY_DELAY_SECONDS": "0",
    "QBSYNC_BRIDGE_BATCH_MAX_REQUESTS": "50",
}
QB_FAULTS = [
    "--transient-rate", "0.05", "--lose-response-rate", "0.05", "--drop-rate", "0.05", "--hresult-rate", "0.03",
    "--slow-rate", "0.03", "--slow-seconds", "1.5",
]  # fmt: skip
DAGSTER_YAML = "concurrency:\n  pools:\n    default_limit: 1\ntelemetry:\n  enabled: false\n"  # as README asks
# a Web Connector whose session dropped keeps trying while the bridge still holds it (busy) instead of ending the
# round: the Web Connector's next scheduled runs, past the bridge's SESSION_IDLE_SECONDS
BUSY_RETRY_SECONDS = 3 * int(BRIDGE_ENV["QBSYNC_BRIDGE_SESSION_IDLE_SECONDS"])
MAX_ROUNDS = 40
DRAIN_ROUNDS = 10  # after the last queueing: sessions in a row that move nothing before the drain gives up
KILL_ROUNDS = (1, 2)  # round 1 kills a Web Connector, round 2 a bridge
DEADLINE_SECONDS = 3 * 3600


@dataclass
class SoakRun:
    """What the soak did besides the documents: kills, rounds, time, memory, and the checker's verdict."""

    backend: str
    records: int
    kills: dict[str, int] = field(default_factory=dict)
    rounds: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    reports: dict[str, Any] = field(default_factory=dict)  # source -> its checker's verdict

    @property
    def clean(self) -> bool:
        return bool(self.reports) and all(r.clean for r in self.reports.values())

    def as_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "reports"}
        return {**out, "clean": self.clean, "sources": {n: r.as_json() for n, r in self.reports.items()}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 120.0, every: float = 0.05) -> None:
    """Poll until `predicate` holds; fail loudly naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"soak: {what} did not happen within {timeout:.0f}s")
        time.sleep(every)


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait()


class Processes:
    """The soak's child processes (bridges, Web Connectors, a Dagster run), all on this machine's loopback."""

    def __init__(self, env, folder: Path):
        from warehouse.config import home

        self.env = env
        self.folder = folder
        wh = env.warehouse
        self.child_env = {
            **os.environ,
            **BRIDGE_ENV,
            "QBSYNC_DATABASE_URL": wh.url,
            "QBSYNC_HOME": str(home()),  # the parent's, absolute: the connection store's key lives there
            "DAGSTER_HOME": str(env.dagster_home),
            "QBSYNC_QBWC_PASSWORD": env.password,
        }
        if wh.schema:
            self.child_env["QBSYNC_DATABASE_SCHEMA"] = wh.schema
        self.bridges: dict[int, subprocess.Popen] = {}
        self.log = open(folder / "children.log", "ab")  # noqa: SIM115 - open for the life of the soak

    def close(self) -> None:
        for proc in self.bridges.values():
            _kill(proc)
        self.log.close()

    def _spawn(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", *args], env=self.child_env, stdout=self.log, stderr=self.log, cwd=self.folder
        )

    def start_bridge(self, port: int) -> None:
        import requests

        self.bridges[port] = self._spawn("pipelines.cli", "bridge", "--host", "127.0.0.1", "--port", str(port))

        def up() -> bool:
            if self.bridges[port].poll() is not None:
                raise RuntimeError(f"the bridge on port {port} exited: see {self.log.name}")
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok
            except requests.RequestException:
                return False

        _wait(up, f"the bridge on port {port} answering /healthz")

    def kill_bridge(self, port: int) -> None:
        _kill(self.bridges.pop(port))

    def webconnector(self, port: int, seed: int) -> subprocess.Popen:
        return self._spawn(
            "pipelines.cli", "sandbox", "webconnector", "--url", f"http://127.0.0.1:{port}/qbwc",
            "--user", "demo", "--company", str(self.env.company_path), "--until-idle", "--max-sessions", "200",
            "--noop-wait", "0.1", "--retry-busy-for", str(BUSY_RETRY_SECONDS), "--seed", str(seed), *QB_FAULTS,
        )  # fmt: skip

    def dagster_sync(self) -> subprocess.Popen:
        """A run of the sync assets in its own process, on the soak's Dagster instance (pools enforced)."""
        return subprocess.Popen(  # the sources' connections are in the warehouse's encrypted store
            [sys.executable, "-m", "pipelines.soak", *self.env.systems],
            env=self.child_env,
            stdout=self.log,
            stderr=self.log,
            cwd=self.folder,
        )


def _messages(company_path: Path) -> int:
    """Messages the company file has started (read from the simulator, so DuckDB's lock stays free meanwhile)."""
    from sandbox.quickbooks.company import CompanyFile

    with CompanyFile(company_path) as books:
        return books.messages_started()


def _kill_a_dagster_run(env, procs: Processes, kills: dict[str, int]) -> None:
    """A sync run in another process, killed with kill -9 while its first step holds the pool's slot; then
    `qbsync dagster recover` frees the slot (without it every later run waits forever)."""
    from pipelines.recover import recover

    storage = env.instance.event_log_storage
    run = procs.dagster_sync()
    _wait(lambda: bool(storage.get_concurrency_run_ids()) or run.poll() is not None, "a Dagster run taking a slot")
    if run.poll() is not None:
        raise RuntimeError(f"the Dagster run ended (exit {run.returncode}) before it could be killed")
    _kill(run)
    kills["dagster"] = kills.get("dagster", 0) + 1
    recovered = recover(env.instance)
    if not any(r.action == "failed and freed" for r in recovered):
        raise RuntimeError(f"recovery freed no killed run: {recovered}")


def _session_round(env, procs: Processes, ports: list[int], number: int, kills: dict[str, int]) -> None:
    """Web Connector runs against every bridge at once; round 1 kills a Web Connector mid-session, round 2 a
    bridge (restarted on its port), both after a message went out and before its answer came back."""
    path = env.company_path
    before = _messages(path)
    runs = {port: procs.webconnector(port, seed=number * 10 + i) for i, port in enumerate(ports)}
    if number in KILL_ROUNDS:
        _wait(lambda: _messages(path) > before or all(p.poll() is not None for p in runs.values()), "a message out")
        if number == 1 and runs[ports[0]].poll() is None:
            _kill(runs[ports[0]])
            kills["webconnector"] = kills.get("webconnector", 0) + 1
            runs[ports[0]] = procs.webconnector(ports[0], seed=number * 10 + 7)  # restarted
        elif number == 2:
            procs.kill_bridge(ports[0])
            kills["bridge"] = kills.get("bridge", 0) + 1
            procs.start_bridge(ports[0])
    for proc in runs.values():
        proc.wait()


def _due_wait(wh) -> None:
    """Sleep until the earliest waiting row is due (a lookup held back while QuickBooks may still be applying)."""
    from warehouse.states import SENDABLE, sql_list

    soonest = wh.scalar(
        f"SELECT min(next_attempt_at) FROM qbxml_outbox WHERE status IN {sql_list(*SENDABLE)} "
        "AND next_attempt_at IS NOT NULL"
    )
    if soonest is not None:
        from warehouse.audit import now

        time.sleep(min(10.0, max(0.0, (soonest - now()).total_seconds()) + 0.1))


def _outbox_moved(wh) -> int:
    """How far the bridge got: answers that settled a request or brought an iterator's next page. The drain goes on
    while sessions add to it (faults drop some of them); a lookup that keeps waiting is no progress."""
    return wh.scalar(
        "SELECT count(*) FROM audit_log WHERE actor = 'bridge' AND event IN ('done', 'linked', 'failed', 'page')"
    )


def _open_rows(wh) -> int:
    """Outbox rows, reference queries included, that still wait for an answer or a send."""
    from warehouse.states import LIVE, sql_list

    return wh.scalar(f"SELECT count(*) FROM qbxml_outbox WHERE status IN {sql_list(*LIVE)}")


def run_soak(
    records: int,
    *,
    database: str | None,
    seed: int,
    folder: Path,
    schema: str,
    progress: Callable[[str], None] = lambda _: None,
    sources: list[str] | None = None,
) -> SoakRun:
    """One soak on DuckDB (database None) or PostgreSQL (two bridges) of `sources` (default: every source with a
    soak checker), checked by each source's independent checker."""
    from sandbox.demo import DemoEnvironment
    from sandbox.demo_system import soaked_sources

    started = time.monotonic()
    dagster_home = folder / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").write_text(DAGSTER_YAML)
    run = SoakRun(backend="postgres" if database else "duckdb", records=records)
    env = DemoEnvironment(
        folder / "run", records=records, faults=True, seed=seed, database=database, schema=schema,
        dagster_home=dagster_home, progress=progress, sources=sources or soaked_sources(),
    )  # fmt: skip
    with env:
        procs = Processes(env, folder)
        try:
            progress("a Dagster sync run, killed with kill -9 mid-run, then recovered")
            _kill_a_dagster_run(env, procs, run.kills)
            progress("the sync again")
            env.sync()
            ports = [_free_port() for _ in range(2 if database else 1)]
            progress(f"{len(ports)} bridge(s)")
            for port in ports:
                procs.start_bridge(port)
            deadline = time.monotonic() + DEADLINE_SECONDS
            _rounds(env, procs, ports, run, deadline, progress)
            _drain(env, procs, ports, run, deadline, progress)
        finally:
            procs.close()
        progress("checking")
        checked = {name: system.soak_check(env) for name, system in env.systems.items()}
        run.reports = {name: report for name, report in checked.items() if report is not None}
    run.seconds = round(time.monotonic() - started, 1)
    run.peak_rss_mb = _peak_rss_mb()
    return run


def _rounds(env, procs: Processes, ports: list[int], run: SoakRun, deadline: float, progress) -> None:
    """Session rounds as the demo's: between them the firm acts in QuickBooks (pays bills) and people in the sources
    (revise or cancel a document QuickBooks has: those sources are pulled again); once a round changes nothing, each
    source's second act (corrections, re-deliveries) is synced and the rounds go on until quiet again."""
    from sandbox.demo import _cloud_waiting, _live_work, _queued_work, _requeue_assets, _response_assets, sync_assets

    second_act = False
    for number in range(1, MAX_ROUNDS + 1):
        run.rounds = number
        _due_wait(env.warehouse)
        progress(f"round {number}: Web Connector sessions")
        _session_round(env, procs, ports, number, run.kills)
        for system in env.systems.values():  # a source's own crash rehearsal (Salesforce: a run killed mid-write)
            system.before_fold(env, number)
            run.kills.update(system.kills())
        progress(f"round {number}: folding answers and queueing what they unblock")
        env._materialize(_response_assets(list(env.systems)))
        changed = env.in_quickbooks()  # what the firm does in QuickBooks between runs (pays bills)
        edited = env.in_sources()  # what people do in the sources meanwhile (revise, cancel)
        queued = _queued_work(env.warehouse)
        env._materialize(sync_assets(edited) if edited else _requeue_assets())
        quiet = not changed and not edited and _queued_work(env.warehouse) == queued
        quiet = quiet and _live_work(env.warehouse) == 0 and not _cloud_waiting(env.warehouse)
        if time.monotonic() > deadline:
            return
        if number > 2 and quiet:
            if second_act:
                return
            second_act = True
            if env.revise():
                progress(f"round {number}: second act, the sources' corrections and re-deliveries")
                env.sync()


def _drain(env, procs: Processes, ports: list[int], run: SoakRun, deadline: float, progress) -> None:
    """The last answers, the reference queries included (a long iterator pages through many sessions): sessions
    while they move the outbox, up to DRAIN_ROUNDS in a row that move nothing."""
    from sandbox.demo import _response_assets

    idle = 0
    while _open_rows(env.warehouse) and idle < DRAIN_ROUNDS and time.monotonic() < deadline:
        moved = _outbox_moved(env.warehouse)
        _due_wait(env.warehouse)
        progress("last rounds: draining what is still open")
        _session_round(env, procs, ports, 0, run.kills)
        env._materialize(_response_assets(list(env.systems)))
        idle = 0 if _outbox_moved(env.warehouse) != moved else idle + 1


def _peak_rss_mb() -> float:
    """Peak resident memory of this process and of its finished children, in MB (Linux reports KiB)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def register(app: typer.Typer) -> None:
    """Add `qbsync soak`."""

    @app.command()
    def soak(
        records: Annotated[
            int, typer.Option("--records", min=1, help="Records each source's simulator generates")
        ] = 300,
        database: Annotated[
            str, typer.Option("--database", help="postgresql://... to soak on PostgreSQL with two bridges")
        ] = "",
        schema: Annotated[str, typer.Option("--schema", help="PostgreSQL schema the soak drops and re-creates")] = (
            "qbsync_soak"
        ),
        seed: Annotated[int, typer.Option("--seed", help="Seed of the data and of every fault")] = 11,
        source: Annotated[
            list[str] | None,
            typer.Option("--source", help="Soak only this source (repeatable; default: every one with a soak checker)"),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    ) -> None:
        """Soak: every fault knob, kill -9 of the bridge, the Web Connector and a Dagster run; exit 1 unless clean."""
        from sandbox.demo_system import soaked_sources
        from warehouse.config import home

        folder = Path(tempfile.mkdtemp(prefix="soak-", dir=home()))
        began = time.monotonic()

        def progress(message: str) -> None:
            typer.echo(f"[{time.monotonic() - began:7.1f}s] {message}", err=True)

        unknown = sorted(set(source or ()) - set(soaked_sources()))
        if unknown:
            raise typer.BadParameter(f"{', '.join(unknown)}: no soak checker (these have one: {soaked_sources()})")
        run = run_soak(
            records, database=database or None, seed=seed, folder=folder, schema=schema, progress=progress,
            sources=source or None,
        )  # fmt: skip
        if as_json:
            typer.echo(json.dumps(run.as_json(), default=str))
        else:
            typer.echo(
                f"soak on {run.backend}: {records} records per source, {run.rounds} rounds, kills {run.kills}, "
                f"{run.seconds}s, peak {run.peak_rss_mb} MB"
            )
            for name, report in run.reports.items():
                typer.echo(f"-- {name}")
                for line in report.lines():
                    typer.echo(line)
        raise typer.Exit(0 if run.clean else 1)


def _sync_in_this_process(sources: list[str]) -> None:
    """The child side of `Processes.dagster_sync`: materialize the sync assets of `sources`."""
    import dagster as dg

    from sandbox.demo import QUIET, demo_resources, sync_assets
    from warehouse.store import Warehouse

    wh = Warehouse.from_env()
    with dg.DagsterInstance.get() as instance:
        dg.materialize(sync_assets(sources), resources=demo_resources(wh, sources), instance=instance, run_config=QUIET)


if __name__ == "__main__":
    _sync_in_this_process(sys.argv[1:])

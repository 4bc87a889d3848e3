"""`qbsync demo`: the whole sync on this machine: every source's simulator -> Dagster assets -> bridge -> sandbox
QuickBooks; each source takes part through its hook (sandbox.demo_system: how a source plugs in)."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import dagster as dg

    from data_checks.outcomes import Accounted

DEMO_USER = "demo"
DEMO_COMPANY = "demo"
DEMO_SCHEMA = "qbsync_demo"  # on PostgreSQL the demo owns this schema: dropped and re-created on every run
MAX_ROUNDS = 12
BAD_SHARE = 0.05  # share of generated records planted with one defect each (held in quarantine)
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


@dataclass
class DemoResult:
    """What the demo did, as `--json` prints it."""

    sources: dict[str, dict[str, int]]  # source -> rows landed per entity
    verified: dict[str, dict[str, int]]  # source -> its hook's figures (from its own truth and the company file)
    faults_fired: dict[str, dict[str, int]]  # source -> how often each fault of its simulator fired
    outbox: dict[str, int]
    quickbooks: dict[str, int]
    round_trips: int
    duplicates: int
    double_booked: int
    unreconciled: int
    quarantined: int  # records held (documents, suppliers, payments)
    seconds: float
    warehouse: str
    company_file: str
    password: str = field(repr=False)
    accounted: list[Accounted] = field(default_factory=list)  # every staged document by outcome (data_checks.outcomes)

    def as_json(self) -> dict[str, Any]:
        """The figures, with `documents`: source -> kind -> landed, each outcome and the not-eligible statuses."""
        out = {k: v for k, v in self.__dict__.items() if k not in ("password", "accounted")}
        out["documents"] = {}
        for e in self.accounted:
            figures: dict[str, Any] = {"landed": e.landed, **e.outcomes}
            if e.not_eligible:
                figures["not_eligible_statuses"] = dict(e.not_eligible)
            out["documents"].setdefault(e.source_system, {})[e.source_kind] = figures
        return out


def register(app: typer.Typer) -> None:
    """Add the demo command."""

    @app.command()
    def demo(
        records: int = typer.Option(200, "--records", min=1, help="Records each source's simulator generates"),
        faults: bool = typer.Option(False, "--faults", help="Turn on every fault knob of every simulator"),
        stage_only: bool = typer.Option(False, "--stage-only", help="Stop with the outbox filled, bridge not started"),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
        seed: int = typer.Option(7, "--seed", help="Seed of the generated data and of the faults"),
        bill_on: str = typer.Option(None, "--bill-on", help="po | invoice (default: each source's declared policy)"),
        invoice_difference: str = typer.Option(
            None, "--invoice-difference", help="adjust | hold: an invoice that differs from its billed PO"
        ),
        database: str = typer.Option(
            "",
            "--database",
            envvar="QBSYNC_DATABASE_URL",
            help="postgresql://... to run on PostgreSQL (default: QBSYNC_DATABASE_URL, else a fresh DuckDB file)",
        ),
        schema: str = typer.Option(
            DEMO_SCHEMA, "--schema", help="PostgreSQL schema the demo drops and re-creates for itself"
        ),
    ) -> None:
        """Run the end-to-end demo on a fresh warehouse (DuckDB, or PostgreSQL) with the sandbox simulators."""
        with _progress(enabled=not as_json and sys.stdout.isatty()) as show, _busy_exits():
            result = run_demo(
                records=records,
                faults=faults,
                stage_only=stage_only,
                seed=seed,
                progress=show,
                database=database or None,
                schema=schema,
                policy={"bill_on": bill_on, "invoice_difference": invoice_difference},
            )
        if as_json:
            typer.echo(json.dumps(result.as_json()))
            typer.echo(f"Web Connector user {DEMO_USER}, password {result.password}", err=True)
        else:
            _print_summary(result, stage_only)


# -- the run ---------------------------------------------------------------------------------------


def run_demo(
    *,
    records: int,
    faults: bool,
    stage_only: bool,
    seed: int,
    progress: Callable[[str], None] = lambda _: None,
    database: str | None = None,
    schema: str = DEMO_SCHEMA,
    policy: dict[str, str | None] | None = None,
) -> DemoResult:
    """Generate every demo source's data, sync it through every asset and the bridge into a fresh sandbox company
    file, on a fresh DuckDB file or, with `database` (postgresql://...), in a fresh `schema` of that server."""
    from warehouse.config import home

    if database and database.startswith("duckdb:"):
        database = None  # the demo's DuckDB warehouse is always its own fresh file under $QBSYNC_HOME/demo
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", schema):
        raise typer.BadParameter(f"--schema {schema!r}: use letters, digits and underscores")
    started = time.monotonic()
    env = DemoEnvironment(
        home() / "demo",
        records=records,
        faults=faults,
        seed=seed,
        progress=progress,
        database=database,
        schema=schema,
        policy=policy,
    )
    with env:
        progress("pulling the sources and queueing QuickBooks requests")
        env.sync()
        if stage_only:
            return env.result(round_trips=0, seconds=round(time.monotonic() - started, 1))
        trips = env.deliver()
        progress("syncing again with nothing changed at the sources")
        resent, more = env.sync_again()
        trips += more
        if env.revise():
            progress("second act: the sources' corrections and re-deliveries")
            env.sync()
            trips += env.deliver()
        return env.result(round_trips=trips, seconds=round(time.monotonic() - started, 1), resent=resent)


class DemoBusy(RuntimeError):
    """Another demo (or soak, or test) is running in the same folder: starting would delete its warehouse and company
    file under it (its bridge then reads this run's companies and fails authentication, its runs this run's
    connections to simulators that are gone, and it hangs or fails)."""


def _hold(folder: Path):
    """An exclusive lock on `folder` for the life of a run (a file beside it, so the folder can be emptied): the open
    lock file, closed to release it; DemoBusy when another run holds it."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    lock = open(folder.parent / f".{folder.name}.lock", "a+")  # noqa: SIM115 - held open for the run
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "another process"
        lock.close()
        raise DemoBusy(
            f"another qbsync demo ({holder}) is running in {folder}: wait for it to finish, or give this one its own "
            "folder (QBSYNC_HOME=/some/other/folder qbsync demo)"
        ) from None
    lock.truncate(0)
    lock.write(f"pid {os.getpid()}")
    lock.flush()
    return lock


class DemoEnvironment:
    """The demo's parts, alive from `with` to its end so a run can be repeated on the same state: a fresh folder
    with the DuckDB warehouse and the company file, each source's generated data served by its simulator (its
    hook: `systems[name]`, see sandbox.demo_system), the demo company, and one Dagster instance.

    `sync()` pulls every source (only what changed since the last pull) through staging, matching and checks into
    the outbox; `deliver()` runs the Web Connector rounds until nothing is left. Between steps a caller may edit a
    system's data (an upstream fix) or set `qb_faults` (the company file's fault knobs for the next deliveries).
    """

    def __init__(
        self,
        folder: Path,
        *,
        records: int,
        faults: bool = False,
        seed: int = 7,
        bad_share: float = BAD_SHARE,
        country: str = "US",
        policy: dict[str, str | None] | None = None,
        progress: Callable[[str], None] = lambda _: None,
        database: str | None = None,
        schema: str = DEMO_SCHEMA,
        dagster_home: Path | None = None,
        sources: list[str] | None = None,
    ):
        from sandbox.demo_system import DemoOptions, demo_systems
        from sandbox.quickbooks.faults import Faults

        self.folder = folder
        self.database = database
        self.schema = schema
        self.dagster_home = dagster_home  # a persistent instance (pools enforced) instead of an ephemeral one
        self.faults = faults
        self.seed = seed
        self.requested_policy = {k: v for k, v in (policy or {}).items() if v}
        self.progress = progress
        self.country = country
        options = DemoOptions(records=records, seed=seed, faults=faults, bad_share=bad_share, country=country)
        self.systems = demo_systems(options, only=sources)
        self.password = secrets.token_urlsafe(12)
        self.company_path = folder / "company.sqlite"
        self.qb_faults = Faults(seed=seed, transient_rate=0.05, lose_response_rate=0.05) if faults else None

    def __enter__(self) -> DemoEnvironment:
        self._lock = _hold(self.folder)  # before the folder is emptied: never under another run's feet
        try:
            return self._enter()
        except BaseException:
            self._lock.close()
            raise

    def _enter(self) -> DemoEnvironment:
        import dagster as dg

        from sandbox.demo_system import DEMO_INSTANCE
        from sandbox.quickbooks.company import CompanyFile
        from warehouse.connections import save
        from warehouse.store import Warehouse

        shutil.rmtree(self.folder, ignore_errors=True)  # the demo's own folder: every run starts from nothing
        self.folder.mkdir(parents=True)
        if self.database:
            self.warehouse = Warehouse(self.database, schema=self.schema)
            with self.warehouse.connect() as conn:  # the demo's own schema: every run starts from nothing
                conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
        else:
            self.warehouse = Warehouse(f"duckdb:///{self.folder / 'warehouse.duckdb'}")
        self.warehouse.migrate()
        _add_company(self.warehouse, self.password, self.country)
        with self.warehouse.connect() as conn:
            for system in self.systems.values():
                system.configure(conn, DEMO_COMPANY)
            if self.requested_policy:
                from operations.company_policy import set_policy

                set_policy(conn, DEMO_COMPANY, [], **self.requested_policy)
        with CompanyFile.create(self.company_path, country=self.country) as company:
            for system in self.systems.values():
                system.seed_books(company)
        with ExitStack() as stack:
            for name, system in self.systems.items():
                system.running = stack.enter_context(system.simulator())
                stack.callback(setattr, system, "running", None)
                settings, hidden = system.connection(system.running.base_url)
                with self.warehouse.connect() as conn:  # as an operator's `qbsync connection add <name>` would
                    save(conn, name, DEMO_INSTANCE, settings, hidden)
            if self.dagster_home:
                instance = stack.enter_context(dg.DagsterInstance.from_config(str(self.dagster_home)))
            else:
                instance = stack.enter_context(dg.DagsterInstance.ephemeral())
            self.instance = instance
            resources = demo_resources(self.warehouse, list(self.systems))
            self._materialize = partial(_materialize, resources=resources, instance=instance)
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self._stack.close()
            self.warehouse.close()
        finally:
            self._lock.close()

    def sync(self) -> None:
        """Land what changed in every source, restage, match, check (quarantine/release) and queue the requests."""
        self._materialize(sync_assets(list(self.systems)))

    def deliver(self) -> int:
        """Rounds of Web Connector sessions, folding and re-queueing, until a re-queue added nothing and a last
        session has answered everything (the reference queries it queued included), then sessions while cloud writes
        wait (each fold runs the feedback that sends them); returns the round trips."""
        from qbwc_bridge.server import start_in_thread
        from qbwc_bridge.settings import BridgeSettings
        from sandbox.quickbooks.company import CompanyFile

        wh = self.warehouse
        # The demo compresses the Web Connector's schedule into back-to-back rounds: a session dropped by a fault is
        # abandoned after 2 s (not the production 5 minutes), or every later round would be answered "busy"; and its
        # Adds are re-added after a lookup that finds nothing 2 s after they went out (not the production 10 minutes).
        settings = BridgeSettings.from_env(retry_delay_seconds=0, session_idle_seconds=2, answer_wait_seconds=2)
        bridge = start_in_thread(wh, settings)
        trips = 0
        try:
            with CompanyFile.create(self.company_path, country=self.country, faults=self.qb_faults) as company:
                for number in range(1, MAX_ROUNDS + 1):
                    trips += self._session(bridge, company, number)
                    changed = self.in_quickbooks()
                    edited = self.in_sources()
                    self.progress(f"round {number}: queueing what the responses unblock")
                    before = _queued_work(wh)
                    self._materialize(sync_assets(edited) if edited else _requeue_assets())
                    if not changed and not edited and _queued_work(wh) == before and _live_work(wh) == 0:
                        break
                trips += self._session(bridge, company, number + 1)
                for extra in range(number + 2, number + 2 + MAX_ROUNDS):  # writes a run left queued (a daily limit)
                    if not _cloud_waiting(wh):
                        break
                    trips += self._session(bridge, company, extra)
        finally:
            bridge.stop()
        return trips

    def in_quickbooks(self) -> int:
        """What each source's hook does in QuickBooks between Web Connector runs (e.g. pays bills): changes made."""
        return sum(system.in_quickbooks(self.company_path) for system in self.systems.values())

    def in_sources(self) -> list[str]:
        """What each source's hook changes in its source between Web Connector runs (e.g. revises a document whose
        bill QuickBooks has): the sources changed, which the demo pulls again."""
        return [name for name, system in self.systems.items() if system.in_source(self.company_path)]

    def sync_again(self) -> tuple[dict[str, int], int]:
        """A second sync and delivery with nothing changed at the sources: (per source whose simulator counts the
        writes it receives, how many arrived meanwhile (0: nothing unchanged is sent again), round trips)."""
        before = {name: system.writes_received() for name, system in self.systems.items()}
        self.sync()
        trips = self.deliver()
        resent = {name: self.systems[name].writes_received() - n for name, n in before.items() if n is not None}
        return resent, trips

    def revise(self) -> bool:
        """Each source's second act (DemoSystem.revise); True when any of them changed its data."""
        return any([system.revise() for system in self.systems.values()])

    def _session(self, bridge, company, number: int) -> int:
        """Web Connector sessions until the bridge has nothing more, then the fold of their answers; round trips."""
        from sandbox.webconnector.client import ClientFaults, WebConnector

        self.progress(f"round {number}: Web Connector sessions against the sandbox company file")

        def connector(**knobs) -> WebConnector:
            client_faults = ClientFaults(seed=self.seed + number, **knobs) if self.faults else None
            return WebConnector(bridge.soap_url, DEMO_USER, self.password, company, faults=client_faults, noop_wait=0.2)

        if self.faults and number == 1:  # QuickBooks closed on the first scheduled run: connectionError, no change
            connector(quickbooks_not_running=True).run_session()
        sessions = connector(drop_after_send_rate=0.05, hresult_rate=0.03).run_until_idle()
        trips = sum(s.round_trips for s in sessions)
        for system in self.systems.values():
            system.before_fold(self, number)
        self.progress(f"round {number}: folding responses")
        self._materialize(_response_assets(list(self.systems)))
        return trips

    def policy(self, source: str) -> dict[str, str]:
        """The demo company's procure-to-pay policy for `source` (bill_on, invoice_difference)."""
        row = self.warehouse.records(
            "SELECT bill_on, invoice_difference FROM company_sources WHERE company = ? AND source_system = ?",
            [DEMO_COMPANY, source],
        )[0]
        return {"bill_on": row["bill_on"], "invoice_difference": row["invoice_difference"]}

    def on_cancel(self, source: str) -> str:
        """What the demo company does with the bill of a `source` document cancelled after booking: hold or void."""
        return self.warehouse.scalar(
            "SELECT on_cancel FROM company_sources WHERE company = ? AND source_system = ?", [DEMO_COMPANY, source]
        )

    def result(self, *, round_trips: int, seconds: float, resent: dict[str, int] | None = None) -> DemoResult:
        """The figures of the run so far: sources, outbox, company file (duplicates, unreconciled), quarantine;
        `resent` (sync_again) adds each counting source's `second_sync_writes`."""
        from sandbox.demo_system import Books

        wh = self.warehouse
        books = Books.read(self.company_path)
        verdicts = {name: system.verify(books, self.policy(name)) for name, system in self.systems.items()}
        explained = set().union(*(v.bills for v in verdicts.values()))
        credited = set().union(*(v.credits for v in verdicts.values()))
        unexplained = sum(1 for b in books.bills if b.get("RefNumber") not in explained)
        unexplained += sum(1 for c in books.vendor_credits if c.get("RefNumber") not in credited)
        return DemoResult(
            sources={name: system.landed(wh) for name, system in self.systems.items()},
            verified={
                name: {**v.figures, **({"second_sync_writes": resent[name]} if name in (resent or {}) else {})}
                for name, v in verdicts.items()
            },
            faults_fired={name: system.faults_fired() for name, system in self.systems.items()},
            outbox=_outbox_counts(wh),
            quickbooks={
                "vendors": len(books.vendors),
                "bills": len(books.bills),
                "vendor_credits": len(books.vendor_credits),
                "bill_payments": len(books.payments),
            },
            duplicates=_duplicates(books),
            double_booked=sum(v.figures.get("double_booked", 0) for v in verdicts.values()),
            unreconciled=unexplained + sum(v.figures.get("unreconciled", 0) for v in verdicts.values()),
            round_trips=round_trips,
            quarantined=wh.scalar("SELECT count(DISTINCT record_key) FROM quarantine WHERE released_at IS NULL"),
            accounted=_accounted(wh),
            seconds=seconds,
            warehouse=wh.describe(),
            company_file=str(self.company_path),
            password=self.password,
        )


# -- pieces ----------------------------------------------------------------------------------------


@contextmanager
def _busy_exits() -> Iterator[None]:
    """A demo already running in this QBSYNC_HOME: say so and exit 1, no traceback."""
    try:
        yield
    except DemoBusy as exc:
        typer.echo(f"qbsync demo: {exc}", err=True)
        raise typer.Exit(1) from None


def _accounted(wh) -> list[Accounted]:
    """Every staged document of the demo company by outcome, per source and kind."""
    from data_checks.outcomes import accounted

    with wh.connect() as conn:
        return accounted(conn, DEMO_COMPANY)


def _add_company(wh, password: str, country: str) -> None:
    """The demo company (Web Connector user `demo`), fed by every declared source, paying from the sandbox bank."""
    from qbwc_bridge.companies import add
    from sandbox.quickbooks.seed import BANK_ACCOUNT

    with wh.connect() as conn:
        add(conn, DEMO_COMPANY, DEMO_USER, password, country=country)
        conn.execute("UPDATE companies SET payment_bank_account = ? WHERE company = ?", [BANK_ACCOUNT, DEMO_COMPANY])


def demo_resources(wh, sources: list[str]) -> dict[str, Any]:
    """The demo's resources: the warehouse, and each source's API from its stored connection "demo" (the demo
    stores it as an operator's `qbsync connection add <source> --instance demo` would)."""
    from resources.source_api import SourceApiResource
    from resources.warehouse import WarehouseResource
    from sandbox.demo_system import DEMO_INSTANCE

    apis = {
        name: SourceApiResource(source=name, instance=DEMO_INSTANCE, database_url=wh.url, schema_name=wh.schema)
        for name in sources
    }
    return {"warehouse": WarehouseResource(database_url=wh.url, schema_name=wh.schema), **apis}


def sync_assets(sources: list[str]) -> list:
    """Landing of `sources`, then the shared staging, matching and outbox assets."""
    from assets.landing import landing_assets
    from assets.matching import matching_assets
    from assets.outbox import outbox_assets
    from assets.staging import staging_assets
    from sources import registry

    landing = [asset for name in sources for asset in landing_assets(registry.get(name))]
    return [*landing, *staging_assets(), *matching_assets, *outbox_assets]


def _requeue_assets() -> list:
    """What a fold can unblock (vendors now known, accounts now real, bills now in QuickBooks): landing and staging
    run again only for a source its hook changed between rounds (sync_assets)."""
    from assets.matching import matching_assets
    from assets.outbox import outbox_assets

    return [*matching_assets, *outbox_assets]


def _response_assets(sources: list[str]) -> list:
    """The QuickBooks mirror, then the feedback of the demo's sources (only they have a resource here)."""
    from assets.feedback import feedback_assets
    from assets.quickbooks import qb_mirror

    return [qb_mirror, *(a for a in feedback_assets() if a.key.path[0] in sources)]


def _materialize(assets: list, *, resources: dict[str, Any], instance: dg.DagsterInstance) -> None:
    import dagster as dg

    logging.getLogger("dagster").setLevel(logging.ERROR)
    result = dg.materialize(assets, resources=resources, instance=instance, run_config=QUIET, raise_on_error=True)
    if not result.success:
        raise RuntimeError("a demo materialization failed")


def _queued_work(wh) -> int:
    """Requests other than reference queries ever queued (a sync that adds none has nothing new)."""
    return wh.scalar("SELECT count(*) FROM qbxml_outbox WHERE op NOT LIKE '%Query'")


def _live_work(wh) -> int:
    """Requests still open: every one but the reference queries, which are asked again each round, except a
    company's first read of a list (what it unblocks, e.g. its VendorAdds, is not queued before)."""
    from warehouse.states import LIVE, sql_list

    return wh.scalar(
        f"SELECT count(*) FROM qbxml_outbox o WHERE o.status IN {sql_list(*LIVE)} AND (o.op NOT LIKE '%Query' "
        "OR NOT EXISTS (SELECT 1 FROM qbxml_outbox d WHERE d.company = o.company AND d.op = o.op "
        "AND d.status = 'done'))"
    )


def _cloud_waiting(wh) -> int:
    """Cloud writes still queued (a source's run stopped at its API budget leaves them for the next run)."""
    from warehouse.states import CloudWrite

    return wh.scalar(
        "SELECT count(*) FROM cloud_outbox WHERE status IN (?, ?)", [CloudWrite.PENDING, CloudWrite.SENDING]
    )


def _outbox_counts(wh) -> dict[str, int]:
    from warehouse.outbox import status_counts
    from warehouse.states import LIVE, Request

    with wh.connect() as conn:
        by_status: Counter[str] = Counter()
        for row in status_counts(conn):
            by_status[row["status"]] += row["n"]
    return {
        "total": sum(by_status.values()),
        "done": by_status.get(Request.DONE, 0),
        "failed": by_status.get(Request.FAILED, 0),
        "pending": sum(by_status.get(s, 0) for s in LIVE),
    }


# -- checking the company file ----------------------------------------------------------------------


def _duplicates(books) -> int:
    """Objects that repeat another: vendors by AccountNumber, bills and vendor credits by (vendor, RefNumber),
    payments by RefNumber."""
    from sandbox.demo_system import ref_name

    keys = Counter(("vendor", v.get("AccountNumber")) for v in books.vendors if v.get("AccountNumber"))
    keys += Counter(("bill", ref_name(b, "VendorRef"), b.get("RefNumber")) for b in books.bills)
    keys += Counter(("credit", ref_name(c, "VendorRef"), c.get("RefNumber")) for c in books.vendor_credits)
    keys += Counter(("payment", p.get("RefNumber")) for p in books.payments if p.get("RefNumber"))
    return sum(n - 1 for n in keys.values())


# -- output ----------------------------------------------------------------------------------------


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A one-line rich status (spinner, elapsed time, current step) on a terminal; silent otherwise."""
    if not enabled:
        yield lambda _: None
        return
    from rich.console import Console

    started = time.monotonic()
    with Console(stderr=True).status("starting") as status:
        yield lambda message: status.update(f"[{time.monotonic() - started:5.1f}s] {message}")


# How the product survives each fault the simulators fire (the demo's summary says it next to the count).
SURVIVED = {
    "rate_limited": "waited as Retry-After says, then retried",
    "server_errors": "retried with backoff",
    "slow_answers": "timed out and retried",
    "token_revocations": "took a new token",
    "unauthorized": "took a new token once, then retried",
}


def _print_summary(result: DemoResult, stage_only: bool) -> None:
    from data_checks.outcomes import held_documents, text_table
    from sources import registry

    out = result.as_json()
    titles = {s.name: s.title for s in registry.all_sources()}
    typer.echo(f"qbsync demo finished in {result.seconds}s")
    for line in text_table(result.accounted, titles):
        typer.echo(f"  {line}")
    for name in out["sources"]:
        checked = ", ".join(f"{k} {v}" for k, v in out["verified"][name].items())
        typer.echo(f"  {titles[name]} checked against its own truth: {checked}")
        fired = {k: v for k, v in out["faults_fired"][name].items() if v}
        if fired:
            survived = "; ".join(f"{k} {v} ({SURVIVED.get(k, 'retried')})" for k, v in fired.items())
            typer.echo(f"  {titles[name]} faults fired and survived: {survived}")
    box = out["outbox"]
    typer.echo(
        f"  outbox:      {box['total']} requests: {box['done']} done, {box['failed']} failed, {box['pending']} open"
    )
    if stage_only:
        typer.echo("  bridge:      not started (--stage-only); the outbox waits for the Web Connector")
    else:
        books = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in out["quickbooks"].items())
        typer.echo(f"  QuickBooks:  {books} in {result.round_trips} round trips")
    typer.echo(
        f"  duplicates:  {result.duplicates}   purchases booked twice: {result.double_booked}   "
        f"unreconciled: {result.unreconciled}"
    )
    held = held_documents(result.accounted)
    typer.echo(
        f"  quarantined: {result.quarantined} records held for review: {held} documents (the report's count), "
        f"{result.quarantined - held} suppliers or payments"
    )
    typer.echo(f"  warehouse:   {result.warehouse}")
    if result.warehouse.startswith("duckdb:"):
        where = "QBSYNC_DATABASE_URL=duckdb://" + result.warehouse.removeprefix("duckdb:")
    else:
        where = f"QBSYNC_DATABASE_URL=<the --database URL> QBSYNC_DATABASE_SCHEMA={DEMO_SCHEMA}"
    typer.echo(f"  look closer: {where} qbsync report   (or: qbsync audit <record key>)")
    typer.echo(f"  company:     {result.company_file}")
    typer.echo(f"  Web Connector user {DEMO_USER}, password {result.password}")

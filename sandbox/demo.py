"""`qbsync demo`: the whole sync on this machine: sandbox Coupa -> Dagster assets -> bridge -> sandbox QuickBooks."""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import dagster as dg

DEMO_USER = "demo"
DEMO_COMPANY = "demo"
DEMO_SCHEMA = "qbsync_demo"  # on PostgreSQL the demo owns this schema: dropped and re-created on every run
MAX_ROUNDS = 12
BAD_SHARE = 0.05  # share of generated records planted with one defect each (held in quarantine)
# Generated Coupa GL accounts onto the sandbox company's chart (sandbox.quickbooks.seed), cost centres onto classes.
GL_TO_QB = {
    "5000": "Cost of Goods Sold",
    "6100": "Office Supplies",
    "6110": "Computer and Internet Expenses",
    "6200": "Computer and Internet Expenses",
    "6300": "Travel",
    "6400": "Professional Fees",
    "6500": "Professional Fees",
    "6600": "Rent Expense",
    "6700": "Utilities",
    "6800": "Repairs and Maintenance",
    "6900": "Professional Fees",
    "7100": "Computer and Internet Expenses",
    "7200": "Professional Fees",
    "7300": "Office Supplies",
}
# Generated Coupa tax codes onto the sales tax codes of a Canadian or UK sandbox company file (purchase tax).
TAX_TO_QB = {
    "CA": {"HST-ON": "H", "GST": "G", "CA-EXEMPT": "E"},
    "UK": {"VAT-STD": "S", "VAT-RED": "R", "VAT-ZERO": "Z"},
}
CC_TO_CLASS = {"100": "Admin", "200": "Sales", "210": "Sales", "300": "R&D", "400": "Operations", "500": "Admin"}
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


@dataclass
class DemoResult:
    """What the demo did, as `--json` prints it."""

    sources: dict[str, dict[str, int]]
    outbox: dict[str, int]
    quickbooks: dict[str, int]
    round_trips: int
    duplicates: int
    double_booked: int
    unreconciled: int
    quarantined: int
    seconds: float
    warehouse: str
    company_file: str
    password: str = field(repr=False)

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "password"}


def register(app: typer.Typer) -> None:
    """Add the demo command."""

    @app.command()
    def demo(
        records: int = typer.Option(200, "--records", min=1, help="Coupa purchase orders to generate"),
        faults: bool = typer.Option(False, "--faults", help="Turn on every fault knob of every simulator"),
        stage_only: bool = typer.Option(False, "--stage-only", help="Stop with the outbox filled, bridge not started"),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
        seed: int = typer.Option(7, "--seed", help="Seed of the generated data and of the faults"),
        bill_on: str = typer.Option(None, "--bill-on", help="po | invoice (default: Coupa's declared policy)"),
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
        with _progress(enabled=not as_json and sys.stdout.isatty()) as show:
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
    """Generate Coupa data, sync it through every asset and the bridge into a fresh sandbox company file, on a
    fresh DuckDB file or, with `database` (postgresql://...), in a fresh `schema` of that server."""
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
        progress("pulling Coupa and queueing QuickBooks requests")
        env.sync()
        trips = 0 if stage_only else env.deliver()
        return env.result(round_trips=trips, seconds=round(time.monotonic() - started, 1))


class DemoEnvironment:
    """The demo's parts, alive from `with` to its end so a run can be repeated on the same state: a fresh folder
    with the DuckDB warehouse and the company file, the generated Coupa dataset served by the sandbox Coupa API,
    the demo company, and one Dagster instance.

    `sync()` pulls Coupa (only what changed since the last pull) through staging, matching and checks into the
    outbox; `deliver()` runs the Web Connector rounds until nothing is left. Between steps a caller may edit
    `dataset` (an upstream fix) or set `qb_faults` (the company file's fault knobs for the next deliveries).
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
    ):
        from sandbox.coupa.generator import generate
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
        self.dataset = generate(
            seed, suppliers=max(5, records // 8), purchase_orders=records, bad_share=bad_share, country=country
        )
        self.password = secrets.token_urlsafe(12)
        self.company_path = folder / "company.sqlite"
        self.qb_faults = Faults(seed=seed, transient_rate=0.05, lose_response_rate=0.05) if faults else None

    def __enter__(self) -> DemoEnvironment:
        import dagster as dg

        from sandbox.quickbooks.company import CompanyFile
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
        _add_company(self.warehouse, self.dataset, self.password, self.country)
        if self.requested_policy:
            from operations.company_policy import set_policy

            with self.warehouse.connect() as conn:
                set_policy(conn, DEMO_COMPANY, [], **self.requested_policy)
        CompanyFile.create(self.company_path, country=self.country).close()
        with ExitStack() as stack:
            coupa_secret = secrets.token_urlsafe(16)
            coupa = stack.enter_context(_coupa(self.dataset, coupa_secret, self.faults, self.seed))
            if self.dagster_home:
                instance = stack.enter_context(dg.DagsterInstance.from_config(str(self.dagster_home)))
            else:
                instance = stack.enter_context(dg.DagsterInstance.ephemeral())
            self.instance, self.coupa = instance, coupa
            self.coupa_secret = coupa_secret
            resources = _resources(self.warehouse, coupa.base_url, coupa_secret)
            self._materialize = partial(_materialize, resources=resources, instance=instance)
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.close()
        self.warehouse.close()

    def sync(self) -> None:
        """Land what changed in Coupa, restage, match, check (quarantine/release) and queue the requests."""
        self._materialize(_sync_assets())

    def deliver(self) -> int:
        """Rounds of Web Connector sessions, folding and re-queueing, until a re-queue added nothing and a last
        session has answered everything (the reference queries it queued included); returns the round trips."""
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
                    self.progress(f"round {number}: queueing what the responses unblock")
                    before = _queued_work(wh)
                    self._materialize(_requeue_assets())
                    if _queued_work(wh) == before and _live_work(wh) == 0:
                        break
                trips += self._session(bridge, company, number + 1)
        finally:
            bridge.stop()
        return trips

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
        self.progress(f"round {number}: folding responses")
        self._materialize(_response_assets())
        return trips

    def policy(self) -> dict[str, str]:
        """The demo company's procure-to-pay policy for Coupa (bill_on, invoice_difference)."""
        row = self.warehouse.records(
            "SELECT bill_on, invoice_difference FROM company_sources WHERE company = ? AND source_system = 'coupa'",
            [DEMO_COMPANY],
        )[0]
        return {"bill_on": row["bill_on"], "invoice_difference": row["invoice_difference"]}

    def result(self, *, round_trips: int, seconds: float) -> DemoResult:
        """The figures of the run so far: sources, outbox, company file (duplicates, unreconciled), quarantine."""
        wh = self.warehouse
        return DemoResult(
            sources={"coupa": _source_counts(wh)},
            outbox=_outbox_counts(wh),
            **_company_file_figures(self.company_path, self.dataset, self.policy()),
            round_trips=round_trips,
            quarantined=wh.scalar("SELECT count(DISTINCT record_key) FROM quarantine WHERE released_at IS NULL"),
            seconds=seconds,
            warehouse=wh.describe(),
            company_file=str(self.company_path),
            password=self.password,
        )


# -- pieces ----------------------------------------------------------------------------------------


def _add_company(wh, dataset, password: str, country: str) -> None:
    """The demo company (Web Connector user `demo`) with Coupa accounts mapped onto the sandbox chart (and, in a
    country with purchase tax, Coupa tax codes onto the file's sales tax codes)."""
    import pandas as pd

    from qbwc_bridge.companies import add
    from sandbox.quickbooks.seed import BANK_ACCOUNT

    codes = [a["code"] for a in dataset.accounts]
    accounts = pd.DataFrame(
        {"company": DEMO_COMPANY, "source_system": "coupa", "source_account_code": codes,
         "qb_account_name": [GL_TO_QB.get(c.split("-")[0]) for c in codes]}
    ).dropna()  # fmt: skip
    classes = pd.DataFrame(
        {"company": DEMO_COMPANY, "source_system": "coupa", "cost_centre": list(CC_TO_CLASS),
         "qb_class_name": list(CC_TO_CLASS.values())}
    )  # fmt: skip
    taxes = TAX_TO_QB.get(country, {})
    tax_codes = pd.DataFrame(
        {"company": DEMO_COMPANY, "source_system": "coupa", "source_tax_code": list(taxes),
         "qb_sales_tax_code": list(taxes.values())}
    )  # fmt: skip
    with wh.connect() as conn:
        add(conn, DEMO_COMPANY, DEMO_USER, password, country=country)
        conn.execute("UPDATE companies SET payment_bank_account = ? WHERE company = ?", [BANK_ACCOUNT, DEMO_COMPANY])
        conn.load("account_mappings", accounts)
        conn.load("cost_centre_mappings", classes)
        if taxes:
            conn.load("tax_code_mappings", tax_codes)


COUPA_CLIENT_ID = "qbsync-demo"
DEMO_COUPA_INSTANCE = "demo"


def _coupa(dataset, secret: str, faults: bool, seed: int):
    from sandbox.coupa.faults import CoupaFaults
    from sandbox.coupa.server import CoupaSandbox

    knobs = (
        CoupaFaults(seed=seed, revoke_tokens_at=(3,), error_rate=0.05, errors_at=(2,), slow_rate=0.02,
                    slow_seconds=0.05)
        if faults
        else None
    )  # fmt: skip
    limit = 25 if faults else None  # Coupa's 25 requests/s (429s) is one of the faults
    return CoupaSandbox(dataset, client_id=COUPA_CLIENT_ID, client_secret=secret, faults=knobs, rate_limit_per_s=limit)


def _resources(wh, coupa_url: str, coupa_secret: str) -> dict[str, Any]:
    """The demo's resources; the sandbox Coupa's credentials go through the encrypted connection store, as an
    operator's `qbsync connection add coupa --instance demo` would put them."""
    from resources.source_api import SourceApiResource
    from resources.warehouse import WarehouseResource
    from warehouse.connections import save

    with wh.connect() as conn:
        save(conn, "coupa", DEMO_COUPA_INSTANCE, {"base_url": coupa_url, "client_id": COUPA_CLIENT_ID},
             {"client_secret": coupa_secret})  # fmt: skip

    return {
        "warehouse": WarehouseResource(database_url=wh.url, schema_name=wh.schema),
        "coupa": SourceApiResource(
            source="coupa", instance=DEMO_COUPA_INSTANCE, database_url=wh.url, schema_name=wh.schema
        ),
    }


def _sync_assets() -> list:
    from assets.landing import landing_assets
    from assets.matching import matching_assets
    from assets.outbox import outbox_assets
    from assets.staging import staging_assets
    from sources import registry

    return [*landing_assets(registry.get("coupa")), *staging_assets(), *matching_assets, *outbox_assets]


def _requeue_assets() -> list:
    """What a fold can unblock (vendors now known, accounts now real, bills now in QuickBooks): Coupa itself
    does not change during the demo, so landing and staging need not run again."""
    from assets.matching import matching_assets
    from assets.outbox import outbox_assets

    return [*matching_assets, *outbox_assets]


def _response_assets() -> list:
    from assets.feedback import feedback_assets, feedback_key
    from assets.quickbooks import qb_mirror
    from sources import registry

    coupa = feedback_key(registry.get("coupa"))  # the one source this demo runs
    return [qb_mirror, *(a for a in feedback_assets() if a.key == coupa)]


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
    return wh.scalar(
        "SELECT count(*) FROM qbxml_outbox WHERE status IN ('pending', 'sent', 'retry', 'unknown') "
        "AND op NOT LIKE '%Query'"
    )


def _source_counts(wh) -> dict[str, int]:
    return {
        entity: wh.scalar(f"SELECT count(*) FROM raw_coupa_{entity}")
        for entity in ("suppliers", "purchase_orders", "invoices", "payments")
    }


def _outbox_counts(wh) -> dict[str, int]:
    from warehouse.outbox import status_counts

    with wh.connect() as conn:
        by_status: Counter[str] = Counter()
        for row in status_counts(conn):
            by_status[row["status"]] += row["n"]
    live = sum(by_status.get(s, 0) for s in ("pending", "sent", "retry", "unknown"))
    return {
        "total": sum(by_status.values()),
        "done": by_status.get("done", 0),
        "failed": by_status.get("failed", 0),
        "pending": live,
    }


# -- checking the company file against the source ---------------------------------------------------


def _company_file_figures(path: Path, dataset, policy: dict[str, str]) -> dict[str, Any]:
    """Vendors, bills and bill payments in the company file; duplicates, purchases booked twice and unreconciled
    documents, judged from the company file and the generator's truth only (not from the warehouse)."""
    from sandbox.coupa.truth import expected
    from sandbox.quickbooks.company import CompanyFile

    truth = expected(dataset, **policy)
    with CompanyFile(path) as company:
        vendors = company.objects("Vendor")
        bills = company.objects("Bill")
        payments = company.objects("BillPaymentCheck")
    return {
        "quickbooks": {"vendors": len(vendors), "bills": len(bills), "bill_payments": len(payments)},
        "duplicates": _duplicates(vendors, bills, payments),
        "double_booked": truth.double_booked([b.get("RefNumber") for b in bills]),
        "unreconciled": _unreconciled(bills, payments, truth),
    }


def _ref(obj: dict, name: str) -> str | None:
    value = obj.get(name)
    return value.get("FullName") if isinstance(value, dict) else None


def _duplicates(vendors: list[dict], bills: list[dict], payments: list[dict]) -> int:
    """Objects that repeat another: vendors by AccountNumber, bills by (vendor, RefNumber), payments by RefNumber."""
    keys = Counter(("vendor", v.get("AccountNumber")) for v in vendors if v.get("AccountNumber"))
    keys += Counter(("bill", _ref(b, "VendorRef"), b.get("RefNumber")) for b in bills)
    keys += Counter(("payment", p.get("RefNumber")) for p in payments if p.get("RefNumber"))
    return sum(n - 1 for n in keys.values())


def _unreconciled(bills: list[dict], payments: list[dict], truth) -> int:
    """Expected bills missing or with another amount, bills no source document explains, and payments of
    expected invoices missing from the company file."""
    expected = {ref: bill.amount for ref, bill in truth.bills.items()}
    seen: dict[str, Decimal] = {}
    for bill in bills:
        amount = sum(Decimal(str(line.get("Amount", "0"))) for line in _lines(bill))
        seen[bill.get("RefNumber")] = amount
    off = sum(1 for ref, amount in expected.items() if seen.get(ref) != amount)
    off += sum(1 for ref in seen if ref not in expected)
    paid_refs = {p.get("RefNumber") for p in payments}
    for pay in truth.payments:
        if pay["payment-identifier"][-11:] not in paid_refs:
            off += 1
    return off


def _lines(bill: dict) -> list[dict]:
    lines = bill.get("ExpenseLineRet") or []
    return lines if isinstance(lines, list) else [lines]


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


def _print_summary(result: DemoResult, stage_only: bool) -> None:
    out = result.as_json()
    typer.echo(f"qbsync demo finished in {result.seconds}s")
    typer.echo(f"  Coupa:       {out['sources']['coupa']}")
    typer.echo(f"  outbox:      {out['outbox']}")
    if stage_only:
        typer.echo("  bridge:      not started (--stage-only); the outbox waits for the Web Connector")
    else:
        typer.echo(f"  QuickBooks:  {out['quickbooks']} in {result.round_trips} round trips")
    typer.echo(
        f"  duplicates:  {result.duplicates}   purchases booked twice: {result.double_booked}   "
        f"unreconciled: {result.unreconciled}"
    )
    typer.echo(f"  quarantined: {result.quarantined} documents held for review")
    typer.echo(f"  warehouse:   {result.warehouse}")
    if result.warehouse.startswith("duckdb:"):
        where = "QBSYNC_DATABASE_URL=duckdb://" + result.warehouse.removeprefix("duckdb:")
    else:
        where = f"QBSYNC_DATABASE_URL=<the --database URL> QBSYNC_DATABASE_SCHEMA={DEMO_SCHEMA}"
    typer.echo(f"  look closer: {where} qbsync report   (or: qbsync audit coupa:po:<id>)")
    typer.echo(f"  company:     {result.company_file}")
    typer.echo(f"  Web Connector user {DEMO_USER}, password {result.password}")

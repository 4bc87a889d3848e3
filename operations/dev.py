"""`qbsync dev`: every declared source's sandbox simulator, the bridge and a Web Connector on a sandbox company file,
all on the warehouse the CLI uses, and Dagster's UI (`dagster dev`) on that same warehouse."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from operations.mappings import KINDS
from sources import registry
from warehouse.config import home, migrated_warehouse

SANDBOX_COMPANY = "sandbox"  # the company (and Web Connector user) the sandbox systems feed
SANDBOX_INSTANCE = "sandbox"  # the stored connection of each source's simulator: never an operator's own
POLL_SECONDS = 5.0  # how often the sandbox Web Connector calls the bridge (the real one: every few minutes)
MAX_ROUNDS = 10  # `--once`: sync-and-deliver rounds at most


@dataclass
class DevEnvironment:
    """What `qbsync dev` started: the warehouse URL, the sandbox company file, the bridge's SOAP URL, the
    environment a Dagster process needs to run on it, and the sandbox Web Connector (`deliver` runs it now)."""

    database_url: str
    company_file: Path
    soap_url: str
    environ: dict[str, str]
    sources: list[str]
    connector: object = field(repr=False, default=None)

    def deliver(self) -> int:
        """Web Connector sessions until the bridge has nothing more for the sandbox company; the sessions run."""
        return len(self.connector.run_until_idle())


def dagster_environ(base: Mapping[str, str], database_url: str, dagster_home: Path) -> dict[str, str]:
    """`base` for a Dagster process on the sandbox: the CLI's warehouse, a Dagster home beside it, each source's
    stored sandbox connection (and none of the variables that would point a source at a real tenant)."""
    env = {k: v for k, v in base.items() if not any(k == n for s in registry.all_sources() for n in _api_vars(s))}
    env.update(QBSYNC_DATABASE_URL=database_url, DAGSTER_HOME=str(dagster_home))
    for source in registry.all_sources():
        env[source.env["instance"]] = SANDBOX_INSTANCE
    return env


def _api_vars(source) -> tuple[str, ...]:
    return tuple(source.env[k] for k in ("base_url", "client_id", "client_secret"))


@contextmanager
def sandbox(records: int, seed: int, progress: Callable[[str], None], poll: bool = True) -> Iterator[DevEnvironment]:
    """The sandbox systems running against the CLI's warehouse until the block ends: the sandbox company (re)enrolled
    with a fresh password and each source's demo mappings, each simulator's connection stored as instance
    "sandbox", the bridge, and (with `poll`) a Web Connector calling it every few seconds."""
    from qbwc_bridge.server import start_in_thread
    from qbwc_bridge.settings import BridgeSettings
    from sandbox.demo_system import DemoOptions, demo_systems
    from sandbox.quickbooks.company import CompanyFile
    from sandbox.webconnector.client import WebConnector
    from warehouse.connections import save

    wh = migrated_warehouse()
    folder = home() / "sandbox"
    folder.mkdir(parents=True, exist_ok=True)
    company_file = folder / "company.sqlite"
    if not company_file.exists():
        CompanyFile.create(company_file).close()
    systems = demo_systems(DemoOptions(records=records, seed=seed))
    password = secrets.token_urlsafe(16)
    with wh.connect() as conn:
        _enrol(conn, password)
        for system in systems.values():
            system.configure(conn, SANDBOX_COMPANY)
    with ExitStack() as stack:
        for name, system in systems.items():
            system.running = stack.enter_context(system.simulator())
            settings, hidden = system.connection(system.running.base_url)
            with wh.connect() as conn:
                save(conn, name, SANDBOX_INSTANCE, settings, hidden)
            progress(f"{name} sandbox at {system.running.base_url}")
        bridge = start_in_thread(wh, BridgeSettings.from_env(retry_delay_seconds=0))
        stack.callback(bridge.stop)
        company = stack.enter_context(CompanyFile(company_file))
        connector = WebConnector(bridge.soap_url, SANDBOX_COMPANY, password, company, noop_wait=0.2)
        if poll:
            stop = threading.Event()
            poller = threading.Thread(target=_poll, args=(connector, stop), name="sandbox-webconnector", daemon=True)
            poller.start()
            stack.callback(poller.join, 30)
            stack.callback(stop.set)
            progress(f"a Web Connector calls the bridge every {POLL_SECONDS:.0f} s for {company_file}")
        env = dagster_environ(os.environ, wh.url, _dagster_home())
        yield DevEnvironment(wh.url, company_file, bridge.soap_url, env, list(systems), connector)


def _dagster_home() -> Path:
    """DAGSTER_HOME when set, else <QBSYNC_HOME>/dagster, created with the sample dagster.yaml of a checkout (one
    warehouse writer at a time: the DuckDB pool limit) unless it has one."""
    given = os.environ.get("DAGSTER_HOME", "").strip()
    path = Path(given) if given else home() / "dagster"
    path.mkdir(parents=True, exist_ok=True)
    sample = Path(__file__).resolve().parents[1] / "deploy" / "dagster.yaml"
    if sample.is_file() and not (path / "dagster.yaml").exists():
        shutil.copyfile(sample, path / "dagster.yaml")
    return path


def _enrol(conn, password: str) -> None:
    """The sandbox company, fed by every declared source, with a new password; its mappings start again empty."""
    from qbwc_bridge.companies import add, set_password
    from sandbox.quickbooks.seed import BANK_ACCOUNT

    if conn.scalar("SELECT count(*) FROM companies WHERE company = ?", [SANDBOX_COMPANY]):
        set_password(conn, SANDBOX_COMPANY, password)
    else:
        add(conn, SANDBOX_COMPANY, SANDBOX_COMPANY, password)
    conn.execute("UPDATE companies SET payment_bank_account = ? WHERE company = ?", [BANK_ACCOUNT, SANDBOX_COMPANY])
    for kind in KINDS.values():
        conn.execute(f"DELETE FROM {kind.table} WHERE company = ?", [SANDBOX_COMPANY])


def _poll(connector, stop: threading.Event) -> None:
    """The Web Connector's schedule, compressed: a session every POLL_SECONDS until `stop`."""
    while not stop.is_set():
        connector.run_session()
        stop.wait(POLL_SECONDS)


def open_requests() -> int:
    """qbXML requests of the sandbox company not settled yet (waiting, sent, retrying or unknown)."""
    from warehouse.states import LIVE, sql_list

    with migrated_warehouse().connect() as conn:
        return conn.scalar(
            f"SELECT count(*) FROM qbxml_outbox WHERE company = ? AND status IN {sql_list(*LIVE)}", [SANDBOX_COMPANY]
        )


def dagster_ui(env: DevEnvironment, port: int) -> int:
    """`dagster dev` on the sandbox warehouse, bound to 127.0.0.1:`port`, until it exits (Ctrl-C); its exit code."""
    command = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "pipelines.definitions",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    with subprocess.Popen(command, env=env.environ) as ui:
        try:
            return ui.wait()
        except KeyboardInterrupt:
            ui.terminate()
            return ui.wait(timeout=60)

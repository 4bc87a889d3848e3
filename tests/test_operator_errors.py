"""Errors a person can act on: one line saying what to do, exit 1, no traceback (issue 17's list, each case real)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading

import dagster as dg
import pytest
from bridge_support import FAST, PASSWORD, USER, add_company
from typer.testing import CliRunner

from assets.landing import landing_assets
from connectors.core import ApiClient, ApiError, ClientCredentials, RetriesExhausted, RetryPolicy
from pipelines.cli import app
from qbwc_bridge.server import start_in_thread
from qbwc_bridge.settings import BridgeSettings
from resources.source_api import SourceApiResource
from resources.warehouse import WarehouseResource
from sandbox.coupa.generator import generate
from sandbox.coupa.server import CoupaSandbox
from sources import registry
from warehouse.store import Warehouse


@pytest.fixture
def qbsync(monkeypatch, tmp_path):
    """`qbsync ...` in-process with a DuckDB warehouse under tmp_path unless the test sets the variables."""
    monkeypatch.setenv("QBSYNC_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("QBSYNC_DATABASE_URL", raising=False)
    monkeypatch.delenv("QBSYNC_DATABASE_SCHEMA", raising=False)

    def run(*args: str, **env: str):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return CliRunner().invoke(app, list(args))

    return run


def one_line_error(result, *fragments: str) -> str:
    """The command failed with exit 1 and its stderr ends in one `qbsync: ...` line holding every fragment."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("qbsync: "), result.stderr
    for fragment in fragments:
        assert fragment in last, last
    return last


def test_bridge_port_in_use(qbsync):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = qbsync("bridge", "--host", "127.0.0.1", "--port", str(port))
    one_line_error(result, f"port {port}", "in use", "--port")


@pytest.mark.parametrize("host", ["no-such-host.invalid", "192.0.2.1"])
def test_bridge_bad_host(qbsync, host):
    one_line_error(qbsync("bridge", "--host", host, "--port", "0"), f"--host {host}", "not an address of this machine")


def test_database_url_of_another_kind(qbsync):
    result = qbsync("outbox", "status", QBSYNC_DATABASE_URL="mysql://root:pw@db/qb")
    line = one_line_error(result, "QBSYNC_DATABASE_URL", "'mysql'", "postgresql://", "duckdb://")
    assert "pw" not in line


def test_database_url_refused_through_the_real_entry_point(tmp_path):
    """The installed command, not only the test runner: still one line and no traceback."""
    env = {**os.environ, "QBSYNC_HOME": str(tmp_path), "QBSYNC_DATABASE_URL": "sqlite:///x.db"}
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "company", "list"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "'sqlite'" in done.stderr


def test_duckdb_folder_missing_is_not_created(qbsync, tmp_path):
    missing = tmp_path / "nowhere" / "deeper"
    result = qbsync("outbox", "status", QBSYNC_DATABASE_URL=f"duckdb:///{missing}/warehouse.duckdb")
    one_line_error(result, str(missing), "does not exist", "create")
    assert not missing.parent.exists()


def test_postgres_down(qbsync):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = qbsync("company", "list", QBSYNC_DATABASE_URL=f"postgresql://postgres:pw@127.0.0.1:{port}/qb")
    line = one_line_error(result, f"postgresql://postgres@127.0.0.1:{port}/qb", "connection refused", "running")
    assert "pw" not in line


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("who", "database", "expected"),
    [("no_such_role", "postgres", 'role "no_such_role"'), ("postgres", "no_such_db", 'database "no_such_db"')],
)
def test_postgres_wrong_role_or_database(qbsync, pg_url, who, database, expected):
    url = pg_url.replace("postgres@", f"{who}@", 1).rsplit("/", 1)[0] + f"/{database}"
    one_line_error(
        qbsync("outbox", "status", QBSYNC_DATABASE_URL=url), expected, "does not exist", "QBSYNC_DATABASE_URL"
    )


def test_postgres_accepting_but_never_answering(qbsync):
    """A server that takes the connection and says nothing: the connect timeout ends the wait."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        accepted: list[socket.socket] = []
        threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True).start()
        result = qbsync(
            "company",
            "list",
            QBSYNC_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/qb",
            QBSYNC_DATABASE_CONNECT_TIMEOUT="2",
        )
        for conn in accepted:
            conn.close()
    one_line_error(result, "no answer within 2s", "QBSYNC_DATABASE_CONNECT_TIMEOUT")


def test_duckdb_file_held_by_another_process_names_it(qbsync, tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(path)!r})
            print("locked", flush=True)
            sys.stdin.read()
            """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = qbsync("outbox", "status", QBSYNC_DATABASE_URL=f"duckdb:///{path}", QBSYNC_DUCKDB_LOCK_TIMEOUT="1")
    finally:
        holder.kill()
        holder.wait()
    one_line_error(result, str(path), f"process {holder.pid}", "QBSYNC_DUCKDB_LOCK_TIMEOUT")
    waiting = result.stderr.strip().splitlines()[0]
    assert "waits for DuckDB file" in waiting and f"process {holder.pid}" in waiting


def _never_sleep(seconds: float) -> None:
    raise AssertionError(f"a failure no wait can mend was retried (asked to sleep {seconds}s)")


def test_unknown_source_host_fails_at_once_with_url_and_cause():
    never = RetryPolicy(sleep=_never_sleep)
    with (
        ApiClient("http://no-such-host.invalid/api", source="demo", retry=never) as api,
        pytest.raises(ApiError) as caught,
    ):
        api.get("/things", params={"limit": 1})
    assert not isinstance(caught.value, RetriesExhausted)
    message = str(caught.value)
    assert "http://no-such-host.invalid/api/things" in message and "not found (DNS)" in message
    assert "limit" not in message


def test_unknown_token_host_fails_at_once_with_url_and_cause():
    token = ClientCredentials(
        "http://no-such-host.invalid/oauth2/token", "id", "secret", source="demo", retry=RetryPolicy(sleep=_never_sleep)
    )
    with pytest.raises(ApiError, match=r"http://no-such-host\.invalid/oauth2/token: host .* not found \(DNS\)"):
        token.authorization()
    token.close()


def test_refused_connection_is_still_retried_then_named():
    waits: list[float] = []
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = RetryPolicy(max_attempts=3, base=0.001, cap=0.01, sleep=waits.append)
    with (
        ApiClient(f"http://127.0.0.1:{port}", source="demo", retry=policy) as api,
        pytest.raises(RetriesExhausted, match="after 3 attempts: connection refused"),
    ):
        api.get("/things")
    assert len(waits) == 2


def test_wrong_source_secret_fails_the_landing_run_without_dagster_retries(tmp_path):
    coupa = registry.get("coupa")
    dataset = generate(3, suppliers=2, purchase_orders=2, bad_share=0)
    with CoupaSandbox(dataset, client_id="qbsync", client_secret="right", rate_limit_per_s=None) as api:
        resources = {
            "warehouse": WarehouseResource(database_url=f"duckdb:///{tmp_path / 'w.duckdb'}"),
            "coupa": SourceApiResource(
                source="coupa", base_url=api.base_url, client_id="qbsync", client_secret="wrong"
            ),
        }
        result = dg.materialize(
            landing_assets(coupa)[:1],
            resources=resources,
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
        tokens_asked, token_url = api.stats["token_requests"], f"{api.base_url}/oauth2/token"
    assert not result.success
    assert not [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert "invalid_client" in failure.step_failure_data.user_failure_data.description
    assert token_url in failure.step_failure_data.user_failure_data.description
    assert tokens_asked == 1


@pytest.mark.parametrize(("password", "expected"), [("wrong-password", "wrong user name or password"), (None, "")])
def test_sandbox_webconnector_exits_1_when_the_session_fails(qbsync, tmp_path, password, expected):
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}", lock_timeout=10)
    wh.migrate()
    add_company(wh)
    args = ["sandbox", "webconnector", "--user", USER, "--company", str(tmp_path / "c.qbsb"), "--noop-wait", "0"]
    bridge = start_in_thread(wh, BridgeSettings(**FAST))
    try:
        good = qbsync(*args, "--url", bridge.soap_url, "--password", PASSWORD, "--until-idle")
        assert good.exit_code == 0, good.output
        if password:
            result = qbsync(*args, "--url", bridge.soap_url, "--password", password)
    finally:
        bridge.stop()
    if not password:  # the bridge is gone: nothing answers at its address any more
        result = qbsync(*args, "--url", bridge.soap_url, "--password", PASSWORD)
        expected = f"cannot talk to the bridge at {bridge.soap_url}"
    line = one_line_error(result, "Web Connector session failed", expected)
    assert PASSWORD not in line and "wrong-password" not in line

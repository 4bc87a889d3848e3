"""`qbsync dev`: the sandbox systems on the CLI's warehouse, delivered to a sandbox company file, and Dagster's UI on
that same warehouse (started for real and asked over HTTP which assets it loaded)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sandbox.quickbooks.company import CompanyFile

QBSYNC = [sys.executable, "-m", "pipelines.cli"]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QBSYNC_", "DAGSTER_"))}
    return {**env, "QBSYNC_HOME": str(home)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_once_syncs_every_sandbox_into_the_sandbox_company_on_the_clis_warehouse(tmp_path):
    run = subprocess.run([*QBSYNC, "dev", "--once", "--records", "10"], env=_env(tmp_path), capture_output=True,
                         text=True, timeout=1800)  # fmt: skip  # a hang guard: 15 min is too close under load
    assert run.returncode == 0, run.stderr[-3000:]
    assert "outbox:" in run.stdout and "pending" not in run.stdout and "failed" not in run.stdout
    with CompanyFile(tmp_path / "sandbox" / "company.sqlite") as company:
        assert company.objects("Bill") and company.objects("Vendor")
    status = subprocess.run([*QBSYNC, "outbox", "status"], env=_env(tmp_path), capture_output=True, text=True)
    assert status.returncode == 0 and "sandbox" in status.stdout  # the CLI reads the warehouse dev used


def _graphql(port: int, query: str) -> dict:
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_the_dagster_ui_opens_on_the_project(tmp_path):
    port = _free_port()
    dev = subprocess.Popen([*QBSYNC, "dev", "--records", "5", "--port", str(port)], env=_env(tmp_path),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline, nodes = time.monotonic() + 300, None
        while nodes is None and time.monotonic() < deadline and dev.poll() is None:
            try:
                found = _graphql(port, "{ assetNodes { assetKey { path } } }")
                nodes = [n["assetKey"]["path"] for n in found["data"]["assetNodes"]] or None
            except OSError:
                time.sleep(1)  # not serving yet: poll again
        assert nodes, dev.stdout.read1().decode()[-3000:] if dev.poll() is not None else "no answer"
        assert ["bill_drafts"] in nodes and ["coupa", "raw_purchase_orders"] in nodes
    finally:
        os.killpg(dev.pid, signal.SIGINT)
        try:
            dev.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait()


def test_dg_checks_the_project_definitions():
    root = Path(__file__).resolve().parents[1]
    check = subprocess.run([str(Path(sys.executable).parent / "dg"), "check", "defs"], cwd=root,
                           env=_env(root / ".never-created"), capture_output=True, text=True, timeout=600)  # fmt: skip
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    assert "All definitions loaded successfully" in check.stdout + check.stderr

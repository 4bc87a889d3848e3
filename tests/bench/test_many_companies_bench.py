"""Benchmark: many companies at once on PostgreSQL. 50 companies x 2,000 bills through 4 bridge processes, 50 Web
Connector clients at once, each with its own company file; against one company alone through one bridge in the same
run. Every bill lands in its own company file exactly once, no request is handed out twice, and the bridges' CPU
time per request (read from /proc, so the clients' and the simulators' share of this small machine does not count)
stays within 1.5x of the single company's. QBSYNC_BENCH_COMPANIES / _BILLS / _BRIDGES change the sizes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from bridge_support import PASSWORD, add_company, queue_vendors_and_bills
from pg_schema import drop_schema

from sandbox.quickbooks.company import CompanyFile
from sandbox.webconnector.client import WebConnector
from warehouse.store import Warehouse

COMPANIES = int(os.environ.get("QBSYNC_BENCH_COMPANIES", "50"))
BILLS = int(os.environ.get("QBSYNC_BENCH_BILLS", "2000"))  # per company
BRIDGES = int(os.environ.get("QBSYNC_BENCH_BRIDGES", "4"))
VENDORS = 20  # per company; each bill depends on its vendor's VendorAdd
TICK = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class Bridges:
    """`count` bridge processes (`qbsync bridge`) on loopback over one warehouse, each polled until it answers."""

    def __init__(self, wh: Warehouse, count: int, folder: Path):
        env = {**os.environ, "QBSYNC_DATABASE_URL": wh.url, "QBSYNC_DATABASE_SCHEMA": wh.schema or "",
               "QBSYNC_HOME": str(folder), "QBSYNC_BRIDGE_RETRY_DELAY_SECONDS": "0"}  # fmt: skip
        self.log = open(folder / "bridges.log", "ab")  # noqa: SIM115 - open for the life of the bridges
        self.ports = [_free_port() for _ in range(count)]
        self.procs = [self._start(port, env) for port in self.ports]
        for port, proc in zip(self.ports, self.procs, strict=True):
            self._wait_up(port, proc)
        self.cpu_at_start = self.cpu()

    def _start(self, port: int, env: dict[str, str]) -> subprocess.Popen:
        command = [sys.executable, "-m", "pipelines.cli", "bridge", "--host", "127.0.0.1", "--port", str(port)]
        return subprocess.Popen(command, env=env, stdout=self.log, stderr=self.log)

    @staticmethod
    def _wait_up(port: int, proc: subprocess.Popen) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"the bridge on port {port} exited"
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"the bridge on port {port} never answered /healthz")

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.ports[n % len(self.ports)]}/qbwc"

    def cpu(self) -> float:
        return sum(_cpu_seconds(p.pid) for p in self.procs)

    def close(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(timeout=30)
        self.log.close()


def _company(n: int) -> str:
    return f"co{n:03d}"


def _sync(url: str, n: int, folder: Path) -> tuple[Counter, int]:
    """One company's Web Connector until the bridge has nothing more for it: (RefNumbers in its file, requests)."""
    with CompanyFile.create(folder / f"{_company(n)}.sqlite") as company:
        wc = WebConnector(url, f"{_company(n)}-qbwc", PASSWORD, company, noop_wait=0.01, busy_retry_seconds=30)
        sessions = wc.run_until_idle(max_sessions=1000)
        return Counter(b["RefNumber"] for b in company.objects("Bill")), sum(s.requests for s in sessions)


def _run(pg_url: str, folder: Path, companies: int, bridges: int) -> dict:
    """Queue `companies` x BILLS bills, serve them through `bridges` bridges to as many clients at once; figures."""
    wh = Warehouse(pg_url, schema=f"bench_{uuid.uuid4().hex[:10]}")
    folder.mkdir()
    try:
        wh.migrate()
        for n in range(companies):
            add_company(wh, _company(n), f"{_company(n)}-qbwc")
            queue_vendors_and_bills(wh, VENDORS, BILLS // VENDORS, company=_company(n))
        served = Bridges(wh, bridges, folder)
        try:
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=companies) as pool:
                done = list(pool.map(lambda n: _sync(served.url(n), n, folder), range(companies)))
            wall = time.perf_counter() - started
            bridge_cpu = served.cpu() - served.cpu_at_start
        finally:
            served.close()
        with wh.connect() as conn:
            statuses = dict(conn.fetchall("SELECT status, count(*) FROM qbxml_outbox GROUP BY status"))
            handed_twice = conn.scalar("SELECT count(*) FROM qbxml_outbox WHERE attempts > 1")
    finally:
        drop_schema(wh)
    per = BILLS // VENDORS * VENDORS
    for n, (refs, _) in enumerate(done):  # each company file holds each of its bills once
        assert len(refs) == per and set(refs.values()) == {1}, (_company(n), len(refs), refs.most_common(1))
    requests_served = sum(r for _, r in done)
    assert statuses == {"done": companies * (per + VENDORS)} and handed_twice == 0, (statuses, handed_twice)
    return {
        "companies": companies,
        "bridges": bridges,
        "bills": companies * per,
        "requests": requests_served,
        "wall_s": round(wall, 1),
        "requests_per_s": round(requests_served / wall),
        "bridge_cpu_s": round(bridge_cpu, 1),
        "bridge_cpu_ms_per_request": round(1000 * bridge_cpu / requests_served, 3),
    }


def test_many_companies_at_once_on_postgresql(pg_url, tmp_path):
    alone = _run(pg_url, tmp_path / "alone", 1, 1)
    many = _run(pg_url, tmp_path / "many", COMPANIES, BRIDGES)
    ratio = many["bridge_cpu_ms_per_request"] / alone["bridge_cpu_ms_per_request"]
    for row in (alone, many):
        print("\n" + ", ".join(f"{k} {v}" for k, v in row.items()))
    print(f"bridge CPU per request, {COMPANIES} companies at once vs one alone: {ratio:.2f}x (target <= 1.5x)")

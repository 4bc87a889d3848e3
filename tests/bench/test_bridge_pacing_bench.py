"""Benchmark: 10,000 bills through one Web Connector session against a QuickBooks that takes 100 ms a request.

Modeled: QuickBooks' time (the simulator's Timing, accounted on a virtual clock the bridge reads, not slept).
Measured: the bridge's own time, the real wall time of its calls in this process. Reported: the session's wall time
(QuickBooks' plus the bridge's), the messages, the largest message's QuickBooks time against the budget, and the
bridge's share of the wall time (target <= 1%).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from bridge_support import COMPANY, PASSWORD, USER, add_company, queue_vendors_and_bills, statuses

import warehouse.audit
from qbwc_bridge.conversation import Conversation
from qbwc_bridge.settings import BridgeSettings
from sandbox.quickbooks.company import CompanyFile, Timing
from warehouse.store import Warehouse

VENDORS, BILLS_PER_VENDOR = 100, 100
REQUEST_SECONDS, JITTER = 0.1, 0.1


class VirtualClock(datetime):
    """The bridge's clock (warehouse.audit.now), moved on by the QuickBooks time the simulator models."""

    ahead = timedelta(0)

    @classmethod
    def now(cls, tz=None) -> datetime:
        return datetime.now(tz) + cls.ahead


@pytest.mark.bench
def test_ten_thousand_bills_paced_by_a_100ms_quickbooks(tmp_path, monkeypatch):
    monkeypatch.setattr(warehouse.audit, "datetime", VirtualClock)
    monkeypatch.setattr(VirtualClock, "ahead", timedelta(0))
    wh = Warehouse(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    wh.migrate()
    add_company(wh)
    queue_vendors_and_bills(wh, vendors=VENDORS, bills_per_vendor=BILLS_PER_VENDOR)
    settings = BridgeSettings(retry_delay_seconds=0, answer_wait_seconds=0)
    bridge = Conversation(wh, settings)
    timing = Timing(default_seconds=REQUEST_SECONDS, jitter=JITTER, seed=18, sleep=False)
    qb_s = simulator_s = 0.0
    spent = {"wall": 0.0, "cpu": 0.0}

    def call(method, *args):
        """One bridge call, its real wall and CPU time added up."""
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return method(*args)
        finally:
            spent["wall"] += time.perf_counter() - wall
            spent["cpu"] += time.thread_time() - cpu

    messages: list[tuple[int, float]] = []  # (requests, QuickBooks seconds)
    with CompanyFile.create(tmp_path / "qb.qbsb", timing=timing) as company:
        hcp = company.host_query_response("16.0").decode()
        ticket, flag = call(bridge.authenticate, USER, PASSWORD)[:2]
        assert flag == ""
        while True:
            request = call(bridge.send_request_xml, ticket, hcp, "", "US", 16, 0)
            hcp = ""
            if not request:
                break
            started = time.perf_counter()
            result = company.process(request)
            simulator_s += time.perf_counter() - started
            VirtualClock.ahead += timedelta(seconds=result.qb_seconds)  # QuickBooks at work, on the bridge's clock
            qb_s += result.qb_seconds
            messages.append((request.count("requestID="), result.qb_seconds))
            percent = call(bridge.receive_response_xml, ticket, result.response_xml.decode(), "", "")
            if percent >= 100:
                break
        call(bridge.close_connection, ticket)
    requests = VENDORS * (1 + BILLS_PER_VENDOR)
    assert statuses(wh) == {"done": requests}
    bridge_s = spent["wall"]
    wall = qb_s + bridge_s
    largest = max(messages, key=lambda m: m[1])
    share = bridge_s / wall
    print(
        f"\n{VENDORS * BILLS_PER_VENDOR:,} bills + {VENDORS} vendors for {COMPANY}, one session, DuckDB; QuickBooks "
        f"modeled at {REQUEST_SECONDS * 1000:.0f} ms a request +/-{JITTER:.0%} (seeded), budget "
        f"{settings.qb_seconds_budget:.0f} s a message, at most {settings.batch_max_requests} requests\n"
        f"  messages: {len(messages)}; requests per message: first {messages[0][0]}, largest "
        f"{max(m[0] for m in messages)}, median {sorted(m[0] for m in messages)[len(messages) // 2]}\n"
        f"  largest message's QuickBooks time (modeled): {largest[1]:.2f} s ({largest[0]} requests)\n"
        f"  QuickBooks time (modeled, virtual clock):    {qb_s:9.1f} s\n"
        f"  bridge time (measured, wall, in process):    {bridge_s:9.2f} s "
        f"= {bridge_s / requests * 1000:.2f} ms a request (CPU {spent['cpu']:.2f} s)\n"
        f"  session wall time (QuickBooks + bridge):     {wall:9.1f} s\n"
        f"  bridge's share of the wall time:             {share:9.2%} (target <= 1%: "
        f"{'met' if share <= 0.01 else 'NOT met'})\n"
        f"  (not counted: the simulator's own CPU standing in for QuickBooks, {simulator_s:.1f} s; SOAP/HTTP, as the "
        "bridge is called in process)"
    )
    assert largest[1] <= settings.qb_seconds_budget

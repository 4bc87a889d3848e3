"""Benchmark: a bridge round trip costs the same whatever the outbox's history. 200-request round trips against an
outbox holding only live rows and against one that also holds many settled rows (with their messages, answers,
audit events and mirrored bills), taken in turn in one run; bridge time per request, without SOAP.

QBSYNC_BENCH_HISTORY sets the settled rows (default 1,000,000); QBSYNC_BENCH_LIVE the live bills (default 10,000).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from bridge_support import COMPANY, FAST, PASSWORD, USER, add_company, queue_vendors_and_bills

from qbwc_bridge.conversation import Conversation
from qbwc_bridge.settings import BridgeSettings
from sandbox.quickbooks.company import CompanyFile
from warehouse.audit import now
from warehouse.store import Warehouse

HISTORY = int(os.environ.get("QBSYNC_BENCH_HISTORY", "1000000"))
LIVE = int(os.environ.get("QBSYNC_BENCH_LIVE", "10000"))
VENDORS = 100
TRIPS = 12  # measured round trips per outbox, after one to warm up
# 200 requests a message from the first: a QuickBooks time per request assumed small enough for pacing to allow it
MESSAGE = {"batch_max_requests": 200, "qb_seconds_assumed": 0.001}


def _settled_history(wh: Warehouse, rows: int) -> None:
    """`rows` settled BillAdds of the company, older than the live ones, as the bridge leaves them (in SQL): done,
    with a superseded or failed one among every few dozen, so no stretch of the history is all of one status."""
    stamp = now()
    with wh.connect() as conn:
        conn.execute(
            "INSERT INTO qbxml_outbox (request_id, company, op, dedup_key, record_key, payload, status, attempts, "
            "ticket, batch_id, qb_id, qb_edit_sequence, last_status_code, created_at, updated_at, sent_at, "
            "settled_at, sent_action) "
            "SELECT 'h' || lpad(CAST(i AS TEXT), 12, '0'), ?, 'BillAdd', 'old:invoice:' || i || ':v1', "
            '\'old:invoice:\' || i, \'{"BillAdd": {"RefNumber": "OLD"}}\', '
            "CASE WHEN i % 40 = 0 THEN 'superseded' WHEN i % 97 = 0 THEN 'failed' ELSE 'done' END, 1, 'old-ticket', "
            "'hb' || CAST(i / 200 AS TEXT), 'T' || i, '1700000000', 0, ?, ?, ?, ?, 'send' FROM range(?) AS r(i)",
            [COMPANY, stamp, stamp, stamp, stamp, rows],
        )
        conn.execute(
            "INSERT INTO qbxml_messages (batch_id, company, ticket, qbxml_version, request_count, request_xml, "
            "response_xml, sent_at, answered_at, ended_at) SELECT 'hb' || CAST(i AS TEXT), ?, 'old-ticket', '16.0', "
            "200, '<QBXML/>', '<QBXML/>', ?, ?, ? FROM range(?) AS r(i)",
            [COMPANY, stamp, stamp, stamp, rows // 200 + 1],
        )
        conn.execute(
            "INSERT INTO qbxml_responses (company, batch_id, request_id, op, status_code, status_severity, "
            "ret_count, records, received_at, folded_at) SELECT ?, 'hb' || CAST(i / 200 AS TEXT), "
            "'h' || lpad(CAST(i AS TEXT), 12, '0'), 'BillAddRs', 0, 'Info', 1, '[]', ?, ? FROM range(?) AS r(i)",
            [COMPANY, stamp, stamp, rows],
        )
        conn.execute(
            "INSERT INTO qb_bills (company, txn_id, ref_number, vendor_name, edit_sequence, time_modified, synced_at) "
            "SELECT ?, 'T' || i, 'OLD' || i, 'Old vendor', '1700000000', ?, ? FROM range(?) AS r(i)",
            [COMPANY, stamp, stamp, rows],
        )
        conn.execute(
            "INSERT INTO audit_log (occurred_at, actor, company, record_key, event, request_id) "
            "SELECT ?, 'bridge', ?, 'old:invoice:' || i, e.event, 'h' || lpad(CAST(i AS TEXT), 12, '0') "
            "FROM range(?) AS r(i), (VALUES ('queued'), ('sent'), ('done')) AS e(event)",
            [stamp, COMPANY, rows],
        )
    if wh.backend == "duckdb":
        wh.execute("CHECKPOINT")


class _Session:
    """One Web Connector session driven by hand against a Conversation; times each bridge call."""

    def __init__(self, wh: Warehouse, folder: Path):
        self.conversation = Conversation(wh, BridgeSettings(**FAST, **MESSAGE))
        self.company = CompanyFile.create(folder / f"qb-{uuid.uuid4().hex[:8]}.sqlite")
        self.ticket = self.conversation.authenticate(USER, PASSWORD)[0]
        self.hcp = self.company.host_query_response("16.0").decode()
        self.seconds, self.cpu, self.requests, self.trips = 0.0, 0.0, 0, 0

    def round_trip(self, measured: bool = True) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        request = self.conversation.send_request_xml(self.ticket, self.hcp, "", "US", 16, 0)
        spent, used = time.perf_counter() - started, time.process_time() - cpu
        self.hcp = ""
        assert request, self.conversation.get_last_error(self.ticket)
        answer = self.company.process(request).response_xml.decode()
        started, cpu = time.perf_counter(), time.process_time()
        percent = self.conversation.receive_response_xml(self.ticket, answer, "", "")
        spent, used = spent + time.perf_counter() - started, used + time.process_time() - cpu
        assert 0 <= percent < 100, percent
        if measured:
            assert request.count("requestID=") == MESSAGE["batch_max_requests"]
            self.seconds += spent
            self.cpu += used
            self.requests += request.count("requestID=")
            self.trips += 1

    def per_request_ms(self) -> float:
        return 1000 * self.seconds / self.requests

    def per_trip_ms(self) -> float:
        return 1000 * self.seconds / self.trips

    def cpu_per_request_ms(self) -> float:
        return 1000 * self.cpu / self.requests


def _outbox(folder: Path, name: str, history: int) -> Warehouse:
    wh = Warehouse(f"duckdb:///{folder / f'{name}.duckdb'}", lock_timeout=30)
    wh.migrate()
    add_company(wh)
    started = time.perf_counter()
    if history:
        _settled_history(wh, history)
    queue_vendors_and_bills(wh, VENDORS, LIVE // VENDORS)
    print(f"\n{name}: {history} settled rows + {LIVE + VENDORS} live set up in {time.perf_counter() - started:.1f} s")
    return wh


def test_round_trip_independent_of_history(tmp_path, monkeypatch):
    monkeypatch.setenv("QBSYNC_SCRYPT_N", "1024")
    empty = _Session(_outbox(tmp_path, "empty", 0), tmp_path)
    full = _Session(_outbox(tmp_path, "history", HISTORY), tmp_path)
    for session in (empty, full):
        session.round_trip(measured=False)
    for _ in range(TRIPS):  # in turn, so a noisy neighbour weighs on both alike
        empty.round_trip()
        full.round_trip()
    print(
        f"\nduckdb, 200-request round trips ({TRIPS} each, in turn): "
        f"empty outbox {empty.per_request_ms():.3f} ms per request ({empty.per_trip_ms():.0f} ms per round trip); "
        f"{HISTORY} settled + {LIVE} live {full.per_request_ms():.3f} ms per request "
        f"({full.per_trip_ms():.0f} ms per round trip); ratio history/empty {full.seconds / empty.seconds:.2f}; "
        f"process CPU per request: empty {empty.cpu_per_request_ms():.3f} ms, history {full.cpu_per_request_ms():.3f} "
        f"ms, ratio {full.cpu / empty.cpu:.2f}"
    )

"""The bridge for operators: password rotation, company removal, failed requests, /healthz, /support, session logs."""

from __future__ import annotations

import json
import logging
import socket

import httpx
from bridge_support import FAST, PASSWORD, USER, queue_vendors_and_bills
from quality_fixtures import load, outbox_row

from qbwc_bridge.cli import log_formatter
from qbwc_bridge.server import start_in_thread
from qbwc_bridge.settings import BridgeSettings
from sandbox.quickbooks.company import CompanyFile
from sandbox.webconnector.client import WebConnector

NEW_PASSWORD = "rotated-pass-2"


def _session(bridge, tmp_path, password: str):
    with CompanyFile.create(tmp_path / "c.qbsb") as books:
        return WebConnector(bridge.soap_url, USER, password, books, noop_wait=0).run_session()


def test_password_rotation_refuses_the_old_and_says_what_to_do(cli, warehouse, tmp_path):
    cli("company", "add", "--name", "acme", "--user", USER, "--password-stdin", stdin=PASSWORD + "\n")
    out = cli("company", "password", "--name", "acme", "--password-stdin", stdin=NEW_PASSWORD + "\n").output
    assert "new Web Connector password stored" in out and "Password column" in out and NEW_PASSWORD not in out
    bridge = start_in_thread(warehouse, BridgeSettings(**FAST))
    try:
        assert _session(bridge, tmp_path, PASSWORD).authenticated == "nvu"
        assert _session(bridge, tmp_path, NEW_PASSWORD).authenticated not in ("nvu", None)
    finally:
        bridge.stop()
    assert cli("company", "password", "--name", "nobody", "--password-stdin", stdin="x\n", ok=False).exit_code == 1


def test_remove_refuses_open_requests_unless_forced_and_keeps_history(cli, warehouse):
    cli("company", "add", "--name", "acme", "--user", USER, "--password-stdin", stdin=PASSWORD + "\n")
    queue_vendors_and_bills(warehouse, vendors=1, bills_per_vendor=1)
    refused = cli("company", "remove", "--name", "acme", "--yes", ok=False)
    assert refused.exit_code == 1 and "2 request(s) still open" in refused.output
    out = cli("company", "remove", "--name", "acme", "--yes", "--force").output
    assert "company acme removed" in out
    assert "no companies yet" in cli("company", "list").output
    with warehouse.connect() as conn:
        assert conn.scalar("SELECT count(*) FROM company_sources WHERE company = 'acme'") == 0
        assert conn.fetchall("SELECT DISTINCT status, last_error FROM qbxml_outbox") == [("failed", "company removed")]
        assert conn.scalar("SELECT count(*) FROM audit_log WHERE event = 'removed'") == 1


def test_outbox_failed_lists_the_errors(cli, warehouse):
    assert "no failed requests in" in cli("outbox", "failed").output
    with warehouse.connect() as conn:
        load(conn, "qbxml_outbox", [outbox_row("coupa:po:7", "failed", last_error="3180: save failed")])
    lines = cli("outbox", "failed").output.splitlines()
    assert lines[0] == "company\top\trecord\tattempts\tstatus code\terror"
    assert lines[1].startswith("acme\tBillAdd\tcoupa:po:7\t1\t") and lines[1].endswith("3180: save failed")
    assert "qbsync replay --failed --key KEY" in lines[-1]


def test_healthz_answers_for_the_warehouse(warehouse):
    from qbwc_bridge.app import create_app
    from warehouse.store import Warehouse

    assert create_app(warehouse, BridgeSettings()).test_client().get("/healthz").status_code == 200
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = Warehouse(f"postgresql://postgres@127.0.0.1:{port}/qb")
    answer = create_app(down, BridgeSettings()).test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json["status"] == "unavailable" and "connection refused" in answer.json["error"]


def test_sessions_are_logged_and_the_support_page_shows_the_last_one(cli, warehouse, tmp_path, caplog):
    cli("company", "add", "--name", "acme", "--user", USER, "--password-stdin", stdin=PASSWORD + "\n")
    queue_vendors_and_bills(warehouse, vendors=1, bills_per_vendor=1)
    bridge = start_in_thread(warehouse, BridgeSettings(**FAST))
    try:
        with caplog.at_level(logging.INFO, logger="qbwc_bridge"):
            _session(bridge, tmp_path, PASSWORD)
            _session(bridge, tmp_path, "wrong")
        page = httpx.get(bridge.url + "/support", params={"company": "acme"}).text
    finally:
        bridge.stop()
    said = [r.getMessage() for r in caplog.records]
    started = next(m for m in said if "started" in m)
    sid = started.split()[1].rstrip(":")
    assert f"company acme, user {USER!r}" in started
    assert any(m.startswith(f"session {sid}: message with 1 request(s) for acme") for m in said), said
    assert any(m.startswith(f"session {sid}: answer: 1 done, 0 failed") for m in said), said
    assert any(m.startswith(f"session {sid}: closed for acme: 2 sent, 2 done, 0 failed") for m in said), said
    assert any("bad credentials" in m for m in said) and PASSWORD not in caplog.text
    assert "<h2>acme</h2>" in page and "Last session started" in page and "2 sent, 2 done, 0 failed" in page
    assert "0 request(s) waiting for QuickBooks, 0 failed" in page


def test_bridge_log_lines_can_be_json():
    record = logging.LogRecord("qbwc_bridge", logging.INFO, __file__, 1, "session %s: closed", ("ab12",), None)
    line = json.loads(log_formatter("json").format(record))
    assert line["message"] == "session ab12: closed" and line["level"] == "INFO" and line["time"].endswith("+00:00")

"""Operator commands for the bridge: rotate a Web Connector password, remove a company, list failed requests."""

from __future__ import annotations

from bridge_support import FAST, PASSWORD, USER, queue_vendors_and_bills
from quality_fixtures import load, outbox_row

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

"""The bridge's commands on both backends: companies, .QWC files, outbox status and export, serving."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import httpx
from bridge_support import PASSWORD, queue_vendors_and_bills
from lxml import etree

from qbxml import xsd
from sources import registry


def test_company_add_and_list(cli, warehouse):
    out = cli("company", "add", "--name", "acme", "--user", "acme-qbwc", "--password-stdin", stdin=PASSWORD + "\n")
    assert "company acme" in out.output
    cli(
        "company",
        "add",
        "--name",
        "beta",
        "--user",
        "beta-qbwc",
        "--password-stdin",
        "--country",
        "CA",
        "--max-version",
        "13.0",
        stdin="other\n",
    )
    assert cli("company", "list").output.splitlines() == [
        "company\tWeb Connector user\tcountry\tqbXML <=",
        "acme\tacme-qbwc\tUS\t16.0",
        "beta\tbeta-qbwc\tCA\t13.0",
    ]
    again = cli("company", "add", "--name", "acme", "--user", "x", "--password-stdin", stdin="p\n", ok=False)
    assert again.exit_code == 1
    with warehouse.connect() as conn:
        stored = conn.scalar("SELECT password_hash FROM companies WHERE company = 'acme'")
    assert stored.startswith("scrypt$") and PASSWORD not in stored


def test_qwc_file(cli, tmp_path):
    cli("company", "add", "--name", "acme", "--user", "acme-qbwc", "--password-stdin", stdin=PASSWORD + "\n")
    first, second = tmp_path / "a.qwc", tmp_path / "b.qwc"
    cli("qwc", "--company", "acme", "--url", "https://bridge.example.com/qbwc", "--out", str(first))
    cli(
        "qwc",
        "--company",
        "acme",
        "--url",
        "https://bridge.example.com/qbwc",
        "--every-minutes",
        "5",
        "--out",
        str(second),
    )
    doc = etree.fromstring(first.read_bytes())
    assert doc.tag == "QBWCXML"
    fields = {e.tag: e.text for e in doc}
    assert fields["AppURL"] == "https://bridge.example.com/qbwc"
    assert fields["AppSupport"] == "https://bridge.example.com/support?company=acme"
    assert fields["UserName"] == "acme-qbwc"
    assert fields["QBType"] == "QBFS"
    assert re.fullmatch(r"\{[0-9A-F-]{36}\}", fields["OwnerID"]) and re.fullmatch(
        r"\{[0-9A-F-]{36}\}", fields["FileID"]
    )
    other = {e.tag: e.text for e in etree.fromstring(second.read_bytes())}
    assert (other["OwnerID"], other["FileID"]) == (fields["OwnerID"], fields["FileID"])  # stable per company
    assert doc.findtext("Scheduler/RunEveryNMinutes") == "15"
    refused = cli("qwc", "--company", "acme", "--url", "http://bridge.example.com/qbwc", ok=False)
    assert refused.exit_code == 1 and "HTTPS" in refused.output


def test_outbox_status_and_export(cli, warehouse, tmp_path):
    cli("company", "add", "--name", "acme", "--user", "acme-qbwc", "--password-stdin", stdin=PASSWORD + "\n")
    assert "the outbox is empty" in cli("outbox", "status").output
    queue_vendors_and_bills(warehouse, vendors=2, bills_per_vendor=2)
    assert json.loads(cli("outbox", "status", "--json").output) == [{"company": "acme", "status": "pending", "n": 6}]
    out = cli("outbox", "export", str(tmp_path / "export")).output
    assert "wrote 6 request(s)" in out
    files = sorted((tmp_path / "export" / "acme").glob("*.xml"))
    assert len(files) == 6
    schema = xsd.load("16.0")
    for f in files:
        assert not schema.errors(etree.fromstring(f.read_bytes()))


def test_bridge_command_serves_with_waitress(cli, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", "from pipelines.cli import main; main()", "bridge", "--port", "0"],
        env={**{k: v for k, v in os.environ.items() if not k.endswith("_WEBHOOK_SECRET")}, **cli.env},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stderr.readline()
        while "bridge on" not in line and line:  # lines before it say what it waits for (a DuckDB lock)
            line = proc.stderr.readline()
        url = re.search(r"http://[\d.]+:\d+", line).group(0)
        offs = [proc.stderr.readline() for s in registry.all_sources() if s.webhook]  # one line per such source
        assert any("webhooks off: set QBSYNC_COUPA_WEBHOOK_SECRET" in off for off in offs), offs
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(url + "/healthz")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "bridge did not answer"
                time.sleep(0.05)
        assert response.status_code == 200
        assert response.headers["server"] == "qbsync-bridge"  # waitress, not Flask's development server
        assert "TroubleshootWebServiceFSSoap" in httpx.get(url + "/qbwc?wsdl").text
    finally:
        proc.kill()  # not terminate(): a pytest-xdist worker's children inherit SIGTERM ignored
        proc.wait(timeout=10)
        proc.stderr.close()

"""Helpers for the bridge tests: a company, queued vendors and bills, a bridge serving in a thread."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pandas as pd
from zeep import Client, Settings
from zeep.transports import Transport

from assets import steps
from qbwc_bridge import companies
from qbwc_bridge.server import RunningBridge, start_in_thread
from qbwc_bridge.settings import BridgeSettings
from qbxml import envelope, requests
from qbxml.responses import parse_message
from sandbox.quickbooks.company import CompanyFile
from sandbox.webconnector.client import ClientFaults, WebConnector
from warehouse.outbox import enqueue, request_id_for
from warehouse.qb_mirror import fold_pending
from warehouse.store import Warehouse

COMPANY, USER, PASSWORD = "acme", "acme-qbwc", "s3cret-pass"
WSDL = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "qbwc" / "QBWebConnectorSvc.wsdl"
FAST = {"retry_delay_seconds": 0, "session_idle_seconds": 0, "answer_wait_seconds": 0}


def add_company(wh: Warehouse, name: str = COMPANY, user: str = USER, max_version: str = "16.0") -> None:
    with wh.connect() as conn:
        companies.add(conn, name, user, PASSWORD, max_version=max_version)


def vendor_key(i: int) -> str:
    return f"coupa:supplier:{i}:v1"


def queue_vendors_and_bills(wh: Warehouse, vendors: int, bills_per_vendor: int, company: str = COMPANY) -> None:
    """`vendors` VendorAdds and, depending on each, `bills_per_vendor` BillAdds with a unique RefNumber."""
    rows = []
    for v in range(vendors):
        name = f"Vendor {v:05d}"
        rows.append((company, "VendorAdd", vendor_key(v), {"VendorAdd": {"Name": name}}, None))
        for b in range(bills_per_vendor):
            body = {
                "VendorRef": {"FullName": name},
                "TxnDate": "2024-03-01",
                "RefNumber": f"INV-{v}-{b}",
                "Memo": f"Coupa invoice {v}-{b}",
                "ExpenseLineAdd": [{"AccountRef": {"FullName": "Office Supplies"}, "Amount": "125.00"}],
            }
            dep = request_id_for(company, vendor_key(v))
            rows.append((company, "BillAdd", f"coupa:invoice:{v}-{b}:v1", {"BillAdd": body}, dep))
    frame = pd.DataFrame(rows, columns=["company", "op", "dedup_key", "payload", "depends_on"])
    frame["record_key"] = frame["dedup_key"].str.rsplit(":", n=1).str[0]
    with wh.connect() as conn:
        enqueue(conn, frame)


@contextmanager
def running_bridge(wh: Warehouse, **settings) -> Iterator[RunningBridge]:
    bridge = start_in_thread(wh, BridgeSettings(**settings))
    try:
        yield bridge
    finally:
        bridge.stop()


def connector(bridge: RunningBridge, company: CompanyFile, **faults) -> WebConnector:
    """A sandbox Web Connector for `company` against the bridge, with client fault knobs."""
    return WebConnector(bridge.soap_url, USER, PASSWORD, company, noop_wait=0.01, faults=ClientFaults(**faults))


def qb_add(company: CompanyFile, op: str, body: dict) -> dict:
    """Put an object straight into the company file (as another QuickBooks user would); its Ret data."""
    rq = requests.render(op, {op: body}, version="16.0", request_id="setup")
    rs = parse_message(company.process(envelope.message([rq], version="16.0")).response_xml)[0]
    assert rs.status_code == 0, rs.status_message
    return rs.records[0].data


def zeep_service(soap_url: str):
    """A zeep client built from Intuit's WSDL, its address pointed at our loopback bridge."""
    client = Client(str(WSDL), settings=Settings(strict=True), transport=Transport(timeout=30))
    return client.create_service("{http://developer.intuit.com/}TroubleshootWebServiceFSSoap", soap_url)


def statuses(wh: Warehouse) -> dict[str, int]:
    with wh.connect() as conn:
        return dict(conn.fetchall("SELECT status, count(*) FROM qbxml_outbox GROUP BY status"))


def pull_reference(wh: Warehouse, company: CompanyFile) -> dict:
    """Queue every reference query, play Web Connector sessions until idle and fold the answers into qb_*."""
    queued = steps.enqueue_reference_queries(wh)
    with running_bridge(wh, **FAST) as bridge:
        WebConnector(bridge.soap_url, USER, PASSWORD, company, noop_wait=0.01).run_until_idle()
    with wh.connect() as conn:
        fold_pending(conn)
        assert conn.fetchall("SELECT DISTINCT status FROM qbxml_outbox") == [("done",)]
    return queued


class Clock:
    """The company file machine's clock, moved by the test."""

    def __init__(self, start: datetime):
        self.at = start

    def __call__(self) -> datetime:
        return self.at

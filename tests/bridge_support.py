"""Helpers for the bridge tests: a company, queued vendors and bills, a bridge serving in a thread."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from zeep import Client, Settings
from zeep.transports import Transport

from qbwc_bridge import companies
from qbwc_bridge.server import RunningBridge, start_in_thread
from qbwc_bridge.settings import BridgeSettings
from warehouse.outbox import enqueue, request_id_for
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


def zeep_service(soap_url: str):
    """A zeep client built from Intuit's WSDL, its address pointed at our loopback bridge."""
    client = Client(str(WSDL), settings=Settings(strict=True), transport=Transport(timeout=30))
    return client.create_service("{http://developer.intuit.com/}TroubleshootWebServiceFSSoap", soap_url)


def statuses(wh: Warehouse) -> dict[str, int]:
    with wh.connect() as conn:
        return dict(conn.fetchall("SELECT status, count(*) FROM qbxml_outbox GROUP BY status"))

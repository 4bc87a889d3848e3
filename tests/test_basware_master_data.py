"""QuickBooks vendors, accounts and the cost centres mapped onto its classes into Basware through the cloud-write
ledger, against the simulator: batches
within the per-call limits, outcomes read back from requestStatus with per-record errors kept on the write,
inactive records sent as inactive, and a record sent again only when its content changed."""

from __future__ import annotations

from collections import Counter

import pytest
from test_transforms import _company

from assets.feedback import deliver_writes
from connectors.core import RetryPolicy
from sandbox.basware.generator import generate
from sandbox.basware.server import BaswareSandbox
from sources import registry
from sources.basware.client import BaswareClient, _chunks
from warehouse.audit import now
from warehouse.company_sources import enrol

BASWARE = registry.get("basware")


@pytest.fixture
def tenant():
    dataset = generate(5, vendors=2, invoices=0, bad_share=0.0)
    with (
        BaswareSandbox(dataset, client_id="c", client_secret="s") as api,
        BaswareClient(api.base_url, "c", "s", retry=RetryPolicy(base=0.001, cap=0.01)) as client,
    ):
        yield api, client


def _vendor(wh, list_id: str, name: str, active: bool = True, account_number: str | None = None) -> None:
    wh.execute(
        "INSERT INTO qb_vendors (company, list_id, vendor_name, account_number, address_line1, city, postal_code, "
        "is_active, synced_at) VALUES ('acme', ?, ?, ?, '1 Yard Rd', 'Columbus', '43215', ?, ?)",
        [list_id, name, account_number, active, now()],
    )


def test_vendors_and_accounts_reach_basware_once_with_their_errors(warehouse, tenant):
    api, client = tenant
    warehouse.migrate()
    with warehouse.connect() as conn:
        _company(conn)  # its chart holds one account: Office Supplies (A1)
        enrol(conn, "acme", "basware")
    warehouse.execute(
        "INSERT INTO qb_accounts (company, list_id, full_name, account_number, is_active, synced_at) "
        "VALUES ('acme', 'A2', 'Job Materials', '5000', FALSE, ?)",
        [now()],
    )
    for n in range(205):  # more than one call's worth (200 vendors per POST)
        _vendor(warehouse, f"8000{n:04d}-1733500000", f"Supplier {n:03d}", active=n != 7)
    _vendor(warehouse, "80009999-1733500000", "Granite Ready-Mix Co.", account_number="BASWARE-V1001")
    for code, klass in (("PRJ-101", "Harbor Tower"), ("PRJ-102", "Elm School")):  # cost centres mapped onto classes
        warehouse.execute("INSERT INTO cost_centre_mappings VALUES ('acme', 'basware', ?, ?)", [code, klass])
    warehouse.execute("INSERT INTO cost_centre_mappings VALUES ('acme', 'coupa', '900', 'Admin')")  # not Basware's

    counts = deliver_writes(warehouse, BASWARE, client)
    assert counts["sent"] == 205 + 2 + 2 and counts["error"] == 0  # the vendor from Basware is not sent back
    held = api.imports.records
    calls = Counter(r["entityType"] for r in api.imports.requests.values())
    assert calls["Vendor"] in (2, 3) and calls["Account"] >= 1 and calls["CostCenter"] >= 1  # claims of 200 writes
    assert all(len(r["items"]) <= 200 for r in api.imports.requests.values())  # 206 vendors: 200 per call at most
    assert held["costCenters"]["PRJ-102"]["costCenterNames"] == [{"translation": "Elm School", "language": "en-US"}]
    assert held["costCenters"]["PRJ-101"]["companies"] == [{"companyCode": "BW01", "active": True}]
    assert set(held["costCenters"]) == {"PRJ-101", "PRJ-102"}
    assert held["vendors"]["80000007-1733500000"]["processingStatus"]["active"] is False
    assert held["vendors"]["80000008-1733500000"]["companies"] == [{"companyCode": "BW01"}]
    assert held["accounts"]["A2"]["accountCode"] == "5000"
    assert held["accounts"]["A2"]["companies"][0]["active"] is False
    assert held["accounts"]["A1"]["accountNames"] == [{"translation": "Office Supplies", "language": "en-US"}]
    assert "80009999-1733500000" not in held["vendors"]

    assert deliver_writes(warehouse, BASWARE, client)["sent"] == 0  # nothing changed: nothing sent
    warehouse.execute("UPDATE qb_vendors SET vendor_name = 'Supplier 003 LLC' WHERE list_id = '80000003-1733500000'")
    assert deliver_writes(warehouse, BASWARE, client)["sent"] == 1
    assert held["vendors"]["80000003-1733500000"]["name"] == "Supplier 003 LLC"
    assert api.imports.applied["vendors", "80000003-1733500000"] == 2
    warehouse.execute(
        "UPDATE cost_centre_mappings SET qb_class_name = 'Harbor Office Tower' WHERE cost_centre = 'PRJ-101'"
    )
    assert deliver_writes(warehouse, BASWARE, client)["sent"] == 1  # a class mapped anew: that cost centre renamed
    assert held["costCenters"]["PRJ-101"]["costCenterNames"][0]["translation"] == "Harbor Office Tower"


def test_a_record_basware_refuses_comes_back_with_its_reason(tenant):
    api, client = tenant
    taken = next(iter(api.imports.records["vendors"].values()))["vendorCode"]
    record = {"external_code": "X1", "code": taken, "name": "Imposter", "active": True}
    [error] = client.deliver_batch("vendor_import", [record])
    assert error.startswith("Error:") and f"vendorCode {taken} already belongs to externalCode" in error


def test_an_unchanged_reimport_is_silently_not_processed(tenant):
    api, client = tenant
    record = {"external_code": "A9", "code": "6100", "name": "Equipment Rental", "active": True}
    assert client.deliver_batch("account_import", [record]) == [None]
    assert client.deliver_batch("account_import", [record]) == [None]
    assert api.imports.applied["accounts", "A9"] == 1 and api.imports.unchanged["accounts"] == 1


def test_a_schema_error_refuses_the_whole_call_naming_the_record(tenant):
    _, client = tenant
    errors = client.deliver_batch("account_import", [{"external_code": "A8", "code": "", "name": "x", "active": 1}])
    assert "SCHEMA_VALIDATION_ERROR" in errors[0] and "[A8]" in errors[0] and "accountCode" in errors[0]


def test_calls_stay_within_the_record_and_size_limits():
    records = [{"externalCode": str(n), "pad": "x" * 90} for n in range(10)]
    assert [len(c) for c in _chunks(records, 4, 10_000)] == [4, 4, 2]
    assert [len(c) for c in _chunks(records, 100, 400)] == [3, 3, 3, 1]

"""A second source declared entirely in tests/toy_source (declaration, client, simulator, two SQL files) becomes bills
through the same assets, checks, outbox, feedback and recon views, with no change to shared code."""

from __future__ import annotations

import pytest
import toy_source.declaration as toy_declaration
from test_contract import _materialize
from test_transforms import _company
from toy_source.simulator import BILLS, VENDORS, ToySimulator

from assets.feedback import feedback_assets
from assets.landing import landing_assets
from assets.matching import matching_assets
from assets.outbox import outbox_assets
from assets.staging import staging_assets
from resources.source_api import SourceApiResource
from resources.warehouse import WarehouseResource
from sources import registry
from warehouse.company_sources import enrol


@pytest.fixture
def toy():
    with (
        registry.registered(toy_declaration.SOURCE, toy_declaration.__file__) as source,
        ToySimulator(VENDORS, BILLS) as sim,
    ):
        yield source, sim


def _resources(warehouse, sim) -> dict:
    return {
        "warehouse": WarehouseResource(database_url=warehouse.url, schema_name=warehouse.schema),
        "toy": SourceApiResource(source="toy", base_url=sim.url, client_id="toy-test", client_secret="unused"),
    }


def test_toy_documents_become_bills_through_the_shared_assets(warehouse, toy):
    source, sim = toy
    warehouse.migrate()  # the toy's landing tables, now that it is declared
    with warehouse.connect() as conn:
        _company(conn)
        enrol(conn, "acme", "toy")
        conn.execute("INSERT INTO account_mappings VALUES ('acme', 'toy', '6000-100', 'Office Supplies')")
    resources = _resources(warehouse, sim)
    _materialize([*landing_assets(source), *staging_assets(), *matching_assets, *outbox_assets], resources)
    expected = sim.expected()

    drafts = dict(warehouse.fetchall("SELECT record_key, memo FROM bill_drafts WHERE source_system = 'toy'"))
    assert drafts["toy:invoice:B1"] == "Toy invoice INV-B1" and "toy:invoice:B3" not in drafts
    bills = dict(warehouse.fetchall("SELECT record_key, status FROM qbxml_outbox WHERE op = 'BillAdd'"))
    assert set(bills) == set(expected["bills"])  # the good approved bills, from the simulator's own truth
    vendor_adds = warehouse.fetchall("SELECT payload FROM qbxml_outbox WHERE op = 'VendorAdd'")
    assert all("TOY-V" in str(p) for (p,) in vendor_adds) and len(vendor_adds) == 2
    held = dict(
        warehouse.fetchall("SELECT record_key, field FROM quarantine WHERE released_at IS NULL AND company = ''")
    )
    assert {k: (f,) for k, f in held.items()} == expected["bad"]  # the planted bad bill, its reason naming the field

    # QuickBooks takes the bills; the toy's feedback asset tells the toy once
    warehouse.execute("UPDATE qbxml_outbox SET status = 'done', qb_id = 'T' || record_key WHERE op = 'BillAdd'")
    [feedback] = [a for a in feedback_assets() if a.key.path[0] == "toy"]
    _materialize([feedback], resources)
    _materialize([feedback], resources)
    assert dict(sim.export_writes) == {k.rsplit(":", 1)[1]: 1 for k in expected["bills"]}
    recon = dict(
        warehouse.fetchall("SELECT record_key, source_amount FROM recon_documents WHERE record_key LIKE 'toy:%'")
    )
    assert set(recon) >= set(expected["bills"])


def test_toy_landing_resumes_from_the_watermark_minus_the_overlap(warehouse, toy):
    source, sim = toy
    warehouse.migrate()
    resources = _resources(warehouse, sim)
    _materialize(landing_assets(source), resources)
    sim.data["bills"]["B4"] = {**sim.data["bills"]["B4"], "modified": "2024-05-03T00:00:00Z", "amount": "7.75"}
    result = _materialize(landing_assets(source), resources)
    metadata = {
        e.asset_key.to_user_string(): e.materialization.metadata for e in result.get_asset_materialization_events()
    }
    # the overlap re-reads what changed near the watermark; only the bill that really moved is landed again
    assert {k: m["changed"].value for k, m in metadata.items()} == {"toy/raw_vendors": 0, "toy/raw_bills": 1}
    assert metadata["toy/raw_bills"]["fetched"].value == len(BILLS)  # all within five minutes of the watermark
    assert ("bills", "2024-05-02T08:55:00+00:00") in sim.pulls  # the newest bill seen, five minutes back
    assert ("vendors", "2024-05-01T09:55:00+00:00") in sim.pulls
    assert warehouse.scalar("SELECT count(*) FROM raw_toy_bills") == len(BILLS)

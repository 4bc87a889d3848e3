"""Basware vendors onto QuickBooks vendors through the shared matching path, from the simulator's shapes: by the
QuickBooks ListID a vendor imported from QuickBooks carries (as vendorCode or externalCode), then by the stamp of a
vendor qbsync created (BASWARE-<vendorCode>), then by name, then by address (the vendor's default address)."""

from __future__ import annotations

from test_transforms import _company

from assets.steps import land, match_vendors, stage
from connectors.core import RetryPolicy
from sandbox.basware.generator import generate
from sandbox.basware.server import BaswareSandbox
from sources import registry
from sources.basware.client import BaswareClient
from warehouse.audit import now
from warehouse.company_sources import enrol

BASWARE = registry.get("basware")


def _qb_vendor(wh, list_id: str, name: str, account_number: str | None = None, street: str | None = None) -> None:
    wh.execute(
        "INSERT INTO qb_vendors (company, list_id, vendor_name, account_number, address_line1, postal_code, "
        "is_active, synced_at) VALUES ('acme', ?, ?, ?, ?, '43215-0001', TRUE, ?)",
        [list_id, name, account_number, street, now()],
    )


def test_basware_vendors_match_by_list_id_then_stamp_then_name_then_address(warehouse):
    dataset = generate(6, vendors=6, invoices=0, bad_share=0.0)
    vendors = sorted(dataset.vendors.values(), key=lambda v: v["vendorCode"])
    imported, external, stamped, named, addressed, new = vendors
    imported.update(vendorCode="80000A01-1733500000", externalCode="80000A01-1733500000", name="Renamed in Basware")
    external.update(externalCode="80000A02-1733500000", name="Also renamed")
    with warehouse.connect() as conn:
        _company(conn)
        enrol(conn, "acme", "basware")
    _qb_vendor(warehouse, "80000A01-1733500000", "From QuickBooks One")
    _qb_vendor(warehouse, "80000A02-1733500000", "From QuickBooks Two")
    _qb_vendor(warehouse, "80000A03-1733500000", "Created by qbsync", account_number=f"BASWARE-{stamped['vendorCode']}")
    _qb_vendor(warehouse, "80000A04-1733500000", named["name"].upper().replace(".", ""))
    _qb_vendor(warehouse, "80000A05-1733500000", "Old Trading Name", street=addressed["addresses"][0]["addressLine1"])
    for vendor in vendors:  # a second, non-default address first: the default one is the vendor's address
        vendor["addresses"] = [{**vendor["addresses"][0], "addressLine1": "PO Box 9", "addressType": "Billing",
                                "default": False}, {**vendor["addresses"][0], "default": True}]  # fmt: skip
    with (
        BaswareSandbox(dataset, client_id="c", client_secret="s") as api,
        BaswareClient(api.base_url, "c", "s", retry=RetryPolicy(base=0.001, cap=0.01)) as client,
    ):
        land(warehouse, BASWARE, "vendors", client.iter_vendors())
    stage(warehouse, BASWARE, "vendors")
    match_vendors(warehouse)
    got = dict(
        warehouse.fetchall(
            "SELECT supplier_source_id, match_method || ' ' || coalesce(qb_list_id, '-') FROM vendor_matches "
            "WHERE source_system = 'basware'"
        )
    )
    assert got == {
        imported["vendorCode"]: "list_id 80000A01-1733500000",
        external["vendorCode"]: "list_id 80000A02-1733500000",
        stamped["vendorCode"]: "external_id 80000A03-1733500000",
        named["vendorCode"]: "name 80000A04-1733500000",
        addressed["vendorCode"]: "address 80000A05-1733500000",
        new["vendorCode"]: "create -",
    }
    staged = warehouse.records(
        "SELECT address_line1, city, postal_code FROM stg_suppliers WHERE source_id = ?", [new["vendorCode"]]
    )
    assert staged == [
        {"address_line1": new["addresses"][1]["addressLine1"], "city": "Columbus", "postal_code": "43215"}
    ]

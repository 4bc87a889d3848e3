"""VendorMod keeps matched QuickBooks vendors in step with their suppliers: address, phone, email, tax id and mapped
terms, for every match kind, only when the source changed after QuickBooks last did; the name only when the company
follows source names; inactive when the source deleted the supplier and no other source's supplier still uses the
vendor; VendorAdd carries the mapped terms."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
from quality_fixtures import STAMP, vendor_match

from assets import steps
from warehouse.company_sources import enrol

SAME = {"address_line1": "1 Main St", "city": "Springfield", "state": "IL", "postal_code": "62701",
        "country": "US", "phone": "555-0100", "email": "ap@acme.example"}  # fmt: skip


def _supplier(source_id: str, updated, **changes) -> dict:
    return {"source_system": "coupa", "source_id": source_id, "supplier_name": f"Supplier {source_id}",
            "tax_id": "12-3456789", "source_updated_at": updated, "staged_at": STAMP, **SAME, **changes}  # fmt: skip


def _vendor(source_id: str) -> dict:
    return {"company": "acme", "list_id": f"80000{source_id}-1", "vendor_name": f"Supplier {source_id}",
            "edit_sequence": "1714640400", "time_modified": STAMP, "synced_at": STAMP, **SAME}  # fmt: skip


def test_a_supplier_changed_at_the_source_is_modified_in_quickbooks_and_nothing_else(warehouse):
    later, earlier = STAMP + timedelta(hours=1), STAMP - timedelta(hours=1)
    suppliers = [
        _supplier("17", later, phone="555-0199"),  # matched by name; its phone changed after QuickBooks' last edit
        _supplier("18", later),  # matched by its external id; nothing differs
        _supplier("19", earlier, email="old@acme.example"),  # QuickBooks changed it later: QuickBooks' edit stands
    ]
    matches = [vendor_match("17", method="name"), vendor_match("18"), vendor_match("19", method="address")]
    with warehouse.connect() as c:
        c.load("stg_suppliers", pd.DataFrame(suppliers))
        c.load("vendor_matches", pd.DataFrame(matches))
        c.load("qb_vendors", pd.DataFrame([_vendor(n) for n in ("17", "18", "19")]))
    assert steps.enqueue_vendors(warehouse)["VendorMod"] == 1
    [(key, payload)] = warehouse.fetchall("SELECT record_key, payload FROM qbxml_outbox WHERE op = 'VendorMod'")
    mod = (json.loads(payload) if isinstance(payload, str) else payload)["VendorMod"]
    assert key == "coupa:supplier:17" and mod["ListID"] == "8000017-1" and mod["Phone"] == "555-0199"
    assert mod["VendorTaxIdent"] == "12-3456789" and mod["VendorAddress"]["State"] == "IL" and mod.get("Name") is None
    assert steps.enqueue_vendors(warehouse)["VendorMod"] == 0  # queued once, not again while it waits


def _mods(warehouse) -> dict[str, dict]:
    rows = warehouse.fetchall("SELECT record_key, payload FROM qbxml_outbox WHERE op = 'VendorMod'")
    return {k: (json.loads(p) if isinstance(p, str) else p)["VendorMod"] for k, p in rows}


def _fed(warehouse, **policy: str) -> None:
    with warehouse.connect() as c:
        enrol(c, "acme", "coupa")
        for name, value in policy.items():
            c.execute(f"UPDATE company_sources SET {name} = ? WHERE company = 'acme'", [value])


def test_a_renamed_supplier_renames_its_vendor_only_when_the_company_follows_source_names(warehouse):
    later = STAMP + timedelta(hours=1)
    suppliers = [
        _supplier("17", later, supplier_name="Acme Industrial Supplies"),  # renamed at the source
        _supplier("18", later),  # we named its vendor "Supplier 18 #18" (the name was taken): not a rename
    ]
    vendors = [_vendor("17"), {**_vendor("18"), "vendor_name": "Supplier 18 #18"}]
    with warehouse.connect() as c:
        c.load("stg_suppliers", pd.DataFrame(suppliers))
        c.load("vendor_matches", pd.DataFrame([vendor_match("17", method="name"), vendor_match("18")]))
        c.load("qb_vendors", pd.DataFrame(vendors))
    _fed(warehouse)  # vendor_names keep, the default
    assert steps.enqueue_vendors(warehouse)["VendorMod"] == 0
    with warehouse.connect() as c:
        c.execute("UPDATE company_sources SET vendor_names = 'follow'")
    assert steps.enqueue_vendors(warehouse)["VendorMod"] == 1
    mod = _mods(warehouse)["coupa:supplier:17"]
    assert mod["Name"] == "Acme Industrial Supplies" and mod["ListID"] == "8000017-1"


def test_mapped_terms_go_on_new_vendors_and_follow_a_change_unmapped_terms_are_never_sent(warehouse):
    later = STAMP + timedelta(hours=1)
    suppliers = [
        _supplier("17", later, terms="2/10 Net 30"),  # mapped; QuickBooks has it on Net 30
        _supplier("18", later, terms="Net 90"),  # not mapped: QuickBooks would refuse a TermsRef it lacks
        _supplier("19", later, terms="2/10 Net 30", supplier_name="Brand New Supplier"),  # to create
    ]
    vendors = [{**_vendor("17"), "terms": "Net 30"}, {**_vendor("18"), "terms": "Net 30"}]
    matches = [vendor_match("17"), vendor_match("18"), vendor_match("19", method="create", name="Brand New Supplier")]
    with warehouse.connect() as c:
        c.load("stg_suppliers", pd.DataFrame(suppliers))
        c.load("vendor_matches", pd.DataFrame(matches))
        c.load("qb_vendors", pd.DataFrame(vendors))
        c.load(
            "terms_mappings",
            pd.DataFrame(
                [
                    {
                        "company": "acme",
                        "source_system": "coupa",
                        "source_terms": "2/10 Net 30",
                        "qb_terms_name": "2% 10 Net 30",
                    }
                ]
            ),
        )
    _fed(warehouse, vendor_sync="all")
    counts = steps.enqueue_vendors(warehouse)
    assert counts["VendorMod"] == 1 and counts["VendorAdd"] == 1
    assert _mods(warehouse)["coupa:supplier:17"]["TermsRef"] == {"FullName": "2% 10 Net 30"}
    [payload] = warehouse.fetchall("SELECT payload FROM qbxml_outbox WHERE op = 'VendorAdd'")[0]
    add = (json.loads(payload) if isinstance(payload, str) else payload)["VendorAdd"]
    assert add["Name"] == "Brand New Supplier" and add["TermsRef"] == {"FullName": "2% 10 Net 30"}


def test_a_deleted_supplier_deactivates_its_vendor_unless_another_sources_supplier_still_uses_it(warehouse):
    later = STAMP + timedelta(hours=1)
    suppliers = [
        _supplier("17", later, is_active=False),  # deleted in Coupa; its vendor is Coupa's alone
        _supplier("18", later, is_active=False),  # deleted in Coupa; Procurify's vendor 501 is the same vendor
        {**_supplier("501", STAMP, is_active=True), "source_system": "procurify"},  # still active in Procurify
    ]
    shared = vendor_match("501", method="name", source_system="procurify", record_key="procurify:supplier:501",
                          qb_list_id="8000018-1")  # fmt: skip
    with warehouse.connect() as c:
        c.load("stg_suppliers", pd.DataFrame(suppliers))
        c.load("vendor_matches", pd.DataFrame([vendor_match("17"), vendor_match("18"), shared]))
        c.load("qb_vendors", pd.DataFrame([_vendor("17"), _vendor("18")]))
    _fed(warehouse)
    with warehouse.connect() as c:
        enrol(c, "acme", "procurify")
    assert steps.enqueue_vendors(warehouse)["VendorMod"] == 1
    assert {k: m.get("IsActive") for k, m in _mods(warehouse).items()} == {"coupa:supplier:17": "false"}

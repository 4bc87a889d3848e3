"""VendorMod keeps matched QuickBooks vendors in step with their suppliers: address, phone, email and tax id, for every
match kind, only when the source changed after QuickBooks last did, and never the name."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
from quality_fixtures import STAMP, vendor_match

from assets import steps

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
    assert mod["VendorTaxIdent"] == "12-3456789" and mod["VendorAddress"]["State"] == "IL" and "Name" not in mod
    assert steps.enqueue_vendors(warehouse)["VendorMod"] == 0  # queued once, not again while it waits

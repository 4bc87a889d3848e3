"""WARN rules and Great Expectations suites: freshness, volume change between runs, name-only vendor matches."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from quality_fixtures import vendor_match

from data_checks import suites, warnings
from warehouse.audit import now


def _land(conn, table: str, ids: range, age: timedelta = timedelta(0)) -> None:
    frame = pd.DataFrame({"source_id": [str(i) for i in ids], "payload": [{"id": i} for i in ids]})
    frame["fetched_at"] = now() - age
    conn.load(table, frame)


def test_freshness_flags_stale_and_empty_sources(warehouse):
    with warehouse.connect() as c:
        _land(c, "raw_coupa_purchase_orders", range(3))
        _land(c, "raw_coupa_suppliers", range(3), age=timedelta(hours=30))
        result = warnings.freshness(c, max_age_hours=24)
    assert "raw_coupa_purchase_orders" not in result.offenders
    assert "raw_coupa_suppliers" in result.offenders and "30." in result.details["raw_coupa_suppliers"]
    assert result.details["raw_coupa_invoices"] == "raw_coupa_invoices has never landed a row"


def test_volume_change_compares_with_the_previous_run(warehouse):
    table = "raw_coupa_purchase_orders"
    with warehouse.connect() as c:
        _land(c, table, range(20), age=timedelta(minutes=5))
        first = warnings.volume_change(c, table)
    assert first.passed and first.metrics["landed_rows"] == 20
    with warehouse.connect() as c:
        _land(c, table, range(100, 118))
        similar = warnings.volume_change(c, table)
    assert similar.passed and similar.metrics["previous_landed_rows"] == 20
    with warehouse.connect() as c:
        _land(c, table, range(200, 300))
        spike = warnings.volume_change(c, table)
    assert spike.offenders == [table] and "100 rows landed this run against 18" in spike.details[table]


def test_name_only_matches_are_listed(warehouse):
    with warehouse.connect() as c:
        c.load("vendor_matches", pd.DataFrame([vendor_match("1"), vendor_match("2", method="name", name="Globex")]))
        result = warnings.name_only_matches(c)
    assert result.offenders == ["coupa:supplier:2"]
    assert result.details["coupa:supplier:2"] == "acme: matched to QuickBooks vendor 'Globex' by name only"


def test_suites_name_the_offending_documents(warehouse):
    rows = [
        {"source_system": "coupa", "source_id": "1", "supplier_name": "Acme", "staged_at": now()},
        {"source_system": "coupa", "source_id": "2", "supplier_name": "Globex", "staged_at": now()},
    ]
    pos = [
        {"source_system": "coupa", "source_id": "7", "po_number": "PO-7", "total_amount": -5, "staged_at": now()},
        {"source_system": "coupa", "source_id": "8", "po_number": "PO-8", "total_amount": 5, "staged_at": now()},
    ]
    with warehouse.connect() as c:
        c.load("stg_suppliers", pd.DataFrame(rows))
        c.load("stg_purchase_orders", pd.DataFrame(pos))
        suppliers = suites.run_suite(c, "stg_suppliers")
        orders = suites.run_suite(c, "stg_purchase_orders")
    assert suppliers.passed and suppliers.metrics["rows"] == 2
    assert orders.offenders == ["coupa:po:7"]
    assert orders.details["coupa:po:7"] == "total_amount -5 is negative"


def test_suite_reports_missing_and_duplicate_rows():
    frame = pd.DataFrame(
        {
            "source_system": ["coupa"] * 3,
            "source_id": ["1", "2", "2"],
            "supplier_name": ["Acme", None, "Globex"],
        }
    )
    result = suites.validate_frame(suites.SUITES["stg_suppliers"], frame)
    assert result.offenders == ["coupa:supplier:2"]
    assert result.details["coupa:supplier:2"] == (
        "supplier_name is missing; source_system=coupa, source_id=2 appears more than once"
    )
    assert result.metrics["unexpected_counts"]["unique_together(source_system, source_id)"] == 2

"""WARN rules and Great Expectations suites: freshness, volume change between runs, name-only vendor matches."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from quality_fixtures import vendor_match

from assets import steps
from data_checks import suites, warnings
from sources import registry
from warehouse.audit import now


def _pulls(conn, entity: str, changed: list[int], ages: list[timedelta] | None = None) -> None:
    """Pulls of Coupa's `entity`, oldest first, each `changed` rows new or changed."""
    ages = ages or [timedelta(minutes=15 * (len(changed) - i)) for i in range(len(changed))]
    rows = [{"source_system": "coupa", "entity": entity, "pulled_at": now() - age, "fetched": n, "changed": n}
            for n, age in zip(changed, ages, strict=True)]  # fmt: skip
    conn.load("source_pulls", pd.DataFrame(rows))


def test_freshness_follows_each_sources_schedule(warehouse, monkeypatch):
    coupa = registry.get("coupa")  # syncs every 15 minutes: stale after four missed pulls, at least an hour
    with warehouse.connect() as c:
        _pulls(c, "purchase_orders", [0], [timedelta(minutes=50)])  # nothing new, but pulled: fresh
        _pulls(c, "suppliers", [3], [timedelta(hours=2)])
        fresh, stale, never = (warnings.freshness(c, coupa, e) for e in ("purchase_orders", "suppliers", "invoices"))
    assert fresh.passed and "within 1.0 h" in fresh.description
    assert stale.details["raw_coupa_suppliers"] == "Coupa suppliers last pulled 2.0 h ago (limit 1.0 h)"
    assert never.details["raw_coupa_invoices"] == "Coupa invoices has never been pulled"
    monkeypatch.setenv("QBSYNC_COUPA_CRON", "0 2 * * *")  # a nightly sync may go four days
    assert warnings.freshness_limit(coupa) == timedelta(days=4)
    monkeypatch.setenv("QBSYNC_FRESHNESS_HOURS", "3")
    with warehouse.connect() as c:
        assert warnings.freshness(c, coupa, "suppliers").passed


def test_volume_flags_a_spike_against_recent_pulls_never_an_ordinary_incremental_pull(warehouse):
    coupa = registry.get("coupa")
    with warehouse.connect() as c:
        _pulls(c, "purchase_orders", [500, 4, 6, 5, 0])  # the first, full load, then incremental pulls
        quiet = warnings.volume_change(c, coupa, "purchase_orders")
    assert quiet.passed and quiet.metrics["recent_median"] == {"raw_coupa_purchase_orders": 5}
    assert quiet.metrics["pulls_compared"] == {"raw_coupa_purchase_orders": 3}
    with warehouse.connect() as c:
        _pulls(c, "purchase_orders", [60], [timedelta(0)])
        spike = warnings.volume_change(c, coupa, "purchase_orders")
    assert spike.offenders == ["raw_coupa_purchase_orders"]
    assert (
        "60 rows new or changed in the last pull against a median of 4.5" in spike.details["raw_coupa_purchase_orders"]
    )


def test_each_pull_is_recorded_even_when_nothing_changed(warehouse):
    coupa = registry.get("coupa")
    records = [{"id": n, "updated-at": "2024-05-01T00:00:00Z"} for n in range(3)]
    steps.land(warehouse, coupa, "suppliers", records)
    steps.land(warehouse, coupa, "suppliers", records)
    pulls = warehouse.fetchall(
        "SELECT fetched, changed FROM source_pulls WHERE entity = 'suppliers' ORDER BY pulled_at"
    )
    assert pulls == [(3, 3), (3, 0)]


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

"""Benchmark: vendor matching grows linearly with the suppliers on both backends (it was quadratic on PostgreSQL)."""

from __future__ import annotations

import time
from datetime import datetime

from transforms.vendors import match_vendors
from warehouse.store import Warehouse

SMALL, LARGE = 5_000, 20_000
SYSTEMS = "ARRAY['coupa', 'basware', 'procurify', 'jaggaer', 'salesforce']"


def _match(wh: Warehouse, suppliers: int) -> tuple[float, dict[str, int]]:
    """Seconds to match `suppliers` suppliers against as many vendors (one in five by name, one by address)."""
    with wh.connect() as conn:
        for table in ("vendor_matches", "stg_suppliers", "qb_vendors", "company_sources", "companies"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute(
            "INSERT INTO companies (company, qbwc_user, password_hash, owner_id, file_id, created_at) "
            "VALUES ('acme', 'u', 'h', 'o', 'f', now())"
        )
        for system in ("coupa", "basware", "procurify", "jaggaer", "salesforce"):
            conn.execute(f"INSERT INTO company_sources (company, source_system) VALUES ('acme', '{system}')")
        conn.execute(
            "INSERT INTO stg_suppliers (source_system, source_id, supplier_number, supplier_name, address_line1, "
            f"postal_code, staged_at) SELECT ({SYSTEMS})[1 + g % 5], CAST(g AS TEXT), 'S' || g, "
            "'Supplier ' || g || ' Inc.', g || ' Main St', lpad(CAST(g % 99999 AS TEXT), 5, '0'), now() "
            f"FROM generate_series(1, {suppliers}) AS t(g)"
        )
        conn.execute(
            "INSERT INTO qb_vendors (company, list_id, vendor_name, account_number, address_line1, postal_code, "
            "is_active, synced_at) SELECT 'acme', '80000' || g || '-1', "
            "CASE WHEN g % 5 = 1 THEN 'Supplier ' || g ELSE 'Vendor ' || g END, "
            f"CASE WHEN g % 5 = 3 THEN upper(({SYSTEMS})[1 + g % 5]) || '-' || g END, "
            "CASE WHEN g % 5 = 2 THEN g || ' Main St' END, lpad(CAST(g % 99999 AS TEXT), 5, '0'), true, now() "
            f"FROM generate_series(1, {suppliers}) AS t(g)"
        )
        if wh.backend == "postgres":
            conn.execute("ANALYZE")
    start = time.perf_counter()
    with wh.connect() as conn:
        for statement in match_vendors(datetime(2026, 1, 1)):
            conn.execute(statement)
    took = time.perf_counter() - start
    methods = dict(wh.fetchall("SELECT match_method, count(*) FROM vendor_matches GROUP BY match_method"))
    return took, methods


def test_vendor_matching_is_linear(warehouse):
    small, _ = _match(warehouse, SMALL)
    large, methods = _match(warehouse, LARGE)
    print(
        f"\nvendor matching on {warehouse.backend}: {SMALL:,} suppliers {small:.2f} s, {LARGE:,} {large:.2f} s, "
        f"ratio {large / small:.1f}x for {LARGE // SMALL}x the suppliers; {methods}"
    )
    assert methods == {"name": LARGE // 5, "external_id": LARGE // 5, "address": LARGE // 5, "create": LARGE * 2 // 5}
    assert large / small < (LARGE / SMALL) * 1.5, "vendor matching grows faster than the suppliers"

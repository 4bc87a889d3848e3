"""Warehouse contract on both backends: migrations, bulk load, upsert, placeholders, lock waits."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import datetime
from decimal import Decimal

import pandas as pd
import pytest

from warehouse.duckdb_files import WarehouseBusy
from warehouse.migrations import available
from warehouse.store import Warehouse, _pg_sql


def test_migrate_is_idempotent_and_reports_status(warehouse):
    assert warehouse.migrate() == []
    status = warehouse.migration_status()
    assert [name for name, _ in status] == [f"{v}_{n}" for v, n, _ in available(warehouse.backend)]
    assert all(applied is not None for _, applied in status)


def test_a_backend_only_migration_runs_on_its_backend_alone(warehouse):
    """1701 drops the bridge's outbox indexes on DuckDB (an update of an indexed column rewrites the whole row
    there); PostgreSQL keeps them."""
    names = [name for name, _ in warehouse.migration_status()]
    assert ("1701_outbox_scans" in names) == (warehouse.backend == "duckdb")
    with warehouse.connect() as conn:
        if warehouse.backend == "duckdb":
            sql = "SELECT index_name FROM duckdb_indexes() WHERE table_name = 'qbxml_outbox'"
        else:
            sql = "SELECT indexname FROM pg_indexes WHERE tablename = 'qbxml_outbox' AND schemaname = current_schema()"
        indexes = {name for (name,) in conn.fetchall(sql)}
    bridge = {"qbxml_outbox_batch", "qbxml_outbox_company_status", "qbxml_outbox_add_batch"}
    assert (bridge <= indexes) == (warehouse.backend == "postgres"), indexes


def test_core_tables_exist(warehouse):
    with warehouse.connect() as c:
        for table in (
            "qbxml_outbox",
            "qbxml_responses",
            "qbwc_sessions",
            "audit_log",
            "stg_suppliers",
            "qb_vendors",
            "raw_coupa_purchase_orders",
            "companies",
            "quarantine",
        ):
            assert c.columns(table), table


def _suppliers(n: int, name_prefix: str = "Supplier") -> pd.DataFrame:
    now = datetime(2026, 1, 2, 3, 4, 5)
    return pd.DataFrame(
        {
            "source_system": ["coupa"] * n,
            "source_id": [str(i) for i in range(n)],
            "supplier_name": [f"{name_prefix} {i}" for i in range(n)],
            "city": [None if i % 2 else "Zürich" for i in range(n)],
            "is_active": [True] * n,
            "staged_at": [now] * n,
        }
    )


def test_bulk_load_and_upsert_by_natural_key(warehouse):
    assert warehouse.load("stg_suppliers", _suppliers(1000)) == 1000
    changed = _suppliers(10, "Renamed")
    extra = pd.DataFrame({**_suppliers(1).to_dict("list"), "source_id": ["new"], "supplier_name": ["New"]})
    warehouse.upsert("stg_suppliers", pd.concat([changed, extra]), key=["source_system", "source_id"])
    with warehouse.connect() as c:
        assert c.scalar("SELECT count(*) FROM stg_suppliers") == 1001
        assert c.scalar("SELECT supplier_name FROM stg_suppliers WHERE source_id = ?", ["3"]) == "Renamed 3"
        assert c.scalar("SELECT supplier_name FROM stg_suppliers WHERE source_id = ?", ["999"]) == "Supplier 999"
        assert c.scalar("SELECT city FROM stg_suppliers WHERE source_id = ?", ["0"]) == "Zürich"
        assert c.scalar("SELECT city FROM stg_suppliers WHERE source_id = ?", ["1"]) is None


def test_upsert_without_update_keeps_existing(warehouse):
    warehouse.load("stg_suppliers", _suppliers(3))
    warehouse.upsert("stg_suppliers", _suppliers(5, "Other"), key=["source_system", "source_id"], update=False)
    names = warehouse.df("SELECT supplier_name FROM stg_suppliers ORDER BY source_id")["supplier_name"].tolist()
    assert names == ["Supplier 0", "Supplier 1", "Supplier 2", "Other 3", "Other 4"]


def test_json_and_decimal_round_trip(warehouse):
    frame = pd.DataFrame(
        {
            "request_id": ["r1"],
            "company": ["acme"],
            "op": ["VendorAdd"],
            "dedup_key": ["k"],
            "record_key": ["coupa:supplier:1"],
            "payload": [{"Name": "A & B", "amount": "10.50"}],
            "created_at": [datetime(2026, 1, 1)],
            "updated_at": [datetime(2026, 1, 1)],
        }
    )
    warehouse.load("qbxml_outbox", frame)
    with warehouse.connect() as c:
        c.execute("UPDATE qbxml_outbox SET last_error = ? WHERE request_id = ?", ["100% done? 'yes'", "r1"])
        row = c.records("SELECT payload, last_error, status FROM qbxml_outbox WHERE request_id = ?", ["r1"])[0]
    payload = row["payload"] if isinstance(row["payload"], dict) else __import__("json").loads(row["payload"])
    assert payload == {"Name": "A & B", "amount": "10.50"}
    assert row["last_error"] == "100% done? 'yes'"
    assert row["status"] == "pending"
    warehouse.execute(
        "INSERT INTO stg_payments (source_system, source_id, amount, staged_at) VALUES (?, ?, ?, ?)",
        ["coupa", "p1", Decimal("12.34"), datetime(2026, 1, 1)],
    )
    assert warehouse.scalar("SELECT amount FROM stg_payments") == Decimal("12.34")


def test_transaction_rolls_back_on_error(warehouse):
    with pytest.raises(RuntimeError), warehouse.connect() as c:
        c.load("stg_suppliers", _suppliers(2))
        raise RuntimeError("boom")
    assert warehouse.scalar("SELECT count(*) FROM stg_suppliers") == 0


def test_pg_placeholder_translation_leaves_literals_alone():
    assert _pg_sql("SELECT '?', x FROM t WHERE a = ? AND b LIKE '50%'") == (
        "SELECT '?', x FROM t WHERE a = %s AND b LIKE '50%%'"
    )


def test_describe_hides_password():
    wh = Warehouse("postgresql://user:secret@db.example:5432/qb")
    assert "secret" not in wh.describe()
    assert wh.describe() == "postgresql://user@db.example:5432/qb"


def test_duckdb_lock_held_by_another_process_is_waited_for_then_reported(tmp_path):
    path = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(path)!r})
            print("locked", flush=True)
            sys.stdin.read()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        wh = Warehouse(f"duckdb:///{path}", lock_timeout=0.3)
        with pytest.raises(WarehouseBusy, match=rf"is locked by process {holder.pid} \(python[0-9.]* -c import duckdb"):
            wh.migrate()
        holder.stdin.close()
        holder.wait(timeout=20)
        assert wh.migrate()  # the lock is free again: the wait succeeds
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.postgres
def test_the_assets_warehouse_never_plans_a_nested_loop_on_postgresql(pg_warehouse):
    """The assets' connections (batch) join by hash or merge and compile no JIT code; the bridge's and the commands'
    keep the planner's defaults. Each setting survives the connection's reuse."""
    from resources.warehouse import WarehouseResource

    assets_wh = WarehouseResource(database_url=pg_warehouse.url, schema_name=pg_warehouse.schema).get()
    for _ in range(2):  # a fresh connection, then the reused one
        assert assets_wh.scalar("SHOW enable_nestloop") == "off"
        assert pg_warehouse.scalar("SHOW enable_nestloop") == "on"
        assert assets_wh.scalar("SHOW jit") == "off"
    join = (
        "EXPLAIN SELECT * FROM (VALUES ('a', 'b'), ('c', 'd')) x (c, l) "
        "JOIN qb_vendors v ON v.company = x.c AND v.list_id = x.l"
    )
    assert "Nested Loop" in "\n".join(r[0] for r in pg_warehouse.fetchall(join))  # what the planner picks by default
    assert "Nested Loop" not in "\n".join(r[0] for r in assets_wh.fetchall(join))
    assets_wh.close()

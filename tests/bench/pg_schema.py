"""The PostgreSQL benchmarks' throw-away schema, dropped afterwards."""

from __future__ import annotations

from warehouse.store import Warehouse


def drop_schema(wh: Warehouse) -> None:
    with wh.connect() as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{wh.schema}" CASCADE')

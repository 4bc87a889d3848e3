"""MaterializeResult metadata every asset reports: row counts, watermark, and a few sample rows."""

from __future__ import annotations

from typing import Any

import dagster as dg

from warehouse.store import Warehouse

SAMPLE_ROWS = 5


def sample(wh: Warehouse, table: str, order_by: str, where: str = "TRUE") -> dg.MetadataValue:
    """The first rows of `table` (by `order_by`) as a markdown table, long cells shortened."""
    frame = wh.df(f"SELECT * FROM {table} WHERE {where} ORDER BY {order_by} LIMIT {SAMPLE_ROWS}")
    for col in frame.columns:
        frame[col] = frame[col].map(lambda v: v if len(str(v)) <= 60 else str(v)[:57] + "...")
    return dg.MetadataValue.md(frame.to_markdown(index=False) if not frame.empty else "_no rows_")


def table(name: str) -> dict[str, Any]:
    """Definition metadata of an asset kept in warehouse table `name`."""
    return {"dagster/table_name": name}


def columns(wh: Warehouse, table_name: str) -> dg.TableSchema:
    """The table's columns and types as the warehouse has them now (the UI's column schema)."""
    current = " AND table_schema = current_schema()" if wh.backend == "postgres" else ""
    rows = wh.fetchall(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?"
        f"{current} ORDER BY ordinal_position",
        [table_name],
    )
    return dg.TableSchema(columns=[dg.TableColumn(name, str(kind).lower()) for name, kind in rows])


def result(
    rows: int, *, asset_key: str | None = None, schema: dg.TableSchema | None = None, **extra: Any
) -> dg.MaterializeResult:
    """A MaterializeResult with `dagster/row_count`, the column `schema` and the other figures as metadata (dicts
    as JSON)."""
    metadata: dict[str, Any] = {"dagster/row_count": int(rows)}
    if schema is not None:
        metadata["dagster/column_schema"] = schema
    for key, value in extra.items():
        if value is None:
            continue
        if isinstance(value, dict | list):
            metadata[key] = dg.MetadataValue.json(value)
        elif hasattr(value, "isoformat"):
            metadata[key] = value.isoformat()
        else:
            metadata[key] = value
    return dg.MaterializeResult(asset_key=asset_key, metadata=metadata)

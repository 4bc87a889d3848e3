"""The staging warehouse as a Dagster resource."""

from __future__ import annotations

import dagster as dg

from warehouse.store import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The staging warehouse: `database_url` (duckdb:///path or postgresql://...), else QBSYNC_DATABASE_URL /
    the DuckDB file under QBSYNC_HOME. Migrations are applied when a run first uses it."""

    database_url: str | None = None
    schema_name: str | None = None

    def get(self) -> Warehouse:
        """The warehouse for the assets' set-based statements (batch: see Warehouse)."""
        if self.database_url:
            return Warehouse(self.database_url, schema=self.schema_name, batch=True)
        return Warehouse.from_env(batch=True)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.get().migrate()

"""Dagster resources: the staging warehouse and the Coupa API, configured from the environment."""

from __future__ import annotations

import dagster as dg

from sources.coupa.client import CoupaClient
from warehouse.store import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The staging warehouse: `database_url` (duckdb:///path or postgresql://...), else QBSYNC_DATABASE_URL /
    the DuckDB file under QBSYNC_HOME. Migrations are applied when a run first uses it."""

    database_url: str | None = None
    schema_name: str | None = None

    def get(self) -> Warehouse:
        if self.database_url:
            return Warehouse(self.database_url, schema=self.schema_name)
        return Warehouse.from_env()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.get().migrate()


class CoupaResource(dg.ConfigurableResource):
    """One Coupa instance; the secret comes from the environment (COUPA_CLIENT_SECRET), never from code."""

    base_url: str
    client_id: str
    client_secret: str
    page_size: int = 50

    def client(self) -> CoupaClient:
        return CoupaClient(self.base_url, self.client_id, self.client_secret, page_size=self.page_size)


def default_resources() -> dict[str, dg.ConfigurableResource]:
    """Resources as deployed: the warehouse from QBSYNC_* and Coupa from COUPA_BASE_URL/CLIENT_ID/CLIENT_SECRET."""
    return {
        "warehouse": WarehouseResource(),
        "coupa": CoupaResource(
            base_url=dg.EnvVar("COUPA_BASE_URL"),
            client_id=dg.EnvVar("COUPA_CLIENT_ID"),
            client_secret=dg.EnvVar("COUPA_CLIENT_SECRET"),
        ),
    }

"""Dagster resources: the staging warehouse and the Coupa API, configured from the environment and the
connection store."""

from __future__ import annotations

import os

import dagster as dg
from pydantic import Field

from sources.coupa.client import CoupaClient
from warehouse import connections
from warehouse.connections import Connection
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
    """One Coupa instance: `base_url`, `client_id` and `client_secret` when given (deployments pass the COUPA_*
    variables that are set, so the environment wins), else the connection stored for `instance` with
    `qbsync connection add coupa --instance NAME` in the warehouse at `database_url` (default: from the
    environment). The secret is never in code, run config or logs."""

    instance: str = "default"
    base_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = Field(default=None, repr=False)
    database_url: str | None = None
    schema_name: str | None = None
    page_size: int = 50

    def connection(self) -> Connection:
        given = {"base_url": self.base_url, "client_id": self.client_id, "client_secret": self.client_secret}
        if all(given.values()):
            return connections.resolve(None, "coupa", self.instance, given)
        wh = Warehouse(self.database_url, schema=self.schema_name) if self.database_url else Warehouse.from_env()
        with wh.connect() as conn:
            return connections.resolve(conn, "coupa", self.instance, given)

    def client(self) -> CoupaClient:
        found = self.connection()
        return CoupaClient(
            found.value("base_url"), found.value("client_id"), found.value("client_secret"), page_size=self.page_size
        )


def default_resources() -> dict[str, dg.ConfigurableResource]:
    """Resources as deployed: the warehouse from QBSYNC_*; Coupa from COUPA_BASE_URL/CLIENT_ID/CLIENT_SECRET where
    set, the rest from the connection store (instance QBSYNC_COUPA_INSTANCE, default "default")."""
    spec = connections.fields_of("coupa")
    from_env = {name: dg.EnvVar(spec.env[name]) for name in connections.env_values("coupa")}
    instance = os.environ.get("QBSYNC_COUPA_INSTANCE") or "default"
    return {"warehouse": WarehouseResource(), "coupa": CoupaResource(instance=instance, **from_env)}

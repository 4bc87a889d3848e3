"""One cloud source's API as a Dagster resource: the declared client built from the connection stored for
(source, instance) with `qbsync connection add`, where each <NAME>_BASE_URL / CLIENT_ID / CLIENT_SECRET variable that
is set wins; the secret never comes from code, run config or logs."""

from __future__ import annotations

import os
from typing import Any

import dagster as dg
from pydantic import Field

from sources import registry
from sources.declaration import Source
from sources.keys import DEFAULT_INSTANCE
from warehouse import connections
from warehouse.connections import Connection
from warehouse.store import Warehouse


class SourceApiResource(dg.ConfigurableResource):
    """The API of source system `source` (a declared name), one instance: `base_url`, `client_id` and
    `client_secret` when given, else the connection stored for `instance` in the warehouse at `database_url`
    (default: the warehouse from the environment)."""

    source: str
    instance: str = DEFAULT_INSTANCE  # the stored connection of the default instance
    base_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = Field(default=None, repr=False)
    database_url: str | None = None
    schema_name: str | None = None
    page_size: int | None = None

    def connection(self, instance: str = DEFAULT_INSTANCE) -> Connection:
        """The default instance's connection (the values given win over the one stored as `self.instance`), or the
        connection stored for another instance a company is fed by (`qbsync connection add SOURCE --instance N`)."""
        given = {"base_url": self.base_url, "client_id": self.client_id, "client_secret": self.client_secret}
        if instance == DEFAULT_INSTANCE:
            if all(given.values()):
                return connections.resolve(None, self.source, self.instance, given)
            instance = self.instance
        elif instance == self.instance:  # the same tenant under two keys would land and bill it twice
            raise ValueError(
                f"{self.source}:{instance} is {self.source}'s default instance (its resource reads connection "
                f"{instance!r}): feed the company from --source {self.source}, not --source {self.source}:{instance}"
            )
        else:
            given = dict.fromkeys(given)
        wh = Warehouse(self.database_url, schema=self.schema_name) if self.database_url else Warehouse.from_env()
        with wh.connect() as conn:
            return connections.resolve(conn, self.source, instance, given)

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments of the client beyond its connection (a source's resource adds its settings)."""
        return {"page_size": self.page_size} if self.page_size else {}

    def client(self, instance: str = DEFAULT_INSTANCE) -> Any:
        """The source's declared client (`module:Class`) for `instance`, a context manager over one HTTP session."""
        found = self.connection(instance)
        cls = registry.client_class(self.source)
        options = {**connections.stored_options(found), **self.client_options()}
        return cls(found.value("base_url"), found.value("client_id"), found.value("client_secret"), **options)


def deployed(source: Source) -> SourceApiResource:
    """As deployed: the source's resource (`Source.resource`, else this one) on the stored connection
    QBSYNC_<NAME>_INSTANCE (default "default"); each of the source's <NAME>_* variables that is set wins over it,
    and each setting whose variable is set fills its field (EnvVar)."""
    names = source.env
    cls = registry.resource_class(source.name)
    from_env = {field: dg.EnvVar(names[field]) for field in connections.env_values(source.name)}
    for field, setting in source.settings.items():
        if os.environ.get(setting.env, "").strip():
            whole = cls.model_fields[field].annotation is int
            from_env[field] = dg.EnvVar.int(setting.env) if whole else dg.EnvVar(setting.env)
    instance = os.environ.get(names["instance"]) or DEFAULT_INSTANCE
    return cls(source=source.name, instance=instance, **from_env)

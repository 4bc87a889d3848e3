"""One cloud source's API as a Dagster resource: the declared client built from <NAME>_BASE_URL / CLIENT_ID /
CLIENT_SECRET; the secret only ever comes from the environment."""

from __future__ import annotations

import importlib
from typing import Any

import dagster as dg

from sources import registry
from sources.declaration import Source


class SourceApiResource(dg.ConfigurableResource):
    """The API of source system `source` (a declared name), one instance."""

    source: str
    base_url: str
    client_id: str
    client_secret: str
    page_size: int | None = None

    def client(self) -> Any:
        """The source's declared client (`module:Class`), a context manager over one HTTP session."""
        module, _, name = registry.get(self.source).client.partition(":")
        cls = getattr(importlib.import_module(module), name)
        options = {"page_size": self.page_size} if self.page_size else {}
        return cls(self.base_url, self.client_id, self.client_secret, **options)


def deployed(source: Source) -> SourceApiResource:
    names = source.env
    return SourceApiResource(
        source=source.name,
        base_url=dg.EnvVar(names["base_url"]),
        client_id=dg.EnvVar(names["client_id"]),
        client_secret=dg.EnvVar(names["client_secret"]),
    )

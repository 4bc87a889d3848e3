"""The resources as deployed: the warehouse from QBSYNC_*, each declared source's API from <NAME>_* variables."""

from __future__ import annotations

import dagster as dg

from resources.source_api import deployed
from resources.warehouse import WarehouseResource
from sources import registry


def default_resources() -> dict[str, dg.ConfigurableResource]:
    return {"warehouse": WarehouseResource(), **{s.name: deployed(s) for s in registry.all_sources()}}

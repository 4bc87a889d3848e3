"""Canonical staging assets (stg_*): each restages its canonical entity from every declared source that maps onto
it, through the generic staging engine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dagster as dg

from assets import steps
from assets.landing import landing_key
from assets.metadata import result, sample
from assets.policies import EAGER, WAREHOUSE_POOL
from resources.warehouse import WarehouseResource
from sources import registry
from transforms.canonical import CANONICAL


def _stage_all(wh, canonical: str) -> dict[str, Any]:
    """Restage `canonical` from every source that maps onto it; figures summed over the sources."""
    total: dict[str, Any] = {"restaged": 0, "quarantined": 0, "rows": 0, "staged_at": None}
    for source in registry.all_sources():
        found = source.entity_for(canonical)
        if found:
            figures = steps.stage(wh, source, found[0])
            total = {
                "restaged": total["restaged"] + figures["restaged"],
                "quarantined": total["quarantined"] + figures["quarantined"],
                "rows": figures["rows"],
                "staged_at": figures["staged_at"],
            }
    return total


def _landed(canonical: str) -> list[dg.AssetKey]:
    """The landing assets of every source that maps onto `canonical`."""
    return [landing_key(s, found[0]) for s in registry.all_sources() if (found := s.entity_for(canonical))]


def _figures(wh, figures: dict[str, Any], table: str) -> dict[str, Any]:
    return {
        "restaged": figures["restaged"],
        "quarantined": figures["quarantined"],
        "watermark": figures["staged_at"],
        "sample": sample(wh, table, "source_system, source_id"),
    }


def _staging_asset(canonical: str) -> dg.AssetsDefinition:
    table = CANONICAL[canonical].table

    @dg.asset(
        name=table,
        deps=_landed(canonical),
        group_name="staging",
        kinds={"sql"},
        pool=WAREHOUSE_POOL,
        automation_condition=EAGER,
        description=f"Canonical {canonical} of every source (mapping SQL over the landed JSON); unparseable fields "
        "quarantined",
    )
    def staged(warehouse: WarehouseResource) -> dg.MaterializeResult:
        wh = warehouse.get()
        figures = _stage_all(wh, canonical)
        return result(figures["rows"], **_figures(wh, figures, table))

    return staged


def _staging_with_lines(canonical: str) -> dg.AssetsDefinition:
    c = CANONICAL[canonical]
    table, lines_table = c.table, c.lines_table

    @dg.multi_asset(
        name=table,
        specs=[
            dg.AssetSpec(table, deps=_landed(canonical), kinds={"sql"}, automation_condition=EAGER),
            dg.AssetSpec(lines_table, deps=[table], kinds={"sql"}, automation_condition=EAGER),
        ],
        group_name="staging",
        pool=WAREHOUSE_POOL,
    )
    def staged(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
        """Headers and their lines, restaged together from the landed documents of every source."""
        wh = warehouse.get()
        figures = _stage_all(wh, canonical)
        yield result(figures["rows"], asset_key=table, **_figures(wh, figures, table))
        yield result(
            wh.scalar(f"SELECT count(*) FROM {lines_table}"),
            asset_key=lines_table,
            sample=sample(wh, lines_table, f"source_system, {c.doc_column}, line_number"),
        )

    return staged


def staging_assets() -> list[dg.AssetsDefinition]:
    """One asset per canonical table that some declared source maps onto (lines tables with their headers)."""
    used = [name for name in CANONICAL if _landed(name)]
    return [_staging_with_lines(n) if CANONICAL[n].lines_table else _staging_asset(n) for n in used]

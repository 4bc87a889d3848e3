"""Canonical staging assets (stg_*): each restages its canonical entity from every instance of every declared source
that maps onto it, through the generic staging engine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dagster as dg

from assets import steps
from assets.landing import landing_key
from assets.metadata import columns, result, sample, table
from assets.policies import SOURCE_OWNERS, WAREHOUSE_POOL, stored
from resources.warehouse import WarehouseResource
from sources import registry
from transforms.canonical import CANONICAL
from warehouse.company_sources import feeds


def _stage_all(wh, canonical: str) -> dict[str, Any]:
    """Restage `canonical` from every instance of every source that maps onto it; figures summed over them."""
    total: dict[str, Any] = {"restaged": 0, "quarantined": 0, "rows": 0, "staged_at": None}
    for source in registry.all_sources():
        found = source.entity_for(canonical)
        if not found:
            continue
        with wh.connect() as conn:
            fed = feeds(conn, source)
        for feed in fed:
            figures = steps.stage(wh, feed, found[0])
            total = {
                "restaged": total["restaged"] + figures["restaged"],
                "quarantined": total["quarantined"] + figures["quarantined"],
                "rows": figures["rows"],
                "staged_at": figures["staged_at"],
            }
    return total


# Staged rows another canonical entity's staging reads: an invoice takes its PO by number (transforms.staging links
# whichever of the two is staged second; PO staging's read of invoice lines is that loop's other half).
ALSO_READS = {"invoices": ("stg_purchase_orders",)}


def staged(*tables: str) -> list[str]:
    """Those of `tables` that a staging asset keeps (some declared source maps onto their canonical entity)."""
    kept = {t for n in CANONICAL if _landed(n) for t in (CANONICAL[n].table, CANONICAL[n].lines_table) if t}
    return [t for t in tables if t in kept]


def _deps(canonical: str) -> list:
    return [*_landed(canonical), *staged(*ALSO_READS.get(canonical, ()))]


def _landed(canonical: str) -> list[dg.AssetKey]:
    """The landing assets of every source that maps onto `canonical`."""
    return [landing_key(s, found[0]) for s in registry.all_sources() if (found := s.entity_for(canonical))]


def _figures(wh, figures: dict[str, Any], name: str) -> dict[str, Any]:
    return {
        "schema": columns(wh, name),
        "restaged": figures["restaged"],
        "quarantined": figures["quarantined"],
        "watermark": figures["staged_at"],
        "sample": sample(wh, name, "source_system, source_id"),
    }


def _description(canonical: str) -> str:
    return f"Canonical {canonical} of every source (mapping SQL over the landed JSON); unparseable fields quarantined"


def _staging_asset(canonical: str) -> dg.AssetsDefinition:
    name = CANONICAL[canonical].table

    @dg.asset(
        name=name,
        deps=_deps(canonical),
        group_name="staging",
        kinds=stored("sql"),
        owners=SOURCE_OWNERS,
        metadata=table(name),
        pool=WAREHOUSE_POOL,
        description=_description(canonical),
    )
    def staged(warehouse: WarehouseResource) -> dg.MaterializeResult:
        wh = warehouse.get()
        figures = _stage_all(wh, canonical)
        return result(figures["rows"], **_figures(wh, figures, name))

    return staged


def _staging_with_lines(canonical: str) -> dg.AssetsDefinition:
    c = CANONICAL[canonical]
    name, lines_table = c.table, c.lines_table

    @dg.multi_asset(
        name=name,
        specs=[
            dg.AssetSpec(
                name,
                deps=_deps(canonical),
                kinds=stored("sql"),
                owners=SOURCE_OWNERS,
                metadata=table(name),
                description=_description(canonical),
            ),
            dg.AssetSpec(
                lines_table,
                deps=[name],
                kinds=stored("sql"),
                owners=SOURCE_OWNERS,
                metadata=table(lines_table),
                description=f"Lines of the canonical {canonical}, restaged with their documents (replaced whole)",
            ),
        ],
        group_name="staging",
        pool=WAREHOUSE_POOL,
    )
    def staged(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
        """Headers and their lines, restaged together from the landed documents of every source."""
        wh = warehouse.get()
        figures = _stage_all(wh, canonical)
        yield result(figures["rows"], asset_key=name, **_figures(wh, figures, name))
        yield result(
            wh.scalar(f"SELECT count(*) FROM {lines_table}"),
            asset_key=lines_table,
            schema=columns(wh, lines_table),
            sample=sample(wh, lines_table, f"source_system, {c.doc_column}, line_number"),
        )

    return staged


def staging_assets() -> list[dg.AssetsDefinition]:
    """One asset per canonical table that some declared source maps onto (lines tables with their headers)."""
    used = [name for name in CANONICAL if _landed(name)]
    return [_staging_with_lines(n) if CANONICAL[n].lines_table else _staging_asset(n) for n in used]

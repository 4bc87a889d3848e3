"""Coupa assets: landing (raw_coupa_*) from the API, canonical staging (stg_*), and the exported flags written back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import dagster as dg

from assets import steps
from assets.metadata import result, sample
from connectors.core.watermark import later, load_watermark, save_watermark
from pipelines.resources import CoupaResource, WarehouseResource
from sources import registry
from transforms.canonical import CANONICAL

WAREHOUSE_POOL = "qbsync_warehouse"  # every asset that writes the warehouse: DuckDB takes one writer at a time
API_RETRY = dg.RetryPolicy(max_retries=4, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
SOURCE = registry.get("coupa")
LANDING_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=24), warn_window=timedelta(hours=2))
EAGER = dg.AutomationCondition.eager()


class _Watermarked:
    """Pass records through while remembering the latest `updated-at` seen (offsets respected)."""

    def __init__(self, records: Iterator[dict[str, Any]], start: str | None, cursor_field: str):
        self.records = records
        self.latest = start
        self.cursor_field = cursor_field

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for record in self.records:
            if isinstance(record, dict):
                self.latest = later(self.latest, record.get(self.cursor_field))
            yield record


def _landing_asset(entity: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"raw_coupa_{entity}",
        group_name="coupa_landing",
        kinds={"coupa", "python"},
        pool=WAREHOUSE_POOL,
        retry_policy=API_RETRY,
        freshness_policy=LANDING_FRESHNESS,
        description=f"Coupa {entity} as fetched (R39 JSON), pulled incrementally from the updated-at watermark",
    )
    def landing(warehouse: WarehouseResource, coupa: CoupaResource) -> dg.MaterializeResult:
        wh = warehouse.get()
        with wh.connect() as conn:
            start = load_watermark(conn, SOURCE.name, entity)
        with coupa.client() as client:
            fetched = _Watermarked(getattr(client, f"iter_{entity}")(updated_after=start), start, SOURCE.cursor_field)
            figures = steps.land(wh, SOURCE, entity, fetched)
        if fetched.latest and fetched.latest != start:
            with wh.connect() as conn:
                save_watermark(conn, SOURCE.name, entity, fetched.latest)
        return result(
            figures["rows"],
            fetched=figures["fetched"],
            changed=figures["changed"],
            rejected=figures["rejected"][:20] or None,
            watermark=fetched.latest,
            sample=sample(wh, f"raw_coupa_{entity}", "fetched_at DESC, source_id"),
        )

    return landing


landing_assets = [_landing_asset(entity) for entity in SOURCE.entities]


def _stage_all(wh, canonical: str) -> dict[str, Any]:
    """Restage canonical entity `canonical` from every declared source that maps onto it; figures summed."""
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


def _raw_keys(canonical: str) -> list[str]:
    """The landing assets of every source that maps onto `canonical`."""
    return [s.raw_table(found[0]) for s in registry.all_sources() if (found := s.entity_for(canonical))]


def _staging_figures(wh, figures: dict[str, Any], table: str, order_by: str) -> dict[str, Any]:
    return {
        "restaged": figures["restaged"],
        "quarantined": figures["quarantined"],
        "watermark": figures["staged_at"],
        "sample": sample(wh, table, order_by),
    }


def _staging_asset(canonical: str) -> dg.AssetsDefinition:
    table = CANONICAL[canonical].table

    @dg.asset(
        name=table,
        deps=_raw_keys(canonical),
        group_name="staging",
        kinds={"sql"},
        pool=WAREHOUSE_POOL,
        automation_condition=EAGER,
        description=f"Canonical {canonical} from every source (SQL over the landed JSON); unparseable fields "
        "quarantined",
    )
    def staged(warehouse: WarehouseResource) -> dg.MaterializeResult:
        wh = warehouse.get()
        figures = _stage_all(wh, canonical)
        return result(figures["rows"], **_staging_figures(wh, figures, table, "source_id"))

    return staged


def _staging_with_lines(canonical: str) -> dg.AssetsDefinition:
    c = CANONICAL[canonical]
    table, lines_table = c.table, c.lines_table

    @dg.multi_asset(
        name=table,
        specs=[
            dg.AssetSpec(table, deps=_raw_keys(canonical), kinds={"sql"}, automation_condition=EAGER),
            dg.AssetSpec(lines_table, deps=[table], kinds={"sql"}, automation_condition=EAGER),
        ],
        group_name="staging",
        pool=WAREHOUSE_POOL,
    )
    def staged(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
        """Headers and their lines, restaged together from the landed documents."""
        wh = warehouse.get()
        figures = _stage_all(wh, canonical)
        yield result(figures["rows"], asset_key=table, **_staging_figures(wh, figures, table, "source_id"))
        yield result(
            wh.scalar(f"SELECT count(*) FROM {lines_table}"),
            asset_key=lines_table,
            sample=sample(wh, lines_table, f"{c.doc_column}, line_number"),
        )

    return staged


staging_assets = [
    _staging_asset("suppliers"),
    _staging_asset("accounts"),
    _staging_with_lines("purchase_orders"),
    _staging_with_lines("invoices"),
    _staging_asset("payments"),
]


@dg.asset(
    deps=["qb_bills", "qb_bill_payments"],
    group_name="coupa_export",
    kinds={"coupa", "python"},
    pool=WAREHOUSE_POOL,
    retry_policy=API_RETRY,
    description="Coupa documents marked exported=true once their current version is in QuickBooks",
)
def coupa_exported(warehouse: WarehouseResource, coupa: CoupaResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    due = steps.exports_due(wh, SOURCE)
    done, failed = [], {}
    with coupa.client() as client:
        for row in due:
            try:
                client.mark_exported(row["source_kind"], row["source_id"])
            except Exception as exc:  # one document Coupa refuses must not stop the others
                failed[row["record_key"]] = str(exc)[:200]
                continue
            done.append(row)
    steps.record_exports(wh, SOURCE, done)
    return result(
        wh.scalar("SELECT count(*) FROM source_exports"),
        marked=len(done),
        failed=failed or None,
        sample=sample(wh, "source_exports", "exported_at DESC, record_key"),
    )

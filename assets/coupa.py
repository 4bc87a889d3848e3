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

WAREHOUSE_POOL = "qbsync_warehouse"  # every asset that writes the warehouse: DuckDB takes one writer at a time
API_RETRY = dg.RetryPolicy(max_retries=4, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
ENTITIES = ("suppliers", "accounts", "purchase_orders", "invoices", "payments")
LANDING_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=24), warn_window=timedelta(hours=2))
EAGER = dg.AutomationCondition.eager()


class _Watermarked:
    """Pass records through while remembering the latest `updated-at` seen (offsets respected)."""

    def __init__(self, records: Iterator[dict[str, Any]], start: str | None):
        self.records = records
        self.latest = start

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for record in self.records:
            if isinstance(record, dict):
                self.latest = later(self.latest, record.get("updated-at"))
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
            start = load_watermark(conn, "coupa", entity)
        with coupa.client() as client:
            fetched = _Watermarked(getattr(client, f"iter_{entity}")(updated_after=start), start)
            figures = steps.land(wh, entity, fetched)
        if fetched.latest and fetched.latest != start:
            with wh.connect() as conn:
                save_watermark(conn, "coupa", entity, fetched.latest)
        return result(
            figures["rows"],
            fetched=figures["fetched"],
            changed=figures["changed"],
            rejected=figures["rejected"][:20] or None,
            watermark=fetched.latest,
            sample=sample(wh, f"raw_coupa_{entity}", "fetched_at DESC, source_id"),
        )

    return landing


landing_assets = [_landing_asset(entity) for entity in ENTITIES]


def _staging_figures(wh, figures: dict[str, Any], table: str, order_by: str) -> dict[str, Any]:
    return {
        "restaged": figures["restaged"],
        "quarantined": figures["quarantined"],
        "watermark": figures["staged_at"],
        "sample": sample(wh, table, order_by),
    }


def _staging_asset(entity: str) -> dg.AssetsDefinition:
    table = steps.STG_TABLES[entity]

    @dg.asset(
        name=table,
        deps=[f"raw_coupa_{entity}"],
        group_name="staging",
        kinds={"sql"},
        pool=WAREHOUSE_POOL,
        automation_condition=EAGER,
        description=f"Canonical {entity} from Coupa (SQL over the landed JSON); unparseable fields quarantined",
    )
    def staged(warehouse: WarehouseResource) -> dg.MaterializeResult:
        wh = warehouse.get()
        figures = steps.stage(wh, entity)
        return result(figures["rows"], **_staging_figures(wh, figures, table, "source_id"))

    return staged


def _staging_with_lines(entity: str, lines_table: str, document_column: str) -> dg.AssetsDefinition:
    table = steps.STG_TABLES[entity]

    @dg.multi_asset(
        name=table,
        specs=[
            dg.AssetSpec(table, deps=[f"raw_coupa_{entity}"], kinds={"sql"}, automation_condition=EAGER),
            dg.AssetSpec(lines_table, deps=[table], kinds={"sql"}, automation_condition=EAGER),
        ],
        group_name="staging",
        pool=WAREHOUSE_POOL,
    )
    def staged(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
        """Headers and their lines, restaged together from the landed documents."""
        wh = warehouse.get()
        figures = steps.stage(wh, entity)
        yield result(figures["rows"], asset_key=table, **_staging_figures(wh, figures, table, "source_id"))
        yield result(
            wh.scalar(f"SELECT count(*) FROM {lines_table}"),
            asset_key=lines_table,
            sample=sample(wh, lines_table, f"{document_column}, line_number"),
        )

    return staged


staging_assets = [
    _staging_asset("suppliers"),
    _staging_asset("accounts"),
    _staging_with_lines("purchase_orders", "stg_po_lines", "po_source_id"),
    _staging_with_lines("invoices", "stg_invoice_lines", "invoice_source_id"),
    _staging_asset("payments"),
]

EXPORT_KINDS = {"coupa:po:": "purchase_order", "coupa:invoice:": "invoice", "coupa:payment:": "payment"}


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
    due = steps.exports_due(wh)
    done, failed = [], {}
    with coupa.client() as client:
        for row in due:
            kind = next(k for prefix, k in EXPORT_KINDS.items() if row["record_key"].startswith(prefix))
            try:
                client.mark_exported(kind, row["source_id"])
            except Exception as exc:  # one document Coupa refuses must not stop the others
                failed[row["record_key"]] = str(exc)[:200]
                continue
            done.append({**row, "source_kind": kind})
    steps.record_exports(wh, done)
    return result(
        wh.scalar("SELECT count(*) FROM source_exports"),
        marked=len(done),
        failed=failed or None,
        sample=sample(wh, "source_exports", "exported_at DESC, record_key"),
    )

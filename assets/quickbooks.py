"""QuickBooks assets: the responses the bridge receives, folded into the qb_* mirror tables."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg

from assets.metadata import result, sample
from assets.policies import WAREHOUSE_POOL
from resources.warehouse import WarehouseResource
from warehouse.qb_mirror import fold_pending

MIRROR_TABLES = {
    "qb_vendors": "company, list_id",
    "qb_accounts": "company, list_id",
    "qb_items": "company, list_id",
    "qb_bills": "company, txn_id",
    "qb_bill_payments": "company, txn_id",
    "qb_deleted": "company, object_id",
}

qbxml_responses = dg.AssetSpec(
    "qbxml_responses",
    deps=["outbox_vendors", "outbox_bills", "outbox_bill_payments", "qb_reference_queries"],
    group_name="quickbooks",
    kinds={"quickbooks"},
    description="QuickBooks answers to the outbox, written by the bridge as the Web Connector delivers them",
)


@dg.multi_asset(
    name="qb_mirror",
    specs=[
        dg.AssetSpec(
            table, deps=["qbxml_responses"], kinds={"quickbooks", "sql"}, description=f"QuickBooks {table[3:]}"
        )
        for table in MIRROR_TABLES
    ],
    group_name="quickbooks",
    pool=WAREHOUSE_POOL,
)
def qb_mirror(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
    """Fold every response not yet folded into the mirror (the bridge's fold_pending), then report each table."""
    wh = warehouse.get()
    with wh.connect() as conn:
        folded = fold_pending(conn)
    for table, order_by in MIRROR_TABLES.items():
        yield result(
            wh.scalar(f"SELECT count(*) FROM {table}"),
            asset_key=table,
            responses_folded=folded,
            watermark=wh.scalar(
                f"SELECT max({'time_deleted' if table == 'qb_deleted' else 'time_modified'}) FROM {table}"
            ),
            sample=sample(wh, table, order_by),
        )


quickbooks_assets = [qbxml_responses, qb_mirror]

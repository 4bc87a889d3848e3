"""Pipeline assets materialized in-process with dagster.materialize against the warehouse on each backend."""

from __future__ import annotations

import dagster as dg
from coupa_payloads import invoice, land, line, payment, purchase_order, supplier
from test_transforms import _company

from assets.coupa import staging_assets
from assets.matching import matching_assets
from assets.outbox import outbox_assets
from pipelines.resources import WarehouseResource
from transforms.requests import REFERENCE_QUERIES


def _resources(wh) -> dict:
    return {"warehouse": WarehouseResource(database_url=wh.url, schema_name=wh.schema)}


def _materialize(wh, assets) -> dg.ExecuteInProcessResult:
    result = dg.materialize(assets, resources=_resources(wh), instance=dg.DagsterInstance.ephemeral())
    assert result.success
    return result


def _metadata(result: dg.ExecuteInProcessResult, key: str) -> dict:
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == key]
    return event.materialization.metadata


def test_staging_to_outbox_materializes_with_row_counts(warehouse):
    with warehouse.connect() as conn:
        _company(conn)
        land(conn, "suppliers", [supplier(1, "Acme, Inc."), supplier(2, "Bad \u5317\u4eac")])
        land(conn, "purchase_orders", [purchase_order(10, 1, [line(1, 10.5, 2)]), purchase_order(11, 2, [line(1, 1)])])
        land(conn, "invoices", [invoice(20, 1, [line(1, 5)], po_number="PO-10")])
        land(conn, "payments", [payment(30, 1, 20, "5.00")])
    result = _materialize(warehouse, [*staging_assets, *matching_assets, *outbox_assets])
    assert _metadata(result, "stg_purchase_orders")["dagster/row_count"].value == 2
    assert _metadata(result, "stg_po_lines")["dagster/row_count"].value == 2
    assert "Acme" in _metadata(result, "stg_suppliers")["sample"].value
    drafts = _metadata(result, "bill_drafts")
    assert drafts["dagster/row_count"].value == 3
    assert drafts["held"].value["quarantined"] == 1  # supplier 2's name has no Latin-1 form
    ops = dict(warehouse.fetchall("SELECT op, count(*) FROM qbxml_outbox GROUP BY op"))
    assert ops == {"VendorAdd": 1, "BillAdd": 2, **dict.fromkeys(REFERENCE_QUERIES, 1)}
    assert _metadata(result, "outbox_bills")["queued_now"].value["BillAdd"] == 2
    events = dict(warehouse.fetchall("SELECT event, count(*) FROM audit_log GROUP BY event"))
    assert events["staged"] >= 5 and events["matched"] == 2 and events["queued"] == len(REFERENCE_QUERIES) + 3
    # a second materialization changes nothing: no new rows, queries still waiting for answers
    again = _materialize(warehouse, [*staging_assets, *matching_assets, *outbox_assets])
    assert _metadata(again, "stg_purchase_orders")["restaged"].value == 0
    assert warehouse.scalar("SELECT count(*) FROM qbxml_outbox") == sum(ops.values())

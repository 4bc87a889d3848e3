"""The code location loads cleanly and its graph (assets, groups, kinds, deps, pools, jobs, schedules, sensors)
matches the reviewed snapshot. Regenerate after an intended change: QBSYNC_UPDATE_SNAPSHOTS=1 pytest <this file>."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import dagster as dg
import pytest

from sources import registry

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"
STORAGE_KINDS = {"duckdb", "postgres"}
ROOT = Path(__file__).resolve().parents[1]


def describe(defs: dg.Definitions) -> dict:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "kinds": sorted(node.kinds - STORAGE_KINDS),  # the storage kind follows QBSYNC_DATABASE_URL
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "pool": sorted(node.pools or ()),
            "materializable": node.is_materializable,
            "automation": node.automation_condition.get_label() if node.automation_condition else None,
            "retry": _retry(node),
            "freshness": type(node.freshness_policy).__name__ if node.freshness_policy else None,
            "checks": sorted(c.name for c in node.check_keys),
        }
    return {
        "assets": assets,
        "jobs": sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")),
        "schedules": {s.name: s.cron_schedule for s in defs.schedules or []},
        "sensors": sorted(s.name for s in defs.sensors or []),
        "resources": sorted(defs.resources or {}),
    }


def _retry(node) -> str | None:
    policy = node.assets_def.op.retry_policy if node.is_executable else None
    return f"{policy.max_retries}x {policy.backoff.value} from {policy.delay}s" if policy else None


def _ancestors(graph, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen, todo = set(), [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_definitions_match_snapshot():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        from pipelines.definitions import defs

        dg.Definitions.validate_loadable(defs)
        got = describe(defs)
    if os.environ.get("QBSYNC_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    assert got == json.loads(SNAPSHOT.read_text())


@pytest.mark.parametrize("source", registry.all_sources(), ids=lambda s: s.name)
def test_graph_reads_source_landing_staging_outbox_quickbooks_feedback(source):
    """<source>/raw_* -> staging -> matching -> outbox -> the company file; its answers -> qb_* -> outbox and
    <source>/feedback, for every source (a write-only source: the answers -> qb_* -> its writes)."""
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey("qb_bills")).parent_keys
    assert upstream == {dg.AssetKey("qbxml_responses")}
    edges = [(["qbxml_responses"], ["qb_bills"])]
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    if source.entities:
        landed, _ = source.entity_for("purchase_orders") or source.entity_for("invoices")
        chain = [[source.name, f"raw_{landed}"], ["bill_drafts"], ["outbox_bills"], ["quickbooks_company_file"]]
        # the Web Connector closes the loop outside the graph: the company file's answers feed the mirror, the outbox
        edges += [*itertools.pairwise(chain), (["qb_bills"], ["outbox_bills"])]
        assert groups >= {f"{source.name}_landing", "staging", "matching", "outbox", "quickbooks"}
    if source.writes_back:
        mirror = [["qb_bills"]] if source.billable else [[table] for table in source.writes_read]
        edges += [(["qbxml_responses"], table) for table in mirror]
        edges += [(table, [source.name, "feedback"]) for table in mirror]
    for before, after in edges:
        assert dg.AssetKey(before) in _ancestors(graph, dg.AssetKey(after)), (before, after)


def test_dagster_cli_loads_the_workspace_without_deprecation_warnings(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "PYTHONWARNINGS": "always::DeprecationWarning"}
    (tmp_path / "dagster.yaml").write_text("")
    run = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "DeprecationWarning" not in run.stderr, run.stderr[-2000:]


def _sensor_context(cursor: str | None = None) -> dg.SensorEvaluationContext:
    return dg.build_sensor_context(cursor=cursor, instance=dg.DagsterInstance.ephemeral())


def test_response_sensor_requests_a_fold_once_per_new_response(warehouse):
    from pipelines.sensors import quickbooks_response_sensor
    from resources.warehouse import WarehouseResource
    from warehouse.audit import now

    resource = WarehouseResource(database_url=warehouse.url, schema_name=warehouse.schema)
    assert isinstance(quickbooks_response_sensor(_sensor_context(), warehouse=resource), dg.SkipReason)
    warehouse.execute(
        "INSERT INTO qbxml_responses (company, request_id, op, status_code, received_at) "
        "VALUES ('acme', 'q1', 'VendorQuery', 0, ?)",
        [now()],
    )
    request = quickbooks_response_sensor(_sensor_context(), warehouse=resource)
    assert isinstance(request, dg.RunRequest) and request.run_key.startswith("responses-")
    newest = request.run_key.removeprefix("responses-")  # the cursor the sensor keeps
    assert isinstance(quickbooks_response_sensor(_sensor_context(newest), warehouse=resource), dg.SkipReason)


def test_webhook_sensor_pulls_the_touched_entities_and_consumes_the_deliveries(warehouse):
    from connectors.webhooks.queue import pending_events, store_event
    from pipelines.sensors import webhook_sensor
    from resources.warehouse import WarehouseResource

    resource = WarehouseResource(database_url=warehouse.url, schema_name=warehouse.schema)
    with warehouse.connect() as conn:
        store_event(
            conn,
            {"event_id": "e1", "source": "coupa", "object_type": "purchase_order", "object_id": "7", "payload": {}},
        )
    (request,) = webhook_sensor(_sensor_context(), warehouse=resource)
    assert isinstance(request, dg.RunRequest) and request.job_name == "coupa_sync"
    keys = {k.to_user_string() for k in request.asset_selection}
    assert "coupa/raw_purchase_orders" in keys and "coupa/raw_suppliers" not in keys and "outbox_bills" in keys
    with warehouse.connect() as conn:
        assert pending_events(conn, "coupa") == []


def test_sample_dagster_yaml_loads_with_the_duckdb_pool_limit(tmp_path):
    (tmp_path / "dagster.yaml").write_text((ROOT / "deploy" / "dagster.yaml").read_text())
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1

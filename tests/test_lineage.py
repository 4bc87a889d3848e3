"""Dagster's lineage tells the truth: every warehouse table an asset's SQL reads is the table of the asset itself or
of a declared upstream asset. The reads are observed, not declared: each asset is materialized alone against a
warehouse fed by the Coupa sandbox while every SQL statement it sends is recorded."""

from __future__ import annotations

import importlib
import re
from collections import defaultdict
from contextlib import ExitStack

import dagster as dg
import pytest
from test_transforms import _company

from pipelines.definitions import ASSETS, defs
from resources.source_api import SourceApiResource
from resources.warehouse import WarehouseResource
from sources import registry
from warehouse.company_sources import enrol
from warehouse.store import Conn, Warehouse

READ = re.compile(r'\b(DELETE\s+FROM|FROM|JOIN)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.I)
# Reads that cannot be edges because they close a loop, each for its reason:
# - qbxml_outbox is the ledger the Web Connector round trip runs through: the outbox assets write requests, the
#   bridge their outcomes; matching, folding, feedback and the report read what earlier runs and the bridge left.
#   Dagster's graph is cut at the Web Connector (quickbooks_company_file -> qbxml_responses is outside it).
# - an invoice's PO is linked by whichever of the two is staged second, so PO staging reads invoice lines while
#   invoice staging reads POs (declared, in that direction).
LOOPS = {(None, "qbxml_outbox"), ("stg_purchase_orders", "stg_invoice_lines")}


def _tables(wh: Warehouse) -> dict[str, str | None]:
    """Every table (None) and view (its SQL) of the warehouse."""
    with wh.connect() as conn:
        tables = {name: None for (name,) in conn.fetchall("SELECT table_name FROM duckdb_tables()")}
        views = dict(conn.fetchall("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal"))
    return {**tables, **views}


def _reads(statements: list[str], known: dict[str, str | None]) -> set[str]:
    """The tables the statements read (views expanded into what they read), not the ones they only write."""
    found: set[str] = set()
    todo = [m.group(2) for sql in statements for m in READ.finditer(sql) if not m.group(1).upper().startswith("DEL")]
    while todo:
        name = todo.pop()
        if name not in known or name in found:
            continue
        found.add(name)
        if known[name] is not None:  # a view: what it reads is read
            todo += [m.group(2) for m in READ.finditer(known[name])]
    return {name for name in found if known[name] is None}


@pytest.fixture
def observed(tmp_path, monkeypatch):
    """{op name: tables read} for every executable asset of the code location."""
    monkeypatch.setenv("QBSYNC_HOME", str(tmp_path))
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}", lock_timeout=10)
    wh.migrate()
    with wh.connect() as conn:
        _company(conn)
        for source in registry.all_sources():  # every source's SQL runs: each feeds the company
            enrol(conn, "acme", source.name)
    recorded: list[str] = []
    run, from_frame = Conn._run, Conn._from_frame

    def recording_run(self, sql, params):
        recorded.append(sql)
        return run(self, sql, params)

    def recording_frame(self, frame, statement):
        recorded.append(statement("_frame"))
        return from_frame(self, frame, statement)

    monkeypatch.setattr(Conn, "_run", recording_run)
    monkeypatch.setattr(Conn, "_from_frame", recording_frame)
    reads: dict[str, list[str]] = {}
    with ExitStack() as stack:  # every declared source's own simulator, as the contract test starts them
        resources: dict = {"warehouse": WarehouseResource(database_url=wh.url)}
        for source in registry.all_sources():
            module, _, name = source.simulator.partition(":")
            sim = stack.enter_context(getattr(importlib.import_module(module), name)())
            resources[source.name] = SourceApiResource(
                source=source.name, base_url=sim.base_url, client_id=sim.client_id, client_secret=sim.client_secret
            )
        for asset in (a for a in ASSETS if isinstance(a, dg.AssetsDefinition)):
            recorded.clear()
            result = dg.materialize([asset], resources=resources, instance=dg.DagsterInstance.ephemeral())
            assert result.success, asset.node_def.name
            reads[asset.node_def.name] = list(recorded)
            for event in result.get_asset_materialization_events():
                metadata = event.materialization.metadata
                if "dagster/row_count" in metadata:  # a table asset: the UI shows its columns
                    assert metadata["dagster/column_schema"].schema.columns, event.asset_key
    known = _tables(wh)
    return {name: _reads(statements, known) for name, statements in reads.items()}, known


def test_every_table_an_asset_reads_is_declared(observed):
    reads, known = observed
    graph = defs.resolve_asset_graph()
    owners: dict[str, set[dg.AssetKey]] = defaultdict(set)
    for key in graph.get_all_asset_keys():
        table = graph.get(key).metadata.get("dagster/table_name")
        if table:
            owners[str(table)].add(key)
    missing = []
    for asset in (a for a in ASSETS if isinstance(a, dg.AssetsDefinition)):
        mine = set(asset.keys)
        upstream = {parent for key in mine for parent in graph.get(key).parent_keys}
        for table in sorted(reads[asset.node_def.name]):
            producers = owners.get(table, set())
            if not producers or producers & (mine | upstream):
                continue
            if {(None, table), (asset.node_def.name, table)} & LOOPS:
                continue
            missing.append(
                f"{asset.node_def.name} reads {table} (from {sorted(k.to_user_string() for k in producers)})"
            )
    assert not missing, "undeclared reads:\n" + "\n".join(missing)
    assert {t for t in owners if t not in known} == set(), "dagster/table_name naming no table"


def test_every_asset_names_its_table_and_says_what_it_is():
    graph = defs.resolve_asset_graph()
    described = defaultdict(list)
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, key
        described[node.description].append(key.to_user_string())
        assert node.owners, key
        assert node.kinds & {"duckdb", "postgres", "quickbooks", "html"}, (key, node.kinds)
        if "html" not in node.kinds and key != dg.AssetKey("quickbooks_company_file"):
            assert node.metadata.get("dagster/table_name"), key
    shared = {text: keys for text, keys in described.items() if len(keys) > 1}
    assert not shared, shared

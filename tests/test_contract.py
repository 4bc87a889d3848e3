"""The source contract, parametrized over the registry (and the toy source of tests/toy_source): each source against
its own simulator lands incrementally from its watermark, stages canonical rows, quarantines the records its
simulator planted as bad with reasons naming the broken field, and writes its feedback exactly once when a run is
killed between the HTTP call and the status update. A write-only source lands nothing: its harness gives its writes
their QuickBooks side (`books`), and only the feedback part applies."""

from __future__ import annotations

import importlib
import json
from contextlib import ExitStack

import dagster as dg
import pytest
import toy_source.declaration as toy_declaration
from test_transforms import _company

from assets.feedback import deliver_writes, queue_writes
from assets.landing import landing_assets
from assets.matching import matching_assets
from assets.outbox import outbox_assets
from assets.staging import staging_assets
from resources.source_api import SourceApiResource
from resources.warehouse import WarehouseResource
from sources import registry
from transforms.canonical import CANONICAL
from warehouse import cloud_outbox
from warehouse.company_sources import enrol

NAMES = [*registry.names(), toy_declaration.SOURCE.name]


@pytest.fixture(params=NAMES)
def declared(request):
    with ExitStack() as stack:
        if request.param == toy_declaration.SOURCE.name:
            stack.enter_context(registry.registered(toy_declaration.SOURCE, toy_declaration.__file__))
        source = registry.get(request.param)
        module, _, name = source.simulator.partition(":")
        yield source, stack.enter_context(getattr(importlib.import_module(module), name)())


def _materialize(assets, resources) -> dg.ExecuteInProcessResult:
    result = dg.materialize(assets, resources=resources, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    return result


def test_source_contract(warehouse, declared):
    source, sim = declared
    warehouse.migrate()
    with warehouse.connect() as conn:
        _company(conn)
        enrol(conn, "acme", source.name)
        conn.execute("DELETE FROM account_mappings")
        for code in sim.account_codes:
            conn.execute("INSERT INTO account_mappings VALUES ('acme', ?, ?, 'Office Supplies')", [source.name, code])
    resources = {
        "warehouse": WarehouseResource(database_url=warehouse.url, schema_name=warehouse.schema),
        source.name: SourceApiResource(
            source=source.name, base_url=sim.base_url, client_id=sim.client_id, client_secret=sim.client_secret
        ),
    }
    if source.entities:
        _landing_contract(warehouse, source, sim, resources)
    else:
        sim.books(warehouse, "acme")

    # feedback under a killed run: half the claimed writes (parents first) reached the source before the run died
    if not source.writes_back:
        return
    # TxnIDs as QuickBooks spells them (e.g. 4-1232328070): sources keep them as voucher numbers of limited length
    warehouse.execute(
        "UPDATE qbxml_outbox SET status = 'done', qb_id = upper(substr(md5(record_key), 1, 8)) || '-1733500000' "
        "WHERE op = 'BillAdd'"
    )
    with SourceApiResource(**resources[source.name].model_dump()).client() as client:
        queue_writes(warehouse, source)
        with warehouse.connect() as conn:
            claimed = sorted(cloud_outbox.claim(conn, source.name, 1000, "killed-run"), key=lambda r: r["op"])
        assert claimed
        for row in claimed[: len(claimed) // 2]:
            client.deliver(row["op"], json.loads(row["payload"]))
        deliver_writes(warehouse, source, client)
    writes = sim.export_writes()
    assert set(writes) == {row["record_key"] for row in claimed} and set(writes.values()) == {1}


def _landing_contract(warehouse, source, sim, resources) -> None:
    """Landing, staging and quarantine of what the simulator serves, and an incremental pull of one edit."""
    _materialize([*landing_assets(source), *staging_assets(), *matching_assets, *outbox_assets], resources)

    # canonical rows keyed by (source_system, source_id), one per landed record
    for name, entity in source.entities.items():
        landed = warehouse.scalar(f"SELECT count(*) FROM {source.raw_table(name)}")
        staged = warehouse.scalar(
            f"SELECT count(*) FROM {CANONICAL[entity.canonical].table} WHERE source_system = ?", [source.name]
        )
        assert staged == landed, name
    billable = source.entity_for(source.billable[0].canonical)[0]
    assert warehouse.scalar(f"SELECT count(*) FROM {source.raw_table(billable)}")

    # every planted bad record held, its reason naming the field the simulator broke
    held: dict[str, list[str]] = {}
    for key, fld, reason in warehouse.fetchall(
        "SELECT record_key, field, reason FROM quarantine WHERE released_at IS NULL"
    ):
        held.setdefault(key, []).append(f"{fld} {reason}")
    for key, broken in sim.bad.items():
        assert any(f in text for f in broken for text in held.get(key, [])), (key, broken, held.get(key))

    # incremental: one document edited at the source is the only record landed again
    edited = warehouse.scalar(f"SELECT min(source_id) FROM {source.raw_table(billable)}")
    sim.touch(billable, edited)
    again = _materialize(landing_assets(source), resources)
    changed = {
        e.asset_key.path[-1]: e.materialization.metadata["changed"].value
        for e in again.get_asset_materialization_events()
    }
    assert changed == {f"raw_{name}": int(name == billable) for name in source.entities}

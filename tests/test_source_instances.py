"""One company fed by two tenants of one system: two Coupa simulators whose records share ids land into their own
tables from their own watermarks, stage under their own source keys (`coupa`, `coupa@emea`), become drafts under
each instance's own policy, and each tenant is told only of its own documents; the oracle is each generator's
records."""

from __future__ import annotations

import dagster as dg
import pytest
from test_transforms import _company

from assets.feedback import feedback_assets
from assets.landing import landing_assets
from assets.matching import matching_assets
from assets.outbox import outbox_assets
from assets.staging import staging_assets
from connectors.core.watermark import load_watermark
from data_checks import warnings
from operations.company_policy import set_policy
from resources.source_api import SourceApiResource
from resources.warehouse import WarehouseResource
from sandbox.coupa.generator import generate
from sandbox.coupa.server import CoupaSandbox
from sandbox.coupa.truth import COMMITTED_PO_STATUSES
from sources import registry
from warehouse import connections
from warehouse.company_sources import enrol

COUPA = registry.get("coupa")


def _materialize(assets, resources) -> dg.ExecuteInProcessResult:
    result = dg.materialize(assets, resources=resources, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    return result


def _committed(dataset, key: str) -> set[str]:
    """Record keys of the POs the generator committed (sent to the supplier): the ones billed under bill_on = po."""
    return {f"{key}:po:{p['id']}" for p in dataset.purchase_orders if p["status"] in COMMITTED_PO_STATUSES}


@pytest.fixture
def tenants():
    home = generate(31, suppliers=6, purchase_orders=20, invoice_share=0.0, payment_share=0.0)
    emea = generate(32, suppliers=6, purchase_orders=14, invoice_share=0.0, payment_share=0.0)
    with (
        CoupaSandbox(home, client_id="home", client_secret="home-secret", rate_limit_per_s=None) as home_api,
        CoupaSandbox(emea, client_id="emea", client_secret="emea-secret", rate_limit_per_s=None) as emea_api,
    ):
        yield (home, home_api), (emea, emea_api)


def test_two_tenants_of_one_system_feed_one_company_apart(warehouse, tenants):
    (home, home_api), (emea, emea_api) = tenants
    warehouse.migrate()
    with warehouse.connect() as conn:
        _company(conn)
        enrol(conn, "acme", "coupa", "emea")
        connections.save(conn, "coupa", "emea", {"base_url": emea_api.base_url, "client_id": "emea"},
                         {"client_secret": "emea-secret"})  # fmt: skip
        for key, dataset in (("coupa", home), ("coupa@emea", emea)):
            for code in {a["code"] for a in dataset.accounts}:
                conn.execute("INSERT INTO account_mappings VALUES ('acme', ?, ?, 'Office Supplies') "
                             "ON CONFLICT DO NOTHING", [key, code])  # fmt: skip
    resources = {
        "warehouse": WarehouseResource(database_url=warehouse.url, schema_name=warehouse.schema),
        "coupa": SourceApiResource(
            source="coupa", base_url=home_api.base_url, client_id="home", client_secret="home-secret",
            database_url=warehouse.url, schema_name=warehouse.schema,
        ),
    }  # fmt: skip
    _materialize([*landing_assets(COUPA), *staging_assets(), *matching_assets], resources)

    # each tenant in its own landing table and under its own source key, ids shared by both kept apart
    assert warehouse.scalar("SELECT count(*) FROM raw_coupa_purchase_orders") == len(home.purchase_orders)
    assert warehouse.scalar("SELECT count(*) FROM raw_coupa__emea_purchase_orders") == len(emea.purchase_orders)
    staged = dict(warehouse.fetchall("SELECT source_system, count(*) FROM stg_purchase_orders GROUP BY 1"))
    assert staged == {"coupa": len(home.purchase_orders), "coupa@emea": len(emea.purchase_orders)}
    drafts = {
        k for (k,) in warehouse.fetchall("SELECT record_key FROM bill_drafts WHERE source_kind = 'purchase_order'")
    }
    assert drafts == _committed(home, "coupa") | _committed(emea, "coupa@emea")
    assert "coupa:po:1" in drafts or "coupa@emea:po:1" in drafts  # the same Coupa id, two purchases

    # each its own watermark: the newest updated-at its own generator wrote
    with warehouse.connect() as conn:
        for key, dataset in (("coupa", home), ("coupa@emea", emea)):
            newest = max(p["updated-at"] for p in dataset.purchase_orders)
            assert load_watermark(conn, key, "purchase_orders") == newest, key

    # freshness watches both tenants' pulls
    with warehouse.connect() as conn:
        fresh = warnings.freshness(conn, COUPA, "purchase_orders")
    assert not fresh.offenders and set(fresh.metrics["age_hours"]) == {
        "raw_coupa_purchase_orders",
        "raw_coupa__emea_purchase_orders",
    }

    # an edit in one tenant lands again from that tenant only
    edited = emea.purchase_orders[0]["id"]
    emea.touch("purchase_orders", edited, description="edited in EMEA")
    again = _materialize(landing_assets(COUPA), resources)
    [po_pull] = [e for e in again.get_asset_materialization_events() if e.asset_key.path[-1] == "raw_purchase_orders"]
    per_instance = po_pull.materialization.metadata["instances"].value
    assert per_instance["coupa"]["changed"] == 0 and per_instance["coupa@emea"]["changed"] == 1

    # feedback: each tenant is told of its own documents in QuickBooks, through its own connection, once each
    _materialize(outbox_assets, resources)
    warehouse.execute("UPDATE qbxml_outbox SET status = 'done', qb_id = 'T-' || request_id WHERE op = 'BillAdd'")
    _materialize([a for a in feedback_assets() if a.key.path[0] == "coupa"], resources)
    for dataset, key in ((home, "coupa"), (emea, "coupa@emea")):
        told = {f"{key}:po:{i}": n for (kind, i), n in dataset.export_writes.items() if kind == "purchase_orders"}
        assert set(told) == _committed(dataset, key) and set(told.values()) == {1}, key

    # policy per instance: the EMEA tenant bills on invoices, so its POs are no longer bills of their own
    with warehouse.connect() as conn:
        set_policy(conn, "acme", ["coupa:emea"], bill_on="invoice")
    _materialize([*staging_assets(), *matching_assets], resources)
    by_policy = dict(warehouse.fetchall("SELECT source_system, min(bill_on) FROM bill_drafts GROUP BY 1"))
    assert by_policy == {"coupa": "po", "coupa@emea": "invoice"}


def test_instance_names_are_checked_and_a_tenant_is_never_fed_twice(warehouse):
    warehouse.migrate()
    with warehouse.connect() as conn:
        _company(conn)
        with pytest.raises(ValueError, match="lower-case letters"):
            enrol(conn, "acme", "coupa", "EMEA West")
        with pytest.raises(ValueError, match="its own way to one instance"):
            enrol(conn, "acme", "salesforce", "second_org")
    resource = SourceApiResource(source="coupa", instance="acme_prod")  # the default reads connection acme_prod
    with pytest.raises(ValueError, match="default instance"):
        resource.connection("acme_prod")

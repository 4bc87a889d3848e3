"""The data checks as Dagster asset checks: quarantine lets good documents flow on; escaped faults block."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import pandas as pd
from quality_fixtures import draft, line, seed

from data_checks import quarantine, suites
from data_checks.asset_checks import build_asset_checks, to_check_result, watched_landing
from data_checks.results import ERROR, CheckResult
from warehouse.audit import now
from warehouse.store import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    url: str
    schema_name: str | None = None

    def get(self) -> Warehouse:
        return Warehouse(self.url, schema=self.schema_name, lock_timeout=10)


def _run(wh: Warehouse) -> tuple[dg.ExecuteInProcessResult, list[str]]:
    sent: list[str] = []

    @dg.asset(name="bill_drafts")
    def bill_drafts() -> None:
        """Drafts already built in SQL by the test; the evaluation the real asset runs after building them."""
        with wh.connect() as c:
            quarantine.evaluate(c)

    @dg.asset(deps=["bill_drafts"])
    def outbox() -> None:
        with wh.connect() as c:
            sent.extend(
                r[0]
                for r in c.fetchall(
                    "SELECT record_key FROM bill_drafts d WHERE NOT EXISTS (SELECT 1 FROM quarantine q "
                    "WHERE q.record_key = d.record_key AND q.released_at IS NULL) ORDER BY record_key"
                )
            )

    stubs = [dg.asset(name=n)(lambda: None) for n in suites.SUITES]
    stubs += [dg.asset(key=source.landing_key(entity))(lambda: None) for source, entity in watched_landing()]
    result = dg.materialize(
        [bill_drafts, outbox, *stubs, *build_asset_checks()],
        resources={"warehouse": WarehouseResource(url=wh.url, schema_name=wh.schema)},
        raise_on_error=False,
    )
    return result, sent


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_bad_documents_are_quarantined_and_the_rest_reach_the_outbox(warehouse):
    with warehouse.connect() as c:
        seed(c, [draft(1), draft(2, total=5.0), draft(3)], [line(1), line(2), line(3, qb_account_name=None)])
        c.load(
            "stg_po_lines",
            pd.DataFrame(
                [
                    {"source_system": "coupa", "po_source_id": "3", "line_number": 1, "quantity": -2, "line_amount": 1},
                    {"source_system": "coupa", "po_source_id": "1", "line_number": 1, "quantity": 1, "line_amount": 1},
                ]
            ),
        )
        c.load(
            "raw_coupa_purchase_orders",
            pd.DataFrame([{"source_id": "1", "payload": {"id": 1}, "fetched_at": now() - timedelta(days=3)}]),
        )
    result, sent = _run(warehouse)
    assert result.success
    assert sent == ["coupa:po:1"]
    checks = _evaluations(result)
    totals = checks["totals_match"]
    assert not totals.passed and totals.severity == dg.AssetCheckSeverity.WARN
    assert totals.metadata["first_offending_keys"].value == ["coupa:po:2"]
    assert totals.metadata["offending_count"].value == 1
    assert "differs from the sum" in totals.metadata["first_reasons"].value["coupa:po:2"]
    table = totals.metadata["offenders"].value  # readable in the UI: a markdown table of records and reasons
    assert table.startswith("| record | reason |") and "| coupa:po:2 | " in table and "differs from the sum" in table
    assert checks["account_mapped"].metadata["first_offending_keys"].value == ["coupa:po:3"]
    assert checks["dedup_unique"].passed and checks["vendor_resolved"].passed
    gx = checks["gx_stg_po_lines"]
    assert not gx.passed and gx.severity == dg.AssetCheckSeverity.ERROR
    assert gx.metadata["first_offending_keys"].value == ["coupa:po:3"]
    assert checks["gx_stg_suppliers"].passed
    fresh = checks["source_freshness"]
    assert not fresh.passed and fresh.severity == dg.AssetCheckSeverity.WARN
    assert checks["volume_change"].passed


def test_an_offender_outside_quarantine_fails_as_blocking_error():
    res = CheckResult("totals_match", ERROR, "totals", ["coupa:po:9"], {"coupa:po:9": "off by 1.00"})
    escaped = to_check_result(res, "bill_drafts", held=[])
    assert escaped.severity == dg.AssetCheckSeverity.ERROR and not escaped.passed
    contained = to_check_result(res, "bill_drafts", held=["coupa:po:9"])
    assert contained.severity == dg.AssetCheckSeverity.WARN


def test_blocking_specs_are_declared_blocking():
    specs = {s.name: s for c in build_asset_checks() for s in c.check_specs}
    assert specs["account_mapped"].blocking and specs["latin1_and_lengths"].blocking
    assert "Blocks:" in specs["account_mapped"].description and specs["company_registered"].blocking
    assert not specs["source_freshness"].blocking and not specs["gx_stg_po_lines"].blocking


def test_no_company_fails_the_run_naming_the_command(warehouse):
    result, sent = _run(warehouse)
    assert not result.success and sent == []  # blocking: nothing reaches the outbox
    check = _evaluations(result)["company_registered"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "no company is registered: run qbsync company add --name NAME" in check.description

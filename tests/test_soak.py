"""The short soak: a few hundred Coupa documents, a few Basware invoices, Procurify purchase orders (some revised or
cancelled in Procurify after booking) and JAGGAER receipts through every fault knob, and QuickBooks' sales into a
Salesforce org; kill -9 of a Dagster run, a Web Connector, a bridge (each restarted) and a Salesforce run mid-write,
on DuckDB and on PostgreSQL (two bridges); each source's independent checker (generator truth and simulator state
against the company file) must find nothing doubled, lost, mismatched or left unexplained."""

from __future__ import annotations

import pytest

from pipelines.soak import run_soak

RECORDS = 80  # purchase orders; with their invoices, payments and suppliers about 190 source documents
ALL_KILLS = {"dagster": 1, "webconnector": 1, "bridge": 1, "salesforce_run": 1}


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """The soak's QBSYNC_HOME (the connection store's key), shared by the test and every child process."""
    monkeypatch.setenv("QBSYNC_HOME", str(tmp_path / "home"))


def _assert_clean(run) -> None:
    report = run.reports["coupa"]
    assert run.clean and report.clean, "\n".join(report.lines())
    assert run.kills == ALL_KILLS
    for kind in ("vendors", "bills", "bill_payments"):
        figures = report.kinds[kind]
        assert figures.expected > 0 and figures.present == figures.expected, kind
    assert sum(report.held.values()) > 0  # the generator's planted bad records are held, with their reasons
    basware = run.reports["basware"]  # its checker: bills, transfer and payment responses, master data in Basware
    assert basware.clean, "\n".join(basware.lines())
    assert basware.figures["bills_expected"] > 0 and basware.figures["held_told_why"] > 0
    assert basware.figures["paid_in_full"] > 0 and basware.figures["paid_partially"] > 0
    procurify = run.reports["procurify"]  # its truth, the company file and its simulator's AP bills marked paid
    assert procurify.clean, "\n".join(procurify.lines())
    # its buyers revised and cancelled POs in Procurify after their bills were booked (the demo hook's in_source)
    for kind in ("vendors", "bills", "bills_revised", "bills_cancelled", "marked_paid"):
        figures = procurify.kinds[kind]
        assert figures.expected > 0 and figures.present == figures.expected, kind
    assert sum(procurify.held.values()) > 0
    salesforce = run.reports["salesforce"]  # the org's records against the company file, each written once
    assert salesforce.clean, "\n".join(salesforce.lines())
    for kind in ("accounts", "opportunities"):
        figures = salesforce.kinds[kind]
        assert figures.expected > 0 and figures.present == figures.expected, kind


def test_short_soak_on_duckdb(tmp_path):
    run = run_soak(RECORDS, database=None, seed=11, folder=tmp_path, schema="unused")
    _assert_clean(run)
    _assert_jaggaer_clean(run)


def test_short_soak_on_postgresql_with_two_bridges(pg_warehouse, tmp_path):
    run = run_soak(RECORDS, database=pg_warehouse.url, seed=12, folder=tmp_path, schema=pg_warehouse.schema)
    assert run.backend == "postgres"
    _assert_clean(run)
    _assert_jaggaer_clean(run)


def _assert_jaggaer_clean(run) -> None:
    """JAGGAER's checker (its POs, receipts and credit memos, from its generator's truth): every QuickBooks PO, bill
    and vendor credit once, its planted bad receipts held with their reasons."""
    jaggaer = run.reports["jaggaer"]
    assert jaggaer.clean, "\n".join(jaggaer.lines())
    for kind in ("purchase_orders", "bills", "vendor_credits"):
        figures = jaggaer.kinds[kind]
        assert figures.expected > 0 and figures.present == figures.expected, kind
    assert sum(jaggaer.held.values()) > 0

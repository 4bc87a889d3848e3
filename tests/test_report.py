"""The finance report: one self-contained HTML page with totals, mismatches and charts; also an asset."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
from quality_fixtures import STAMP, draft, line, load, outbox_row, qb_bill, seed
from typer.testing import CliRunner

from assets.reconciliation import finance_report
from data_checks.quarantine import evaluate
from pipelines.cli import app
from warehouse.store import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    url: str
    schema_name: str | None = None

    def get(self) -> Warehouse:
        return Warehouse(self.url, schema=self.schema_name, lock_timeout=10)


def _scenario(wh: Warehouse) -> None:
    drafts = [draft(n, txn_date=STAMP.date().replace(day=1 + n % 3)) for n in range(1, 6)]
    drafts[2] = draft(3, total=50.0)
    with wh.connect() as c:
        seed(c, drafts, [line(n) for n in range(1, 6)])
        evaluate(c)
        load(
            c,
            "qbxml_outbox",
            [
                outbox_row("coupa:po:1", "done", qb_id="T1"),
                outbox_row("coupa:po:2", "done", qb_id="T2"),
                outbox_row("coupa:po:4", "failed", last_error="3170: <edit> conflict"),
            ],
        )
        load(c, "qb_bills", [qb_bill("T1", 100.0), qb_bill("T2", 80.0)])


def test_report_is_self_contained_html(warehouse, tmp_path, monkeypatch):
    _scenario(warehouse)
    monkeypatch.setenv("QBSYNC_DATABASE_URL", warehouse.url)
    if warehouse.schema:
        monkeypatch.setenv("QBSYNC_DATABASE_SCHEMA", warehouse.schema)
    out = tmp_path / "r" / "report.html"
    result = CliRunner().invoke(app, ["report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 documents (matched 1, amount_differs 1, missing_in_quickbooks 1, quarantined 1, pending 1)" in (
        result.output
    )
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") == 5
    assert not re.search(r"<script|<link|src=\"http|href=\"http", html)
    assert "coupa:po:2" in html and "20.00" in html  # amount differs by 20
    assert "3170: &lt;edit&gt; conflict" in html  # escaped
    assert "totals_match: document total 50.00" in html
    assert "coupa:po:1</td>" not in html  # matched documents are not mismatches
    assert "Documents per day" in html and "Amount per day" in html


def test_finance_report_asset_puts_the_path_in_metadata(warehouse, tmp_path, monkeypatch):
    _scenario(warehouse)
    monkeypatch.setenv("QBSYNC_HOME", str(tmp_path))

    @dg.asset(name="bill_drafts")
    def bill_drafts() -> None:
        """Built by the test."""

    resource = WarehouseResource(url=warehouse.url, schema_name=warehouse.schema)
    result = dg.materialize([bill_drafts, finance_report], resources={"warehouse": resource})
    meta = result.asset_materializations_for_node("finance_report")[0].metadata
    path = meta["path"].value
    assert path == str(tmp_path / "reports" / "finance.html")
    assert "<h1>QuickBooks reconciliation</h1>" in Path(path).read_text()
    assert meta["mismatches"].value == 3
    assert meta["documents_by_status"].value["pending"] == 1


def test_csv_export_in_plain_words_and_causes_grouped(warehouse, tmp_path, monkeypatch):
    import csv

    from data_checks.finance_report import causes, gather

    _scenario(warehouse)
    monkeypatch.setenv("QBSYNC_DATABASE_URL", warehouse.url)
    if warehouse.schema:
        monkeypatch.setenv("QBSYNC_DATABASE_SCHEMA", warehouse.schema)
    out = tmp_path / "docs.csv"
    result = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "r.html"), "--csv", str(out)])
    assert result.exit_code == 0 and f"5 documents written to {out}" in result.output
    rows = {r["record"]: r for r in csv.DictReader(out.open())}
    assert rows["coupa:po:1"]["status"] == "in QuickBooks, amounts agree"
    assert rows["coupa:po:4"]["status"] == "not in QuickBooks" and rows["coupa:po:4"]["reason"].startswith("3170")
    assert rows["coupa:po:3"]["status"] == "held: needs a fix" and "totals_match" in rows["coupa:po:3"]["reason"]
    assert rows["coupa:po:2"]["its story"] == "qbsync audit coupa:po:2"
    with warehouse.connect() as conn:
        grouped = causes(gather(conn))
    assert grouped["documents"].sum() == 4 and "in QuickBooks, amounts agree" not in set(grouped["cause"])


def test_report_names_its_scope_groups_causes_totals_vendors_and_tells_each_mismatchs_story(warehouse, tmp_path):
    from data_checks.finance_report import write_report

    _scenario(warehouse)
    out = tmp_path / "report.html"
    write_report(warehouse, out)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", out.read_text()))
    assert "acme · USD · 2024-05-01 to 2024-05-03" in text
    assert "on its way to QuickBooks" in text and "held: needs a fix" in text  # statuses in plain words
    # causes grouped, with counts and amounts: the check that holds a document, QuickBooks' status code
    assert "held: needs a fix: totals_match 1 50.00" in text
    assert "not in QuickBooks: 3170 1 100.00" in text
    # one vendor, all five documents, the QuickBooks side only where a bill is known, three needing attention
    assert "Acme Supplies 5 450.00 180.00 3" in text
    story = re.search(r"coupa:po:3 story (.*?) qbsync audit coupa:po:3", text)
    assert story and "quarantined" in story.group(1) and "totals_match" in story.group(1)

"""Purchase tax end to end (sandbox Coupa with line tax codes -> Dagster assets -> outbox -> bridge over HTTP ->
sandbox Web Connector -> sandbox company file): a Canadian and a UK company file get bills whose expense lines carry
the QuickBooks sales tax code mapped from each Coupa line's tax code; an unmapped code holds its documents with a
reason naming the field; a US company fed the same taxed Coupa lines gets its bills as before, without tax codes.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from qbwc_bridge import companies
from sandbox.coupa.demo import TAX_TO_QB
from sandbox.coupa.generator import generate
from sandbox.demo import DemoEnvironment, DemoResult
from sandbox.quickbooks.company import CompanyFile

SEED, RECORDS = 3, 16


def _documents(dataset) -> dict[str, list[dict]]:
    """RefNumber -> the source lines (in line order) of every generated PO and invoice."""
    docs = {po["po-number"]: po["order-lines"] for po in dataset.records["purchase_orders"].values()}
    docs |= {inv["invoice-number"][:20]: inv["invoice-lines"] for inv in dataset.records["invoices"].values()}
    return {ref: sorted(lines, key=lambda line: int(line["line-num"])) for ref, lines in docs.items()}


def _bills(env: DemoEnvironment) -> list[dict]:
    with CompanyFile(env.company_path, country=env.country) as books:
        return books.objects("Bill")


def _line_codes(bill: dict) -> list[str | None]:
    lines = bill.get("ExpenseLineRet") or []
    return [(line.get("SalesTaxCodeRef") or {}).get("FullName") for line in lines]


def _sync_and_deliver(env: DemoEnvironment, monkeypatch) -> tuple[DemoResult, list[dict], str]:
    """Run the demo environment end to end: its figures, the company file's bills, every request message sent."""
    with env:
        monkeypatch.setenv("QBSYNC_DATABASE_URL", env.warehouse.url)
        env.sync()
        env.deliver()
        result = env.result(round_trips=0, seconds=0)
        sent = "".join(x for (x,) in env.warehouse.fetchall("SELECT request_xml FROM qbxml_messages"))
        return result, _bills(env), sent


@pytest.mark.parametrize("country", ["CA", "UK"])
def test_bills_carry_the_mapped_sales_tax_code_on_every_line(tmp_path, monkeypatch, country):
    env = DemoEnvironment(
        tmp_path / "demo", sources=["coupa"], records=RECORDS, seed=SEED, bad_share=0.0, country=country
    )
    result, bills, sent = _sync_and_deliver(env, monkeypatch)
    docs = _documents(env.systems["coupa"].dataset)
    # reconciled: Coupa's payments of the total with tax settle bills whose total the file computed with the tax
    assert bills and result.unreconciled == 0 and result.duplicates == 0
    for bill in bills:
        source = docs[bill["RefNumber"]]
        expected = [TAX_TO_QB[country][line["tax-code"]["code"]] for line in source]
        assert _line_codes(bill) == expected, bill["RefNumber"]
    assert "<IsTaxIncluded>false</IsTaxIncluded>" in sent


def test_an_unmapped_tax_code_holds_its_documents_naming_the_field(tmp_path, monkeypatch):
    with DemoEnvironment(
        tmp_path / "demo", sources=["coupa"], records=RECORDS, seed=SEED, bad_share=0.0, country="CA"
    ) as env:
        monkeypatch.setenv("QBSYNC_DATABASE_URL", env.warehouse.url)
        with env.warehouse.connect() as conn:
            conn.execute("DELETE FROM tax_code_mappings WHERE source_tax_code = 'GST'")
        env.sync()
        env.deliver()
        bills = {b["RefNumber"] for b in _bills(env)}
        held = env.warehouse.fetchall(
            "SELECT record_key, field, reason FROM quarantine WHERE check_name = 'tax_code_mapped' "
            "AND released_at IS NULL"
        )
    docs = _documents(env.systems["coupa"].dataset)
    with_gst = {ref for ref, lines in docs.items() if any(line["tax-code"]["code"] == "GST" for line in lines)}
    assert with_gst and not bills & with_gst  # no document with a GST line became a bill
    assert bills  # the others did
    assert held and all(field.endswith(".tax_code") and "'GST'" in reason for _, field, reason in held)


def test_a_us_company_fed_taxed_coupa_lines_gets_bills_without_tax_codes(tmp_path, monkeypatch):
    env = DemoEnvironment(tmp_path / "demo", sources=["coupa"], records=RECORDS, seed=SEED, bad_share=0.0)
    # no payments: Coupa pays the total with its tax, which a US file's bill (net lines, no tax codes) does not have
    env.systems["coupa"].dataset = generate(
        SEED, suppliers=5, purchase_orders=RECORDS, bad_share=0.0, payment_share=0.0, country="CA"
    )
    result, bills, sent = _sync_and_deliver(env, monkeypatch)
    assert bills and result.unreconciled == 0
    assert all(code is None for bill in bills for code in _line_codes(bill))
    assert "SalesTaxCode" not in sent and "IsTaxIncluded" not in sent


def test_tax_codes_import_takes_a_whole_file_or_names_every_bad_row(warehouse, monkeypatch, tmp_path):
    monkeypatch.setenv("QBSYNC_DATABASE_URL", warehouse.url)
    if warehouse.schema:
        monkeypatch.setenv("QBSYNC_DATABASE_SCHEMA", warehouse.schema)
    with warehouse.connect() as conn:
        companies.add(conn, "maple", "qbwc-maple", "pw-maple-12345", country="CA")
    header = "company,source_system,source_tax_code,qb_sales_tax_code\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "maple,coupa,HST-ON,H\nnobody,coupa,GST,GST1\nmaple,coupa,HST-ON,G\n")
    refused = CliRunner().invoke(app, ["mappings", "import", "tax-codes", str(bad)])
    assert refused.exit_code == 1
    assert "line 3: company 'nobody' does not exist; qb_sales_tax_code is longer than 3" in refused.output
    assert "line 4: source_tax_code 'HST-ON' is mapped again (first on line 2)" in refused.output
    assert warehouse.scalar("SELECT count(*) FROM tax_code_mappings") == 0
    good = tmp_path / "good.csv"
    good.write_text(header + "maple,coupa,HST-ON,H\nmaple,coupa,GST,G\n")
    assert CliRunner().invoke(app, ["mappings", "import", "tax-codes", str(good)]).exit_code == 0
    assert sorted(warehouse.fetchall("SELECT source_tax_code, qb_sales_tax_code FROM tax_code_mappings")) == [
        ("GST", "G"),
        ("HST-ON", "H"),
    ]
    assert warehouse.scalar("SELECT count(*) FROM audit_log WHERE record_key LIKE 'mapping:tax-codes:%'") == 2

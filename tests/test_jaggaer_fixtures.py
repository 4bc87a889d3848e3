"""The real JAGGAER exports (../shared/reference/fixtures/jaggaer, read in place) through the client's models, landing
and the staging SQL, without loss: every invoice of the 64-invoice list and the full sample staged with its number,
supplier, dates, total and modification time; the sample's line with its PO, PO line, quantity and unit price, and
its tax as a line, adding up to the invoice total; the OCR sample's money-object unit price read."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from assets import steps
from sources import registry
from sources.jaggaer.models import InvoiceReceipt, ReceiptLine, Segments, parse_time


@pytest.fixture
def exports(reference_dir) -> list[dict]:
    folder = reference_dir / "fixtures" / "jaggaer"
    listed = json.loads((folder / "invoice_list.json").read_text())
    assert (listed["returnCode"], listed["totRecords"], listed["returnedRecords"]) == (0, 64, 64)
    return [*listed["jiinvoiceList"]["jiinvoice"], json.loads((folder / "invoice_sample.json").read_text())]


def test_every_real_invoice_stages_with_its_header_fields(warehouse, exports):
    source = registry.get("jaggaer")
    records = [InvoiceReceipt.read(raw).record(raw) for raw in exports]
    assert len({r["receiptKey"] for r in records}) == len(exports) == 65  # one receipt each: none collide
    figures = steps.land(warehouse, source, "invoices", iter(records))
    assert figures["rejected"] == [] and figures["rows"] == 65
    steps.stage(warehouse, source, "invoices")
    staged = {row["source_id"]: row for row in warehouse.records(
        "SELECT source_id, invoice_number, supplier_source_id, status, currency, invoice_date, due_date, "
        "total_amount, source_updated_at FROM stg_invoices WHERE source_system = 'jaggaer'")}  # fmt: skip
    assert len(staged) == 65
    for raw, record in zip(exports, records, strict=True):
        h, row = raw["header"], staged[record["receiptKey"]]
        assert row["invoice_number"] == h.get("supplierInvoiceNumber", h["invoiceNumber"])
        assert row["supplier_source_id"] == h["supplier"]["supplierNumber"]
        assert row["status"] == ("CreditMemo" if h["invoiceType"] == "Credit memo" else h["workflowStatus"])
        assert str(row["invoice_date"]) == h["invoiceDate"][:10] and str(row["due_date"]) == h["dueDate"][:10]
        total = h.get("total", {}).get("value")
        assert row["total_amount"] == (None if total is None else Decimal(str(total)).quantize(Decimal("0.01")))
        assert row["currency"] == h.get("total", {}).get("currency")
        assert row["source_updated_at"].replace(tzinfo=None) == parse_time(h["lastUpdate"]).replace(tzinfo=None)


def test_the_sample_lines_keep_po_quantity_and_price_and_add_up_to_the_total(warehouse, exports):
    source = registry.get("jaggaer")
    sample = exports[-1]
    record = InvoiceReceipt.read(sample).record(sample)
    assert record["receiptKey"] == "279765/InvoiceTest125/0000000049"
    steps.land(warehouse, source, "invoices", iter([record]))
    steps.stage(warehouse, source, "invoices")
    lines = warehouse.records(
        "SELECT description, quantity, unit_price, line_amount, account_code, cost_centre, po_number, po_line_number "
        "FROM stg_invoice_lines WHERE source_system = 'jaggaer' ORDER BY line_number"
    )
    assert [(x["description"], x["quantity"], x["unit_price"], x["line_amount"], x["account_code"], x["po_number"],
             x["po_line_number"]) for x in lines] == [
        ("PO with 1 line 1 distrib account", 1, 1000, Decimal("1000.00"), "100000", "0000000049", "1"),
        ("Tax", None, None, Decimal("102.50"), "TAX", None, None),
    ]  # fmt: skip
    assert lines[0]["cost_centre"] == "1000006"  # the split's Financial_Unit
    assert sum(x["line_amount"] for x in lines) == Decimal(str(sample["header"]["total"]["value"]))
    held = warehouse.scalar("SELECT count(*) FROM quarantine WHERE released_at IS NULL")
    assert held == 0


def test_header_only_invoices_of_the_list_are_held_for_their_missing_lines(warehouse, exports):
    source = registry.get("jaggaer")
    listed = exports[:-1]
    steps.land(warehouse, source, "invoices", iter(InvoiceReceipt.read(r).record(r) for r in listed))
    steps.stage(warehouse, source, "invoices")
    reasons = warehouse.fetchall("SELECT DISTINCT field, reason FROM quarantine WHERE released_at IS NULL")
    assert reasons == [("lines", "document has no lines")]
    assert warehouse.scalar("SELECT count(DISTINCT record_key) FROM quarantine") == 64


def test_the_ocr_sample_reads_its_money_object_unit_price(reference_dir):
    ocr = json.loads((reference_dir / "fixtures" / "jaggaer" / "invoice_data.json").read_text())
    [line] = ocr["invoiceOcr"]["invoiceOcrLineList"]["invoiceOcrLine"]
    read = ReceiptLine.read(line, Segments())
    assert (read.line_number, read.description, read.quantity, read.unit_price) == (
        1, "Test Description", Decimal("1.0"), Decimal("10.00"))  # fmt: skip

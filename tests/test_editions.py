"""Editions through the bridge: a Canadian and a UK company file (17.0 QuickBooks and Web Connector) get qbXML 16.0
in their edition's terms; the simulator, as those editions do, refuses the US-only elements a US file takes."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from bridge_support import FAST, PASSWORD, running_bridge, statuses

from qbwc_bridge import companies
from qbwc_bridge.delivery import render_row
from qbxml import editions, envelope, requests
from qbxml.responses import parse_message
from qbxml.schema import parse_version
from sandbox.quickbooks import host
from sandbox.quickbooks import statuses as qb_statuses
from sandbox.quickbooks.company import CompanyFile
from sandbox.webconnector.client import WebConnector
from transforms.requests import reference_query_payload
from warehouse.outbox import enqueue, request_id_for

VENDOR = {"Name": "Maple Office Supply", "VendorTaxIdent": "123456789RT0001", "IsVendorEligibleFor1099": True}


SALES_TAX_CODE = {"CA": "H", "UK": "S"}


def _bill(tax_code: str | None) -> dict:
    line = {"AccountRef": {"FullName": "Office Supplies"}, "Amount": "113.00"}
    if tax_code:
        line["SalesTaxCodeRef"] = {"FullName": tax_code}
    return {"VendorRef": {"FullName": VENDOR["Name"]}, "TxnDate": "2024-03-01", "RefNumber": "INV-1",
            "ExpenseLineAdd": [line]}  # fmt: skip


def _queue(wh, company: str, country: str) -> None:
    bill = _bill(SALES_TAX_CODE[country])
    rows = [
        (company, "VendorAdd", "coupa:supplier:1:v1", {"VendorAdd": VENDOR}, None),
        (company, "BillAdd", "coupa:invoice:1:v1", {"BillAdd": bill}, request_id_for(company, "coupa:supplier:1:v1")),
    ]
    frame = pd.DataFrame(rows, columns=["company", "op", "dedup_key", "payload", "depends_on"])
    frame["record_key"] = frame["dedup_key"].str.rsplit(":", n=1).str[0]
    with wh.connect() as conn:
        enqueue(conn, frame)


@pytest.mark.parametrize("country", ["CA", "UK"])
def test_a_non_us_company_syncs_in_its_editions_terms(warehouse, tmp_path, country):
    name, user = f"acme-{country.lower()}", f"qbwc-{country.lower()}"
    with warehouse.connect() as conn:
        companies.add(conn, name, user, PASSWORD, country=country, max_version="17.0")
    _queue(warehouse, name, country)
    with CompanyFile.create(tmp_path / "qb.sqlite", country=country, max_version="17.0") as books:
        with running_bridge(warehouse, **FAST) as bridge:
            WebConnector(bridge.soap_url, user, PASSWORD, books, qbxml_version="17.0", noop_wait=0.01).run_until_idle()
        vendor = books.objects("Vendor")[-1]
        bills = books.objects("Bill")
    assert statuses(warehouse) == {"done": 2}
    assert vendor["Name"] == VENDOR["Name"]
    assert vendor["TaxRegistrationNumber"] == VENDOR["VendorTaxIdent"]
    assert "VendorTaxIdent" not in vendor and "IsVendorEligibleFor1099" not in vendor
    assert [b["RefNumber"] for b in bills] == ["INV-1"]
    with warehouse.connect() as conn:
        session = conn.records(
            "SELECT country, qbxml_version, host_info FROM qbwc_sessions "
            "WHERE host_info IS NOT NULL ORDER BY created_at"
        )[0]
        declared = {x for (x,) in conn.fetchall("SELECT qbxml_version FROM qbxml_messages")}
        sent = "".join(x for (x,) in conn.fetchall("SELECT request_xml FROM qbxml_messages"))
    info = session["host_info"] if isinstance(session["host_info"], dict) else json.loads(session["host_info"])
    assert (session["country"], session["qbxml_version"], declared) == (country, "16.0", {"16.0"})
    assert f"{country}2.0" in info["supported_versions"]  # the file listed its old versions with the prefix
    assert '<?qbxml version="16.0"?>' in sent and "TaxRegistrationNumber" in sent and "1099" not in sent


def test_us_only_elements_are_refused_by_a_canadian_file_and_taken_by_a_us_one(tmp_path):
    rq = requests.render("VendorAdd", {"VendorAdd": VENDOR}, version="16.0", request_id="1")
    message = envelope.message([rq], version="16.0")
    with CompanyFile.create(tmp_path / "ca.sqlite", country="CA") as canadian:
        refused = canadian.process(message)
    assert refused.hresult == qb_statuses.HRESULT_PARSE_ERROR
    with CompanyFile.create(tmp_path / "us.sqlite") as american:
        assert american.process(message).hresult is None
        assert american.objects("Vendor")[-1]["VendorTaxIdent"] == VENDOR["VendorTaxIdent"]


def test_versions_as_each_edition_writes_and_lists_them(tmp_path):
    canada = editions.edition("CA")
    assert canada.version_string("16.0") == "16.0" and canada.version_string("2.0") == "CA2.0"
    assert editions.edition("US").version_string("2.0") == "2.0"
    assert editions.country_of(None, ["CA2.0", "CA3.0", "16.0"]) == "CA"
    assert editions.country_of("uk", ["2.0"]) == "UK"
    assert editions.country_of(None, ["13.0"], fallback="AU") == "AU"
    listed = host.supported_versions("16.0", "UK")
    assert listed[0] == "UK1.0" and listed[-1] == "16.0"
    assert max(listed, key=parse_version) == "16.0"
    old = envelope.message([], version="16.0").replace(b'version="16.0"', b'version="5.0"')
    with CompanyFile.create(tmp_path / "uk.sqlite", country="UK", max_version="16.0") as books:
        refused = books.process(old)
    assert refused.message == qb_statuses.VERSION_REFUSED_MESSAGE


def test_edition_profiles_are_configuration(tmp_path, monkeypatch):
    custom = tmp_path / "editions.json"
    custom.write_text(json.dumps({"US": {}, "CA": {"omit": ["Notes"], "rename": {}, "version_prefix": "CA"}}))
    monkeypatch.setenv("QBSYNC_QBXML_EDITIONS", str(custom))
    fields = {"VendorAdd": {"Name": "A", "Notes": "n", "IsVendorEligibleFor1099": True}}
    assert editions.edition("CA").adapt(fields) == {"VendorAdd": {"Name": "A", "IsVendorEligibleFor1099": True}}
    assert editions.edition("AU").country == "US"  # not configured: US terms


@pytest.mark.parametrize("country", ["CA", "UK"])
def test_a_canadian_or_uk_file_requires_a_sales_tax_code_it_lists_on_every_expense_line(tmp_path, country):
    def send(books: CompanyFile, op: str, body: dict) -> tuple[int, str]:
        rq = requests.render(op, {op: body}, version="16.0", request_id="1")
        rs = parse_message(books.process(envelope.message([rq], version="16.0")).response_xml)[0]
        return rs.status_code, rs.status_message

    def bill_add(books: CompanyFile, tax_code: str | None) -> tuple[int, str]:
        return send(books, "BillAdd", _bill(tax_code))

    with CompanyFile.create(tmp_path / "taxed.sqlite", country=country) as books:
        assert send(books, "VendorAdd", {"Name": VENDOR["Name"]})[0] == 0
        missing = bill_add(books, None)
        unknown = bill_add(books, "X")
        taken = bill_add(books, SALES_TAX_CODE[country])
        line = books.objects("Bill")[-1]["ExpenseLineRet"][0]
    assert missing[0] == qb_statuses.INVALID_VALUE and "SalesTaxCodeRef" in missing[1]
    assert unknown[0] == qb_statuses.INVALID_REFERENCE and '"X"' in unknown[1]
    assert taken[0] == 0 and line["SalesTaxCodeRef"]["FullName"] == SALES_TAX_CODE[country]
    with CompanyFile.create(tmp_path / "us.sqlite") as american:
        send(american, "VendorAdd", {"Name": VENDOR["Name"]})
        assert bill_add(american, None)[0] == 0  # a US file takes lines without a tax code


def test_iterators_are_switchable_per_edition(tmp_path, monkeypatch):
    custom = tmp_path / "editions.json"
    custom.write_text(json.dumps({"US": {}, "UK": {"version_prefix": "UK", "iterators": False}}))
    monkeypatch.setenv("QBSYNC_QBXML_EDITIONS", str(custom))
    row = {"op": "VendorQuery", "request_id": "q-1", "payload": reference_query_payload("VendorQuery", None)}
    paged = {e: render_row(row, "t", "16.0", editions.edition(e))[1] for e in ("US", "UK")}
    assert paged["US"].get("iterator") == "Start" and paged["US"].findtext("MaxReturned")
    assert paged["UK"].get("iterator") is None and paged["UK"].find("MaxReturned") is None
    with CompanyFile.create(tmp_path / "uk.qbsb", country="UK") as books:
        adds = [requests.render("VendorAdd", {"VendorAdd": {"Name": f"V{n}"}}, version="16.0", request_id=f"v{n}")
                for n in range(3)]  # fmt: skip
        books.process(envelope.message(adds, version="16.0"))
        answer = books.process(envelope.message([paged["UK"]], version="16.0"))
    [rs] = parse_message(answer.response_xml)
    assert rs.iterator_id is None and sorted(r.data["Name"] for r in rs.records) == ["V0", "V1", "V2"]

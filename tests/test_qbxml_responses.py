"""Response parsing: real QuickBooks output (lenient), responses built and validated here, hardened input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from lxml import etree

from qbxml import envelope, xmltree, xsd
from qbxml.responses import NotAResponse, parse_message
from qbxml.schema import load
from qbxml.status import Outcome
from qbxml.xmlsafe import UnsafeXml

VERSIONS = ["13.0", "16.0"]


@pytest.fixture(scope="module")
def fixtures(reference_dir):
    return reference_dir / "fixtures" / "qb-responses"


def _response(version: str, op: str, data: dict) -> bytes:
    schema = load(version)
    doc = envelope.response_message([xmltree.render(schema, schema.response(op), data)], version=version)
    assert xsd.load(schema.version).errors(etree.fromstring(doc)) == []
    return doc


def test_real_vendor_query_with_54_vendors(fixtures):
    (rs,) = parse_message((fixtures / "billash_vendors.xml").read_bytes())
    assert (rs.op, rs.request_id, rs.status_code, rs.status_severity) == ("VendorQuery", "1", 0, "Info")
    assert rs.outcome is Outcome.ok
    assert len(rs.records) == 54
    first = rs.records[0]
    assert first.type == "VendorRet"
    assert (first.id, first.name, first.edit_sequence) == ("A60000-1197760912", "A Cheung Limited", "1702703204")
    assert first.time_modified == datetime(2023, 12, 16, 0, 6, 44, tzinfo=timezone(timedelta(hours=-5)))
    assert first.time_created.year == 2007
    assert first.get("VendorAddress/City") == "Berkeley"
    assert isinstance(first.data["AdditionalContactRef"], list)
    assert len({r.id for r in rs.records}) == 54


def test_real_account_query_with_116_accounts(fixtures):
    (rs,) = parse_message((fixtures / "billash_accounts.xml").read_bytes())
    assert rs.op == "AccountQuery"
    assert len(rs.records) == 116
    assert all(r.type == "AccountRet" and r.id and r.name for r in rs.records)
    checking = rs.records[0]
    assert checking.data["AccountType"] == "Bank"
    assert isinstance(checking.amount("Balance"), Decimal)


def test_real_mixed_status_batch_parses_though_not_schema_valid(fixtures):
    raw = (fixtures / "customer-batch-mixed.response.xml").read_bytes()
    assert xsd.load("16.0").errors(etree.fromstring(raw))  # re-serialized output strays from the schema
    responses = parse_message(raw)
    assert [r.request_id for r in responses] == [f"ext-mix-{i}" for i in range(1, 6)]
    assert [r.status_code for r in responses] == [0, 3100, 3250, 3130, 0]
    assert [r.outcome for r in responses] == [
        Outcome.ok,
        Outcome.duplicate_name,
        Outcome.not_permitted,
        Outcome.bad_reference,
        Outcome.ok,
    ]
    assert "already in use" in responses[1].status_message
    assert responses[1].records == []
    assert responses[4].records[0].name == "HG-BATCH-MIX-1785964184-5"


def test_real_add_response_with_empty_request_id(fixtures):
    (rs,) = parse_message((fixtures / "account-add.response.xml").read_bytes())
    assert (rs.op, rs.request_id, rs.records[0].type) == ("AccountAdd", "", "AccountRet")


@pytest.mark.parametrize("version", VERSIONS)
def test_bill_query_response_with_iterator_and_lines(version):
    bill = {
        "TxnID": "1A-1712",
        "TimeCreated": "2024-03-01T10:00:00-05:00",
        "TimeModified": "2024-03-02T11:30:00-05:00",
        "EditSequence": "1712",
        "TxnNumber": "7",
        "VendorRef": {"ListID": "80000001-1", "FullName": "Acme"},
        "TxnDate": "2024-03-01",
        "AmountDue": "18.50",
        "RefNumber": "INV-1",
        "IsPaid": False,
        "ExpenseLineRet": [{"TxnLineID": "1A-2", "AccountRef": {"FullName": "Office"}, "Amount": "12.00"}],
        "ItemLineRet": [{"TxnLineID": "1A-3", "ItemRef": {"FullName": "Widget"}, "Quantity": "2", "Amount": "6.50"}],
    }
    data = {
        "@requestID": "q1",
        "@statusCode": "0",
        "@statusSeverity": "Info",
        "@statusMessage": "Status OK",
        "@retCount": "1",
        "@iteratorRemainingCount": "40",
        "@iteratorID": "{e8d1-55}",
        "BillRet": [bill],
    }
    (rs,) = parse_message(_response(version, "BillQuery", data))
    assert (rs.iterator_id, rs.iterator_remaining, rs.ret_count) == ("{e8d1-55}", 40, 1)
    (record,) = rs.records
    assert (record.type, record.id, record.name, record.edit_sequence) == ("BillRet", "1A-1712", "INV-1", "1712")
    assert record.amount("AmountDue") == Decimal("18.50")
    assert record.get("VendorRef/FullName") == "Acme"
    assert [ln["Amount"] for ln in record.expense_lines] == ["12.00"]
    assert record.item_lines[0]["ItemRef"] == {"FullName": "Widget"}
    assert record.lines("LinkedTxn") == []


def test_lines_are_lists_even_when_unknown_to_the_schema():
    raw = (
        b"<QBXML><QBXMLMsgsRs><BillQueryRs statusCode='0'><BillRet><TxnID>1</TxnID>"
        b"<ExpenseLineRet><Amount>1.00</Amount></ExpenseLineRet><Stray>x</Stray></BillRet>"
        b"<BillRet><TxnID>2</TxnID></BillRet></BillQueryRs>"
        b"<FutureOpRs statusCode='0'><FutureRet><A>1</A><A>2</A></FutureRet></FutureOpRs></QBXMLMsgsRs></QBXML>"
    )
    bill_rs, future = parse_message(raw)
    assert bill_rs.request_id is None
    assert bill_rs.records[0].data["ExpenseLineRet"] == [{"Amount": "1.00"}]
    assert bill_rs.records[0].data["Stray"] == "x"
    assert bill_rs.records[1].expense_lines == []
    assert future.records[0].data == {"A": ["1", "2"]}


def test_item_variants_deleted_and_company_records():
    schema = load("16.0")
    item = xmltree.render(
        schema,
        schema.response("ItemQuery"),
        {
            "@requestID": "i",
            "@statusCode": "0",
            "@statusSeverity": "Info",
            "ItemServiceRet": [{"ListID": "S1", "Name": "Consulting", "FullName": "Consulting"}],
            "ItemNonInventoryRet": [{"ListID": "N1", "Name": "Paper", "FullName": "Office:Paper"}],
        },
    )
    deleted = xmltree.render(
        schema,
        schema.response("TxnDeletedQuery"),
        {
            "@requestID": "d",
            "@statusCode": "0",
            "@statusSeverity": "Info",
            "TxnDeletedRet": [
                {
                    "TxnDelType": "Bill",
                    "TxnID": "1A-1",
                    "TimeCreated": "2024-01-01T00:00:00+00:00",
                    "TimeDeleted": "2024-02-01T00:00:00+00:00",
                    "RefNumber": "INV-9",
                }
            ],
        },
    )
    empty = xmltree.render(
        schema,
        schema.response("VendorQuery"),
        {"@requestID": "v", "@statusCode": "1", "@statusSeverity": "Info", "@statusMessage": "no match"},
    )
    doc = envelope.response_message([item, deleted, empty], version="16.0")
    assert xsd.load(schema.version).errors(etree.fromstring(doc)) == []
    items, dels, none = parse_message(doc)
    assert [(r.type, r.id, r.name) for r in items.records] == [
        ("ItemServiceRet", "S1", "Consulting"),
        ("ItemNonInventoryRet", "N1", "Office:Paper"),
    ]
    (gone,) = dels.records
    assert (gone.type, gone.id, gone.name) == ("TxnDeletedRet", "1A-1", "INV-9")
    assert gone.time_deleted == datetime(2024, 2, 1, tzinfo=UTC)
    assert (none.outcome, none.records, none.status_code) == (Outcome.empty, [], 1)


def test_delete_response_without_ret_keeps_its_fields():
    raw = (
        "<QBXML><QBXMLMsgsRs><TxnDelRs requestID='x' statusCode='0'><TxnDelType>Bill</TxnDelType>"
        "<TxnID>1-1</TxnID></TxnDelRs></QBXMLMsgsRs></QBXML>"
    )
    (rs,) = parse_message(raw)
    assert rs.records[0].type == "TxnDelRs"
    assert rs.records[0].id == "1-1"


def test_missing_or_garbage_status_is_unknown():
    (rs,) = parse_message("<QBXML><QBXMLMsgsRs><VendorQueryRs statusCode='x'/></QBXMLMsgsRs></QBXML>")
    assert (rs.status_code, rs.outcome) == (-1, Outcome.unknown)


def test_not_a_response_is_refused():
    with pytest.raises(NotAResponse):
        parse_message("<html/>")
    with pytest.raises(NotAResponse):
        parse_message("<QBXML><QBXMLMsgsRq/></QBXML>")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<QBXML><QBXMLMsgsRs><VendorQueryRs statusCode="0" statusMessage="&lol3;"/></QBXMLMsgsRs></QBXML>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<QBXML><QBXMLMsgsRs><VendorQueryRs statusCode="0" statusMessage="&xxe;"/></QBXMLMsgsRs></QBXML>"""


@pytest.mark.parametrize("raw", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entities_and_dtds_are_refused(raw):
    with pytest.raises(UnsafeXml):
        parse_message(raw)


def test_external_entity_never_reads_the_file():
    try:
        responses = parse_message(EXTERNAL_ENTITY)
    except UnsafeXml:
        return
    assert "root:" not in str(responses)


def test_size_limit():
    raw = b"<QBXML><QBXMLMsgsRs>" + b"<VendorQueryRs statusCode='0'/>" * 100 + b"</QBXMLMsgsRs></QBXML>"
    assert len(parse_message(raw)) == 100
    with pytest.raises(UnsafeXml, match="exceeds"):
        parse_message(raw, max_bytes=len(raw) - 1)


RECORD_SAMPLES = [
    ("VendorQuery", "VendorRet", {"ListID": "V1", "EditSequence": "5", "Name": "Acme", "Balance": "10.00"}, "Acme"),
    (
        "AccountQuery",
        "AccountRet",
        {"ListID": "A1", "Name": "Office", "FullName": "Expenses:Office"},
        "Expenses:Office",
    ),
    ("CustomerQuery", "CustomerRet", {"ListID": "C1", "Name": "Client", "FullName": "Client"}, "Client"),
    ("InvoiceQuery", "InvoiceRet", {"TxnID": "I1", "RefNumber": "1001", "Subtotal": "5.00"}, "1001"),
    ("PurchaseOrderQuery", "PurchaseOrderRet", {"TxnID": "P1", "RefNumber": "PO-7"}, "PO-7"),
    ("BillPaymentCheckQuery", "BillPaymentCheckRet", {"TxnID": "K1", "RefNumber": "4411", "Amount": "9.99"}, "4411"),
    ("BillPaymentCreditCardQuery", "BillPaymentCreditCardRet", {"TxnID": "K2", "Amount": "1.00"}, None),
    ("ListDeletedQuery", "ListDeletedRet", {"ListDelType": "Vendor", "ListID": "V9", "FullName": "Gone"}, "Gone"),
    ("HostQuery", "HostRet", {"ProductName": "QuickBooks Enterprise", "MajorVersion": "34"}, None),
    ("CompanyQuery", "CompanyRet", {"CompanyName": "Rock Castle", "LegalCompanyName": "Rock Castle LLC"}, None),
    ("PreferencesQuery", "PreferencesRet", {}, None),
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("op", "ret", "data", "name"), RECORD_SAMPLES, ids=[s[1] for s in RECORD_SAMPLES])
def test_record_types_round_trip_through_a_valid_response(version, op, ret, data, name):
    rs_data = {"@requestID": "r", "@statusCode": "0", "@statusSeverity": "Info", ret: data}
    (rs,) = parse_message(_response(version, op, rs_data))
    (record,) = rs.records
    assert record.type == ret
    assert record.id == (data.get("ListID") or data.get("TxnID"))
    assert record.name == name
    assert record.data == data

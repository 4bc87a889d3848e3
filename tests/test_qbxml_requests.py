"""Rendering stored request data: every kind of request is schema-valid in 13.0 and 16.0; bad input names the field."""

from __future__ import annotations

import pytest
from lxml import etree

from qbwc_bridge.delivery import lookup_query
from qbxml import envelope, xsd
from qbxml import requests as rq
from qbxml.text import QbxmlFieldError
from qbxml.xmltree import UnknownField
from transforms.requests import REFERENCE_QUERIES, reference_query_payload

VERSIONS = ["13.0", "16.0"]

# What the outbox stores per request (op, fields): the data every request is written from.
REQUESTS = {
    "vendor_add": (
        "VendorAdd",
        {
            "VendorAdd": {
                "Name": "Acme & Sons <Ltd>",
                "CompanyName": "Acme",
                "VendorAddress": {"Addr1": "1 Main St", "City": "Springfield", "PostalCode": "12345"},
                "Email": "ap@acme.example",
                "TermsRef": {"FullName": "Net 30"},
                "IsVendorEligibleFor1099": True,
                "CurrencyRef": {"FullName": "US Dollar"},
            }
        },
    ),
    "vendor_mod": (
        "VendorMod",
        {"VendorMod": {"ListID": "80000001-1", "EditSequence": "1712345678", "Phone": "555-0100", "Fax": "1"}},
    ),
    "vendor_query_since": (
        "VendorQuery",
        {
            "MaxReturned": 100,
            "ActiveStatus": "All",
            "FromModifiedDate": "2024-01-01T00:00:00+00:00",
            "@iterator": "Start",
        },
    ),
    "vendor_query_continue": (
        "VendorQuery",
        {
            "MaxReturned": 100,
            "ActiveStatus": "All",
            "FromModifiedDate": "2024-01-01T00:00:00",
            "@iterator": "Continue",
            "@iteratorID": "{a1-b2}",
        },
    ),
    "vendor_query_name": ("VendorQuery", {"FullName": ["Acme"]}),
    "vendor_query_id": ("VendorQuery", {"ListID": ["80000001-1", "80000002-1"]}),
    "vendor_query_filter": (
        "VendorQuery",
        {"MaxReturned": 10, "ActiveStatus": "All", "NameFilter": {"MatchCriterion": "Contains", "Name": "Ac"}},
    ),
    "bill_add": (
        "BillAdd",
        {
            "BillAdd": {
                "VendorRef": {"FullName": "Acme"},
                "APAccountRef": {"ListID": "80000005-1"},
                "TxnDate": "2024-03-01",
                "DueDate": "2024-03-31",
                "RefNumber": "INV-1",
                "ClassRef": {"FullName": "Ops"},
                "Memo": "coupa:invoice:17",
                "ExpenseLineAdd": [
                    {
                        "AccountRef": {"FullName": "Expenses:Office"},
                        "Amount": "12.50",
                        "Memo": "paper",
                        "ClassRef": {"FullName": "Ops"},
                    },
                    {
                        "AccountRef": {"FullName": "Expenses:Travel"},
                        "Amount": "-3.00",
                        "CustomerRef": {"FullName": "Client A"},
                    },
                ],
                "ItemLineAdd": [{"ItemRef": {"FullName": "Widget"}, "Quantity": "2", "Cost": "3.25", "Amount": "6.50"}],
            }
        },
    ),
    "bill_mod": (
        "BillMod",
        {
            "BillMod": {
                "TxnID": "1A-1712",
                "EditSequence": "9",
                "Memo": "changed",
                "ExpenseLineMod": [
                    {"TxnLineID": "1A-1", "AccountRef": {"FullName": "Expenses:Office"}, "Amount": "10.00"}
                ],
            }
        },
    ),
    "bill_mod_clear": ("BillMod", {"BillMod": {"TxnID": "1A-1712", "EditSequence": "9", "ClearItemLines": True}}),
    "bill_query_since": (
        "BillQuery",
        {
            "ModifiedDateRangeFilter": {"FromModifiedDate": "2024-01-01T00:00:00"},
            "IncludeLineItems": True,
            "@iterator": "Start",
        },
    ),
    "bill_query_lookup": (
        "BillQuery",
        {
            "EntityFilter": {"ListID": ["80000001-1"]},
            "RefNumberRangeFilter": {"FromRefNumber": "INV-1", "ToRefNumber": "INV-1"},
            "IncludeLineItems": True,
        },
    ),
    "bill_query_refs": ("BillQuery", {"RefNumber": ["INV-1", "INV-2"]}),
    "bill_query_txn_date": (
        "BillQuery",
        {"TxnDateRangeFilter": {"FromTxnDate": "2024-01-01"}, "PaidStatus": "NotPaidOnly"},
    ),
    "bill_query_ref_filter": (
        "BillQuery",
        {
            "EntityFilter": {"FullName": ["Acme"]},
            "RefNumberFilter": {"MatchCriterion": "StartsWith", "RefNumber": "INV"},
        },
    ),
    "bill_payment_check_query": (
        "BillPaymentCheckQuery",
        {
            "MaxReturned": 50,
            "ModifiedDateRangeFilter": {"FromModifiedDate": "2024-01-01T00:00:00"},
            "IncludeLineItems": True,
            "@iterator": "Start",
        },
    ),
    "bill_payment_cc_query": ("BillPaymentCreditCardQuery", {"TxnID": ["1-1"]}),
    "account_query": (
        "AccountQuery",
        {"ActiveStatus": "All", "FromModifiedDate": "2024-01-01T00:00:00", "AccountType": ["Expense", "Bank"]},
    ),
    "account_query_all": ("AccountQuery", {"ActiveStatus": "All"}),
    "item_query": (
        "ItemQuery",
        {"MaxReturned": 100, "ActiveStatus": "All", "FromModifiedDate": "2024-01-01T00:00:00", "@iterator": "Start"},
    ),
    "customer_query": ("CustomerQuery", {"ListID": ["80000009-1"]}),
    "invoice_query": (
        "InvoiceQuery",
        {
            "ModifiedDateRangeFilter": {"FromModifiedDate": "2024-01-01T00:00:00"},
            "IncludeLineItems": True,
            "@iterator": "Start",
            "IncludeLinkedTxns": True,
        },
    ),
    "purchase_order_query": ("PurchaseOrderQuery", {"RefNumber": ["PO-1"]}),
    "vendor_credit_add": (
        "VendorCreditAdd",
        {
            "VendorCreditAdd": {
                "VendorRef": {"FullName": "Acme"},
                "TxnDate": "2024-03-01",
                "RefNumber": "INV-1-CM",
                "Memo": "JAGGAER invoice INV-1-CM",
                "ExpenseLineAdd": [{"AccountRef": {"FullName": "Expenses:Office"}, "Amount": "24.80"}],
            }
        },
    ),
    "vendor_credit_mod": (
        "VendorCreditMod",
        {
            "VendorCreditMod": {
                "TxnID": "2B-1712",
                "EditSequence": "9",
                "RefNumber": "INV-1-CM",
                "ExpenseLineMod": [
                    {"TxnLineID": "-1", "AccountRef": {"FullName": "Expenses:Office"}, "Amount": "12.40"}
                ],
            }
        },
    ),
    "vendor_credit_query_lookup": (
        "VendorCreditQuery",
        {
            "EntityFilter": {"FullName": ["Acme"]},
            "RefNumberRangeFilter": {"FromRefNumber": "INV-1-CM", "ToRefNumber": "INV-1-CM"},
        },
    ),
    "txn_deleted_query": (
        "TxnDeletedQuery",
        {
            "TxnDelType": ["Bill", "BillPaymentCheck"],
            "DeletedDateRangeFilter": {"FromDeletedDate": "2024-01-01T00:00:00"},
        },
    ),
    "list_deleted_query": ("ListDeletedQuery", {"ListDelType": ["Vendor", "Account"]}),
    "host_query": ("HostQuery", {}),
    "company_query": ("CompanyQuery", {}),
    "preferences_query": ("PreferencesQuery", {}),
}


def _errors(doc: bytes, version: str) -> list[str]:
    return xsd.load(version).errors(etree.fromstring(doc))


def _render(name: str, version: str = "16.0", request_id: str = "1") -> etree._Element:
    op, fields = REQUESTS[name]
    return rq.render(op, fields, version=version, request_id=request_id)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_every_request_is_schema_valid(name, version):
    elem = _render(name, version, f"{name}-1")
    assert elem.tag == f"{REQUESTS[name][0]}Rq"
    assert elem.get("requestID") == f"{name}-1"
    assert _errors(envelope.message([elem], version=version), version) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_all_requests_in_one_message(version):
    elems = [_render(name, version, f"r{i}") for i, name in enumerate(REQUESTS)]
    assert _errors(envelope.message(elems, version=version, on_error="stopOnError"), version) == []


def test_element_order_comes_from_the_schema_not_the_input():
    fields = {"VendorAdd": {"Email": "a@b.example", "VendorAddress": {"City": "X", "Addr1": "1"}, "Name": "Zed"}}
    elem = rq.render("VendorAdd", fields, version="16.0", request_id="1")
    assert [c.tag for c in elem[0]] == ["Name", "VendorAddress", "Email"]
    assert [c.tag for c in elem[0][1]] == ["Addr1", "City"]


@pytest.mark.parametrize("amount", ["1.005", "ten", "1e3"])
def test_an_amount_that_is_not_two_decimals_is_refused_never_rounded(amount):
    fields = {"BillAdd": {"VendorRef": {"FullName": "V"}, "ExpenseLineAdd": [{"Amount": amount}]}}
    with pytest.raises(QbxmlFieldError) as err:
        rq.render("BillAdd", fields, version="16.0", request_id="1")
    assert err.value.path == "BillAddRq/BillAdd/ExpenseLineAdd/Amount"


def test_raw_payload_with_bad_amount_names_the_field():
    fields = {"BillAdd": {"VendorRef": {"FullName": "V"}, "ExpenseLineAdd": [{"Amount": "1.5"}]}}
    with pytest.raises(QbxmlFieldError) as err:
        rq.render("BillAdd", fields, version="16.0", request_id="1")
    assert err.value.path == "BillAddRq/BillAdd/ExpenseLineAdd/Amount"


def test_enumeration_is_checked_with_the_field_named():
    with pytest.raises(QbxmlFieldError) as err:
        rq.render("TxnDeletedQuery", {"TxnDelType": ["Bil"]}, version="16.0", request_id="1")
    assert err.value.path == "TxnDeletedQueryRq/TxnDelType"
    assert "BillPaymentCheck" in err.value.reason


def test_item_lines_interleave_with_group_lines_in_the_order_given():
    fields = {"BillAdd": {"VendorRef": {"FullName": "V"}, "ItemLineAdd": [{"Amount": "1.00"}, {"Amount": "2.00"}]}}
    elem = rq.render("BillAdd", fields, version="16.0", request_id="1")
    assert [a.text for a in elem.iter("Amount")] == ["1.00", "2.00"]


@pytest.mark.parametrize("version", VERSIONS)
def test_newer_field_is_dropped_for_an_older_version(version):
    elem = _render("bill_add", version)
    bill = elem.find("BillAdd")
    assert (bill.find("ClassRef") is not None) == (version == "16.0")
    # the line-level ClassRef exists in both versions
    assert bill.find("ExpenseLineAdd/ClassRef") is not None
    assert _errors(envelope.message([elem], version=version), version) == []


def test_version_above_the_newest_schema_writes_the_newest_we_hold():
    doc = envelope.message([rq.render("HostQuery", {}, version="17.0", request_id="1")], version="17.0")
    assert b'<?qbxml version="16.0"?>' in doc
    assert envelope.declared_version(etree.fromstring(doc)) == "16.0"


def test_unknown_field_is_refused_with_its_path():
    with pytest.raises(UnknownField) as err:
        rq.render("VendorAdd", {"VendorAdd": {"Name": "A", "Nmae": "typo"}}, version="16.0", request_id="1")
    assert err.value.path == "VendorAddRq/VendorAdd/Nmae"


@pytest.mark.parametrize("op", ["AccountQuery", "TxnDeletedQuery", "ListDeletedQuery", "HostQuery"])
def test_iterator_refused_where_the_schema_has_none(op):
    fields = {"@iterator": "Start"}
    if op == "TxnDeletedQuery":
        fields["TxnDelType"] = ["Bill"]
    if op == "ListDeletedQuery":
        fields["ListDelType"] = ["Vendor"]
    with pytest.raises(rq.IteratorNotAllowed, match=f"{op} has no iterator"):
        rq.render(op, fields, version="16.0", request_id="1")


def test_request_id_over_50_characters_is_refused():
    rq.render("HostQuery", {}, version="16.0", request_id="x" * 50)
    with pytest.raises(ValueError, match="1060"):
        rq.render("HostQuery", {}, version="16.0", request_id="x" * 51)


def test_latin1_transliteration_and_refusal_name_the_field():
    elem = rq.render("VendorAdd", {"VendorAdd": {"Name": "Łódź Ltd – “Best”"}}, version="16.0", request_id="1")
    assert elem.findtext("VendorAdd/Name") == 'Lódz Ltd - "Best"'
    with pytest.raises(QbxmlFieldError) as err:
        rq.render("VendorAdd", {"VendorAdd": {"Name": "Acme", "Notes": "great 🚀"}}, version="16.0", request_id="1")
    assert err.value.path == "VendorAddRq/VendorAdd/Notes"
    assert "U+1F680" in str(err.value)


def test_max_length_names_the_field():
    rq.render("VendorAdd", {"VendorAdd": {"Name": "x" * 41}}, version="16.0", request_id="1")
    with pytest.raises(QbxmlFieldError) as err:
        rq.render("VendorAdd", {"VendorAdd": {"Name": "x" * 42}}, version="16.0", request_id="1")
    assert err.value.path == "VendorAddRq/VendorAdd/Name"
    assert "at most 41" in err.value.reason


def test_modified_since_form_differs_for_list_and_transaction_queries():
    stamp = "2024-01-02T03:04:05-05:00"
    assert reference_query_payload("VendorQuery", stamp)["FromModifiedDate"] == stamp
    bill = reference_query_payload("BillQuery", stamp)
    assert bill["ModifiedDateRangeFilter"] == {"FromModifiedDate": stamp}
    assert "TxnDateRangeFilter" not in bill


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("since", [None, "2024-01-02T03:04:05-05:00"])
@pytest.mark.parametrize("op", sorted(REFERENCE_QUERIES))
def test_every_reference_query_the_outbox_sends_is_schema_valid(op, since, version):
    elem = rq.render(op, reference_query_payload(op, since), version=version, request_id="1")
    assert _errors(envelope.message([elem], version=version), version) == []


LOOKED_UP = {
    "BillAdd": {"BillAdd": {"VendorRef": {"FullName": "Acme"}, "RefNumber": "INV-1"}},
    "PurchaseOrderAdd": {"PurchaseOrderAdd": {"VendorRef": {"FullName": "Acme"}, "RefNumber": "PO-1"}},
    "VendorCreditAdd": {"VendorCreditAdd": {"VendorRef": {"FullName": "Acme"}, "RefNumber": "INV-1-CM"}},
    "BillPaymentCheckAdd": {"BillPaymentCheckAdd": {"PayeeEntityRef": {"ListID": "80-1"}, "RefNumber": "CHK-9"}},
    "ReceivePaymentAdd": {"ReceivePaymentAdd": {"CustomerRef": {"FullName": "C"}, "TxnDate": "2024-05-01"}},
    "VendorAdd": {"VendorAdd": {"Name": "Acme"}},
    "CustomerAdd": {"CustomerAdd": {"Name": "Job 1", "ParentRef": {"FullName": "C"}}},
}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("op", sorted(LOOKED_UP))
def test_the_lookup_after_an_unknown_outcome_is_schema_valid(op, version):
    row = {"op": op, "payload": LOOKED_UP[op], "external_guid": "{A-B}", "qb_id": None}
    query, fields = lookup_query(row)
    assert query == op.removesuffix("Add") + "Query"
    elem = rq.render(query, fields, version=version, request_id="1")
    assert _errors(envelope.message([elem], version=version), version) == []


def test_unknown_attribute_and_unknown_op_are_refused():
    with pytest.raises(UnknownField, match="no attribute colour"):
        rq.render("HostQuery", {"@colour": "red"}, version="16.0", request_id="1")
    with pytest.raises(ValueError, match="no request"):
        rq.render("SpaceshipAdd", {}, version="16.0", request_id="1")


def test_latin_extended_letter_without_transliteration_is_refused_by_field():
    with pytest.raises(QbxmlFieldError) as err:
        rq.render("VendorAdd", {"VendorAdd": {"Name": "\u0241"}}, version="16.0", request_id="1")
    assert err.value.path == "VendorAddRq/VendorAdd/Name"


def test_control_characters_are_refused_by_field():
    with pytest.raises(QbxmlFieldError, match="U\\+0001") as err:
        rq.render("VendorAdd", {"VendorAdd": {"Name": "A\x01"}}, version="16.0", request_id="1")
    assert err.value.path == "VendorAddRq/VendorAdd/Name"

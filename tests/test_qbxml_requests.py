"""Request builders and render: every builder is schema-valid in 13.0 and 16.0, and bad input names the field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from qbxml import envelope, xsd
from qbxml import requests as rq
from qbxml.text import QbxmlFieldError
from qbxml.values import Ref
from qbxml.xmltree import UnknownField

VERSIONS = ["13.0", "16.0"]

BUILDERS = {
    "vendor_add": rq.VendorAdd(
        name="Acme & Sons <Ltd>",
        company_name="Acme",
        vendor_address=rq.Address(addr1="1 Main St", city="Springfield", postal_code="12345"),
        terms="Net 30",
        email="ap@acme.example",
        is_1099=True,
        currency=Ref(full_name="US Dollar"),
    ),
    "vendor_mod": rq.VendorMod(
        list_id="80000001-1", edit_sequence="1712345678", phone="555-0100", changes={"Fax": "1"}
    ),
    "vendor_query_since": rq.VendorQuery(
        modified_since=datetime(2024, 1, 1, tzinfo=UTC), max_returned=100, iterator="Start"
    ),
    "vendor_query_continue": rq.VendorQuery(
        modified_since=date(2024, 1, 1), max_returned=100, iterator="Continue", iterator_id="{a1-b2}"
    ),
    "vendor_query_name": rq.VendorQuery(full_names=["Acme"]),
    "vendor_query_id": rq.VendorQuery(list_ids=["80000001-1", "80000002-1"]),
    "vendor_query_filter": rq.VendorQuery(name="Ac", name_match="Contains", max_returned=10),
    "bill_add": rq.BillAdd(
        vendor="Acme",
        ref_number="INV-1",
        txn_date=date(2024, 3, 1),
        due_date=date(2024, 3, 31),
        class_ref="Ops",
        memo="coupa:invoice:17",
        ap_account=Ref(list_id="80000005-1"),
        expense_lines=[
            rq.ExpenseLine(account="Expenses:Office", amount="12.5", memo="paper", class_ref="Ops"),
            rq.ExpenseLine(account="Expenses:Travel", amount=Decimal("-3.00"), customer="Client A"),
        ],
        item_lines=[rq.ItemLine(item="Widget", quantity=2, cost="3.25", amount=Decimal("6.50"))],
    ),
    "bill_mod": rq.BillMod(
        txn_id="1A-1712",
        edit_sequence="9",
        memo="changed",
        expense_lines=[rq.ExpenseLineMod(txn_line_id="1A-1", account="Expenses:Office", amount=10)],
    ),
    "bill_mod_clear": rq.BillMod(txn_id="1A-1712", edit_sequence="9", clear_item_lines=True),
    "bill_query_since": rq.BillQuery(modified_since=date(2024, 1, 1), include_line_items=True, iterator="Start"),
    "bill_query_lookup": rq.BillQuery.lookup(Ref(list_id="80000001-1"), "INV-1"),
    "bill_query_refs": rq.BillQuery(ref_numbers=["INV-1", "INV-2"]),
    "bill_query_txn_date": rq.BillQuery(txn_date_from=date(2024, 1, 1), paid_status="NotPaidOnly"),
    "bill_query_ref_filter": rq.BillQuery(entity=["Acme"], ref_number="INV", ref_number_match="StartsWith"),
    "bill_payment_check_query": rq.BillPaymentCheckQuery(
        modified_since="2024-01-01T00:00:00", include_line_items=True, max_returned=50, iterator="Start"
    ),
    "bill_payment_cc_query": rq.BillPaymentCreditCardQuery(txn_ids=["1-1"]),
    "account_query": rq.AccountQuery(modified_since=date(2024, 1, 1), account_types=["Expense", "Bank"]),
    "account_query_all": rq.AccountQuery(),
    "item_query": rq.ItemQuery(iterator="Start", max_returned=100, modified_since=date(2024, 1, 1)),
    "customer_query": rq.CustomerQuery(list_ids=["80000009-1"]),
    "invoice_query": rq.InvoiceQuery(
        modified_since=date(2024, 1, 1), include_line_items=True, include_linked_txns=True, iterator="Start"
    ),
    "purchase_order_query": rq.PurchaseOrderQuery(ref_numbers=["PO-1"]),
    "txn_deleted_query": rq.TxnDeletedQuery(txn_del_types=["Bill", "BillPaymentCheck"], deleted_since=date(2024, 1, 1)),
    "list_deleted_query": rq.ListDeletedQuery(list_del_types=["Vendor", "Account"]),
    "host_query": rq.HostQuery(),
    "company_query": rq.CompanyQuery(),
    "preferences_query": rq.PreferencesQuery(),
}


def _errors(doc: bytes, version: str) -> list[str]:
    return xsd.load(version).errors(etree.fromstring(doc))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_builder_is_schema_valid(name, version):
    builder = BUILDERS[name]
    elem = rq.render_request(builder, version=version, request_id=f"{name}-1")
    assert elem.tag == f"{builder.op}Rq"
    assert elem.get("requestID") == f"{name}-1"
    assert _errors(envelope.message([elem], version=version), version) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_all_builders_in_one_message(version):
    elems = [rq.render_request(b, version=version, request_id=f"r{i}") for i, b in enumerate(BUILDERS.values())]
    assert _errors(envelope.message(elems, version=version, on_error="stopOnError"), version) == []


def test_fields_are_json_data_rendered_later():
    import json

    bill = BUILDERS["bill_add"]
    stored = json.loads(json.dumps(bill.fields()))
    assert stored == bill.fields()
    elem = rq.render(bill.op, stored, version="16.0", request_id="x")
    assert etree.tostring(elem) == etree.tostring(rq.render_request(bill, version="16.0", request_id="x"))


def test_element_order_comes_from_the_schema_not_the_input():
    fields = {"VendorAdd": {"Email": "a@b.example", "VendorAddress": {"City": "X", "Addr1": "1"}, "Name": "Zed"}}
    elem = rq.render("VendorAdd", fields, version="16.0", request_id="1")
    assert [c.tag for c in elem[0]] == ["Name", "VendorAddress", "Email"]
    assert [c.tag for c in elem[0][1]] == ["Addr1", "City"]


def test_amounts_are_written_with_two_decimals_and_never_rounded():
    line = rq.ExpenseLine(account="A", amount=7).data("L")
    assert line["Amount"] == "7.00"
    with pytest.raises(QbxmlFieldError) as err:
        rq.BillAdd(vendor="V", expense_lines=[rq.ExpenseLine(account="A", amount="1.005")]).fields()
    assert err.value.path == "BillAdd/ExpenseLineAdd[0]/Amount"
    with pytest.raises(QbxmlFieldError, match="not a number"):
        rq.ExpenseLine(account="A", amount="ten").data("L")


def test_raw_payload_with_bad_amount_names_the_field():
    fields = {"BillAdd": {"VendorRef": {"FullName": "V"}, "ExpenseLineAdd": [{"Amount": "1.5"}]}}
    with pytest.raises(QbxmlFieldError) as err:
        rq.render("BillAdd", fields, version="16.0", request_id="1")
    assert err.value.path == "BillAddRq/BillAdd/ExpenseLineAdd/Amount"


def test_enumeration_is_checked_with_the_field_named():
    with pytest.raises(QbxmlFieldError) as err:
        rq.render_request(rq.TxnDeletedQuery(txn_del_types=["Bil"]), version="16.0", request_id="1")
    assert err.value.path == "TxnDeletedQueryRq/TxnDelType"
    assert "BillPaymentCheck" in err.value.reason


def test_item_lines_interleave_with_group_lines_in_the_order_given():
    fields = {"BillAdd": {"VendorRef": {"FullName": "V"}, "ItemLineAdd": [{"Amount": "1.00"}, {"Amount": "2.00"}]}}
    elem = rq.render("BillAdd", fields, version="16.0", request_id="1")
    assert [a.text for a in elem.iter("Amount")] == ["1.00", "2.00"]


@pytest.mark.parametrize("version", VERSIONS)
def test_newer_field_is_dropped_for_an_older_version(version):
    elem = rq.render_request(BUILDERS["bill_add"], version=version, request_id="1")
    bill = elem.find("BillAdd")
    assert (bill.find("ClassRef") is not None) == (version == "16.0")
    # the line-level ClassRef exists in both versions
    assert bill.find("ExpenseLineAdd/ClassRef") is not None
    assert _errors(envelope.message([elem], version=version), version) == []


def test_version_above_the_newest_schema_writes_the_newest_we_hold():
    doc = envelope.message([rq.render_request(rq.HostQuery(), version="17.0", request_id="1")], version="17.0")
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


def test_iterator_continue_needs_its_id_and_account_query_has_no_iterator_fields():
    with pytest.raises(ValueError, match="iteratorID"):
        rq.VendorQuery(iterator="Continue").fields()
    with pytest.raises(TypeError):
        rq.AccountQuery(iterator="Start")  # type: ignore[call-arg]


def test_request_id_over_50_characters_is_refused():
    rq.render("HostQuery", {}, version="16.0", request_id="x" * 50)
    with pytest.raises(ValueError, match="1060"):
        rq.render("HostQuery", {}, version="16.0", request_id="x" * 51)


def test_latin1_transliteration_and_refusal_name_the_field():
    elem = rq.render_request(rq.VendorAdd(name="Łódź Ltd – “Best”"), version="16.0", request_id="1")
    assert elem.findtext("VendorAdd/Name") == 'Lódz Ltd - "Best"'
    with pytest.raises(QbxmlFieldError) as err:
        rq.render_request(rq.VendorAdd(name="Acme", notes="great 🚀"), version="16.0", request_id="1")
    assert err.value.path == "VendorAddRq/VendorAdd/Notes"
    assert "U+1F680" in str(err.value)


def test_max_length_names_the_field():
    rq.render_request(rq.VendorAdd(name="x" * 41), version="16.0", request_id="1")
    with pytest.raises(QbxmlFieldError) as err:
        rq.render_request(rq.VendorAdd(name="x" * 42), version="16.0", request_id="1")
    assert err.value.path == "VendorAddRq/VendorAdd/Name"
    assert "at most 41" in err.value.reason


def test_query_filters_that_exclude_each_other_are_refused():
    with pytest.raises(ValueError, match="exclude each other"):
        rq.BillQuery(modified_since=date(2024, 1, 1), txn_date_from=date(2024, 1, 1)).fields()
    with pytest.raises(ValueError, match="one of them"):
        rq.VendorQuery(full_names=["A"], modified_since=date(2024, 1, 1)).fields()
    with pytest.raises(ValueError, match="one of them"):
        rq.BillQuery(txn_ids=["1"], ref_numbers=["2"]).fields()


def test_modified_since_form_differs_for_list_and_transaction_queries():
    assert rq.VendorQuery(modified_since=date(2024, 1, 2)).fields()["FromModifiedDate"] == "2024-01-02T00:00:00"
    bill = rq.BillQuery(modified_since=datetime(2024, 1, 2, 3, 4, 5)).fields()
    assert bill["ModifiedDateRangeFilter"] == {"FromModifiedDate": "2024-01-02T03:04:05"}
    assert "TxnDateRangeFilter" not in bill


def test_mods_take_only_allow_listed_fields():
    with pytest.raises(QbxmlFieldError) as err:
        rq.VendorMod(list_id="1", edit_sequence="2", changes={"Balance": "10.00"}).fields()
    assert err.value.path == "VendorMod/Balance"
    with pytest.raises(QbxmlFieldError, match="EditSequence"):
        rq.BillMod(txn_id="1", edit_sequence="").fields()
    with pytest.raises(QbxmlFieldError):
        rq.BillMod(txn_id="1", edit_sequence="2", changes={"TimeModified": "x"}).fields()


def test_deleted_queries_need_a_type():
    with pytest.raises(QbxmlFieldError, match="TxnDelType"):
        rq.TxnDeletedQuery(txn_del_types=[]).fields()
    with pytest.raises(QbxmlFieldError, match="ListDelType"):
        rq.ListDeletedQuery(list_del_types=[]).fields()


def test_unknown_attribute_and_unknown_op_are_refused():
    with pytest.raises(UnknownField, match="no attribute colour"):
        rq.render("HostQuery", {"@colour": "red"}, version="16.0", request_id="1")
    with pytest.raises(ValueError, match="no request"):
        rq.render("SpaceshipAdd", {}, version="16.0", request_id="1")


def test_latin_extended_letter_without_transliteration_is_refused_by_field():
    with pytest.raises(QbxmlFieldError) as err:
        rq.render_request(rq.VendorAdd(name="\u0241"), version="16.0", request_id="1")
    assert err.value.path == "VendorAddRq/VendorAdd/Name"


def test_control_characters_are_refused_by_field():
    with pytest.raises(QbxmlFieldError, match="U\\+0001") as err:
        rq.render_request(rq.VendorAdd(name="A\x01"), version="16.0", request_id="1")
    assert err.value.path == "VendorAddRq/VendorAdd/Name"

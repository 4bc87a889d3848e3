"""Property tests: any VendorAdd/BillAdd data gives a schema-valid message or a QbxmlFieldError naming the field."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from qbxml import envelope, xmltree, xsd
from qbxml import requests as rq
from qbxml.schema import load
from qbxml.text import QbxmlFieldError, to_latin1

VERSIONS = st.sampled_from(["13.0", "16.0"])
# Any text: ASCII, Latin-1, Latin Extended (transliterated), emoji/CJK (refused), controls (refused).
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="latin-1"),
        st.characters(min_codepoint=0x100, max_codepoint=0x24F),
        st.sampled_from("–—“”‘’…€™&<>\"'🚀中Ж\x00\x1f\t"),
    ),
    max_size=60,
)
SHORT = st.text(alphabet=st.characters(codec="ascii", min_codepoint=0x20), min_size=1, max_size=30)
AMOUNTS = st.one_of(
    st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
    st.integers(min_value=-(10**14), max_value=10**14),
    st.sampled_from(["12.5", "0", "-0.01", "1e3", "abc", "NaN", " 1"]),
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _valid_or_named(op: str, fields: dict, version: str) -> None:
    try:
        elem = rq.render(op, fields, version=version, request_id="p-1")
    except QbxmlFieldError as err:
        assert err.path.startswith(f"{op}Rq/"), err.path
        assert err.path.rsplit("/", 1)[-1].split("[")[0].isidentifier(), err.path
        return
    doc = envelope.message([elem], version=version)
    assert xsd.load(version).errors(etree.fromstring(doc)) == []


def _amount(value) -> str | None:
    """An amount as stored data: text, as the outbox's payloads carry it (numbers written as given)."""
    return None if value is None else format(value, "f") if isinstance(value, Decimal) else str(value)


@SETTINGS
@given(
    version=VERSIONS,
    name=TEXT,
    company=st.none() | TEXT,
    city=st.none() | TEXT,
    notes=st.none() | TEXT,
    email=st.none() | TEXT,
    is_1099=st.none() | st.booleans(),
)
def test_vendor_add_is_valid_or_names_the_field(version, name, company, city, notes, email, is_1099):
    address = {"Addr1": company, "City": city} if company or city else None
    vendor = {
        "Name": name,
        "CompanyName": company,
        "VendorAddress": address,
        "Notes": notes,
        "Email": email,
        "IsVendorEligibleFor1099": is_1099,
    }
    _valid_or_named("VendorAdd", {"VendorAdd": vendor}, version)


EXPENSE = st.fixed_dictionaries(
    {
        "AccountRef": st.builds(lambda n: {"FullName": n}, SHORT),
        "Amount": AMOUNTS.map(_amount),
        "Memo": st.none() | TEXT,
        "ClassRef": st.none() | st.builds(lambda n: {"FullName": n}, SHORT),
    }
)
ITEM = st.fixed_dictionaries(
    {
        "ItemRef": st.builds(lambda n: {"FullName": n}, SHORT),
        "Desc": st.none() | TEXT,
        "Quantity": (st.none() | AMOUNTS).map(_amount),
        "Cost": (st.none() | AMOUNTS).map(_amount),
        "Amount": (st.none() | AMOUNTS).map(_amount),
    }
)


@SETTINGS
@given(
    version=VERSIONS,
    vendor=TEXT.filter(bool),
    ref_number=st.none() | TEXT,
    memo=st.none() | TEXT,
    expense=st.lists(EXPENSE, max_size=4),
    items=st.lists(ITEM, max_size=3),
)
def test_bill_add_is_valid_or_names_the_field(version, vendor, ref_number, memo, expense, items):
    bill = {
        "VendorRef": {"FullName": vendor},
        "RefNumber": ref_number,
        "Memo": memo,
        "ExpenseLineAdd": expense or None,
        "ItemLineAdd": items or None,
    }
    _valid_or_named("BillAdd", {"BillAdd": bill}, version)


@SETTINGS
@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_two_decimal_amounts_always_render(value):
    amount = f"{value:.2f}"  # how the outbox's SQL writes an amount
    bill = {
        "BillAdd": {
            "VendorRef": {"FullName": "V"},
            "ExpenseLineAdd": [{"AccountRef": {"FullName": "A"}, "Amount": amount}],
        }
    }
    elem = rq.render("BillAdd", bill, version="16.0", request_id="1")
    assert Decimal(elem.findtext("BillAdd/ExpenseLineAdd/Amount")) == value


@SETTINGS
@given(memo=TEXT, message=TEXT)
@example(memo="", message="")
@example(memo="a&b<c>]]>\"d'\te\nf\rg é€", message="a&b<c>\"d'\te\nf\rg é€")
def test_rendered_text_is_what_lxml_writes(memo, message):
    """The simulator's answers are written as text: escaped exactly as lxml serializes the same element."""
    schema = load("16.0")
    data = {"@requestID": "1", "@statusMessage": message, "BillRet": {"TxnID": "1-1", "Memo": memo}}
    try:
        text = xmltree.render(schema, schema.response("BillAdd"), data)
    except QbxmlFieldError:
        return
    rs = etree.Element("BillAddRs", requestID="1", statusMessage=to_latin1(message, "m"))
    bill = etree.SubElement(rs, "BillRet")
    etree.SubElement(bill, "TxnID").text = "1-1"
    etree.SubElement(bill, "Memo").text = to_latin1(memo, "m")
    assert text == etree.tostring(rs, encoding="unicode")

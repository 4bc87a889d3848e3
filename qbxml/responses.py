"""qbXML responses -> `Response` objects (status, iterator, records) read leniently through the schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from lxml import etree

from qbxml import xmltree
from qbxml.schema import Decl, QbxmlSchema, load, schema_versions
from qbxml.status import Outcome, classify
from qbxml.xmlsafe import DEFAULT_MAX_BYTES, parse

# Repeating line and link elements that callers always want as lists, even with zero or one entry.
LIST_FIELDS = (
    "ExpenseLineRet",
    "ItemLineRet",
    "ItemGroupLineRet",
    "InvoiceLineRet",
    "PurchaseOrderLineRet",
    "AppliedToTxnRet",
    "LinkedTxn",
)


class NotAResponse(ValueError):
    """Well-formed XML that is not a qbXML response message."""


@dataclass
class Record:
    """One object in a response (`type` such as 'VendorRet', 'ItemServiceRet', 'BillRet'); data in qbXML names."""

    type: str
    data: dict[str, Any]

    @property
    def id(self) -> str | None:
        """ListID of a list object, TxnID of a transaction."""
        return self.data.get("ListID") or self.data.get("TxnID")

    @property
    def edit_sequence(self) -> str | None:
        return self.data.get("EditSequence")

    @property
    def name(self) -> str | None:
        """FullName, else Name, else RefNumber (bills and payments are named by their reference number)."""
        return self.data.get("FullName") or self.data.get("Name") or self.data.get("RefNumber")

    @property
    def time_modified(self) -> datetime | None:
        return _datetime(self.data.get("TimeModified"))

    @property
    def time_created(self) -> datetime | None:
        return _datetime(self.data.get("TimeCreated"))

    @property
    def time_deleted(self) -> datetime | None:
        """TxnDeletedRet / ListDeletedRet."""
        return _datetime(self.data.get("TimeDeleted"))

    def get(self, path: str, default: Any = None) -> Any:
        """A nested value by slash path, e.g. get('VendorRef/FullName'); the first entry of a list is followed."""
        value: Any = self.data
        for part in path.split("/"):
            if isinstance(value, list):
                value = value[0] if value else None
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return value

    def amount(self, path: str) -> Decimal | None:
        """A money or quantity field as Decimal (None when absent or unreadable), e.g. amount('AmountDue')."""
        return _decimal(self.get(path))

    def lines(self, kind: str) -> list[dict[str, Any]]:
        """Line records such as 'ExpenseLineRet' or 'ItemLineRet': always a list, empty when there are none."""
        value = self.data.get(kind)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    @property
    def expense_lines(self) -> list[dict[str, Any]]:
        return self.lines("ExpenseLineRet")

    @property
    def item_lines(self) -> list[dict[str, Any]]:
        return self.lines("ItemLineRet")


@dataclass
class Response:
    """One `...Rs` element: its status, iterator state and records."""

    request_id: str | None
    op: str  # 'VendorQuery' for VendorQueryRs
    status_code: int  # -1 when QuickBooks sent none or garbage
    status_severity: str | None
    status_message: str | None
    ret_count: int | None = None
    iterator_id: str | None = None
    iterator_remaining: int | None = None
    records: list[Record] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        return classify(self.status_code)


def parse_message(data: bytes | str, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Response]:
    """Every `...Rs` of a QBXMLMsgsRs document, in document order. Hardened parse; lenient about content."""
    root = parse(data, max_bytes=max_bytes)
    if root.tag != "QBXML":
        raise NotAResponse(f"not a qbXML message: root element <{root.tag}>")
    msgs = root.find("QBXMLMsgsRs")
    if msgs is None:
        raise NotAResponse("qbXML message without QBXMLMsgsRs")
    schema = _reading_schema()
    return [parse_rs(rs, schema) for rs in msgs if isinstance(rs.tag, str)]


def parse_rs(rs: etree._Element, schema: QbxmlSchema | None = None) -> Response:
    """One `...Rs` element as a Response."""
    schema = schema or _reading_schema()
    op = rs.tag[:-2] if rs.tag.endswith("Rs") else rs.tag
    decl = _response_decl(schema, op)
    records: list[Record] = []
    loose: dict[str, Any] = {}
    for child in rs:
        if not isinstance(child.tag, str):
            continue
        child_decl = decl.child(child.tag) if decl is not None else None
        value = xmltree.to_data(child, child_decl)
        if child.tag.endswith("Ret"):
            records.append(Record(child.tag, _with_lists(value)))
        else:  # e.g. TxnDelRs carries TxnID/TimeDeleted directly
            loose[child.tag] = value
    if loose:
        records.append(Record(rs.tag, loose))
    return Response(
        request_id=rs.get("requestID"),
        op=op,
        status_code=_int(rs.get("statusCode"), -1),
        status_severity=rs.get("statusSeverity"),
        status_message=rs.get("statusMessage"),
        ret_count=_int(rs.get("retCount")),
        iterator_id=rs.get("iteratorID"),
        iterator_remaining=_int(rs.get("iteratorRemainingCount")),
        records=records,
    )


@cache
def _reading_schema() -> QbxmlSchema:
    """Responses are read with the newest schema we hold: it knows every older element and more."""
    return load(schema_versions()[-1])


def _response_decl(schema: QbxmlSchema, op: str) -> Decl | None:
    try:
        return schema.response(op)
    except KeyError:
        return None


def _with_lists(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {"#text": value} if value else {}
    for key in LIST_FIELDS:
        if key in value and not isinstance(value[key], list):
            value[key] = [value[key]]
    return value


INT32 = range(-(2**31), 2**31)


def _int(text: str | None, default: int | None = None) -> int | None:
    """A 32-bit integer attribute (qbXML's INTTYPE); anything else, too long or out of range, is `default`."""
    try:
        number = int(text) if text is not None and len(text) <= 12 else None
    except ValueError:
        return default
    return number if number is not None and number in INT32 else default


def _datetime(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _decimal(text: Any) -> Decimal | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None

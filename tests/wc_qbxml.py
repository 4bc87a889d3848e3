"""Test helper: build qbXML request messages with the qbxml layer and read answers checked against the schema."""

from __future__ import annotations

from typing import Any

from lxml import etree

from qbxml import envelope, xsd
from qbxml import schema as qbschema
from qbxml.requests import render
from qbxml.xmlsafe import parse
from qbxml.xmltree import to_data


def rq(op: str, body: dict[str, Any] | None = None, version: str = "16.0", **attrs: Any) -> etree._Element:
    """`<opRq>` with attributes; `body` is the Rq content, or for Add/Mod the content of `<opAdd>`/`<opMod>`."""
    schema = qbschema.load(version)
    fields = {f"@{k}": v for k, v in attrs.items() if k != "requestID"}
    inner = schema.request(op).child(op)
    fields.update({op: body or {}} if inner is not None and not inner.simple else (body or {}))
    return render(op, fields, version=version, request_id=attrs["requestID"])


def message(*requests: etree._Element, version: str = "16.0", on_error: str = "stopOnError") -> bytes:
    return envelope.message(requests, version=version, on_error=on_error)


def answers(response_xml: bytes, version: str = "16.0") -> list[dict[str, Any]]:
    """Each `...Rs` as data with its tag under '_op'; asserts the whole response validates against the schema."""
    root = parse(response_xml)
    schema = qbschema.load(version)
    errors = xsd.load(schema.version).errors(root)
    assert not errors, errors
    out = []
    for rs in root.find("QBXMLMsgsRs"):
        data = to_data(rs, schema.response(rs.tag[:-2]))
        out.append({"_op": rs.tag, **(data if isinstance(data, dict) else {})})
    return out


def rets(answer: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = answer.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]

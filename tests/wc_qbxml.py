"""Test helper: build qbXML request messages and read answers (until qbxml.requests/responses land)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from qbxml import schema as qbschema
from qbxml.xmlsafe import parse
from qbxml.xmltree import build, to_data
from sandbox.quickbooks import decls


def rq(op: str, body: dict[str, Any] | None = None, version: str = "16.0", **attrs: Any) -> etree._Element:
    """`<opRq>` with attributes; `body` is the Rq content, or for Add/Mod the content of `<opAdd>`/`<opMod>`."""
    schema = qbschema.load(version)
    head = {f"@{k}": v for k, v in attrs.items()}
    inner = decls.request_body(schema, op)
    if inner is None:
        return build(schema, schema.request(op), {**head, **(body or {})})
    elem = build(schema, schema.request(op), head)
    elem.append(build(schema, inner, body or {}))
    return elem


def message(*requests: etree._Element, version: str = "16.0", on_error: str = "stopOnError") -> bytes:
    root = etree.Element("QBXML")
    msgs = etree.SubElement(root, "QBXMLMsgsRq", onError=on_error)
    msgs.extend(requests)
    return (
        b'<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="'
        + version.encode()
        + b'"?>\n'
        + (etree.tostring(root))
    )


def answers(response_xml: bytes, version: str = "16.0") -> list[dict[str, Any]]:
    """Each `...Rs` as data with its tag under '_op'; asserts the whole response validates against the schema."""
    root = parse(response_xml)
    schema = qbschema.load(version)
    errors = schema.errors(root)
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

"""qbXML requests: `render` turns an op and its plain-data fields (what the outbox stores) into an `<opRq>` element.

The one way a request is written: the outbox's payloads (built in SQL by transforms/requests.py, or in Python for
lookups and re-reads by the bridge) say WHAT to send as plain data; the element order, the per-version shape and
the text rules come from the schema through `xmltree.build` here, at render time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from qbxml import xmltree
from qbxml.schema import for_version, load, schema_versions

MAX_REQUEST_ID = 50  # QuickBooks answers statusCode 1060 above this
ITERATOR_ATTRIBUTES = ("iterator", "iteratorID")


class IteratorNotAllowed(ValueError):
    """The query has no iterator in qbXML (AccountQuery, TxnDeletedQuery, ListDeletedQuery, ...)."""


def render(op: str, fields: Mapping[str, Any], *, version: str, request_id: str) -> etree._Element:
    """The `<{op}Rq requestID=...>` element for the schema written for `version`, children in schema order."""
    if len(request_id) > MAX_REQUEST_ID:
        raise ValueError(
            f"requestID {request_id!r} has {len(request_id)} characters; QuickBooks allows {MAX_REQUEST_ID} "
            "(status 1060)"
        )
    schema = for_version(version)
    if not schema.has_request(op):
        raise ValueError(f"qbXML {schema.version} has no request {op}Rq")
    decl = schema.request(op)
    asked = [a for a in ITERATOR_ATTRIBUTES if f"@{a}" in fields and fields[f"@{a}"] is not None]
    if asked and "iterator" not in decl.attributes:
        raise IteratorNotAllowed(
            f"{op}Rq: {op} has no iterator in qbXML {schema.version}; query it whole or by modified date"
        )
    return xmltree.build(schema, decl, {**fields, "@requestID": request_id})


def has_query(obj: str) -> bool:
    """Whether qbXML (the newest schema we hold) can query `obj` (e.g. Bill -> BillQueryRq)."""
    return load(schema_versions()[-1]).has_request(f"{obj}Query")


def query_takes(obj: str, field: str) -> bool:
    """Whether the query of `obj` takes `field` (e.g. IncludeLineItems) in every qbXML version we hold."""
    op = f"{obj}Query"
    return all(load(v).has_request(op) and load(v).request(op).child(field) is not None for v in schema_versions())

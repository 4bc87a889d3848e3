"""Schema declarations for writing `...Ret` objects, with line elements that may repeat.

The schema model flattens `<xsd:choice maxOccurs="unbounded">` so ItemLineRet or InvoiceLineRet look single; the
official XSD allows any number of them, so the copies here let those lines repeat. Order stays the schema's.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache

from qbxml.schema import Decl, QbxmlSchema

_LINE = re.compile(r"Line(Group)?(Ret|Add|Mod)$")


@cache
def _repeating_lines(decl: Decl) -> Decl:
    children = [dataclasses.replace(c, max_occurs=None) if _LINE.search(c.name) else c for c in decl.children]
    return dataclasses.replace(decl, simple=False, _children=children, _resolver=None)


def element(schema: QbxmlSchema, name: str) -> Decl:
    """The global element `name` (e.g. BillRet) with repeatable line children."""
    return _repeating_lines(schema.element(name))


def request_body(schema: QbxmlSchema, op: str) -> Decl | None:
    """The `<op>` body inside `<opRq>` (e.g. BillAdd inside BillAddRq), lines repeatable; None when absent."""
    body = schema.request(op).child(op)
    return _repeating_lines(body) if body is not None and not body.simple else None

"""A qbXML document checked against the compiled facts, as QuickBooks' parser does before it runs anything.

Names, attributes, order, occurrence, required children, enumerations, patterns and the lexical forms of qbXML's
simple types; text lengths are left to the caller (QuickBooks answers those per request with 3070). The full XSD
validation is qbxml/xsd.py; the suite proves the facts and the XSDs agree.
"""

from __future__ import annotations

import re
from functools import cache

from lxml import etree

from qbxml.schema import Decl, QbxmlSchema

# Lexical forms of the union types (each also admits the empty string), from qbxmltypes*.xsd.
_LEXICAL = {
    "BOOLTYPE": r"true|false|1|0",
    "DATETYPE": r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+\-][0-9]{2}:[0-9]{2})?",
    "DATETIMETYPE": (
        r"[0-9]{4}\-[0-9]{1,2}\-[0-9]{1,2}(T[0-9]{1,2}(:[0-9]{1,2}(:[0-9]{1,2}([+\-]{1}[0-9]{1,2}:[0-9]{1,2})?)?)?)?"
    ),
    "TIMEINTERVALTYPE": r"[+\-]?PT([0-9]+H)?([0-9]+M)?([0-9]+S)?",
    "INTTYPE": r"[+\-]?[0-9]+",
    "FLOATTYPE": r"[+\-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
}


@cache
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def problems(schema: QbxmlSchema, root: etree._Element) -> list[str]:
    """Every departure of `root` (a QBXML document) from `schema`, as '<path>: message'; empty when it conforms."""
    out: list[str] = []
    try:
        decl = schema.element(root.tag)
    except KeyError:
        return [f"{root.tag}: not a qbXML {schema.version} element"]
    _check(root, decl, root.tag, out)
    return out


def _check(elem: etree._Element, decl: Decl, path: str, out: list[str]) -> None:
    for attr in elem.attrib:
        if attr not in decl.attributes:
            out.append(f"{path}: no attribute {attr}")
    if decl.simple:
        if len(elem):
            out.append(f"{path}: holds elements but takes text only")
        else:
            _check_text(elem.text or "", decl, path, out)
        return
    if elem.text and elem.text.strip():
        out.append(f"{path}: holds text but takes elements only")
    index = decl.index
    last, counts = -1, {}
    for child in elem.iterchildren(tag=etree.Element):
        hit = index.get(child.tag)
        where = f"{path}/{child.tag}"
        if hit is None:
            out.append(f"{where}: not a child of {decl.name}")
            continue
        position, child_decl = hit
        if position < last:
            out.append(f"{where}: out of order in {decl.name}")
        last = max(last, position)
        counts[child.tag] = counts.get(child.tag, 0) + 1
        _check(child, child_decl, where, out)
    for child_decl in decl.children:
        seen = counts.get(child_decl.name, 0)
        if child_decl.max_occurs is not None and seen > child_decl.max_occurs:
            out.append(f"{path}/{child_decl.name}: {seen} times, at most {child_decl.max_occurs}")
        if child_decl.min_occurs and not seen and index[child_decl.name][1] is child_decl:
            out.append(f"{path}/{child_decl.name}: missing from {decl.name}")


def _check_text(text: str, decl: Decl, path: str, out: list[str]) -> None:
    if decl.enumeration is not None and text not in decl.enumeration and text.strip() not in decl.enumeration:
        out.append(f"{path}: {text!r} is not one of {', '.join(decl.enumeration)}")
    elif decl.pattern is not None and not _regex(decl.pattern).fullmatch(text):
        out.append(f"{path}: {text!r} does not match {decl.pattern}")
    lexical = _LEXICAL.get(decl.type_name or "")
    if lexical and text.strip() and not _regex(lexical).fullmatch(text.strip()):
        out.append(f"{path}: {text!r} is not a {decl.type_name}")

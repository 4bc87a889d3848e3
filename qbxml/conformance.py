"""A qbXML document checked against the compiled facts, as QuickBooks' parser does before it runs anything.

Names, attributes, order, occurrence, required children, enumerations, patterns and the lexical forms of qbXML's
simple types; text lengths are left to the caller (QuickBooks answers those per request with 3070): `read` lists
the elements whose text is too long, and reads the document as data, in the same pass. The full XSD
validation is qbxml/xsd.py; the suite proves the facts and the XSDs agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from lxml import etree

from qbxml.schema import Decl, QbxmlSchema
from qbxml.xmltree import Path, add_child, childless_data, joined, to_data

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


@dataclass
class Reading:
    """A message checked and read in one pass: its departures from the schema, the elements whose text is longer
    than their maxLength (not a departure here), and the whole document as data (what xmltree.to_data reads)."""

    problems: list[str]
    too_long: list[etree._Element]
    data: Any


def problems(schema: QbxmlSchema, root: etree._Element) -> list[str]:
    """Every departure of `root` (a QBXML document) from `schema`, as '<path>: message'; empty when it conforms."""
    return read(schema, root).problems


def read(schema: QbxmlSchema, root: etree._Element) -> Reading:
    """Check `root` against `schema` and read it as data in the same walk."""
    try:
        decl = schema.element(root.tag)
    except KeyError:
        return Reading([f"{root.tag}: not a qbXML {schema.version} element"], [], None)
    reading = Reading([], [], None)
    reading.data = _check(root, decl, root.tag, reading.problems, reading.too_long)
    return reading


def _check(elem: etree._Element, decl: Decl, path: Path, out: list[str], too_long: list[etree._Element]) -> Any:
    """Check `elem` (problems into `out`) and return it as data."""
    attributes = elem.items()
    for attr, _ in attributes:
        if attr not in decl.attributes:
            out.append(f"{joined(path)}: no attribute {attr}")
    if decl.simple:
        if len(elem):
            out.append(f"{joined(path)}: holds elements but takes text only")
            return to_data(elem, decl)
        text = elem.text or ""
        _check_text(text, decl, path, out)
        if decl.max_length is not None and len(text) > decl.max_length:
            too_long.append(elem)
        return childless_data(elem, decl) if elem.attrib else text
    if elem.text and elem.text.strip():
        out.append(f"{joined(path)}: holds text but takes elements only")
    children = list(elem.iterchildren(tag=etree.Element))
    data: dict[str, Any] = {f"@{k}": v for k, v in attributes} if attributes else {}
    tags = tuple([child.tag for child in children])
    shapes = decl.__dict__.get("_fine_shapes")  # children's names in order -> their declarations
    fine = shapes.get(tags) if shapes is not None else None
    if fine is not None:  # this sequence of names passed before: only the children themselves are left to check
        for child, tag, child_decl in zip(children, tags, fine, strict=True):
            if child_decl.simple and not len(child) and not child.keys():  # a plain leaf, without another call level
                value = child.text or ""
                if child_decl.enumeration is not None or child_decl.pattern is not None or child_decl.type_name:
                    _check_text(value, child_decl, (path, tag), out)
                if child_decl.max_length is not None and len(value) > child_decl.max_length:
                    too_long.append(child)
            else:
                value = _check(child, child_decl, (path, tag), out, too_long)
            if tag not in data and not child_decl.repeats:
                data[tag] = value  # what add_child does, inline for the common case
            else:
                add_child(data, tag, value, child_decl)
        return data if children else childless_data(elem, decl)
    index = decl.index
    last, counts, found, shape_fine = -1, {}, [], True
    for child in children:
        hit = index.get(child.tag)
        where = (path, child.tag)
        if hit is None:
            out.append(f"{joined(where)}: not a child of {decl.name}")
            shape_fine = False
            add_child(data, child.tag, to_data(child), None)
            continue
        position, child_decl = hit
        if position < last:
            out.append(f"{joined(where)}: out of order in {decl.name}")
            shape_fine = False
        last = max(last, position)
        counts[child.tag] = counts.get(child.tag, 0) + 1
        found.append(child_decl)
        add_child(data, child.tag, _check(child, child_decl, where, out, too_long), child_decl)
    before = len(out)
    for child_decl in decl.children:
        seen = counts.get(child_decl.name, 0)
        if child_decl.max_occurs is not None and seen > child_decl.max_occurs:
            out.append(f"{joined(path)}/{child_decl.name}: {seen} times, at most {child_decl.max_occurs}")
        if child_decl.min_occurs and not seen and index[child_decl.name][1] is child_decl:
            out.append(f"{joined(path)}/{child_decl.name}: missing from {decl.name}")
    if shape_fine and len(out) == before:
        decl.__dict__.setdefault("_fine_shapes", {})[tags] = tuple(found)
    return data if children else childless_data(elem, decl)


def _check_text(text: str, decl: Decl, path: Path, out: list[str]) -> None:
    if decl.enumeration is not None and text not in decl.enumeration and text.strip() not in decl.enumeration:
        out.append(f"{joined(path)}: {text!r} is not one of {', '.join(decl.enumeration)}")
    elif decl.pattern is not None and not _regex(decl.pattern).fullmatch(text):
        out.append(f"{joined(path)}: {text!r} does not match {decl.pattern}")
    lexical = _LEXICAL.get(decl.type_name or "")
    if lexical and text.strip() and not _regex(lexical).fullmatch(text.strip()):
        out.append(f"{joined(path)}: {text!r} is not a {decl.type_name}")

"""Plain data <-> qbXML elements: dicts written in schema order with text rules, and read back leniently.

The single place that knows element order: every builder, the simulator's responses and the bridge render
through `build`, and every reader goes through `to_data`.

Data shape: a dict per element; keys are child element names; a list value repeats the element; keys starting
with '@' are attributes; scalars become text (bool -> 'true'/'false', numbers as given, Decimal kept exact).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any

from lxml import etree

from qbxml.schema import Decl, QbxmlSchema, load, schema_versions
from qbxml.text import QbxmlFieldError, check_length, to_latin1


class UnknownField(QbxmlFieldError):
    """A key that no qbXML version has at that place (a typo or a field from another object)."""


def build(schema: QbxmlSchema, decl: Decl, data: Any, path: str | None = None) -> etree._Element:
    """Build element `decl` from `data`, children in schema order; fields newer than the schema are dropped."""
    elem = etree.Element(decl.name)
    _fill(schema, decl, data, elem, path or decl.name)
    return elem


def _fill(schema: QbxmlSchema, decl: Decl, data: Any, elem: etree._Element, path: str) -> None:
    """Write `data` into `elem`: attributes and text, then children created directly in schema order."""
    if not isinstance(data, dict):
        elem.text = _text(data, decl, path)
        return
    index = decl.index
    entries: list[tuple[int, int, str, Decl, Any]] = []
    for seq, (key, value) in enumerate(data.items()):
        if value is None:
            continue
        if key[0] == "@":
            if key[1:] not in decl.attributes:
                raise UnknownField(f"{path}/{key}", f"{decl.name} has no attribute {key[1:]} in qbXML {schema.version}")
            elem.set(key[1:], to_latin1(_scalar(value), f"{path}/{key}"))
            continue
        if key == "#text":
            elem.text = _text(value, decl, path)
            continue
        hit = index.get(key)
        if hit is None:
            if _known_in_newer(schema.version, path, key):
                continue  # degrade: this version lacks the field
            raise UnknownField(f"{path}/{key}", f"not a child of {decl.name} in qbXML {schema.version}")
        entries.append((hit[0], seq, key, hit[1], value))
    if len(entries) > 1:
        entries.sort(key=_order)
    for _, _, key, child, value in entries:
        child_path = f"{path}/{key}"
        if isinstance(value, list):
            if len(value) > 1 and not child.repeats:
                raise QbxmlFieldError(child_path, f"given {len(value)} times, allowed once")
            for item in value:
                _fill(schema, child, item, etree.SubElement(elem, key), child_path)
        else:
            _fill(schema, child, value, etree.SubElement(elem, key), child_path)


def _order(entry: tuple[int, int, str, Decl, Any]) -> tuple[int, int]:
    return entry[0], entry[1]


def _text(value: Any, decl: Decl, path: str) -> str:
    text = check_length(to_latin1(_scalar(value), path), decl.max_length, path)
    if decl.enumeration is not None and text not in decl.enumeration:
        raise QbxmlFieldError(path, f"{text!r} is not one of {', '.join(decl.enumeration)}")
    if decl.pattern is not None and not _regex(decl.pattern).fullmatch(text):
        raise QbxmlFieldError(path, f"{text!r} does not have the form {decl.pattern}")
    return text


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """An XSD pattern as a Python regex (the qbXML patterns use only the common subset)."""
    return re.compile(pattern)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


@cache
def _known_in_newer(schema_version: str, path: str, key: str) -> bool:
    """True when a newer schema we hold has `key` at `path` (so omitting it is a faithful downgrade)."""
    for version in schema_versions():
        if version == schema_version:
            continue
        newer = load(version)
        if _resolve(newer, path) is not None and _resolve(newer, f"{path}/{key}") is not None:
            return True
    return False


def _resolve(schema: QbxmlSchema, path: str) -> Decl | None:
    parts = path.split("/")
    try:
        decl = schema.element(parts[0])
    except KeyError:
        msgs = schema.element("QBXMLMsgsRq").child(parts[0]) or schema.element("QBXMLMsgsRs").child(parts[0])
        if msgs is None:
            return None
        decl = msgs
    for part in parts[1:]:
        decl = decl.child(part)
        if decl is None:
            return None
    return decl


def to_data(elem: etree._Element, decl: Decl | None = None) -> Any:
    """Read an element back into plain data; repeatable children (per the schema, when known) become lists.

    Lenient: children the schema does not know are kept too, as real QuickBooks output strays from it.
    """
    children = [c for c in elem if isinstance(c.tag, str)]
    text = elem.text or ""
    if not children and not elem.attrib:
        if decl is not None and not decl.simple:
            return {}
        return text if decl is not None or text.strip() else ""  # values byte for byte, as QuickBooks wrote them
    out: dict[str, Any] = {f"@{k}": v for k, v in elem.attrib.items()}
    if not children:
        if text.strip():
            out["#text"] = text
        return out
    for child in children:
        child_decl = decl.child(child.tag) if decl is not None else None
        value = to_data(child, child_decl)
        existing = out.get(child.tag)
        if existing is None:
            out[child.tag] = [value] if child_decl is not None and child_decl.repeats else value
        elif isinstance(existing, list):
            existing.append(value)
        else:
            out[child.tag] = [existing, value]
    return out

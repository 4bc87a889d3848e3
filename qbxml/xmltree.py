"""Plain data <-> qbXML elements: dicts written in schema order with text rules, and read back leniently.

The single place that knows element order: every builder, the simulator's responses and the bridge write through
`render` (text; `build` parses it into an element), and every reader goes through `to_data`.

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
    """Build element `decl` from `data`, children in schema order; fields newer than the schema are dropped.

    Parsed from `render`'s text (lxml's parser is faster than building element by element), so an empty text
    serializes as `<X/>` again, which is the same XML as `render`'s `<X></X>`."""
    return etree.fromstring(render(schema, decl, data, path))


def render(schema: QbxmlSchema, decl: Decl, data: Any, path: str | None = None, *, then: str = "") -> str:
    """Element `decl` from `data` as XML text, escaped byte for byte as lxml serializes an element built with the
    same texts; `then`: elements already written as text, placed after the data's own children."""
    out: list[str] = []
    _write(schema, decl, decl.name, data, out, path or decl.name, then)
    return "".join(out)


# A path is built only when an error names it: a string, or (parent path, key) pairs joined on demand.
Path = str | tuple[Any, str]


def joined(path: Path) -> str:
    """The path as text: 'QBXML/QBXMLMsgsRq/VendorAddRq'."""
    parts: list[str] = []
    while isinstance(path, tuple):
        path, key = path
        parts.append(key)
    return "/".join([path, *reversed(parts)])


# How a content entry is written: the element's own text, a leaf whose text has at most a length rule, a leaf whose
# text must match a pattern (amounts), a leaf with other rules (enumeration), or a nested element.
TEXT, FREE_LEAF, PATTERN_LEAF, CHECKED_LEAF, NESTED = range(5)
NO_LIMIT = 1 << 30
# The attributes' keys; then the element's text and children: key, declaration, how it is written, longest text
# allowed, the pattern (PATTERN_LEAF).
Content = list[tuple[str, "Decl | None", int, int, "re.Pattern[str] | None"]]
Plan = tuple[list[str], Content]


def _write(schema: QbxmlSchema, decl: Decl, tag: str, data: Any, out: list[str], path: Path, then: str = "") -> None:
    """Append element `tag` written from `data` to `out`: attributes, text, then children in schema order."""
    if not isinstance(data, dict):
        out.append(f"<{tag}>{_escaped(_text(data, decl, path))}</{tag}>")
        return
    keys = tuple(data)
    plans = decl.__dict__.get("_plans")
    plan = plans.get(keys) if plans is not None else None
    if plan is None:
        plan = _plan(decl, keys)
    if plan is None:  # some key is not a child here: the slow path names it (or drops a newer field)
        plan = _plan_checked(schema, decl, tuple(k for k in keys if data[k] is not None), joined(path))
    attributes, content = plan
    append = out.append
    append("<" + tag)
    for key in attributes:
        value = data[key]
        if value is not None:
            append(f' {key[1:]}="{_escaped_attribute(_plain(_scalar(value), (path, key)))}"')
    append(">")
    start = len(out)
    for key, child, kind, limit, pattern in content:
        value = data[key]
        if value is None:
            continue
        if kind == FREE_LEAF and type(value) is str and len(value) <= limit and value.isascii() and value.isprintable():
            append(f"<{key}>{_escaped(value)}</{key}>")  # the common case: plain ASCII text that fits
        elif (
            kind == PATTERN_LEAF
            and type(value) is str
            and len(value) <= limit
            and value.isascii()
            and pattern.fullmatch(value)
        ):
            append(f"<{key}>{_escaped(value)}</{key}>")  # an amount (or other patterned text) of the right form
        elif kind == TEXT:
            append(_escaped(_text(value, decl, path)))
        elif isinstance(value, list):
            if len(value) > 1 and not child.repeats:
                raise QbxmlFieldError(joined((path, key)), f"given {len(value)} times, allowed once")
            for item in value:
                _write(schema, child, key, item, out, (path, key))
        elif kind != NESTED and not isinstance(value, dict):  # a leaf: its text, without another call level
            append(f"<{key}>{_escaped(_text(value, child, (path, key)))}</{key}>")
        else:
            _write(schema, child, key, value, out, (path, key))
    if then:
        append(then)
    if len(out) == start:
        out[-1] = "/>"  # nothing inside: an empty element, as lxml writes it
    else:
        append(f"</{tag}>")


def _escaped(text: str) -> str:
    """Text as lxml writes it in an element."""
    if "&" in text or "<" in text or ">" in text or "\r" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return text


def _escaped_attribute(text: str) -> str:
    """Text as lxml writes it in an attribute value (double-quoted)."""
    text = _escaped(text)
    if '"' in text or "\n" in text or "\t" in text:
        return text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return text


def _kind(child: Decl) -> int:
    if not child.simple:
        return NESTED
    if child.enumeration is not None:
        return CHECKED_LEAF
    return FREE_LEAF if child.pattern is None else PATTERN_LEAF


def _plan(decl: Decl, keys: tuple[str, ...]) -> Plan | None:
    """The keys of one element set in writing order (attributes, then text, then children in schema order),
    each with its declaration and how it is written; cached per declaration and key set; None when a key is not a
    child of `decl`."""
    plans = decl.__dict__.setdefault("_plans", {})
    plan = plans.get(keys)
    if plan is not None:
        return plan
    index = decl.index
    attributes: list[str] = []
    own_text: Content = []
    entries: list[tuple[int, int, str, Decl]] = []
    for seq, key in enumerate(keys):
        if key[0] == "@":
            if key[1:] not in decl.attributes:
                return None
            attributes.append(key)
        elif key == "#text":
            own_text = [(key, None, TEXT, NO_LIMIT, None)]
        else:
            hit = index.get(key)
            if hit is None:
                return None
            entries.append((hit[0], seq, key, hit[1]))
    entries.sort(key=_order)
    children: Content = [
        (key, child, _kind(child), child.max_length or NO_LIMIT, _regex(child.pattern) if child.pattern else None)
        for _, _, key, child in entries
    ]
    plan = attributes, own_text + children
    plans[keys] = plan
    return plan


def _plan_checked(schema: QbxmlSchema, decl: Decl, keys: tuple[str, ...], path: str) -> Plan:
    """The plan without the keys a newer schema has (a faithful downgrade); UnknownField for any other key."""
    kept = []
    for key in keys:
        if key[0] == "@" and key[1:] not in decl.attributes:
            raise UnknownField(f"{path}/{key}", f"{decl.name} has no attribute {key[1:]} in qbXML {schema.version}")
        if key[0] != "@" and key != "#text" and decl.index.get(key) is None:
            if _known_in_newer(schema.version, path, key):
                continue
            raise UnknownField(f"{path}/{key}", f"not a child of {decl.name} in qbXML {schema.version}")
        kept.append(key)
    return _plan(decl, tuple(kept)) or ([], [])


def _order(entry: tuple) -> tuple[int, int]:
    return entry[0], entry[1]


def _plain(text: str, path: Path) -> str:
    """Latin-1 text; printable ASCII (the common case) passes without the full check."""
    if text.isascii() and text.isprintable():
        return text
    return to_latin1(text, joined(path))


def _text(value: Any, decl: Decl, path: Path) -> str:
    text = _plain(_scalar(value), path)
    if decl.max_length is not None and len(text) > decl.max_length:
        check_length(text, decl.max_length, joined(path))
    if decl.enumeration is not None and text not in decl.enumeration:
        raise QbxmlFieldError(joined(path), f"{text!r} is not one of {', '.join(decl.enumeration)}")
    if decl.pattern is not None and not _regex(decl.pattern).fullmatch(text):
        raise QbxmlFieldError(joined(path), f"{text!r} does not have the form {decl.pattern}")
    return text


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """An XSD pattern as a Python regex (the qbXML patterns use only the common subset)."""
    return re.compile(pattern)


def _scalar(value: Any) -> str:
    if type(value) is str:
        return value
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
    if not children:
        return childless_data(elem, decl)
    out: dict[str, Any] = {f"@{k}": v for k, v in elem.attrib.items()}
    index = decl.index if decl is not None else None
    for child in children:
        hit = index.get(child.tag) if index is not None else None
        child_decl = hit[1] if hit is not None else None
        if child_decl is not None and child_decl.simple and not len(child) and not child.attrib:
            value = child.text or ""  # a plain leaf, as the general case reads it, without another call level
        else:
            value = to_data(child, child_decl)
        add_child(out, child.tag, value, child_decl)
    return out


def childless_data(elem: etree._Element, decl: Decl | None) -> Any:
    """What `to_data` reads from an element without child elements: its text, or its attributes (and text)."""
    text = elem.text or ""
    if not elem.attrib:
        if decl is not None and not decl.simple:
            return {}
        return text if decl is not None or text.strip() else ""  # values byte for byte, as QuickBooks wrote them
    out: dict[str, Any] = {f"@{k}": v for k, v in elem.attrib.items()}
    if text.strip():
        out["#text"] = text
    return out


def add_child(out: dict[str, Any], tag: str, value: Any, decl: Decl | None) -> None:
    """Put a child's data into its parent's: a repeatable child (or one given twice) as a list."""
    existing = out.get(tag)
    if existing is None:
        out[tag] = [value] if decl is not None and decl.repeats else value
    elif isinstance(existing, list):
        existing.append(value)
    else:
        out[tag] = [existing, value]

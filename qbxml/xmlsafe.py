"""Hardened XML parsing for everything that arrives from outside: no entities, no DTD, no network, a size cap."""

from __future__ import annotations

from lxml import etree

DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # real customer lists reach several MB; 64 MB bounds the worst case


class UnsafeXml(ValueError):
    """The document is too large, declares a DTD or entities, or is not well-formed."""


def parse(data: bytes | str, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted XML and return its root element."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise UnsafeXml(f"XML document of {len(raw)} bytes exceeds the {max_bytes}-byte limit")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=True,
    )
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"not well-formed XML: {exc}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or (tree.docinfo.internalDTD is not None):
        raise UnsafeXml("XML with a DTD is refused")
    return root


def processing_instruction(root: etree._Element, target: str) -> str | None:
    """Text of the first top-level processing instruction named `target` (e.g. 'qbxml' -> 'version="16.0"')."""
    node = root.getprevious()
    while node is not None:
        if isinstance(node, etree._ProcessingInstruction) and node.target == target:
            return node.text
        node = node.getprevious()
    return None

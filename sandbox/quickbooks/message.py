"""The qbXML envelope as the company file reads and writes it (until qbxml.envelope provides it)."""

from __future__ import annotations

import re

from lxml import etree

from qbxml.xmlsafe import processing_instruction

_VERSION = re.compile(r'version\s*=\s*"([^"]+)"')


def declared_version(root: etree._Element) -> str | None:
    """'16.0' from `<?qbxml version="16.0"?>`, or None when the message declares none."""
    found = _VERSION.search(processing_instruction(root, "qbxml") or "")
    return found.group(1) if found else None


def response_message(rs_elements: list[etree._Element], *, version: str) -> bytes:
    """`<QBXML><QBXMLMsgsRs>` holding the responses in request order (the schema allows any order there)."""
    root = etree.Element("QBXML")
    msgs = etree.SubElement(root, "QBXMLMsgsRs")
    msgs.extend(rs_elements)
    body = etree.tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="' + version.encode() + b'"?>\n' + body

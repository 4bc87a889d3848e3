"""The qbXML message envelope: XML declaration, `<?qbxml version?>` header and the QBXML/QBXMLMsgs* wrapper."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from lxml import etree

from qbxml.schema import supported_version
from qbxml.xmlsafe import processing_instruction

ON_ERROR = ("continueOnError", "stopOnError", "rollbackOnError")
_VERSION = re.compile(r"""version\s*=\s*["']([^"']+)["']""")


def message(
    requests: Sequence[etree._Element],
    *,
    version: str,
    on_error: str = "continueOnError",
    written: Callable[[str], str] | None = None,
) -> bytes:
    """A request message holding `requests` (rendered for `version`), declaring the schema version written
    (as `written` spells it for an edition, e.g. Edition.version_string)."""
    if on_error not in ON_ERROR:
        raise ValueError(f"onError must be one of {ON_ERROR}, not {on_error!r}")
    msgs = etree.Element("QBXMLMsgsRq", onError=on_error)
    msgs.extend(requests)
    return _document(msgs, version, written)


def response_message(rs_elements: Sequence[etree._Element], *, version: str) -> bytes:
    """A response message (QBXMLMsgsRs) holding `...Rs` elements, as QuickBooks returns it."""
    msgs = etree.Element("QBXMLMsgsRs")
    msgs.extend(rs_elements)
    return _document(msgs, version)


def _document(msgs: etree._Element, version: str, written: Callable[[str], str] | None = None) -> bytes:
    root = etree.Element("QBXML")
    root.append(msgs)
    declared = supported_version(version)
    header = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="{written(declared) if written else declared}"?>\n'
    )
    return header.encode("ascii") + etree.tostring(root, encoding="utf-8")


def declared_version(root: etree._Element) -> str | None:
    """The version in a parsed document's `<?qbxml version="..."?>` header, None when absent."""
    text = processing_instruction(root, "qbxml")
    match = _VERSION.search(text or "")
    return match.group(1) if match else None

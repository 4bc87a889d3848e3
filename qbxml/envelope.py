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
    return _document(etree.tostring(msgs, encoding="unicode"), version, written)


def response_message(rs_texts: Sequence[str], *, version: str) -> bytes:
    """A response message (QBXMLMsgsRs) holding `...Rs` elements written as text (xmltree.render), as QuickBooks
    returns it."""
    inside = "".join(rs_texts)
    return _document(f"<QBXMLMsgsRs>{inside}</QBXMLMsgsRs>" if inside else "<QBXMLMsgsRs/>", version)


def _document(msgs: str, version: str, written: Callable[[str], str] | None = None) -> bytes:
    """The whole message around `msgs` (the QBXMLMsgs* element as text), UTF-8 as lxml writes it."""
    declared = supported_version(version)
    header = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="{written(declared) if written else declared}"?>\n'
    )
    return (header + f"<QBXML>{msgs}</QBXML>").encode("utf-8")


def declared_version(root: etree._Element) -> str | None:
    """The version in a parsed document's `<?qbxml version="..."?>` header, None when absent."""
    text = processing_instruction(root, "qbxml")
    match = _VERSION.search(text or "")
    return match.group(1) if match else None

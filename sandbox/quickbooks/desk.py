"""Someone at the QuickBooks desk: one request at a time keyed into a sandbox company file, as a demo hook's staff
would (vendors the file already has, bills paid by hand), refused loudly."""

from __future__ import annotations

from typing import Any

from qbxml import envelope
from qbxml.requests import render
from qbxml.responses import parse_message
from sandbox.quickbooks.company import CompanyFile

VERSION = "16.0"


def key_in(company: CompanyFile, op: str, body: dict[str, Any]) -> dict[str, Any]:
    """Run `op` (e.g. VendorAdd, BillPaymentCheckAdd) with `body` against the open company file; the object it
    added or changed, in qbXML names. A refusal raises, naming QuickBooks' status."""
    request = render(op, {op: body}, version=VERSION, request_id="1")
    result = company.process(envelope.message([request], version=VERSION, on_error="stopOnError"))
    answers = parse_message(result.response_xml) if result.response_xml else []
    if not answers or answers[0].status_code != 0:
        status = f"{answers[0].status_code} {answers[0].status_message}" if answers else f"HRESULT {result.hresult}"
        raise RuntimeError(f"the sandbox company file refused {op}: {status}")
    return answers[0].records[0].data if answers[0].records else {}

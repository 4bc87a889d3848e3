"""What a qbXML statusCode (and a Web Connector HRESULT) means for the sender: one table, one classifier."""

from __future__ import annotations

import logging
from enum import StrEnum

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    """How the outbox should treat a response, by its statusCode."""

    ok = "ok"  # done (0; 500 = partial result, warned)
    empty = "empty"  # 1: the query matched nothing - an empty result, not an error
    transient = "transient"  # resend later
    stale_edit_sequence = "stale_edit_sequence"  # re-query, re-apply, resend once
    duplicate_name = "duplicate_name"  # look the object up by name and link to it
    bad_reference = "bad_reference"  # re-resolve the reference (dependency order), else quarantine
    bad_input = "bad_input"  # quarantine with the message (1060 is our bug: fail loudly)
    not_permitted = "not_permitted"  # feature off / no permission: skip and tell the operator
    iterator_expired = "iterator_expired"  # restart the query from its watermark
    unknown = "unknown"


# PROTOCOL-NOTES section 2, status codes.
STATUS: dict[int, Outcome] = {
    0: Outcome.ok,
    1: Outcome.empty,
    500: Outcome.ok,
    1000: Outcome.transient,
    1010: Outcome.transient,
    1060: Outcome.bad_input,
    **{code: Outcome.bad_input for code in range(3000, 3032)},
    3100: Outcome.duplicate_name,
    3120: Outcome.bad_reference,
    3130: Outcome.bad_reference,
    3140: Outcome.bad_reference,
    3170: Outcome.transient,
    3175: Outcome.transient,
    3176: Outcome.transient,
    3180: Outcome.transient,
    3200: Outcome.stale_edit_sequence,
    3210: Outcome.bad_input,
    3250: Outcome.not_permitted,
    3260: Outcome.not_permitted,
    3261: Outcome.not_permitted,
    3391: Outcome.iterator_expired,
}

PARTIAL_RESULT = 500  # "some objects not found": ok, but worth a warning
REQUEST_ID_INVALID = 1060  # our bug (requestID over 50 characters): must fail loudly, never be retried


def classify(code: int | str | None) -> Outcome:
    """The outcome of a statusCode; anything not in the table (or not a number) is `unknown`."""
    try:
        number = int(code)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return Outcome.unknown
    if number == PARTIAL_RESULT:
        log.warning("qbXML status 500: some objects were not found; the result is partial")
    return STATUS.get(number, Outcome.unknown)


HRESULTS: dict[int, str] = {
    0x80040400: "QuickBooks found an error when parsing the provided XML text stream",
    0x80040401: "Could not access QuickBooks",
    0x80040402: "Unexpected error",
    0x80040408: "Could not start QuickBooks",
    0x8004040D: "The ticket parameter is invalid",
    0x80040416: "QuickBooks is not running and no company file was given",
    0x80040420: "The QuickBooks user has denied access",
}


def hresult_number(hresult: str | int) -> int:
    """The number of an HRESULT: '0x80040400' or up to 8 hex digits ('80040420') are hex; a signed or longer
    decimal ('-2147220480', '2147746816') is decimal. ValueError for anything else."""
    if isinstance(hresult, int):
        return hresult
    text = str(hresult).strip()
    if len(text) > 20:
        raise ValueError("too long for an HRESULT")
    if text[:2].lower() == "0x":
        return int(text[2:], 16)
    if text.startswith("-") or (text.isdigit() and len(text) > 8):
        return int(text, 10)
    return int(text, 16)


def hresult_message(hresult: str | int | None) -> str:
    """A readable message for an HRESULT such as '0x80040400' (any case, with or without 0x) or its decimal form."""
    if hresult is None or hresult == "":
        return "no HRESULT"
    try:
        number = hresult_number(hresult)
    except ValueError:
        return f"unrecognised HRESULT {str(hresult)[:40]!r}"
    if not -(2**31) <= number < 2**32:
        return f"unrecognised HRESULT {str(hresult)[:40]!r}"
    number &= 0xFFFFFFFF  # a signed 32-bit form (-2147220480) names the same code
    known = HRESULTS.get(number)
    return f"0x{number:08X}: {known}" if known else f"0x{number:08X}: unknown HRESULT"

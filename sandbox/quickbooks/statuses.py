"""QuickBooks status codes and HRESULTs the simulated company file answers with, and their texts."""

from __future__ import annotations

OK = 0
NO_MATCH = 1
PARTIAL = 500
STRING_TOO_LONG = 3070
NAME_IN_USE = 3100
NOT_FOUND = 3120
INVALID_REFERENCE = 3140
MODIFIED_BY_OTHER = 3170
CANNOT_LOCK = 3175
ERROR_SAVING = 3180
EDIT_SEQUENCE_STALE = 3200
INVALID_VALUE = 3210
NOT_SUPPORTED = 3250
ITERATOR_INVALID = 3391

TRANSIENT = (MODIFIED_BY_OTHER, CANNOT_LOCK, ERROR_SAVING)

HRESULT_PARSE_ERROR = "0x80040400"
HRESULT_CANNOT_ACCESS = "0x80040401"
HRESULT_NOT_RUNNING = "0x80040416"

PARSE_ERROR_MESSAGE = "QuickBooks found an error when parsing the provided XML text stream."
VERSION_REFUSED_MESSAGE = "The version of QBXML that was requested is not supported or is unknown."

OK_MESSAGE = "Status OK"
NO_MATCH_MESSAGE = "A query request did not find a matching object in QuickBooks"

_TRANSIENT_REASON = {
    MODIFIED_BY_OTHER: "Can't save because someone else has modified this record.",
    CANNOT_LOCK: "Cannot lock the record, it is in use by another user.",
    ERROR_SAVING: "An error occurred while saving the record.",
}


class QbError(Exception):
    """A request QuickBooks refuses: answered on its own `...Rs` with an Error status, nothing applied."""

    def __init__(self, code: int, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def transient(code: int, kind: str, element: str | None = None) -> QbError:
    """3170/3175/3180 as QuickBooks words them: a list object names its element ('a Vendor list, element "Acme".'),
    a transaction its type ('a Bill.'), then QuickBooks' own message (two spaces after the first sentence)."""
    what = f'{kind} list, element "{element}"' if element else kind
    return QbError(
        code, f"There was an error when saving a {what}.  QuickBooks error message: {_TRANSIENT_REASON[code]}"
    )


def name_in_use(name: str) -> QbError:
    return QbError(NAME_IN_USE, f'The name "{name}" of the list element is already in use.')


def not_found(key: str) -> QbError:
    return QbError(
        NOT_FOUND,
        f'Object "{key}" specified in the request cannot be found.  '
        "QuickBooks error message: Invalid argument.  The specified record does not exist in the list.",
    )


def invalid_reference(kind: str, key: str, owner: str) -> QbError:
    return QbError(
        INVALID_REFERENCE,
        f'There is an invalid reference to QuickBooks {kind} "{key}" in the {owner}. '
        "QuickBooks error message: Invalid argument. The specified record does not exist in the list.",
    )


def stale_edit_sequence(given: str) -> QbError:
    return QbError(EDIT_SEQUENCE_STALE, f'The provided edit sequence "{given}" is out-of-date.')


def too_long(value: str, field: str) -> QbError:
    return QbError(STRING_TOO_LONG, f'The string "{value}" in the field "{field}" is too long.')


def invalid_value(field: str, value: str, reason: str) -> QbError:
    return QbError(INVALID_VALUE, f'The "{field}" field has an invalid value "{value}". {reason}')


def iterator_invalid(iterator_id: str) -> QbError:
    return QbError(ITERATOR_INVALID, f'The iteratorID "{iterator_id}" is not valid.')


def not_supported(op: str) -> QbError:
    return QbError(NOT_SUPPORTED, f"The sandbox company file does not support {op}Rq; it answers no data for it.")


def missing_objects(keys: list[str]) -> str:
    listed = ", ".join(f'"{k}"' for k in keys)
    return (
        "The query request has not been fully completed. There was a required element "
        f"({listed}) that could not be found in QuickBooks."
    )

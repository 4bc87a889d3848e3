"""latin1_and_lengths: every text bound for QuickBooks fits Latin-1 (after transliteration) and its schema length."""

from __future__ import annotations

import pandas as pd

from data_checks.rules import FAULT_COLUMNS, scoped
from qbxml import schema
from qbxml.text import QbxmlFieldError, check_length, to_latin1
from warehouse.store import Conn

DEFAULT_VERSION = "16.0"

# warehouse column -> the qbXML element path it is written to (the schema says how long it may be)
DOCUMENT_FIELDS = {
    "qb_vendor_name": ("VendorAdd", "Name"),
    "document_number": ("BillAdd", "RefNumber"),
    "memo": ("BillAdd", "Memo"),
}
LINE_FIELDS = {
    "description": ("BillAdd", "ExpenseLineAdd", "Memo"),
    "qb_account_name": ("BillAdd", "ExpenseLineAdd", "AccountRef", "FullName"),
    "qb_class_name": ("BillAdd", "ExpenseLineAdd", "ClassRef", "FullName"),
}

_DOCUMENTS = """
SELECT d.company, d.record_key, COALESCE(c.max_qbxml_version, '{version}') AS version,
       d.qb_vendor_name, d.document_number, d.memo
FROM bill_drafts d LEFT JOIN companies c ON c.company = d.company
WHERE {{scope}}
"""
_LINES = """
SELECT d.company, d.record_key, COALESCE(c.max_qbxml_version, '{version}') AS version, l.line_number,
       l.description, l.qb_account_name, l.qb_class_name
FROM bill_draft_lines l
JOIN bill_drafts d ON d.company = l.company AND d.record_key = l.record_key
LEFT JOIN companies c ON c.company = d.company
WHERE {{scope}}
"""


def latin1_and_lengths(conn: Conn, company: str | None) -> pd.DataFrame:
    """Faults for text that has no faithful Latin-1 form or is longer than the schema allows."""
    docs = _long(conn, _DOCUMENTS, company, DOCUMENT_FIELDS, lambda row, col: col)
    lines = _long(conn, _LINES, company, LINE_FIELDS, lambda row, col: f"lines[{int(row['line_number'])}].{col}")
    candidates = pd.concat([docs, lines], ignore_index=True)
    faults = [
        (row.company, row.record_key, row.field, reason)
        for row in candidates.itertuples(index=False)
        if (reason := _problem(row.value, row.version, row.path, row.field))
    ]
    return pd.DataFrame(faults, columns=FAULT_COLUMNS)


def _long(conn: Conn, sql: str, company: str | None, fields: dict, name_of) -> pd.DataFrame:
    """The text columns of `sql` as (company, record_key, version, field, path, value), only the suspicious ones."""
    text, params = scoped(sql.format(version=DEFAULT_VERSION), company)
    frame = conn.df(text, params)
    parts = []
    for col, path in fields.items():
        values = frame[col]
        present = values.notna()
        if not present.any():
            continue
        sub = frame[present]
        text_values = sub[col].astype(str)
        limits = sub["version"].map(lambda v, p=path: schema.max_length(p, v))
        unusual = text_values.str.contains(r"[^\x20-\x7e\t\n\r]", regex=True)  # beyond printable ASCII
        suspicious = unusual | (text_values.str.len() > limits.fillna(10**9))
        sub = sub[suspicious]
        if sub.empty:
            continue
        parts.append(
            pd.DataFrame(
                {
                    "company": sub["company"],
                    "record_key": sub["record_key"],
                    "version": sub["version"],
                    "field": [name_of(row, col) for _, row in sub.iterrows()],
                    "path": [path] * len(sub),
                    "value": text_values[suspicious],
                }
            )
        )
    columns = ["company", "record_key", "version", "field", "path", "value"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _problem(value: str, version: str, path: tuple[str, ...], field: str) -> str | None:
    try:
        check_length(to_latin1(value, field), schema.max_length(path, version), field)
    except QbxmlFieldError as exc:
        return f"{field}: {exc.reason} ({'.'.join(path)}): {_preview(value)}"
    return None


def _preview(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")

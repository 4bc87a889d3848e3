"""latin1_and_lengths: every text bound for QuickBooks fits Latin-1 (after transliteration) and its schema length."""

from __future__ import annotations

import pandas as pd

from data_checks.rules import FAULT_COLUMNS, scoped
from qbxml import schema
from qbxml.text import QbxmlFieldError, check_length, to_latin1
from warehouse.store import Conn

DEFAULT_VERSION = "16.0"
BEYOND_ASCII = r"[^\x20-\x7e\t\n\r]"  # a character outside printable ASCII

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
_VERSIONS = """
SELECT DISTINCT COALESCE(c.max_qbxml_version, '{version}')
FROM bill_drafts d LEFT JOIN companies c ON c.company = d.company
WHERE {{scope}}
"""


def latin1_and_lengths(conn: Conn, company: str | None, drafts: str | None = None) -> pd.DataFrame:
    """Faults for text that has no faithful Latin-1 form or is longer than the schema allows (of the drafts the
    table `drafts` lists, when given)."""
    text, params = scoped(_VERSIONS.format(version=DEFAULT_VERSION), None, drafts=drafts)
    versions = [v for (v,) in conn.fetchall(text, params)]
    line_field = "'lines[' || CAST(t.line_number AS TEXT) || '].{col}'"
    candidates = [
        *_suspicious(conn, _DOCUMENTS, company, DOCUMENT_FIELDS, "'{col}'", versions, drafts),
        *_suspicious(conn, _LINES, company, LINE_FIELDS, line_field, versions, drafts),
    ]
    faults = [
        (row["company"], row["record_key"], row["field"], reason)
        for row in candidates
        if (reason := _problem(row["value"], row["version"], row["path"], row["field"]))
    ]
    return pd.DataFrame(faults, columns=FAULT_COLUMNS)


def _suspicious(
    conn: Conn, sql: str, company: str | None, fields: dict, name_sql: str, versions: list[str], drafts: str | None
) -> list[dict]:
    """The text columns of `sql` as rows (company, record_key, version, field, path, value): only those beyond
    printable ASCII or longer than the schema of their version allows, picked in SQL (the rest never leave it)."""
    text, params = scoped(sql.format(version=DEFAULT_VERSION), company, drafts=drafts)
    unusual = "regexp_matches({v}, ?)" if conn.backend == "duckdb" else "{v} ~ ?"
    parts, paths = [], []
    for index, (col, path) in enumerate(fields.items()):
        limits = [(v, n) for v in versions if (n := schema.max_length(path, v)) is not None]
        cases = " ".join("WHEN ? THEN ?" for _ in limits)
        too_long = f"length(t.{col}) > CASE t.version {cases} END" if limits else "FALSE"
        parts.append(
            f"SELECT {index} AS field_index, t.company, t.record_key, t.version, {name_sql.format(col=col)} AS field, "
            f"t.{col} AS value FROM t WHERE t.{col} IS NOT NULL AND ({unusual.format(v=f't.{col}')} OR {too_long})"
        )
        params += [BEYOND_ASCII, *(x for limit in limits for x in limit)]
        paths.append(path)
    rows = conn.records(f"WITH t AS ({text}) {' UNION ALL '.join(parts)} ORDER BY field_index", params)
    return [{**row, "path": paths[row["field_index"]]} for row in rows]


def _problem(value: str, version: str, path: tuple[str, ...], field: str) -> str | None:
    try:
        check_length(to_latin1(value, field), schema.max_length(path, version), field)
    except QbxmlFieldError as exc:
        return f"{field}: {exc.reason} ({'.'.join(path)}): {_preview(value)}"
    return None


def _preview(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")

"""Record keys, the one spelling: `<source_system>:<kind>:<id>`, in Python and as SQL over columns."""

from __future__ import annotations


def record_key(source_system: str, kind: str, source_id: object) -> str:
    """e.g. record_key("acme", "po", 4711) == "acme:po:4711"."""
    return f"{source_system}:{kind}:{source_id}"


def record_key_sql(system_expr: str, kind: str, id_expr: str) -> str:
    """SQL building the record key from a source_system expression (a column, never a literal) and an id."""
    return f"{system_expr} || ':{kind}:' || {id_expr}"


def external_id_sql(system_expr: str, id_expr: str) -> str:
    """SQL: the AccountNumber we stamp on vendors we create, `<SYSTEM>-<supplier id>`, to match them later."""
    return f"upper({system_expr}) || '-' || {id_expr}"

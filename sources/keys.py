"""Record keys, the one spelling: `<source>:<kind>:<id>`, in Python and as SQL over columns; `<source>` is the
source key of the instance the record came from: the system's name for its default instance (`coupa`), else
`<system>@<instance>` (`coupa@emea`), so two tenants of one system never share a key, a watermark or a staging row."""

from __future__ import annotations

import re

DEFAULT_INSTANCE = "default"
INSTANCE_NAME = re.compile(r"[a-z0-9][a-z0-9_]{0,30}")  # safe in a table name, a record key and a URL


def record_key(source_system: str, kind: str, source_id: object) -> str:
    """e.g. record_key("acme", "po", 4711) == "acme:po:4711"."""
    return f"{source_system}:{kind}:{source_id}"


def record_key_sql(system_expr: str, kind: str, id_expr: str) -> str:
    """SQL building the record key from a source_system expression (a column, never a literal) and an id."""
    return f"{system_expr} || ':{kind}:' || {id_expr}"


def external_id_sql(system_expr: str, id_expr: str) -> str:
    """SQL: the AccountNumber we stamp on vendors we create, `<SYSTEM>-<supplier id>`, to match them later."""
    return f"upper({system_expr}) || '-' || {id_expr}"


def check_instance(instance: str) -> str:
    """`instance` when it is a valid instance name, else ValueError saying what one looks like."""
    if instance != DEFAULT_INSTANCE and not INSTANCE_NAME.fullmatch(instance or ""):
        raise ValueError(
            f"instance name {instance!r}: use lower-case letters, digits and _ (at most 31, e.g. emea or acme_us)"
        )
    return instance


def source_key(system: str, instance: str = DEFAULT_INSTANCE) -> str:
    """The source_system value of the rows of `system`'s instance `instance`."""
    return system if instance == DEFAULT_INSTANCE else f"{system}@{instance}"


def system_of(key: str) -> str:
    """The system of a source key (`coupa@emea` -> `coupa`)."""
    return key.partition("@")[0]


def system_of_sql(key_expr: str) -> str:
    """SQL: the system of the source key `key_expr` (a join onto the registry's declarations)."""
    return f"split_part({key_expr}, '@', 1)"

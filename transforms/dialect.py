"""The few SQL spellings that differ between DuckDB and PostgreSQL, side by side; all other SQL is shared."""

from __future__ import annotations

import json
from dataclasses import dataclass

# Text that PostgreSQL may cast without raising (it has no TRY_CAST before version 16).
_NUMBER = r"^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$"
_INTEGER = r"^\s*[-+]?[0-9]{1,9}\s*$"
_DATE = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIMESTAMP = _DATE + r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?\s*(Z|[-+][0-9]{2}(:?[0-9]{2})?)?$"


@dataclass(frozen=True)
class Dialect:
    """SQL fragments for one backend ("duckdb" or "postgres")."""

    backend: str

    @property
    def pg(self) -> bool:
        return self.backend == "postgres"

    def try_decimal(self, expr: str, precision: str = "18,2") -> str:
        """`expr` (text) as DECIMAL, NULL when it is not a number."""
        if self.pg:
            return f"CASE WHEN {expr} ~ '{_NUMBER}' THEN CAST({expr} AS DECIMAL({precision})) END"
        return f"TRY_CAST({expr} AS DECIMAL({precision}))"

    def try_int(self, expr: str) -> str:
        if self.pg:
            return f"CASE WHEN {expr} ~ '{_INTEGER}' THEN CAST({expr} AS INTEGER) END"
        return f"TRY_CAST({expr} AS INTEGER)"

    def try_date(self, expr: str) -> str:
        """The calendar date at the start of ISO text `expr` (as written, no time-zone shift), else NULL."""
        if self.pg:
            return f"CASE WHEN {expr} ~ '{_DATE}' THEN CAST(substr({expr}, 1, 10) AS DATE) END"
        return f"TRY_CAST(substr({expr}, 1, 10) AS DATE)"

    def try_timestamp_utc(self, expr: str) -> str:
        """ISO text with or without offset as a UTC timestamp without time zone, else NULL."""
        if self.pg:
            return f"CASE WHEN {expr} ~ '{_TIMESTAMP}' THEN CAST({expr} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' END"
        return f"CAST(TRY_CAST({expr} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP)"

    def json_object(self, *pairs: tuple[str, str]) -> str:
        """A JSON object from (key, SQL expression) pairs; NULL values stay JSON null (xmltree skips them)."""
        fn = "jsonb_build_object" if self.pg else "json_object"
        return f"{fn}(" + ", ".join(f"'{key}', {value}" for key, value in pairs) + ")"

    def json_array_agg(self, expr: str, order_by: str) -> str:
        """Aggregate JSON values `expr` into an array ordered by `order_by`."""
        if self.pg:
            return f"jsonb_agg({expr} ORDER BY {order_by})"
        return f"to_json(list({expr} ORDER BY {order_by}))"

    def json_array(self, *exprs: str) -> str:
        return ("jsonb_build_array(" if self.pg else "json_array(") + ", ".join(exprs) + ")"

    def json_text(self, expr: str) -> str:
        """A JSON value as text, for loading into the JSON payload column through a data frame."""
        return f"CAST({expr} AS TEXT)" if self.pg else f"CAST({expr} AS VARCHAR)"

    def iso_timestamp(self, expr: str) -> str:
        """A TIMESTAMP as 'YYYY-MM-DDTHH:MM:SS' (qbXML DATETIMETYPE, no fraction)."""
        if self.pg:
            return f"to_char({expr}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        return f"strftime({expr}, '%Y-%m-%dT%H:%M:%S')"

    def iso_date(self, expr: str) -> str:
        return f"CAST(CAST({expr} AS DATE) AS TEXT)" if self.pg else f"CAST(CAST({expr} AS DATE) AS VARCHAR)"

    def extract_fields(self, table: str, paths: dict[str, tuple[str, ...]], where: str) -> str:
        """SELECT source_id and each JSON path of `payload` as text (objects as JSON text), parsing each row once."""
        if self.pg:
            fields = ", ".join(f"payload #>> '{_pg_path(path)}' AS {name}" for name, path in paths.items())
            return f"SELECT source_id, {fields} FROM {table} WHERE {where}"
        fields = ", ".join(f"j.{_duck_path(path)} AS {name}" for name, path in paths.items())
        return (
            f"SELECT source_id, {fields} FROM (SELECT source_id, from_json(payload, '{_structure(paths)}') AS j "
            f"FROM {table} WHERE {where}) AS parsed"
        )

    def extract_lines(self, table: str, array_key: str, paths: dict[str, tuple[str, ...]], where: str) -> str:
        """SELECT source_id AS doc_id and each path of every element of array `array_key`, as text."""
        if self.pg:
            fields = ", ".join(f"l.value #>> '{_pg_path(path)}' AS {name}" for name, path in paths.items())
            array = f"r.payload->'{array_key}'"
            return (
                f"SELECT r.source_id AS doc_id, {fields} FROM {table} r, jsonb_array_elements("
                f"CASE WHEN jsonb_typeof({array}) = 'array' THEN {array} END) AS l(value) WHERE {where}"
            )
        fields = ", ".join(f"l.{_duck_path(path)} AS {name}" for name, path in paths.items())
        structure = json.dumps({array_key: [_nested(paths)]})
        return (
            f"SELECT doc_id, {fields} FROM (SELECT source_id AS doc_id, unnest(from_json(payload, '{structure}')"
            f'."{array_key}") AS l FROM {table} WHERE {where}) AS parsed'
        )


def _nested(paths: dict[str, tuple[str, ...]]) -> dict:
    """{"a": {"b": "VARCHAR"}} for path (a, b): the shape DuckDB's from_json reads, every leaf as text."""
    out: dict = {}
    for path in paths.values():
        node = out
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node.setdefault(path[-1], "VARCHAR")
    return out


def _structure(paths: dict[str, tuple[str, ...]]) -> str:
    return json.dumps(_nested(paths))


def _duck_path(path: tuple[str, ...]) -> str:
    return ".".join(f'"{key}"' for key in path)


def _pg_path(path: tuple[str, ...]) -> str:
    return "{" + ",".join(path) + "}"


def dialect(backend: str) -> Dialect:
    if backend not in ("duckdb", "postgres"):
        raise ValueError(f"unknown warehouse backend {backend!r}")
    return Dialect(backend)

"""Coupa list-query filters: `field=value` and bracket operators such as `updated_at[gt]`, `status[in]`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

OPERATORS = {"gt", "lt", "gt_or_eq", "lt_or_eq", "not_eq", "in", "not_in", "contains", "starts_with", "ends_with"}
CONTROL_PARAMS = {"limit", "offset", "order_by", "dir", "return_object", "fields"}
_KEY = re.compile(r"^([a-z0-9_]+)((?:\[[a-z0-9_]+\])*)$")

Predicate = Callable[[dict[str, Any]], bool]


class FilterError(ValueError):
    """A query parameter Coupa would reject (unknown field or operator, unreadable value)."""


def compile_filters(args: Mapping[str, str], known_fields: set[str]) -> list[Predicate]:
    """One predicate per filter parameter; `known_fields` are the record's top-level keys."""
    predicates = []
    for name, raw in args.items():
        if name in CONTROL_PARAMS:
            continue
        match = _KEY.match(name)
        if not match:
            raise FilterError(f"unreadable filter parameter {name!r}")
        path = [match.group(1), *re.findall(r"\[([a-z0-9_]+)\]", match.group(2))]
        op = "eq"
        if len(path) > 1 and path[-1] in OPERATORS:
            op = path.pop()
        keys = [part.replace("_", "-") for part in path]
        if keys[0] not in known_fields:
            raise FilterError(f"unknown filter field {path[0]!r}")
        predicates.append(_predicate(keys, op, raw))
    return predicates


def _predicate(keys: list[str], op: str, raw: str) -> Predicate:
    timestamp_field = keys[-1].endswith("-at") or keys[-1].endswith("-date")
    wanted = [_parse_time(v) for v in raw.split(",")] if timestamp_field else raw.split(",")

    def value_of(record: dict[str, Any]) -> Any:
        node: Any = record
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        return node

    def test(record: dict[str, Any]) -> bool:
        value = value_of(record)
        if value is None:
            return op in ("not_eq", "not_in") or (op == "eq" and raw in ("", "null"))
        if timestamp_field:
            value, target = _parse_time(value), wanted[0]
        else:
            value, target = _text(value), wanted[0]
        return _compare(op, value, target, wanted)

    return test


def _compare(op: str, value: Any, target: Any, wanted: list[Any]) -> bool:
    if op == "eq":
        return value == target
    if op == "not_eq":
        return value != target
    if op == "in":
        return value in wanted
    if op == "not_in":
        return value not in wanted
    if op == "gt":
        return value > target
    if op == "lt":
        return value < target
    if op == "gt_or_eq":
        return value >= target
    if op == "lt_or_eq":
        return value <= target
    if op == "contains":
        return target.lower() in value.lower()
    if op == "starts_with":
        return value.startswith(target)
    return value.endswith(target)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_time(value: str) -> datetime:
    try:
        text = re.sub(r" (\d{2}:\d{2})$", r"+\1", value.strip())  # a '+' sent unencoded arrives as a space
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(f"unreadable timestamp {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

"""Value rules the company file applies to request data: Latin-1 storage, maxLength, money, times, ids."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from qbxml.schema import Decl
from sandbox.quickbooks import statuses

CENT = Decimal("0.01")


def as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def latin1(data: Any) -> Any:
    """Text as QuickBooks stores it: characters outside Latin-1 become '?'."""
    if isinstance(data, str):
        return data.encode("latin-1", "replace").decode("latin-1")
    if isinstance(data, dict):
        return {k: latin1(v) for k, v in data.items()}
    if isinstance(data, list):
        return [latin1(v) for v in data]
    return data


def check_lengths(data: Any, decl: Decl | None) -> None:
    """Status 3070 for the first text longer than its schema maxLength (QuickBooks answers per request)."""
    if decl is None:
        return
    if isinstance(data, dict):
        for key, value in data.items():
            if not key.startswith("@"):
                for item in as_list(value):
                    check_lengths(item, decl.child(key) if key != "#text" else decl)
    elif isinstance(data, str) and decl.max_length is not None and len(data) > decl.max_length:
        raise statuses.too_long(data, decl.name)


_LEAVES = object()  # the plan of a dict whose keys are all kept leaves: a copy as it is


def fit(decl: Decl, data: Any) -> Any:
    """Only the fields `decl` has (an Add's request-only fields do not belong in the stored Ret)."""
    if not isinstance(data, dict) or decl.simple:
        return data
    keys = tuple(data)
    plans = decl.__dict__.get("_fit_plans")  # the keys of a dict -> those kept, each with its nested decl
    plan = plans.get(keys) if plans is not None else None
    if plan is None:
        kept = [(key, decl.child(key)) for key in keys]
        plan = tuple((key, None if child.simple else child) for key, child in kept if child is not None)
        if len(plan) == len(keys) and all(child is None for _, child in plan):
            plan = _LEAVES
        decl.__dict__.setdefault("_fit_plans", {})[keys] = plan
    if plan is _LEAVES:
        return dict(data)  # every key kept, none nested (a reference: ListID and FullName)
    out = {}
    for key, child in plan:
        value = data[key]
        if child is None:
            out[key] = value  # a leaf is kept as it is
        else:
            out[key] = [fit(child, v) for v in value] if isinstance(value, list) else fit(child, value)
    return out


def money(value: Any, field: str = "Amount") -> Decimal:
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise statuses.invalid_value(field, str(value), "It is not an amount.") from None


def money_text(value: Decimal) -> str:
    return format(value.quantize(CENT, rounding=ROUND_HALF_UP), "f")


def now() -> datetime:
    """QuickBooks keeps times to the second."""
    return datetime.now(UTC).replace(microsecond=0)

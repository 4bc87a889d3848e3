"""Python values -> qbXML text forms: amounts, quantities, dates, date-times and list references."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from qbxml.text import QbxmlFieldError

Number = Decimal | int | float | str


@dataclass(frozen=True)
class Ref:
    """A reference to a QuickBooks list object by ListID or FullName (ListID wins when both are known)."""

    full_name: str | None = None
    list_id: str | None = None

    def __post_init__(self) -> None:
        if not self.full_name and not self.list_id:
            raise ValueError("a Ref needs a full_name or a list_id")

    def data(self) -> dict[str, str]:
        return {"ListID": self.list_id} if self.list_id else {"FullName": self.full_name}


def ref(value: Ref | str | None) -> dict[str, str] | None:
    """A Ref, or a plain string taken as FullName, as the data of a `...Ref` element."""
    if value is None:
        return None
    return (value if isinstance(value, Ref) else Ref(full_name=value)).data()


def _decimal(value: Number, path: str) -> Decimal:
    try:
        number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise QbxmlFieldError(path, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise QbxmlFieldError(path, f"{value!r} is not a finite number")
    return number


def _fixed(value: Number | None, path: str, places: int, digits: int, exact: bool) -> str | None:
    if value is None:
        return None
    number = _decimal(value, path)
    if number.as_tuple().exponent < -places:  # type: ignore[operator]
        raise QbxmlFieldError(path, f"{value} has more than {places} decimal places")
    text = format(number.quantize(Decimal(1).scaleb(-places)), "f") if exact else _plain(number)
    if len(text.lstrip("+-").split(".")[0]) > digits:
        raise QbxmlFieldError(path, f"{value} has more than {digits} digits before the decimal point")
    return text


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def amount(value: Number | None, path: str) -> str | None:
    """AMTTYPE: exactly two decimals ('12.50'); more precision is refused, never rounded."""
    return _fixed(value, path, places=2, digits=13, exact=True)


def quantity(value: Number | None, path: str) -> str | None:
    """QUANTYPE / PRICETYPE: up to five decimals ('2.5')."""
    return _fixed(value, path, places=5, digits=10, exact=False)


def qb_date(value: date | str | None) -> str | None:
    """DATETYPE: 'YYYY-MM-DD' (a datetime keeps its calendar date)."""
    if value is None or isinstance(value, str):
        return value
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def qb_datetime(value: datetime | date | str | None) -> str | None:
    """DATETIMETYPE: 'YYYY-MM-DDThh:mm:ss' with '+hh:mm' when the value carries a time zone."""
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.replace(microsecond=0).isoformat()


def compact(data: dict[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None or an empty list/dict, so absent fields are absent elements."""
    return {k: v for k, v in data.items() if v is not None and v != [] and v != {}}

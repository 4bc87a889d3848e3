"""JAGGAER records as qbsync reads them: an invoice receipt (header and lines as JAGGAER sends them, kept whole) and
the flat view staging reads (its receipt key, modification time and lines with PO number, PO line, quantity, price,
account). Dates come as ISO text, `YYYYMMDD` or `YYYYMMDDHHMMSS`; amounts as numbers or {currency, money}."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_COMPACT = re.compile(r"^\d{8}(\d{6})?$")
NO_PO = "-"  # the PO part of the receipt key of an invoice that names no PO
# Versions count seconds of the modification time from here: an INTEGER (9 digits until 2031, 31 bits until 2068).
VERSION_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class RecordError(ValueError):
    """A JAGGAER record whose field cannot be read; the message names the record and the field."""


def parse_time(value: Any) -> datetime | None:
    """A JAGGAER date or date-time (ISO with or without offset, `YYYYMMDD`, `YYYYMMDDHHMMSS`) as aware UTC; None when
    blank. Compact forms carry no offset: they are taken as UTC (unconfirmed, as is every compact form)."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if _COMPACT.match(text):
        fmt = "%Y%m%d%H%M%S" if len(text) == 14 else "%Y%m%d"
        return datetime.strptime(text, fmt).replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def filter_time(moment: datetime) -> str:
    """A moment as JAGGAER's filters write it: `YYYYMMDDHHMMSS` in UTC."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def iso(moment: datetime | None) -> str | None:
    """UTC ISO text with milliseconds and Z, as JAGGAER's JSON spells date-times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def version(moment: datetime | None) -> int:
    """The integer version of a record modified at `moment` (1 when JAGGAER gave no time)."""
    return int((moment - VERSION_EPOCH).total_seconds()) if moment else 1


def amount(value: Any) -> Decimal | None:
    """A number, numeric text or a money object ({currency, money} or {currency, value}) as a Decimal."""
    if isinstance(value, Mapping):
        value = value.get("money", value.get("value"))
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _segment(line: Mapping[str, Any], name: str | None) -> str | None:
    """The value of the first split's custom field `name` (e.g. the GL "Account" of the chart-of-accounts split)."""
    if not name:
        return None
    groups = (line.get("splittableFieldSetGroupList") or {}).get("splittableFieldSetGroup") or []
    for group in groups:
        for index_set in group.get("splittableFieldIndexSet") or []:
            for index in (index_set.get("splittableFieldIndexList") or {}).get("splittableFieldIndex") or []:
                for field in (index.get("customFieldValueList") or {}).get("customFieldValue") or []:
                    if field.get("internalName") == name and field.get("value") not in (None, ""):
                        return str(field["value"])
    return None


@dataclass(frozen=True)
class Segments:
    """Which split custom fields carry the GL account and the cost centre (instance configuration, unconfirmed)."""

    account: str | None = "Account"
    cost_centre: str | None = "Financial_Unit"


@dataclass(frozen=True)
class ReceiptLine:
    """One invoice line as staging reads it."""

    line_number: int | None
    description: str | None
    po_number: str | None
    po_line_number: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    account_code: str | None
    cost_centre: str | None

    @classmethod
    def read(cls, line: Mapping[str, Any], segments: Segments) -> ReceiptLine:
        number = line.get("lineNumber")
        return cls(
            line_number=int(number) if str(number or "").isdigit() else None,
            description=_text((line.get("item") or line.get("ocrItem") or {}).get("description")),
            po_number=_text(line.get("poNumber")),
            po_line_number=_text(line.get("poLineNumber")),
            quantity=amount(line.get("quantity")),
            unit_price=amount(line.get("unitPrice")),
            account_code=_segment(line, segments.account),
            cost_centre=_segment(line, segments.cost_centre),
        )

    def flat(self) -> dict[str, Any]:
        """The line as the landed record's `lines` element (numbers as text, exactly as read)."""
        return {
            "lineNumber": self.line_number,
            "description": self.description,
            "poNumber": self.po_number,
            "poLineNumber": self.po_line_number,
            "quantity": None if self.quantity is None else str(self.quantity),
            "unitPrice": None if self.unit_price is None else str(self.unit_price),
            "accountCode": self.account_code,
            "costCentre": self.cost_centre,
        }


@dataclass(frozen=True)
class InvoiceReceipt:
    """One `jiinvoice` ({header, lineList}) read: its identity is the supplier, the invoice number and the PO it
    bills; its version the modification time (`lastUpdate`)."""

    invoice_id: str
    invoice_number: str | None
    supplier_key: str | None
    last_update: datetime | None
    lines: tuple[ReceiptLine, ...]

    @classmethod
    def read(cls, raw: Mapping[str, Any], segments: Segments = Segments()) -> InvoiceReceipt:
        header = raw.get("header")
        if not isinstance(header, Mapping):
            raise RecordError(f"jaggaer invoice without a header: {str(raw)[:120]}")
        invoice_id = _text(header.get("invoiceId"))
        if invoice_id is None:
            raise RecordError(f"jaggaer invoice without invoiceId: {str(header)[:120]}")
        try:
            modified = parse_time(header.get("lastUpdate"))
        except ValueError:
            raise RecordError(
                f"jaggaer invoice {invoice_id}: lastUpdate {header.get('lastUpdate')!r} is not a date"
            ) from None
        supplier = header.get("supplier") or {}
        lines = (raw.get("lineList") or {}).get("invoiceLine") or []
        return cls(
            invoice_id=invoice_id,
            invoice_number=_text(header.get("supplierInvoiceNumber")) or _text(header.get("invoiceNumber")),
            supplier_key=_text(supplier.get("supplierNumber")) or _text(supplier.get("id")),
            last_update=modified,
            lines=tuple(ReceiptLine.read(line, segments) for line in lines if isinstance(line, Mapping)),
        )

    @property
    def po_number(self) -> str | None:
        """The PO the receipt bills (its first line's), None for a non-PO invoice."""
        return next((line.po_number for line in self.lines if line.po_number), None)

    @property
    def key(self) -> str:
        """The receipt's identity: supplier / invoice number / PO (an invoice without a number keeps its id)."""
        number = self.invoice_number or f"id{self.invoice_id}"
        return f"{self.supplier_key or '?'}/{number}/{self.po_number or NO_PO}"

    def record(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The record landed: JAGGAER's {header, lineList} untouched, plus the receipt key, the modification time
        as ISO text (the cursor), a version (its Unix seconds) and the flat lines staging reads."""
        return {
            **raw,
            "receiptKey": self.key,
            "lastModified": iso(self.last_update),
            "version": version(self.last_update),
            "lines": [line.flat() for line in self.lines],
        }


def supplier_record(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A supplier as landed: JAGGAER's object untouched plus its key (supplier number, else id), the ISO
    modification time and its main address flat (the first contact of type main, else the first)."""
    key = _text(raw.get("supplierNumber")) or _text(raw.get("id"))
    contacts = [c for c in (raw.get("contactInfoList") or {}).get("contactInfo") or [] if isinstance(c, Mapping)]
    main = next((c for c in contacts if c.get("type") == "main"), contacts[0] if contacts else {})
    address = main.get("address") or {}
    lines = [a.get("addressLine") for a in (address.get("addressLineList") or {}).get("addressLine") or []]
    lines = [line for line in lines if line]
    flat = {
        "street1": lines[0] if lines else None,
        "street2": lines[1] if len(lines) > 1 else None,
        "city": address.get("city"),
        "state": address.get("state"),
        "postalCode": address.get("postalCode"),
        "country": address.get("isoCountryCode") or address.get("country"),
        "email": main.get("email"),
        "phone": main.get("phone"),
    }
    return {**raw, "supplierKey": key, "lastModified": iso(parse_time(raw.get("lastUpdate"))), "address": flat}


def order_record(raw: Mapping[str, Any], segments: Segments = Segments()) -> dict[str, Any]:
    """A purchase order as landed: JAGGAER's {header, lineList} untouched plus its number, the ISO modification
    time, a version and its lines flat."""
    header = raw.get("header") or {}
    modified = parse_time(header.get("lastUpdate"))
    lines = (raw.get("lineList") or {}).get("poLine") or []
    flat = []
    for line in lines:
        read = ReceiptLine.read(line, segments)
        flat.append({**read.flat(), "itemNumber": _text((line.get("item") or {}).get("catalogNumber"))})
    return {
        **raw,
        "poKey": _text(header.get("poNumber")),
        "lastModified": iso(modified),
        "version": version(modified),
        "lines": flat,
    }

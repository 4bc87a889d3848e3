"""What a non-US QuickBooks edition does differently: elements its parser refuses, versions it lists with a prefix.

The simulator's own knowledge (from public captures and Intuit's SDK notes), kept apart from the product's
configurable profiles (qbxml/editions.json) so that it can judge them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lxml import etree

from qbxml.schema import parse_version
from sandbox.quickbooks import statuses

# US payroll/1099 elements a Canadian, UK or Australian QuickBooks does not know: its parser refuses the message.
US_ONLY = frozenset({"IsVendorEligibleFor1099", "VendorTaxIdent"})
UNPREFIXED_FROM = (6, 0)  # older versions are listed and must be requested with the country prefix
# The sales tax codes (with their purchase tax rate, percent) a new Canadian or UK company file lists, which that
# edition requires on every expense line of a bill (a US file takes lines without one). ListIDs are fixed: these
# codes come with the file.
SALES_TAX_CODES: dict[str, dict[str, Decimal]] = {
    "CA": {"G": Decimal("5"), "H": Decimal("13"), "E": Decimal("0"), "Z": Decimal("0"), "S": Decimal("14.975")},
    "UK": {"S": Decimal("20"), "Z": Decimal("0"), "E": Decimal("0"), "R": Decimal("5")},
}
CENT = Decimal("0.01")
NO_TAX = Decimal("0.00")


def refused_elements(country: str, root: etree._Element) -> list[str]:
    """The US-only elements a `country` file refuses in a request message (none for a US file)."""
    if country == "US":
        return []
    return sorted({e.tag for e in root.iter(tag=etree.Element) if e.tag in US_ONLY})


def listed_version(country: str, version: str) -> str:
    """A version as this edition lists it in SupportedQBXMLVersion ("CA2.0" before 6.0 outside the US)."""
    if country == "US" or parse_version(version) >= UNPREFIXED_FROM:
        return version
    return f"{country}{version}"


def version_refused(country: str, declared: str) -> bool:
    """A non-US file refuses an unprefixed (US) version older than 6.0, and a prefix of another country."""
    prefix = declared.strip().rstrip("0123456789.")
    if country == "US":
        return bool(prefix)
    if prefix:
        return prefix != country
    return parse_version(declared) < UNPREFIXED_FROM


def require_tax_codes(country: str, lines: list[dict[str, Any]], owner: str) -> None:
    """Resolve each expense line's SalesTaxCodeRef against the file's codes; a CA or UK file refuses a line with none
    (3210, naming the line) or with a code it does not list (3140)."""
    codes = SALES_TAX_CODES.get(country)
    if codes is None:
        return
    for n, line in enumerate(lines, start=1):
        name = (line.get("SalesTaxCodeRef") or {}).get("FullName")
        if not name:
            raise statuses.invalid_value(
                "SalesTaxCodeRef", "", f"A {country} company file requires a sales tax code on expense line {n}."
            )
        if name not in codes:
            raise statuses.invalid_reference("SalesTaxCode", name, owner)
        list_id = f"{0x10000 * (list(codes).index(name) + 1):X}-1000000000"
        line["SalesTaxCodeRef"] = {"ListID": list_id, "FullName": name}


def line_tax(country: str, line: dict[str, Any], amount: Decimal) -> Decimal:
    """The purchase tax QuickBooks adds to a net expense line: its code's rate of the amount, to the cent."""
    codes = SALES_TAX_CODES.get(country)
    if codes is None:
        return NO_TAX  # a US file adds no purchase tax
    rate = codes.get((line.get("SalesTaxCodeRef") or {}).get("FullName"), Decimal(0))
    return (amount * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)

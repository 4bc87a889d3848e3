"""What a non-US QuickBooks edition does differently: elements its parser refuses, versions it lists with a prefix.

The simulator's own knowledge (from public captures and Intuit's SDK notes), kept apart from the product's
configurable profiles (qbxml/editions.json) so that it can judge them.
"""

from __future__ import annotations

from lxml import etree

from qbxml.schema import parse_version

# US payroll/1099 elements a Canadian, UK or Australian QuickBooks does not know: its parser refuses the message.
US_ONLY = frozenset({"IsVendorEligibleFor1099", "VendorTaxIdent"})
UNPREFIXED_FROM = (6, 0)  # older versions are listed and must be requested with the country prefix


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

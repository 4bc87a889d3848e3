"""What QuickBooks says about itself: HostQuery, CompanyQuery and PreferencesQuery answers."""

from __future__ import annotations

from typing import Any

from qbxml.schema import parse_version
from sandbox.quickbooks import editions
from sandbox.quickbooks.seed import COMPANY_NAME

# qbXML versions real QuickBooks builds list in SupportedQBXMLVersion, oldest first.
_KNOWN_VERSIONS = (
    "1.0",
    "1.1",
    "2.0",
    "2.1",
    "3.0",
    "4.0",
    "4.1",
    "5.0",
    "6.0",
    "7.0",
    "8.0",
    "9.0",
    "10.0",
    "11.0",
    "12.0",
    "13.0",
    "14.0",
    "15.0",
    "16.0",
    "17.0",
)
_PRODUCT = {
    "US": "QuickBooks Enterprise Solutions 24.0",
    "CA": "QuickBooks Enterprise Solutions 24.0 (Canada)",
    "UK": "QuickBooks Pro 2022 (UK)",
    "AU": "QuickBooks Pro 2022 (AU)",
}


def supported_versions(max_version: str, country: str = "US") -> list[str]:
    ceiling = parse_version(max_version)
    return [editions.listed_version(country, v) for v in _KNOWN_VERSIONS if parse_version(v) <= ceiling]


def host_ret(country: str, max_version: str) -> dict[str, Any]:
    major = parse_version(max_version)[0]
    return {
        "ProductName": _PRODUCT.get(country, _PRODUCT["US"]),
        "MajorVersion": str(major + 18),  # QuickBooks 2024 (34.0) speaks qbXML 16.0
        "MinorVersion": "0",
        "Country": country,
        "SupportedQBXMLVersion": supported_versions(max_version, country),
        "IsAutomaticLogin": "false",
        "QBFileMode": "SingleUser",
    }


def company_ret(country: str) -> dict[str, Any]:
    return {
        "IsSampleCompany": "false",
        "CompanyName": COMPANY_NAME,
        "LegalCompanyName": COMPANY_NAME,
        "Address": {"Addr1": "1 Ledger Way", "City": "Springfield", "Country": country},
        "FirstMonthFiscalYear": "January",
        "FirstMonthIncomeTaxYear": "January",
        "TaxForm": "Form1120",
    }


def preferences_ret() -> dict[str, Any]:
    return {
        "AccountingPreferences": {
            "IsUsingAccountNumbers": "true",
            "IsRequiringAccounts": "true",
            "IsUsingClassTracking": "true",
            "IsUsingAuditTrail": "true",
            "IsAssigningJournalEntryNumbers": "true",
        },
        "PurchasesAndVendorsPreferences": {
            "IsUsingInventory": "true",
            "DaysBillsAreDue": "10",
            "IsAutomaticallyUsingDiscounts": "false",
        },
    }

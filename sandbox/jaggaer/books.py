"""How the JAGGAER demo's data reads in the sandbox company file: the demo company's mappings of JAGGAER's GL accounts,
charges and branches, and the bills, vendor credits and lines the generator's truth expects there (shared by the
demo's verdict and the soak's checker)."""

from __future__ import annotations

from decimal import Decimal

from sandbox.demo_system import bill_lines, ref_name

# Generated JAGGAER GL accounts and header charges onto the sandbox company's chart (sandbox.quickbooks.seed).
GL_TO_QB = {"5000": "Cost of Goods Sold", "5100": "Travel", "6100": "Office Supplies",
            "6200": "Repairs and Maintenance", "6300": "Computer and Internet Expenses", "TAX": "Professional Fees",
            "SHIPPING": "Travel"}  # fmt: skip
BRANCH_TO_CLASS = {"BR-EAST": "Operations", "BR-WEST": "Sales", "BR-CTRL": "Admin"}
# PO lines need QuickBooks items: the company's item mapping of the GL accounts POs order on (sandbox seed items).
GL_TO_ITEM = {"5000": "Printer Paper", "6100": "Office Chair", "6200": "Consulting", "6300": "Software Subscription"}
NAME_LENGTH = 41  # QuickBooks vendor names


def key(want: dict) -> tuple[str, str]:
    """An expected bill or credit's (vendor name as QuickBooks keeps it, RefNumber)."""
    return want["vendor_name"][:NAME_LENGTH], want["ref_number"]


def key_of(txn: dict) -> tuple[str, str]:
    """A company-file transaction's (vendor name, RefNumber), in the terms of `key`."""
    return ref_name(txn, "VendorRef") or "", txn.get("RefNumber")


def modified(txn: dict | None) -> bool:
    """The transaction exists and was edited after it was added."""
    return bool(txn) and txn.get("TimeModified") != txn.get("TimeCreated")


def lines(txn: dict) -> list[tuple]:
    """A bill's or vendor credit's lines as (account or item, class, amount), sorted."""
    expense = [
        (ref_name(x, "AccountRef"), ref_name(x, "ClassRef"), Decimal(str(x.get("Amount", "0"))))
        for x in bill_lines(txn)
    ]
    items = [(ref_name(x, "ItemRef"), ref_name(x, "ClassRef"), Decimal(str(x.get("Amount", "0"))))
             for x in bill_lines(txn, "ItemLine")]  # fmt: skip
    return sorted(expense + items, key=str)


def expected_lines(truth_lines: list[tuple], on_po: bool) -> list[tuple]:
    """The truth's (account, branch, amount) lines as the bill must show them: on the PO's item when the receipt
    bills a PO kept in QuickBooks (charges stay expense lines), else on the mapped account."""
    out = []
    for account, branch, amount in truth_lines:
        name = GL_TO_ITEM[account] if on_po and branch and account in GL_TO_ITEM else GL_TO_QB[account]
        out.append((name, BRANCH_TO_CLASS.get(branch) if branch else None, amount))
    return sorted(out, key=str)

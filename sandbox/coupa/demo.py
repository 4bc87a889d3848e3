"""Coupa in `qbsync demo` (the hook of sandbox.demo_system): a generated company served by CoupaSandbox, its GL
accounts, cost centres and tax codes mapped onto the sandbox company file, verified from the generator's truth."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from sandbox.coupa.generator import generate
from sandbox.coupa.server import CoupaSandbox
from sandbox.coupa.soak_check import SoakReport, check
from sandbox.coupa.truth import Truth, expected
from sandbox.demo_system import Books, DemoOptions, DemoSystem, Verdict

# Generated Coupa GL accounts onto the sandbox company's chart (sandbox.quickbooks.seed), cost centres onto classes.
GL_TO_QB = {
    "5000": "Cost of Goods Sold",
    "6100": "Office Supplies",
    "6110": "Computer and Internet Expenses",
    "6200": "Computer and Internet Expenses",
    "6300": "Travel",
    "6400": "Professional Fees",
    "6500": "Professional Fees",
    "6600": "Rent Expense",
    "6700": "Utilities",
    "6800": "Repairs and Maintenance",
    "6900": "Professional Fees",
    "7100": "Computer and Internet Expenses",
    "7200": "Professional Fees",
    "7300": "Office Supplies",
}
# Generated Coupa tax codes onto the sales tax codes of a Canadian or UK sandbox company file (purchase tax).
TAX_TO_QB = {
    "CA": {"HST-ON": "H", "GST": "G", "CA-EXEMPT": "E"},
    "UK": {"VAT-STD": "S", "VAT-RED": "R", "VAT-ZERO": "Z"},
}
CC_TO_CLASS = {"100": "Admin", "200": "Sales", "210": "Sales", "300": "R&D", "400": "Operations", "500": "Admin"}


class CoupaDemo(DemoSystem):
    """`records` purchase orders (one supplier per 8, at least 5) with their invoices and payments."""

    source = "coupa"

    def __init__(self, options: DemoOptions):
        super().__init__(options)
        self.dataset = generate(
            options.seed,
            suppliers=max(5, options.records // 8),
            purchase_orders=options.records,
            bad_share=options.bad_share,
            country=options.country,
        )

    def simulator(self) -> CoupaSandbox:
        return CoupaSandbox(
            self.dataset,
            client_id=self.client_id,
            client_secret=self.client_secret,
            faults=self.faults(),
            rate_limit_per_s=self.rate_limit(),  # Coupa's 25 requests/s (429s) is one of the faults
        )

    def configure(self, conn, company: str) -> None:
        """Coupa accounts onto the sandbox chart, cost centres onto classes and, in a country with purchase tax,
        Coupa tax codes onto the file's sales tax codes."""
        codes = [a["code"] for a in self.dataset.accounts]
        accounts = pd.DataFrame(
            {"company": company, "source_system": self.source, "source_account_code": codes,
             "qb_account_name": [GL_TO_QB.get(c.split("-")[0]) for c in codes]}
        ).dropna()  # fmt: skip
        classes = pd.DataFrame(
            {"company": company, "source_system": self.source, "cost_centre": list(CC_TO_CLASS),
             "qb_class_name": list(CC_TO_CLASS.values())}
        )  # fmt: skip
        taxes = TAX_TO_QB.get(self.options.country, {})
        tax_codes = pd.DataFrame(
            {"company": company, "source_system": self.source, "source_tax_code": list(taxes),
             "qb_sales_tax_code": list(taxes.values())}
        )  # fmt: skip
        conn.load("account_mappings", accounts)
        conn.load("cost_centre_mappings", classes)
        if taxes:
            conn.load("tax_code_mappings", tax_codes)

    def verify(self, books: Books, policy: dict[str, str]) -> Verdict:
        """Purchases booked twice, documents not reconciled and vendors missing (by the AccountNumber we stamp,
        COUPA-<supplier id>), from the generator's truth under `policy`."""
        truth = expected(self.dataset, **policy)
        stamped = {v.get("AccountNumber") for v in books.vendors}
        return Verdict(
            bills=set(truth.bills),
            figures={
                "double_booked": truth.double_booked([b.get("RefNumber") for b in books.bills]),
                "unreconciled": _unreconciled(books, truth),
                "vendors_missing": sum(1 for supplier in truth.vendors if f"COUPA-{supplier}" not in stamped),
            },
        )

    def writes_received(self) -> int | None:
        """The exported flags Coupa has been told (every PUT ...?exported=true it applied)."""
        return sum(self.dataset.export_writes.values())

    def soak_check(self, env) -> SoakReport:
        """The soak's verdict on Coupa's documents: expected, present, duplicated, lost, mismatched, per kind."""
        return check(env, self.dataset)


def _unreconciled(books: Books, truth: Truth) -> int:
    """Expected bills missing or with another amount, and payments of expected invoices missing from the file."""
    seen: dict[str, Decimal] = books.bill_amounts()
    off = sum(1 for ref, bill in truth.bills.items() if seen.get(ref) != bill.amount)
    paid_refs = {p.get("RefNumber") for p in books.payments}
    return off + sum(1 for pay in truth.payments if pay["payment-identifier"][-11:] not in paid_refs)

"""JAGGAER in `qbsync demo` (the hook of sandbox.demo_system): a generated distributor served by JaggaerSandbox, its
GL accounts, charges and branches mapped onto the sandbox company file, verified from the generator's truth: each
receipt one bill of its vendor with its lines, identical re-deliveries adding nothing, corrections modifying the
bill (the second act, `revise`)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pandas as pd

from sandbox.demo_system import Books, DemoOptions, DemoSystem, Verdict, bill_lines
from sandbox.jaggaer.generator import generate
from sandbox.jaggaer.server import JaggaerSandbox

# Generated JAGGAER GL accounts and header charges onto the sandbox company's chart (sandbox.quickbooks.seed).
GL_TO_QB = {"5000": "Cost of Goods Sold", "5100": "Travel", "6100": "Office Supplies",
            "6200": "Repairs and Maintenance", "6300": "Computer and Internet Expenses", "TAX": "Professional Fees",
            "SHIPPING": "Travel"}  # fmt: skip
BRANCH_TO_CLASS = {"BR-EAST": "Operations", "BR-WEST": "Sales", "BR-CTRL": "Admin"}
NAME_LENGTH = 41  # QuickBooks vendor names


class JaggaerDemo(DemoSystem):
    """One purchase order per 5 records (at least 10), from 6 suppliers, invoiced in full, in parts or over."""

    source = "jaggaer"

    def __init__(self, options: DemoOptions):
        super().__init__(options)
        self.dataset = generate(options.seed, suppliers=6, orders=max(10, options.records // 5),
                                bad_share=options.bad_share)  # fmt: skip
        self.corrected: list[str] = []

    def simulator(self) -> JaggaerSandbox:
        return JaggaerSandbox(
            self.dataset, client_id=self.client_id, client_secret=self.client_secret, faults=self.faults(),
            rate_limit_per_s=5.0 if self.options.faults else None,  # 429s with Retry-After among the faults
            burst=3,
        )  # fmt: skip

    def configure(self, conn, company: str) -> None:
        mine = {"company": company, "source_system": self.source}
        accounts = {"source_account_code": list(GL_TO_QB), "qb_account_name": list(GL_TO_QB.values())}
        classes = {"cost_centre": list(BRANCH_TO_CLASS), "qb_class_name": list(BRANCH_TO_CLASS.values())}
        conn.load("account_mappings", pd.DataFrame({**mine, **accounts}))
        conn.load("cost_centre_mappings", pd.DataFrame({**mine, **classes}))

    def revise(self) -> bool:
        """The second act: a few billed receipts corrected in JAGGAER and re-delivered once more identically."""
        self.corrected = self.dataset.revise()
        return bool(self.corrected)

    def verify(self, books: Books, policy: dict[str, str]) -> Verdict:
        """Each good receipt exactly one bill (by vendor and RefNumber) with its latest lines; the corrected ones
        modified in place (one bill, edited after it was added)."""
        truth = self.dataset.expected_bills()
        found = Counter((_name(b, "VendorRef"), b.get("RefNumber")) for b in books.bills)
        by_key = {(_name(b, "VendorRef"), b.get("RefNumber")): b for b in books.bills}
        wrong = not_one = 0
        for want in truth.values():
            key = (want["vendor_name"][:NAME_LENGTH], want["ref_number"])
            bill = by_key.get(key)
            lines = sorted((_name(x, "AccountRef"), _name(x, "ClassRef"), Decimal(str(x.get("Amount", "0"))))
                           for x in bill_lines(bill)) if bill else []  # fmt: skip
            expected = sorted((GL_TO_QB[a], BRANCH_TO_CLASS.get(c) if c else None, amount)
                              for a, c, amount in want["lines"])  # fmt: skip
            wrong += bill is None or lines != expected
            not_one += found[key] != 1
        corrected = [truth[k] for k in self.corrected if k in truth]
        modified = sum(
            1 for want in corrected
            if (bill := by_key.get((want["vendor_name"][:NAME_LENGTH], want["ref_number"])))
            and bill.get("TimeModified") != bill.get("TimeCreated")
        )  # fmt: skip
        return Verdict(
            bills={w["ref_number"] for w in truth.values()},
            figures={
                "receipts": len(truth),
                "unreconciled": wrong,
                "bills_not_one_per_receipt": not_one,
                "redelivered": self.dataset.redelivered,
                "corrected": len(corrected),
                "corrected_not_modified": len(corrected) - modified,
            },
        )


def _name(obj: dict | None, ref: str) -> str | None:
    value = (obj or {}).get(ref)
    return value.get("FullName") if isinstance(value, dict) else None

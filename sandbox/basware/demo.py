"""Basware in `qbsync demo` (the hook of sandbox.demo_system): a generated tenant of coded, approved invoices served
by BaswareSandbox, its GL accounts and projects mapped onto the sandbox company file, verified from the generator's
truth and from the simulator's own state (what Basware was told back)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from sandbox.basware.generator import generate, record_key
from sandbox.basware.server import BaswareSandbox
from sandbox.demo_system import Books, DemoOptions, DemoSystem, Verdict, bill_lines

# Generated Basware GL accounts onto the sandbox company's chart (sandbox.quickbooks.seed), projects onto classes.
GL_TO_QB = {"5000": "Cost of Goods Sold", "5100": "Professional Fees", "6100": "Rent Expense", "6200": "Travel",
            "6300": "Office Supplies", "6400": "Utilities"}  # fmt: skip
CC_TO_CLASS = {"PRJ-101": "Operations", "PRJ-102": "Admin", "PRJ-103": "Sales"}


class BaswareDemo(DemoSystem):
    """One approved invoice per 10 records (at least 8), from 6 vendors, with planted bad ones."""

    source = "basware"

    def __init__(self, options: DemoOptions):
        super().__init__(options)
        self.dataset = generate(options.seed, vendors=6, invoices=max(8, options.records // 10),
                                bad_share=options.bad_share)  # fmt: skip

    def simulator(self) -> BaswareSandbox:
        return BaswareSandbox(
            self.dataset, client_id=self.client_id, client_secret=self.client_secret, faults=self.faults()
        )

    def configure(self, conn, company: str) -> None:
        mine = {"company": company, "source_system": self.source}
        accounts = {"source_account_code": list(GL_TO_QB), "qb_account_name": list(GL_TO_QB.values())}
        classes = {"cost_centre": list(CC_TO_CLASS), "qb_class_name": list(CC_TO_CLASS.values())}
        conn.load("account_mappings", pd.DataFrame({**mine, **accounts}))
        conn.load("cost_centre_mappings", pd.DataFrame({**mine, **classes}))

    def verify(self, books: Books, policy: dict[str, str]) -> Verdict:
        """Each good invoice one bill with its vendor, amount and (account, class, amount) lines; each invoice
        acknowledged once and told exactly one transfer outcome (from the simulator's state)."""
        truth = self.dataset.expected_bills()
        by_ref = {b.get("RefNumber"): b for b in books.bills}
        wrong = 0
        for want in truth.values():
            bill = by_ref.get(want["ref_number"])
            lines = sorted((_name(x, "AccountRef"), _name(x, "ClassRef"), Decimal(str(x.get("Amount", "0"))))
                           for x in bill_lines(bill)) if bill else []  # fmt: skip
            expected = sorted((GL_TO_QB[a], CC_TO_CLASS[c], amount) for a, c, amount in want["lines"])
            wrong += bill is None or _name(bill, "VendorRef") != want["vendor_name"] or lines != expected
        state = self.running.state if self.running is not None else None
        answered = state.transfer_responses() if state else {}
        bad = self.dataset.bad_records
        handed = [i for i in self.dataset.documents if record_key(i) in truth or record_key(i) in bad]
        held = [i for i in handed if record_key(i) in bad and answered.get(i)]
        return Verdict(
            bills={w["ref_number"] for w in truth.values()},
            figures={
                "invoices": len(handed),
                "unreconciled": wrong,
                "transfer_responses_not_one": sum(1 for i in handed if answered.get(i) != 1),
                "held_told_why": sum(
                    1 for i in held if not self.dataset.documents[i]["transferResponses"][-1]["success"]
                ),
                "vendors_in_basware": len(self.running.imports.records["vendors"]) if self.running else 0,
                "accounts_in_basware": len(self.running.imports.records["accounts"]) if self.running else 0,
            },
        )


def _name(obj: dict, ref: str) -> str | None:
    value = obj.get(ref)
    return value.get("FullName") if isinstance(value, dict) else None

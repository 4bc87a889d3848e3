"""Basware in `qbsync demo` (the hook of sandbox.demo_system): a generated tenant of coded, approved invoices served
by BaswareSandbox, its GL accounts and projects mapped onto the sandbox company file, verified from the generator's
truth and from the simulator's own state (what Basware was told back, what it holds); between Web Connector runs
the firm's clerk pays some of the bills in QuickBooks, so payment responses flow too."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from sandbox.basware.generator import generate
from sandbox.basware.payments import pay, plan
from sandbox.basware.server import BaswareSandbox
from sandbox.basware.verdict import BaswareReport, check
from sandbox.demo_system import Books, DemoOptions, DemoSystem, Verdict

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
        self.shares: dict[str, tuple[Decimal, str]] = plan(
            [b["ref_number"] for b in self.dataset.expected_bills().values()]
        )
        self.paid: set[str] = set()  # RefNumbers of the bills the clerk has paid

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

    def in_quickbooks(self, company_path: Path) -> int:
        """The firm's clerk pays some Basware bills in QuickBooks once they are there: a third in full (by check or
        credit card), a third half."""
        return pay(company_path, self.shares, self.paid, country=self.options.country)

    def writes_received(self) -> int | None:
        return sum(self.running.state.writes.values()) if self.running is not None else None

    def verify(self, books: Books, policy: dict[str, str]) -> Verdict:
        """Each good invoice one bill with its vendor and (account, class, amount) lines; each invoice handed over
        exactly one transfer response, each paid bill one payment response; Basware holding the QuickBooks vendors
        and accounts and the mapped cost centres (sandbox.basware.verdict: the generator's truth and the
        simulator's state, not ours)."""
        report = self.report(books)
        return Verdict(bills={w["ref_number"] for w in self.dataset.expected_bills().values()}, figures=report.figures)

    def report(self, books: Books) -> BaswareReport:
        if self.running is None:
            raise RuntimeError("the Basware simulator is not running: its state is the verdict's other witness")
        return check(books, self.dataset, self.running.imports.records, (GL_TO_QB, CC_TO_CLASS))

    def soak_check(self, env) -> BaswareReport:
        """The soak's verdict on Basware's documents, from the same checker as the demo's."""
        return self.report(Books.read(env.company_path))

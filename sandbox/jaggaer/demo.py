"""JAGGAER in `qbsync demo` (the hook of sandbox.demo_system): a generated distributor served by JaggaerSandbox, its
GL accounts, charges and branches mapped onto the sandbox company file, verified from the generator's truth: each
receipt one bill of its vendor with its lines, each credit memo one vendor credit, identical re-deliveries adding
nothing, corrections modifying the bill or credit (the second act, `revise`)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pandas as pd

from sandbox.demo_system import Books, DemoOptions, DemoSystem, Verdict
from sandbox.jaggaer.books import BRANCH_TO_CLASS, GL_TO_ITEM, GL_TO_QB, expected_lines, key, key_of, lines, modified
from sandbox.jaggaer.generator import generate
from sandbox.jaggaer.server import JaggaerSandbox
from sandbox.jaggaer.soak_check import check
from sandbox.soak_verdict import SoakReport


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
        items = {"source_account_code": list(GL_TO_ITEM), "qb_item_name": list(GL_TO_ITEM.values())}
        conn.load("account_mappings", pd.DataFrame({**mine, **accounts}))
        conn.load("cost_centre_mappings", pd.DataFrame({**mine, **classes}))
        conn.load("item_mappings", pd.DataFrame({**mine, **items}))

    def revise(self) -> bool:
        """The second act: a few billed receipts corrected in JAGGAER and re-delivered once more identically."""
        self.corrected = self.dataset.revise()
        return bool(self.corrected)

    def verify(self, books: Books, policy: dict[str, str]) -> Verdict:
        """From the company file against the generator's truth: each PO one QuickBooks PurchaseOrder of its vendor
        and total, fully received exactly when its receipts billed every line in full; each good receipt exactly
        one bill (by vendor and RefNumber) with its latest lines, those of a PO on the PO's items and linked to it;
        the corrected receipts modified in place (one bill, edited after it was added); each credit memo exactly one
        vendor credit of its vendor with its lines on the mapped accounts, the corrected one modified."""
        truth, orders = self.dataset.expected_bills(), self.dataset.expected_orders()
        pos = Counter(po.get("RefNumber") for po in books.purchase_orders)
        by_ref = {po.get("RefNumber"): po for po in books.purchase_orders}
        po_wrong = sum(
            1 for number, want in orders.items()
            if (po := by_ref.get(number)) is None or Decimal(str(po.get("TotalAmount"))) != want["amount"]
            or (po.get("IsFullyReceived") == "true") != want["fully_received"]
        )  # fmt: skip
        found = Counter(key_of(b) for b in books.bills)
        by_key = {key_of(b): b for b in books.bills}
        wrong = not_one = unlinked = 0
        for want in truth.values():
            bill = by_key.get(key(want)) or {}
            on_po = want["po_number"] in orders
            wrong += not bill or lines(bill) != expected_lines(want["lines"], on_po)
            not_one += found[key(want)] != 1
            links = bill.get("LinkedTxn") or []
            linked = {t.get("TxnID") for t in (links if isinstance(links, list) else [links])}
            unlinked += on_po and (by_ref.get(want["po_number"]) or {}).get("TxnID") not in linked
        corrected = [truth[k] for k in self.corrected if k in truth]
        credits = self.dataset.expected_credits()
        held_credits = Counter(key_of(c) for c in books.vendor_credits)
        credit_by_key = {key_of(c): c for c in books.vendor_credits}
        credits_wrong = sum(
            1 for want in credits.values()
            if lines(credit_by_key.get(key(want)) or {}) != expected_lines(want["lines"], False)
        )  # fmt: skip
        credits_corrected = [credits[k] for k in self.corrected if k in credits]
        return Verdict(
            bills={w["ref_number"] for w in truth.values()},
            credits={w["ref_number"] for w in credits.values()},
            figures={
                "purchase_orders": len(orders),
                "fully_received": sum(1 for o in orders.values() if o["fully_received"]),
                "purchase_orders_not_one": sum(1 for n in orders if pos[n] != 1),
                "purchase_orders_wrong": po_wrong,
                "receipts": len(truth),
                "bills_not_one_per_receipt": not_one,
                "bills_not_linked_to_po": unlinked,
                "redelivered": self.dataset.redelivered,
                "corrected": len(corrected),
                "corrected_not_modified": sum(1 for w in corrected if not modified(by_key.get(key(w)))),
                "credit_memos": len(credits),
                "credits_not_one_per_memo": sum(1 for w in credits.values() if held_credits[key(w)] != 1),
                "credits_wrong": credits_wrong,
                "unreconciled": wrong + credits_wrong,
                "credits_corrected_not_modified": sum(
                    1 for w in credits_corrected if not modified(credit_by_key.get(key(w)))
                ),
            },
        )

    def soak_check(self, env) -> SoakReport:
        """The soak's verdict on JAGGAER's documents (QuickBooks POs, bills, vendor credits), from the generator's
        truth and the company file."""
        return check(env, self.dataset)

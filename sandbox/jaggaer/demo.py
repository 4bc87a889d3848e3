"""JAGGAER in `qbsync demo` (the hook of sandbox.demo_system): a generated distributor served by JaggaerSandbox, its
GL accounts, charges and branches mapped onto the sandbox company file, verified from the generator's truth: each
receipt one bill of its vendor with its lines, each credit memo one vendor credit, identical re-deliveries adding
nothing, corrections modifying the bill or credit (the second act, `revise`)."""

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
# PO lines need QuickBooks items: the company's item mapping of the GL accounts POs order on (sandbox seed items).
GL_TO_ITEM = {"5000": "Printer Paper", "6100": "Office Chair", "6200": "Consulting", "6300": "Software Subscription"}
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
        found = Counter((_name(b, "VendorRef"), b.get("RefNumber")) for b in books.bills)
        by_key = {(_name(b, "VendorRef"), b.get("RefNumber")): b for b in books.bills}
        wrong = not_one = unlinked = 0
        for want in truth.values():
            key = (want["vendor_name"][:NAME_LENGTH], want["ref_number"])
            bill = by_key.get(key) or {}
            on_po = want["po_number"] in orders
            wrong += not bill or _lines(bill) != _expected_lines(want["lines"], on_po)
            not_one += found[key] != 1
            links = bill.get("LinkedTxn") or []
            linked = {t.get("TxnID") for t in (links if isinstance(links, list) else [links])}
            unlinked += on_po and (by_ref.get(want["po_number"]) or {}).get("TxnID") not in linked
        corrected = [truth[k] for k in self.corrected if k in truth]
        modified = sum(1 for want in corrected if _modified(by_key.get(_key(want))))
        credits = self.dataset.expected_credits()
        held_credits = Counter(_key(c) for c in (_who(c) for c in books.vendor_credits))
        credit_by_key = {_key(_who(c)): c for c in books.vendor_credits}
        credits_wrong = sum(
            1 for want in credits.values()
            if _lines(credit_by_key.get(_key(want)) or {}) != _expected_lines(want["lines"], False)
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
                "corrected_not_modified": len(corrected) - modified,
                "credit_memos": len(credits),
                "credits_not_one_per_memo": sum(1 for w in credits.values() if held_credits[_key(w)] != 1),
                "credits_wrong": credits_wrong,
                "unreconciled": wrong + credits_wrong,
                "credits_corrected_not_modified": sum(
                    1 for w in credits_corrected if not _modified(credit_by_key.get(_key(w)))
                ),
            },
        )


def _key(want: dict) -> tuple[str, str]:
    """An expected bill or credit's (vendor name as QuickBooks keeps it, RefNumber)."""
    return want["vendor_name"][:NAME_LENGTH], want["ref_number"]


def _who(txn: dict) -> dict:
    """A company-file transaction's vendor and RefNumber in the terms of `_key`."""
    return {"vendor_name": _name(txn, "VendorRef") or "", "ref_number": txn.get("RefNumber")}


def _modified(txn: dict | None) -> bool:
    """The transaction exists and was edited after it was added."""
    return bool(txn) and txn.get("TimeModified") != txn.get("TimeCreated")


def _lines(bill: dict) -> list[tuple]:
    """A bill's lines as (account or item, class, amount), sorted."""
    expense = [
        (_name(x, "AccountRef"), _name(x, "ClassRef"), Decimal(str(x.get("Amount", "0")))) for x in bill_lines(bill)
    ]
    items = [(_name(x, "ItemRef"), _name(x, "ClassRef"), Decimal(str(x.get("Amount", "0"))))
             for x in bill_lines(bill, "ItemLine")]  # fmt: skip
    return sorted(expense + items, key=str)


def _expected_lines(lines: list[tuple], on_po: bool) -> list[tuple]:
    """The truth's (account, branch, amount) lines as the bill must show them: on the PO's item when the receipt
    bills a PO kept in QuickBooks (charges stay expense lines), else on the mapped account."""
    out = []
    for account, branch, amount in lines:
        name = GL_TO_ITEM[account] if on_po and branch and account in GL_TO_ITEM else GL_TO_QB[account]
        out.append((name, BRANCH_TO_CLASS.get(branch) if branch else None, amount))
    return sorted(out, key=str)


def _name(obj: dict | None, ref: str) -> str | None:
    value = (obj or {}).get(ref)
    return value.get("FullName") if isinstance(value, dict) else None

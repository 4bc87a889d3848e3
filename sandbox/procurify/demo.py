"""Procurify in `qbsync demo` (the hook of sandbox.demo_system): a generated manufacturer's domain served by
ProcurifySandbox, its account codes and departments mapped onto the sandbox company file's accounts and classes; the
file starts with a few vendors of its own (look-alikes of Procurify vendors); between rounds accounting pays some bills
in QuickBooks and buyers revise some POs in Procurify. Verified from the generator's truth, the company file and the
simulator's own state (which bills Procurify was told are paid)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from sandbox.demo_system import Books, DemoOptions, DemoSystem, Verdict, misbilled
from sandbox.procurify.generator import generate, po_of
from sandbox.procurify.server import ProcurifySandbox
from sandbox.procurify.verdict import (
    STAMP,
    cancellations_wrong,
    deactivations,
    expected_vendors,
    soak_report,
    to_void,
)
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.desk import key_in
from sandbox.quickbooks.seed import BANK_ACCOUNT

# Generated account codes onto the sandbox company's chart (sandbox.quickbooks.seed), departments onto classes.
GL_TO_QB = {"5000": "Cost of Goods Sold", "6100": "Office Supplies", "6300": "Travel", "6400": "Professional Fees",
            "6600": "Rent Expense", "6700": "Utilities", "6800": "Repairs and Maintenance"}  # fmt: skip
CENTRE_TO_CLASS = {"Vancouver HQ / Administration": "Admin", "Vancouver HQ / Sales": "Sales",
                   "Vancouver HQ / Engineering": "R&D", "Tacoma Plant / Production": "Operations",
                   "Tacoma Plant / Maintenance": "Operations"}  # fmt: skip


class ProcurifyDemo(DemoSystem):
    """`records` purchase orders (one vendor per 8, at least 8), AP bills for about a third of the good ones."""

    source = "procurify"

    def __init__(self, options: DemoOptions):
        super().__init__(options)
        self.dataset = generate(options.seed, vendors=max(8, options.records // 8), purchase_orders=options.records,
                                bad_share=options.bad_share)  # fmt: skip
        self.paid: set[int] = set()  # POs whose bill accounting paid in QuickBooks
        self.revised: set[int] = set()  # POs the buyers revised after QuickBooks had their bill
        self.deactivated: set[int] = set()  # vendors deleted in Procurify once QuickBooks had their bills

    def simulator(self) -> ProcurifySandbox:
        return ProcurifySandbox(
            self.dataset, client_id=self.client_id, client_secret=self.client_secret, faults=self.faults(),
            rate_limit_per_s=self.rate_limit(),
        )  # fmt: skip

    def configure(self, conn, company: str) -> None:
        mine = {"company": company, "source_system": self.source}
        accounts = {"source_account_code": list(GL_TO_QB), "qb_account_name": list(GL_TO_QB.values())}
        classes = {"cost_centre": list(CENTRE_TO_CLASS), "qb_class_name": list(CENTRE_TO_CLASS.values())}
        conn.load("account_mappings", pd.DataFrame({**mine, **accounts}))
        conn.load("cost_centre_mappings", pd.DataFrame({**mine, **classes}))

    def seed_books(self, company: CompanyFile) -> None:
        """The file has vendors of its own before the demo: look-alikes of Procurify's."""
        for vendor in self.dataset.qb_vendors:
            key_in(company, "VendorAdd", vendor)

    def in_quickbooks(self, company_path: Path) -> int:
        """Accounting pays in full, by check, the bills of the POs planned to be paid once they are in."""
        made = 0
        with CompanyFile(company_path, country=self.options.country) as company:
            bills = {b.get("RefNumber"): b for b in company.objects("Bill")}
            for po_id in self.dataset.to_pay:
                ap = self.dataset.bill_of(po_id)
                bill = bills.get(ap and ap["invoice_number"]) or bills.get(
                    self.dataset.purchase_orders[po_id]["number"]
                )
                if bill is not None and po_id not in self.paid:
                    key_in(company, "BillPaymentCheckAdd", _payment(bill, f"PRC-{po_id}"))
                    self.paid.add(po_id)
                    made += 1
        return made

    def in_source(self, company_path: Path) -> bool:
        """Buyers revise the POs planned to be revised once QuickBooks has their bill, and cancel the POs planned to
        be cancelled once QuickBooks has their bill (paid first, for the one accounting pays); the vendor planned to
        be deleted is, once QuickBooks has all its bills; the vendor planned to be linked gets its QuickBooks
        vendor's ListID as external_id once the file has that vendor."""
        books = Books.read(company_path)
        bills = {b.get("RefNumber") for b in books.bills}
        linked = self.dataset.to_link
        list_id = next((v["ListID"] for v in books.vendors if v.get("Name") == self.dataset.matched.get(linked)), None)
        link = linked is not None and list_id is not None and not self.dataset.vendors[linked]["external_id"]
        revise = [p for p in self.dataset.to_revise if p not in self.revised
                  and self.dataset.purchase_orders[p]["number"] in bills]  # fmt: skip
        cancel = [p for p in self.dataset.to_cancel if p not in self.dataset.cancelled
                  and self.dataset.purchase_orders[p]["number"] in bills
                  and (p not in self.dataset.to_pay or p in self.paid)]  # fmt: skip
        gone = self.dataset.to_deactivate
        wanted = [w["ref_number"] for w in self.dataset.expected_bills().values() if w["vendor_id"] == gone]
        delete = gone is not None and gone not in self.deactivated and all(ref in bills for ref in wanted)
        with self.running.lock:
            for po_id in revise:
                self.dataset.revise(po_id)
                self.revised.add(po_id)
            for po_id in cancel:
                self.dataset.cancel(po_id)
            if delete:
                self.dataset.deactivate(gone)
                self.deactivated.add(gone)
            if link:
                self.dataset.link(linked, list_id)
        return bool(revise) or bool(cancel) or delete or link

    def writes_received(self) -> int | None:
        return self.running.stats["mark_as_paid_calls"] if self.running is not None else None

    def verify(self, books: Books, policy: dict[str, str]) -> Verdict:
        """Each good approved PO (bill_on = po) or approved AP bill (invoice) one bill with its vendor as matched
        or created and its (account, class, amount) lines at its current version; vendors created only for
        unmatched vendors; nothing billed twice; every bill paid in QuickBooks marked paid in Procurify once; the
        bill of a PO cancelled after booking voided when unpaid and the policy says void (`on_cancel`), else left
        as booked (held)."""
        truth = self.dataset.expected(policy.get("bill_on", "po"))
        voids = to_void(truth, policy.get("on_cancel", "hold"), self.paid)
        count = Counter(b.get("RefNumber") for b in books.bills)
        others = {b["invoice_number"] for b in self.dataset.bills.values()} | {
            p["number"] for p in self.dataset.purchase_orders.values()
        }
        created = {v.get("AccountNumber") for v in books.vendors if str(v.get("AccountNumber", "")).startswith(STAMP)}
        wanted = {key for key in expected_vendors(self.dataset) if key.startswith(STAMP)}
        stamped = {v["AccountNumber"] for v in self.dataset.qb_vendors if v.get("AccountNumber")}
        inactive, wrongly = deactivations(books, self.dataset)
        marks = self.running.paid_marks if self.running is not None else Counter()
        paid_uuids = {b["uuid"] for b in self.dataset.bills.values() if po_of(b) in self.paid}
        return Verdict(
            bills={w["ref_number"] for w in truth.values()},
            figures={
                "bills_expected": len(truth),
                "unreconciled": misbilled(
                    books, [w for w in truth.values() if w["ref_number"] not in voids], GL_TO_QB, CENTRE_TO_CLASS
                ),
                "double_booked": sum(n - 1 for ref, n in count.items() if ref in others and n > 1)
                + sum(1 for ref in count if ref in others and ref not in {w["ref_number"] for w in truth.values()}),
                "revised_after_booking": len(self.revised),
                "cancelled_after_booking": len(self.dataset.cancelled),
                "cancelled_bills_wrong": cancellations_wrong(books, truth, voids),
                "vendors_matched": len(self.dataset.matched),
                "vendors_created": len(created - stamped),
                "vendors_created_wrongly": len((created - stamped) ^ (wanted - stamped)),
                "vendors_deactivated": inactive,
                "vendors_deactivated_wrongly": wrongly,
                "bills_paid_in_quickbooks": len(self.paid),
                "marked_paid_not_once": sum(1 for u in paid_uuids if marks[u] != 1)
                + sum(n for u, n in marks.items() if u not in paid_uuids),
            },
        )

    def seeded_vendors(self) -> set[str]:
        return {v["Name"] for v in self.dataset.qb_vendors}

    def soak_check(self, env):
        """The soak's verdict on Procurify's vendors, bills and AP bills marked paid (sandbox.procurify.verdict)."""
        marks, dates = (self.running.paid_marks, self.running.payment_dates) if self.running else (Counter(), {})
        return soak_report(env, self.dataset, marks, dates, (GL_TO_QB, CENTRE_TO_CLASS), (self.paid, self.revised))


def _payment(bill: dict[str, Any], ref_number: str) -> dict[str, Any]:
    """A check paying the bill in full from the sandbox bank account."""
    return {
        "PayeeEntityRef": {"ListID": bill["VendorRef"]["ListID"]}, "TxnDate": date.today().isoformat(),
        "BankAccountRef": {"FullName": BANK_ACCOUNT}, "RefNumber": ref_number, "Memo": "Paid by accounting",
        "AppliedToTxnAdd": [{"TxnID": bill["TxnID"], "PaymentAmount": str(bill.get("OpenAmount") or
                                                                           bill["AmountDue"])}],
    }  # fmt: skip

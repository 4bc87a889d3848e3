"""JAGGAER's independent soak checker (JaggaerDemo.soak_check): the generator's truth against the sandbox company file
per QuickBooks document kind (purchase orders, bills, vendor credits), in the shared verdict shape
(sandbox.soak_verdict); the warehouse only names the reasons of what is held or left over."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sandbox.demo_system import Books, ref_name
from sandbox.jaggaer.books import expected_lines, key, key_of, lines
from sandbox.jaggaer.generator import JaggaerDataset
from sandbox.soak_verdict import KindFigures, SoakReport, compare, foreign_vendors, holds


def check(env, dataset: JaggaerDataset) -> SoakReport:
    """Judge the run of a sandbox.demo.DemoEnvironment: each JAGGAER PO one QuickBooks PurchaseOrder with its total
    and received state, each good receipt one bill and each credit memo one vendor credit (by vendor and RefNumber)
    with its lines on the mapped accounts, items and classes; every planted bad record held."""
    books = Books.read(env.company_path)
    foreign = foreign_vendors(env, "jaggaer", books.vendors)  # another source's documents are its checker's to judge

    def mine(txns: list[dict]) -> list[dict]:
        return [t for t in txns if ref_name(t, "VendorRef") not in foreign]

    orders, bills, credits = dataset.expected_orders(), dataset.expected_bills(), dataset.expected_credits()
    pos = mine(books.purchase_orders)
    kinds = {
        "purchase_orders": compare(
            {number: (want["amount"], want["fully_received"]) for number, want in orders.items()},
            Counter(po.get("RefNumber") for po in pos),
            {
                po.get("RefNumber"): (Decimal(str(po.get("TotalAmount"))), po.get("IsFullyReceived") == "true")
                for po in pos
            },
        ),
        "bills": _transactions(
            {key(w): expected_lines(w["lines"], w["po_number"] in orders) for w in bills.values()}, mine(books.bills)
        ),
        "vendor_credits": _transactions(
            {key(w): expected_lines(w["lines"], False) for w in credits.values()}, mine(books.vendor_credits)
        ),
    }
    found = holds(env.warehouse, "jaggaer")
    planted_not_held = sum(1 for record_key in dataset.bad_records if record_key not in found.held_keys)
    return SoakReport(kinds, found.held, found.leftovers, found.unexplained, planted_not_held)


def _transactions(expected: dict, held: list[dict]) -> KindFigures:
    """Figures of bills or vendor credits by (vendor, RefNumber), their lines compared with the truth's."""
    return compare(expected, Counter(key_of(t) for t in held), {key_of(t): lines(t) for t in held})

"""Coupa's independent soak checker (CoupaDemo.soak_check): what the generator made against what the company file
holds, per kind."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sandbox.soak_verdict import KindFigures, SoakReport, compare, foreign_vendors, holds


def check(env, dataset) -> SoakReport:
    """Judge the run of a sandbox.demo.DemoEnvironment from the Coupa generator's truth (`dataset`) and the company
    file; the warehouse only names reasons."""
    from sandbox.coupa.truth import expected
    from sandbox.demo_system import Books, ref_name

    books = Books.read(env.company_path)
    foreign = foreign_vendors(env, "coupa", books.vendors)  # another source's documents are its checker's to judge
    vendors = books.vendors
    bills = [b for b in books.bills if ref_name(b, "VendorRef") not in foreign]
    payments = [p for p in books.payments if ref_name(p, "PayeeEntityRef") not in foreign]
    truth = expected(dataset, **env.policy("coupa"))
    expected_bills = {ref: bill.amount for ref, bill in truth.bills.items()}
    bill_figures = compare(
        expected_bills,
        Counter(b.get("RefNumber") for b in bills),
        books.bill_amounts(),
    )
    kinds = {
        "vendors": _vendors(vendors, truth),
        "bills": bill_figures,
        "bill_payments": _payments(payments, truth),
    }
    found = holds(env.warehouse, "coupa")
    planted = set(truth.bad)
    billed = {(f"coupa:{kind}", b) for kind, b in _billed_ids(dataset, {b.get("RefNumber") for b in bills})}
    planted_not_held = sum(1 for key in planted if key not in found.held_keys and tuple(key.rsplit(":", 1)) in billed)
    problems = {"billed but not flagged exported in Coupa": _exported_missing(dataset, expected_bills)}
    return SoakReport(kinds, found.held, found.leftovers, found.unexplained, planted_not_held, problems)


def _billed_ids(dataset, refs: set) -> list[tuple[str, str]]:
    """(kind, Coupa id) of every PO and invoice whose number is a bill's RefNumber in the company file."""
    out = [("po", str(po["id"])) for po in dataset.purchase_orders if po["po-number"][:20] in refs]
    return out + [("invoice", str(i["id"])) for i in dataset.invoices if i["invoice-number"][:20] in refs]


def _vendors(vendors: list[dict], truth) -> KindFigures:
    """Vendors by the external ID we store (AccountNumber COUPA-<id>): one per supplier of an expected bill."""
    wanted = {f"COUPA-{supplier}" for supplier in truth.vendors}
    ours = Counter(v.get("AccountNumber") for v in vendors if str(v.get("AccountNumber") or "").startswith("COUPA-"))
    return compare(dict.fromkeys(wanted, Decimal(0)), ours, dict.fromkeys(ours, Decimal(0)))


def _payments(payments: list[dict], truth) -> KindFigures:
    """Bill payments by RefNumber (the payment identifier's last 11 characters), as the generator's truth wants."""
    expected = {
        pay["payment-identifier"][-11:]: sum(Decimal(str(d["payment-total"])) for d in pay["payment-details"])
        for pay in truth.payments
    }
    counts = Counter(p.get("RefNumber") for p in payments)
    amounts = {p.get("RefNumber"): Decimal(str(p.get("Amount", "0"))) for p in payments}
    return compare(expected, counts, amounts)


def _exported_missing(dataset, expected_bills: dict[str, Decimal]) -> int:
    """Expected bills whose Coupa document (the cloud simulator's own state) is not flagged exported."""
    missing = 0
    for docs, number in ((dataset.purchase_orders, "po-number"), (dataset.invoices, "invoice-number")):
        for doc in docs:
            missing += doc[number][:20] in expected_bills and not doc.get("exported")
    return missing

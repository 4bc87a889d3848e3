"""Coupa's independent soak checker (CoupaDemo.soak_check): what the generator made against what the company file
holds, per kind."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass
class KindFigures:
    """One document kind: what the source says should be in QuickBooks, and what is."""

    expected: int = 0
    present: int = 0
    duplicates: int = 0
    losses: int = 0
    mismatches: int = 0  # present with another amount, or present with no source document explaining it
    examples: list[str] = field(default_factory=list)  # a few keys of each problem, for the operator

    def note(self, problem: str, key: str) -> None:
        if len(self.examples) < 5:
            self.examples.append(f"{problem} {key}")


@dataclass
class SoakReport:
    kinds: dict[str, KindFigures]
    held: dict[str, int]  # documents held in quarantine, per reason (check name)
    leftovers: dict[str, int]  # outbox rows not finished, per "status: reason"
    unexplained: int  # leftovers no hold explains (anything still waiting, or failed for a document not held)
    planted_not_held: int  # planted bad records neither held nor kept out of QuickBooks
    exported_missing: int  # documents billed in QuickBooks whose Coupa exported flag is still false

    @property
    def clean(self) -> bool:
        bad = sum(k.duplicates + k.losses + k.mismatches for k in self.kinds.values())
        return bad == 0 and self.unexplained == 0 and self.planted_not_held == 0 and self.exported_missing == 0

    def as_json(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "kinds": {name: k.__dict__ for name, k in self.kinds.items()},
            "held": self.held,
            "leftovers": self.leftovers,
            "unexplained": self.unexplained,
            "planted_not_held": self.planted_not_held,
            "exported_missing": self.exported_missing,
        }

    def lines(self) -> list[str]:
        out = [f"{'kind':<14}{'expected':>9}{'present':>9}{'dupes':>7}{'losses':>8}{'mismatch':>10}"]
        for name, k in self.kinds.items():
            out.append(f"{name:<14}{k.expected:>9}{k.present:>9}{k.duplicates:>7}{k.losses:>8}{k.mismatches:>10}")
            out += [f"    {example}" for example in k.examples]
        out.append(f"held ({sum(self.held.values())}): " + ", ".join(f"{r} {n}" for r, n in self.held.items()))
        out.append(f"leftovers ({sum(self.leftovers.values())}, {self.unexplained} unexplained):")
        out += [f"    {n} x {reason}" for reason, n in self.leftovers.items()]
        out.append(f"planted bad records not held: {self.planted_not_held}")
        out.append(f"billed but not flagged exported in Coupa: {self.exported_missing}")
        out.append("CLEAN" if self.clean else "NOT CLEAN")
        return out


def check(env, dataset) -> SoakReport:
    """Judge the run of a sandbox.demo.DemoEnvironment from the Coupa generator's truth (`dataset`) and the company
    file; the warehouse only names reasons."""
    from sandbox.coupa.truth import expected
    from sandbox.demo_system import Books, ref_name
    from warehouse.states import FINISHED, sql_list

    books = Books.read(env.company_path)
    foreign = _foreign_vendors(books.vendors)  # another source's documents are that source's checker's to judge
    vendors = books.vendors
    bills = [b for b in books.bills if ref_name(b, "VendorRef") not in foreign]
    payments = [p for p in books.payments if ref_name(p, "PayeeEntityRef") not in foreign]
    wh = env.warehouse
    truth = expected(dataset, **env.policy("coupa"))
    expected_bills = {ref: bill.amount for ref, bill in truth.bills.items()}
    bill_figures = _compare(
        expected_bills,
        Counter(b.get("RefNumber") for b in bills),
        books.bill_amounts(),
    )
    kinds = {
        "vendors": _vendors(vendors, truth),
        "bills": bill_figures,
        "bill_payments": _payments(payments, truth),
    }
    held = dict(
        wh.fetchall(
            "SELECT check_name, count(DISTINCT record_key) FROM quarantine WHERE released_at IS NULL "
            "GROUP BY check_name ORDER BY check_name"
        )
    )
    held_keys = {k for (k,) in wh.fetchall("SELECT record_key FROM quarantine WHERE released_at IS NULL")}
    rows = wh.records(
        f"SELECT record_key, op, status, last_error FROM qbxml_outbox WHERE status NOT IN {sql_list(*FINISHED)}"
    )
    leftovers: Counter[str] = Counter()
    unexplained = 0
    for row in rows:
        leftovers[f"{row['op']} {row['status']}: {row['last_error'] or 'no reason'}"[:160]] += 1
        if row["status"] != "failed" or row["record_key"] not in held_keys:
            unexplained += 1
    planted = set(truth.bad)
    billed = {(f"coupa:{kind}", b) for kind, b in _billed_ids(dataset, {b.get("RefNumber") for b in bills})}
    planted_not_held = sum(1 for key in planted if key not in held_keys and tuple(key.rsplit(":", 1)) in billed)
    return SoakReport(
        kinds, held, dict(leftovers), unexplained, planted_not_held, _exported_missing(dataset, expected_bills)
    )


def _foreign_vendors(vendors: list[dict]) -> set[str]:
    """Names of the vendors qbsync created for another source (AccountNumber <OTHER SOURCE>-<id>)."""
    from sources import registry

    others = tuple(f"{s.name.upper()}-" for s in registry.all_sources() if s.name != "coupa")
    return {v.get("Name") for v in vendors if str(v.get("AccountNumber") or "").startswith(others)}


def _compare(expected: dict[str, Decimal], counts: Counter, amounts: dict[str, Decimal]) -> KindFigures:
    figures = KindFigures(expected=len(expected), present=sum(counts.values()))
    for key, n in counts.items():
        if n > 1:
            figures.duplicates += n - 1
            figures.note("duplicate", str(key))
        if key not in expected:
            figures.mismatches += 1
            figures.note("unexpected", str(key))
        elif amounts.get(key) != expected[key]:
            figures.mismatches += 1
            figures.note("amount", f"{key} {amounts.get(key)} != {expected[key]}")
    for key in expected:
        if key not in counts:
            figures.losses += 1
            figures.note("lost", str(key))
    return figures


def _billed_ids(dataset, refs: set) -> list[tuple[str, str]]:
    """(kind, Coupa id) of every PO and invoice whose number is a bill's RefNumber in the company file."""
    out = [("po", str(po["id"])) for po in dataset.purchase_orders if po["po-number"][:20] in refs]
    return out + [("invoice", str(i["id"])) for i in dataset.invoices if i["invoice-number"][:20] in refs]


def _vendors(vendors: list[dict], truth) -> KindFigures:
    """Vendors by the external ID we store (AccountNumber COUPA-<id>): one per supplier of an expected bill."""
    wanted = {f"COUPA-{supplier}" for supplier in truth.vendors}
    ours = Counter(v.get("AccountNumber") for v in vendors if str(v.get("AccountNumber") or "").startswith("COUPA-"))
    return _compare(dict.fromkeys(wanted, Decimal(0)), ours, dict.fromkeys(ours, Decimal(0)))


def _payments(payments: list[dict], truth) -> KindFigures:
    """Bill payments by RefNumber (the payment identifier's last 11 characters), as the generator's truth wants."""
    expected = {
        pay["payment-identifier"][-11:]: sum(Decimal(str(d["payment-total"])) for d in pay["payment-details"])
        for pay in truth.payments
    }
    counts = Counter(p.get("RefNumber") for p in payments)
    amounts = {p.get("RefNumber"): Decimal(str(p.get("Amount", "0"))) for p in payments}
    return _compare(expected, counts, amounts)


def _exported_missing(dataset, expected_bills: dict[str, Decimal]) -> int:
    """Expected bills whose Coupa document (the cloud simulator's own state) is not flagged exported."""
    missing = 0
    for docs, number in ((dataset.purchase_orders, "po-number"), (dataset.invoices, "invoice-number")):
        for doc in docs:
            missing += doc[number][:20] in expected_bills and not doc.get("exported")
    return missing

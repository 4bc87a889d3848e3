"""Basware's independent checker (the demo's verify and the soak's soak_check): the generator's truth and the
simulator's own state (what Basware was told back, what it holds) against the sandbox company file."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.basware.generator import BROKEN_FIELD, BaswareDataset, record_key
from sandbox.demo_system import Books, bill_lines, ref_name

KINDS = {"vendors": "vendors", "accounts": "accounts", "cost_centres": "costCenters"}  # figure -> Basware's list
# Figures that must be 0 for a clean run; the others count what was checked.
PROBLEMS = (
    "bills_lost", "bills_duplicated", "bills_wrong", "transfer_responses_not_one", "transfer_responses_wrong",
    "payment_responses_not_one", "payment_responses_wrong", "payment_responses_unpaid", "vendors_missing_in_basware",
    "accounts_missing_in_basware", "cost_centres_missing_in_basware",
)  # fmt: skip


@dataclass
class BaswareReport:
    """Named figures (PROBLEMS must be 0) and a few examples of each problem, for the operator."""

    figures: dict[str, int]
    examples: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not any(self.figures.get(name) for name in PROBLEMS)

    def as_json(self) -> dict[str, Any]:
        return {"clean": self.clean, "figures": self.figures, "examples": self.examples}

    def lines(self) -> list[str]:
        out = [f"{name:<32}{n:>7}" for name, n in self.figures.items()]
        out += [f"    {example}" for example in self.examples]
        return [*out, "CLEAN" if self.clean else "NOT CLEAN"]


class _Tally:
    def __init__(self) -> None:
        self.figures: Counter[str] = Counter()
        self.examples: list[str] = []

    def problem(self, name: str, what: str) -> None:
        self.figures[name] += 1
        if len(self.examples) < 10:
            self.examples.append(f"{name}: {what}")


def check(
    books: Books,
    dataset: BaswareDataset,
    held: dict[str, dict[str, dict[str, Any]]],
    mapped: tuple[dict[str, str], dict[str, str]],
) -> BaswareReport:
    """Judge the company file `books` and the tenant `dataset` (its documents as the simulator left them) from the
    generator's truth: `held` is the master data Basware holds (vendors, accounts, costCenters by externalCode),
    `mapped` the QuickBooks account of each Basware GL account and the class of each cost centre."""
    tally = _Tally()
    truth = dataset.expected_bills()
    bills = _bills(books, truth, mapped, tally)
    _transfers(dataset, truth, bills, tally)
    _payments(books, dataset, truth, bills, tally)
    _master_data(books, held, mapped[1], tally)
    figures = {
        "invoices": len(dataset.waiting),
        "bills_expected": len(truth),
        **{name: tally.figures[name] for name in ("bills_lost", "bills_duplicated", "bills_wrong")},
        "unreconciled": tally.figures["bills_lost"] + tally.figures["bills_wrong"],
        **{name: tally.figures[name] for name in PROBLEMS[3:]},
        **{name: tally.figures[name] for name in ("held_told_why", "paid_in_full", "paid_partially")},
        **{f"{kind}_in_basware": len(held[key]) for kind, key in KINDS.items()},
    }
    return BaswareReport(figures, tally.examples)


def _bills(books: Books, truth: dict, mapped: tuple[dict, dict], tally: _Tally) -> dict[str, dict[str, Any]]:
    """Each expected bill exactly once, with its vendor and its (account, class, amount) lines: key -> the bill."""
    by_ref: dict[str, list[dict[str, Any]]] = {}
    for bill in books.bills:
        by_ref.setdefault(bill.get("RefNumber"), []).append(bill)
    found = {}
    accounts, classes = mapped
    for key, want in truth.items():
        present = by_ref.get(want["ref_number"], [])
        if not present:
            tally.problem("bills_lost", key)
            continue
        if len(present) > 1:
            tally.problem("bills_duplicated", f"{key} x{len(present)}")
        bill = found[key] = present[0]
        got = sorted((ref_name(x, "AccountRef"), ref_name(x, "ClassRef"), _money(x.get("Amount")))
                     for x in bill_lines(bill))  # fmt: skip
        expected = sorted((accounts[a], classes[c], amount) for a, c, amount in want["lines"])
        vendor = ref_name(bill, "VendorRef")
        if vendor != want["vendor_name"] or got != expected:
            tally.problem("bills_wrong", f"{key} {vendor} {got} != {want['vendor_name']} {expected}")
    return found


def _transfers(dataset: BaswareDataset, truth: dict, bills: dict, tally: _Tally) -> None:
    """Every invoice handed over exactly one transfer response: success with the bill's TxnID, or for a planted bad
    record success = false naming the field to fix."""
    for invoice_id in dataset.waiting:
        key = record_key(invoice_id)
        answers = dataset.documents[invoice_id]["transferResponses"]
        if len(answers) != 1:
            tally.problem("transfer_responses_not_one", f"{key} x{len(answers)}")
            continue
        [answer] = answers
        defect = dataset.bad_records.get(key)
        if defect is not None:
            told = not answer["success"] and any(f in answer.get("responseMessage", "") for f in BROKEN_FIELD[defect])
            if not told:
                tally.problem("transfer_responses_wrong", f"{key} ({defect}): {answer.get('responseMessage')}")
            tally.figures["held_told_why"] += told
        elif not (answer["success"] and answer.get("voucherNumber1") == bills.get(key, {}).get("TxnID")):
            tally.problem("transfer_responses_wrong", f"{key}: {answer}")


def _payments(books: Books, dataset: BaswareDataset, truth: dict, bills: dict, tally: _Tally) -> None:
    """Every bill paid in QuickBooks (in full or in part, by check or credit card) exactly one payment response with
    the paid total and the method, a partial payment reported as partial; an unpaid one none."""
    applied: Counter[str] = Counter()
    methods: dict[str, set[str]] = {}
    for method, payments in (("Check", books.payments), ("CreditCard", books.card_payments)):
        for payment in payments:
            for app in _as_list(payment.get("AppliedToTxnRet")):
                applied[app["TxnID"]] += _money(app.get("Amount"))
                methods.setdefault(app["TxnID"], set()).add(method)
    for key in truth:
        bill = bills.get(key)
        paid = applied.get(bill["TxnID"], Decimal(0)) if bill else Decimal(0)
        answers = dataset.documents[key.rsplit(":", 1)[1]]["paymentResponses"]
        if not paid:
            if answers:
                tally.problem("payment_responses_unpaid", f"{key} x{len(answers)}")
            continue
        partial = paid < _money(bill.get("AmountDue"))
        tally.figures["paid_partially" if partial else "paid_in_full"] += 1
        if len(answers) != 1:
            tally.problem("payment_responses_not_one", f"{key} x{len(answers)}")
            continue
        [answer] = answers
        said_partial = str(answer.get("responseMessage") or "").startswith("Partially paid")
        method = answer.get("paymentMethod") in methods[bill["TxnID"]]
        if not answer["success"] or _money(answer.get("paidTotal")) != paid or said_partial != partial or not method:
            tally.problem("payment_responses_wrong", f"{key} paid {paid}: {answer}")


def _master_data(books: Books, held: dict, classes: dict[str, str], tally: _Tally) -> None:
    """Every QuickBooks vendor (but those created from Basware suppliers) and account in Basware by its ListID,
    with its name and active flag; every cost centre mapped onto a class by its code, named by the class."""
    vendors, accounts = held["vendors"], held["accounts"]
    centres = {c.get("costCenterCode"): c for c in held["costCenters"].values()}
    for code, name in classes.items():
        names = [n.get("translation") for n in centres.get(code, {}).get("costCenterNames", [])]
        if names != [name]:
            tally.problem("cost_centres_missing_in_basware", f"{code} {name}: {names}")
    for vendor in books.vendors:
        if str(vendor.get("AccountNumber") or "").startswith("BASWARE-"):
            continue  # came from Basware: Basware holds it under its own vendor code
        held = vendors.get(vendor["ListID"])
        active = (held or {}).get("processingStatus", {}).get("active")
        if held is None or held.get("name") != vendor["Name"] or active != _active(vendor):
            tally.problem("vendors_missing_in_basware", f"{vendor['ListID']} {vendor['Name']}")
    for account in books.accounts:
        held = accounts.get(account["ListID"])
        names = [n.get("translation") for n in (held or {}).get("accountNames", [])]
        units = {u.get("active") for u in (held or {}).get("companies", [])}
        if held is None or names != [account["FullName"]] or units != {_active(account)}:
            tally.problem("accounts_missing_in_basware", f"{account['ListID']} {account['FullName']}")


def _active(obj: dict[str, Any]) -> bool:
    return str(obj.get("IsActive", "true")).lower() == "true"


def _money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else "0")).quantize(Decimal("0.01"))


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value] if value else []

"""Procurify's independent checks, for the demo's verdict and the soak's: the generator's truth and the simulator's own
state (which AP bills Procurify was told are paid, and with which date) against the sandbox company file."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sandbox.demo_system import Books, bill_shape, expected_shape, ref_name
from sandbox.procurify.generator import ProcurifyDataset, po_of
from sandbox.soak_verdict import KindFigures, SoakReport, compare, holds

STAMP = "PROCURIFY-"  # the AccountNumber of a vendor qbsync created from a Procurify vendor: PROCURIFY-<id>
PAYMENTS = ("BillPaymentCheck", "BillPaymentCreditCard")
VOIDED = "voided"  # a bill's state in the soak's comparison when TxnVoid emptied it


def vendor_key(vendor: dict[str, Any]) -> str:
    """A QuickBooks vendor of Procurify's: by its stamp (PROCURIFY-<id>), a look-alike without one by its name."""
    stamp = str(vendor.get("AccountNumber") or "")
    return stamp if stamp.startswith(STAMP) else vendor.get("Name", "")


def our_vendors(books: Books, dataset: ProcurifyDataset) -> list[dict[str, Any]]:
    """Procurify's vendors in the company file: stamped PROCURIFY-<id>, or a look-alike its generator planted."""
    planted = set(dataset.matched.values())
    return [v for v in books.vendors if vendor_key(v).startswith(STAMP) or v.get("Name") in planted]


def expected_vendors(dataset: ProcurifyDataset) -> dict[str, bool]:
    """vendor_key -> whether the vendor is active: every look-alike the file had, and a vendor created for each vendor
    of a good approved PO (whichever document the bills come from, its vendor is needed) that matches none;
    inactive when its Procurify vendor is (deleted in Procurify)."""
    planted = {v["Name"]: vendor_key(v) for v in dataset.qb_vendors}
    out = {planted[name]: dataset.vendors[vid]["active"] for vid, name in dataset.matched.items()}
    for want in dataset.expected_bills().values():
        vid = want["vendor_id"]
        if dataset.qb_name(vid) != dataset.matched.get(vid):
            out[f"{STAMP}{vid}"] = dataset.vendors[vid]["active"]
    return out


def is_active(vendor: dict[str, Any]) -> bool:
    return str(vendor.get("IsActive", "true")).lower() != "false"


def deactivations(books: Books, dataset: ProcurifyDataset) -> tuple[int, int]:
    """(inactive, wrongly) among Procurify's vendors in the file: wrongly inactive or wrongly active. Another
    source's vendors (inactive in the file from the start, say) are that source's verdict's to judge."""
    wanted = expected_vendors(dataset)
    mine = our_vendors(books, dataset)
    inactive = sum(not is_active(v) for v in mine)
    return inactive, sum(is_active(v) != wanted.get(vendor_key(v), True) for v in mine)


def to_void(truth: dict[str, dict[str, Any]], on_cancel: str, paid: set[int]) -> set[str]:
    """RefNumbers of the bills QuickBooks must show voided: those of POs cancelled after booking, unpaid (not in
    `paid`), when the company's policy is on_cancel = void. Every other such bill stays as booked (held)."""
    if on_cancel != "void":
        return set()
    return {w["ref_number"] for w in truth.values() if w["cancelled"] and w["po_id"] not in paid}


def cancellations_wrong(books: Books, truth: dict[str, dict[str, Any]], voids: set[str]) -> int:
    """Bills of POs cancelled after booking in another state than wanted: voided (VOID memo, every amount zero)
    when in `voids`, else not voided."""
    by_ref = {b.get("RefNumber"): b for b in books.bills}
    wrong = 0
    for want in truth.values():
        bill = by_ref.get(want["ref_number"])
        if want["cancelled"]:
            wrong += bill is None or _voided(bill) != (want["ref_number"] in voids)
    return wrong


def _voided(bill: dict[str, Any]) -> bool:
    amounts = [amount for _, _, amount in bill_shape(bill)[1]]
    return str(bill.get("Memo") or "").startswith("VOID:") and not any(amounts)


def paid_in_quickbooks(books: Books, dataset: ProcurifyDataset, bill_on: str) -> dict[str, str]:
    """AP bill uuid -> the date of the latest payment, for each AP bill whose bill in the company file (its own with
    bill_on = invoice, else its PO's) is paid in full: what Procurify must be told once."""
    by_ref = {b.get("RefNumber"): b for b in books.bills}
    out = {}
    for ap in dataset.bills.values():
        ref = ap["invoice_number"] if bill_on == "invoice" else dataset.purchase_orders[po_of(ap)]["number"]
        bill = by_ref.get(ref)
        if bill is not None and str(bill.get("IsPaid")).lower() == "true":
            dates = [t["TxnDate"] for t in _as_list(bill.get("LinkedTxn")) if t.get("TxnType") in PAYMENTS]
            out[ap["uuid"]] = max(dates, default=None)
    return out


def soak_report(
    env,
    dataset: ProcurifyDataset,
    marks: Counter,
    payment_dates: dict[str, str],
    mapped: tuple[dict, dict],
    acted: tuple[set[int], set[int]],
) -> SoakReport:
    """Judge a run of a sandbox.demo.DemoEnvironment: per kind (vendors with their active flag; bills with their
    vendor and (account, class, amount) lines at the PO's latest version, voided when its PO was cancelled after
    booking unpaid under on_cancel = void; the bills of POs revised or cancelled after booking again apart; AP bills
    marked paid, from the simulator's `marks` per uuid and the `payment_dates` it was given) expected, present,
    duplicated, lost and mismatched; the warehouse only names the reasons of what is held or left over. `mapped`:
    the QuickBooks account of each account code, class of each "Location / Department"; `acted`: the POs accounting
    paid in QuickBooks and those the buyers revised (the demo hook's)."""
    books = Books.read(env.company_path)
    bill_on = env.policy("procurify")["bill_on"]
    truth = dataset.expected(bill_on)
    paid, revised = acted
    voids = to_void(truth, env.on_cancel("procurify"), paid)
    mine = our_vendors(books, dataset)
    names = {v.get("Name") for v in mine}
    bills = [b for b in books.bills if ref_name(b, "VendorRef") in names]
    wanted = {
        w["ref_number"]: VOIDED if w["ref_number"] in voids else expected_shape(w, *mapped) for w in truth.values()
    }
    counts = Counter(b.get("RefNumber") for b in bills)
    shapes = {b.get("RefNumber"): VOIDED if _voided(b) else bill_shape(b) for b in bills}
    kinds = {
        "vendors": compare(
            expected_vendors(dataset),
            Counter(vendor_key(v) for v in mine),
            {vendor_key(v): is_active(v) for v in mine},
        ),
        "bills": compare(wanted, counts, shapes),
        "bills_revised": _part(
            wanted, counts, shapes, {w["ref_number"] for w in truth.values() if w["po_id"] in revised}
        ),
        "bills_cancelled": _part(wanted, counts, shapes, {w["ref_number"] for w in truth.values() if w["cancelled"]}),
        "marked_paid": compare(paid_in_quickbooks(books, dataset, bill_on), marks, payment_dates),
    }
    found = holds(env.warehouse, "procurify")
    refs = {b.get("RefNumber") for b in bills}
    numbers = {key: dataset.purchase_orders[int(key.rsplit(":", 1)[1])]["number"] for key in dataset.bad_records}
    planted_not_held = sum(1 for key, n in numbers.items() if key not in found.held_keys and n and n in refs)
    return SoakReport(kinds, found.held, found.leftovers, found.unexplained, planted_not_held)


def _part(wanted: dict, counts: Counter, shapes: dict, refs: set[str]) -> KindFigures:
    """The bills figures of the RefNumbers `refs` alone."""
    return compare({r: wanted[r] for r in refs}, Counter({r: n for r, n in counts.items() if r in refs}), shapes)


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value] if value else []

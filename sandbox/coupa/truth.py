"""What a generated Coupa company must become in QuickBooks, from the generator's own records: which purchase
becomes which bill under each procure-to-pay policy, its vendor and its total, which payments follow, which suppliers
become vendors and which records are planted bad and how (the demo's, the soak's and the tests' oracle)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.coupa.dataset import CoupaDataset, record_key

# Coupa's own meaning: a PO sent to the supplier commits the spend; an invoice counts once approved.
COMMITTED_PO_STATUSES = ("issued", "approved", "closed", "soft_closed")
APPROVED_INVOICE_STATUSES = ("approved",)
REF_LENGTH = 20  # QuickBooks RefNumber


@dataclass(frozen=True)
class ExpectedBill:
    """One bill QuickBooks must hold: RefNumber, the Coupa supplier id, the total, and the purchase it books."""

    ref_number: str
    supplier_id: int
    amount: Decimal
    purchase: str


@dataclass
class Truth:
    """Everything expected of one dataset under one policy."""

    bills: dict[str, ExpectedBill] = field(default_factory=dict)  # RefNumber -> bill
    purchase_orders: dict[str, Decimal] = field(default_factory=dict)  # PO number -> total (bill_on = invoice)
    held: dict[str, str] = field(default_factory=dict)  # record key -> why the policy holds it
    purchase_of: dict[str, str] = field(default_factory=dict)  # any document's RefNumber -> its purchase
    payments: list[dict[str, Any]] = field(default_factory=list)  # Coupa payments QuickBooks must hold
    booked_on: dict[str, str] = field(default_factory=dict)  # a booked document's RefNumber -> its bill's
    bad: dict[str, str] = field(default_factory=dict)  # record key -> the defect the generator planted in it

    @property
    def vendors(self) -> set[int]:
        """Coupa supplier ids that must be QuickBooks vendors: the supplier of every expected bill."""
        return {bill.supplier_id for bill in self.bills.values()}

    def bills_per_purchase(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for bill in self.bills.values():
            counts[bill.purchase] += 1
        return dict(counts)

    def double_booked(self, bill_refs: list[str]) -> int:
        """Purchases with more bills in `bill_refs` (a company file's bill RefNumbers) than the policy makes. A
        RefNumber no Coupa document has is another source's bill (or one nobody explains, which the demo counts as
        unreconciled): two suppliers of another source may rightly share an invoice number."""
        seen: dict[str, int] = defaultdict(int)
        for ref in bill_refs:
            if ref in self.purchase_of:
                seen[self.purchase_of[ref]] += 1
        wanted = self.bills_per_purchase()
        return sum(1 for purchase, n in seen.items() if n > max(wanted.get(purchase, 0), 1))


def _total(lines: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(str(line["total"])) for line in lines), Decimal("0"))


def _by_account(lines: list[dict[str, Any]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        out[(line.get("account") or {}).get("code", "")] += Decimal(str(line["total"]))
    return dict(out)


def _ref(number: str) -> str:
    return number[:REF_LENGTH]


def expected(dataset: CoupaDataset, *, bill_on: str = "po", invoice_difference: str = "adjust") -> Truth:
    """The bills (and, with bill_on = invoice, the PurchaseOrders) the dataset must leave in QuickBooks.

    Documents with a planted defect, or of a supplier with one, are held by data checks and count nowhere.
    bill_on = po: a committed PO is the bill; its approved invoices never add one. When they invoice other
    amounts than ordered (per account), `adjust` makes the bill the invoiced lines, `hold` keeps the ordered ones
    and holds the invoices. Invoices without a committed PO are bills of their own, as under bill_on = invoice;
    one naming a PO that Coupa does not have waits for it.
    """
    bad = set(dataset.bad_records)
    bad_suppliers = {int(k.rsplit(":", 1)[1]) for k in bad if k.startswith("coupa:supplier:")}
    truth = Truth(bad=dict(dataset.bad_records))

    def good(kind: str, doc: dict[str, Any]) -> bool:
        supplier = doc.get("supplier") or {}
        return record_key(kind, doc["id"]) not in bad and bool(supplier) and supplier.get("id") not in bad_suppliers

    pos = {po["po-number"]: po for po in dataset.purchase_orders}
    invoices_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for invoice in dataset.invoices:
        po_number = next((line.get("po-number") for line in invoice["invoice-lines"] if line.get("po-number")), None)
        purchase = po_number if po_number in pos else invoice["invoice-number"]
        truth.purchase_of[_ref(invoice["invoice-number"])] = purchase
        if invoice["status"] not in APPROVED_INVOICE_STATUSES or not good("invoices", invoice):
            continue
        if po_number and po_number not in pos and bill_on == "po":
            truth.held[record_key("invoices", invoice["id"])] = "po_unknown"  # waits for the PO it names
        else:
            invoices_of[purchase].append(invoice)
    for number, po in pos.items():
        truth.purchase_of[_ref(number)] = number
        committed = po["status"] in COMMITTED_PO_STATUSES and good("purchase_orders", po)
        invoices = invoices_of.pop(number, [])
        if not committed or bill_on == "invoice":
            if committed:
                truth.purchase_orders[number] = _total(po["order-lines"])
            for invoice in invoices:
                _bill(truth, invoice, number)
            continue
        lines = po["order-lines"]
        invoiced = [line for invoice in invoices for line in invoice["invoice-lines"]]
        if invoices and _by_account(invoiced) != _by_account(lines):
            if invoice_difference == "adjust":
                lines = invoiced
            else:
                truth.held.update({record_key("invoices", i["id"]): "differs_from_po" for i in invoices})
        truth.bills[_ref(number)] = ExpectedBill(_ref(number), po["supplier"]["id"], _total(lines), number)
        truth.booked_on[_ref(number)] = _ref(number)
        for invoice in invoices:
            if record_key("invoices", invoice["id"]) not in truth.held:
                truth.booked_on[_ref(invoice["invoice-number"])] = _ref(number)
    for purchase, invoices in invoices_of.items():  # invoices without a PO
        for invoice in invoices:
            _bill(truth, invoice, purchase)
    booked = {
        str(i["id"])
        for i in dataset.invoices
        if i["status"] in APPROVED_INVOICE_STATUSES and good("invoices", i)
        and record_key("invoices", i["id"]) not in truth.held
    }  # fmt: skip
    truth.payments = [p for p in dataset.payments if all(str(d["payable-id"]) in booked for d in p["payment-details"])]
    return truth


def _bill(truth: Truth, invoice: dict[str, Any], purchase: str) -> None:
    ref = _ref(invoice["invoice-number"])
    truth.booked_on[ref] = ref
    truth.bills[ref] = ExpectedBill(ref, invoice["supplier"]["id"], _total(invoice["invoice-lines"]), purchase)

"""A seeded JAGGAER instance for a distributor buying for its branch warehouses: suppliers, issued purchase orders
and invoice receipts against them (one invoice for the whole PO, partial invoices whose last one completes it,
invoices for more than ordered, non-PO invoices, two suppliers using the same invoice number), credit memos for goods
returned (invoiceType "Credit memo", amounts below zero as in the real export), receipts re-delivered identically,
later corrections (modified receipts and credit memos), planted bad records, and the expected results from its own
truth. Shapes follow the real invoice export in ../shared/reference/fixtures/jaggaer (header + lineList)."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

BUSINESS_UNIT = "0100"
ACCOUNTS = {"5000": "Inventory purchases", "5100": "Freight in", "6100": "Warehouse supplies",
            "6200": "Equipment repairs", "6300": "IT hardware"}  # fmt: skip
BRANCHES = {"BR-EAST": "East branch warehouse", "BR-WEST": "West branch warehouse", "BR-CTRL": "Central DC"}
PRODUCTS = (("Pallet wrap, 18in", "5000", "12.40"), ("Forklift tyre", "6200", "310.00"),
            ("Barcode scanner", "6300", "245.00"), ("Shelving bay", "6100", "189.00"),
            ("Safety gloves, box", "6100", "24.90"), ("Industrial fasteners, case", "5000", "58.75"),
            ("Dock leveller service", "6200", "640.00"), ("Label printer", "6300", "399.00"))  # fmt: skip
SUPPLIER_NAMES = ("Allied Packaging Supply", "Northstar Material Handling", "Crescent Industrial Parts",
                  "Beacon Safety Products", "Harbor Freight Logistics", "Pinnacle Scanning Systems",
                  "Summit Racking & Storage", "Keystone Fastener Co.")  # fmt: skip
TAX_RATE = Decimal("0.0725")
# What each planted defect breaks: the fields a quarantine reason may name.
BROKEN_FIELD = {
    "missing_invoice_number": ("invoiceNumber",),
    "missing_supplier": ("supplier",),
    "bad_quantity": ("quantity",),
    "no_lines": ("lines",),
    "unknown_account_code": ("account",),
}
START = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
CREDIT_MEMO = "Credit memo"  # invoiceType of a credit memo in the real export
CENT = Decimal("0.01")


def stamp(moment: datetime) -> str:
    """JAGGAER's date-time text: UTC with milliseconds and Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def money(value: Decimal) -> float | int:
    """A number as JAGGAER's JSON writes it (5475, 6670.13)."""
    return int(value) if value == value.to_integral() else float(value)


def split(account: str, branch: str) -> dict[str, Any]:
    """A line's chart-of-accounts split as the real export nests it (splittableFieldSetGroupList)."""
    values = [{"internalName": "FundingType", "value": "COA", "description": "COA"},
              {"internalName": "Entity", "value": BUSINESS_UNIT, "description": "Distribution"},
              {"internalName": "Financial_Unit", "value": branch, "description": BRANCHES[branch]},
              {"internalName": "Account", "value": account, "description": ACCOUNTS.get(account, account)}]  # fmt: skip
    index = {"customFieldValueList": {"customFieldValue": values}}
    group = {
        "splittableFieldIndexSet": [{"context": "Line", "splittableFieldIndexList": {"splittableFieldIndex": [index]}}]
    }
    return {"splittableFieldSetGroup": [group]}


@dataclass
class JaggaerDataset:
    """The instance's records (suppliers, POs, invoice exports in delivery order), planted defects by record key and
    `clock`, which moves lastUpdate forward on every change."""

    suppliers: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    invoices: list[dict[str, Any]]
    bad_records: dict[str, str] = field(default_factory=dict)  # record key -> defect (BROKEN_FIELD)
    redelivered: int = 0  # identical copies of receipts served besides the originals
    modified: int = 0  # receipts corrected after their first delivery
    clock: datetime = START + timedelta(days=20)
    _rng: random.Random = field(default_factory=lambda: random.Random(0), repr=False)

    def tick(self) -> str:
        self.clock += timedelta(seconds=7)
        return stamp(self.clock)

    # -- what changes later --------------------------------------------------------------------

    def touch(self, receipt_key: str) -> None:
        """A correction in JAGGAER: the receipt's first line bills (a credit memo's credits) one unit less, at least
        one; lastUpdate moves."""
        doc = self.latest()[receipt_key]
        lines = doc["lineList"]["invoiceLine"]
        quantity = lines[0]["quantity"] if lines else None
        if isinstance(quantity, int):
            lines[0]["quantity"] = max(1, quantity - 1) if quantity > 0 else min(-1, quantity + 1)
            _total(doc)
        doc["header"]["lastUpdate"] = self.tick()

    def revise(self, corrections: int = 3) -> list[str]:
        """The second act: `corrections` billed receipts and a credit memo corrected in JAGGAER, each then re-delivered
        once more identically (another export id, same content). Returns the receipt keys corrected."""
        keys = sorted(self.expected_bills())[:corrections] + sorted(self.expected_credits())[:1]
        for key in keys:
            self.touch(key)
            self._redeliver(self.latest()[key])
            self.modified += 1
        return keys

    def _redeliver(self, doc: dict[str, Any]) -> None:
        copy = {"header": {**doc["header"]}, "lineList": doc["lineList"]}
        copy["header"]["invoiceId"] = doc["header"]["invoiceId"] + 500000
        copy["header"]["originalRequestMessageId"] = str(uuid.UUID(int=self._rng.getrandbits(128)))
        self.invoices.append(copy)
        self.redelivered += 1

    # -- its own truth -------------------------------------------------------------------------

    def latest(self) -> dict[str, dict[str, Any]]:
        """Receipt key -> the latest version of each receipt (what a reader of every export keeps)."""
        out: dict[str, dict[str, Any]] = {}
        for doc in self.invoices:
            key = receipt_key(doc)
            if key not in out or doc["header"]["lastUpdate"] >= out[key]["header"]["lastUpdate"]:
                out[key] = doc
        return out

    def expected_bills(self) -> dict[str, dict[str, Any]]:
        """Receipt key -> the bill QuickBooks must hold: RefNumber, supplier, total, the PO it bills and its lines
        as (account code, branch, amount), charges as (TAX|SHIPPING, None, amount)."""
        return self._expected("Invoice", 1)

    def expected_credits(self) -> dict[str, dict[str, Any]]:
        """Receipt key -> the vendor credit QuickBooks must hold for each credit memo, as expected_bills describes a
        bill: its amounts those of the credit memo with the sign turned (a credit of 100 where JAGGAER says -100)."""
        return self._expected(CREDIT_MEMO, -1)

    def _expected(self, invoice_type: str, sign: int) -> dict[str, dict[str, Any]]:
        out = {}
        for key, doc in self.latest().items():
            h = doc["header"]
            if f"jaggaer:invoice:{key}" in self.bad_records or h["invoiceType"] != invoice_type:
                continue
            lines = [(segment(line, "Account"), segment(line, "Financial_Unit"),
                      sign * (Decimal(str(line["quantity"])) * Decimal(str(line["unitPrice"]))).quantize(CENT))
                     for line in doc["lineList"]["invoiceLine"]]  # fmt: skip
            if h["taxCharge1"]:
                lines.append(("TAX", None, sign * Decimal(str(h["taxCharge1"]))))
            if h["shippingCharge"]:
                lines.append(("SHIPPING", None, sign * Decimal(str(h["shippingCharge"]))))
            out[key] = {
                "ref_number": h["supplierInvoiceNumber"][:20],
                "supplier": h["supplier"]["supplierNumber"],
                "vendor_name": h["supplier"]["name"],
                "amount": sign * Decimal(str(h["total"]["value"])),
                "po_number": doc["lineList"]["invoiceLine"][0].get("poNumber"),
                "lines": lines,
                "version": h["lastUpdate"],
            }
        return out

    def expected_orders(self) -> dict[str, dict[str, Any]]:
        """PO number -> the QuickBooks PurchaseOrder it must be: supplier, total, ordered quantity per line, and
        whether the bills of its receipts receive every line in full (then QuickBooks shows it fully received)."""
        billed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        latest = self.latest()
        for key in self.expected_bills():
            for line in latest[key]["lineList"]["invoiceLine"]:
                if line.get("poNumber"):
                    billed[(line["poNumber"], str(line["poLineNumber"]))] += Decimal(str(line["quantity"]))
        out = {}
        for po in self.orders:
            h = po["header"]
            lines = {str(line["lineNumber"]): Decimal(str(line["quantity"])) for line in po["lineList"]["poLine"]}
            out[h["poNumber"]] = {
                "supplier": h["supplier"]["supplierNumber"],
                "amount": Decimal(str(h["total"]["value"])),
                "lines": lines,
                "fully_received": all(billed[(h["poNumber"], n)] >= q for n, q in lines.items()),
            }
        return out


def receipt_key(doc: dict[str, Any]) -> str:
    """The receipt's identity as qbsync keys it: supplier number / supplier invoice number / PO number."""
    h = doc["header"]
    lines = (doc.get("lineList") or {}).get("invoiceLine") or []
    po = next((line["poNumber"] for line in lines if line.get("poNumber")), None) or "-"
    number = h.get("supplierInvoiceNumber") or h.get("invoiceNumber") or f"id{h['invoiceId']}"
    return f"{(h.get('supplier') or {}).get('supplierNumber', '?')}/{number}/{po}"


def segment(line: dict[str, Any], name: str) -> str | None:
    """The value of the custom field `name` of a line's split (its GL "Account", its branch "Financial_Unit")."""
    for group in line["splittableFieldSetGroupList"]["splittableFieldSetGroup"]:
        for index_set in group["splittableFieldIndexSet"]:
            for index in index_set["splittableFieldIndexList"]["splittableFieldIndex"]:
                for value in index["customFieldValueList"]["customFieldValue"]:
                    if value["internalName"] == name:
                        return value.get("value")
    return None


def _total(doc: dict[str, Any]) -> None:
    """Header tax and total from the lines, as JAGGAER computes them."""
    h = doc["header"]
    net = sum((Decimal(str(x["quantity"])) * Decimal(str(x["unitPrice"])) for x in doc["lineList"]["invoiceLine"]),
              Decimal(0)).quantize(CENT)  # fmt: skip
    tax = (net * TAX_RATE).quantize(CENT, ROUND_HALF_UP) if h["taxCharge1"] else Decimal(0)
    h["taxCharge1"] = money(tax)
    h["tax1HeaderChargeDetail"] = {"supplierTax": money(tax), "currentTax": money(tax), "engineTax": money(tax)}
    h["total"] = {"currency": "USD", "value": money(net + tax + Decimal(str(h["shippingCharge"])))}


def _supplier(rng: random.Random, i: int) -> dict[str, Any]:
    return {
        "id": 1003800000 + 37 * i,
        "name": SUPPLIER_NAMES[i],
        "supplierNumber": f"{280100 + i}",
        "duns": f"{rng.randint(100000000, 999999999)}",
        "status": "Active",
        "lastUpdate": stamp(START + timedelta(minutes=i)),
        "contactInfoList": {"contactInfo": [{"type": "main", "address": {
            "addressLineList": {"addressLine": [{"lineNumber": 1, "addressLine": f"{200 + 11 * i} Commerce Pkwy"}]},
            "city": "Columbus", "state": "OH", "postalCode": f"432{10 + i}", "country": "United States",
            "isoCountryCode": "US"}}]},
    }  # fmt: skip


def _ref(supplier: dict[str, Any]) -> dict[str, Any]:
    return {"id": supplier["id"], "name": supplier["name"], "supplierNumber": supplier["supplierNumber"]}


def _order(rng: random.Random, n: int, supplier: dict[str, Any], when: datetime) -> dict[str, Any]:
    branch = rng.choice(list(BRANCHES))
    lines = []
    for number in range(1, rng.choice((1, 2, 2, 3)) + 1):
        sku = rng.randrange(len(PRODUCTS))
        desc, account, price = PRODUCTS[sku]
        lines.append({
            "lineNumber": number, "item": {"description": desc, "catalogNumber": f"SKU-{sku + 101}",
            "unitOfMeasure": {"dimension": "EA"}, "productType": "CatalogItem"},
            "quantity": rng.choice((2, 4, 5, 10, 12)), "unitPrice": money(Decimal(price)),
            "businessUnit": BUSINESS_UNIT, "splittableFieldSetGroupList": split(account, branch),
        })  # fmt: skip
    net = sum((Decimal(str(x["quantity"])) * Decimal(str(x["unitPrice"])) for x in lines), Decimal(0))
    return {
        "header": {"poId": 7700000 + n, "poNumber": f"{4500001200 + n:010d}", "status": "Issued",
                   "orderDate": stamp(when.replace(hour=0, minute=0, second=0)), "lastUpdate": stamp(when),
                   "businessUnit": BUSINESS_UNIT, "supplier": _ref(supplier),
                   "total": {"currency": "USD", "value": money(net)}},
        "lineList": {"poLine": lines},
    }  # fmt: skip


def _invoice(rng: random.Random, n: int, supplier: dict, number: str, lines: list[dict], when: datetime) -> dict:
    """An invoice export shaped like the real one, billing `lines` (PO lines with the quantities invoiced, or
    non-PO lines)."""
    po_based = any(line.get("poNumber") for line in lines)
    doc = {
        "header": {
            "originalRequestMessageId": str(uuid.UUID(int=rng.getrandbits(128))),
            "invoiceId": 2600000 + n, "validationStatus": "Unneeded", "lastUpdate": stamp(when),
            "paymentStatus": "Payable", "invoiceName": f"{when:%Y-%m-%d} ap.clerk 01",
            "invoiceNumber": f"I{10000 + n:05d}", "originalInvoiceNumber": f"I{10000 + n:05d}",
            "invoiceType": "Invoice", "invoiceLineType": "PO" if po_based else "Non-PO", "invoiceSource": "Manual",
            "invoiceDate": stamp(when.replace(hour=0, minute=0, second=0, microsecond=0)),
            "invoiceCreateDate": stamp(when.replace(hour=0, minute=0, second=0, microsecond=0)),
            "dueDate": stamp(when.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=30)),
            "termDiscountAmount": 0,
            "invoicedBy": {"username": "ap.clerk", "businessUnit": BUSINESS_UNIT, "email": "ap.clerk@example.com"},
            "businessUnit": BUSINESS_UNIT, "supplier": _ref(supplier), "supplierInvoiceNumber": number,
            "accountingDate": stamp(when.replace(hour=0, minute=0, second=0, microsecond=0)),
            "freightOnBoard": "Destination", "matchStatus": "Matched" if po_based else "Do Not Match",
            "workflowStatus": "Completed", "nonPOInvoice": str(not po_based).lower(),
            "containsNonPOLines": str(not po_based).lower(), "taxCharge1": 1 if rng.random() < 0.6 else 0,
            "taxCharge2": 0, "shippingCharge": rng.choice((0, 0, 0, 45)), "handlingCharge": 0, "discountAmount": 0,
            "allocationMethod": "Weighted", "earlyPaymentDiscount": 0,
        },
        "lineList": {"invoiceLine": lines},
    }  # fmt: skip
    _total(doc)
    return doc


def _invoice_line(number: int, po: dict | None, po_line: dict, quantity: int, rng_line_id: int) -> dict[str, Any]:
    line = {
        "lineId": rng_line_id, "lineNumber": number,
        "item": {"description": po_line["item"]["description"], "unitOfMeasure": {"dimension": "EA"},
                 "productType": po_line["item"].get("productType", "NonCatalogItem")},
        "businessUnit": BUSINESS_UNIT, "quantity": quantity, "unitPrice": po_line["unitPrice"],
        "capitalExpense": "false", "taxable": "true", "matchStatus": "Matched" if po else "Do Not Match",
        "splittableFieldSetGroupList": po_line["splittableFieldSetGroupList"],
    }  # fmt: skip
    if po is not None:
        line.update({"poNumber": po["header"]["poNumber"], "poLineNumber": str(po_line["lineNumber"]),
                     "poAPStatus": "Open"})  # fmt: skip
    return line


def generate(seed: int, *, suppliers: int = 6, orders: int = 20, bad_share: float = 0.1) -> JaggaerDataset:
    """A reproducible instance: `orders` issued POs, each invoiced in full, in two parts, for more than ordered or
    not yet; a few non-PO invoices; identical re-deliveries; about `bad_share` receipts with one planted defect
    (each kind at least once when there is room)."""
    rng = random.Random(seed)
    made = [_supplier(rng, i) for i in range(min(max(suppliers, 2), len(SUPPLIER_NAMES)))]
    dataset = JaggaerDataset(made, [], [], _rng=random.Random(seed + 1))
    when = START
    invoices: list[dict] = []
    counter = iter(range(1, 10**6))
    for n in range(orders):
        supplier = rng.choice(made)
        when += timedelta(minutes=rng.randint(5, 90))
        po = _order(rng, n, supplier, when)
        dataset.orders.append(po)
        plan = rng.choice(("full", "full", "partial", "over", "open"))
        po_lines = po["lineList"]["poLine"]
        if plan == "open":
            continue
        if plan == "partial":
            parts = [
                [(pl, int(pl["quantity"]) // 2) for pl in po_lines],
                [(pl, int(pl["quantity"]) - int(pl["quantity"]) // 2) for pl in po_lines],
            ]
        else:
            extra = 1 if plan == "over" else 0
            parts = [[(pl, int(pl["quantity"]) + extra) for pl in po_lines]]
        for part in parts:
            when += timedelta(minutes=rng.randint(30, 240))
            k = next(counter)
            lines = [_invoice_line(i + 1, po, pl, q, 8870000 + 10 * k + i) for i, (pl, q) in enumerate(part) if q]
            invoices.append(_invoice(rng, k, supplier, f"{supplier['supplierNumber'][-3:]}-{k:05d}", lines, when))
    for _ in range(max(2, orders // 8)):  # non-PO invoices (services, freight)
        supplier = rng.choice(made)
        when += timedelta(minutes=rng.randint(30, 240))
        k = next(counter)
        desc, account, price = rng.choice(PRODUCTS)
        pseudo = {"item": {"description": desc}, "unitPrice": money(Decimal(price)),
                  "splittableFieldSetGroupList": split(account, rng.choice(list(BRANCHES)))}  # fmt: skip
        invoices.append(_invoice(rng, k, supplier, f"NPO-{k:04d}", [_invoice_line(1, None, pseudo, 1, 8800000 + k)],
                                 when))  # fmt: skip
    # two suppliers' invoices with the same number stay two bills
    twins = [i for i in invoices if i["header"]["supplier"]["id"] != invoices[0]["header"]["supplier"]["id"]]
    if twins:
        twins[0]["header"]["supplierInvoiceNumber"] = invoices[0]["header"]["supplierInvoiceNumber"]
    _plant(dataset, rng, invoices, bad_share)
    dataset.invoices = invoices
    dataset.clock = when + timedelta(days=1)
    good = [doc for doc in invoices if f"jaggaer:invoice:{receipt_key(doc)}" not in dataset.bad_records]
    for doc in rng.sample(good, k=min(2, len(good))):  # exported twice by JAGGAER: identical copies
        dataset._redeliver(doc)
    _credit_memos(dataset, random.Random(seed + 2), good, max(2, orders // 8), counter)
    return dataset


def _credit_memos(dataset: JaggaerDataset, rng: random.Random, billed: list[dict], count: int, counter) -> None:
    """`count` credit memos for goods returned: each credits one or two units of the first line of a good PO
    invoice, at its price and with its tax, as JAGGAER states a credit memo (quantities, tax and total below zero)."""
    on_po = [doc for doc in billed if doc["lineList"]["invoiceLine"][0].get("poNumber")]
    for invoice in rng.sample(on_po, k=min(count, len(on_po))):
        h = invoice["header"]
        first = invoice["lineList"]["invoiceLine"][0]
        when = dataset.clock + timedelta(minutes=rng.randint(30, 240))
        dataset.clock = when
        k = next(counter)
        returned = -min(2, int(first["quantity"]))
        line = {**first, "lineId": 8900000 + k, "quantity": returned}
        supplier = next(s for s in dataset.suppliers if s["id"] == h["supplier"]["id"])
        memo = _invoice(rng, k, supplier, f"{h['supplierInvoiceNumber']}-CM", [line], when)
        memo["header"].update({"invoiceType": CREDIT_MEMO, "taxCharge1": h["taxCharge1"], "shippingCharge": 0})
        _total(memo)
        dataset.invoices.append(memo)


def _plant(dataset: JaggaerDataset, rng: random.Random, invoices: list[dict], bad_share: float) -> None:
    if not bad_share:
        return
    defects = list(BROKEN_FIELD)
    count = max(min(len(defects), len(invoices) // 3), round(len(invoices) * bad_share))
    for i, doc in enumerate(rng.sample(invoices, k=min(count, len(invoices)))):
        defect = defects[i % len(defects)]
        h, lines = doc["header"], doc["lineList"]["invoiceLine"]
        if defect == "missing_invoice_number":
            h.pop("invoiceNumber")
            h.pop("supplierInvoiceNumber")
        elif defect == "missing_supplier":
            h["supplier"] = {}
        elif defect == "bad_quantity":
            lines[0]["quantity"] = "two"
        elif defect == "no_lines":
            doc["lineList"] = {"invoiceLine": []}
        elif defect == "unknown_account_code":
            lines[0]["splittableFieldSetGroupList"] = split("9999", segment(lines[0], "Financial_Unit") or "BR-EAST")
        dataset.bad_records[f"jaggaer:invoice:{receipt_key(doc)}"] = defect

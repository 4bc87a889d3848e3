"""A seeded Basware tenant for a construction firm: vendors (as imported from the ERP), approved and coded
invoices waiting for transfer (one to many coding rows, tax codes, some matched to purchase orders), a few in other
processing states, and planted bad records with what each one breaks. Shapes and example values follow the
official P2P OpenAPI (AccountingDocumentEntity, VendorEntity)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

COMPANY = ("BW01", "Basware Builders Inc.")
ACCOUNTS = {
    "5000": "Job Materials", "5100": "Subcontractors", "6100": "Equipment Rental", "6200": "Fuel and Mileage",
    "6300": "Small Tools", "6400": "Site Utilities",
}  # fmt: skip
COST_CENTRES = {"PRJ-101": "Harbor Office Tower", "PRJ-102": "Elm Street School", "PRJ-103": "Route 9 Bridge"}
TAX_CODES = {"T0": Decimal("0"), "T6": Decimal("6"), "T8": Decimal("8.25")}
VENDOR_NAMES = (
    "Granite Ready-Mix Co.", "Summit Steel Erectors", "Bayline Electrical Supply", "Northway Lumber",
    "Keystone Equipment Rentals", "Clearwater Plumbing Wholesale", "Atlas Scaffold & Hoist", "Ridge Roofing Supply",
    "Prairie Fuel Distributors", "Ironclad Fasteners", "Metro Concrete Pumping", "Blue Mesa Aggregates",
)  # fmt: skip
# What each planted defect breaks: the fields a quarantine reason may name.
BROKEN_FIELD = {
    "missing_number": ("invoiceNumber",),
    "missing_supplier": ("supplierCode",),
    "totals_mismatch": ("total",),
    "missing_amount": ("netTotal",),
    "unknown_account_code": ("account",),
}
OTHER_STATES = ("Transferred", "PrebookInProgress", "TransferFailed")  # served only when asked for by status
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
CENT = Decimal("0.01")


def record_key(invoice_id: str) -> str:
    return f"basware:invoice:{invoice_id}"


def stamp(moment: datetime) -> str:
    """Basware's date-time text: UTC with milliseconds and Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class BaswareDataset:
    """The tenant's records: vendors by externalCode, accounting documents by invoiceId; planted defects by record
    key; `clock` moves lastUpdated forward on every change so incremental reads see it."""

    vendors: dict[str, dict[str, Any]]
    documents: dict[str, dict[str, Any]]
    bad_records: dict[str, str] = field(default_factory=dict)  # record key -> defect (BROKEN_FIELD)
    waiting: set[str] = field(default_factory=set)  # invoiceIds generated waiting for transfer (approved)
    clock: datetime = START + timedelta(days=30)

    def tick(self) -> str:
        self.clock += timedelta(seconds=1)
        return stamp(self.clock)

    def touch(self, invoice_id: str, **changes: Any) -> None:
        """An edit in Basware: fields changed and lastUpdated moved."""
        self.documents[invoice_id].update(changes, lastUpdated=self.tick())

    def expected_bills(self) -> dict[str, dict[str, Any]]:
        """Its own truth: record key -> the bill QuickBooks must hold for each good invoice generated waiting
        (RefNumber, vendor code and name, net total, lines as (account, cost centre, amount))."""
        names = {v["vendorCode"]: v["name"] for v in self.vendors.values()}
        out = {}
        for doc in self.documents.values():
            key = record_key(doc["invoiceId"])
            if doc["invoiceId"] not in self.waiting or key in self.bad_records:
                continue
            lines = [(r["accountCode"], r["costCenterCode"], Decimal(str(r["netTotal"]))) for r in doc["codingRows"]]
            out[key] = {
                "ref_number": doc["invoiceNumber"],
                "vendor_code": doc["supplierCode"],
                "vendor_name": names[doc["supplierCode"]],
                "amount": sum((amount for _, _, amount in lines), Decimal("0")),
                "lines": lines,
            }
        return out


def generate(seed: int, *, vendors: int = 6, invoices: int = 20, bad_share: float = 0.2) -> BaswareDataset:
    """A reproducible tenant: `invoices` waiting for transfer (about `bad_share` of them with one planted defect,
    each defect kind at least once when there is room), plus one invoice in each of the other states."""
    rng = random.Random(seed)
    made = [_vendor(rng, i) for i in range(min(vendors, len(VENDOR_NAMES)))]
    dataset = BaswareDataset({v["externalCode"]: v for v in made}, {})
    defects = list(BROKEN_FIELD)
    bad = min(len(defects), invoices) if bad_share else 0
    bad = max(bad, round(invoices * bad_share))
    for n in range(invoices + len(OTHER_STATES)):
        status = "WaitingForTransfer" if n < invoices else OTHER_STATES[n - invoices]
        doc = _invoice(rng, n, rng.choice(made), status)
        if n < bad and status == "WaitingForTransfer":
            defect = defects[n % len(defects)]
            _plant(doc, defect)
            dataset.bad_records[record_key(doc["invoiceId"])] = defect
        dataset.documents[doc["invoiceId"]] = doc
        if status == "WaitingForTransfer":
            dataset.waiting.add(doc["invoiceId"])
    return dataset


def _hex(rng: random.Random, n: int = 32) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _vendor(rng: random.Random, i: int) -> dict[str, Any]:
    name = VENDOR_NAMES[i]
    return {
        "externalCode": f"80000{i + 1:03d}-{1700000000 + i}",  # a QuickBooks ListID: vendors come from the ERP
        "vendorCode": f"V{1001 + i}",
        "name": name,
        "sourceSystem": "QuickBooks",
        "description": "",
        "lastUpdated": stamp(START + timedelta(minutes=i)),
        "addresses": [{"externalCode": _hex(rng), "name": "Remit to", "addressType": "PostalAddress",
                       "addressLine1": f"{100 + 7 * i} Industrial Way", "cityName": "Columbus", "postalZone": "43215",
                       "countrySubEntity": "OH", "countryId": "US"}],
        "companies": [{"companyCode": COMPANY[0]}],
    }  # fmt: skip


def _invoice(rng: random.Random, n: int, vendor: dict[str, Any], status: str) -> dict[str, Any]:
    day = START + timedelta(days=n % 25, hours=rng.randint(0, 8))
    rows = []
    po_based = rng.random() < 0.35
    order = f"PO{4500 + n}" if po_based else ""
    for index in range(1, rng.choice((1, 1, 2, 3, 4)) + 1):
        account = rng.choice(list(ACCOUNTS))
        centre = rng.choice(list(COST_CENTRES))
        tax = rng.choice(list(TAX_CODES))
        net = (Decimal(rng.randint(5000, 250000)) / 100).quantize(CENT)
        tax_sum = (net * TAX_CODES[tax] / 100).quantize(CENT, ROUND_HALF_UP)
        rows.append({
            "externalCode": _hex(rng), "rowIndex": index, "accountCode": account, "accountName": ACCOUNTS[account],
            "costCenterCode": centre, "costCenterName": COST_CENTRES[centre], "matchingType": 1 if po_based else 0,
            "netTotal": float(net), "grossTotal": float(net + tax_sum), "taxCode": tax,
            "taxPercent": float(TAX_CODES[tax]), "taxSum": float(tax_sum), "taxPercent2": 0, "taxSum2": 0,
            "orderNumber": order, "orderLineNumber": str(index) if po_based else "",
            "orderLineDescription": f"{ACCOUNTS[account]} for {COST_CENTRES[centre]}" if po_based else "",
            "fiscalYear": str(day.year),
        })  # fmt: skip
    net_sum = sum(Decimal(str(r["netTotal"])) for r in rows)
    tax_sum = sum(Decimal(str(r["taxSum"])) for r in rows)
    return {
        "invoiceId": _hex(rng),
        "bumid": f"{_hex(rng, 8)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 12)}",
        "p2pProcessingMode": "Standard",
        "invoiceNumber": f"{vendor['vendorCode']}-{20260 + n}",
        "processingStatus": status,
        "companyCode": COMPANY[0],
        "companyName": COMPANY[1],
        "supplierCode": vendor["vendorCode"],
        "supplierName": vendor["name"],
        "currencyCode": "USD",
        "netSum": float(net_sum),
        "grossSum": float(net_sum + tax_sum),
        "taxSum1": float(tax_sum),
        "taxSum2": 0,
        "invoiceDate": stamp(day.replace(hour=0)),
        "dueDate": stamp(day.replace(hour=0) + timedelta(days=30)),
        "invoiceTypeCode": "RE" if po_based else "KR",
        "invoiceTypeName": "Purchase order based invoice" if po_based else "Non-PO invoice",
        "paymentBlock": False,
        "paymentTermCode": "NT30",
        "orderNumbers": [order] if po_based else [],
        "lastUpdated": stamp(day + timedelta(days=2)),
        "codingRows": rows,
        "invoiceLines": [],
        "transferResponses": [],
        "paymentResponses": [],
    }


def _plant(doc: dict[str, Any], defect: str) -> None:
    rows = doc["codingRows"]
    if defect == "missing_number":
        doc["invoiceNumber"] = None
    elif defect == "missing_supplier":
        doc["supplierCode"] = ""
    elif defect == "totals_mismatch":
        doc["netSum"] = round(doc["netSum"] + 100.0, 2)
    elif defect == "missing_amount":
        rows[0]["netTotal"] = None
    elif defect == "unknown_account_code":
        rows[0]["accountCode"] = "9999"

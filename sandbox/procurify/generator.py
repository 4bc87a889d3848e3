"""A seeded Procurify domain for a manufacturer: locations and departments, account codes, vendors (some only differing
by case, punctuation or address from vendors the QuickBooks file already has, some inactive), approved purchase
orders with their order items (some revised to a new version, some cancelled or closed unreceived), AP bills against
POs, and planted bad records with what each one breaks; its truth says which bills QuickBooks must end up holding.
Shapes follow Procurify's OpenAPI document (PurchaseOrderDetail, PurchaseOrderLineItemRead, BillRead, VendorRead)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

LOCATIONS = {1: "Vancouver HQ", 2: "Tacoma Plant"}
DEPARTMENTS = {  # id -> (location id, name)
    11: (1, "Administration"), 12: (1, "Sales"), 13: (1, "Engineering"),
    21: (2, "Production"), 22: (2, "Maintenance"),
}  # fmt: skip
ACCOUNT_CODES = {  # code -> (description, account type: 2 expense)
    "5000": "Raw Materials", "6100": "Office Supplies", "6300": "Travel", "6400": "Contract Services",
    "6600": "Facility Rent", "6700": "Utilities", "6800": "Equipment Repairs",
}  # fmt: skip
# vendor names are built from these parts, unique at any count (a number is added past the combinations)
PREFIXES = (
    "Apex",
    "Birch",
    "Cobalt",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Iron",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Northwind",
    "Orchid",
    "Pioneer",
    "Quarry",
    "Redwood",
    "Summit",
    "Tidewater",
)
CORES = (
    "Precision",
    "Coastal",
    "United",
    "Allied",
    "Pacific",
    "Cascade",
    "Liberty",
    "Frontier",
    "Evergreen",
    "Sterling",
    "Vector",
    "Atlas",
    "Beacon",
    "Crescent",
    "Dominion",
    "Eastgate",
    "Fairway",
    "Gateway",
)
KINDS = ("Metals", "Fasteners", "Tooling", "Plastics", "Packaging", "Electric", "Controls", "Logistics", "Hydraulics",
         "Abrasives")  # fmt: skip
STREETS = ("Industrial Way", "Harbor Rd", "Mill St", "Foundry Ave", "Commerce Blvd", "Dock St")
# What each planted defect breaks: the fields a quarantine reason names.
BROKEN_FIELD = {
    "missing_vendor": ("pref_vendor",),
    "missing_number": ("number",),
    "totals_mismatch": ("total",),
    "missing_amount": ("total",),
    "unknown_account_code": ("account",),
}
# How a vendor the QuickBooks file already has differs from the Procurify one (matched anyway): by case, by
# punctuation, by name but not address, by everything but the ListID Procurify holds as its external_id, or not at
# all, with our AccountNumber stamp (a vendor qbsync created from Procurify before).
LOOKALIKES = ("case", "punctuation", "address", "linked", "stamped")
STATE = {"purchased": 0, "cancelled": 1, "closed": 3, "paid": 4, "reopened": 5}
APPROVED_BILL = 2
CENT = Decimal("0.01")


def po_key(po_id: int | str) -> str:
    return f"procurify:po:{po_id}"


def bill_key(bill_id: int | str) -> str:
    return f"procurify:invoice:{bill_id}"


def billed(po: dict[str, Any]) -> bool:
    """Whether a PO is a bill: not cancelled, and not closed with nothing received."""
    closed_unreceived = po["state"] == STATE["closed"] and po["fulfilment_status"] == "empty"
    return po["state"] != STATE["cancelled"] and not closed_unreceived


def po_of(bill: dict[str, Any]) -> int:
    """The id of the PO an AP bill is against."""
    return bill["added_purchase_orders"][0]["id"]


def stamp(moment: datetime) -> str:
    """Procurify's date-time text: UTC with microseconds and Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def vendor_name(i: int) -> str:
    """The i-th vendor name: distinct for every i, also once case, punctuation and legal suffixes are ignored."""
    combos = len(PREFIXES) * len(CORES) * len(KINDS)
    base = (f"{PREFIXES[i % len(PREFIXES)]} {CORES[(i // len(PREFIXES)) % len(CORES)]} "
            f"{KINDS[(i // (len(PREFIXES) * len(CORES))) % len(KINDS)]}")  # fmt: skip
    return base if i < combos else f"{base} {i // combos + 1}"


@dataclass
class ProcurifyDataset:
    """The domain's records by id, the QuickBooks vendors the file already has (`qb_vendors`, to key in first),
    planted defects by record key, and the plan the demo plays: POs revised and bills paid after QuickBooks has
    them. `clock` moves last-modified stamps forward on every change."""

    vendors: dict[int, dict[str, Any]]
    account_codes: dict[int, dict[str, Any]]
    departments: dict[int, dict[str, Any]]
    locations: dict[int, dict[str, Any]]
    purchase_orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    bills: dict[int, dict[str, Any]] = field(default_factory=dict)
    qb_vendors: list[dict[str, Any]] = field(default_factory=list)  # VendorAdd fields of the file's own vendors
    matched: dict[int, str] = field(default_factory=dict)  # Procurify vendor id -> the QuickBooks name it matches
    bad_records: dict[str, str] = field(default_factory=dict)  # record key -> defect (BROKEN_FIELD)
    to_revise: list[int] = field(default_factory=list)  # POs the demo revises once their bill is in QuickBooks
    to_pay: list[int] = field(default_factory=list)  # POs whose bill the demo pays in QuickBooks (each has an AP bill)
    to_deactivate: int | None = None  # a matched vendor deleted in Procurify once QuickBooks has its bills
    to_link: int | None = None  # a vendor whose external_id becomes its QuickBooks vendor's ListID once the file has it
    to_cancel: list[int] = field(default_factory=list)  # POs cancelled once their bill is in QuickBooks: unpaid, paid
    cancelled: set[int] = field(default_factory=set)  # POs cancelled after QuickBooks had their bill
    clock: datetime = field(default_factory=lambda: datetime.now(UTC))

    def tick(self) -> str:
        """The stamp of a change now: later than every earlier one."""
        self.clock = max(self.clock + timedelta(seconds=1), datetime.now(UTC))
        return stamp(self.clock)

    def link(self, vendor_id: int, list_id: str) -> None:
        """Someone records the vendor's QuickBooks ListID as its external_id in Procurify."""
        self.vendors[vendor_id].update(external_id=list_id, dateModified=self.tick())

    def deactivate(self, vendor_id: int) -> None:
        """The vendor deleted in Procurify: it moves to the inactive list."""
        self.vendors[vendor_id].update(active=False, dateModified=self.tick())

    def cancel(self, po_id: int) -> None:
        """A buyer cancels the PO in Procurify after QuickBooks booked its bill."""
        self.purchase_orders[po_id].update(state=STATE["cancelled"], last_modified=self.tick())
        self.cancelled.add(po_id)

    def touch(self, po_id: int, **changes: Any) -> None:
        """An edit of a purchase order in Procurify: fields changed and last_modified moved."""
        self.purchase_orders[po_id].update(changes, last_modified=self.tick())

    def revise(self, po_id: int) -> None:
        """A new version of the PO: one more of its first item (a change order), version and last_modified moved."""
        po = self.purchase_orders[po_id]
        item = po["order_items"][0]
        item["quantity"] += 1
        item["total_cost"] = str((Decimal(str(item["quantity"])) * Decimal(item["price"])).quantize(CENT))
        version = po["version"] + 1
        for line in po["order_items"]:
            line["po_version"] = version
        po.update(version=version, most_recent_version=version, last_modified=self.tick())
        _totals(po)

    def qb_name(self, vendor_id: int) -> str:
        """The QuickBooks vendor a vendor's bills go to: the file's look-alike it matches (the linked one only once
        Procurify holds its ListID), else a vendor created under its own name."""
        matched = self.matched.get(vendor_id)
        if matched is None or (vendor_id == self.to_link and not self.vendors[vendor_id]["external_id"]):
            return self.vendors[vendor_id]["name"]
        return matched

    def expected(self, bill_on: str = "po") -> dict[str, dict[str, Any]]:
        """The bills QuickBooks must hold (as expected_bills has them, by record key): the good POs' (bill_on = po),
        else the approved AP bills' (their invoice number the RefNumber, their PO's vendor and lines)."""
        pos = self.expected_bills()
        if bill_on == "po":
            return pos
        out = {}
        for bill in self.bills.values():
            po = pos.get(po_key(po_of(bill)))
            if po is not None:
                out[bill_key(bill["id"])] = {**po, "ref_number": bill["invoice_number"], "cancelled": False}
        return out

    def bill_of(self, po_id: int) -> dict[str, Any] | None:
        """The AP bill against a PO, if any."""
        return next((b for b in self.bills.values() if po_of(b) == po_id), None)

    def expected_bills(self) -> dict[str, dict[str, Any]]:
        """Its own truth: record key -> the bill QuickBooks must hold for each good approved PO (RefNumber, vendor
        name as QuickBooks has it, version, lines as (account code, "Location / Department", amount)); a PO cancelled
        after its bill was booked keeps that bill, `cancelled` (voided or held, by the company's policy)."""
        out = {}
        for po in self.purchase_orders.values():
            key = po_key(po["procurify_PO"])
            cancelled = po["procurify_PO"] in self.cancelled
            if not (billed(po) or cancelled) or key in self.bad_records:
                continue
            vendor = po["pref_vendor"]
            lines = [
                (i["account"]["account_code"]["code"], _centre(i["account"]["department"]), Decimal(i["total_cost"]))
                for i in po["order_items"]
            ]
            out[key] = {
                "ref_number": po["number"],
                "vendor_name": self.qb_name(vendor["id"]),
                "vendor_id": vendor["id"],
                "version": po["version"],
                "lines": lines,
                "po_id": po["procurify_PO"],
                "cancelled": cancelled,
            }
        return out


def generate(seed: int, *, vendors: int = 8, purchase_orders: int = 20, bad_share: float = 0.1) -> ProcurifyDataset:
    """A reproducible domain: `purchase_orders` POs over `vendors` vendors (plus two inactive ones), about
    `bad_share` of the POs with one planted defect (each kind once when there is room), a few cancelled or closed
    unreceived, a few already at version 2; an approved AP bill for about a third of the good POs."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    start = now.replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=40)
    locations = {i: {"id": i, "name": n, "active": True, "headquarter": i == 1} for i, n in LOCATIONS.items()}
    departments = {
        i: {"id": i, "name": n, "branch": {"id": loc, "name": LOCATIONS[loc], "headquarter": loc == 1},
            "external_id": None, "active": True}
        for i, (loc, n) in DEPARTMENTS.items()
    }  # fmt: skip
    codes = {
        n + 1: {"id": n + 1, "code": c, "description": d, "account_type": 2, "active": True, "parent": None,
                "code_length": len(c), "applied_accounts_count": len(DEPARTMENTS)}
        for n, (c, d) in enumerate(ACCOUNT_CODES.items())
    }  # fmt: skip
    count = max(vendors, 1)
    made = {100 + i: _vendor(rng, 100 + i, vendor_name(i), start + timedelta(minutes=i)) for i in range(count + 2)}
    for vid in list(made)[count:]:
        made[vid]["active"] = False  # deleted in Procurify: on the inactive list
    dataset = ProcurifyDataset(made, codes, departments, locations, clock=now)
    _lookalikes(dataset, list(made)[:count])
    active = list(made)[:count]
    bad_kinds = list(BROKEN_FIELD)
    bad = max(min(len(bad_kinds), purchase_orders // 4), round(purchase_orders * bad_share)) if bad_share else 0
    for n in range(purchase_orders):
        po = _purchase_order(rng, dataset, 5001 + n, made[rng.choice(active)], start + timedelta(days=n % 30))
        dataset.purchase_orders[po["procurify_PO"]] = po
        key = po_key(po["procurify_PO"])
        if n < bad:
            defect = bad_kinds[n % len(bad_kinds)]
            _plant(po, defect)
            dataset.bad_records[key] = defect
        elif n % 11 == 7:
            po["state"] = STATE["cancelled"]
        elif n % 13 == 9:
            po.update(state=STATE["closed"], fulfilment_status="empty")  # closed with nothing received
        elif n % 5 == 3:
            dataset.revise(po["procurify_PO"])  # revised before the first pull: one bill at version 2
    expected = dataset.expected_bills()
    good = [p for p in dataset.purchase_orders.values() if po_key(p["procurify_PO"]) in expected]
    for n, po in enumerate(good):
        if po["pref_vendor"]["id"] == dataset.to_deactivate:
            continue  # no later change order or payment for a vendor about to be deleted
        if n % 3 == 0:
            bill = _bill(rng, dataset, 9001 + n, po)
            dataset.bills[bill["id"]] = bill
            if n % 2 == 0:
                dataset.to_pay.append(po["procurify_PO"])
        elif n % 5 == 1:
            dataset.to_revise.append(po["procurify_PO"])
    _plan_cancels(dataset, good)
    return dataset


def _plan_cancels(dataset: ProcurifyDataset, good: list[dict[str, Any]]) -> None:
    """Two POs the buyers cancel once QuickBooks has their bill: one nothing else happens to (its bill unpaid), and
    the last one accounting pays (its bill paid first)."""
    planned = {*dataset.to_pay, *dataset.to_revise, *(po_of(b) for b in dataset.bills.values())}
    unpaid = [p["procurify_PO"] for p in good if p["procurify_PO"] not in planned
              and p["pref_vendor"]["id"] != dataset.to_deactivate]  # fmt: skip
    dataset.to_cancel = [*unpaid[-1:], *dataset.to_pay[-1:]]


def _centre(department: dict[str, Any]) -> str:
    return f"{department['branch']['name']} / {department['name']}"


def _vendor(rng: random.Random, vid: int, name: str, modified: datetime) -> dict[str, Any]:
    suffix = rng.choice(("", "", " Inc.", " LLC", " Ltd."))
    return {
        "id": vid, "name": name + suffix, "active": True, "type": 3,
        "addressLineOne": f"{100 + vid * 7 % 900} {rng.choice(STREETS)}", "addressLineTwo": None,
        "postalCode": f"98{vid % 1000:03d}", "city": "Tacoma", "state_province": "WA", "country": "US",
        "phoneOne": f"253-555-{vid % 10000:04d}", "phoneTwo": None, "fax": None,
        "email": [f"ap@{name.split()[0].lower()}{vid}.example"], "comments": None, "contact": None, "url": None,
        "external_id": None, "dateModified": stamp(modified), "currency": 1, "tax": None, "is_1099_eligible": False,
        "payment_methods": [], "creditcards": [], "default_payment_method": None,
    }  # fmt: skip


def _lookalikes(dataset: ProcurifyDataset, active: list[int]) -> None:
    """The QuickBooks file's own vendors: one per kind of LOOKALIKES for the first active Procurify vendors."""
    for kind, vid in zip(LOOKALIKES, active, strict=False):
        vendor = dataset.vendors[vid]
        name = vendor["name"]
        address = {"Addr1": vendor["addressLineOne"], "City": vendor["city"], "State": vendor["state_province"],
                   "PostalCode": vendor["postalCode"]}  # fmt: skip
        box = {**address, "Addr1": f"PO Box {17 + LOOKALIKES.index(kind)}"}
        qb = {
            "case": {"Name": name.upper(), "VendorAddress": box},
            "punctuation": {"Name": name.replace(" ", "-", 1) + ",", "VendorAddress": box},
            "address": {"Name": f"{name.split()[0]} Remittance Dept", "VendorAddress": address},
            "linked": {"Name": f"{name.split()[0]} Holdings (AP)", "VendorAddress": {**box, "PostalCode": "99999"}},
            "stamped": {"Name": name, "AccountNumber": f"PROCURIFY-{vid}", "VendorAddress": address},
        }[kind]
        dataset.qb_vendors.append(qb)
        dataset.matched[vid] = qb["Name"]
        if kind == "linked":
            dataset.to_link = vid
        elif kind == "stamped":
            dataset.to_deactivate = vid


def _purchase_order(
    rng: random.Random, dataset: ProcurifyDataset, number: int, vendor: dict[str, Any], day: datetime
) -> dict[str, Any]:
    po_uuid = uuid.UUID(int=rng.getrandbits(128)).hex
    items = []
    for line in range(1, rng.choice((1, 1, 2, 3, 4)) + 1):
        code = rng.choice(list(dataset.account_codes.values()))
        department = rng.choice(list(dataset.departments.values()))
        quantity = rng.randint(1, 20)
        price = (Decimal(rng.randint(500, 90000)) / 100).quantize(CENT)
        items.append({
            "id": number * 10 + line, "PO_line_num": line, "num": str(line), "name": f"{code['description']} item "
            f"{number}-{line}", "sku": f"SKU-{rng.randint(1000, 9999)}", "unit": "ea", "quantity": quantity,
            "approved_quantity": quantity, "price": str(price), "approved_price": str(price),
            "total_cost": str((price * quantity).quantize(CENT)), "approved_total_cost": str(price * quantity),
            "accountCode": code["code"],
            "account": {"id": code["id"] * 100 + department["id"], "account_code": dict(code),
                        "department": dict(department), "active": True},
            "po_version": 1, "purchase_order": number, "purchase_order_number": str(number),
            "purchase_order_uuid": po_uuid, "currency": {"id": 1, "name": "USD", "rate": "1.000000", "base": True},
            "status": 2, "is_active": True, "last_modified": stamp(day),
        })  # fmt: skip
    po = {
        "procurify_PO": number, "number": str(number), "uuid": po_uuid, "PO_Num": None, "date": stamp(day),
        "pref_vendor": {k: vendor[k] for k in ("id", "name", "active", "addressLineOne", "postalCode", "city",
                                               "state_province", "country", "external_id", "type")},
        "vendor_name": vendor["name"], "purchased_currency": {"id": 1, "name": "USD", "rate": "1.000000", "base": True},
        "purchased_currency_rate": "1.000000", "payment_terms": "Net 30", "shipping_terms": "FOB",
        "promise_date": stamp(day + timedelta(days=14)), "freight": "0.00", "other": "0.00", "comment": None,
        "active": True, "state": STATE["purchased"], "fulfilment_status": rng.choice(("empty", "partial", "full")),
        "closed_date": None, "last_modified": stamp(day + timedelta(hours=rng.randint(1, 8))),
        "staged_for_export": False, "version": 1, "most_recent_version": 1, "order_items": items,
        "has_blanket_order_items": False, "custom_fields": [],
    }  # fmt: skip
    _totals(po)
    return po


def _totals(po: dict[str, Any]) -> None:
    total = sum((Decimal(i["total_cost"] or "0") for i in po["order_items"]), Decimal(0))
    po.update(subtotal=str(total), total=str(total), item_count=len(po["order_items"]))


def _bill(rng: random.Random, dataset: ProcurifyDataset, bill_id: int, po: dict[str, Any]) -> dict[str, Any]:
    """An approved AP bill invoicing exactly what the PO ordered, item by item."""
    day = datetime.fromisoformat(po["date"].replace("Z", "+00:00")) + timedelta(days=3)
    vendor = po["pref_vendor"]
    items = [
        {"id": bill_id * 10 + n, "bill": bill_id, "description": i["name"], "sku": i["sku"], "unit": "ea",
         "quantity": f"{i['quantity']:.8f}", "total_cost": float(i["total_cost"]), "unit_cost": float(i["price"]),
         "po": {"number": po["number"], "id": po["procurify_PO"], "uuid": po["uuid"]},
         "orderitem": {k: i[k] for k in ("id", "PO_line_num", "name", "account", "accountCode", "price", "quantity",
                                         "total_cost", "po_version")},
         "vendor": dict(vendor), "type": "order", "tax_amount": 0.0, "archived": False, "cost_allocations": []}
        for n, i in enumerate(po["order_items"], start=1)
    ]  # fmt: skip
    total = float(sum(Decimal(i["total_cost"]) for i in po["order_items"]))
    return {
        "id": bill_id, "uuid": uuid.UUID(int=rng.getrandbits(128)).hex, "vendor": dict(vendor),
        "vendor_name": vendor["name"], "items": items, "costs": [], "status": APPROVED_BILL, "type": 0, "version": 1,
        "active": True, "invoice_number": f"INV-{vendor['id']}-{bill_id}", "invoice_date": stamp(day),
        "due_date": stamp(day + timedelta(days=30)), "payment_terms": "Net 30", "subtotal_cost": total,
        "total_cost": total, "total_cost_with_tax": total, "tax_amount": 0.0, "locked": False,
        "currency": {"id": 1, "name": "USD", "rate": "1.000000"}, "bill_payment": None,
        "last_modified_datetime": stamp(day), "submitted_date": stamp(day), "gl_post_date": None,
        "added_purchase_orders": [{"id": po["procurify_PO"], "number": po["number"], "currency": "USD",
                                   "total_amount": po["total"]}],
        "last_export_date": None, "note": "",
    }  # fmt: skip


def _plant(po: dict[str, Any], defect: str) -> None:
    item = po["order_items"][0]
    if defect == "missing_vendor":
        po["pref_vendor"] = None
    elif defect == "missing_number":
        po["number"] = ""
    elif defect == "totals_mismatch":
        item["total_cost"] = str(Decimal(item["total_cost"]) + 100)
    elif defect == "missing_amount":
        item["total_cost"] = None
    elif defect == "unknown_account_code":
        item["account"] = {**item["account"], "account_code": {**item["account"]["account_code"], "code": "9999"}}

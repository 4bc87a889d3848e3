"""Seeded generator of realistic Coupa companies in R39 shapes, with an exact manifest of planted bad records."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sandbox.coupa.dataset import CoupaDataset, coupa_timestamp, money, record_key

# GL natural accounts: code -> (name, typical items with a price range in dollars).
GL_ACCOUNTS: dict[str, tuple[str, list[tuple[str, int, int]]]] = {
    "5000": ("Cost of Goods Sold", [("Raw material batch", 200, 4000), ("Packaging cartons (case)", 30, 180)]),
    "6100": (
        "Office Supplies",
        [("Copy paper, 10 reams", 35, 60), ("Toner cartridge", 60, 220), ("Desk organiser", 12, 45)],
    ),
    "6110": (
        "Computer Equipment",
        [("Laptop 14in", 900, 2400), ("27in monitor", 180, 650), ("Docking station", 120, 320)],
    ),
    "6200": ("Software Subscriptions", [("SaaS seat, annual", 120, 1800), ("Design suite licence", 300, 900)]),
    "6300": ("Travel", [("Airfare", 180, 1400), ("Hotel nights", 120, 900)]),
    "6400": ("Professional Services", [("Consulting hours", 150, 250), ("Audit fee instalment", 2000, 12000)]),
    "6500": ("Marketing & Advertising", [("Trade show booth", 1500, 9000), ("Printed brochures (1000)", 250, 900)]),
    "6600": ("Rent & Facilities", [("Office rent, monthly", 3000, 18000), ("Cleaning service", 300, 1600)]),
    "6700": ("Utilities", [("Electricity, monthly", 400, 3000), ("Water, quarterly", 90, 600)]),
    "6800": ("Repairs & Maintenance", [("HVAC service visit", 250, 1600), ("Forklift repair", 400, 3500)]),
    "6900": ("Training & Education", [("Course enrolment", 300, 2500), ("Conference pass", 400, 1900)]),
    "7100": ("Telephone & Internet", [("Fibre line, monthly", 150, 900), ("Mobile plan", 35, 90)]),
    "7200": ("Insurance", [("General liability premium", 1200, 9000)]),
    "7300": ("Shipping & Freight", [("Courier shipments", 20, 400), ("Pallet freight", 180, 1500)]),
}
COST_CENTRES = {
    "100": "Administration",
    "200": "Sales",
    "210": "Marketing",
    "300": "Engineering",
    "400": "Operations",
    "500": "Finance",
    "600": "Human Resources",
}
UNKNOWN_GL = "9999"
PO_STATUSES = [
    ("issued", 60),
    ("approved", 10),
    ("closed", 10),
    ("soft_closed", 5),
    ("cancelled", 5),
    ("buyer_hold", 5),
    ("draft", 5),
]
INVOICE_STATUSES = [("approved", 70), ("pending_approval", 15), ("draft", 5), ("disputed", 5), ("voided", 5)]
UOMS = [("EA", "Each"), ("BX", "Box"), ("HR", "Hour"), ("MO", "Month")]
NAME_HEADS = [
    "Acme",
    "Summit",
    "Blue Ridge",
    "Northwind",
    "Pioneer",
    "Harbor",
    "Redwood",
    "Keystone",
    "Lakeside",
    "Granite",
    "Silverline",
    "Evergreen",
    "Cobalt",
    "Prairie",
    "Beacon",
    "Meridian",
    "Atlas",
    "Cascade",
    "Juniper",
    "Orchard",
    "Sterling",
    "Union",
    "Westfield",
    "Brightway",
]
NAME_TAILS = [
    "Office Supply",
    "Industrial",
    "Logistics",
    "Consulting",
    "Software",
    "Facilities",
    "Print & Media",
    "Technologies",
    "Freight",
    "Electric",
    "Maintenance",
    "Staffing",
    "Packaging",
    "Analytics",
]
NAME_FORMS = ["Inc.", "LLC", "Corp.", "Co.", "Ltd.", "Group"]
# Names QuickBooks cannot store: no faithful Latin-1 form (accented Latin letters such as Łódź transliterate and are
# good data, so they are not planted as defects).
NON_LATIN1_NAMES = [
    "北京办公用品有限公司",
    "ООО Снабжение Плюс",
    "서울 사무용품 주식회사",
    "Ωmega Hellas Προμήθειες",
    "東京オフィス株式会社",
    "Αθήνα Εφοδιαστική Α.Ε.",
    "Київ Постач ТОВ",
]
CITIES = [
    ("San Francisco", "CA", "941"),
    ("Austin", "TX", "787"),
    ("Chicago", "IL", "606"),
    ("Denver", "CO", "802"),
    ("Seattle", "WA", "981"),
    ("Boston", "MA", "021"),
    ("Atlanta", "GA", "303"),
    ("Phoenix", "AZ", "850"),
    ("Portland", "OR", "972"),
    ("Columbus", "OH", "432"),
    ("Nashville", "TN", "372"),
    ("Raleigh", "NC", "276"),
]
STREETS = ["Market St", "Main St", "Oak Ave", "Industrial Pkwy", "Commerce Dr", "Harbor Blvd", "2nd Ave", "Elm St"]
USERS = [
    ("jsmith", "Jane", "Smith"),
    ("mgarcia", "Miguel", "Garcia"),
    ("akim", "Alex", "Kim"),
    ("pnair", "Priya", "Nair"),
    ("tbrown", "Tom", "Brown"),
    ("lchen", "Li", "Chen"),
]
PAYMENT_TERMS = [(1, "Net 30", 30), (2, "Net 45", 45), (3, "Net 15", 15), (4, "2/10 Net 30", 30)]
USA = {"id": 223, "code": "US", "name": "United States"}
MAX_INVOICES_PER_PAYMENT = 3
PO_BAD_KINDS = ("unknown_account_code", "missing_supplier", "negative_quantity", "totals_mismatch")


def generate(
    seed: int,
    *,
    suppliers: int,
    purchase_orders: int,
    bad_share: float = 0.0,
    invoice_share: float = 0.6,
    payment_share: float = 0.5,
    multi_invoice_share: float = 0.3,
    invoice_difference_share: float = 0.2,
    non_po_invoice_share: float = 0.1,
    currency: str = "USD",
    as_of: datetime = datetime(2024, 6, 30, 17, 0, tzinfo=UTC),
    days: int = 180,
    utc_offset_hours: int = -7,
) -> CoupaDataset:
    """A company: suppliers with addresses, a chart of accounts (GL x cost centre), POs of 1-20 lines, invoices
    against a share of the good POs, Coupa Pay payments against a share of approved invoices (with
    `multi_invoice_share`, a paid invoice joins its supplier's previous payment: one payment, several invoices).

    `bad_share` of the POs (cycling unknown account code, missing supplier, negative quantity, line total that
    is not quantity x price), of the suppliers (non-Latin-1 name; such suppliers get no POs) and of the invoices
    (header total that is not the sum of the lines) carry exactly one defect each, listed in `bad_records`.
    As in real Coupa most invoices against a PO repeat its lines; `invoice_difference_share` of them differ (a line
    partly delivered or re-priced), and `non_po_invoice_share` (of the PO invoices' count) are invoices with no PO
    at all. `sandbox.coupa.truth` says what each purchase must become in QuickBooks.
    The same seed and arguments always give the same dataset.
    """
    return _Builder(seed, currency, as_of, days, utc_offset_hours).build(
        suppliers,
        purchase_orders,
        bad_share,
        invoice_share,
        payment_share,
        multi_invoice_share,
        (invoice_difference_share, non_po_invoice_share),
    )


class _Builder:
    def __init__(self, seed: int, currency: str, as_of: datetime, days: int, utc_offset_hours: int):
        self.seed = seed
        self.rng = random.Random(seed)
        self.offset = utc_offset_hours
        self.start = as_of - timedelta(days=days)
        self.span = days * 86400
        self.currency = {"id": 1, "code": currency, "decimals": 2}
        self.bad: dict[str, str] = {}
        self.users = [
            {
                "id": i + 1,
                "login": login,
                "email": f"{login}@example.com",
                "firstname": first,
                "lastname": last,
                "fullname": f"{first} {last}",
            }
            for i, (login, first, last) in enumerate(USERS)
        ]
        self.terms = [
            {"id": tid, "code": code, "days-for-net-payment": days_net, "type": "DaysAfterNetPaymentTerm"}
            for tid, code, days_net in PAYMENT_TERMS
        ]
        self.uoms = [{"id": i + 1, "code": code, "name": name} for i, (code, name) in enumerate(UOMS)]
        self.account_type = {"id": 1, "name": "US Chart of Accounts", "currency": self.currency}

    def stamp(self, seconds: float) -> str:
        return coupa_timestamp(self.start + timedelta(seconds=seconds), self.offset)

    def moment(self) -> float:
        return self.rng.random() * self.span

    def build(
        self,
        n_suppliers: int,
        n_pos: int,
        bad_share: float,
        invoice_share: float,
        payment_share: float,
        multi_invoice_share: float,
        invoice_variety: tuple[float, float],
    ):
        accounts = self.accounts()
        suppliers = self.suppliers(n_suppliers, bad_share)
        eligible = [s for s in suppliers if record_key("suppliers", s["id"]) not in self.bad] or suppliers
        pos = self.purchase_orders(n_pos, eligible, accounts, bad_share)
        invoices = self.invoices(pos, invoice_share, bad_share)
        invoices += _InvoiceVariety(self, *invoice_variety).apply(invoices, eligible, accounts)
        payments = self.payments(invoices, payment_share, multi_invoice_share)
        records = {
            "suppliers": {r["id"]: r for r in suppliers},
            "accounts": {r["id"]: r for r in accounts},
            "purchase_orders": {r["id"]: r for r in pos},
            "invoices": {r["id"]: r for r in invoices},
            "payments": {r["id"]: r for r in payments},
        }
        return CoupaDataset(records=records, bad_records=self.bad, seed=self.seed, utc_offset_hours=self.offset)

    def accounts(self) -> list[dict[str, Any]]:
        out = []
        created = self.stamp(0)
        for gl, (gl_name, _) in GL_ACCOUNTS.items():
            for cc, cc_name in COST_CENTRES.items():
                out.append(self.account(len(out) + 1, gl, gl_name, cc, cc_name, created))
        return out

    def account(self, account_id: int, gl: str, gl_name: str, cc: str, cc_name: str, stamp: str) -> dict[str, Any]:
        return {
            "id": account_id,
            "created-at": stamp,
            "updated-at": stamp,
            "name": f"{gl_name} - {cc_name}",
            "code": f"{gl}-{cc}",
            "active": True,
            "account-type-id": self.account_type["id"],
            "segment-1": gl,
            "segment-2": cc,
            "account-type": {"id": self.account_type["id"], "name": self.account_type["name"]},
        }

    def suppliers(self, count: int, bad_share: float) -> list[dict[str, Any]]:
        rng = self.rng
        n_bad = _bad_count(count, bad_share)
        bad_at = set(rng.sample(range(count), n_bad)) if n_bad else set()
        seen: set[str] = set()
        out = []
        for i in range(count):
            supplier_id = i + 1
            if i in bad_at:
                name = NON_LATIN1_NAMES[len([b for b in bad_at if b < i]) % len(NON_LATIN1_NAMES)]
                name = name if name not in seen else f"{name} {supplier_id}"
                self.bad[record_key("suppliers", supplier_id)] = "non_latin1_name"
            else:
                name = f"{rng.choice(NAME_HEADS)} {rng.choice(NAME_TAILS)} {rng.choice(NAME_FORMS)}"
                if name in seen:
                    name = f"{name} ({supplier_id})"
            seen.add(name)
            city, state, zip3 = rng.choice(CITIES)
            created = self.moment() * 0.2
            term = rng.choice(self.terms)
            slug = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:20] or f"supplier{supplier_id}"
            out.append(
                {
                    "id": supplier_id,
                    "created-at": self.stamp(created),
                    "updated-at": self.stamp(created + rng.random() * 86400 * 30),
                    "name": name,
                    "display-name": name,
                    "number": f"SUP-{supplier_id:06d}",
                    "status": "active",
                    "on-hold": False,
                    "tax-id": f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}",
                    "account-number": f"ACCT{rng.randint(10000, 99999)}",
                    "payment-method": "invoice",
                    "po-method": "email",
                    "po-email": f"orders@{slug}.example.com",
                    "website": f"https://www.{slug}.example.com",
                    "invoice-matching-level": "3-way",
                    "payment-term": {"id": term["id"], "code": term["code"]},
                    "primary-address": {
                        "id": 1000 + supplier_id,
                        "name": "Headquarters",
                        "street1": f"{rng.randint(10, 9999)} {rng.choice(STREETS)}",
                        "street2": f"Suite {rng.randint(100, 900)}" if rng.random() < 0.3 else None,
                        "city": city,
                        "state": state,
                        "postal-code": f"{zip3}{rng.randint(10, 99)}",
                        "country": USA,
                        "active": True,
                    },
                    "primary-contact": {
                        "id": 5000 + supplier_id,
                        "email": f"ap@{slug}.example.com",
                        "name-given": "Accounts",
                        "name-family": "Receivable",
                        "phone-work": {
                            "country-code": "1",
                            "area-code": f"{rng.randint(201, 989)}",
                            "number": f"555{rng.randint(1000, 9999)}",
                        },
                    },
                }
            )
        return out

    def purchase_orders(self, count, suppliers, accounts, bad_share) -> list[dict[str, Any]]:
        rng = self.rng
        n_bad = _bad_count(count, bad_share)
        bad_kind = (
            {i: PO_BAD_KINDS[k % len(PO_BAD_KINDS)] for k, i in enumerate(sorted(rng.sample(range(count), n_bad)))}
            if n_bad
            else {}
        )
        statuses, weights = zip(*PO_STATUSES, strict=True)
        status_draws = rng.choices(statuses, weights, k=count)
        line_counts = [rng.randint(1, 20) for _ in range(count)]
        supplier_refs = [{"id": s["id"], "name": s["name"], "number": s["number"]} for s in suppliers]
        account_refs = [
            {k: a[k] for k in ("id", "name", "code", "active", "segment-1", "segment-2", "account-type")}
            for a in accounts
        ]
        departments = {cc: {"id": i + 1, "name": name} for i, (cc, name) in enumerate(COST_CENTRES.items())}
        gl_items = {gl: items for gl, (_, items) in GL_ACCOUNTS.items()}
        ship_to = {
            "id": 1,
            "name": "Main Office",
            "street1": "500 Howard St",
            "city": "San Francisco",
            "state": "CA",
            "postal-code": "94105",
            "country": USA,
            "location-code": "HQ",
        }
        currency = self.currency
        line_id = 0
        out = []
        for i in range(count):
            po_id = i + 1
            created = self.moment()
            created_at = self.stamp(created)
            updated_at = self.stamp(min(created + rng.random() * 86400 * 5, self.span))
            kind = bad_kind.get(i)
            lines = []
            for n in range(line_counts[i]):
                line_id += 1
                account = rng.choice(account_refs)
                description, low, high = rng.choice(gl_items[account["segment-1"]])
                quantity = Decimal(rng.randint(1, 3 if high >= 1000 else 10 if high >= 200 else 40))
                price = Decimal(rng.randint(low * 100, high * 100)) / 100
                lines.append(
                    {
                        "id": line_id,
                        "created-at": created_at,
                        "updated-at": updated_at,
                        "line-num": str(n + 1),
                        "type": "OrderQuantityLine",
                        "description": description,
                        "quantity": f"{quantity:.2f}",
                        "price": money(price),
                        "total": money(quantity * price),
                        "status": "created",
                        "order-header-id": po_id,
                        "need-by-date": self.stamp(created + 86400 * rng.randint(7, 45)),
                        "source-part-num": f"P{rng.randint(10000, 99999)}",
                        "version": 1,
                        "currency": currency,
                        "uom": self.uoms[0] if rng.random() < 0.8 else rng.choice(self.uoms),
                        "account": account,
                        "department": departments[account["segment-2"]],
                    }
                )
            po = {
                "id": po_id,
                "created-at": created_at,
                "updated-at": updated_at,
                "po-number": f"PO{po_id:06d}",
                "status": status_draws[i],
                "type": "ExternalOrderHeader",
                "version": 1,
                "internal-revision": 1,
                "exported": False,
                "last-exported-at": None,
                "acknowledged-flag": False,
                "payment-method": "invoice",
                "transmission-status": "sent_via_email",
                "ship-to-attention": "Receiving",
                "currency": currency,
                "payment-term": None,
                "supplier": rng.choice(supplier_refs),
                "ship-to-address": ship_to,
                "requester": rng.choice(self.users),
                "created-by": self.users[0],
                "order-lines": lines,
            }
            if kind:
                self.plant_po_defect(po, kind)
            out.append(po)
        return out

    def plant_po_defect(self, po: dict[str, Any], kind: str) -> None:
        line = po["order-lines"][-1]
        if kind == "unknown_account_code":
            line["account"] = {
                "id": 90000 + po["id"],
                "name": "Suspense - Unmapped",
                "code": f"{UNKNOWN_GL}-999",
                "active": True,
                "segment-1": UNKNOWN_GL,
                "segment-2": "999",
                "account-type": line["account"]["account-type"],
            }
        elif kind == "missing_supplier":
            po["supplier"] = None
        elif kind == "negative_quantity":
            quantity = -Decimal(line["quantity"])
            line["quantity"] = f"{quantity:.2f}"
            line["total"] = money(quantity * Decimal(line["price"]))
        elif kind == "totals_mismatch":
            line["total"] = money(Decimal(line["total"]) + Decimal("10.00"))
        self.bad[record_key("purchase_orders", po["id"])] = kind

    def invoices(self, pos, invoice_share, bad_share) -> list[dict[str, Any]]:
        rng = self.rng
        chosen = [
            po
            for po in pos
            if record_key("purchase_orders", po["id"]) not in self.bad
            and po["status"] in ("issued", "closed", "soft_closed")
            and rng.random() < invoice_share
        ]
        n_bad = _bad_count(len(chosen), bad_share)
        bad_at = set(rng.sample(range(len(chosen)), n_bad)) if n_bad else set()
        statuses, weights = zip(*INVOICE_STATUSES, strict=True)
        out = []
        line_id = 0
        for i, po in enumerate(chosen):
            invoice_id = i + 1
            created = min(_seconds(po["updated-at"], self.start) + rng.random() * 86400 * 20, self.span)
            stamp = self.stamp(created)
            lines = []
            for po_line in po["order-lines"]:
                line_id += 1
                lines.append(
                    {
                        "id": line_id,
                        "created-at": stamp,
                        "updated-at": stamp,
                        "line-num": int(po_line["line-num"]),
                        "type": "InvoiceQuantityLine",
                        "description": po_line["description"],
                        "quantity": po_line["quantity"],
                        "price": po_line["price"],
                        "total": po_line["total"],
                        "currency": po_line["currency"],
                        "uom": po_line["uom"],
                        "account": po_line["account"],
                        "po-number": po["po-number"],
                        "order-header-num": po["po-number"],
                        "order-line-id": po_line["id"],
                        "order-line-num": po_line["line-num"],
                    }
                )
            net = sum(Decimal(line["total"]) for line in lines)
            if i in bad_at:
                net += Decimal("25.00")
                self.bad[record_key("invoices", invoice_id)] = "totals_mismatch"
            status = rng.choices(statuses, weights)[0]
            out.append(self.invoice(invoice_id, created, po["supplier"], po["currency"], status, lines, net))
        return out

    def invoice(self, invoice_id: int, created: float, supplier, currency, status: str, lines, net: Decimal):
        """An invoice header in R39 shape (Net 30, no taxes or charges) around its lines; `net` its stated total."""
        invoice_date = self.start + timedelta(seconds=created)
        stamp = self.stamp(created)
        return {
            "id": invoice_id,
            "created-at": stamp,
            "updated-at": stamp,
            "invoice-number": f"INV-{supplier['id']:04d}-{invoice_id:06d}",
            "invoice-date": coupa_timestamp(invoice_date, self.offset),
            "net-due-date": coupa_timestamp(invoice_date + timedelta(days=30), self.offset),
            "status": status,
            "document-type": "Invoice",
            "is-credit-note": False,
            "exported": False,
            "last-exported-at": None,
            "paid": False,
            "line-level-taxation": False,
            "currency": currency,
            "supplier": supplier,
            "payment-term": {"id": 1, "code": "Net 30"},
            "gross-total": money(net),
            "total-with-taxes": money(net),
            "tax-amount": "0.00",
            "shipping-amount": "0.00",
            "handling-amount": "0.00",
            "misc-amount": "0.00",
            "line-count": str(len(lines)),
            "invoice-lines": lines,
        }

    def payments(self, invoices, payment_share, multi_invoice_share) -> list[dict[str, Any]]:
        """Coupa Pay payments of approved invoices; with `multi_invoice_share`, an invoice joins the supplier's
        previous payment (up to MAX_INVOICES_PER_PAYMENT details) instead of getting its own."""
        rng = self.rng
        out: list[dict[str, Any]] = []
        latest: dict[Any, tuple[dict[str, Any], float]] = {}  # payee id -> (its last payment, released seconds)
        for invoice in invoices:
            if invoice["status"] != "approved" or record_key("invoices", invoice["id"]) in self.bad:
                continue
            if rng.random() >= payment_share:
                continue
            released = min(_seconds(invoice["updated-at"], self.start) + 86400 * rng.randint(5, 30), self.span)
            payee = invoice["supplier"]["id"]
            previous = latest.get(payee)
            if (
                previous is not None
                and len(previous[0]["payment-details"]) < MAX_INVOICES_PER_PAYMENT
                and rng.random() < multi_invoice_share
            ):
                payment, was = previous
                self._add_detail(payment, invoice, max(was, released))
                latest[payee] = (payment, max(was, released))
                continue
            payment = self._payment(len(out) + 1, invoice, released)
            out.append(payment)
            latest[payee] = (payment, released)
        return out

    def _payment(self, payment_id: int, invoice: dict[str, Any], released: float) -> dict[str, Any]:
        stamp = self.stamp(released)
        total = invoice["total-with-taxes"]
        return {
            "id": payment_id,
            "created-at": stamp,
            "updated-at": stamp,
            "payment-identifier": f"PMT-{payment_id:07d}",
            "description": f"Payment for {invoice['invoice-number']}",
            "status": "completed",
            "type": "CoupaPay::Payment",
            "transfer-type": "ach",
            "exported": False,
            "last-exported-at": None,
            "released-at": stamp,
            "requested-execution-date": stamp[:10],
            "pay-from-currency": invoice["currency"],
            "pay-to-currency": invoice["currency"],
            "pay-from-total": total,
            "pay-to-total": total,
            "legal-entity-name": "Sandbox Company Inc.",
            "source-name": "Coupa",
            "payee": invoice["supplier"],
            "payment-batch": {"id": 1 + payment_id // 50, "status": "completed"},
            "payment-details": [_detail(payment_id * 100 + 1, invoice)],
        }

    def _add_detail(self, payment: dict[str, Any], invoice: dict[str, Any], released: float) -> None:
        """One more invoice paid by `payment`: a detail with its total, the payment's totals and dates moved."""
        details = payment["payment-details"]
        details.append(_detail(payment["id"] * 100 + len(details) + 1, invoice))
        total = money(sum(Decimal(d["payment-total"]) for d in details))
        stamp = self.stamp(released)
        numbers = ", ".join(d["source-transaction-reference"] for d in details)
        payment.update(
            {
                "pay-from-total": total,
                "pay-to-total": total,
                "description": f"Payment for {numbers}",
                "created-at": stamp,
                "updated-at": stamp,
                "released-at": stamp,
                "requested-execution-date": stamp[:10],
            }
        )


class _InvoiceVariety:
    """What real Coupa invoicing adds to invoices that repeat their PO: some differ from it (a line delivered in
    part, or re-priced), and some invoices have no PO at all. Drawn from its own random stream, so the rest of a
    seeded dataset stays as it was."""

    def __init__(self, builder: _Builder, difference_share: float, non_po_share: float):
        self.builder = builder
        self.rng = random.Random(f"{builder.seed}:invoice-variety")
        self.difference_share = difference_share
        self.non_po_share = non_po_share

    def apply(self, invoices: list[dict[str, Any]], suppliers, accounts) -> list[dict[str, Any]]:
        """Make a share of `invoices` differ from their PO (in place); return the new invoices without a PO."""
        for invoice in invoices:
            if record_key("invoices", invoice["id"]) in self.builder.bad:
                continue
            if self.rng.random() < self.difference_share:
                self.differ(invoice)
        count = round(len(invoices) * self.non_po_share)
        return [self.without_po(len(invoices) + n + 1, suppliers, accounts) for n in range(count)]

    def differ(self, invoice: dict[str, Any]) -> None:
        line = self.rng.choice(invoice["invoice-lines"])
        quantity, price = Decimal(line["quantity"]), Decimal(line["price"])
        if quantity > 1:
            quantity -= 1  # one unit not delivered yet: invoiced in part
        else:
            price = (price * Decimal("1.05")).quantize(Decimal("0.01"))  # re-priced by the supplier
        line.update(quantity=f"{quantity:.2f}", price=money(price), total=money(quantity * price))
        net = money(sum(Decimal(x["total"]) for x in invoice["invoice-lines"]))
        invoice.update({"gross-total": net, "total-with-taxes": net})

    def without_po(self, invoice_id: int, suppliers, accounts) -> dict[str, Any]:
        rng, builder = self.rng, self.builder
        supplier = rng.choice(suppliers)
        created = rng.random() * builder.span
        stamp = builder.stamp(created)
        lines = []
        for n in range(rng.randint(1, 3)):
            account = rng.choice(accounts)
            description, low, high = rng.choice(GL_ACCOUNTS[account["segment-1"]][1])
            price = Decimal(rng.randint(low * 100, high * 100)) / 100
            lines.append(
                {
                    "id": 900000 + invoice_id * 10 + n,
                    "created-at": stamp,
                    "updated-at": stamp,
                    "line-num": n + 1,
                    "type": "InvoiceAmountLine",
                    "description": description,
                    "quantity": "1.00",
                    "price": money(price),
                    "total": money(price),
                    "currency": builder.currency,
                    "account": {k: account[k] for k in ("id", "name", "code", "active", "segment-1", "segment-2")},
                }
            )
        net = sum(Decimal(x["total"]) for x in lines)
        supplier_ref = {"id": supplier["id"], "name": supplier["name"], "number": supplier["number"]}
        status = rng.choices(["approved", "pending_approval", "voided"], [85, 10, 5])[0]
        return builder.invoice(invoice_id, created, supplier_ref, builder.currency, status, lines, net)


def _detail(detail_id: int, invoice: dict[str, Any]) -> dict[str, Any]:
    total = invoice["total-with-taxes"]
    return {
        "id": detail_id,
        "payable-type": "CoupaPay::Invoice",
        "payable-id": invoice["id"],
        "payable-document-type": "InvoiceHeader",
        "payment-total": total,
        "transaction-total": total,
        "discount-total": "0.00",
        "adjustment-total": "0.00",
        "source-transaction-id": str(invoice["id"]),
        "source-transaction-reference": invoice["invoice-number"],
        "source-transaction-type": "InvoiceHeader",
    }


def _bad_count(total: int, share: float) -> int:
    if share <= 0 or total == 0:
        return 0
    return min(total, max(1, round(total * share)))


def _seconds(stamp: str, start: datetime) -> float:
    return (datetime.fromisoformat(stamp) - start).total_seconds()

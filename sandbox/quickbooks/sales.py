"""A services firm's sales in a sandbox company file: vendors, customers with jobs, invoices open, partly paid, paid
and overdue, inactive and deleted records, all written through qbXML requests as QuickBooks would receive them."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from qbxml import envelope, requests
from qbxml.responses import Record, parse_message
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.seed import BANK_ACCOUNT, SEED_ITEMS

VERSION = "16.0"
PER_MESSAGE = 100
# invoice states cycle in this order; an overdue invoice is open and past its due date
STATES = ("open", "partly_paid", "paid", "overdue")
CITIES = (("Portland", "OR", "97205"), ("Tucson", "AZ", "85721"), ("Austin", "TX", "78701"), ("Denver", "CO", "80202"))
SERVICE_ITEMS = [name for name, kind, *_ in SEED_ITEMS if kind != "ItemInventory"]
RETIRED_ITEM = "Retired Service"


class SeedFailed(RuntimeError):
    """The company file refused a request of the seed (a bug in the seed or the simulator)."""


def send(company: CompanyFile, calls: Iterable[tuple[str, dict[str, Any]]]) -> list[list[Record]]:
    """Run (op, fields) requests in messages of PER_MESSAGE; the records each answered, in order."""
    calls = list(calls)
    answers: list[list[Record]] = []
    for start in range(0, len(calls), PER_MESSAGE):
        chunk = calls[start : start + PER_MESSAGE]
        elements = [
            requests.render(op, fields, version=VERSION, request_id=str(start + i))
            for i, (op, fields) in enumerate(chunk)
        ]
        result = company.process(envelope.message(elements, version=VERSION, on_error="stopOnError"))
        if result.response_xml is None:
            raise SeedFailed(f"message refused: {result.hresult} {result.message}")
        for (op, _), rs in zip(chunk, parse_message(result.response_xml), strict=False):
            if rs.status_code not in (0, 1):
                raise SeedFailed(f"{op}: {rs.status_code} {rs.status_message}")
            answers.append(rs.records)
    return answers


def _address(rng: random.Random, street: str) -> dict[str, str]:
    city, state, postal = rng.choice(CITIES)
    return {"Addr1": street, "City": city, "State": state, "PostalCode": postal, "Country": "US"}


def _customer(rng: random.Random, n: int) -> dict[str, Any]:
    return {
        "Name": f"Client {n:05d} Inc",
        "CompanyName": f"Client {n:05d} Inc",
        "BillAddress": _address(rng, f"{100 + n} Market St"),
        "Phone": f"(555) {n % 1000:03d}-{rng.randrange(10000):04d}",
        "Email": f"ap@client{n:05d}.example",
        "TermsRef": {"FullName": "Net 30"},
    }


def _invoice(rng: random.Random, customer: str, ref: int, state: str, today: date) -> dict[str, Any]:
    days_ago = rng.randrange(40, 120) if state == "overdue" else rng.randrange(0, 25)
    txn_date = today - timedelta(days=days_ago)
    lines = [
        {
            "ItemRef": {"FullName": rng.choice(SERVICE_ITEMS)},
            "Quantity": str(rng.randrange(1, 9)),
            "Rate": f"{rng.randrange(40, 400)}.00",
        }
        for _ in range(rng.randrange(1, 4))
    ]
    return {
        "CustomerRef": {"FullName": customer},
        "TxnDate": txn_date.isoformat(),
        "RefNumber": f"INV-{ref:05d}",
        "TermsRef": {"FullName": "Net 30"},
        "DueDate": (txn_date + timedelta(days=30)).isoformat(),
        "Memo": f"Services {txn_date:%B %Y}",
        "InvoiceLineAdd": lines,
    }


def _payment(invoice: Record, amount: str, today: date) -> tuple[str, dict[str, Any]]:
    body = {
        "CustomerRef": {"ListID": invoice.data["CustomerRef"]["ListID"]},
        "TxnDate": today.isoformat(),
        "RefNumber": f"PMT-{invoice.data['RefNumber'][4:]}",
        "TotalAmount": amount,
        "DepositToAccountRef": {"FullName": BANK_ACCOUNT},
        "AppliedToTxnAdd": [{"TxnID": invoice.id, "PaymentAmount": amount}],
    }
    return "ReceivePaymentAdd", {"ReceivePaymentAdd": body}


def _inactive(kind: str, rec: Record) -> tuple[str, dict[str, Any]]:
    return f"{kind}Mod", {f"{kind}Mod": {"ListID": rec.id, "EditSequence": rec.edit_sequence, "IsActive": "false"}}


def _half(amount: str) -> str:
    cents = round(Decimal(amount) * 100)
    return f"{cents // 2 // 100}.{cents // 2 % 100:02d}"


def seed_sales(
    company: CompanyFile, *, customers: int = 12, seed: int = 1, today: date | None = None
) -> dict[str, int]:
    """Write the sales of `customers` customers (every third with two jobs) into `company`; returns what was made.

    Also three vendors, one made inactive and one deleted; one customer made inactive, one deleted (it never had a
    transaction); one invoice deleted; one unused item deleted. Idempotence is not a goal: call it once per file."""
    rng = random.Random(seed)
    today = today or company.clock.moment().astimezone(company.clock.tz).date()
    vendors = [
        ("VendorAdd", {"VendorAdd": {"Name": f"Supplier {v}", "CompanyName": f"Supplier {v} Ltd",
                                     "VendorAddress": _address(rng, f"{v} Depot Rd"), "Phone": "(555) 010-0000"}})
        for v in ("Alpha", "Beta", "Gamma")
    ]  # fmt: skip
    names: list[str] = []
    calls: list[tuple[str, dict]] = list(vendors)
    for n in range(1, customers + 1):
        body = _customer(rng, n)
        calls.append(("CustomerAdd", {"CustomerAdd": body}))
        names.append(body["Name"])
        if n % 3 == 0:
            for job in ("Phase 1", "Phase 2"):
                calls.append(("CustomerAdd", {"CustomerAdd": {"Name": job, "ParentRef": {"FullName": body["Name"]}}}))
                names.append(f"{body['Name']}:{job}")
    calls.append(("CustomerAdd", {"CustomerAdd": {"Name": "Walk-in Prospect"}}))
    item = {
        "Name": RETIRED_ITEM,
        "SalesOrPurchase": {"Desc": "Retired", "Price": "10.00", "AccountRef": {"FullName": "Sales Income"}},
    }
    calls.append(("ItemServiceAdd", {"ItemServiceAdd": item}))
    made = send(company, calls)
    listed = {rec.name: rec for recs in made for rec in recs}

    invoices = [
        ("InvoiceAdd", {"InvoiceAdd": _invoice(rng, name, i + 1, STATES[i % len(STATES)], today)})
        for i, name in enumerate(names * 2)
    ]
    added = [recs[0] for recs in send(company, invoices)]
    payments = []
    for i, invoice in enumerate(added):
        state = STATES[i % len(STATES)]
        if state in ("partly_paid", "paid"):
            total = invoice.data["BalanceRemaining"]
            payments.append(_payment(invoice, _half(total) if state == "partly_paid" else total, today))
    send(company, payments)

    first = listed[names[0]]
    alpha, beta = listed["Supplier Alpha"], listed["Supplier Beta"]
    doomed = added[0]  # an open invoice, deleted
    send(
        company,
        [
            _inactive("Customer", first),
            _inactive("Vendor", beta),
            ("ListDel", {"ListDelType": "Vendor", "ListID": alpha.id}),
            ("ListDel", {"ListDelType": "Customer", "ListID": listed["Walk-in Prospect"].id}),
            ("ListDel", {"ListDelType": "ItemService", "ListID": listed[RETIRED_ITEM].id}),
            ("TxnDel", {"TxnDelType": "Invoice", "TxnID": doomed.id}),
        ],
    )  # fmt: skip
    return {"vendors": len(vendors), "customers": len(names) + 1, "invoices": len(added), "payments": len(payments)}

"""What a sandbox company file holds of its sales, read straight from the file: the oracle a flow out of QuickBooks is
judged by (names and their hierarchy, invoices with lines and balances, aging, what is inactive or deleted)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.values import as_list

# aging buckets by days past due: (name, first day, last day); "current" is not yet due
BUCKETS = (
    ("current", None, 0),
    ("days_1_30", 1, 30),
    ("days_31_60", 31, 60),
    ("days_61_90", 61, 90),
    ("over_90", 91, None),
)


def bucket(days_past_due: int) -> str:
    """The aging bucket of an open amount `days_past_due` days after its due date (negative: not yet due)."""
    for name, low, high in BUCKETS:
        if (low is None or days_past_due >= low) and (high is None or days_past_due <= high):
            return name
    raise AssertionError(days_past_due)


def invoice_stage(balance: Decimal, due: date, today: date) -> str:
    """paid, overdue (open past its due date) or open."""
    if balance == 0:
        return "paid"
    return "overdue" if due < today else "open"


def sales_truth(company: CompanyFile, today: date) -> dict[str, Any]:
    """Names, invoices and deletions as the company file holds them on `today`."""
    invoices = {}
    for doc in company.objects("Invoice"):
        balance = Decimal(doc["BalanceRemaining"])
        due = date.fromisoformat(doc["DueDate"])
        lines = [
            (line.get("ItemRef", {}).get("ListID"), Decimal(line.get("Quantity", "1")), Decimal(line["Amount"]))
            for line in as_list(doc.get("InvoiceLineRet"))
        ]
        invoices[doc["TxnID"]] = {
            "customer": doc["CustomerRef"]["ListID"],
            "ref_number": doc.get("RefNumber"),
            "amount": Decimal(doc["Subtotal"]),
            "balance": balance,
            "stage": invoice_stage(balance, due, today),
            "lines": sorted(lines, key=repr),
            "days_past_due": (today - due).days,
        }
    customers = {}
    for doc in company.objects("Customer"):
        own = [i for i in invoices.values() if i["customer"] == doc["ListID"] and i["balance"] > 0]
        aging = {name: Decimal("0.00") for name, *_ in BUCKETS}
        for inv in own:
            aging[bucket(inv["days_past_due"])] += inv["balance"]
        customers[doc["ListID"]] = {
            "full_name": doc["FullName"],
            "parent": doc.get("ParentRef", {}).get("ListID"),
            "active": doc.get("IsActive", "true") == "true",
            "open_balance": sum((i["balance"] for i in own), Decimal("0.00")),
            "overdue": sum((i["balance"] for i in own if i["days_past_due"] > 0), Decimal("0.00")),
            "aging": aging,
        }
    vendors = {doc["ListID"]: {"name": doc["Name"], "active": doc.get("IsActive", "true") == "true"}
               for doc in company.objects("Vendor")}  # fmt: skip
    items = {doc["ListID"]: doc["FullName"] for doc in company.objects("Item")}
    deleted = {kind: {d["id"] for d in company.deleted(kind)} for kind in ("Customer", "Vendor", "Invoice")}
    return {"customers": customers, "vendors": vendors, "invoices": invoices, "items": items, "deleted": deleted}

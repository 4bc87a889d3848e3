"""The chart of accounts, classes and items a new sandbox company file starts with (the demo maps onto them)."""

from __future__ import annotations

AP_ACCOUNT = "Accounts Payable"
AR_ACCOUNT = "Accounts Receivable"
BANK_ACCOUNT = "Checking"
CREDIT_CARD_ACCOUNT = "Company Credit Card"
INVENTORY_ASSET_ACCOUNT = "Inventory Asset"
COGS_ACCOUNT = "Cost of Goods Sold"
INCOME_ACCOUNT = "Sales Income"

EXPENSE_ACCOUNTS = (
    "Office Supplies",
    "Travel",
    "Professional Fees",
    "Utilities",
    "Rent Expense",
    "Computer and Internet Expenses",
    "Repairs and Maintenance",
)

# (Name, AccountType, AccountNumber) in the order QuickBooks lists them.
SEED_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    (BANK_ACCOUNT, "Bank", "1000"),
    (AR_ACCOUNT, "AccountsReceivable", "1200"),
    (INVENTORY_ASSET_ACCOUNT, "OtherCurrentAsset", "1300"),
    (AP_ACCOUNT, "AccountsPayable", "2000"),
    (CREDIT_CARD_ACCOUNT, "CreditCard", "2100"),
    (INCOME_ACCOUNT, "Income", "4000"),
    (COGS_ACCOUNT, "CostOfGoodsSold", "5000"),
    *((name, "Expense", str(6000 + 10 * i)) for i, name in enumerate(EXPENSE_ACCOUNTS)),
)

# Cost centres as QuickBooks classes.
SEED_CLASSES = ("Operations", "Sales", "R&D", "Admin")

# (Name, item kind, expense or COGS account, description, price)
SEED_ITEMS: tuple[tuple[str, str, str, str, str], ...] = (
    ("Consulting", "ItemService", "Professional Fees", "Consulting services", "150.00"),
    ("Software Subscription", "ItemService", "Computer and Internet Expenses", "Software subscription", "49.00"),
    ("Office Chair", "ItemNonInventory", "Office Supplies", "Office chair", "189.00"),
    ("Printer Paper", "ItemNonInventory", "Office Supplies", "Printer paper, box", "32.50"),
    ("Laptop", "ItemInventory", COGS_ACCOUNT, "Laptop computer", "1250.00"),
)

COMPANY_NAME = "Sandbox Trading Company"


def seed_bodies() -> list[tuple[str, dict]]:
    """The seed as (op, Add body) pairs, applied through the same rules as any request."""
    bodies: list[tuple[str, dict]] = [
        ("AccountAdd", {"Name": name, "AccountType": kind, "AccountNumber": number})
        for name, kind, number in SEED_ACCOUNTS
    ]
    bodies += [("ClassAdd", {"Name": name}) for name in SEED_CLASSES]
    for name, kind, account, desc, price in SEED_ITEMS:
        if kind == "ItemInventory":
            body = {
                "Name": name,
                "SalesDesc": desc,
                "SalesPrice": price,
                "IncomeAccountRef": {"FullName": INCOME_ACCOUNT},
                "PurchaseDesc": desc,
                "PurchaseCost": price,
                "COGSAccountRef": {"FullName": account},
                "AssetAccountRef": {"FullName": INVENTORY_ASSET_ACCOUNT},
            }
        else:
            body = {
                "Name": name,
                "SalesOrPurchase": {"Desc": desc, "Price": price, "AccountRef": {"FullName": account}},
            }
        bodies.append((f"{kind}Add", body))
    return bodies

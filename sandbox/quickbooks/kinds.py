"""The object kinds the simulated company file keeps, their name spaces, references and line shapes."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.quickbooks.seed import AP_ACCOUNT, AR_ACCOUNT


@dataclass(frozen=True)
class Kind:
    """One QuickBooks object type, named as in qbXML (`Vendor` -> VendorAdd/VendorRet/VendorQuery)."""

    name: str
    namespace: str | None = None  # list kinds: names are unique within this name space
    entity_ref: str | None = None  # transaction kinds: the field naming the vendor/customer/payee
    lines: tuple[str, ...] = ()  # line element stems: "ExpenseLine" -> ExpenseLineAdd/ExpenseLineRet/ExpenseLineMod
    amount_field: str | None = None  # where the total of the lines goes
    open_field: str | None = None  # what is left to pay, reduced by payments
    paid_field: str | None = None  # the flag saying nothing is left to pay

    @property
    def is_list(self) -> bool:
        return self.namespace is not None


NAME_KINDS = ("Vendor", "Customer")
ITEM_KINDS = ("ItemService", "ItemNonInventory", "ItemOtherCharge", "ItemInventory")

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("Vendor", namespace="name"),
        Kind("Customer", namespace="name"),
        Kind("Account", namespace="account"),
        Kind("Class", namespace="class"),
        *(Kind(name, namespace="item") for name in ITEM_KINDS),
        Kind(
            "Bill",
            entity_ref="VendorRef",
            lines=("ExpenseLine", "ItemLine"),
            amount_field="AmountDue",
            open_field="OpenAmount",
            paid_field="IsPaid",
        ),
        # a credit from a vendor: its lines as a bill's, CreditAmount their total, OpenAmount what is not applied yet
        Kind(
            "VendorCredit",
            entity_ref="VendorRef",
            lines=("ExpenseLine", "ItemLine"),
            amount_field="CreditAmount",
            open_field="OpenAmount",
        ),
        Kind("BillPaymentCheck", entity_ref="PayeeEntityRef", amount_field="Amount"),
        Kind("BillPaymentCreditCard", entity_ref="PayeeEntityRef", amount_field="Amount"),
        Kind("ReceivePayment", entity_ref="CustomerRef", amount_field="TotalAmount"),
        Kind("PurchaseOrder", entity_ref="VendorRef", lines=("PurchaseOrderLine",), amount_field="TotalAmount"),
        Kind(
            "Invoice",
            entity_ref="CustomerRef",
            lines=("InvoiceLine",),
            amount_field="Subtotal",
            open_field="BalanceRemaining",
            paid_field="IsPaid",
        ),
    )
}

PAYMENT_KINDS = ("BillPaymentCheck", "BillPaymentCreditCard", "ReceivePayment")
PURCHASE_KINDS = ("Bill", "VendorCredit")  # on the A/P account; their expense lines take purchase tax codes


@dataclass(frozen=True)
class Pays:
    """What a payment kind pays: the transaction kind, the field naming its vendor/customer, the A/P or A/R account."""

    target: str
    target_entity: str
    account_field: str
    account: str


# payment kind -> what it pays (bill payments pay bills of their payee; received payments pay the customer's invoices)
PAYS: dict[str, Pays] = {
    "BillPaymentCheck": Pays("Bill", "VendorRef", "APAccountRef", AP_ACCOUNT),
    "BillPaymentCreditCard": Pays("Bill", "VendorRef", "APAccountRef", AP_ACCOUNT),
    "ReceivePayment": Pays("Invoice", "CustomerRef", "ARAccountRef", AR_ACCOUNT),
}

# Which list a reference field points into: (name space, kinds it may name, the word QuickBooks uses in 3140).
_ACCOUNT = ("account", ("Account",), "Account")
REF_TARGETS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "VendorRef": ("name", ("Vendor",), "Vendor"),
    "CustomerRef": ("name", ("Customer",), "Customer"),
    "PayeeEntityRef": ("name", NAME_KINDS, "Entity"),
    "EntityRef": ("name", NAME_KINDS, "Entity"),
    "ItemRef": ("item", ITEM_KINDS, "Item"),
    "ClassRef": ("class", ("Class",), "Class"),
    **{
        field: _ACCOUNT
        for field in (
            "AccountRef",
            "APAccountRef",
            "ARAccountRef",
            "BankAccountRef",
            "CreditCardAccountRef",
            "IncomeAccountRef",
            "ExpenseAccountRef",
            "COGSAccountRef",
            "AssetAccountRef",
            "OverrideItemAccountRef",
        )
    },
}


def kind_of_op(op: str, verb: str) -> Kind | None:
    """'VendorAdd', 'Add' -> the Vendor kind; None when the sandbox does not keep that object."""
    return KINDS.get(op[: -len(verb)]) if op.endswith(verb) else None

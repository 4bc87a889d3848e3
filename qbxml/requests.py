"""qbXML requests: `render` turns an op and its plain-data fields into an `<opRq>` element; typed builders.

Builders only say WHAT to send (`.op`, `.fields()` as JSON-able data the outbox stores); the element order and
the per-version shape come from the schema through `xmltree.build` at render time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Literal

from lxml import etree

from qbxml import xmltree
from qbxml.schema import for_version
from qbxml.text import QbxmlFieldError
from qbxml.values import Number, Ref, amount, compact, qb_date, qb_datetime, quantity, ref

MAX_REQUEST_ID = 50  # QuickBooks answers statusCode 1060 above this
ITERATOR_ATTRIBUTES = ("iterator", "iteratorID")

When = datetime | date | str
Iterator = Literal["Start", "Continue"]
ActiveStatus = Literal["ActiveOnly", "InactiveOnly", "All"]
MatchCriterion = Literal["StartsWith", "Contains", "EndsWith"]


class IteratorNotAllowed(ValueError):
    """The query has no iterator in qbXML (AccountQuery, TxnDeletedQuery, ListDeletedQuery, ...)."""


def render(op: str, fields: Mapping[str, Any], *, version: str, request_id: str) -> etree._Element:
    """The `<{op}Rq requestID=...>` element for the schema written for `version`, children in schema order."""
    if len(request_id) > MAX_REQUEST_ID:
        raise ValueError(
            f"requestID {request_id!r} has {len(request_id)} characters; QuickBooks allows {MAX_REQUEST_ID} "
            "(status 1060)"
        )
    schema = for_version(version)
    if not schema.has_request(op):
        raise ValueError(f"qbXML {schema.version} has no request {op}Rq")
    decl = schema.request(op)
    asked = [a for a in ITERATOR_ATTRIBUTES if f"@{a}" in fields and fields[f"@{a}"] is not None]
    if asked and "iterator" not in decl.attributes:
        raise IteratorNotAllowed(
            f"{op}Rq: {op} has no iterator in qbXML {schema.version}; query it whole or by modified date"
        )
    return xmltree.build(schema, decl, {**fields, "@requestID": request_id})


# -- shared pieces -----------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Address:
    """VendorAddress / ShipAddress / BillAddress."""

    addr1: str | None = None
    addr2: str | None = None
    addr3: str | None = None
    addr4: str | None = None
    addr5: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    note: str | None = None

    def data(self) -> dict[str, Any]:
        return compact(
            {
                "Addr1": self.addr1,
                "Addr2": self.addr2,
                "Addr3": self.addr3,
                "Addr4": self.addr4,
                "Addr5": self.addr5,
                "City": self.city,
                "State": self.state,
                "PostalCode": self.postal_code,
                "Country": self.country,
                "Note": self.note,
            }
        )


def _address(value: Address | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return value.data() if isinstance(value, Address) else dict(value)


@dataclass(kw_only=True)
class _Iterable:
    """Iterator attributes: Start a paged query, then Continue with the iteratorID QuickBooks returned."""

    iterator: Iterator | None = None
    iterator_id: str | None = None

    def _iterator_attrs(self) -> dict[str, Any]:
        if self.iterator == "Continue" and not self.iterator_id:
            raise ValueError(f"{self.op}: iterator Continue needs the iteratorID of the Start response")
        if self.iterator_id and self.iterator != "Continue":
            raise ValueError(f"{self.op}: iteratorID is only sent with iterator Continue")
        return compact({"@iterator": self.iterator, "@iteratorID": self.iterator_id})


# -- list objects: vendors ---------------------------------------------------------------------------------


def _vendor_fields(v: VendorAdd | VendorMod) -> dict[str, Any]:
    return {
        "Name": v.name,
        "IsActive": v.is_active,
        "CompanyName": v.company_name,
        "Salutation": v.salutation,
        "FirstName": v.first_name,
        "LastName": v.last_name,
        "VendorAddress": _address(v.vendor_address),
        "Phone": v.phone,
        "Fax": v.fax,
        "Email": v.email,
        "Contact": v.contact,
        "NameOnCheck": v.name_on_check,
        "AccountNumber": v.account_number,
        "Notes": v.notes,
        "TermsRef": ref(v.terms),
        "VendorTaxIdent": v.vendor_tax_ident,
        "IsVendorEligibleFor1099": v.is_1099,
        "CurrencyRef": ref(v.currency),
    }


@dataclass(kw_only=True)
class _VendorFields:
    is_active: bool | None = None
    company_name: str | None = None
    salutation: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    vendor_address: Address | Mapping[str, Any] | None = None
    phone: str | None = None
    fax: str | None = None
    email: str | None = None
    contact: str | None = None
    name_on_check: str | None = None
    account_number: str | None = None
    notes: str | None = None
    terms: Ref | str | None = None
    vendor_tax_ident: str | None = None
    is_1099: bool | None = None
    currency: Ref | str | None = None


@dataclass(kw_only=True)
class VendorAdd(_VendorFields):
    op: ClassVar[str] = "VendorAdd"
    name: str

    def fields(self) -> dict[str, Any]:
        return {"VendorAdd": compact(_vendor_fields(self))}


VENDOR_MOD_FIELDS = frozenset(
    {
        "Name",
        "IsActive",
        "CompanyName",
        "Salutation",
        "FirstName",
        "MiddleName",
        "LastName",
        "JobTitle",
        "VendorAddress",
        "ShipAddress",
        "Phone",
        "Mobile",
        "AltPhone",
        "Fax",
        "Email",
        "Cc",
        "Contact",
        "AltContact",
        "NameOnCheck",
        "AccountNumber",
        "Notes",
        "VendorTypeRef",
        "TermsRef",
        "CreditLimit",
        "VendorTaxIdent",
        "IsVendorEligibleFor1099",
        "ClassRef",
        "CurrencyRef",
    }
)


@dataclass(kw_only=True)
class VendorMod(_VendorFields):
    """Changes to one vendor: ListID + current EditSequence + only the fields that change."""

    op: ClassVar[str] = "VendorMod"
    list_id: str
    edit_sequence: str
    name: str | None = None
    changes: Mapping[str, Any] = field(default_factory=dict)  # more qbXML fields, from VENDOR_MOD_FIELDS only

    def fields(self) -> dict[str, Any]:
        return {
            "VendorMod": _mod(
                self.op,
                {"ListID": self.list_id, "EditSequence": self.edit_sequence},
                _vendor_fields(self),
                self.changes,
                VENDOR_MOD_FIELDS,
            )
        }


def _mod(
    op: str, key: dict[str, str], typed: dict[str, Any], changes: Mapping[str, Any], allowed: frozenset[str]
) -> dict[str, Any]:
    """Key + typed fields + allow-listed extra changes; anything read-only (a Ret echoed back) is refused."""
    refused = sorted(set(changes) - allowed)
    if refused:
        raise QbxmlFieldError(f"{op}/{refused[0]}", f"not a field {op} may change (allowed: {sorted(allowed)})")
    if not key.get("EditSequence"):
        raise QbxmlFieldError(f"{op}/EditSequence", "required: re-read the object for its current EditSequence")
    return {**key, **compact({**typed, **changes})}


@dataclass(kw_only=True)
class _ListQuery:
    """Filters shared by list queries: ListID / FullName lookups, or a filter with modified-date bounds."""

    op: ClassVar[str]
    list_ids: list[str] = field(default_factory=list)
    full_names: list[str] = field(default_factory=list)
    max_returned: int | None = None
    active_status: ActiveStatus = "All"
    modified_since: When | None = None
    modified_until: When | None = None
    name_match: MatchCriterion | None = None
    name: str | None = None
    include_ret_elements: list[str] = field(default_factory=list)

    def _filter(self) -> dict[str, Any]:
        lookups = {"ListID": self.list_ids, "FullName": self.full_names}
        given = [k for k, v in lookups.items() if v]
        filters = [self.max_returned, self.modified_since, self.modified_until, self.name]
        if len(given) > 1 or (given and any(f is not None for f in filters)):
            raise ValueError(f"{self.op}: look up by ListID, by FullName, or filter - one of them")
        if given:
            out: dict[str, Any] = {given[0]: list(lookups[given[0]])}
        else:
            name_filter = None
            if self.name is not None:
                name_filter = {"MatchCriterion": self.name_match or "StartsWith", "Name": self.name}
            out = {
                "MaxReturned": self.max_returned,
                "ActiveStatus": self.active_status,
                "FromModifiedDate": qb_datetime(self.modified_since),
                "ToModifiedDate": qb_datetime(self.modified_until),
                "NameFilter": name_filter,
            }
        out["IncludeRetElement"] = list(self.include_ret_elements)
        return compact(out)


@dataclass(kw_only=True)
class VendorQuery(_ListQuery, _Iterable):
    op: ClassVar[str] = "VendorQuery"

    def fields(self) -> dict[str, Any]:
        return {**self._filter(), **self._iterator_attrs()}


@dataclass(kw_only=True)
class CustomerQuery(_ListQuery, _Iterable):
    op: ClassVar[str] = "CustomerQuery"

    def fields(self) -> dict[str, Any]:
        return {**self._filter(), **self._iterator_attrs()}


@dataclass(kw_only=True)
class ItemQuery(_ListQuery, _Iterable):
    op: ClassVar[str] = "ItemQuery"

    def fields(self) -> dict[str, Any]:
        return {**self._filter(), **self._iterator_attrs()}


@dataclass(kw_only=True)
class AccountQuery(_ListQuery):
    """All accounts (no iterator in qbXML: the chart of accounts comes whole), optionally by AccountType."""

    op: ClassVar[str] = "AccountQuery"
    account_types: list[str] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        out = self._filter()
        if self.account_types:
            if "ListID" in out or "FullName" in out:
                raise ValueError("AccountQuery: AccountType filters cannot be combined with ListID/FullName")
            out["AccountType"] = list(self.account_types)
        return out


# -- transactions: bills -----------------------------------------------------------------------------------


@dataclass(kw_only=True)
class ExpenseLine:
    """One expense line of a bill: an account and an amount."""

    account: Ref | str
    amount: Number
    memo: str | None = None
    customer: Ref | str | None = None
    class_ref: Ref | str | None = None
    billable_status: Literal["Billable", "NotBillable", "HasBeenBilled"] | None = None

    def data(self, path: str) -> dict[str, Any]:
        return compact(
            {
                "AccountRef": ref(self.account),
                "Amount": amount(self.amount, f"{path}/Amount"),
                "Memo": self.memo,
                "CustomerRef": ref(self.customer),
                "ClassRef": ref(self.class_ref),
                "BillableStatus": self.billable_status,
            }
        )


@dataclass(kw_only=True)
class ItemLine:
    """One item line of a bill: an item with quantity and cost, or an amount."""

    item: Ref | str
    description: str | None = None
    quantity: Number | None = None
    cost: Number | None = None
    amount: Number | None = None
    customer: Ref | str | None = None
    class_ref: Ref | str | None = None
    override_account: Ref | str | None = None

    def data(self, path: str) -> dict[str, Any]:
        return compact(
            {
                "ItemRef": ref(self.item),
                "Desc": self.description,
                "Quantity": quantity(self.quantity, f"{path}/Quantity"),
                "Cost": quantity(self.cost, f"{path}/Cost"),
                "Amount": amount(self.amount, f"{path}/Amount"),
                "CustomerRef": ref(self.customer),
                "ClassRef": ref(self.class_ref),
                "OverrideItemAccountRef": ref(self.override_account),
            }
        )


@dataclass(kw_only=True)
class _BillFields:
    vendor_address: Address | Mapping[str, Any] | None = None
    ap_account: Ref | str | None = None
    txn_date: date | str | None = None
    due_date: date | str | None = None
    ref_number: str | None = None
    terms: Ref | str | None = None
    class_ref: Ref | str | None = None  # qbXML 16.0 and later; dropped when writing 13.0
    memo: str | None = None
    exchange_rate: Number | None = None

    def _bill_fields(self) -> dict[str, Any]:
        return {
            "VendorAddress": _address(self.vendor_address),
            "APAccountRef": ref(self.ap_account),
            "TxnDate": qb_date(self.txn_date),
            "DueDate": qb_date(self.due_date),
            "RefNumber": self.ref_number,
            "TermsRef": ref(self.terms),
            "ClassRef": ref(self.class_ref),
            "Memo": self.memo,
            "ExchangeRate": quantity(self.exchange_rate, "ExchangeRate"),
        }


@dataclass(kw_only=True)
class BillAdd(_BillFields):
    op: ClassVar[str] = "BillAdd"
    vendor: Ref | str
    expense_lines: list[ExpenseLine] = field(default_factory=list)
    item_lines: list[ItemLine] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        body = {
            "VendorRef": ref(self.vendor),
            **self._bill_fields(),
            "ExpenseLineAdd": [ln.data(f"BillAdd/ExpenseLineAdd[{i}]") for i, ln in enumerate(self.expense_lines)],
            "ItemLineAdd": [ln.data(f"BillAdd/ItemLineAdd[{i}]") for i, ln in enumerate(self.item_lines)],
        }
        return {"BillAdd": compact(body)}


BILL_MOD_FIELDS = frozenset(
    {
        "VendorRef",
        "VendorAddress",
        "APAccountRef",
        "TxnDate",
        "DueDate",
        "RefNumber",
        "TermsRef",
        "ClassRef",
        "Memo",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        "ExchangeRate",
        "ClearExpenseLines",
        "ExpenseLineMod",
        "ClearItemLines",
        "ItemLineMod",
    }
)


@dataclass(kw_only=True)
class ExpenseLineMod(ExpenseLine):
    """An expense line in a BillMod: TxnLineID of an existing line, or '-1' for a new one."""

    txn_line_id: str = "-1"

    def data(self, path: str) -> dict[str, Any]:
        return {"TxnLineID": self.txn_line_id, **super().data(path)}


@dataclass(kw_only=True)
class ItemLineMod(ItemLine):
    """An item line in a BillMod: TxnLineID of an existing line, or '-1' for a new one."""

    txn_line_id: str = "-1"

    def data(self, path: str) -> dict[str, Any]:
        return {"TxnLineID": self.txn_line_id, **super().data(path)}


@dataclass(kw_only=True)
class BillMod(_BillFields):
    """Changes to one bill. Lines given replace the bill's lines of that kind (lines not listed are deleted)."""

    op: ClassVar[str] = "BillMod"
    txn_id: str
    edit_sequence: str
    vendor: Ref | str | None = None
    expense_lines: list[ExpenseLineMod] | None = None
    item_lines: list[ItemLineMod] | None = None
    clear_expense_lines: bool = False
    clear_item_lines: bool = False
    changes: Mapping[str, Any] = field(default_factory=dict)  # more qbXML fields, from BILL_MOD_FIELDS only

    def fields(self) -> dict[str, Any]:
        typed = {
            "VendorRef": ref(self.vendor),
            **self._bill_fields(),
            "ClearExpenseLines": True if self.clear_expense_lines else None,
            "ClearItemLines": True if self.clear_item_lines else None,
        }
        if self.expense_lines is not None:
            typed["ExpenseLineMod"] = [
                ln.data(f"BillMod/ExpenseLineMod[{i}]") for i, ln in enumerate(self.expense_lines)
            ]
        if self.item_lines is not None:
            typed["ItemLineMod"] = [ln.data(f"BillMod/ItemLineMod[{i}]") for i, ln in enumerate(self.item_lines)]
        if self.clear_expense_lines and self.expense_lines:
            raise ValueError("BillMod: ClearExpenseLines and ExpenseLineMod exclude each other")
        if self.clear_item_lines and self.item_lines:
            raise ValueError("BillMod: ClearItemLines and ItemLineMod exclude each other")
        key = {"TxnID": self.txn_id, "EditSequence": self.edit_sequence}
        return {"BillMod": _mod(self.op, key, typed, self.changes, BILL_MOD_FIELDS)}


@dataclass(kw_only=True)
class _TxnQuery(_Iterable):
    """Filters shared by transaction queries: TxnID / RefNumber lookups, or filters with a modified-date range.

    Modified-since uses ModifiedDateRangeFilter; a TxnDateRangeFilter is the alternative, never both.
    """

    op: ClassVar[str]
    txn_ids: list[str] = field(default_factory=list)
    ref_numbers: list[str] = field(default_factory=list)
    max_returned: int | None = None
    modified_since: When | None = None
    modified_until: When | None = None
    txn_date_from: date | str | None = None
    txn_date_to: date | str | None = None
    entity: list[Ref | str] = field(default_factory=list)
    ref_number_match: MatchCriterion | None = None
    ref_number: str | None = None
    ref_number_from: str | None = None
    ref_number_to: str | None = None
    include_line_items: bool | None = None
    include_ret_elements: list[str] = field(default_factory=list)

    def _filter(self) -> dict[str, Any]:
        lookups = {"TxnID": self.txn_ids, "RefNumber": self.ref_numbers}
        given = [k for k, v in lookups.items() if v]
        modified = self.modified_since is not None or self.modified_until is not None
        dated = self.txn_date_from is not None or self.txn_date_to is not None
        ranged = self.ref_number_from is not None or self.ref_number_to is not None
        filters = [
            self.max_returned,
            modified or None,
            dated or None,
            self.entity or None,
            self.ref_number,
            ranged or None,
        ]
        if len(given) > 1 or (given and any(f is not None for f in filters)):
            raise ValueError(f"{self.op}: look up by TxnID, by RefNumber, or filter - one of them")
        if modified and dated:
            raise ValueError(f"{self.op}: ModifiedDateRangeFilter and TxnDateRangeFilter exclude each other")
        if self.ref_number is not None and ranged:
            raise ValueError(f"{self.op}: RefNumberFilter and RefNumberRangeFilter exclude each other")
        if given:
            out: dict[str, Any] = {given[0]: list(lookups[given[0]])}
        else:
            out = {
                "MaxReturned": self.max_returned,
                "ModifiedDateRangeFilter": compact(
                    {
                        "FromModifiedDate": qb_datetime(self.modified_since),
                        "ToModifiedDate": qb_datetime(self.modified_until),
                    }
                ),
                "TxnDateRangeFilter": compact(
                    {"FromTxnDate": qb_date(self.txn_date_from), "ToTxnDate": qb_date(self.txn_date_to)}
                ),
                "EntityFilter": _entity_filter(self.entity),
                "RefNumberFilter": {
                    "MatchCriterion": self.ref_number_match or "StartsWith",
                    "RefNumber": self.ref_number,
                }
                if self.ref_number is not None
                else None,
                "RefNumberRangeFilter": compact(
                    {"FromRefNumber": self.ref_number_from, "ToRefNumber": self.ref_number_to}
                ),
            }
        out["IncludeLineItems"] = self.include_line_items
        out["IncludeRetElement"] = list(self.include_ret_elements)
        return compact(out)

    def fields(self) -> dict[str, Any]:
        return {**self._filter(), **self._iterator_attrs()}


def _entity_filter(entities: list[Ref | str]) -> dict[str, Any] | None:
    if not entities:
        return None
    refs = [ref(e) for e in entities]
    kinds = {next(iter(r)) for r in refs}
    if len(kinds) > 1:
        raise ValueError("EntityFilter: give all entities by ListID or all by FullName")
    kind = kinds.pop()
    return {kind: [r[kind] for r in refs]}


@dataclass(kw_only=True)
class BillQuery(_TxnQuery):
    op: ClassVar[str] = "BillQuery"
    paid_status: Literal["All", "PaidOnly", "NotPaidOnly"] | None = None
    include_linked_txns: bool | None = None

    @classmethod
    def lookup(cls, vendor: Ref | str, ref_number: str) -> BillQuery:
        """The bills of `vendor` whose RefNumber equals `ref_number` (a one-value range): the look-before-add."""
        return cls(entity=[vendor], ref_number_from=ref_number, ref_number_to=ref_number, include_line_items=True)

    def fields(self) -> dict[str, Any]:
        extra = compact({"PaidStatus": self.paid_status, "IncludeLinkedTxns": self.include_linked_txns})
        return {**super().fields(), **extra}


@dataclass(kw_only=True)
class BillPaymentCheckQuery(_TxnQuery):
    op: ClassVar[str] = "BillPaymentCheckQuery"


@dataclass(kw_only=True)
class BillPaymentCreditCardQuery(_TxnQuery):
    op: ClassVar[str] = "BillPaymentCreditCardQuery"


@dataclass(kw_only=True)
class InvoiceQuery(_TxnQuery):
    op: ClassVar[str] = "InvoiceQuery"
    paid_status: Literal["All", "PaidOnly", "NotPaidOnly"] | None = None
    include_linked_txns: bool | None = None

    def fields(self) -> dict[str, Any]:
        extra = compact({"PaidStatus": self.paid_status, "IncludeLinkedTxns": self.include_linked_txns})
        return {**super().fields(), **extra}


@dataclass(kw_only=True)
class PurchaseOrderQuery(_TxnQuery):
    op: ClassVar[str] = "PurchaseOrderQuery"
    include_linked_txns: bool | None = None

    def fields(self) -> dict[str, Any]:
        return {**super().fields(), **compact({"IncludeLinkedTxns": self.include_linked_txns})}


# -- deletions and company information ---------------------------------------------------------------------


def _deleted_range(since: When | None, until: When | None) -> dict[str, Any] | None:
    return compact({"FromDeletedDate": qb_datetime(since), "ToDeletedDate": qb_datetime(until)}) or None


@dataclass(kw_only=True)
class TxnDeletedQuery:
    """Transactions deleted (optionally within a date range); no iterator in qbXML."""

    op: ClassVar[str] = "TxnDeletedQuery"
    txn_del_types: list[str]
    deleted_since: When | None = None
    deleted_until: When | None = None

    def fields(self) -> dict[str, Any]:
        if not self.txn_del_types:
            raise QbxmlFieldError("TxnDeletedQuery/TxnDelType", "at least one transaction type is required")
        return compact(
            {
                "TxnDelType": list(self.txn_del_types),
                "DeletedDateRangeFilter": _deleted_range(self.deleted_since, self.deleted_until),
            }
        )


@dataclass(kw_only=True)
class ListDeletedQuery:
    """List objects deleted (optionally within a date range); no iterator in qbXML."""

    op: ClassVar[str] = "ListDeletedQuery"
    list_del_types: list[str]
    deleted_since: When | None = None
    deleted_until: When | None = None

    def fields(self) -> dict[str, Any]:
        if not self.list_del_types:
            raise QbxmlFieldError("ListDeletedQuery/ListDelType", "at least one list type is required")
        return compact(
            {
                "ListDelType": list(self.list_del_types),
                "DeletedDateRangeFilter": _deleted_range(self.deleted_since, self.deleted_until),
            }
        )


@dataclass(kw_only=True)
class HostQuery:
    op: ClassVar[str] = "HostQuery"

    def fields(self) -> dict[str, Any]:
        return {}


@dataclass(kw_only=True)
class CompanyQuery:
    op: ClassVar[str] = "CompanyQuery"

    def fields(self) -> dict[str, Any]:
        return {}


@dataclass(kw_only=True)
class PreferencesQuery:
    op: ClassVar[str] = "PreferencesQuery"

    def fields(self) -> dict[str, Any]:
        return {}


Request = (
    VendorAdd
    | VendorMod
    | VendorQuery
    | BillAdd
    | BillMod
    | BillQuery
    | BillPaymentCheckQuery
    | BillPaymentCreditCardQuery
    | AccountQuery
    | ItemQuery
    | CustomerQuery
    | InvoiceQuery
    | PurchaseOrderQuery
    | TxnDeletedQuery
    | ListDeletedQuery
    | HostQuery
    | CompanyQuery
    | PreferencesQuery
)


def render_request(request: Request, *, version: str, request_id: str) -> etree._Element:
    """Render a typed builder (shorthand for render(request.op, request.fields(), ...))."""
    return render(request.op, request.fields(), version=version, request_id=request_id)

"""Add, Mod and Del requests: the rules QuickBooks applies before it changes the company file."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.quickbooks import editions, receiving, statuses
from sandbox.quickbooks.context import Context, full_name
from sandbox.quickbooks.kinds import ITEM_KINDS, KINDS, PAYMENT_KINDS, PAYS, PURCHASE_KINDS, REF_TARGETS, Kind
from sandbox.quickbooks.seed import AP_ACCOUNT, AR_ACCOUNT
from sandbox.quickbooks.values import as_list, money, money_text

_IDS = ("ListID", "TxnID", "EditSequence")


# -- references --------------------------------------------------------------------------------


def resolve_ref(ctx: Context, field: str, ref: dict[str, Any], owner: str) -> dict[str, Any]:
    """A reference as QuickBooks returns it (ListID and FullName), or 3140 when it names nothing."""
    target = REF_TARGETS.get(field)
    if target is None or not isinstance(ref, dict):
        return ref  # a list the sandbox does not keep (terms, tax codes, currencies): taken as given
    namespace, kinds, word = target
    if ref.get("ListID"):
        found = ctx.store.get(ref["ListID"])
    elif ref.get("FullName"):
        found = ctx.store.by_name(namespace, ref["FullName"])
    else:
        found = None
    if found is None or found[0] not in kinds:
        raise statuses.invalid_reference(word, ref.get("ListID") or ref.get("FullName") or "", owner)
    return {"ListID": found[1]["ListID"], "FullName": full_name(found[1])}


def _resolve_refs(ctx: Context, data: dict[str, Any], owner: str) -> None:
    """Resolve every reference in `data`, including those inside lines and nested aggregates."""
    for key, value in data.items():
        if key in REF_TARGETS:
            data[key] = (
                [resolve_ref(ctx, key, v, owner) for v in value]
                if isinstance(value, list)
                else resolve_ref(ctx, key, value, owner)
            )
        elif isinstance(value, dict):
            _resolve_refs(ctx, value, owner)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _resolve_refs(ctx, item, owner)


def _is_line(key: str) -> bool:
    return key.endswith(("LineRet", "LineAdd", "LineMod"))


# -- add / mod / del ---------------------------------------------------------------------------


def add(ctx: Context, kind: Kind, body: dict[str, Any]) -> dict[str, Any]:
    """Apply `<KindAdd>`; returns the stored Ret."""
    doc = {k: v for k, v in body.items() if not _is_line(k)}
    if not kind.is_list:
        doc["TxnID"] = ctx.new_txn_id()  # before its lines: they are numbered from the same sequence
    for stem in kind.lines:
        doc[f"{stem}Ret"] = [{"TxnLineID": ctx.new_line_id(), **line} for line in as_list(body.get(f"{stem}Add"))]
    _resolve_refs(ctx, doc, kind.name)
    if kind.name in PURCHASE_KINDS:
        editions.require_tax_codes(ctx.country, doc["ExpenseLineRet"], kind.name)
    if kind.name == "Bill":
        receiving.take_links(ctx, doc, doc["ItemLineRet"])
    if kind.is_list:
        doc["ListID"] = ctx.new_list_id()
        doc.setdefault("IsActive", "true")
        _name_fields(ctx, kind, doc)
    else:
        doc.setdefault("TxnDate", ctx.today)
        doc["TxnNumber"] = str(ctx.store.next_number("txn_number"))
    doc["TimeCreated"] = ctx.now
    ctx.touch(doc)
    _defaults(ctx, kind, doc)
    if kind.name in PAYMENT_KINDS:
        _apply_payment(ctx, kind, doc, as_list(body.get("AppliedToTxnAdd")))
    _derive_amounts(kind, doc, ctx.country)
    saved = ctx.save(kind, doc, new=True)
    if kind.name == "Bill":
        receiving.receive(ctx, receiving.linked_pos(ctx, saved))
    return saved


def _existing(ctx: Context, kind_name: str, key: str) -> dict[str, Any]:
    """The stored object `key` of kind `kind_name`, else QuickBooks' 3120 (not found)."""
    found = ctx.store.get(key)
    if found is None or found[0] != kind_name:
        raise statuses.not_found(key)
    return found[1]


def mod(ctx: Context, kind: Kind, body: dict[str, Any]) -> dict[str, Any]:
    """Apply `<KindMod>`: the object must exist (3120) and the EditSequence be current (3200)."""
    key = body.get("ListID") or body.get("TxnID")
    doc = _existing(ctx, kind.name, key)
    if body.get("EditSequence") != doc["EditSequence"]:
        raise statuses.stale_edit_sequence(body.get("EditSequence", ""))
    received = receiving.linked_pos(ctx, doc) if kind.name == "Bill" else set()
    changes = {k: v for k, v in body.items() if k not in _IDS and not _is_line(k) and not k.startswith("Clear")}
    _resolve_refs(ctx, changes, kind.name)
    doc.update(changes)
    if kind.name in ("Vendor", "Customer"):
        _address_blocks(doc)
    for stem in kind.lines:
        _mod_lines(ctx, kind, doc, body, stem)
    if kind.name in PURCHASE_KINDS:
        editions.require_tax_codes(ctx.country, as_list(doc.get("ExpenseLineRet")), kind.name)
    if kind.is_list:
        _name_fields(ctx, kind, doc)
    ctx.touch(doc)
    _derive_amounts(kind, doc, ctx.country)
    saved = ctx.save(kind, doc)
    if kind.name == "Bill":
        receiving.receive(ctx, received | receiving.linked_pos(ctx, saved))
    return saved


def _mod_lines(ctx: Context, kind: Kind, doc: dict, body: dict, stem: str) -> None:
    """Lines a Mod lists replace the old ones (unlisted lines go, TxnLineID -1 adds); Clear...Lines empties."""
    if body.get(f"Clear{stem}s") == "true":
        doc[f"{stem}Ret"] = []
        return
    mods = as_list(body.get(f"{stem}Mod"))
    if not mods:
        return
    old = {line["TxnLineID"]: line for line in as_list(doc.get(f"{stem}Ret"))}
    lines = []
    for line in mods:
        _resolve_refs(ctx, line, kind.name)
        line_id = line["TxnLineID"]
        if line_id == "-1":
            lines.append({**line, "TxnLineID": ctx.new_line_id()})
            continue
        if line_id not in old:
            raise statuses.not_found(line_id)
        merged = {**old[line_id], **line}
        if "Amount" not in line and ({"Quantity", "Cost", "Rate"} & line.keys()):
            merged.pop("Amount", None)  # recomputed from the new quantity and price
        lines.append(merged)
    doc[f"{stem}Ret"] = lines


def list_del(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    kind_name, key = body["ListDelType"], body["ListID"]
    doc = _existing(ctx, kind_name, key)
    ctx.store.delete(key)
    ctx.store.record_deleted(
        key, kind_name, is_list=True, time_created=doc["TimeCreated"], time_deleted=ctx.now, label=full_name(doc)
    )
    return {"ListDelType": kind_name, "ListID": key, "TimeDeleted": ctx.now, "FullName": full_name(doc)}


def txn_del(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    kind_name, key = body["TxnDelType"], body["TxnID"]
    doc = _existing(ctx, kind_name, key)
    if kind_name in PAYMENT_KINDS:
        _unapply_payment(ctx, doc)
    received = receiving.linked_pos(ctx, doc) if kind_name == "Bill" else set()
    ctx.store.delete(key)
    receiving.receive(ctx, received)
    ctx.store.record_deleted(
        key,
        kind_name,
        is_list=False,
        time_created=doc["TimeCreated"],
        time_deleted=ctx.now,
        label=doc.get("RefNumber"),
    )
    return {"TxnDelType": kind_name, "TxnID": key, "TimeDeleted": ctx.now, "RefNumber": doc.get("RefNumber")}


def txn_void(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """Void a transaction as QuickBooks does: it stays, its amounts become zero and its memo says VOID. A bill
    with payments applied is refused (the payments must go first)."""
    kind_name, key = body["TxnVoidType"], body["TxnID"]
    doc = _existing(ctx, kind_name, key)
    kind = KINDS[kind_name]
    if any(t.get("TxnType") in PAYMENT_KINDS for t in as_list(doc.get("LinkedTxn"))):
        raise statuses.invalid_value("TxnID", key, "The transaction has payments applied; it cannot be voided.")
    for stem in kind.lines:
        for line in as_list(doc.get(f"{stem}Ret")):
            line["Amount"] = "0.00"
            line.pop("Quantity", None)
    if not str(doc.get("Memo", "")).startswith("VOID:"):
        doc["Memo"] = f"VOID: {doc.get('Memo', '')}".strip()
    ctx.touch(doc)
    _derive_amounts(kind, doc, ctx.country)
    ctx.save(kind, doc)
    if kind_name == "Bill":
        receiving.receive(ctx, receiving.linked_pos(ctx, doc))
    return {
        "TxnVoidType": kind_name,
        "TxnID": key,
        "TimeCreated": doc["TimeCreated"],
        "TimeModified": doc["TimeModified"],
        "RefNumber": doc.get("RefNumber"),
    }


# -- per-kind rules ----------------------------------------------------------------------------


def _name_fields(ctx: Context, kind: Kind, doc: dict[str, Any]) -> None:
    """FullName from the parent chain; names are unique across the kind's name space (3100)."""
    parent = doc.get("ParentRef")
    if parent:
        parent_kinds = ITEM_KINDS if kind.name in ITEM_KINDS else (kind.name,)
        found = ctx.store.get(parent.get("ListID", "")) or ctx.store.by_name(kind.namespace, parent.get("FullName", ""))
        if found is None or found[0] not in parent_kinds:
            raise statuses.invalid_reference(kind.name, parent.get("ListID") or parent.get("FullName", ""), kind.name)
        parent_full = full_name(found[1])
        doc["ParentRef"] = {"ListID": found[1]["ListID"], "FullName": parent_full}
        doc["FullName"] = f"{parent_full}:{doc['Name']}"
        doc["Sublevel"] = str(parent_full.count(":") + 1)
    else:
        doc["FullName"] = doc["Name"]
        doc["Sublevel"] = "0"
    taken = ctx.store.by_name(kind.namespace, doc["FullName"])
    if taken is not None and taken[1]["ListID"] != doc["ListID"]:
        raise statuses.name_in_use(doc["FullName"])


def _account_ref(ctx: Context, name: str, owner: str) -> dict[str, Any]:
    return resolve_ref(ctx, "AccountRef", {"FullName": name}, owner)


def _defaults(ctx: Context, kind: Kind, doc: dict[str, Any]) -> None:
    """Fields QuickBooks fills in on an Add."""
    if kind.name in ("Vendor", "Customer"):
        doc["Balance"] = money_text(money(doc.pop("OpenBalance", "0")))
        if kind.name == "Customer":
            doc["TotalBalance"] = doc["Balance"]
        elif ctx.country == "US":
            doc.setdefault("IsVendorEligibleFor1099", "false")
        _address_blocks(doc)
    elif kind.name == "Account":
        doc.setdefault("Balance", "0.00")
        doc.setdefault("TotalBalance", "0.00")
    elif kind.name in PURCHASE_KINDS:
        doc.setdefault("APAccountRef", _account_ref(ctx, AP_ACCOUNT, kind.name))
        if kind.name == "Bill":
            doc.setdefault("DueDate", doc["TxnDate"])
    elif kind.name == "Invoice":
        doc.setdefault("ARAccountRef", _account_ref(ctx, AR_ACCOUNT, "Invoice"))
        doc.setdefault("DueDate", doc["TxnDate"])
        doc.update({"SalesTaxPercentage": "0.00", "SalesTaxTotal": "0.00", "AppliedAmount": "0.00"})
    elif kind.name == "PurchaseOrder":
        doc.update({"IsManuallyClosed": "false", "IsFullyReceived": "false"})
    elif kind.name in PAYMENT_KINDS:
        pays = PAYS[kind.name]
        doc.setdefault(pays.account_field, _account_ref(ctx, pays.account, kind.name))


# Address -> the block QuickBooks prints from it (the name first, then the street lines, then "City, State Zip").
_BLOCKS = {"VendorAddress": "VendorAddressBlock", "BillAddress": "BillAddressBlock", "ShipAddress": "ShipAddressBlock"}


def _address_blocks(doc: dict[str, Any]) -> None:
    for address, block in _BLOCKS.items():
        parts = doc.get(address)
        if not isinstance(parts, dict):
            continue
        place = " ".join(
            filter(None, [", ".join(filter(None, [parts.get("City"), parts.get("State")])), parts.get("PostalCode")])
        )
        lines = [doc.get("CompanyName") or doc.get("Name")]
        lines += [parts.get(f"Addr{i}") for i in range(1, 6)] + [place, parts.get("Country")]
        lines = [line for line in lines if line][:5]
        doc[block] = {f"Addr{i}": line for i, line in enumerate(lines, 1)}


def _derive_amounts(kind: Kind, doc: dict[str, Any], country: str) -> None:
    """Line amounts (Quantity x Cost/Rate when not given), the total of the lines (plus the purchase tax of a
    Canadian or UK bill or vendor credit whose amounts are net of tax), what is left to pay."""
    if not kind.lines or kind.amount_field is None:
        return
    taxed = kind.name in PURCHASE_KINDS and doc.get("IsTaxIncluded") != "true"
    total = Decimal("0.00")
    for stem in kind.lines:
        for line in as_list(doc.get(f"{stem}Ret")):
            if "Amount" in line:
                amount = money(line["Amount"], f"{stem}/Amount")
            else:
                price = line.get("Cost", line.get("Rate", "0"))
                amount = money(Decimal(str(money(line.get("Quantity", "1"), "Quantity"))) * money(price, "Cost"))
            line["Amount"] = money_text(amount)
            total += amount + (editions.line_tax(country, line, amount) if taxed else 0)
    doc[kind.amount_field] = money_text(total)
    if kind.open_field:
        paid = -sum(
            (money(t["Amount"]) for t in as_list(doc.get("LinkedTxn")) if t["TxnType"] in PAYMENT_KINDS),
            Decimal("0.00"),
        )
        left = total - paid
        if left < 0:
            raise statuses.invalid_value(kind.amount_field, money_text(total), f"It is less than the {paid} paid.")
        doc[kind.open_field] = money_text(left)
        if kind.paid_field:
            doc[kind.paid_field] = "true" if left == 0 else "false"
        if kind.name == "Invoice":
            doc["AppliedAmount"] = money_text(-paid)  # QuickBooks shows what payments applied as a negative amount


def _apply_payment(ctx: Context, kind: Kind, doc: dict[str, Any], applications: list[dict]) -> None:
    """A payment pays transactions of its payee (bills of a vendor, invoices of a customer); more than what is open
    is 3210."""
    pays = PAYS[kind.name]
    target = KINDS[pays.target]
    total = Decimal("0.00")
    applied = []
    for app in applications:
        found = ctx.store.get(app["TxnID"])
        if found is None or found[0] != pays.target:
            raise statuses.not_found(app["TxnID"])
        paid = found[1]
        if paid[pays.target_entity]["ListID"] != doc[kind.entity_ref]["ListID"]:
            raise statuses.invalid_value(
                "TxnID", app["TxnID"], f"The {pays.target.lower()} belongs to another name than the payee."
            )
        open_amount = money(paid[target.open_field])
        name = paid.get("RefNumber") or paid["TxnID"]
        amount = money(app.get("PaymentAmount", paid[target.open_field]), "PaymentAmount")
        if amount <= 0 or amount > open_amount:
            raise statuses.invalid_value(
                "PaymentAmount",
                money_text(amount),
                f"The {pays.target.lower()} {name} has {money_text(open_amount)} open.",
            )
        paid["LinkedTxn"] = [
            *as_list(paid.get("LinkedTxn")),
            {
                "TxnID": doc["TxnID"],
                "TxnType": kind.name,
                "TxnDate": doc["TxnDate"],
                "RefNumber": doc.get("RefNumber"),
                "LinkType": "AMTTYPE",
                "Amount": money_text(-amount),
            },
        ]
        ctx.touch(paid)
        _derive_amounts(target, paid, ctx.country)
        ctx.save(target, paid)
        applied.append(
            {
                "TxnID": paid["TxnID"],
                "TxnType": pays.target,
                "TxnDate": paid["TxnDate"],
                "RefNumber": paid.get("RefNumber"),
                "BalanceRemaining": paid[target.open_field],
                "Amount": money_text(amount),
            }
        )
        total += amount
    doc["AppliedToTxnRet"] = applied
    doc[kind.amount_field] = money_text(total)


def _unapply_payment(ctx: Context, payment: dict[str, Any]) -> None:
    for app in as_list(payment.get("AppliedToTxnRet")):
        found = ctx.store.get(app["TxnID"])
        if found is None:
            continue  # the bill or invoice was deleted first
        kind, paid = KINDS[found[0]], found[1]
        paid["LinkedTxn"] = [t for t in as_list(paid.get("LinkedTxn")) if t["TxnID"] != payment["TxnID"]]
        ctx.touch(paid)
        _derive_amounts(kind, paid, ctx.country)
        ctx.save(kind, paid)

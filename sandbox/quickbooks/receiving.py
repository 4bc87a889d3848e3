"""Bills received against purchase orders: an item line added with LinkToTxn (a PO's TxnID and TxnLineID) bills that
PO line; QuickBooks then counts the line's ReceivedQuantity, links the bill and the PO both ways (LinkedTxn) and marks
the PO IsFullyReceived once every line has been received in full. Editing, voiding or deleting a bill recounts."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sandbox.quickbooks import statuses
from sandbox.quickbooks.context import Context
from sandbox.quickbooks.kinds import KINDS
from sandbox.quickbooks.values import as_list, money, money_text

_META = "po_link:"  # store meta key per bill line TxnLineID -> "<PO TxnID> <PO TxnLineID>"
_BILLS = "po_bill:"  # store meta key "<PO TxnID> <bill TxnID>" per bill ever received against the PO
_INDEXED = "po_bills_indexed"  # set once a company file's earlier links are in _BILLS


def take_links(ctx: Context, bill: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """Record the PO line each new item line of `bill` links to (LinkToTxn, which the Ret does not keep): the PO
    must be an open one of the bill's vendor and have that line (3120 / 3140 otherwise); the line takes the PO line's
    item and cost when it names none."""
    for line in lines:
        link = line.pop("LinkToTxn", None)
        if not link:
            continue
        found = ctx.store.get(link.get("TxnID", ""))
        if found is None or found[0] != "PurchaseOrder":
            raise statuses.not_found(link.get("TxnID", ""))
        po = found[1]
        if po["VendorRef"]["ListID"] != bill["VendorRef"]["ListID"]:
            raise statuses.invalid_reference("PurchaseOrder", po["TxnID"], "Bill")
        po_line = next((x for x in as_list(po.get("PurchaseOrderLineRet")) if x["TxnLineID"] == link.get("TxnLineID")),
                       None)  # fmt: skip
        if po_line is None:
            raise statuses.not_found(link.get("TxnLineID", ""))
        line.setdefault("ItemRef", po_line.get("ItemRef"))
        line.setdefault("Cost", po_line.get("Rate"))
        ctx.store.set_meta(_META + line["TxnLineID"], f"{po['TxnID']} {po_line['TxnLineID']}")
        ctx.store.set_meta(f"{_BILLS}{po['TxnID']} {bill['TxnID']}", "1")


def linked_pos(ctx: Context, bill: dict[str, Any]) -> set[str]:
    """TxnIDs of the POs the bill's item lines (or its earlier links) are received against."""
    found = {t["TxnID"] for t in as_list(bill.get("LinkedTxn")) if t.get("TxnType") == "PurchaseOrder"}
    for line in as_list(bill.get("ItemLineRet")):
        link = ctx.store.get_meta(_META + line["TxnLineID"])
        if link:
            found.add(link.split()[0])
    return found


def receive(ctx: Context, po_ids: set[str]) -> None:
    """Recount what every bill has received of each PO in `po_ids`, and restate both sides' links."""
    if not po_ids:
        return
    received: dict[str, Decimal] = defaultdict(Decimal)
    bills: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))  # PO -> bill -> amount
    for bill in _bills_received_against(ctx, po_ids):
        for line in as_list(bill.get("ItemLineRet")):
            link = ctx.store.get_meta(_META + line["TxnLineID"])
            if not link or link.split()[0] not in po_ids:
                continue
            po_id, po_line_id = link.split()
            received[po_line_id] += Decimal(str(line.get("Quantity", "0")))
            bills[po_id][bill["TxnID"]] += money(line.get("Amount", "0"))
        _link_bill(ctx, bill, po_ids, {p: b[bill["TxnID"]] for p, b in bills.items() if bill["TxnID"] in b})
    for po_id in po_ids:
        found = ctx.store.get(po_id)
        if found is None:
            continue
        po = found[1]
        full = True
        for line in as_list(po.get("PurchaseOrderLineRet")):
            got = received.get(line["TxnLineID"], Decimal(0))
            line["ReceivedQuantity"] = _quantity(got)
            line["UnbilledQuantity"] = _quantity(max(Decimal(str(line.get("Quantity", "0"))) - got, Decimal(0)))
            line["IsBilled"] = "true" if got else "false"
            full = full and got >= Decimal(str(line.get("Quantity", "0")))
        po["IsFullyReceived"] = "true" if full else "false"
        po["LinkedTxn"] = [_link("Bill", ctx.store.get(b)[1], amount) for b, amount in bills[po_id].items()
                           if ctx.store.get(b)]  # fmt: skip
        ctx.touch(po)
        ctx.save(KINDS["PurchaseOrder"], po)


def _bills_received_against(ctx: Context, po_ids: set[str]) -> list[dict[str, Any]]:
    """The bills ever received against any of `po_ids`, in creation order: a superset (each line's link decides), read
    by key, not by decoding every bill of the file (2.5 s a linked BillAdd at 18,000 bills)."""
    if ctx.store.get_meta(_INDEXED) is None:
        _index_links(ctx)
    ids = sorted({key.split()[1] for po_id in po_ids for key in ctx.store.meta_keys(f"{_BILLS}{po_id} ")})
    if not ids:
        return []
    return [bill for _, bill in ctx.store.scan(("Bill",), f"id IN ({','.join('?' for _ in ids)})", tuple(ids))]


def _index_links(ctx: Context) -> None:
    """Once per company file: index the PO links its bills made before _BILLS was kept."""
    for _, bill in list(ctx.store.scan(("Bill",))):
        for po_id in linked_pos(ctx, bill):
            ctx.store.set_meta(f"{_BILLS}{po_id} {bill['TxnID']}", "1")
    ctx.store.set_meta(_INDEXED, "1")


def _link_bill(ctx: Context, bill: dict, po_ids: set[str], amounts: dict[str, Decimal]) -> None:
    """The bill's LinkedTxn: its links to other POs and payments as they were, to these POs as counted now."""
    kept = [t for t in as_list(bill.get("LinkedTxn")) if t.get("TxnID") not in po_ids]
    linked = [_link("PurchaseOrder", ctx.store.get(p)[1], a) for p, a in amounts.items() if ctx.store.get(p)]
    if kept + linked != as_list(bill.get("LinkedTxn")):
        bill["LinkedTxn"] = kept + linked
        ctx.save(KINDS["Bill"], bill)


def _link(kind: str, doc: dict[str, Any], amount: Decimal) -> dict[str, Any]:
    return {"TxnID": doc["TxnID"], "TxnType": kind, "TxnDate": doc["TxnDate"], "RefNumber": doc.get("RefNumber"),
            "LinkType": "QUANTYPE", "Amount": money_text(amount)}  # fmt: skip


def _quantity(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"

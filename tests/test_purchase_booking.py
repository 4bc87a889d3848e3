"""Each purchase is booked once (bill_on = po, Coupa's default), through the demo pipeline and the sandbox company
file: an invoice arriving after its PO's bill adjusts that bill by BillMod (invoice_difference = adjust) instead of
adding a second one, and its audit story names the same TxnID; an invoice staged before its PO waits for it instead
of becoming a bill. The BillMod goes out after another user edited the bill in QuickBooks: the stale EditSequence
is answered 3200, the bridge reads the bill again and applies the change with the fresh one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox.coupa.dataset import money
from sandbox.coupa.truth import expected
from sandbox.demo import DemoEnvironment
from sandbox.quickbooks.company import CompanyFile

SEED, RECORDS = 5, 30
OTHER_USERS_DUE_DATE = "2030-01-31"


@pytest.fixture
def demo(tmp_path):
    with DemoEnvironment(tmp_path / "demo", records=RECORDS, seed=SEED, bad_share=0.0) as env:
        yield env


def _invoice_with_po(env: DemoEnvironment) -> tuple[dict, dict]:
    pos = {po["po-number"]: po for po in env.systems["coupa"].dataset.purchase_orders}
    for invoice in env.systems["coupa"].dataset.invoices:
        number = invoice["invoice-lines"][0].get("po-number")
        if invoice["status"] == "approved" and number in pos and pos[number]["status"] == "issued":
            return invoice, pos[number]
    raise AssertionError("the seed has no approved invoice against an issued PO")


def _another_user_sets_due_date(env: DemoEnvironment, bill: dict) -> None:
    """Someone at the QuickBooks desk edits the bill: its EditSequence moves on."""
    message = (
        '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError"><BillModRq>'
        f"<BillMod><TxnID>{bill['TxnID']}</TxnID><EditSequence>{bill['EditSequence']}</EditSequence>"
        f"<DueDate>{OTHER_USERS_DUE_DATE}</DueDate></BillMod></BillModRq></QBXMLMsgsRq></QBXML>"
    )
    with CompanyFile(env.company_path) as company:
        company.process(message)
        [edited] = [b for b in company.objects("Bill") if b["TxnID"] == bill["TxnID"]]
    assert edited["EditSequence"] != bill["EditSequence"] and edited["DueDate"] == OTHER_USERS_DUE_DATE


def _bills(env: DemoEnvironment) -> dict[str, list[dict]]:
    with CompanyFile(env.company_path) as company:
        out: dict[str, list[dict]] = {}
        for bill in company.objects("Bill"):
            out.setdefault(bill["RefNumber"], []).append(bill)
    return out


def _amount(bill: dict) -> Decimal:
    lines = bill.get("ExpenseLineRet") or []
    lines = lines if isinstance(lines, list) else [lines]
    return sum((Decimal(str(line["Amount"])) for line in lines), Decimal("0"))


def _open_holds(env: DemoEnvironment, key: str) -> list[str]:
    return [
        r[0]
        for r in env.warehouse.fetchall(
            "SELECT check_name FROM quarantine WHERE record_key = ? AND released_at IS NULL", [key]
        )
    ]


def _settled(env: DemoEnvironment) -> None:
    env.sync()
    env.deliver()
    figures = env.result(round_trips=0, seconds=0)
    assert figures.double_booked == 0 and figures.duplicates == 0 and figures.unreconciled == 0


def test_an_invoice_after_its_po_bill_adjusts_that_bill_once(demo):
    demo.warehouse.execute("UPDATE company_sources SET invoice_difference = 'adjust'")
    invoice, po = _invoice_with_po(demo)
    demo.systems["coupa"].dataset.records["invoices"].pop(invoice["id"])  # Coupa has the PO only
    _settled(demo)
    bills = _bills(demo)
    po_ref, invoice_ref = po["po-number"], invoice["invoice-number"]
    assert len(bills[po_ref]) == 1 and invoice_ref not in bills
    txn_id = bills[po_ref][0]["TxnID"]
    _another_user_sets_due_date(demo, bills[po_ref][0])  # our mirror's EditSequence is stale from here on

    lines = [dict(line) for line in invoice["invoice-lines"]]  # the supplier invoices one line at another price
    price = Decimal(lines[0]["price"]) + Decimal("1.00")
    lines[0].update(price=money(price), total=money(price * Decimal(lines[0]["quantity"])))
    net = money(sum(Decimal(line["total"]) for line in lines))
    demo.systems["coupa"].dataset.records["invoices"][invoice["id"]] = invoice
    demo.systems["coupa"].dataset.touch("invoices", invoice["id"], **{"invoice-lines": lines, "gross-total": net})
    _settled(demo)

    bills = _bills(demo)
    assert invoice_ref not in bills and len(bills[po_ref]) == 1
    assert bills[po_ref][0]["TxnID"] == txn_id and _amount(bills[po_ref][0]) == Decimal(net)
    assert bills[po_ref][0]["DueDate"] == OTHER_USERS_DUE_DATE  # the other user's edit survives our BillMod
    assert expected(demo.systems["coupa"].dataset).bills[po_ref].amount == Decimal(net)
    mods = demo.warehouse.records(
        "SELECT status, dedup_key, request_id FROM qbxml_outbox WHERE record_key = ? AND op = 'BillMod'",
        [f"coupa:po:{po['id']}"],
    )
    assert [m["status"] for m in mods] == ["done"] and f"+i{invoice['id']}v" in mods[0]["dedup_key"]
    events = [e["event"] for e in demo.warehouse.records(
        "SELECT event FROM audit_log WHERE request_id = ? ORDER BY audit_id", [mods[0]["request_id"]]
    )]  # fmt: skip
    # 3200 on the stale EditSequence, the bill read again, then applied with the fresh one
    assert "requery" in events and "done" in events and events.index("done") > events.index("requery")
    story = demo.warehouse.records(
        "SELECT event, detail FROM audit_log WHERE record_key = ? AND event = 'booked_on_bill'",
        [f"coupa:invoice:{invoice['id']}"],
    )
    assert story and all(txn_id in str(row["detail"]) for row in story)
    ordered = sum(Decimal(line["total"]) for line in po["order-lines"])
    assert f"difference {Decimal(net) - ordered:.2f} over 1 account(s)" in str(story[-1]["detail"])


def test_an_invoice_staged_before_its_po_waits_and_is_booked_on_the_po_bill(demo):
    invoice, po = _invoice_with_po(demo)
    demo.systems["coupa"].dataset.records["purchase_orders"].pop(po["id"])  # the invoice lands first
    _settled(demo)
    invoice_key = f"coupa:invoice:{invoice['id']}"
    assert _open_holds(demo, invoice_key) == ["invoice_po_known"]
    assert invoice["invoice-number"] not in _bills(demo)

    demo.systems["coupa"].dataset.records["purchase_orders"][po["id"]] = po
    demo.systems["coupa"].dataset.touch("purchase_orders", po["id"])
    _settled(demo)
    bills = _bills(demo)
    assert _open_holds(demo, invoice_key) == []
    assert invoice["invoice-number"] not in bills and len(bills[po["po-number"]]) == 1
    recon = dict(
        demo.warehouse.fetchall(
            "SELECT purchase, status FROM recon_purchases WHERE purchase = ?", [f"coupa:po:{po['id']}"]
        )
    )
    assert recon == {f"coupa:po:{po['id']}": "booked_once"}

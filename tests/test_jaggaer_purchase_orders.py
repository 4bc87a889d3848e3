"""JAGGAER with QuickBooks purchase orders (bill_on = invoice), end to end against the sandbox company file and the
generator's truth: each PO one PurchaseOrder on the mapped items, each receipt one bill whose lines are linked to the
PO's lines (partial receipts leave the PO open, the last one receives it in full), corrections modify the bill, each
credit memo is one vendor credit (never a bill; a corrected one modified, its re-delivery adding nothing), a
changed PO becomes a PurchaseOrderMod, the PO mirror follows QuickBooks, and a receipt against a PO raised in
QuickBooks (not in JAGGAER) is linked to that one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox.demo import DemoEnvironment
from sandbox.demo_system import Books
from sandbox.jaggaer.generator import segment, stamp
from sandbox.quickbooks.company import CompanyFile

SEED, RECORDS = 2, 40


def _run(env: DemoEnvironment) -> None:
    env.sync()
    env.deliver()


def _figures(env: DemoEnvironment) -> dict[str, int]:
    return env.systems["jaggaer"].verify(Books.read(env.company_path), env.policy("jaggaer")).figures


@pytest.fixture
def demo(tmp_path):
    with DemoEnvironment(tmp_path / "demo", records=RECORDS, seed=SEED, bad_share=0.0, sources=["jaggaer"]) as env:
        yield env


def test_each_po_is_one_purchase_order_and_each_receipt_one_bill_linked_to_it(demo):
    _run(demo)
    first = _figures(demo)
    assert first["purchase_orders"] == len(demo.systems["jaggaer"].dataset.orders) > 0
    assert 0 < first["fully_received"] < first["purchase_orders"]  # some partial or not yet invoiced
    zero = ("purchase_orders_not_one", "purchase_orders_wrong", "bills_not_one_per_receipt", "bills_not_linked_to_po",
            "credits_not_one_per_memo", "credits_wrong")  # fmt: skip
    assert [first[k] for k in zero] == [0] * len(zero)
    assert first["unreconciled"] == 0 and first["credit_memos"] > 0
    assert demo.revise()  # corrections and identical re-deliveries
    _run(demo)
    second = _figures(demo)
    assert second["corrected"] == 3 and second["corrected_not_modified"] == 0
    assert second["credits_corrected_not_modified"] == 0 and second["credits_not_one_per_memo"] == 0
    assert second["unreconciled"] == second["bills_not_one_per_receipt"] == second["purchase_orders_wrong"] == 0
    credits = demo.warehouse.fetchall(
        "SELECT status, count(*) FROM recon_documents WHERE qb_txn_type = 'VendorCredit' GROUP BY status"
    )
    assert credits == [("matched", second["credit_memos"])]  # the view finds each credit memo's vendor credit
    outcomes = dict(demo.warehouse.fetchall("SELECT outcome, count(*) FROM document_outcomes GROUP BY outcome"))
    assert outcomes["credited"] == second["credit_memos"]
    ops = dict(demo.warehouse.fetchall("SELECT op, count(*) FROM qbxml_outbox WHERE op LIKE 'VendorCredit%' "
                                       "AND status = 'done' GROUP BY op"))  # fmt: skip
    assert (ops["VendorCreditAdd"], ops["VendorCreditMod"]) == (second["credit_memos"], 1)
    memos = {f"jaggaer:invoice:{key}" for key in demo.systems["jaggaer"].dataset.expected_credits()}
    billed = {key for (key,) in demo.warehouse.fetchall("SELECT record_key FROM qbxml_outbox WHERE op LIKE 'Bill%'")}
    assert not memos & billed  # never a bill
    mirrored = dict(demo.warehouse.fetchall("SELECT ref_number, credit_amount FROM qb_vendor_credits"))
    assert len(mirrored) == second["credit_memos"]
    with CompanyFile(demo.company_path) as company:
        in_file = {po["TxnID"]: po["IsFullyReceived"] == "true" for po in company.objects("PurchaseOrder")}
    mirrored = dict(demo.warehouse.fetchall("SELECT txn_id, is_fully_received FROM qb_purchase_orders"))
    assert mirrored == in_file  # PurchaseOrderQuery (modified since the watermark) keeps the mirror current
    assert demo.warehouse.scalar("SELECT count(*) FROM qbxml_outbox WHERE status = 'failed'") == 0


def test_a_changed_po_becomes_a_purchase_order_mod(demo):
    _run(demo)
    dataset = demo.systems["jaggaer"].dataset
    po = dataset.orders[0]
    line = po["lineList"]["poLine"][0]
    line["quantity"] += 5
    po["header"]["total"]["value"] = float(Decimal(str(po["header"]["total"]["value"])) +
                                           5 * Decimal(str(line["unitPrice"])))  # fmt: skip
    po["header"]["lastUpdate"] = dataset.tick()
    _run(demo)
    mods = demo.warehouse.scalar("SELECT count(*) FROM qbxml_outbox WHERE op = 'PurchaseOrderMod' AND status = 'done'")
    assert mods == 1
    with CompanyFile(demo.company_path) as company:
        [changed] = [p for p in company.objects("PurchaseOrder") if p["RefNumber"] == po["header"]["poNumber"]]
    assert Decimal(changed["TotalAmount"]) == Decimal(str(po["header"]["total"]["value"]))
    assert _figures(demo)["purchase_orders_not_one"] == 0


def test_a_receipt_against_a_po_raised_in_quickbooks_is_linked_to_it(demo):
    dataset = demo.systems["jaggaer"].dataset
    invoiced = {line["poNumber"] for doc in dataset.invoices for line in doc["lineList"]["invoiceLine"]
                if line.get("poNumber")}  # fmt: skip
    po = next(p for p in dataset.orders if p["header"]["poNumber"] in invoiced)
    dataset.orders.remove(po)  # JAGGAER does not have it: it was raised at the QuickBooks desk
    vendor, number = po["header"]["supplier"]["name"], po["header"]["poNumber"]
    lines = "".join(
        f"<PurchaseOrderLineAdd><ItemRef><FullName>Printer Paper</FullName></ItemRef><Quantity>{x['quantity']}"
        f"</Quantity><Rate>{x['unitPrice']}</Rate></PurchaseOrderLineAdd>"
        for x in po["lineList"]["poLine"]
    )
    message = (
        '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">'
        f"<VendorAddRq><VendorAdd><Name>{vendor}</Name></VendorAdd></VendorAddRq>"
        f"<PurchaseOrderAddRq><PurchaseOrderAdd><VendorRef><FullName>{vendor}</FullName></VendorRef>"
        f"<TxnDate>{stamp(dataset.clock)[:10]}</TxnDate><RefNumber>{number}</RefNumber>{lines}</PurchaseOrderAdd>"
        "</PurchaseOrderAddRq></QBXMLMsgsRq></QBXML>"
    )
    with CompanyFile(demo.company_path) as company:
        company.process(message)
        [raised] = [p for p in company.objects("PurchaseOrder") if p["RefNumber"] == number]
    _run(demo)
    with CompanyFile(demo.company_path) as company:
        bills = [b for b in company.objects("Bill") if b["TxnID"] and any(
            t.get("TxnID") == raised["TxnID"] for t in _as_list(b.get("LinkedTxn")))]  # fmt: skip
        [now] = [p for p in company.objects("PurchaseOrder") if p["TxnID"] == raised["TxnID"]]
    receipts = [d for d in dataset.latest().values() if number in _po_numbers(d)]
    assert len(bills) == len(receipts) > 0
    assert all(_as_list(b.get("ItemLineRet")) for b in bills)
    assert any(Decimal(str(x.get("ReceivedQuantity", "0"))) > 0 for x in _as_list(now["PurchaseOrderLineRet"]))


def _po_numbers(doc: dict) -> set[str]:
    return {line.get("poNumber") for line in doc["lineList"]["invoiceLine"]}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def test_an_account_without_an_item_gets_one_created_once_before_the_pos_that_need_it(demo):
    wh = demo.warehouse
    wh.execute("DELETE FROM item_mappings WHERE source_system = 'jaggaer' AND source_account_code = '6300'")
    demo.sync()
    dataset = demo.systems["jaggaer"].dataset
    wanting = {po["header"]["poNumber"] for po in dataset.orders
               if any(segment(line, "Account") == "6300" for line in po["lineList"]["poLine"])}  # fmt: skip
    held = wh.records(
        "SELECT record_key, reason FROM quarantine WHERE check_name = 'item_mapped' AND released_at IS NULL"
    )
    assert wanting and {r["record_key"] for r in held} == {f"jaggaer:po:{number}" for number in wanting}
    assert all("source account '6300'" in r["reason"] and "Computer and Internet Expenses" in r["reason"] for r in held)
    demo.deliver()
    assert not wh.scalar("SELECT count(*) FROM quarantine WHERE check_name = 'item_mapped' AND released_at IS NULL")
    adds = wh.fetchall("SELECT record_key, status FROM qbxml_outbox WHERE op = 'ItemNonInventoryAdd'")
    assert adds == [("qb:item:Computer and Internet Expenses", "done")]  # one item for the account, once
    with CompanyFile(demo.company_path) as company:
        [item] = [i for i in company.objects("ItemNonInventory") if i["Name"] == "Computer and Internet Expenses"]
        pos = {po["RefNumber"]: po for po in company.objects("PurchaseOrder")}
    assert item["SalesOrPurchase"]["AccountRef"]["FullName"] == "Computer and Internet Expenses"
    for number in wanting:  # raised after their item, their 6300 lines on it
        names = {line["ItemRef"]["FullName"] for line in _as_list(pos[number]["PurchaseOrderLineRet"])}
        assert "Computer and Internet Expenses" in names
    figures = _figures(demo)
    assert figures["purchase_orders_not_one"] == figures["bills_not_one_per_receipt"] == 0
    assert figures["bills_not_linked_to_po"] == 0  # the receipts waited for their POs, then linked to them

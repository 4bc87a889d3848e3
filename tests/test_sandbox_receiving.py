"""The sandbox company file receives bills against purchase orders as QuickBooks does: an item line linked to a PO
line (LinkToTxn) counts its quantity as received; a partial bill leaves the PO open, the last one makes it fully
received; editing or voiding the bill recounts; a link to another vendor's PO or a missing line is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_sandbox_quickbooks import add_vendor, code, run
from wc_qbxml import rets, rq

from sandbox.quickbooks.company import CompanyFile


@pytest.fixture
def books(tmp_path: Path):
    with CompanyFile.create(tmp_path / "company.qbsb") as company:
        add_vendor(company, "Allied Packaging Supply")
        add_vendor(company, "Crescent Industrial Parts")
        yield company


def _po(books, ref: str = "4500001200") -> dict:
    lines = [{"ItemRef": {"FullName": "Printer Paper"}, "Desc": "Pallet wrap", "Quantity": "10", "Rate": "12.40"},
             {"ItemRef": {"FullName": "Office Chair"}, "Quantity": "2", "Rate": "189.00"}]  # fmt: skip
    body = {"VendorRef": {"FullName": "Allied Packaging Supply"}, "RefNumber": ref, "PurchaseOrderLineAdd": lines}
    (answer,) = run(books, rq("PurchaseOrderAdd", body, requestID="po"))
    assert code(answer) == 0, answer
    return answer["PurchaseOrderRet"]


def _bill(books, po: dict, quantities: list[str], vendor: str = "Allied Packaging Supply", ref: str = "INV-1"):
    po_lines = po["PurchaseOrderLineRet"]
    lines = [{"Quantity": q, "LinkToTxn": {"TxnID": po["TxnID"], "TxnLineID": po_lines[i]["TxnLineID"]}}
             for i, q in enumerate(quantities)]  # fmt: skip
    body = {"VendorRef": {"FullName": vendor}, "RefNumber": ref, "ItemLineAdd": lines}
    (answer,) = run(books, rq("BillAdd", body, requestID="b"))
    return answer


def _po_now(books, txn_id: str) -> dict:
    (answer,) = run(books, rq("PurchaseOrderQuery", {"TxnID": txn_id, "IncludeLineItems": "true",
                                                     "IncludeLinkedTxns": "true"}, requestID="q"))  # fmt: skip
    [found] = rets(answer, "PurchaseOrderRet")
    return found


def test_a_partial_bill_leaves_the_po_open_and_the_last_one_receives_it_in_full(books):
    po = _po(books)
    first = _bill(books, po, ["4", "2"], ref="INV-1")
    assert code(first) == 0, first
    bill = first["BillRet"]
    assert [x["ItemRef"]["FullName"] for x in bill["ItemLineRet"]] == ["Printer Paper", "Office Chair"]
    assert bill["AmountDue"] == "427.60"  # 4 x 12.40 + 2 x 189.00: the PO's items and rates
    now = _po_now(books, po["TxnID"])
    assert now["IsFullyReceived"] == "false"
    assert [x["ReceivedQuantity"] for x in now["PurchaseOrderLineRet"]] == ["4", "2"]
    assert [t["TxnID"] for t in rets(now, "LinkedTxn")] == [bill["TxnID"]]
    second = _bill(books, po, ["6"], ref="INV-2")
    assert code(second) == 0, second
    done = _po_now(books, po["TxnID"])
    assert done["IsFullyReceived"] == "true"
    assert [x["ReceivedQuantity"] for x in done["PurchaseOrderLineRet"]] == ["10", "2"]


def test_editing_the_bill_recounts_what_was_received(books):
    po = _po(books)
    bill = _bill(books, po, ["10", "2"])["BillRet"]
    assert _po_now(books, po["TxnID"])["IsFullyReceived"] == "true"
    first = bill["ItemLineRet"][0]
    body = {"TxnID": bill["TxnID"], "EditSequence": bill["EditSequence"],
            "ItemLineMod": [{"TxnLineID": first["TxnLineID"], "Quantity": "7"},
                            {"TxnLineID": bill["ItemLineRet"][1]["TxnLineID"]}]}  # fmt: skip
    (answer,) = run(books, rq("BillMod", body, requestID="m"))
    assert code(answer) == 0, answer
    now = _po_now(books, po["TxnID"])
    assert now["IsFullyReceived"] == "false" and now["PurchaseOrderLineRet"][0]["ReceivedQuantity"] == "7"
    (voided,) = run(books, rq("TxnVoid", {"TxnVoidType": "Bill", "TxnID": bill["TxnID"]}, requestID="v"))
    assert code(voided) == 0
    assert [x["ReceivedQuantity"] for x in _po_now(books, po["TxnID"])["PurchaseOrderLineRet"]] == ["0", "0"]


def test_a_link_to_another_vendors_po_or_a_missing_line_is_refused(books):
    po = _po(books)
    assert code(_bill(books, po, ["1"], vendor="Crescent Industrial Parts")) == 3140
    body = {
        "VendorRef": {"FullName": "Allied Packaging Supply"},
        "RefNumber": "X",
        "ItemLineAdd": [{"Quantity": "1", "LinkToTxn": {"TxnID": po["TxnID"], "TxnLineID": "99-1"}}],
    }
    (answer,) = run(books, rq("BillAdd", body, requestID="b"))
    assert code(answer) == 3120
    assert _po_now(books, po["TxnID"])["IsFullyReceived"] == "false"


def test_a_company_file_from_before_the_bill_index_still_counts_its_earlier_bills(books, tmp_path):
    """The simulator finds a PO's bills by an index it keeps since; a file written before has none and is indexed once,
    so the first bill still counts when the second arrives."""
    import sqlite3

    po = _po(books)
    first = _bill(books, po, ["4", "2"], ref="INV-1")["BillRet"]
    with sqlite3.connect(tmp_path / "company.qbsb") as older:  # as a file written before the index was kept
        assert older.execute("DELETE FROM meta WHERE key LIKE 'po_bill%'").rowcount == 2
    second = _bill(books, po, ["6"], ref="INV-2")["BillRet"]
    done = _po_now(books, po["TxnID"])
    assert [x["ReceivedQuantity"] for x in done["PurchaseOrderLineRet"]] == ["10", "2"]
    assert done["IsFullyReceived"] == "true"
    assert [t["TxnID"] for t in rets(done, "LinkedTxn")] == [first["TxnID"], second["TxnID"]]

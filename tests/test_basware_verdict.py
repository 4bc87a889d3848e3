"""Basware's independent checker (the demo's verdict, the soak's check) sees each way the handoff can go wrong:
a bill lost, doubled or coded wrong, a transfer or payment response missing, doubled or untrue, master data not in
Basware."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox.basware.demo import CC_TO_CLASS, GL_TO_QB
from sandbox.basware.generator import generate
from sandbox.basware.verdict import check
from sandbox.demo_system import Books


def _ref(name: str) -> dict:
    return {"FullName": name}


def _handed_over(dataset) -> Books:
    """The company file and the tenant as a correct run leaves them: every good invoice a bill (the first paid
    half), every invoice told its outcome, one QuickBooks vendor and account in Basware."""
    truth = dataset.expected_bills()
    bills, payments = [], []
    for n, (key, want) in enumerate(sorted(truth.items())):
        txn = f"{n + 1}-1733500000"
        lines = [{"AccountRef": _ref(GL_TO_QB[a]), "ClassRef": _ref(CC_TO_CLASS[c]), "Amount": str(amount)}
                 for a, c, amount in want["lines"]]  # fmt: skip
        bills.append({"TxnID": txn, "RefNumber": want["ref_number"], "VendorRef": _ref(want["vendor_name"]),
                      "AmountDue": str(want["amount"]), "ExpenseLineRet": lines})  # fmt: skip
        doc = dataset.documents[key.rsplit(":", 1)[1]]
        doc["transferResponses"] = [{"success": True, "voucherNumber1": txn, "responseMessage": "Bill entered"}]
        if n == 0:
            half = (want["amount"] / 2).quantize(Decimal("0.01"))
            payments.append({"TxnID": "P-1", "AppliedToTxnRet": {"TxnID": txn, "Amount": str(half)}})
            doc["paymentResponses"] = [{"success": True, "paidTotal": float(half), "paymentMethod": "Check",
                                        "responseMessage": f"Partially paid in QuickBooks: {half}"}]  # fmt: skip
    for key, defect in dataset.bad_records.items():
        field = {"missing_number": "invoiceNumber", "missing_supplier": "supplierCode", "totals_mismatch": "total",
                 "missing_amount": "netTotal", "unknown_account_code": "account"}[defect]  # fmt: skip
        dataset.documents[key.rsplit(":", 1)[1]]["transferResponses"] = [
            {"success": False, "responseMessage": f"Held by qbsync: {field}: is wrong"}
        ]
    vendor = {"ListID": "80000099-1", "Name": "Cement Works", "IsActive": "true"}
    account = {"ListID": "8000001A-1", "FullName": "Travel", "IsActive": "true"}
    return Books([vendor], bills, payments, [account])


def _basware(books: Books) -> dict[str, dict]:
    """What Basware holds after a correct run: the QuickBooks vendor and account, the mapped cost centres."""
    [vendor], [account] = books.vendors, books.accounts
    centres = {code: {"costCenterCode": code, "costCenterNames": [{"translation": name}]}
               for code, name in CC_TO_CLASS.items()}  # fmt: skip
    return {
        "vendors": {vendor["ListID"]: {"name": vendor["Name"], "processingStatus": {"active": True}}},
        "accounts": {account["ListID"]: {"accountNames": [{"translation": "Travel"}], "companies": [{"active": True}]}},
        "costCenters": centres,
    }


@pytest.fixture
def handed():
    dataset = generate(4, vendors=4, invoices=12, bad_share=0.3)
    books = _handed_over(dataset)
    held = _basware(books)
    return dataset, books, held


def test_a_correct_handoff_is_clean(handed):
    dataset, books, held = handed
    report = check(books, dataset, held, (GL_TO_QB, CC_TO_CLASS))
    assert report.clean, report.lines()
    assert report.figures["paid_partially"] == 1 and report.figures["held_told_why"] == len(dataset.bad_records)


def _first(dataset, books) -> dict:
    """The invoice of the first bill, the one paid half."""
    ref = books.bills[0]["RefNumber"]
    return next(d for d in dataset.documents.values() if d["invoiceNumber"] == ref)


@pytest.mark.parametrize(
    ("spoil", "figure"),
    [
        (lambda d, b, h: b.bills.pop(), "bills_lost"),
        (lambda d, b, h: b.bills.append(dict(b.bills[0])), "bills_duplicated"),
        (lambda d, b, h: b.bills[-1]["ExpenseLineRet"][0].update(ClassRef=_ref("Admin?")), "bills_wrong"),
        (lambda d, b, h: _first(d, b)["transferResponses"].append({"success": True}), "transfer_responses_not_one"),
        (lambda d, b, h: b.bills[-1].update(TxnID="9-9"), "transfer_responses_wrong"),
        (lambda d, b, h: _first(d, b)["paymentResponses"].clear(), "payment_responses_not_one"),
        (
            lambda d, b, h: _first(d, b)["paymentResponses"][0].update(responseMessage="Paid"),
            "payment_responses_wrong",
        ),
        (lambda d, b, h: b.payments.clear(), "payment_responses_unpaid"),
        (lambda d, b, h: b.card_payments.append(b.payments.pop()), "payment_responses_wrong"),  # by card, said check
        (lambda d, b, h: h["vendors"].clear(), "vendors_missing_in_basware"),
        (
            lambda d, b, h: h["accounts"]["8000001A-1"]["companies"][0].update(active=False),
            "accounts_missing_in_basware",
        ),
        (lambda d, b, h: h["costCenters"].pop("PRJ-102"), "cost_centres_missing_in_basware"),
    ],
)
def test_each_way_the_handoff_goes_wrong_is_counted(handed, spoil, figure):
    dataset, books, held = handed
    spoil(dataset, books, held)
    report = check(books, dataset, held, (GL_TO_QB, CC_TO_CLASS))
    assert not report.clean and report.figures[figure] >= 1, report.lines()

"""The sandbox company file behaves like QuickBooks: rules, queries, iterators, faults; every answer validates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from wc_qbxml import answers, message, rets, rq

from sandbox.quickbooks import seed, statuses
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.faults import Faults


@pytest.fixture
def company(tmp_path: Path):
    with CompanyFile.create(tmp_path / "company.qbsb") as books:
        yield books


def run(books: CompanyFile, *requests, on_error: str = "continueOnError", version: str = "16.0", session=None):
    result = books.process(message(*requests, version=version, on_error=on_error), session_id=session)
    assert result.hresult is None, result.message
    return answers(result.response_xml, version)


def code(answer: dict) -> int:
    return int(answer["@statusCode"])


def add_vendor(books: CompanyFile, name: str) -> dict:
    (answer,) = run(books, rq("VendorAdd", {"Name": name}, requestID="v"))
    assert code(answer) == 0, answer
    return answer["VendorRet"]


def add_bill(books: CompanyFile, vendor: str, ref: str, *amounts: str) -> dict:
    lines = [{"AccountRef": {"FullName": "Travel"}, "Amount": a} for a in amounts]
    (answer,) = run(
        books,
        rq("BillAdd", {"VendorRef": {"FullName": vendor}, "RefNumber": ref, "ExpenseLineAdd": lines}, requestID="b"),
    )
    assert code(answer) == 0, answer
    return answer["BillRet"]


def test_seed_has_the_chart_of_accounts_classes_and_items(company):
    accounts = {a["Name"]: a for a in company.objects("Account")}
    for name in (*seed.EXPENSE_ACCOUNTS, seed.COGS_ACCOUNT, seed.INVENTORY_ASSET_ACCOUNT, seed.AP_ACCOUNT):
        assert name in accounts
    assert accounts[seed.BANK_ACCOUNT]["AccountType"] == "Bank"
    assert accounts[seed.CREDIT_CARD_ACCOUNT]["AccountType"] == "CreditCard"
    assert [c["Name"] for c in company.objects("Class")] == list(seed.SEED_CLASSES)
    assert {i["type"] for i in company.objects("Item")} == {"ItemService", "ItemNonInventory", "ItemInventory"}
    (answer,) = run(company, rq("ItemQuery", {}, requestID="1"))
    assert {key for key in answer if key.endswith("Ret")} == {
        "ItemServiceRet",
        "ItemNonInventoryRet",
        "ItemInventoryRet",
    }


def test_requests_run_in_order_and_echo_request_ids(company):
    out = run(
        company,
        rq("VendorAdd", {"Name": "Acme"}, requestID="first"),
        rq("VendorQuery", {"FullName": ["Acme"]}, requestID="second"),
        rq("AccountQuery", {"AccountType": "Expense"}, requestID="third"),
    )
    assert [(a["_op"], a["@requestID"]) for a in out] == [
        ("VendorAddRs", "first"),
        ("VendorQueryRs", "second"),
        ("AccountQueryRs", "third"),
    ]
    assert rets(out[1], "VendorRet")[0]["ListID"] == out[0]["VendorRet"]["ListID"]
    assert len(rets(out[2], "AccountRet")) == len(seed.EXPENSE_ACCOUNTS)


def test_duplicate_name_is_3100_across_vendors_and_customers(company):
    add_vendor(company, "Acme Ltd")
    out = run(
        company,
        rq("VendorAdd", {"Name": "acme ltd"}, requestID="1"),
        rq("CustomerAdd", {"Name": "ACME LTD"}, requestID="2"),
    )
    assert [code(a) for a in out] == [3100, 3100]
    assert out[0]["@statusSeverity"] == "Error" and "acme ltd" in out[0]["@statusMessage"]
    assert len(company.objects("Vendor")) == 1


def test_unresolved_references_are_3140_and_unknown_mod_targets_3120(company):
    out = run(
        company,
        rq("BillAdd", {"VendorRef": {"FullName": "Nobody"}, "ExpenseLineAdd": [{"Amount": "1"}]}, requestID="1"),
        rq("VendorMod", {"ListID": "80000999-1", "EditSequence": "1", "Name": "X"}, requestID="2"),
    )
    assert [code(a) for a in out] == [3140, 3120]
    assert "Nobody" in out[0]["@statusMessage"]
    add_vendor(company, "Acme")
    (bad_account,) = run(
        company,
        rq(
            "BillAdd",
            {
                "VendorRef": {"FullName": "Acme"},
                "ExpenseLineAdd": [{"AccountRef": {"FullName": "Nope"}, "Amount": "1"}],
            },
            requestID="3",
        ),
    )
    assert code(bad_account) == 3140 and company.objects("Bill") == []


def test_stale_edit_sequence_is_3200_and_current_one_applies(company):
    vendor = add_vendor(company, "Acme")
    (ok,) = run(
        company,
        rq(
            "VendorMod",
            {"ListID": vendor["ListID"], "EditSequence": vendor["EditSequence"], "CompanyName": "Acme Corp"},
            requestID="1",
        ),
    )
    assert code(ok) == 0 and ok["VendorRet"]["EditSequence"] != vendor["EditSequence"]
    (stale,) = run(
        company,
        rq(
            "VendorMod",
            {"ListID": vendor["ListID"], "EditSequence": vendor["EditSequence"], "CompanyName": "Lost update"},
            requestID="2",
        ),
    )
    assert code(stale) == 3200
    assert company.objects("Vendor")[0]["CompanyName"] == "Acme Corp"


def test_bill_amounts_lines_mod_and_payments(company):
    add_vendor(company, "Acme")
    bill = add_bill(company, "Acme", "INV-1", "100.00", "20.50")
    assert bill["AmountDue"] == "120.50" and bill["OpenAmount"] == "120.50" and bill["IsPaid"] == "false"
    line = rets(bill, "ExpenseLineRet")[0]
    (modded,) = run(
        company,
        rq(
            "BillMod",
            {
                "TxnID": bill["TxnID"],
                "EditSequence": bill["EditSequence"],
                "ExpenseLineMod": [
                    {"TxnLineID": line["TxnLineID"], "Amount": "80.00"},
                    {"TxnLineID": "-1", "AccountRef": {"FullName": "Utilities"}, "Amount": "40.00"},
                ],
                "ItemLineMod": [
                    {"TxnLineID": "-1", "ItemRef": {"FullName": "Printer Paper"}, "Quantity": "2", "Cost": "5"}
                ],
            },
            requestID="m",
        ),
    )
    assert code(modded) == 0, modded
    assert modded["BillRet"]["AmountDue"] == "130.00"  # 80 + 40 + 2 x 5; the 20.50 line was not listed: gone
    pay = {
        "PayeeEntityRef": {"FullName": "Acme"},
        "BankAccountRef": {"FullName": seed.BANK_ACCOUNT},
        "IsToBePrinted": False,
    }
    (too_much,) = run(
        company,
        rq(
            "BillPaymentCheckAdd",
            {**pay, "AppliedToTxnAdd": [{"TxnID": bill["TxnID"], "PaymentAmount": "130.01"}]},
            requestID="p0",
        ),
    )
    assert code(too_much) == 3210
    (part,) = run(
        company,
        rq(
            "BillPaymentCheckAdd",
            {**pay, "AppliedToTxnAdd": [{"TxnID": bill["TxnID"], "PaymentAmount": "30.00"}]},
            requestID="p1",
        ),
    )
    assert code(part) == 0 and part["BillPaymentCheckRet"]["Amount"] == "30.00"
    (card,) = run(
        company,
        rq(
            "BillPaymentCreditCardAdd",
            {
                "PayeeEntityRef": {"FullName": "Acme"},
                "CreditCardAccountRef": {"FullName": seed.CREDIT_CARD_ACCOUNT},
                "AppliedToTxnAdd": [{"TxnID": bill["TxnID"], "PaymentAmount": "100.00"}],
            },
            requestID="p2",
        ),
    )
    assert code(card) == 0, card
    (paid,) = run(company, rq("BillQuery", {"TxnID": [bill["TxnID"]], "IncludeLinkedTxns": True}, requestID="q"))
    stored = rets(paid, "BillRet")[0]
    assert (stored["AmountDue"], stored["OpenAmount"], stored["IsPaid"]) == ("130.00", "0.00", "true")
    assert len(rets(stored, "LinkedTxn")) == 2
    (only_paid,) = run(company, rq("BillQuery", {"PaidStatus": "PaidOnly"}, requestID="q2"))
    (unpaid,) = run(company, rq("BillQuery", {"PaidStatus": "NotPaidOnly"}, requestID="q3"))
    assert len(rets(only_paid, "BillRet")) == 1 and code(unpaid) == 1


def test_query_filters(company):
    add_vendor(company, "Alpha Supplies")
    add_vendor(company, "Beta Tools")
    add_bill(company, "Alpha Supplies", "A-100", "10")
    add_bill(company, "Beta Tools", "B-200", "20")
    (by_name,) = run(
        company, rq("VendorQuery", {"NameFilter": {"MatchCriterion": "Contains", "Name": "tool"}}, requestID="1")
    )
    assert [v["Name"] for v in rets(by_name, "VendorRet")] == ["Beta Tools"]
    (by_entity,) = run(company, rq("BillQuery", {"EntityFilter": {"FullName": ["Alpha Supplies"]}}, requestID="2"))
    assert [b["RefNumber"] for b in rets(by_entity, "BillRet")] == ["A-100"]
    assert "ExpenseLineRet" not in rets(by_entity, "BillRet")[0]  # lines only with IncludeLineItems
    (by_ref,) = run(
        company,
        rq(
            "BillQuery",
            {"RefNumberFilter": {"MatchCriterion": "StartsWith", "RefNumber": "B-"}, "IncludeLineItems": True},
            requestID="3",
        ),
    )
    assert [b["RefNumber"] for b in rets(by_ref, "BillRet")] == ["B-200"] and rets(by_ref, "BillRet")[0][
        "ExpenseLineRet"
    ]
    (future,) = run(
        company, rq("BillQuery", {"ModifiedDateRangeFilter": {"FromModifiedDate": "2999-01-01"}}, requestID="4")
    )
    (since,) = run(company, rq("VendorQuery", {"FromModifiedDate": "2000-01-01T00:00:00"}, requestID="5"))
    (dated,) = run(company, rq("BillQuery", {"TxnDateRangeFilter": {"ToTxnDate": "2000-01-01"}}, requestID="6"))
    assert code(future) == 1 and future["@statusMessage"] == statuses.NO_MATCH_MESSAGE
    assert len(rets(since, "VendorRet")) == 2 and code(dated) == 1
    (partial,) = run(company, rq("VendorQuery", {"FullName": ["Alpha Supplies", "Gamma"]}, requestID="7"))
    assert code(partial) == 500 and partial["@statusSeverity"] == "Warn" and len(rets(partial, "VendorRet")) == 1
    (narrow,) = run(
        company, rq("VendorQuery", {"MaxReturned": 1, "IncludeRetElement": ["ListID", "Name"]}, requestID="8")
    )
    (narrowed,) = rets(narrow, "VendorRet")
    assert set(narrowed) == {"ListID", "Name"} and narrowed["Name"] == "Alpha Supplies"


def test_inactive_objects_follow_active_status(company):
    vendor = add_vendor(company, "Old Vendor")
    run(
        company,
        rq(
            "VendorMod",
            {"ListID": vendor["ListID"], "EditSequence": vendor["EditSequence"], "IsActive": False},
            requestID="1",
        ),
    )
    (default,) = run(company, rq("VendorQuery", {}, requestID="2"))
    (inactive,) = run(company, rq("VendorQuery", {"ActiveStatus": "InactiveOnly"}, requestID="3"))
    assert code(default) == 1 and len(rets(inactive, "VendorRet")) == 1


def test_iterator_pages_through_more_records_than_max_returned(company, tmp_path):
    for i in range(7):
        add_vendor(company, f"Vendor {i:02d}")
    (first,) = run(company, rq("VendorQuery", {"MaxReturned": 3}, requestID="it", iterator="Start"))
    iterator_id = first["@iteratorID"]
    seen = [v["Name"] for v in rets(first, "VendorRet")]
    assert first["@iteratorRemainingCount"] == "4"
    # the same session continues from another process's opening of the file
    with CompanyFile(company.path) as other:
        (second,) = run(
            other,
            rq("VendorQuery", {"MaxReturned": 3}, requestID="it", iterator="Continue", iteratorID=iterator_id),
            session=company.session_id,
        )
    (third,) = run(
        company, rq("VendorQuery", {"MaxReturned": 3}, requestID="it", iterator="Continue", iteratorID=iterator_id)
    )
    seen += [v["Name"] for v in rets(second, "VendorRet") + rets(third, "VendorRet")]
    assert second["@iteratorRemainingCount"] == "1" and third["@iteratorRemainingCount"] == "0"
    assert seen == [f"Vendor {i:02d}" for i in range(7)]


def test_iterator_is_invalid_in_another_session(company):
    for i in range(3):
        add_vendor(company, f"V{i}")
    (first,) = run(company, rq("VendorQuery", {"MaxReturned": 1}, requestID="1", iterator="Start"))
    (later,) = run(
        company,
        rq("VendorQuery", {"MaxReturned": 1}, requestID="1", iterator="Continue", iteratorID=first["@iteratorID"]),
        session="next-session",
    )
    assert code(later) == 3391 and later["@statusSeverity"] == "Error"


def test_deletions_are_recorded_for_deleted_queries(company):
    vendor = add_vendor(company, "Gone Vendor")
    bill = add_bill(company, "Gone Vendor", "DEL-1", "5")
    out = run(
        company,
        rq("TxnDel", {"TxnDelType": "Bill", "TxnID": bill["TxnID"]}, requestID="1"),
        rq("ListDel", {"ListDelType": "Vendor", "ListID": vendor["ListID"]}, requestID="2"),
        rq("TxnDeletedQuery", {"TxnDelType": ["Bill", "BillPaymentCheck"]}, requestID="3"),
        rq("ListDeletedQuery", {"ListDelType": ["Vendor"]}, requestID="4"),
        rq("TxnDel", {"TxnDelType": "Bill", "TxnID": bill["TxnID"]}, requestID="5"),
    )
    assert [code(a) for a in out] == [0, 0, 0, 0, 3120]
    assert rets(out[2], "TxnDeletedRet")[0]["RefNumber"] == "DEL-1"
    assert rets(out[3], "ListDeletedRet")[0]["FullName"] == "Gone Vendor"
    assert company.objects("Vendor") == [] and company.objects("Bill") == []


def test_text_is_stored_as_latin1_and_lengths_follow_the_schema(company):
    raw = message(
        rq("VendorAdd", {"Name": "one"}, requestID="1"),
        rq("VendorAdd", {"Name": "two"}, requestID="2"),
        on_error="continueOnError",
    )
    raw = raw.replace(b">one<", ">Zürich Łódź<".encode()).replace(b">two<", ("Ω" * 10).join("><").encode())
    out = answers(company.process(raw).response_xml)
    assert out[0]["VendorRet"]["Name"] == "Zürich ?ód?" and out[1]["VendorRet"]["Name"] == "?" * 10
    raw = message(rq("VendorAdd", {"Name": "short"}, requestID="3")).replace(b"short", b"x" * 42)
    (too_long,) = answers(company.process(raw).response_xml)
    assert code(too_long) == statuses.STRING_TOO_LONG and "Name" in too_long["@statusMessage"]


def test_schema_violations_and_versions_are_refused_with_an_hresult(company):
    misordered = message(rq("VendorAdd", {"Name": "A", "CompanyName": "B"}, requestID="1"))
    misordered = misordered.replace(
        b"<Name>A</Name><CompanyName>B</CompanyName>", b"<CompanyName>B</CompanyName><Name>A</Name>"
    )
    for bad in (misordered, b"<QBXML>", message(rq("VendorQuery", {}, requestID="1")).replace(b"16.0", b"17.0")):
        result = company.process(bad)
        assert result.hresult == statuses.HRESULT_PARSE_ERROR and result.response_xml is None
    assert company.objects("Vendor") == []
    with CompanyFile(company.path, max_version="13.0") as older:
        refused = older.process(message(rq("VendorQuery", {}, requestID="1")))
        assert refused.message == statuses.VERSION_REFUSED_MESSAGE
        (ok,) = answers(
            older.process(message(rq("VendorQuery", {}, version="13.0", requestID="1"), version="13.0")).response_xml,
            "13.0",
        )
        assert code(ok) == 1


def test_older_version_answers_validate_against_their_schema(company):
    add_vendor(company, "Acme")
    add_bill(company, "Acme", "R-1", "12")
    out = run(
        company,
        rq("BillQuery", {"IncludeLineItems": True}, version="13.0", requestID="1"),
        rq("AccountQuery", {}, version="13.0", requestID="2"),
        version="13.0",
    )
    assert [code(a) for a in out] == [0, 0]


def test_unsupported_request_answers_a_clear_status(company):
    (answer,) = run(company, rq("EmployeeQuery", {}, requestID="1"))
    assert code(answer) == statuses.NOT_SUPPORTED and "EmployeeQueryRq" in answer["@statusMessage"]


def test_faults_are_reproducible_and_transient_answers_apply_nothing(tmp_path):
    faults = Faults(seed=7, transient_rate=0.5)

    def codes(path):
        with CompanyFile.create(path, faults=faults) as books:
            out = run(books, *(rq("VendorAdd", {"Name": f"V{i}"}, requestID=str(i)) for i in range(20)))
            return [code(a) for a in out], len(books.objects("Vendor"))

    first, stored = codes(tmp_path / "a.qbsb")
    assert first == codes(tmp_path / "b.qbsb")[0]
    assert set(first) <= {0, *statuses.TRANSIENT} and set(first) & set(statuses.TRANSIENT)
    assert stored == first.count(0)


def test_lost_response_applies_the_request(tmp_path):
    with CompanyFile.create(tmp_path / "c.qbsb", faults=Faults(lose_response_rate=1.0)) as books:
        result = books.process(message(rq("VendorAdd", {"Name": "Applied"}, requestID="1")))
        assert result.response_lost
        assert [v["Name"] for v in books.objects("Vendor")] == ["Applied"]


def test_cli_runs_a_message_and_dumps_json_lines(tmp_path):
    books = tmp_path / "cli.qbsb"
    request = tmp_path / "rq.xml"
    request.write_bytes(message(rq("VendorAdd", {"Name": "Cli Vendor"}, requestID="1")))
    cli = [sys.executable, "-m", "pipelines.cli", "sandbox", "quickbooks", "--company", str(books)]
    done = subprocess.run([*cli, "--request", str(request)], capture_output=True, check=True)
    assert code(answers(done.stdout)[0]) == 0
    request.write_bytes(b"<QBXML/>")
    failed = subprocess.run([*cli, "--request", str(request)], capture_output=True)
    assert failed.returncode == 3 and b"0x80040400" in failed.stderr
    dumped = [
        json.loads(line)
        for line in subprocess.run([*cli, "--dump"], capture_output=True, check=True).stdout.decode().splitlines()
    ]
    vendor = next(o for o in dumped if o["type"] == "Vendor")
    assert vendor["Name"] == "Cli Vendor" and vendor["ListID"] and vendor["EditSequence"]
    assert {o["type"] for o in dumped} >= {"Account", "Class", "Vendor"}


def test_ref_number_range_is_case_blind_beyond_ascii(company):
    """The store narrows a RefNumber range in SQL, whose upper() folds ASCII only: a Latin-1 bound must still find
    the bill whatever the case it was keyed in."""
    add_vendor(company, "Alpha Supplies")
    add_bill(company, "Alpha Supplies", "été-1", "10")
    (found,) = run(
        company,
        rq("BillQuery", {"RefNumberRangeFilter": {"FromRefNumber": "ÉTÉ-1", "ToRefNumber": "ÉTÉ-1"}}, requestID="1"),
    )
    assert [b["RefNumber"] for b in rets(found, "BillRet")] == ["été-1"]

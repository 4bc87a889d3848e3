"""The sandbox company file's answers look like real QuickBooks output (public captures): local offsets, EditSequence
= Unix time of TimeModified, line ids from the transaction sequence, address blocks, the 1099 flag, real texts, and
values kept byte for byte by our parser."""

from __future__ import annotations

from datetime import UTC, datetime

from wc_qbxml import answers, message, rq

from qbxml.responses import parse_message
from sandbox.quickbooks import statuses
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.faults import Faults

SUMMER = datetime(2024, 7, 1, 18, 30, 5, tzinfo=UTC)


def _run(books: CompanyFile, *requests) -> list[dict]:
    result = books.process(message(*requests, version="16.0"))
    assert result.hresult is None, result.message
    return answers(result.response_xml, "16.0")


def test_answers_carry_what_real_files_carry(tmp_path):
    with CompanyFile.create(tmp_path / "qb.sqlite", time_zone="America/Chicago", clock=lambda: SUMMER) as books:
        vendor = {
            "Name": "Acme Supply",
            "CompanyName": "Acme Supply Co",
            "VendorAddress": {"Addr1": "1 Main St", "City": "Springfield", "State": "IL", "PostalCode": "62701"},
        }
        (added,) = _run(books, rq("VendorAdd", vendor, requestID="v"))
        ret = added["VendorRet"]
        assert ret["TimeModified"] == ret["TimeCreated"] == "2024-07-01T13:30:05-05:00"
        assert ret["EditSequence"] == str(int(SUMMER.timestamp()))
        assert ret["IsVendorEligibleFor1099"] == "false"
        assert ret["VendorAddressBlock"] == {
            "Addr1": "Acme Supply Co",
            "Addr2": "1 Main St",
            "Addr3": "Springfield, IL 62701",
        }
        lines = [{"AccountRef": {"FullName": "Office Supplies"}, "Amount": a} for a in ("1.00", "2.00")]
        bill = {"VendorRef": {"FullName": "Acme Supply"}, "RefNumber": "B-1", "ExpenseLineAdd": lines}
        (billed,) = _run(books, rq("BillAdd", bill, requestID="b"))
        txn = billed["BillRet"]["TxnID"]
        line_ids = [line["TxnLineID"] for line in billed["BillRet"]["ExpenseLineRet"]]
        number = int(txn.split("-")[0], 16)
        assert [int(i.split("-")[0], 16) for i in line_ids] == [
            number + 1,
            number + 2,
        ]  # one sequence, as in real files
        mod = {"ListID": ret["ListID"], "EditSequence": ret["EditSequence"], "Notes": "again"}
        (modded,) = _run(books, rq("VendorMod", mod, requestID="m"))  # the same second: still a new EditSequence
        assert int(modded["VendorRet"]["EditSequence"]) == int(ret["EditSequence"]) + 1
        (missing,) = _run(books, rq("VendorMod", {**mod, "ListID": "80000999-1"}, requestID="x"))
        assert missing["@statusMessage"] == (
            'Object "80000999-1" specified in the request cannot be found.  '
            "QuickBooks error message: Invalid argument.  The specified record does not exist in the list."
        )
        assert int(missing["@statusCode"]) == statuses.NOT_FOUND


def test_values_are_read_byte_for_byte(tmp_path):
    with CompanyFile.create(tmp_path / "qb.sqlite") as books:
        result = books.process(message(rq("VendorAdd", {"Name": "  Padded  Name "}, requestID="v"), version="16.0"))
    (rs,) = parse_message(result.response_xml)
    assert rs.records[0].data["Name"] == "  Padded  Name "
    assert rs.records[0].name == "  Padded  Name "


def test_a_failed_save_is_worded_as_quickbooks_words_it(tmp_path):
    with CompanyFile.create(tmp_path / "qb.sqlite", faults=Faults(seed=3, transient_rate=1.0)) as books:
        (vendor,) = _run(books, rq("VendorAdd", {"Name": "Acme Supply"}, requestID="v"))
        (bill,) = _run(books, rq("BillAdd", {"VendorRef": {"FullName": "Acme Supply"}}, requestID="b"))
    assert int(vendor["@statusCode"]) in statuses.TRANSIENT
    assert vendor["@statusMessage"].startswith(
        'There was an error when saving a Vendor list, element "Acme Supply".  QuickBooks error message: '
    )
    assert bill["@statusMessage"].startswith("There was an error when saving a Bill.  QuickBooks error message: ")

"""Behaviour matrix: each status the company file answers, under stopOnError and continueOnError."""

from __future__ import annotations

import pytest
from wc_qbxml import answers, message, rq

from sandbox.quickbooks import statuses
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.faults import Faults

# (name, request making that status, expected code, severity); the company holds vendor "Existing".
CASES = [
    ("ok", lambda ids: rq("VendorAdd", {"Name": "Fresh"}, requestID="x"), 0, "Info"),
    (
        "no match",
        lambda ids: rq("VendorQuery", {"NameFilter": {"MatchCriterion": "StartsWith", "Name": "zz"}}, requestID="x"),
        1,
        "Info",
    ),
    ("partial", lambda ids: rq("VendorQuery", {"FullName": ["Missing"]}, requestID="x"), 500, "Warn"),
    ("name in use", lambda ids: rq("VendorAdd", {"Name": "Existing"}, requestID="x"), 3100, "Error"),
    (
        "not found",
        lambda ids: rq("VendorMod", {"ListID": "8000FFFF-1", "EditSequence": "1", "Name": "N"}, requestID="x"),
        3120,
        "Error",
    ),
    (
        "bad reference",
        lambda ids: rq(
            "BillAdd", {"VendorRef": {"FullName": "Missing"}, "ExpenseLineAdd": [{"Amount": "1"}]}, requestID="x"
        ),
        3140,
        "Error",
    ),
    (
        "stale edit",
        lambda ids: rq("VendorMod", {"ListID": ids["ListID"], "EditSequence": "1", "Name": "N"}, requestID="x"),
        3200,
        "Error",
    ),
    (
        "iterator",
        lambda ids: rq("VendorQuery", {"MaxReturned": 1}, requestID="x", iterator="Continue", iteratorID="{0}"),
        3391,
        "Error",
    ),
    ("unsupported", lambda ids: rq("EmployeeQuery", {}, requestID="x"), statuses.NOT_SUPPORTED, "Error"),
]


@pytest.fixture
def books(tmp_path):
    with CompanyFile.create(tmp_path / "m.qbsb") as company:
        company.process(message(rq("VendorAdd", {"Name": "Existing"}, requestID="seed")))
        yield company


@pytest.mark.parametrize("on_error", ["stopOnError", "continueOnError"])
@pytest.mark.parametrize(("name", "make", "expected", "severity"), CASES, ids=[c[0] for c in CASES])
def test_status_matrix(books, on_error, name, make, expected, severity):
    existing = books.objects("Vendor")[0]
    before = rq("VendorAdd", {"Name": "Before"}, requestID="before")
    after = rq("VendorAdd", {"Name": "After"}, requestID="after")
    result = books.process(message(before, make(existing), after, on_error=on_error))
    out = answers(result.response_xml)
    assert [a["@requestID"] for a in out][:2] == ["before", "x"]
    assert (int(out[1]["@statusCode"]), out[1]["@statusSeverity"]) == (expected, severity)
    stops = severity == "Error" and on_error == "stopOnError"
    assert len(out) == (2 if stops else 3)
    names = {v["Name"] for v in books.objects("Vendor")}
    assert "Before" in names and ("After" in names) != stops


@pytest.mark.parametrize("on_error", ["stopOnError", "continueOnError"])
def test_transient_answers_follow_on_error(tmp_path, on_error):
    with CompanyFile.create(tmp_path / "t.qbsb", faults=Faults(transient_rate=1.0)) as company:
        out = answers(
            company.process(
                message(*(rq("VendorAdd", {"Name": f"V{i}"}, requestID=str(i)) for i in range(3)), on_error=on_error)
            ).response_xml
        )
        assert all(int(a["@statusCode"]) in statuses.TRANSIENT for a in out)
        assert len(out) == (1 if on_error == "stopOnError" else 3) and company.objects("Vendor") == []

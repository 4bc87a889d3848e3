"""The simulated QuickBooks' execution time: per request type, seeded jitter, a slow company, zero by default."""

from __future__ import annotations

import time

import pytest
from wc_qbxml import message, rq

from sandbox.quickbooks.company import CompanyFile, Timing


def _vendor_and_bills(bills: int, on_error: str = "continueOnError") -> bytes:
    line = {"AccountRef": {"FullName": "Office Supplies"}, "Amount": "10.00"}
    return message(
        rq("VendorAdd", {"Name": "Timed Vendor"}, requestID="v"),
        *(
            rq("BillAdd", {"VendorRef": {"FullName": "Timed Vendor"}, "RefNumber": f"T-{i}", "ExpenseLineAdd": line},
               requestID=str(i))
            for i in range(bills)
        ),
        on_error=on_error,
    )  # fmt: skip


def _seconds(tmp_path, timing: Timing, body: bytes, name: str = "t.qbsb") -> float:
    with CompanyFile.create(tmp_path / name, timing=timing) as books:
        return books.process(body).qb_seconds


def test_default_takes_no_time(tmp_path):
    assert _seconds(tmp_path, Timing(), _vendor_and_bills(3)) == 0.0


def test_each_request_type_takes_its_own_time(tmp_path):
    timing = Timing({"VendorAdd": 0.5, "BillAdd": 0.2}, sleep=False)
    assert _seconds(tmp_path, timing, _vendor_and_bills(3)) == pytest.approx(0.5 + 3 * 0.2)
    other = Timing({"VendorAdd": 0.5}, default_seconds=0.01, sleep=False)
    assert _seconds(tmp_path, other, _vendor_and_bills(3), "u.qbsb") == pytest.approx(0.5 + 3 * 0.01)


def test_a_slow_company_takes_longer_by_its_factor(tmp_path):
    timing = Timing.slow_company(8.0, seconds={"BillAdd": 0.1, "VendorAdd": 0.1}, sleep=False)
    assert _seconds(tmp_path, timing, _vendor_and_bills(4)) == pytest.approx(8 * 0.5)


def test_jitter_is_seeded_and_bounded(tmp_path):
    body = _vendor_and_bills(20)
    runs = [_seconds(tmp_path, Timing(default_seconds=0.1, jitter=0.3, seed=s, sleep=False), body, f"{i}.qbsb")
            for i, s in enumerate((7, 7, 8))]  # fmt: skip
    assert runs[0] == runs[1] != runs[2]
    assert all(21 * 0.1 * 0.7 <= r <= 21 * 0.1 * 1.3 for r in runs)
    assert runs[0] != pytest.approx(2.1, abs=1e-9)


def test_stop_on_error_counts_only_the_requests_run(tmp_path):
    body = message(
        rq("BillAdd", {"VendorRef": {"FullName": "Nobody"}, "RefNumber": "X"}, requestID="1"),
        rq("VendorAdd", {"Name": "Never Run"}, requestID="2"),
        on_error="stopOnError",
    )
    assert _seconds(tmp_path, Timing(default_seconds=0.25, sleep=False), body) == pytest.approx(0.25)


def test_the_answer_waits_for_quickbooks(tmp_path):
    with CompanyFile.create(tmp_path / "t.qbsb", timing=Timing(default_seconds=0.05)) as books:
        started = time.monotonic()
        result = books.process(_vendor_and_bills(1))
        assert time.monotonic() - started >= result.qb_seconds == pytest.approx(0.1)


def test_bad_timings_are_refused():
    with pytest.raises(ValueError, match="jitter"):
        Timing(jitter=1.5)
    with pytest.raises(ValueError, match=">= 0"):
        Timing({"BillAdd": -1})

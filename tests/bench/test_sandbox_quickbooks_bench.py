"""Benchmark: 100-bill BillAdd messages per second through the simulator, as a ratio to lxml parse + validate."""

from __future__ import annotations

import time

import pytest
from lxml import etree
from wc_qbxml import message, rq

from qbxml import xsd
from sandbox.quickbooks import seed
from sandbox.quickbooks.company import CompanyFile

BILLS = 100


def hundred_bills() -> bytes:
    lines = [
        {"AccountRef": {"FullName": name}, "Amount": "12.34", "ClassRef": {"FullName": "Operations"}}
        for name in seed.EXPENSE_ACCOUNTS[:3]
    ]
    return message(
        *(
            rq(
                "BillAdd",
                {"VendorRef": {"FullName": "Bench Vendor"}, "RefNumber": f"B-{i}", "ExpenseLineAdd": lines},
                requestID=str(i),
            )
            for i in range(BILLS)
        ),
        on_error="continueOnError",
    )


@pytest.mark.bench
def test_bill_add_throughput_vs_lxml_validation(benchmark, tmp_path):
    body = hundred_bills()
    validator = xsd.load("16.0").validator
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        assert validator.validate(etree.fromstring(body))
    baseline = (time.perf_counter() - started) / rounds
    with CompanyFile.create(tmp_path / "bench.qbsb") as books:
        books.process(message(rq("VendorAdd", {"Name": "Bench Vendor"}, requestID="v")))
        result = benchmark.pedantic(books.process, args=(body,), rounds=rounds, iterations=1)
        assert result.response_xml and b'statusCode="3' not in result.response_xml
    ratio = benchmark.stats.stats.mean / baseline
    benchmark.extra_info.update(messages_per_second=1 / benchmark.stats.stats.mean, ratio_vs_lxml_validate=ratio)
    print(
        f"\n{1 / benchmark.stats.stats.mean:.1f} messages/s of {BILLS} BillAdds; "
        f"{ratio:.1f}x the time of lxml parse+validate ({1 / baseline:.1f}/s)"
    )

"""Messages of 100 BillAdds per second through whichever QuickBooks simulator `sandbox` imports (a script too)."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from wc_qbxml import message, rq

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


def message_seconds(rounds: int, folder: Path, clock=time.perf_counter) -> list[float]:
    """The time (`clock`: wall, or process CPU) of each of `rounds` messages of 100 BillAdds into a fresh company
    file (after one warm-up)."""
    body = hundred_bills()
    times = []
    with CompanyFile.create(folder / "bench.qbsb") as books:
        books.process(message(rq("VendorAdd", {"Name": "Bench Vendor"}, requestID="v")))
        books.process(body)
        for _ in range(rounds):
            started = clock()
            result = books.process(body)
            times.append(clock() - started)
            assert result.response_xml and b'statusCode="3' not in result.response_xml
    return times


if __name__ == "__main__":  # prints the median messages per second of wall time and of process CPU time
    with tempfile.TemporaryDirectory() as folder:
        wall = message_seconds(int(sys.argv[1]), Path(folder))
    with tempfile.TemporaryDirectory() as folder:
        cpu = message_seconds(int(sys.argv[1]), Path(folder), time.process_time)
    print(1 / statistics.median(wall), 1 / statistics.median(cpu))

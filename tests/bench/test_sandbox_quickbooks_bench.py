"""Benchmark: 100-bill BillAdd messages per second through the simulator, against lxml validation and a baseline."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree
from simulator_throughput import BILLS, hundred_bills
from wc_qbxml import message, rq

from qbxml import xsd
from sandbox.quickbooks.company import CompanyFile

HERE = Path(__file__).parent


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


# The simulator as it was before the in-memory counters, cached name lookups and single validation pass (31 msg/s).
BASELINE_COMMIT = "bc1b3e8"
PAIRS = 7


def _messages_per_second(tree: Path, rounds: int) -> tuple[float, float]:
    """Median messages per second of wall time and of CPU time of the simulator in `tree` (its sandbox and qbxml
    packages first on the path)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(HERE.parent)])}
    done = subprocess.run(
        [sys.executable, str(HERE / "simulator_throughput.py"), str(rounds)],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


@pytest.mark.bench
def test_bill_add_throughput_vs_baseline_commit(tmp_path):
    """Before/after in one run: the baseline commit's simulator and this tree's, in turn, pair by pair."""
    commit = os.environ.get("QBSYNC_SIMULATOR_BASELINE", BASELINE_COMMIT)
    archive = subprocess.run(
        ["git", "archive", commit, "sandbox", "qbxml"], cwd=HERE.parents[1], capture_output=True, check=False
    )
    if archive.returncode:
        pytest.skip(f"no baseline: git archive {commit} failed ({archive.stderr.decode().strip()})")
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive.stdout, check=True)
    pairs = [(_messages_per_second(tmp_path, 20), _messages_per_second(HERE.parents[1], 20)) for _ in range(PAIRS)]
    print(f"\nsimulator, messages of {BILLS} BillAdds per second (median of {PAIRS} alternating pairs of processes):")
    print(f"  {'':14} {'baseline ' + commit:>18} {'this tree':>10} {'ratio':>6}")
    ratios = {}
    for i, measure in enumerate(("wall time", "CPU time")):
        before = statistics.median(b[i] for b, _ in pairs)
        after = statistics.median(a[i] for _, a in pairs)
        ratios[measure] = statistics.median(a[i] / b[i] for b, a in pairs)
        print(f"  per s of {measure:<9} {before:>13.1f}/s {after:>8.1f}/s {ratios[measure]:>5.2f}x")
    print("  (ratio: pair by pair, median; CPU time is the steadier figure on a shared machine)")

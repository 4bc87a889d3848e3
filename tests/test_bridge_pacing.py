"""Messages paced by QuickBooks: the bridge sizes each message from the QuickBooks time it observed per company and
request type, so a slow company file gets small messages within the budget and a fast one large messages. The
QuickBooks time of each message is the simulator's own (its Timing), not the bridge's figure."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from bridge_support import COMPANY, FAST, add_company, connector, queue_vendors_and_bills, running_bridge, statuses

from qbwc_bridge.pacing import Pace
from sandbox.quickbooks.company import CompanyFile, ProcessResult, Timing

_RQ = re.compile(r"<(\w+)Rq requestID=")


class TimedCompany(CompanyFile):
    """A simulated company file that keeps, for every message of the bridge, its request types and QuickBooks time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.messages: list[tuple[Counter, float]] = []

    def process(self, request_xml: bytes | str, **kwargs) -> ProcessResult:
        result = super().process(request_xml, **kwargs)
        text = request_xml.decode() if isinstance(request_xml, bytes) else request_xml
        ops = Counter(_RQ.findall(text))
        if "HostQuery" not in ops:  # the Web Connector's own opening query
            self.messages.append((ops, result.qb_seconds))
        return result


def _deliver(warehouse, path, timing: Timing, **settings) -> list[tuple[Counter, float]]:
    with TimedCompany(path, timing=timing) as company, running_bridge(warehouse, **FAST, **settings) as bridge:
        connector(bridge, company).run_until_idle()
        return company.messages


def _learned(warehouse) -> dict[str, float]:
    with warehouse.connect() as conn:
        text = conn.scalar(
            "SELECT qb_seconds FROM qbwc_sessions WHERE company = ? AND qb_seconds IS NOT NULL "
            "ORDER BY last_seen_at DESC LIMIT 1",
            [COMPANY],
        )
    return json.loads(text)


def test_a_slow_company_gets_small_messages_each_within_the_budget(warehouse, tmp_path):
    add_company(warehouse)
    queue_vendors_and_bills(warehouse, vendors=2, bills_per_vendor=12)
    CompanyFile.create(tmp_path / "qb.sqlite").close()
    slow = Timing.slow_company(5.0, seconds={"VendorAdd": 0.02, "BillAdd": 0.02})  # 0.1 s a request
    messages = _deliver(warehouse, tmp_path / "qb.sqlite", slow, qb_seconds_budget=0.75, qb_seconds_assumed=0.5)
    assert statuses(warehouse) == {"done": 26}
    assert all(seconds <= 0.75 for _, seconds in messages), messages
    sizes = [sum(ops.values()) for ops, _ in messages]
    assert sizes[0] == 1  # a company never seen: 90% of 0.75 s over the assumed 0.5 s a request
    assert max(sizes) <= 6  # 90% of 0.75 s over 0.1 s a request (a bit more as observed): never more
    assert max(sizes) >= 3  # once learned, messages grow to the budget (the round trip's own time counts too)
    assert _learned(warehouse)["BillAdd"] >= 0.07  # QuickBooks' 0.1 s, plus the round trip's share, less jitter


def test_a_fast_company_gets_large_messages(warehouse, tmp_path):
    add_company(warehouse)
    queue_vendors_and_bills(warehouse, vendors=2, bills_per_vendor=150)
    CompanyFile.create(tmp_path / "qb.sqlite").close()
    messages = _deliver(warehouse, tmp_path / "qb.sqlite", Timing())
    assert statuses(warehouse) == {"done": 302}
    sizes = [sum(ops.values()) for ops, _ in messages]
    assert sizes[0] <= 27  # a company never seen: 90% of 30 s over the assumed 1 s a request
    assert max(sizes) >= 250 and len(messages) <= 4, sizes


def test_messages_are_sized_per_request_type_and_the_pace_carries_to_the_next_session(warehouse, tmp_path):
    add_company(warehouse)
    queue_vendors_and_bills(warehouse, vendors=12, bills_per_vendor=0)
    path = tmp_path / "qb.sqlite"
    CompanyFile.create(path).close()
    timing = Timing({"VendorAdd": 0.1, "BillAdd": 0.002})
    vendors = _deliver(warehouse, path, timing, qb_seconds_budget=0.5, qb_seconds_assumed=0.25)
    vendor_sizes = [sum(ops.values()) for ops, _ in vendors]
    assert max(vendor_sizes) <= 4  # 90% of 0.5 s over 0.1 s a VendorAdd
    queue_vendors_and_bills(warehouse, vendors=12, bills_per_vendor=10)  # the same vendors: only bills are new
    bills = _deliver(warehouse, path, timing, qb_seconds_budget=0.5, qb_seconds_assumed=0.25)
    assert statuses(warehouse) == {"done": 132}
    assert all(seconds <= 0.5 for _, seconds in vendors + bills)
    bill_sizes = [ops["BillAdd"] for ops, _ in bills if set(ops) == {"BillAdd"}]
    assert bill_sizes[0] <= 2 and max(bill_sizes) > max(vendor_sizes), bill_sizes  # unknown first, then own pace
    learned = _learned(warehouse)  # QuickBooks' time plus each round trip's share (more on a loaded machine)
    assert learned["VendorAdd"] >= 0.09 and learned["BillAdd"] < learned["VendorAdd"]


def test_an_observation_scales_the_types_in_the_message_by_observed_over_expected():
    pace = Pace(budget=30.0, assumed=1.0, seconds={"BillAdd": 0.2})
    learned = pace.observe({"BillAdd": 100}, span=10.0)
    assert learned == {"BillAdd": pytest.approx(0.1)}
    mixed = Pace(30.0, 1.0, learned).observe({"BillAdd": 100, "VendorAdd": 10}, span=40.0)  # expected 20 s
    assert mixed == {"BillAdd": pytest.approx(0.2), "VendorAdd": pytest.approx(2.0)}
    assert Pace(30.0, 1.0, mixed).claim_limit(1000) == 135  # 90% of the budget: room for QuickBooks' variation
    assert Pace(30.0, 1.0).claim_limit(10) == 10 and Pace(30.0, 1.0).fits(26.5, "BillAdd") is False
    assert Pace(30.0, 1.0).observe({"BillAdd": 5}, span=0.0) == {"BillAdd": pytest.approx(1e-4)}

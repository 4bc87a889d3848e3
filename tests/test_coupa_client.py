"""CoupaClient against the Coupa sandbox over real HTTP: full and incremental pulls, exported flags, faults."""

from __future__ import annotations

import httpx
import pytest

from connectors.core import AuthenticationError, RetryPolicy, later
from sandbox.coupa.generator import generate
from sandbox.coupa.server import CoupaSandbox
from sandbox.scaffold import ApiFaults
from sources.coupa.client import CoupaClient

CID, SECRET = "qbsync-test", "sandbox-secret-value"


def quick_retry(max_attempts: int = 5) -> RetryPolicy:
    return RetryPolicy(max_attempts=max_attempts, base=0.001, cap=0.01)


@pytest.fixture
def dataset():
    return generate(11, suppliers=20, purchase_orders=120, bad_share=0.05)


@pytest.fixture
def sandbox(dataset):
    with CoupaSandbox(dataset, client_id=CID, client_secret=SECRET, rate_limit_per_s=None) as api:
        yield api


@pytest.fixture
def client(sandbox):
    with CoupaClient(sandbox.base_url, CID, SECRET, retry=quick_retry()) as coupa:
        yield coupa


def test_full_pull_returns_records_exactly_as_served(client, dataset):
    assert list(client.iter_purchase_orders()) == dataset.purchase_orders
    assert list(client.iter_suppliers()) == dataset.suppliers
    assert list(client.iter_accounts()) == dataset.accounts
    assert list(client.iter_invoices()) == dataset.invoices
    assert list(client.iter_payments()) == dataset.payments


def test_pages_are_at_most_50_in_id_order(client, sandbox):
    pages = list(client.pages("/api/purchase_orders"))
    assert [len(p) for p in pages] == [50, 50, 20]
    assert sandbox.calls[0].startswith("GET /api/purchase_orders?")
    assert "limit=50" in sandbox.calls[0] and "offset=0" in sandbox.calls[0]


def test_incremental_pull_returns_only_changed_records(client, dataset):
    watermark = None
    for po in client.iter_purchase_orders():
        watermark = later(watermark, po["updated-at"])
    assert list(client.iter_purchase_orders(updated_after=watermark)) == []
    dataset.touch("purchase_orders", 7, status="closed")
    dataset.new_po_version(9)
    changed = list(client.iter_purchase_orders(updated_after=watermark))
    assert [po["id"] for po in changed] == [7, 9]
    assert changed[1]["version"] == 2


def test_exported_flow(client, dataset):
    unexported = [po["id"] for po in client.iter_purchase_orders(exported=False)]
    assert len(unexported) == len(dataset.purchase_orders)
    marked = client.mark_exported("purchase_order", unexported[0])
    assert marked["exported"] is True and marked["last-exported-at"]
    assert unexported[0] not in [po["id"] for po in client.iter_purchase_orders(exported=False)]
    dataset.new_po_version(unexported[0])  # a new PO version resets the flag
    assert unexported[0] in [po["id"] for po in client.iter_purchase_orders(exported=False)]
    assert client.mark_exported("invoice", 1)["exported"] is True
    assert client.mark_exported("payment", 1)["exported"] is True
    assert 1 not in [p["id"] for p in client.iter_payments(exported=False)]


def test_status_filter(client, dataset):
    wanted = {"issued", "closed"}
    got = list(client.iter_purchase_orders(statuses=sorted(wanted)))
    assert got == [po for po in dataset.purchase_orders if po["status"] in wanted]


def test_token_revoked_mid_run_is_renewed_once(dataset):
    faults = ApiFaults(revoke_tokens_at=(2,))
    with (
        CoupaSandbox(dataset, client_id=CID, client_secret=SECRET, rate_limit_per_s=None, faults=faults) as api,
        CoupaClient(api.base_url, CID, SECRET, retry=quick_retry()) as coupa,
    ):
        assert len(list(coupa.iter_purchase_orders())) == 120
    assert api.stats["token_requests"] == 2
    assert api.stats["unauthorized"] == 1


def test_5xx_bursts_and_slow_answers_are_survived(dataset):
    faults = ApiFaults(seed=3, errors_at=(1, 3), burst_length=2, slow_rate=0.3, slow_seconds=0.01)
    with (
        CoupaSandbox(dataset, client_id=CID, client_secret=SECRET, rate_limit_per_s=None, faults=faults) as api,
        CoupaClient(api.base_url, CID, SECRET, retry=quick_retry()) as coupa,
    ):
        assert list(coupa.iter_purchase_orders()) == dataset.purchase_orders
    assert api.stats["server_errors"] == 4


def test_rate_limit_answers_429_with_retry_after_and_the_client_waits(dataset):
    # 2 requests/s, no burst: whatever the machine's speed, the second page comes too soon and gets a 429.
    with (
        CoupaSandbox(dataset, client_id=CID, client_secret=SECRET, rate_limit_per_s=2, burst=1) as api,
        CoupaClient(api.base_url, CID, SECRET) as coupa,
    ):
        assert list(coupa.iter_purchase_orders()) == dataset.purchase_orders
    assert api.stats["rate_limited"] >= 1


def test_429_carries_retry_after(dataset):
    with CoupaSandbox(dataset, client_id=CID, client_secret=SECRET, rate_limit_per_s=1, burst=1) as api:
        answers = [httpx.get(f"{api.base_url}/api/suppliers") for _ in range(2)]
    assert answers[1].status_code == 429
    assert int(answers[1].headers["Retry-After"]) >= 1


def test_wrong_secret_is_reported_without_echoing_it(sandbox):
    with (
        CoupaClient(sandbox.base_url, CID, "not-the-secret", retry=quick_retry()) as coupa,
        pytest.raises(AuthenticationError) as caught,
    ):
        next(coupa.iter_suppliers())
    assert "invalid_client" in str(caught.value)
    assert "not-the-secret" not in str(caught.value)


def test_page_size_above_coupa_cap_is_refused():
    with pytest.raises(ValueError, match=r"1\.\.50"):
        CoupaClient("http://127.0.0.1:1", CID, SECRET, page_size=100)

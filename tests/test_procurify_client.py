"""ProcurifyClient against the Procurify simulator on loopback: JSON-body OAuth with the audience, the
X-Procurify-Client header on every call, page/page_size paging over the envelope, bounded date windows, retries, a
fresh token once on a 401, and mark-as-paid exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.core import ApiError, RetryPolicy
from sandbox.procurify.generator import generate
from sandbox.procurify.server import AUDIENCE, ProcurifySandbox
from sandbox.scaffold import ApiFaults
from sources.procurify.client import ProcurifyClient

FAST = RetryPolicy(max_attempts=5, base=0.01, cap=0.05)


@pytest.fixture
def dataset():
    return generate(4, vendors=7, purchase_orders=12, bad_share=0)


def _client(api: ProcurifySandbox, **options) -> ProcurifyClient:
    return ProcurifyClient(api.base_url, "id", "secret", retry=FAST, **options)


def _queries(api: ProcurifySandbox, path: str) -> list[dict[str, list[str]]]:
    return [
        parse_qs(urlsplit(c.split(" ", 1)[1]).query) for c in api.calls if urlsplit(c.split(" ", 1)[1]).path == path
    ]


def test_token_is_asked_with_a_json_body_and_every_call_names_the_api_client(dataset):
    with ProcurifySandbox(dataset, client_id="id", client_secret="secret") as api:
        form = httpx.post(
            f"{api.base_url}/oauth/token",
            data={
                "client_id": "id",
                "client_secret": "secret",
                "audience": AUDIENCE,
                "grant_type": "client_credentials",
            },
        )
        assert form.status_code in (400, 401)  # Procurify takes the JSON body only
        with _client(api) as client:
            token = client.token.authorization()
            assert [step for step, worked, _ in client.check() if worked] == ["token", "read"]
        bare = httpx.get(f"{api.base_url}/api/v3/vendors/", headers={"Authorization": token})
        assert bare.status_code == 403 and "credentials" in bare.json()["detail"]  # no X-Procurify-Client: api
        assert api.stats["missing_client_header"] == 1


def test_lists_page_through_the_envelope_and_keep_inactive_vendors(dataset):
    with ProcurifySandbox(dataset, client_id="id", client_secret="secret") as api, _client(api, page_size=3) as client:
        vendors = list(client.iter_vendors())
        assert sorted(v["id"] for v in vendors) == sorted(dataset.vendors)
        assert any(not v["active"] for v in vendors)  # deleted vendors sit on the inactive list, still read
        pages = _queries(api, "/api/v3/vendors/")
        assert [p["page"] for p in pages] == [["1"], ["2"], ["3"]] and {p["page_size"][0] for p in pages} == {"3"}
        assert len(list(client.iter_departments())) == len(dataset.departments)
        assert len(list(client.iter_locations())) == len(dataset.locations)
        assert {a["code"] for a in client.iter_account_codes()} == {a["code"] for a in dataset.account_codes.values()}
    with pytest.raises(ValueError, match="page_size"):
        ProcurifyClient("http://127.0.0.1:9", "id", "secret", page_size=500)


def test_purchase_orders_come_with_items_read_in_bounded_windows_from_the_cursor(dataset):
    api = ProcurifySandbox(dataset, client_id="id", client_secret="secret")
    with api, _client(api, window_days=5, history_days=60) as client:
        orders = list(client.iter_purchase_orders())
        assert sorted(o["procurify_PO"] for o in orders) == sorted(dataset.purchase_orders)
        assert all(o["order_items"] for o in orders)
        windows = _queries(api, "/api/v2/purchase_orders/purchased/all/")
        spans = [(datetime.fromisoformat(w["modified_date_1"][0]) - datetime.fromisoformat(w["modified_date_0"][0]))
                 for w in windows]  # fmt: skip
        assert max(spans) <= timedelta(days=4) and len(windows) >= 60 // 5
        newest = max(o["last_modified"] for o in orders)
        dataset.touch(orders[0]["procurify_PO"], comment="edited")
        again = [o["procurify_PO"] for o in client.iter_purchase_orders(updated_after=newest)]
        assert orders[0]["procurify_PO"] in again and len(again) < len(orders)
        bills = list(client.iter_bills(updated_after=(datetime.now(UTC) - timedelta(days=90)).isoformat()))
        assert sorted(b["id"] for b in bills) == sorted(dataset.bills) and all(b["items"] for b in bills)


def test_server_errors_are_retried_and_a_revoked_token_is_renewed_once(dataset):
    faults = ApiFaults(seed=1, errors_at=(2,), burst_length=2, revoke_tokens_at=(5,))
    with ProcurifySandbox(dataset, client_id="id", client_secret="secret", faults=faults) as api:
        with _client(api, page_size=2) as client:
            assert len(list(client.iter_vendors())) == len(dataset.vendors)
            assert client.token.fetches == 2
        assert api.faults_fired()["server_errors"] == 2 and api.faults_fired()["unauthorized"] == 1


def test_a_paid_bill_is_marked_paid_once(dataset):
    bill = next(iter(dataset.bills.values()))
    payload = {"bill_id": bill["id"], "payment_date": "2026-12-01"}
    with ProcurifySandbox(dataset, client_id="id", client_secret="secret") as api, _client(api) as client:
        assert not client.delivered("mark_as_paid", payload)
        client.deliver("mark_as_paid", payload)
        assert client.delivered("mark_as_paid", payload)
        client.deliver("mark_as_paid", payload)  # a replay finds it paid and does not write again
        assert api.paid_marks == {bill["uuid"]: 1} and api.payment_dates[bill["uuid"]] == "2026-12-01"
        with pytest.raises(ApiError, match="400"):
            client.mark_paid([bill["uuid"]], "2026-12-02")  # paid already: not an approved bill without payments
        token = client.token.authorization()
        headers = {"Authorization": token, "X-Procurify-Client": "api"}
        for path in ("/api/v3/order-items/", "/api/public/v1/payments/", f"/api/v2/purchase_orders/{bill['id']}/"):
            assert httpx.post(api.base_url + path, json={}, headers=headers).status_code == 405  # read-only

"""JaggaerClient against the JAGGAER simulator over real HTTP: the realm's token (expiry, one refresh on 401),
`start` paging from 1 over the list envelope, `flt=` last-modified bounds, a non-zero returnCode reported by code,
429 with Retry-After honoured, and the receipt identity that makes re-deliveries one record."""

from __future__ import annotations

import time

import httpx
import pytest

from connectors.core import AuthenticationError, RetryPolicy
from sandbox.jaggaer.generator import generate, receipt_key
from sandbox.jaggaer.server import INVOICES, REALM, JaggaerSandbox
from sources import registry
from sources.jaggaer.client import JaggaerClient, JaggaerSettings, ReturnCodeError
from sources.jaggaer.models import filter_time, parse_time
from sources.jaggaer.resource import JaggaerResource

CID, SECRET = "qbsync-test", "sandbox-secret-value"


class Sleeps(list):
    """Records the waits asked for and waits a twentieth of a second instead (the bucket refills meanwhile)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        time.sleep(0.05)


@pytest.fixture
def dataset():
    return generate(5, suppliers=4, orders=16, bad_share=0.0)


@pytest.fixture
def sandbox(dataset):
    with JaggaerSandbox(dataset, client_id=CID, client_secret=SECRET) as api:
        yield api


def _client(api: JaggaerSandbox, sleeps: Sleeps | None = None, **options) -> JaggaerClient:
    retry = RetryPolicy(base=0.001, cap=30.0, sleep=sleeps if sleeps is not None else (lambda _: None))
    return JaggaerClient(api.base_url, CID, SECRET, settings=JaggaerSettings(), retry=retry, **options)


def test_pages_start_at_one_and_advance_by_the_records_returned(sandbox, dataset):
    with _client(sandbox, page_size=4) as client:
        pages = list(client.pages(INVOICES, "jiinvoiceList.jiinvoice", []))
    assert [len(p) for p in pages[:-1]] == [4] * (len(pages) - 1) and 1 <= len(pages[-1]) <= 4
    assert sum(map(len, pages)) == len(dataset.invoices)
    starts = [c.split("start=")[1].split("&")[0] for c in sandbox.calls if c.startswith(f"GET {INVOICES}")]
    assert starts == [str(1 + 4 * n) for n in range(len(pages))]


def test_re_delivered_receipts_land_as_one_record_keyed_by_supplier_number_and_po(sandbox, dataset):
    with _client(sandbox) as client:
        records = list(client.iter_invoices())
    keys = [r["receiptKey"] for r in records]
    assert len(records) == len(dataset.invoices) and dataset.redelivered == 2
    assert len(set(keys)) == len(keys) - 2  # the identical copies share their original's identity
    assert set(keys) == {receipt_key(doc) for doc in dataset.invoices}
    one = records[0]
    assert one["header"] == next(d["header"] for d in dataset.invoices if d["header"]["invoiceId"] ==
                                 one["header"]["invoiceId"])  # fmt: skip
    assert one["lines"][0]["poNumber"] == one["lineList"]["invoiceLine"][0]["poNumber"]
    assert one["lines"][0]["accountCode"] and one["lines"][0]["costCentre"].startswith("BR-")


def test_incremental_pull_sends_a_last_modified_bound_in_flt(sandbox, dataset):
    newest = sorted(dataset.invoices, key=lambda d: d["header"]["lastUpdate"])
    since = newest[-3]["header"]["lastUpdate"]
    with _client(sandbox) as client:
        got = list(client.iter_invoices(updated_after=since))
    assert {r["header"]["invoiceId"] for r in got} == {
        d["header"]["invoiceId"] for d in dataset.invoices if d["header"]["lastUpdate"] >= since[:19]
    }
    assert f"flt=LASTMODTIME%3E%3D{filter_time(parse_time(since))}" in sandbox.calls[-1]


def test_compact_dates_read_as_utc():
    assert parse_time("20240214").isoformat() == "2024-02-14T00:00:00+00:00"
    assert parse_time("20240214195856").isoformat() == "2024-02-14T19:58:56+00:00"
    assert parse_time("2024-02-14T19:58:56.973Z").isoformat() == "2024-02-14T19:58:56.973000+00:00"


def test_a_non_zero_return_code_is_an_error_naming_it(dataset):
    planted = {2: (3, "Search exceeded the allowed time")}
    api = JaggaerSandbox(dataset, client_id=CID, client_secret=SECRET, return_codes=planted)
    with api, _client(api, page_size=5) as client, pytest.raises(ReturnCodeError) as err:
        list(client.iter_invoices())
    assert "returnCode 3" in str(err.value) and "Search exceeded" in str(err.value)


def test_an_unsupported_filter_comes_back_as_a_return_code(sandbox):
    with _client(sandbox) as client, pytest.raises(ReturnCodeError, match="returnCode 4"):
        list(client.pages(INVOICES, "jiinvoiceList.jiinvoice", ["STATUS=Open"]))


def test_429_waits_for_retry_after(dataset):
    sleeps = Sleeps()
    with JaggaerSandbox(dataset, client_id=CID, client_secret=SECRET, rate_limit_per_s=50, burst=2) as api:
        with _client(api, sleeps, page_size=1) as client:
            got = list(client.iter_suppliers())
        assert api.stats["rate_limited"] >= 1
    assert len(got) == len(dataset.suppliers)
    assert sleeps and all(s >= 1 for s in sleeps)  # the server's Retry-After (whole seconds), not a quick backoff


def test_token_comes_from_the_realm_and_is_refreshed_once_on_401(sandbox):
    with _client(sandbox) as client:
        assert client.token.token_url.endswith(f"/auth/realms/{REALM}/protocol/openid-connect/token")
        list(client.iter_suppliers())
        sandbox.revoke_tokens()
        assert len(list(client.iter_suppliers())) == 4
        assert client.token.fetches == 2 and sandbox.stats["unauthorized"] == 1


def test_a_wrong_secret_is_refused_without_echoing_it(sandbox):
    client = JaggaerClient(sandbox.base_url, CID, "not-the-secret", settings=JaggaerSettings(),
                           retry=RetryPolicy(base=0.001, cap=0.01))  # fmt: skip
    with client, pytest.raises(AuthenticationError) as err:
        list(client.iter_suppliers())
    assert "not-the-secret" not in str(err.value)


def test_the_resource_hands_its_settings_to_the_client(sandbox):
    resource = JaggaerResource(base_url=sandbox.base_url, client_id=CID, client_secret=SECRET, realm="Acme-int",
                               invoices_path="/custom/invoices")  # fmt: skip
    with resource.client() as client:
        assert (client.settings.realm, client.settings.invoices_path) == ("Acme-int", "/custom/invoices")
        assert "/auth/realms/Acme-int/" in client.token.token_url
    assert registry.get("jaggaer").env["realm"] == "QBSYNC_JAGGAER_REALM"


def test_connection_check_reads_one_invoice(sandbox):
    with _client(sandbox) as client:
        steps = client.check()
    assert [s[:2] for s in steps] == [("token", True), ("read", True)]
    with JaggaerClient(sandbox.base_url, CID, SECRET, settings=JaggaerSettings(realm="Other")) as client:
        assert client.check()[0][1] is False


def test_the_token_endpoint_takes_form_fields(sandbox):
    url = f"{sandbox.base_url}/auth/realms/{REALM}/protocol/openid-connect/token"
    ok = httpx.post(url, data={"grant_type": "client_credentials", "client_id": CID, "client_secret": SECRET})
    assert ok.status_code == 200 and ok.json()["expires_in"] == 300
    refused = httpx.get(sandbox.base_url + INVOICES)
    assert refused.status_code == 401 and refused.json()["returnCode"] == 401

"""BaswareClient against the Basware simulator over real HTTP: continuation-token paging, 404 as empty, the 302 to
a stored result fetched without our token, acknowledge twice, responses, read-back, tokens and errors."""

from __future__ import annotations

import httpx
import pytest

from connectors.core import ApiError, AuthenticationError, RetryPolicy
from sandbox.basware.generator import generate
from sandbox.basware.server import BaswareSandbox
from sources.basware.client import BaswareClient

CID, SECRET = "qbsync-test", "sandbox-secret-value"


@pytest.fixture
def dataset():
    return generate(3, vendors=6, invoices=23, bad_share=0.0)


@pytest.fixture
def sandbox(dataset):
    with BaswareSandbox(dataset, client_id=CID, client_secret=SECRET) as api:
        yield api


@pytest.fixture
def client(sandbox):
    with BaswareClient(sandbox.base_url, CID, SECRET, page_size=5, retry=RetryPolicy(base=0.001, cap=0.01)) as bw:
        yield bw


def waiting(dataset) -> set[str]:
    return {i for i, d in dataset.documents.items() if d["processingStatus"] == "WaitingForTransfer"}


def test_waiting_invoices_come_in_continuation_pages_through_the_redirect(client, dataset):
    pages = list(client.pages("/v1/accountingDocuments", {"processingStatus": "WaitingForTransfer"},
                              "accountingDocuments", 5))  # fmt: skip
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert {d["invoiceId"] for p in pages for d in p} == waiting(dataset)
    assert {d["invoiceId"] for d in client.iter_invoices()} == waiting(dataset)  # other states are not served


def test_the_redirect_target_refuses_our_token(sandbox, client):
    """Basware's stored results take no Authorization header: the client must drop it when it follows the 302."""
    token = client.token.authorization()
    first = httpx.get(sandbox.base_url + "/v1/accountingDocuments", headers={"Authorization": token})
    assert first.status_code == 302
    again = httpx.get(sandbox.base_url + first.headers["Location"], headers={"Authorization": token})
    assert again.status_code == 400


def test_an_empty_list_is_a_404_and_reads_as_no_records(client):
    assert list(client.iter_invoices(updated_after="2030-01-01T00:00:00Z")) == []
    assert client.invoice("0" * 32) is None


def test_incremental_pull_returns_only_invoices_updated_after_the_cursor(client, dataset):
    latest = max(d["lastUpdated"] for d in dataset.documents.values())
    edited = sorted(waiting(dataset))[0]
    dataset.touch(edited, description="edited")
    assert [d["invoiceId"] for d in client.iter_invoices(updated_after=latest)] == [edited]


def test_vendors_page_too(client, dataset):
    assert [v["vendorCode"] for v in client.iter_vendors()] == sorted(v["vendorCode"] for v in dataset.vendors.values())


def test_a_second_acknowledge_answers_405_and_counts_as_done(client, sandbox, dataset):
    invoice = sorted(waiting(dataset))[0]
    assert client.acknowledge(invoice) is True
    assert client.acknowledge(invoice) is False
    assert sandbox.state.acknowledged[invoice] == 1
    assert client.delivered("acknowledge", {"invoice_id": invoice})
    assert invoice not in {d["invoiceId"] for d in client.iter_invoices()}


def test_transfer_response_is_read_back_and_a_second_success_is_refused(client, dataset):
    invoice = sorted(waiting(dataset))[1]
    client.deliver("acknowledge", {"invoice_id": invoice})
    response = {"externalCode": "qbsync-1", "success": True, "responseMessage": "Bill entered",
                "voucherNumber1": "4-1232328070", "paymentBlock": False}  # fmt: skip
    payload = {"invoice_id": invoice, "response": response}
    assert not client.delivered("transfer_response", payload)
    client.deliver("transfer_response", payload)
    assert client.delivered("transfer_response", payload)
    assert dataset.documents[invoice]["processingStatus"] == "Transferred"
    assert dataset.documents[invoice]["voucherNumber1"] == "4-1232328070"
    with pytest.raises(ApiError) as refused:
        client.deliver("transfer_response", {**payload, "response": {**response, "externalCode": "qbsync-2"}})
    assert refused.value.status == 400 and "already transferred" in str(refused.value)


def test_an_invalid_response_gets_the_official_error_body(client, dataset):
    invoice = sorted(waiting(dataset))[2]
    with pytest.raises(ApiError) as refused:
        client.transfer_response(invoice, {"externalCode": "x", "success": True})
    assert refused.value.status == 400
    assert "SCHEMA_VALIDATION_ERROR" in str(refused.value) and "responseMessage" in str(refused.value)


def test_an_expired_token_is_replaced_once(client, sandbox):
    list(client.iter_vendors())
    sandbox.revoke_tokens()
    assert len(list(client.iter_vendors())) == 6
    assert sandbox.stats["token_requests"] == 2


def test_wrong_secret_is_reported_without_echoing_it(sandbox):
    with BaswareClient(sandbox.base_url, CID, "not-the-secret") as bw:
        with pytest.raises(AuthenticationError) as refused:
            list(bw.iter_vendors())
        assert "not-the-secret" not in str(refused.value)
        assert bw.check()[0][1] is False


def test_page_size_above_the_accounting_documents_cap_is_refused():
    with pytest.raises(ValueError, match=r"1\.\.100"):
        BaswareClient("http://127.0.0.1:9", CID, SECRET, page_size=101)


def test_http_basic_instead_of_tokens_reads_and_writes_without_a_token(sandbox, dataset, warehouse):
    """The alternative the API allows: the client id and secret as HTTP Basic on every call, chosen with the
    connection's optional `auth` setting; no token is ever asked for, wrong credentials are refused."""
    from resources.source_api import SourceApiResource
    from warehouse import connections

    warehouse.migrate()
    with warehouse.connect() as conn:
        connections.save(conn, "basware", "basic", {"base_url": sandbox.base_url, "client_id": CID, "auth": "basic"},
                         {"client_secret": SECRET})  # fmt: skip
    resource = SourceApiResource(source="basware", instance="basic", database_url=warehouse.url,
                                 schema_name=warehouse.schema)  # fmt: skip
    with resource.client() as client:
        assert [ok for _, ok, _ in client.check()] == [True, True]
        assert {d["invoiceId"] for d in client.iter_invoices()} == waiting(dataset)
        assert client.acknowledge(sorted(waiting(dataset))[0]) is True
    assert sandbox.stats["token_requests"] == 0 and sandbox.stats["unauthorized"] == 0
    wrong = BaswareClient(sandbox.base_url, CID, "wrong", auth="basic", retry=RetryPolicy(base=0.001))
    with wrong, pytest.raises(ApiError) as refused:
        list(wrong.iter_invoices())
    assert refused.value.status == 401
    with pytest.raises(ValueError, match="auth"):
        BaswareClient(sandbox.base_url, CID, SECRET, auth="digest")

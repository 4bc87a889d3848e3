"""Salesforce over loopback: the sandbox org's shapes (token, describe, collections and single upsert, SOQL paging,
Bulk API 2.0, the daily limit) and the client's sessions, batching and clean stop at its share of the limit."""

from __future__ import annotations

import httpx
import pytest

from connectors.core import ApiError, RetryPolicy
from sandbox.salesforce.admin import prepared_org
from sandbox.salesforce.server import SalesforceSandbox
from sources.salesforce.client import LimitReached, SalesforceClient
from sources.salesforce.fields import EXTERNAL_ID, OrgNotReady
from sources.salesforce.flows import DEFAULT_STAGES, Stages

SECRET = "s3cret-sf"


def _org(**options) -> SalesforceSandbox:
    return SalesforceSandbox(client_id="qbsync", client_secret=SECRET, custom=prepared_org(DEFAULT_STAGES.all()),
                             **options)  # fmt: skip


def _client(sf: SalesforceSandbox, **options) -> SalesforceClient:
    return SalesforceClient(sf.base_url, "qbsync", SECRET, bulk_poll_seconds=0.01, **options)


def _token(sf: SalesforceSandbox) -> dict:
    form = {"grant_type": "client_credentials", "client_id": "qbsync", "client_secret": SECRET}
    return httpx.post(f"{sf.base_url}/services/oauth2/token", data=form).json()


def _account(n: int, **extra) -> dict:
    return {EXTERNAL_ID: f"80000{n:03d}-1", "Name": f"Client {n}", **extra}


def test_the_org_answers_in_salesforce_shapes():
    with _org(daily_limit=40) as sf:
        token = _token(sf)
        assert token["instance_url"] == sf.base_url and token["token_type"] == "Bearer"
        assert "expires_in" not in token and "refresh_token" not in token
        api = httpx.Client(base_url=f"{sf.base_url}/services/data/v60.0",
                           headers={"Authorization": f"Bearer {token['access_token']}"})  # fmt: skip
        described = api.get("/sobjects/Account/describe")
        fields = {f["name"]: f for f in described.json()["fields"]}
        assert fields[EXTERNAL_ID]["externalId"] and described.headers["Sforce-Limit-Info"] == "api-usage=1/40"
        assert api.get("/sobjects/Nope__c/describe").json()[0]["errorCode"] == "NOT_FOUND"

        first = api.patch(f"/sobjects/Account/{EXTERNAL_ID}/80000001-1", json={"Name": "Client 1"})
        again = api.patch(f"/sobjects/Account/{EXTERNAL_ID}/80000001-1", json={"Name": "Client One"})
        assert (first.status_code, first.json()["created"], again.status_code, again.json()["created"]) == (
            201, True, 200, False)  # fmt: skip
        sf.plant("Account", _account(7))
        sf.plant("Account", _account(7, Name="Client 7 (copy)"))
        ambiguous = api.patch(f"/sobjects/Account/{EXTERNAL_ID}/80000007-1", json={"Name": "x"})
        assert ambiguous.status_code == 300 and len(ambiguous.json()) == 2

        records = [{"attributes": {"type": "Account"}, **r} for r in (
            _account(2), {EXTERNAL_ID: "80000003-1"}, _account(4), _account(4), _account(7),
            _account(5, QB_Open_Balance__c="lots"))]  # fmt: skip
        results = api.patch(f"/composite/sobjects/Account/{EXTERNAL_ID}", json={"allOrNone": False, "records": records})
        codes = [r["errors"][0]["statusCode"] if r["errors"] else "ok" for r in results.json()]
        assert results.status_code == 200 and codes == [
            "ok", "REQUIRED_FIELD_MISSING", "DUPLICATE_VALUE", "DUPLICATE_VALUE", "DUPLICATE_EXTERNAL_ID",
            "INVALID_TYPE_ON_FIELD_IN_RECORD"]  # fmt: skip
        assert results.json()[1]["errors"][0]["fields"] == ["Name"]

        rows = api.get("/query", params={"q": f"SELECT Id, Name FROM Account WHERE {EXTERNAL_ID} = '80000001-1'"})
        assert [r["Name"] for r in rows.json()["records"]] == ["Client One"]
        sf.org.limits.used = 40
        spent = api.get("/sobjects/Account/describe")
        assert spent.status_code == 403 and spent.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
        sf.revoke_tokens()
        sf.new_day()
        expired = api.get("/sobjects/Account/describe")
        assert expired.status_code == 401 and expired.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_client_renews_sessions_batches_and_stops_at_its_share_of_the_daily_limit():
    with _org(daily_limit=1000) as sf:
        with _client(sf, session_seconds=0.001) as client:
            client.describe("Account")
            client.describe("Account")
            assert sf.stats["token_requests"] == 2  # no expiry in the answer: renewed after the configured lifetime
        with _client(sf) as client:
            client.describe("Account")
            sf.revoke_tokens()  # a 401 INVALID_SESSION_ID mid-run: one new session, the call goes through
            assert client.describe("Account")["name"] == "Account"
            outcomes = client.upsert_collection("Account", EXTERNAL_ID, [_account(n) for n in range(200)])
            assert all(o.created for o in outcomes)
            assert [o.error is None for o in client.upsert_collection("Account", EXTERNAL_ID, [_account(1)])] == [True]
            with pytest.raises(ValueError):
                client.upsert_collection("Account", EXTERNAL_ID, [_account(n) for n in range(201)])
            assert client.describe("Nope__c") is None
            rows = list(client.query("SELECT Id FROM Account"))
            assert len(rows) == 200
            for n in range(2100):
                sf.plant("Product2", {"Name": f"P{n}"})
            assert len(list(client.query("SELECT Id, Name FROM Product2"))) == 2100  # two batches: nextRecordsUrl
        sf.org.limits.used = 799
        with _client(sf, stop_at_share=0.8) as client:
            client.describe("Account")  # the answer says 800/1000: 80% spent
            with pytest.raises(LimitReached):
                client.describe("Account")


def test_bulk_jobs_give_the_same_outcomes_as_collections():
    records = [_account(n, Phone="(555) 000") for n in range(30)] + [{EXTERNAL_ID: "80000999-1"}]
    with _org() as sf, _client(sf) as client:
        bulk = client.upsert_bulk("Account", EXTERNAL_ID, records)
        assert [o.created for o in bulk[:30]] == [True] * 30
        assert "REQUIRED_FIELD_MISSING" in bulk[30].error
        again = client.upsert_collection("Account", EXTERNAL_ID, records[:5])
        assert [(o.sf_id, o.created) for o in again] == [(o.sf_id, False) for o in bulk[:5]]
        assert len(sf.org.records["Account"]) == 30
        with pytest.raises(OrgNotReady, match="stage 'Won Big' is missing"):
            client.ready(Stages(open="Won Big"))


def test_the_concurrent_request_limit_is_waited_out_and_the_daily_one_stops_the_run():
    quick = RetryPolicy(max_attempts=3, sleep=lambda _: None)
    with _org(daily_limit=10, busy_at=(2, 3, 5, 6, 7)) as sf, _client(sf, retry=quick) as client:
        assert client.describe("Account")["name"] == "Account"
        assert client.describe("Account")["name"] == "Account"  # two 403 ConcurrentPerOrgLongTxn, then through
        assert sf.faults_fired()["concurrent_limited"] == 2
        with pytest.raises(ApiError, match="concurrent request limit held for 3 attempts") as busy:
            client.describe("Account")
        assert not isinstance(busy.value, LimitReached)  # not the daily allowance: the run is not told to stop
        sf.org.limits.used = 10
        with pytest.raises(LimitReached, match="TotalRequests"):
            client.describe("Account")


def test_connection_check_says_whether_the_org_is_ready_and_a_line_never_has_zero_quantity():
    with _org(daily_limit=500) as sf, _client(sf) as client:
        steps = client.check()
        assert [ok for _, ok, _ in steps] == [True, True, True] and "of 500 daily API requests used" in steps[1][2]
        line = {"attributes": {"type": "OpportunityLineItem"}, "QB_TxnLineID__c": "L-1", "Quantity": 0}
        answer = client.call("PATCH", "/composite/sobjects/OpportunityLineItem/QB_TxnLineID__c",
                             json={"allOrNone": False, "records": [line]})  # fmt: skip
        assert answer.json()[0]["errors"][0]["statusCode"] == "FIELD_INTEGRITY_EXCEPTION"
    unready = prepared_org(DEFAULT_STAGES.all(), skip=["OpportunityLineItem.QB_Inactive__c"])
    with SalesforceSandbox(client_id="qbsync", client_secret=SECRET, custom=unready) as sf, _client(sf) as client:
        step, ok, text = client.check()[-1]
        assert (step, ok) == ("org", False) and "OpportunityLineItem.QB_Inactive__c is missing" in text
    with _org() as sf, SalesforceClient(sf.base_url, "qbsync", "wrong") as client:
        assert client.check()[0][:2] == ("token", False)

"""SalesforceClient: client-credentials sessions at the org's My Domain, describe, SOQL reads, upsert by external id
through sObject Collections (200 a call, allOrNone false) or Bulk API 2.0 ingest jobs, and the daily API limit read
from every answer's Sforce-Limit-Info so a run stops at its share of the allowance (the concurrent-request limit, the
other 403 REQUEST_LIMIT_EXCEEDED, is waited out instead)."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.core import ApiClient, ApiError, ClientCredentials, RetryPolicy
from connectors.core.retry import RetryableStatus
from sources.salesforce.fields import OrgNotReady, missing_in_org
from sources.salesforce.flows import DEFAULT_STAGES, STANDARD_PRICEBOOK, Stages, parse_op

SOURCE = "salesforce"
COLLECTION_MAX = 200
OK_STATUSES = (300, 400, 403, 404, 412)  # answered by the org, read here rather than raised by the core
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
DAILY = "TotalRequests"  # the daily allowance's REQUEST_LIMIT_EXCEEDED says so; the concurrent limit's does not


class LimitReached(ApiError):
    """The run reached its share of the org's daily API allowance (or the org refused with REQUEST_LIMIT_EXCEEDED):
    stop cleanly; what is not sent waits for the next run."""


@dataclass
class Outcome:
    """What the org did with one record: its Id and whether it was created, else the error (code: message)."""

    key: str  # the record's external id value
    sf_id: str | None = None
    created: bool = False
    error: str | None = None
    ambiguous: bool = False  # several records hold the external id: the record is held with this reason


class SalesforceClient(ApiClient):
    """One org at its My Domain (`base_url` like https://acme.my.salesforce.com).

    `session_seconds`: a session is re-requested after this long (the token answer carries no expiry) and on any
    401 INVALID_SESSION_ID; `stop_at_share`: share of the daily allowance after which calls stop (LimitReached);
    `bulk_threshold`: from this many writes of one object, a delivery sends them as a Bulk API 2.0 job.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        api_version: str = "v60.0",
        session_seconds: float = 7200.0,
        stop_at_share: float = 0.8,
        bulk_poll_seconds: float = 1.0,
        bulk_threshold: int = 2000,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
    ):
        base_url = base_url.rstrip("/")
        retry = retry or RetryPolicy(cap=60.0)
        token = ClientCredentials(
            base_url + "/services/oauth2/token", client_id, client_secret, source=SOURCE, retry=retry,
            timeout=timeout, assumed_lifetime=session_seconds,
        )  # fmt: skip
        super().__init__(base_url, source=SOURCE, token=token, retry=retry, timeout=timeout,
                         headers={"Accept": "application/json"})  # fmt: skip
        self.data = f"/services/data/{api_version}"
        self.stop_at_share = stop_at_share
        self.bulk_poll_seconds = bulk_poll_seconds
        self.bulk_threshold = bulk_threshold
        self.usage: tuple[int, int] | None = None  # (used, allowed) from the last answer
        self._pricebook: str | None = None

    # -- every call ----------------------------------------------------------------------------

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call under the daily budget: LimitReached before it when the share is spent, or when the org
        answers 403 REQUEST_LIMIT_EXCEEDED for its daily allowance; the same 403 for too many concurrent
        long-running requests is retried with backoff like a 429. The limit header of every answer is kept in
        `usage`."""
        if self.over_budget:
            used, allowed = self.usage or (0, 0)
            raise LimitReached(f"salesforce: {used} of {allowed} daily API requests used, the run stops at "
                               f"{self.stop_at_share:.0%}", status=None, source=SOURCE)  # fmt: skip
        full = path if path.startswith(("/services/", "http")) else self.data + path  # nextRecordsUrl is whole
        try:
            for attempt in self.retry.retrying():
                with attempt:
                    response = self.request(method, full, ok_statuses=OK_STATUSES, **kwargs)
                    self._read_usage(response)
                    if self._limited(response) and not self._daily(response):
                        raise RetryableStatus(response)
        except RetryableStatus as exc:
            raise ApiError(f"salesforce {method} {path.split('?')[0]}: the org's concurrent request limit held for "
                           f"{self.retry.max_attempts} attempts ({_first_error(exc.response)})", status=403,
                           source=SOURCE) from None  # fmt: skip
        if self._limited(response):
            raise LimitReached(f"salesforce refused: {_first_error(response)}", status=403, source=SOURCE)
        if response.status_code in (403, 404, 412) or (response.status_code == 400 and method == "GET"):
            raise ApiError(f"salesforce {method} {path.split('?')[0]} answered HTTP {response.status_code}: "
                           f"{_first_error(response)}", status=response.status_code, source=SOURCE)  # fmt: skip
        return response

    @property
    def over_budget(self) -> bool:
        return self.usage is not None and self.usage[0] >= self.stop_at_share * self.usage[1]

    def _read_usage(self, response: httpx.Response) -> None:
        found = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if found:
            self.usage = (int(found[1]), int(found[2]))

    @staticmethod
    def _limited(response: httpx.Response) -> bool:
        return response.status_code == 403 and "REQUEST_LIMIT_EXCEEDED" in response.text

    def _daily(self, response: httpx.Response) -> bool:
        """A REQUEST_LIMIT_EXCEEDED for the daily allowance (its message, or the usage header at the allowance), not
        for concurrent long-running requests (which pass in seconds)."""
        spent = self.usage is not None and self.usage[0] >= self.usage[1]
        return DAILY in response.text or spent

    def check(self, stages: Stages = DEFAULT_STAGES) -> list[tuple[str, bool, str]]:
        """`qbsync connection test`: a session, the daily allowance, then whether the org has every field, object and
        stage the flow writes (describe). (step, worked, plain words); stops at the first failure."""
        try:
            self.token.authorization()
        except ApiError as exc:
            return [("token", False, f"{exc}: check the connected app's consumer key and secret, that the client "
                     "credentials flow is enabled with a Run As user, and the My Domain URL")]  # fmt: skip
        steps = [("token", True, f"Salesforce at {self.base_url} opened a session for this connected app")]
        try:
            limits = self.call("GET", "/limits").json()["DailyApiRequests"]
            problems = missing_in_org(self.describe, stages.all())
        except ApiError as exc:
            return [*steps, ("read", False, f"reading the org failed: {exc}")]
        used = limits["Max"] - limits["Remaining"]
        steps.append(("read", True, f"{used} of {limits['Max']} daily API requests used (GET /limits)"))
        if problems:
            return [*steps, ("org", False, f"the org is not ready for qbsync: {problems[0]} ({len(problems)} "
                             "problems; qbsync lists them all when it runs)")]  # fmt: skip
        return [*steps, ("org", True, "every field, object and stage qbsync writes is there (describe)")]

    def ready(self, stages: Stages = DEFAULT_STAGES) -> None:
        """Stop before anything is sent when the org lacks a field, object or stage the flow writes."""
        problems = missing_in_org(self.describe, stages.all())
        if problems:
            raise OrgNotReady("the Salesforce org is not ready for qbsync:\n- " + "\n- ".join(problems))

    def standard_pricebook(self) -> str:
        """The Id of the org's standard price book (looked up once)."""
        if self._pricebook is None:
            found = list(self.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true"))
            if not found:
                raise OrgNotReady("the org has no standard price book (Pricebook2 with IsStandard = true)")
            self._pricebook = found[0]["Id"]
        return self._pricebook

    def record(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A queued payload as the org takes it: the standard price book named by its Id."""
        if payload.get("Pricebook2Id") == STANDARD_PRICEBOOK:
            return {**payload, "Pricebook2Id": self.standard_pricebook()}
        return payload

    def deliver(self, op: str, payload: dict[str, Any]) -> None:
        """One queued write (an upsert by external id, harmless to repeat); ApiError naming Salesforce's error."""
        obj, ext = parse_op(op)
        (outcome,) = self.upsert_collection(obj, ext, [self.record(payload)])
        if outcome.error:
            raise ApiError(f"salesforce refused {obj} {ext}={outcome.key}: {outcome.error}", source=SOURCE)

    # -- reads ---------------------------------------------------------------------------------

    def describe(self, obj: str) -> dict[str, Any] | None:
        """The describe answer of `obj`, None when the org has no such object."""
        try:
            return self.call("GET", f"/sobjects/{obj}/describe").json()
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    def query(self, soql: str) -> Iterator[dict[str, Any]]:
        """Every row of `soql`, following nextRecordsUrl."""
        body = self.call("GET", "/query", params={"q": soql}).json()
        while True:
            yield from body["records"]
            if body.get("done", True) or not body.get("nextRecordsUrl"):
                return
            body = self.call("GET", body["nextRecordsUrl"]).json()

    # -- writes --------------------------------------------------------------------------------

    def upsert_collection(self, obj: str, ext: str, records: list[Mapping[str, Any]]) -> list[Outcome]:
        """Upsert up to 200 records by external id `ext` in one sObject Collections call, allOrNone false."""
        if len(records) > COLLECTION_MAX:
            raise ValueError(f"at most {COLLECTION_MAX} records a call, got {len(records)}")
        body = {"allOrNone": False, "records": [{"attributes": {"type": obj}, **r} for r in records]}
        response = self.call("PATCH", f"/composite/sobjects/{obj}/{ext}", json=body)
        if response.status_code != 200:
            raise ApiError(f"salesforce upsert {obj} answered HTTP {response.status_code}: {_first_error(response)}",
                           status=response.status_code, source=SOURCE)  # fmt: skip
        return [_outcome(str(r[ext]), result) for r, result in zip(records, response.json(), strict=True)]

    def upsert_bulk(self, obj: str, ext: str, records: list[Mapping[str, Any]]) -> list[Outcome]:
        """Upsert records through one Bulk API 2.0 ingest job: CSV upload, UploadComplete, poll, then the
        successful and failed results, matched back by the external id."""
        job = self.call("POST", "/jobs/ingest", json={"object": obj, "externalIdFieldName": ext, "contentType": "CSV",
                                                      "operation": "upsert", "lineEnding": "LF"}).json()  # fmt: skip
        self.call("PUT", f"/jobs/ingest/{job['id']}/batches", content=_csv(records),
                  headers={"Content-Type": "text/csv"})  # fmt: skip
        self.call("PATCH", f"/jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
        while True:
            state = self.call("GET", f"/jobs/ingest/{job['id']}").json()
            if state["state"] in ("JobComplete", "Failed", "Aborted"):
                break
            time.sleep(self.bulk_poll_seconds)
        if state["state"] != "JobComplete":
            message = f"bulk job {job['id']} ended {state['state']}: {state.get('errorMessage', '')}".strip()
            return [Outcome(str(r[ext]), error=message) for r in records]
        outcomes: dict[str, Outcome] = {}
        for row in self._results(job["id"], "successfulResults"):
            outcomes[row[ext].lower()] = Outcome(row[ext], sf_id=row["sf__Id"], created=row["sf__Created"] == "true")
        for row in self._results(job["id"], "failedResults"):
            error = row["sf__Error"]
            outcomes[row[ext].lower()] = Outcome(row[ext], error=error, ambiguous="DUPLICATE_EXTERNAL_ID" in error)
        missing = "not processed by the bulk job (unprocessed record)"
        return [outcomes.get(str(r[ext]).lower(), Outcome(str(r[ext]), error=missing)) for r in records]

    def _results(self, job_id: str, which: str) -> list[dict[str, str]]:
        text = self.call("GET", f"/jobs/ingest/{job_id}/{which}/", headers={"Accept": "text/csv"}).text
        return list(csv.DictReader(io.StringIO(text)))


def _first_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return f"{body[0].get('errorCode')}: {body[0].get('message')}"
    return str(body)[:200]


def _outcome(key: str, result: dict[str, Any]) -> Outcome:
    if result.get("success"):
        return Outcome(key, sf_id=result.get("id"), created=bool(result.get("created")))
    errors = result.get("errors") or [{}]
    codes = [e.get("statusCode") or e.get("errorCode") for e in errors]
    text = "; ".join(f"{c}: {e.get('message')}" + (f" {e['fields']}" if e.get("fields") else "")
                     for c, e in zip(codes, errors, strict=True))  # fmt: skip
    return Outcome(key, error=text, ambiguous="DUPLICATE_EXTERNAL_ID" in codes)


def _flat(record: Mapping[str, Any]) -> dict[str, Any]:
    """{"Parent": {"Ext__c": v}} -> {"Parent.Ext__c": v}: Bulk API 2.0's column for a lookup by external id."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        if isinstance(value, Mapping):
            out.update({f"{name}.{k}": v for k, v in value.items()})
        else:
            out[name] = value
    return out


def _csv(records: list[Mapping[str, Any]]) -> bytes:
    rows = [_flat(r) for r in records]
    columns = list(dict.fromkeys(c for row in rows for c in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: _cell(row.get(c)) for c in columns} for row in rows)
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

"""SalesforceSandbox: a local Salesforce org's REST API on the shared scaffold (sandbox.scaffold): the My Domain
client-credentials token endpoint (no expires_in; sessions still expire), describe, sObject Collections and
single-record upsert by external id, a small SOQL query, Bulk API 2.0 ingest, and the org's daily API limit in the
Sforce-Limit-Info header of every answer (403 REQUEST_LIMIT_EXCEEDED once it is spent)."""

from __future__ import annotations

import secrets
import threading
import time
from functools import wraps
from typing import Any

from flask import Response, request

from sandbox.salesforce.bulk import USER_ID, BulkJobs
from sandbox.salesforce.org import Ambiguous, Field, LimitState, Org, Problem
from sandbox.scaffold import ApiFaults, Grant, OAuth2Issuer, Simulator, json_response

API_VERSION = "v60.0"
COLLECTION_MAX = 200
QUERY_BATCH = 2000
ORG_ID = "00D5g00000Sandbox"
# the error codes of whole-request errors the scaffold raises, by status
STATUS_CODES = {401: "INVALID_SESSION_ID", 403: "REQUEST_LIMIT_EXCEEDED", 429: "REQUEST_LIMIT_EXCEEDED",
                404: "NOT_FOUND", 400: "INVALID_REQUEST"}  # fmt: skip
SESSION_MESSAGE = "Session expired or invalid"
STALL_SECONDS = 120  # the longest a stalled answer waits for resume()


class SalesforceIssuer(OAuth2Issuer):
    """Salesforce's token answer: instance_url, id, issued_at and signature, and no expires_in (the session still
    times out after `ttl` seconds, like an org's session timeout)."""

    def __init__(self, clients: dict[str, str], ttl: int):
        super().__init__(clients, path="/services/oauth2/token", client_auth=("form", "basic"), ttl=ttl,
                         token_type="Bearer")  # fmt: skip
        self.instance_url = ""

    def answer(self, token: str, grant: Grant) -> dict[str, Any]:
        return {
            "access_token": f"{ORG_ID}!{token}",
            "signature": secrets.token_urlsafe(32),
            "instance_url": self.instance_url,
            "id": f"{self.instance_url}/id/{ORG_ID}/{USER_ID}",
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
        }

    def grant_for(self, authorization: str) -> Grant | None:
        return super().grant_for(authorization.replace(f"{ORG_ID}!", "", 1))


class SalesforceSandbox(Simulator):
    """An org on 127.0.0.1: `with SalesforceSandbox(client_id=..., client_secret=..., custom=...) as sf:`.

    `custom` is what an admin created ({object: fields}); `sf.org` holds the data (read it as the oracle);
    `daily_limit` the org's API requests per day (`sf.new_day()` starts the next, or every `day_seconds` seconds
    that saw a request); `session_seconds` when sessions time out; `busy_at`: the API requests (numbered from 1)
    refused with 403 REQUEST_LIMIT_EXCEEDED because the org already runs its 25 concurrent long-running requests (not
    counted against the day); `stall_write(n)`: the n-th collection upsert from now (0: none) is applied and its
    answer then waits until `resume()` (`stalled` is set meanwhile: a caller killed then never learns the outcome);
    `plant(obj, values)` stores a record as is (for ambiguous external ids).
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        custom: dict[str, tuple[Field, ...]] | None = None,
        daily_limit: int = 15000,
        day_seconds: float | None = None,
        busy_at: tuple[int, ...] = (),
        session_seconds: int = 7200,
        rate_limit_per_s: float | None = None,
        burst: int = 20,
        faults: ApiFaults | None = None,
        api_version: str = API_VERSION,
        port: int = 0,
    ):
        self.issuer_sf = SalesforceIssuer({client_id: client_secret}, session_seconds)
        super().__init__("salesforce_sandbox", issuer=self.issuer_sf, rate_limit_per_s=rate_limit_per_s,
                         burst=burst, faults=faults, port=port)  # fmt: skip
        self.org = Org(custom=dict(custom or {}), limits=LimitState(allowed=daily_limit, day_seconds=day_seconds))
        self.bulk = BulkJobs(self.org, api_version)
        self.api_version = api_version
        data = f"/services/data/{api_version}"
        routes = [
            ("/sobjects/<obj>/describe", self._describe, ("GET",)),
            ("/composite/sobjects/<obj>/<ext>", self._collection_upsert, ("PATCH",)),
            ("/sobjects/<obj>/<ext>/<path:value>", self._single_upsert, ("PATCH",)),
            ("/query", self._query, ("GET",)),
            ("/query/<cursor>", self._query_more, ("GET",)),
            ("/limits", self._limits, ("GET",)),
            ("/jobs/ingest", self._job_create, ("POST",)),
            ("/jobs/ingest/<job_id>", self._job_get, ("GET",)),
            ("/jobs/ingest/<job_id>", self._job_patch, ("PATCH",)),
            ("/jobs/ingest/<job_id>/batches", self._job_upload, ("PUT",)),
            ("/jobs/ingest/<job_id>/successfulResults/", self._job_successes, ("GET",)),
            ("/jobs/ingest/<job_id>/failedResults/", self._job_failures, ("GET",)),
        ]
        for rule, view, methods in routes:
            self.route(data + rule, self._metered(view), methods=methods, endpoint=f"{methods[0]}:{rule}")
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self.busy_at = set(busy_at)
        self._metered_count = 0
        self._writes = 0
        self._stall_at: int | None = None
        self.stalled = threading.Event()
        self.stalled_records = 0  # records in the upsert whose answer was held
        self._resume = threading.Event()
        self.app.after_request(self._limit_header)

    def __enter__(self):
        super().__enter__()
        self.issuer_sf.instance_url = self.base_url
        return self

    # -- the org's own answers -------------------------------------------------------------------

    def error(self, status: int, message: str) -> Response:
        """A whole request's error: a JSON array of {message, errorCode}."""
        message = SESSION_MESSAGE if status == 401 else message
        code = STATUS_CODES.get(status, "SERVER_UNAVAILABLE" if status >= 500 else "UNKNOWN_EXCEPTION")
        return json_response([{"message": message, "errorCode": code}], status)

    def new_day(self) -> None:
        """Midnight in the org: the daily allowance starts again."""
        self.org.limits.new_day()

    def stall_write(self, n: int = 1) -> None:
        with self.org.lock:
            self._stall_at = self._writes + n if n else None
            self.stalled.clear()
            self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    def _after_write(self) -> None:
        """Count a collection upsert (applied by now); hold its answer when it is the one to stall."""
        with self.org.lock:
            self._writes += 1
            stall = self._writes == self._stall_at
        if stall:
            self.stats["stalled_writes"] += 1
            self.stalled_records = len((request.get_json(silent=True) or {}).get("records") or [])
            self.stalled.set()
            self._resume.wait(STALL_SECONDS)

    def plant(self, obj: str, values: dict[str, Any]) -> str:
        with self.org.lock:
            return self.org.insert(obj, values)

    def faults_fired(self) -> dict[str, int]:
        return {**super().faults_fired(), **{k: self.stats[k] for k in ("concurrent_limited", "stalled_writes")}}

    def _metered(self, view):
        """Count the request against the daily allowance; a spent allowance is 403 REQUEST_LIMIT_EXCEEDED, and so is a
        request while the org runs too many long ones (`busy_at`), with another message."""

        @wraps(view)
        def metered(**kwargs: Any) -> Response:
            with self.org.lock:
                self._metered_count += 1
                busy = self._metered_count in self.busy_at
            if busy:
                self.stats["concurrent_limited"] += 1
                return json_response([{"message": "ConcurrentPerOrgLongTxn Limit exceeded.",
                                       "errorCode": "REQUEST_LIMIT_EXCEEDED"}], 403)  # fmt: skip
            with self.org.lock:
                spent = not self.org.limits.take()
            if spent:
                return json_response([{"message": "TotalRequests Limit exceeded.",
                                       "errorCode": "REQUEST_LIMIT_EXCEEDED"}], 403)  # fmt: skip
            try:
                with self.org.lock:
                    answer = view(**kwargs)
            except Problem as err:
                status = 404 if err.code == "NOT_FOUND" else 400
                if err.code == "JOB_NOT_COMPLETE":
                    status = 412
                return json_response([err.as_error("errorCode")], status)
            if view == self._collection_upsert:
                self._after_write()
            return answer

        return metered

    def _limit_header(self, answer: Response) -> Response:
        if request.path.startswith("/services/data/"):
            answer.headers["Sforce-Limit-Info"] = self.org.limits.header
        return answer

    # -- views -----------------------------------------------------------------------------------

    def _describe(self, obj: str) -> Response:
        return json_response(self.org.describe(obj), 200)

    def _collection_upsert(self, obj: str, ext: str) -> Response:
        body = request.get_json(silent=True) or {}
        records = body.get("records") or []
        if len(records) > COLLECTION_MAX:
            message = f"record limit reached. cannot submit more than {COLLECTION_MAX} records into this call"
            raise Problem("EXCEEDED_ID_LIMIT", message)
        if body.get("allOrNone"):
            raise Problem("INVALID_REQUEST", "the sandbox serves allOrNone: false only")
        values = [str(r.get(ext, "")).lower() for r in records]
        results = []
        for record, value in zip(records, values, strict=True):
            if record.get("attributes", {}).get("type") != obj:
                results.append(_failed(Problem("INVALID_TYPE", f"Record type must be {obj}", ["attributes"])))
            elif values.count(value) > 1:
                message = f"Duplicate external id specified: {record.get(ext)}"
                results.append(_failed(Problem("DUPLICATE_VALUE", message, [ext])))
            else:
                results.append(self._upsert_one(obj, ext, record))
        return json_response(results, 200)

    def _upsert_one(self, obj: str, ext: str, record: dict[str, Any]) -> dict[str, Any]:
        try:
            rid, created = self.org.upsert(obj, ext, record)
        except Problem as err:
            return _failed(err)
        except Ambiguous as err:
            message = f"{ext}: more than one record found for external id field: {err.ids}"
            return _failed(Problem("DUPLICATE_EXTERNAL_ID", message, [ext]))
        return {"id": rid, "success": True, "errors": [], "created": created}

    def _single_upsert(self, obj: str, ext: str, value: str) -> Response:
        record = {**(request.get_json(silent=True) or {}), ext: value}
        try:
            rid, created = self.org.upsert(obj, ext, record)
        except Ambiguous as err:
            return json_response([f"/services/data/{self.api_version}/sobjects/{obj}/{i}" for i in err.ids], 300)
        except Problem as err:
            return json_response([err.as_error("errorCode")], 400)
        return json_response({"id": rid, "success": True, "errors": [], "created": created}, 201 if created else 200)

    def _query(self) -> Response:
        rows = self.org.query(request.args.get("q", ""))
        return self._page(rows)

    def _query_more(self, cursor: str) -> Response:
        rows = self._cursors.pop(cursor, None)
        if rows is None:
            raise Problem("INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(rows)

    def _page(self, rows: list[dict[str, Any]]) -> Response:
        page, rest = rows[:QUERY_BATCH], rows[QUERY_BATCH:]
        body: dict[str, Any] = {"totalSize": len(rows), "done": not rest, "records": page}
        if rest:
            cursor = f"01g5g00000{secrets.token_hex(4)}-{QUERY_BATCH}"
            self._cursors[cursor] = rest
            body["nextRecordsUrl"] = f"/services/data/{self.api_version}/query/{cursor}"
        return json_response(body, 200)

    def _limits(self) -> Response:
        limits = self.org.limits
        daily = {"Max": limits.allowed, "Remaining": limits.allowed - limits.used}
        return json_response({"DailyApiRequests": daily}, 200)

    def _job_create(self) -> Response:
        return json_response(self.bulk.create(request.get_json(silent=True) or {}), 200)

    def _job_get(self, job_id: str) -> Response:
        return json_response(self.bulk.status(job_id), 200)

    def _job_patch(self, job_id: str) -> Response:
        state = (request.get_json(silent=True) or {}).get("state", "")
        return json_response(self.bulk.set_state(job_id, state), 200)

    def _job_upload(self, job_id: str) -> Response:
        if not request.content_type or not request.content_type.startswith("text/csv"):
            raise Problem("INVALIDCONTENTTYPE", "Content-Type must be text/csv")
        self.bulk.upload(job_id, request.get_data(as_text=True))
        return Response(status=201)

    def _job_successes(self, job_id: str) -> Response:
        return self._results(job_id, "successful")

    def _job_failures(self, job_id: str) -> Response:
        return self._results(job_id, "failed")

    def _results(self, job_id: str, which: str) -> Response:
        text, count = self.bulk.results(job_id, which)
        headers = {"Sforce-Locator": "null", "Sforce-NumberOfRecords": str(count)}
        return Response(text, status=200, headers=headers, content_type="text/csv")


def _failed(err: Problem) -> dict[str, Any]:
    return {"success": False, "errors": [err.as_error()]}

"""BaswareClient: Basware P2P accounting documents and vendors as raw JSON, and the writes back to Basware
(acknowledge, transfer and payment responses, vendor, account and cost-centre imports, request status)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import httpx

from connectors.core import (
    ApiClient,
    ApiError,
    BasicCredentials,
    ClientCredentials,
    RetryPolicy,
    TokenProvider,
    json_field,
)
from connectors.core.pagination import paginate_continuation_header

SOURCE = "basware"
CONTINUATION = "x-amz-meta-continuationtoken"  # response header when more records wait; sent back as a request header
REQUEST_ID = "x-amzn-RequestId"  # response header naming an import for /v1/requestStatus/{requestId}
MAX_DOCUMENTS = 100  # records per call for accountingDocuments
MAX_VENDORS = 200  # vendors per POST /v1/vendors and per GET page
MAX_BODY = 6 * 1024 * 1024  # request bodies Basware takes
IMPORTS = {"vendor_import": ("/v1/vendors", 200), "account_import": ("/v1/accounts", 500),
           "cost_centre_import": ("/v1/costCenters", 500)}  # op -> (path, records per call)  # fmt: skip
STATUS_POLLS = 10  # reads of /v1/requestStatus before an import still in progress is reported as such
READ_SCOPES = ("accountingDocuments.read", "vendors.read", "accounts.read", "companies.read", "requestStatus.read")
WRITE_SCOPES = ("accountingDocuments.write", "vendors.write", "accounts.write", "costCenters.write")
DEFAULT_SCOPES = READ_SCOPES + WRITE_SCOPES
WAITING = "WaitingForTransfer"
AUTH = ("oauth2", "basic")  # OAuth2 client credentials (tokens), or HTTP Basic with the same id and secret
ERROR_BODIES = (400, 405, 409, 413)  # answers carrying a ResponseEntityList, read into the error message


class BaswareClient(ApiClient):
    """One Basware tenant at its regional API host (`base_url` like https://api.basware.com, the EU, US or AU host
    Basware names for the tenant). With `auth="oauth2"` (the default) tokens come from `POST {base_url}/v1/tokens`
    with the client id and secret as HTTP Basic credentials; with `auth="basic"` (the alternative the API allows)
    every call carries those credentials as HTTP Basic instead. Lists page with `pageSize` and the
    continuation-token header; a 404 on a list means no records; reads of accounting documents answer 302 to a
    location that must be fetched without our credentials.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        timeout: float = 30.0,
        page_size: int = MAX_DOCUMENTS,
        retry: RetryPolicy | None = None,
        auth: str = "oauth2",
    ):
        if not 1 <= page_size <= MAX_DOCUMENTS:
            raise ValueError(f"Basware page_size must be 1..{MAX_DOCUMENTS}, got {page_size}")
        if auth not in AUTH:
            raise ValueError(f"Basware auth must be one of {', '.join(AUTH)}, got {auth!r}")
        base_url = base_url.rstrip("/")
        retry = retry or RetryPolicy()
        token: TokenProvider = BasicCredentials(client_id, client_secret) if auth == "basic" else ClientCredentials(
            base_url + "/v1/tokens", client_id, client_secret, scopes=scopes, source=SOURCE,
            auth_method="client_secret_basic", retry=retry, timeout=timeout,
        )  # fmt: skip
        super().__init__(
            base_url, source=SOURCE, token=token, retry=retry, timeout=timeout, headers={"Accept": "application/json"}
        )
        self.page_size = page_size
        self._redirected = httpx.Client(timeout=timeout, headers={"Accept": "application/json"})
        self._companies: list[str] | None = None
        self.batch_ops = {op: size for op, (_, size) in IMPORTS.items()}  # writes assets.feedback sends together

    def close(self) -> None:
        super().close()
        self._redirected.close()

    # reads
    def iter_invoices(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        """Accounting documents waiting for transfer (approved, coded invoices), updated after the cursor."""
        params = {"processingStatus": WAITING, **_since(updated_after)}
        return self._records("/v1/accountingDocuments", params, "accountingDocuments", self.page_size)

    def iter_vendors(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        return self._records("/v1/vendors", _since(updated_after), "vendorEntities", MAX_VENDORS)

    def invoice(self, invoice_id: str) -> dict[str, Any] | None:
        """One accounting document by its invoiceId, None when Basware has none."""
        response = self.get(f"/v1/accountingDocuments/{invoice_id}", ok_statuses=(404,))
        found = [] if response.status_code == 404 else json_field("accountingDocuments")(response)
        return found[0] if found else None

    def fetch_invoices(self, invoice_ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        """The named accounting documents (a webhook's documentId) that still wait for transfer, as the list
        would serve them."""
        for invoice_id in invoice_ids:
            found = self.invoice(invoice_id)
            if found is not None and found.get("processingStatus") == WAITING:
                yield found

    def request(self, method: str, path: str, *, ok_statuses: tuple[int, ...] = (), **kwargs: Any) -> httpx.Response:
        """ApiClient.request, with Basware's error list (code, type, message per record) as the error's text."""
        response = super().request(method, path, ok_statuses=(*ok_statuses, *ERROR_BODIES), **kwargs)
        status = response.status_code
        if status in ERROR_BODIES and status not in ok_statuses:
            where = path.split("?", 1)[0]
            raise ApiError(
                f"{SOURCE} {method} {where} answered HTTP {status}: {_errors(response)}",
                status=status, source=SOURCE, method=method, path=where,
            )  # fmt: skip
        return response

    def get(self, path: str, *, params=None, ok_statuses: tuple[int, ...] = (), **kwargs: Any) -> httpx.Response:
        """GET that follows Basware's 302 to the stored result, without the Authorization header (as required)."""
        response = self.request("GET", path, params=params, ok_statuses=ok_statuses, **kwargs)
        if response.status_code not in (301, 302, 303, 307, 308):
            return response
        target = response.headers.get("Location", "")
        if not target.startswith(("http://", "https://")):
            target = str(self.base_url.join(target))
        followed = self._redirected.get(target)
        if followed.status_code >= 400 and followed.status_code not in ok_statuses:
            raise ApiError(
                f"{SOURCE} GET {path} redirect answered HTTP {followed.status_code}",
                status=followed.status_code, source=SOURCE, method="GET", path=path,
            )  # fmt: skip
        return followed

    # writes
    def acknowledge(self, invoice_id: str) -> bool:
        """Take the invoice out of the waiting list; False when Basware says it was acknowledged already (405)."""
        response = self.post(f"/v1/accountingDocuments/{invoice_id}/acknowledge", json={}, ok_statuses=(405,))
        return response.status_code != 405

    def transfer_response(self, invoice_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.post(f"/v1/accountingDocuments/{invoice_id}/transferResponses", json=dict(body)).json()

    def payment_response(self, invoice_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.post(f"/v1/accountingDocuments/{invoice_id}/paymentResponses", json=dict(body)).json()

    def subscribe(self, webhook_url: str, token: str, task_type: str = "AccountingDocuments") -> list[dict[str, Any]]:
        """Ask Basware to push notifications of `task_type` to `webhook_url`, signed with `token` (the bridge's
        QBSYNC_BASWARE_WEBHOOK_SECRET); Basware first checks the URL with a ConnectionTest that must answer 200."""
        body = [{"taskType": task_type, "taskSubType": WAITING, "subscriptionType": "Webhook",
                 "notificationWebhookURL": webhook_url, "webhookAuthenticationToken": token}]  # fmt: skip
        return self.post("/v1/subscriptions", json=body).json()

    def company_codes(self) -> list[str]:
        """The tenant's active company units (GET /v1/companies), read once: imported master data joins them all."""
        if self._companies is None:
            pages = self.pages("/v1/companies", {}, "companies", 500)
            self._companies = [c["companyCode"] for p in pages for c in p if c.get("active", True)]
        return self._companies

    def deliver_batch(self, op: str, payloads: Sequence[Mapping[str, Any]]) -> list[str | None]:
        """Import master data (vendor_import, account_import, cost_centre_import) in calls within Basware's limits
        (records per call, 6 MB), then read each request's outcome back from /v1/requestStatus: per payload, its
        error or None. A record Basware finds unchanged is not processed, which is success too."""
        path, per_call = IMPORTS[op]
        entities = [self._entity(op, p) for p in payloads]
        outcomes: dict[str, str | None] = {}
        for chunk in _chunks(entities, per_call, MAX_BODY):
            try:
                response = self.post(path, json=chunk)
            except ApiError as exc:
                outcomes.update(_refused(exc, chunk))
                continue
            outcomes.update(self._request_outcome(response.headers.get(REQUEST_ID), chunk))
        return [outcomes.get(e["externalCode"]) for e in entities]

    def _entity(self, op: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """A QuickBooks vendor, account or mapped class (sources/basware/sql/*_imports.sql) as Basware's
        VendorEntity, AccountEntity or CostCenterEntity, joined to every company unit of the tenant."""
        code, name, active = record["external_code"], record["name"], bool(record["active"])
        companies = self.company_codes()
        if op == "cost_centre_import":
            units = [{"companyCode": c, "active": active} for c in companies]
            return {"externalCode": code, "costCenterCode": record["code"],
                    "costCenterNames": [{"translation": name, "language": "en-US"}], "companies": units}  # fmt: skip
        if op == "account_import":
            units = [{"companyCode": c, "inherit": True, "active": active} for c in companies]
            return {"externalCode": code, "accountCode": record["code"],
                    "accountNames": [{"translation": name, "language": "en-US"}], "companies": units}  # fmt: skip
        vendor = {"externalCode": code, "vendorCode": record["code"], "name": name, "sourceSystem": "QuickBooks",
                  "processingStatus": {"active": active, "paymentDenied": False},
                  "companies": [{"companyCode": c} for c in companies]}  # fmt: skip
        if record.get("address_line1"):
            vendor["addresses"] = [{"externalCode": f"{code}-remit", "name": "Remit to", "addressType": "PostalAddress",
                                    "addressLine1": record["address_line1"], "cityName": record.get("city"),
                                    "postalZone": record.get("postal_code")}]  # fmt: skip
        return vendor

    def _request_outcome(self, request_id: str | None, chunk: list[dict[str, Any]]) -> dict[str, str | None]:
        codes = [e["externalCode"] for e in chunk]
        if not request_id:
            return dict.fromkeys(codes)  # accepted at once, nothing to read back
        for attempt in range(STATUS_POLLS):
            found = self.get(f"/v1/requestStatus/{request_id}").json().get("requestStatus") or [{}]
            if found[0].get("requestStatus") != "InProgress":
                items = {i.get("externalCode"): i for s in found[0].get("systems") or [] for i in s.get("items") or []}
                return {code: _item_error(items.get(code)) for code in codes}
            time.sleep(min(0.05 * 2**attempt, 2.0))
        return dict.fromkeys(codes, f"still in progress at Basware (requestId {request_id}); replay to check again")

    # cloud_outbox writes (sources.basware.writes queues them): op -> how to write it and how to read it back
    def deliver(self, op: str, payload: Mapping[str, Any]) -> None:
        if op in IMPORTS:
            [error] = self.deliver_batch(op, [payload])
            if error:
                raise ApiError(f"{SOURCE} {op} {payload['external_code']}: {error}", source=SOURCE)
            return
        invoice_id = payload["invoice_id"]
        if op == "acknowledge":
            self.acknowledge(invoice_id)
        elif op == "transfer_response":
            self.transfer_response(invoice_id, payload["response"])
        elif op == "payment_response":
            self.payment_response(invoice_id, payload["response"])
        else:
            raise ValueError(f"Basware has no write {op!r}")

    def delivered(self, op: str, payload: Mapping[str, Any]) -> bool:
        """Read the invoice back: acknowledged when no longer waiting, a response when its externalCode is there.
        An import is never read back: sending it again overwrites with the same content, which Basware ignores."""
        if op in IMPORTS:
            return False
        found = self.invoice(payload["invoice_id"])
        if found is None:
            return False
        if op == "acknowledge":
            return found.get("processingStatus") != WAITING
        listed = {"transfer_response": "transferResponses", "payment_response": "paymentResponses"}.get(op)
        if listed is None:
            raise ValueError(f"Basware has no write {op!r}")
        code = payload["response"]["externalCode"]
        return any(r.get("externalCode") == code for r in found.get(listed) or [])

    def check(self) -> list[tuple[str, bool, str]]:
        """`qbsync connection test`: get a token, then read the first page of waiting invoices. (step, worked,
        what happened) per step; stops at the first failure. Never raises for an API answer, never shows a secret."""
        if isinstance(self.token, BasicCredentials):  # nothing to ask for: the read below tries the credentials
            steps = [("credentials", True, f"HTTP Basic with this client's id and secret for {self.base_url}")]
        else:
            try:
                self.token.authorization()
            except ApiError as exc:
                return [("token", False, f"{exc}: check the client id and secret, the region's host and the scopes")]
            steps = [("token", True, f"Basware at {self.base_url} issued a token to this client")]
        try:
            page = next(self.pages("/v1/accountingDocuments", {"processingStatus": WAITING}, "accountingDocuments", 1),
                        [])  # fmt: skip
        except ApiError as exc:
            hint = " (the client may lack the accountingDocuments.read scope)" if exc.status == 403 else ""
            return [*steps, ("read", False, f"reading waiting invoices failed: {exc}{hint}")]
        return [*steps, ("read", True, f"read {len(page)} waiting invoice(s) (GET /v1/accountingDocuments)")]

    def pages(self, path: str, params: Mapping[str, Any], key: str, size: int) -> Iterator[list[dict[str, Any]]]:
        """The raw pages of one list (continuation-token header; 404 is an empty list)."""
        return paginate_continuation_header(
            self, path, {**params, "pageSize": size}, header=CONTINUATION, items=json_field(key), empty_statuses=(404,)
        )

    def _records(self, path: str, params: Mapping[str, Any], key: str, size: int) -> Iterator[dict[str, Any]]:
        for page in self.pages(path, params, key, size):
            yield from page


def _since(updated_after: str | None) -> dict[str, str]:
    return {"lastUpdated": updated_after} if updated_after else {}


def _errors(response: httpx.Response) -> str:
    """`CODE (TYPE) [externalCode]: message; ...` from a ResponseEntityList body, else the start of the body."""
    try:
        found = response.json().get("errors") or []
    except (ValueError, AttributeError):
        found = []
    described = [
        f"{e.get('code')} ({e.get('type')})" + (f" [{e['externalCode']}]" if e.get("externalCode") else "")
        + f": {e.get('message')}"
        for e in found if isinstance(e, dict)
    ]  # fmt: skip
    return "; ".join(described)[:500] or response.text[:200]


def _chunks(entities: list[dict[str, Any]], per_call: int, max_bytes: int) -> Iterator[list[dict[str, Any]]]:
    """Consecutive batches of at most `per_call` records and `max_bytes` of JSON each."""
    chunk: list[dict[str, Any]] = []
    size = 2
    for entity in entities:
        length = len(json.dumps(entity).encode()) + 1
        if chunk and (len(chunk) == per_call or size + length > max_bytes):
            yield chunk
            chunk, size = [], 2
        chunk.append(entity)
        size += length
    if chunk:
        yield chunk


def _refused(exc: ApiError, chunk: list[dict[str, Any]]) -> dict[str, str]:
    """A whole call refused (e.g. 400 SCHEMA_VALIDATION_ERROR naming some records): every record of it failed."""
    return {e["externalCode"]: f"{exc}"[:500] for e in chunk}


def _item_error(item: Mapping[str, Any] | None) -> str | None:
    """None for a record Basware saved or found unchanged; else its errors in words."""
    if item is None:
        return "Basware's request status does not list this record"
    if item.get("status") in ("Success", "NotProcessed", "Warning"):
        return None
    found = "; ".join(f"{e.get('category')} {e.get('type')}: {e.get('message')}" for e in item.get("errors") or [])
    return f"{item.get('status')}: {found or 'no detail given'}"[:500]

"""BaswareClient: Basware P2P accounting documents and vendors as raw JSON, and the writes back to Basware
(acknowledge, transfer and payment responses, vendor and account imports, request status)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import httpx

from connectors.core import ApiClient, ApiError, ClientCredentials, RetryPolicy, json_field
from connectors.core.pagination import paginate_continuation_header

SOURCE = "basware"
CONTINUATION = "x-amz-meta-continuationtoken"  # response header when more records wait; sent back as a request header
REQUEST_ID = "x-amzn-RequestId"  # response header naming an import for /v1/requestStatus/{requestId}
MAX_DOCUMENTS = 100  # records per call for accountingDocuments
MAX_VENDORS = 200  # vendors per POST /v1/vendors and per GET page
READ_SCOPES = ("accountingDocuments.read", "vendors.read", "accounts.read", "requestStatus.read")
WRITE_SCOPES = ("accountingDocuments.write", "vendors.write", "accounts.write", "costCenters.write")
DEFAULT_SCOPES = READ_SCOPES + WRITE_SCOPES
WAITING = "WaitingForTransfer"
ERROR_BODIES = (400, 405, 409, 413)  # answers carrying a ResponseEntityList, read into the error message


class BaswareClient(ApiClient):
    """One Basware tenant at its regional API host (`base_url` like https://api.basware.com, the EU, US or AU host
    Basware names for the tenant). Tokens come from `POST {base_url}/v1/tokens` with the client id and secret as
    HTTP Basic credentials. Lists page with `pageSize` and the continuation-token header; a 404 on a list means no
    records; reads of accounting documents answer 302 to a location that must be fetched without our token.
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
    ):
        if not 1 <= page_size <= MAX_DOCUMENTS:
            raise ValueError(f"Basware page_size must be 1..{MAX_DOCUMENTS}, got {page_size}")
        base_url = base_url.rstrip("/")
        retry = retry or RetryPolicy()
        token = ClientCredentials(
            base_url + "/v1/tokens", client_id, client_secret, scopes=scopes, source=SOURCE,
            auth_method="client_secret_basic", retry=retry, timeout=timeout,
        )  # fmt: skip
        super().__init__(
            base_url, source=SOURCE, token=token, retry=retry, timeout=timeout, headers={"Accept": "application/json"}
        )
        self.page_size = page_size
        self._redirected = httpx.Client(timeout=timeout, headers={"Accept": "application/json"})

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

    # cloud_outbox writes (sources.basware.writes queues them): op -> how to write it and how to read it back
    def deliver(self, op: str, payload: Mapping[str, Any]) -> None:
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
        """Read the invoice back: acknowledged when no longer waiting, a response when its externalCode is there."""
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

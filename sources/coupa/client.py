"""CoupaClient: Coupa R39 suppliers, POs, invoices, Coupa Pay payments and accounts as raw JSON, plus exported flags."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

from connectors.core import ApiClient, ApiError, ClientCredentials, RetryPolicy, paginate_offset
from connectors.core.retry import ATTEMPTS

SOURCE = "coupa"
MAX_PAGE_SIZE = 50
READ_SCOPES = (
    "core.supplier.read",
    "core.purchase_order.read",
    "core.invoice.read",
    "core.pay.payments.read",
    "core.accounting.read",
)
WRITE_SCOPES = ("core.purchase_order.write", "core.invoice.write", "core.pay.payments.write")
DEFAULT_SCOPES = READ_SCOPES + WRITE_SCOPES
RETRY_CAP_SECONDS = 30.0
ExportKind = Literal["purchase_order", "invoice", "payment"]


class CoupaClient(ApiClient):
    """One Coupa instance (`base_url` like https://acme.coupahost.com). Records come back exactly as Coupa sends
    them: hyphenated keys, nested supplier/account/currency objects, decimals as strings.

    Lists page with `limit` (at most 50) and `offset`, in id order; `updated_after` becomes `updated_at[gt]`,
    `exported` becomes `exported=true|false`, `statuses` becomes `status[in]=a,b`.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        timeout: float = 30.0,
        max_attempts: int = ATTEMPTS,
        page_size: int = MAX_PAGE_SIZE,
        token_path: str = "/oauth2/token",
        retry: RetryPolicy | None = None,
    ):
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"Coupa page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
        base_url = base_url.rstrip("/")
        retry = retry or RetryPolicy(max_attempts=max_attempts, cap=RETRY_CAP_SECONDS)
        token = ClientCredentials(
            base_url + token_path, client_id, client_secret, scopes=scopes, source=SOURCE, retry=retry, timeout=timeout
        )
        super().__init__(
            base_url, source=SOURCE, token=token, retry=retry, timeout=timeout, headers={"Accept": "application/json"}
        )
        self.page_size = page_size

    def iter_suppliers(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        return self._records("/api/suppliers", _filters(updated_after))

    def iter_accounts(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        return self._records("/api/accounts", _filters(updated_after))

    def iter_purchase_orders(
        self, updated_after: str | None = None, exported: bool | None = None, statuses: Iterable[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        return self._records("/api/purchase_orders", _filters(updated_after, exported, statuses))

    def iter_invoices(
        self, updated_after: str | None = None, exported: bool | None = None, statuses: Iterable[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        return self._records("/api/invoices", _filters(updated_after, exported, statuses))

    def iter_payments(
        self, updated_after: str | None = None, exported: bool | None = None, statuses: Iterable[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        return self._records("/api/coupa_pay/payments", _filters(updated_after, exported, statuses))

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[list[dict[str, Any]]]:
        """The raw pages of one list endpoint (limit/offset, id order)."""
        return paginate_offset(self, path, {**(params or {}), "order_by": "id", "dir": "asc"}, limit=self.page_size)

    def mark_exported(self, kind: ExportKind, coupa_id: int | str) -> dict[str, Any]:
        """Tell Coupa the document reached QuickBooks: `PUT /api/purchase_orders/{id}?exported=true` (same for
        invoices), `PUT /api/coupa_pay/payments/{id}/export` for payments. Returns Coupa's updated record."""
        if kind == "purchase_order":
            response = self.put(f"/api/purchase_orders/{int(coupa_id)}", params={"exported": "true"})
        elif kind == "invoice":
            response = self.put(f"/api/invoices/{int(coupa_id)}", params={"exported": "true"})
        elif kind == "payment":
            response = self.put(f"/api/coupa_pay/payments/{int(coupa_id)}/export")
        else:
            raise ValueError(f"cannot mark {kind!r} exported: expected purchase_order, invoice or payment")
        return response.json()

    def is_exported(self, kind: ExportKind, coupa_id: int | str) -> bool:
        """Whether Coupa already flags the document exported (read before re-sending a write of unknown outcome)."""
        path = {"purchase_order": "/api/purchase_orders", "invoice": "/api/invoices",
                "payment": "/api/coupa_pay/payments"}.get(kind)  # fmt: skip
        if path is None:
            raise ValueError(f"cannot read {kind!r}: expected purchase_order, invoice or payment")
        return bool(self.get(f"{path}/{int(coupa_id)}").json().get("exported"))

    # cloud_outbox writes (sources.declaration: feedback flows): op -> how to write it and how to read it back
    def deliver(self, op: str, payload: Mapping[str, Any]) -> None:
        if op != "mark_exported":
            raise ValueError(f"Coupa has no write {op!r}")
        self.mark_exported(payload["kind"], payload["source_id"])

    def delivered(self, op: str, payload: Mapping[str, Any]) -> bool:
        if op != "mark_exported":
            raise ValueError(f"Coupa has no write {op!r}")
        return self.is_exported(payload["kind"], payload["source_id"])

    def check(self) -> list[tuple[str, bool, str]]:
        """`qbsync connection test`: get a token, then read one supplier. (step, worked, what happened in plain
        words) per step; stops at the first failure. Never raises for an API answer, never shows a secret."""
        steps: list[tuple[str, bool, str]] = []
        try:
            self.token.authorization()
        except ApiError as exc:
            return [("token", False, f"{exc}: check the client id and secret, and that the API client is active")]
        steps.append(("token", True, f"Coupa at {self.base_url} issued a token to this client"))
        try:
            response = self.get("/api/suppliers", params={"limit": 1})
        except ApiError as exc:
            hint = " (the client may lack the core.supplier.read scope)" if exc.status == 403 else ""
            return [*steps, ("read", False, f"reading one supplier failed: {exc}{hint}")]
        found = len(response.json()) if isinstance(response.json(), list) else 0
        return [*steps, ("read", True, f"read {found} supplier(s) with it (GET /api/suppliers?limit=1)")]

    def _records(self, path: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        for page in self.pages(path, params):
            yield from page


def _filters(
    updated_after: str | None, exported: bool | None = None, statuses: Iterable[str] | None = None
) -> dict[str, str]:
    params: dict[str, str] = {}
    if updated_after:
        params["updated_at[gt]"] = updated_after
    if exported is not None:
        params["exported"] = "true" if exported else "false"
    if statuses:
        params["status[in]"] = ",".join(statuses)
    return params

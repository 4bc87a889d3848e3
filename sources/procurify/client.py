"""ProcurifyClient: Procurify vendors, account codes, departments, locations, purchase orders (with their order items)
and AP bills as raw JSON, and the one write back: marking bills paid."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from connectors.core import ApiClient, ApiError, ClientCredentials, RetryPolicy, json_field, paginate_pages
from connectors.core.retry import ATTEMPTS
from connectors.core.watermark import parse_timestamp

SOURCE = "procurify"
AUDIENCE = "https://api.procurify.com/"
CLIENT_HEADER = {"X-Procurify-Client": "api"}  # every API call must carry it, with the bearer token
MAX_PAGE_SIZE = 100  # Procurify warns that requests too large to answer in time can get API access suspended
MAX_WINDOW_DAYS = 31
RETRY_CAP_SECONDS = 30.0
PAID = 4  # BillStatusEnum: 4 - Paid
MARK_AS_PAID = "mark_as_paid"


class ProcurifyClient(ApiClient):
    """One Procurify domain (`base_url` like https://acme.procurify.com). Tokens come from `POST {base_url}/oauth/token`
    with a JSON body (client id and secret, audience, grant type) and last 24 h; every call sends `Authorization:
    Bearer` and `X-Procurify-Client: api`. Lists page with `page`/`page_size` in a `{metadata: {pagination}, data}`
    envelope. Purchase orders are read per window of `window_days` on their last-modified date from the cursor (on
    the first pull, from `history_days` back), then each one's detail with its order items; AP bills the same on
    their last-modified date-time. Vendors and account codes have no modified-since filter: they are read whole.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        page_size: int = 50,
        window_days: int = 7,
        history_days: int = 365,
        role: str = "purchased",
        timeout: float = 30.0,
        max_attempts: int = ATTEMPTS,
        retry: RetryPolicy | None = None,
        today: date | None = None,
    ):
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"Procurify page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
        if not 1 <= window_days <= MAX_WINDOW_DAYS:
            raise ValueError(f"Procurify window_days must be 1..{MAX_WINDOW_DAYS}, got {window_days}")
        base_url = base_url.rstrip("/")
        retry = retry or RetryPolicy(max_attempts=max_attempts, cap=RETRY_CAP_SECONDS)
        token = ClientCredentials(
            base_url + "/oauth/token", client_id, client_secret, source=SOURCE, auth_method="client_secret_json",
            extra_params={"audience": AUDIENCE}, retry=retry, timeout=timeout,
        )  # fmt: skip
        super().__init__(
            base_url, source=SOURCE, token=token, retry=retry, timeout=timeout,
            headers={"Accept": "application/json", **CLIENT_HEADER},
        )  # fmt: skip
        self.page_size = page_size
        self.window_days = window_days
        self.history_days = history_days
        self.role = role
        self.today = today

    # reads: lists read whole
    def iter_vendors(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        """Every vendor, active and inactive (deleted ones are inactive), whatever the cursor: no modified filter."""
        return self._records("/api/v3/vendors/", {"order_by": "id"})

    def iter_account_codes(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        return self._records("/api/v3/account-codes/", {"order_by": "id"})

    def iter_departments(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        return self._records("/api/v3/departments/", {"order_by": "id"})

    def iter_locations(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        return self._records("/api/v2/locations/", {"order_by": "id"})

    # reads: documents by modification window, then each one's detail
    def iter_purchase_orders(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        """Purchase orders (with `order_items`) whose last-modified date falls on or after the cursor's date."""
        path = f"/api/v2/purchase_orders/{self.role}/all/"
        for first, last in self._windows(updated_after):
            window = {"modified_date_0": first.isoformat(), "modified_date_1": last.isoformat(), "order_by": "id"}
            for page in self.pages(path, window):
                for order in page:
                    yield self.purchase_order(order.get("uuid") or order["procurify_PO"])

    def iter_bills(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        """AP bills (with their items and purchase orders) last modified at or after the cursor."""
        for first, last in self._windows(updated_after):
            window = {
                "last_modified_datetime_0": f"{first.isoformat()}T00:00:00Z",
                "last_modified_datetime_1": f"{last.isoformat()}T23:59:59Z",
                "order_by": "id",
            }
            for page in self.pages("/api/v3/ap/bills/", window):
                for bill in page:
                    yield self.bill(bill["uuid"])

    def purchase_order(self, key: str | int) -> dict[str, Any]:
        """One purchase order by its Procurify PO number or UUID, with its order items."""
        return self.get(f"/api/v2/purchase_orders/{key}/").json()["data"]

    def bill(self, key: str | int) -> dict[str, Any]:
        """One AP bill by its id or UUID, with its items."""
        return self.get(f"/api/v2/ap/bills/{key}/").json()["data"]

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[list[dict[str, Any]]]:
        """The raw pages of one list: page numbers from 1 until the last `num_pages` names (or a short page)."""
        return paginate_pages(
            self, path, params, page_size=self.page_size, items=json_field("data"), page_count=_num_pages
        )

    # the write back
    def mark_paid(self, bill_uuids: list[str], payment_date: str) -> dict[str, Any]:
        """`POST /api/v3/ap/bills/mark-as-paid/`: approved bills without payments become paid on `payment_date`."""
        body = {"bill_uuids": bill_uuids, "payment_date": payment_date}
        return self.post("/api/v3/ap/bills/mark-as-paid/", json=body).json()

    def deliver(self, op: str, payload: Mapping[str, Any]) -> None:
        """Mark the bill (`bill_id`) paid on `payment_date`, unless Procurify shows it paid already: mark-as-paid
        takes approved bills without payments only, and names them by UUID."""
        if op != MARK_AS_PAID:
            raise ValueError(f"Procurify has no write {op!r}")
        bill = self.bill(payload["bill_id"])
        if bill.get("status") != PAID:
            self.mark_paid([bill["uuid"]], payload["payment_date"])

    def delivered(self, op: str, payload: Mapping[str, Any]) -> bool:
        """Whether Procurify already shows the bill paid (read before re-sending a write of unknown outcome)."""
        if op != MARK_AS_PAID:
            raise ValueError(f"Procurify has no write {op!r}")
        return self.bill(payload["bill_id"]).get("status") == PAID

    def check(self) -> list[tuple[str, bool, str]]:
        """`qbsync connection test`: get a token, then read one vendor. (step, worked, what happened in plain words)
        per step; stops at the first failure. Never raises for an API answer, never shows a secret."""
        try:
            self.token.authorization()
        except ApiError as exc:
            return [("token", False, f"{exc}: check the client id and secret and the Procurify domain")]
        steps = [("token", True, f"Procurify at {self.base_url} issued a token to this client")]
        try:
            found = self.get("/api/v3/vendors/", params={"page": 1, "page_size": 1}).json().get("data") or []
        except ApiError as exc:
            hint = " (the API user may lack the permission to view vendors)" if exc.status == 403 else ""
            return [*steps, ("read", False, f"reading one vendor failed: {exc}{hint}")]
        return [*steps, ("read", True, f"read {len(found)} vendor(s) with it (GET /api/v3/vendors/?page_size=1)")]

    def _records(self, path: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        for page in self.pages(path, params):
            yield from page

    def _windows(self, updated_after: str | None) -> Iterator[tuple[date, date]]:
        """Consecutive date windows of at most `window_days`, from the cursor's date (in UTC) to tomorrow: the date
        filters are inclusive, their time zone is the domain's, so a day either side is read again."""
        today = self.today or datetime.now(UTC).date()
        start = parse_timestamp(updated_after).date() if updated_after else today - timedelta(days=self.history_days)
        start -= timedelta(days=1)
        end = today + timedelta(days=1)
        while start <= end:
            last = min(start + timedelta(days=self.window_days - 1), end)
            yield start, last
            start = last + timedelta(days=1)


def _num_pages(response: httpx.Response) -> int | None:
    pagination = (response.json().get("metadata") or {}).get("pagination") or {}
    return pagination.get("num_pages")

"""JaggaerClient: JAGGAER invoice receipts, purchase orders and suppliers as landed records (sources.jaggaer.models),
read from JAGGAER's list envelope with `start` paging and `flt=` filters, on a Keycloak client-credentials token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.core import ApiClient, ApiError, ClientCredentials, RetryPolicy
from sources.jaggaer.models import (
    InvoiceReceipt,
    RecordError,
    Segments,
    filter_time,
    order_record,
    parse_time,
    supplier_record,
)

SOURCE = "jaggaer"


PAGE_SIZE = 100


@dataclass(frozen=True)
class JaggaerSettings:
    """What public documentation does not confirm, as configuration (the resource's fields, QBSYNC_JAGGAER_<FIELD>
    in a deployment: SETTINGS says what each does). Paths are below the base URL; `*_list` names the envelope's
    list and record keys."""

    realm: str = "J1p-integrations"
    invoices_path: str = "/j1p/api/public/ji/v1/invoices"
    invoices_list: str = "jiinvoiceList.jiinvoice"
    orders_path: str = "/j1p/api/public/jp/v1/purchaseorders"
    orders_list: str = "purchaseOrderList.purchaseOrder"
    suppliers_path: str = "/j1p/api/public/jsm/v1/suppliers"
    suppliers_list: str = "supplierList.supplier"
    page_param: str = "start"
    size_param: str = "max"
    modified_filter: str = "LASTMODTIME"
    components: str = "HEADER,LINES"
    account_segment: str = "Account"
    cost_centre_segment: str = "Financial_Unit"


SETTINGS = {
    "realm": "Keycloak realm of the public API's token endpoint (default J1p-integrations).",
    "invoices_path": "Path of the invoice list (default /j1p/api/public/ji/v1/invoices).",
    "invoices_list": "Dotted key of the invoices in its envelope (default jiinvoiceList.jiinvoice).",
    "orders_path": "Path of the purchase-order list (default /j1p/api/public/jp/v1/purchaseorders).",
    "orders_list": "Dotted key of the POs in its envelope (default purchaseOrderList.purchaseOrder).",
    "suppliers_path": "Path of the supplier list (default /j1p/api/public/jsm/v1/suppliers).",
    "suppliers_list": "Dotted key of the suppliers in its envelope (default supplierList.supplier).",
    "page_param": "Query parameter of a page's first record position, from 1 (default start).",
    "size_param": "Query parameter of the page size (default max).",
    "modified_filter": "flt= field of the last-modified bound (default LASTMODTIME).",
    "components": "comp= components asked with each document; lines are needed (default HEADER,LINES).",
    "account_segment": "Split custom field holding a line's GL account (default Account).",
    "cost_centre_segment": "Split custom field holding a line's cost centre (default Financial_Unit).",
}


class ReturnCodeError(ApiError):
    """JAGGAER answered 200 with a non-zero returnCode: reported with its code and message, never swallowed."""


class JaggaerClient(ApiClient):
    """One JAGGAER instance (`base_url` like https://acme.jaggaer.com). Tokens come from Keycloak at
    `{base_url}/auth/realms/{realm}/protocol/openid-connect/token` (client credentials as form fields), renewed
    before expiry and once on a 401. Lists answer `{returnCode, returnMessage, totRecords, returnedRecords,
    startAt, <list>}`; pages start at record 1; `updated_after` becomes `flt=LASTMODTIME>=YYYYMMDDHHMMSS` (landing
    moves the cursor back by the declared overlap) joined by `;` to any other clause; 429s wait for Retry-After."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        settings: JaggaerSettings | None = None,
        page_size: int | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ):
        self.settings = settings or JaggaerSettings()
        base_url = base_url.rstrip("/")
        retry = retry or RetryPolicy(cap=60.0)
        token_url = f"{base_url}/auth/realms/{self.settings.realm}/protocol/openid-connect/token"
        token = ClientCredentials(token_url, client_id, client_secret, source=SOURCE, retry=retry, timeout=timeout)
        super().__init__(
            base_url, source=SOURCE, token=token, retry=retry, timeout=timeout, headers={"Accept": "application/json"}
        )
        self.page_size = page_size or PAGE_SIZE
        self.segments = Segments(self.settings.account_segment or None, self.settings.cost_centre_segment or None)

    # reads
    def iter_invoices(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        """Invoice receipts modified since the cursor, each as InvoiceReceipt.record (a record JAGGAER sent that
        cannot be read is refused with its reason by landing: it carries no receiptKey)."""
        s = self.settings
        for raw in self.records(s.invoices_path, s.invoices_list, self._filters(updated_after)):
            try:
                yield InvoiceReceipt.read(raw, self.segments).record(raw)
            except RecordError as exc:
                yield {"refused": str(exc)}

    def iter_purchase_orders(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        s = self.settings
        for raw in self.records(s.orders_path, s.orders_list, self._filters(updated_after)):
            yield order_record(raw, self.segments)

    def iter_suppliers(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        s = self.settings
        for raw in self.records(s.suppliers_path, s.suppliers_list, self._filters(updated_after)):
            yield supplier_record(raw)

    def _filters(self, updated_after: str | None, *clauses: str) -> list[str]:
        found = list(clauses)
        if updated_after:
            found.append(f"{self.settings.modified_filter}>={filter_time(parse_time(updated_after))}")
        return found

    def pages(self, path: str, items: str, clauses: list[str]) -> Iterator[list[dict[str, Any]]]:
        """The pages of one list: `start` from 1 by the records returned, until totRecords are read or a page
        comes back empty. A non-zero returnCode raises ReturnCodeError naming it."""
        start = 1
        pick = _items(items)
        while True:
            params: dict[str, Any] = {self.settings.page_param: start, self.settings.size_param: self.page_size}
            if clauses:
                params["flt"] = ";".join(clauses)
            if self.settings.components:
                params["comp"] = self.settings.components
            response = self.get(path, params=params)
            body = _envelope(response, path)
            page = pick(body)
            if page:
                yield page
            total = int(body.get("totRecords") or 0)
            returned = int(body.get("returnedRecords") or len(page))
            start += returned
            if not page or returned == 0 or start > total:
                return

    def records(self, path: str, items: str, clauses: list[str]) -> Iterator[dict[str, Any]]:
        for page in self.pages(path, items, clauses):
            yield from page

    def check(self) -> list[tuple[str, bool, str]]:
        """`qbsync connection test`: a token from the realm, then one invoice read. (step, worked, plain words)."""
        try:
            self.token.authorization()
        except ApiError as exc:
            return [("token", False, f"{exc}: check the client id and secret and the realm (QBSYNC_JAGGAER_REALM)")]
        steps = [("token", True, f"JAGGAER at {self.base_url} (realm {self.settings.realm}) issued a token")]
        s = self.settings
        try:
            response = self.get(s.invoices_path, params={s.page_param: 1, s.size_param: 1})
            body = _envelope(response, s.invoices_path)
        except ApiError as exc:
            return [*steps, ("read", False, f"reading one invoice failed: {exc}")]
        return [*steps, ("read", True, f"the invoice list answers ({body.get('totRecords', 0)} invoice(s) in all)")]


def _envelope(response: httpx.Response, path: str) -> dict[str, Any]:
    """The list envelope; a non-zero returnCode is an error naming the code and JAGGAER's message."""
    try:
        body = response.json()
    except ValueError:
        raise ApiError(
            f"{SOURCE} GET {path} answered non-JSON: {response.text[:120]}", source=SOURCE, path=path
        ) from None
    if not isinstance(body, dict):
        raise ApiError(f"{SOURCE} GET {path} answered {type(body).__name__}, not the list envelope", source=SOURCE)
    code = body.get("returnCode", 0)
    if str(code) not in ("0", ""):
        raise ReturnCodeError(
            f"{SOURCE} GET {path} answered returnCode {code}: {body.get('returnMessage') or 'no message'}",
            status=response.status_code, source=SOURCE, method="GET", path=path,
        )  # fmt: skip
    return body


def _items(dotted: str) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    """The records under a dotted path of the envelope (`jiinvoiceList.jiinvoice`); one record may come unwrapped."""

    def pick(body: dict[str, Any]) -> list[dict[str, Any]]:
        node: Any = body
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            return [node]
        return [r for r in node or [] if isinstance(r, dict)]

    return pick

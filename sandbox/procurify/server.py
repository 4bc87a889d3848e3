"""ProcurifySandbox: the Procurify API simulator on the shared scaffold (sandbox.scaffold: the token endpoint
`POST /oauth/token` taking a JSON body with the audience, expiring bearer tokens, seeded faults, loopback server).

Routes as the OpenAPI document has them: vendors, account codes, departments (v3), locations (v2), purchase orders by
role and status with `modified_date_0/_1` and their detail with `order_items`, AP bills with
`last_modified_datetime_0/_1` and their detail, `POST /api/v3/ap/bills/mark-as-paid/`, and the read-only order
items and payments. Every API call must carry `X-Procurify-Client: api` besides the bearer token (without it the
API's session authentication answers 403); lists page with `page`/`page_size` in a `{metadata: {pagination}, data}`
envelope; errors are Django REST framework's `{"detail": ...}`; a write to a read-only route answers 405.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from flask import Response, request
from werkzeug.exceptions import MethodNotAllowed, NotFound

from sandbox.procurify.generator import APPROVED_BILL, STATE, ProcurifyDataset
from sandbox.scaffold import ApiFaults, OAuth2Issuer, Simulator, json_response

AUDIENCE = "https://api.procurify.com/"
MAX_PAGE_SIZE = 100  # a larger page_size is cut to this, as the API's paginator does
PO_STATUSES = {  # the list's {status} -> the states it holds
    "all": None, "open": (STATE["purchased"], STATE["reopened"]), "partial": (STATE["purchased"],),
    "closed": (STATE["closed"],), "cancelled": (STATE["cancelled"],), "paid": (STATE["paid"],),
}  # fmt: skip
PAID = 4


class ProcurifySandbox(Simulator):
    """`with ProcurifySandbox(dataset, client_id=..., client_secret=...) as api: api.base_url`; `api.dataset` is
    live, `api.paid_marks` counts the mark-as-paid calls that took effect per bill UUID. Tokens last `token_ttl`
    seconds (24 h, as Procurify's); `faults` and `rate_limit_per_s` are the scaffold's knobs (Procurify publishes
    no rate limit, so none by default)."""

    def __init__(
        self,
        dataset: ProcurifyDataset,
        *,
        client_id: str,
        client_secret: str,
        token_ttl: int = 86400,
        faults: ApiFaults | None = None,
        rate_limit_per_s: float | None = None,
        port: int = 0,
    ):
        issuer = OAuth2Issuer(
            {client_id: client_secret}, path="/oauth/token", client_auth=("json",), params={"audience": AUDIENCE},
            ttl=token_ttl, token_type="Bearer",
        )  # fmt: skip
        super().__init__(
            "procurify_sandbox", issuer=issuer, rate_limit_per_s=rate_limit_per_s, faults=faults, port=port
        )
        self.dataset = dataset
        self.lock = threading.RLock()
        self.paid_marks: Counter[str] = Counter()  # bill uuid -> mark-as-paid calls that took effect
        self.payment_dates: dict[str, str] = {}
        self.app.register_error_handler(MethodNotAllowed, lambda e: self.error(405, _not_allowed()))
        self.app.register_error_handler(NotFound, lambda e: self.error(404, "Not found."))
        d = dataset
        self._list("/api/v3/vendors/", lambda: d.vendors.values())
        self._list("/api/v3/account-codes/", lambda: d.account_codes.values(), active="active")
        self._list("/api/v3/departments/", lambda: d.departments.values())
        self._list("/api/v2/locations/", lambda: d.locations.values(), active="active")
        self._list("/api/v3/order-items/", self._order_items)
        self._list("/api/public/v1/payments/", lambda: [])
        self.route("/api/v2/purchase_orders/<role>/<status>/", self._checked(self._purchase_orders))
        self.route("/api/v2/purchase_orders/<key>/", self._checked(self._purchase_order))
        self.route("/api/v3/ap/bills/", self._checked(self._bills))
        self.route("/api/v2/ap/bills/<key>/", self._checked(self._bill))
        self.route("/api/v3/ap/bills/mark-as-paid/", self._checked(self._mark_paid), methods=("POST",))

    def error(self, status: int, message: str) -> Response:
        return json_response({"detail": message}, status)

    # -- routes --------------------------------------------------------------------------------

    def _checked(self, view: Callable[..., Response]) -> Callable[..., Response]:
        """The API's own check after the bearer token: without `X-Procurify-Client: api` the call is taken for a
        browser session, which it lacks."""

        def checked(**kwargs: Any) -> Response:
            if request.headers.get("X-Procurify-Client") != "api":
                self.stats["missing_client_header"] += 1
                return self.error(403, "Authentication credentials were not provided.")
            with self.lock:
                return view(**kwargs)

        checked.__name__ = view.__name__
        return checked

    def _list(self, rule: str, records: Callable[[], Iterable[dict[str, Any]]], active: str | None = None) -> None:
        def view() -> Response:
            found = sorted(records(), key=lambda r: r["id"])
            wanted = request.args.get(active) if active else None
            if wanted in ("true", "false"):
                found = [r for r in found if str(r.get(active, True)).lower() == wanted]
            return self._page(found)

        view.__name__ = f"list_{rule}"
        self.route(rule, self._checked(view))

    def _order_items(self) -> list[dict[str, Any]]:
        return [i for po in self.dataset.purchase_orders.values() for i in po["order_items"]]

    def _purchase_orders(self, role: str, status: str) -> Response:
        if role not in ("purchased", "receivable") or status not in PO_STATUSES:
            return self.error(404, "Not found.")
        first, last = _date_arg("modified_date_0"), _date_arg("modified_date_1")
        if first is False or last is False:
            return json_response({"modified_date_0": ["Enter a valid date."]}, 400)
        states = PO_STATUSES[status]
        found = [
            _summary(po) for po in sorted(self.dataset.purchase_orders.values(), key=lambda p: p["procurify_PO"])
            if (states is None or po["state"] in states) and _within(po["last_modified"][:10], first, last)
        ]  # fmt: skip
        counts = {"purchased": {s: 0 for s in PO_STATUSES}, "receivable": {s: 0 for s in PO_STATUSES}}
        return self._page(found, extra={"counts": counts})

    def _purchase_order(self, key: str) -> Response:
        po = next((p for p in self.dataset.purchase_orders.values() if key in (str(p["procurify_PO"]), p["uuid"])),
                  None)  # fmt: skip
        if po is None:
            return self.error(404, "Not found.")
        return json_response({"metadata": {"can_edit": True, "can_delete": False}, "data": po}, 200)

    def _bills(self) -> Response:
        first, last = _datetime_arg("last_modified_datetime_0"), _datetime_arg("last_modified_datetime_1")
        if first is False or last is False:
            return json_response({"last_modified_datetime_0": ["Enter a valid date/time."]}, 400)
        found = [_simple_bill(b) for b in sorted(self.dataset.bills.values(), key=lambda b: b["id"])
                 if _within(_instant(b["last_modified_datetime"]), first, last)]  # fmt: skip
        return self._page(found, extra={"permissions": {"can_edit": True}, "summary": {"count": len(found)}})

    def _bill(self, key: str) -> Response:
        bill = self._find_bill(key)
        if bill is None:
            return self.error(404, "Not found.")
        return json_response({"metadata": {"permissions": {"can_edit": True}}, "data": bill}, 200)

    def _mark_paid(self) -> Response:
        self.stats["mark_as_paid_calls"] += 1
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("bill_uuids"), list) or not body.get("payment_date"):
            return json_response({"bill_uuids": ["This field is required."],
                                  "payment_date": ["This field is required."]}, 400)  # fmt: skip
        if _date_arg_value(str(body["payment_date"])) is None:
            return json_response({"payment_date": ["Date has wrong format. Use YYYY-MM-DD."]}, 400)
        bills = [self._find_bill(str(u)) for u in body["bill_uuids"]]
        refused = [str(u) for u, b in zip(body["bill_uuids"], bills, strict=True)
                   if b is None or b["status"] != APPROVED_BILL or b.get("bill_payment")]  # fmt: skip
        if refused:
            reasons = [f"Bill {u} is not an approved bill without payments." for u in refused]
            return json_response({"bill_uuids": reasons}, 400)
        for bill in bills:
            bill.update(status=PAID, last_modified_datetime=self.dataset.tick())
            self.paid_marks[bill["uuid"]] += 1
            self.payment_dates[bill["uuid"]] = str(body["payment_date"])
        return json_response({"bill_uuids": body["bill_uuids"], "payment_date": body["payment_date"]}, 200)

    # -- pieces --------------------------------------------------------------------------------

    def _find_bill(self, key: str) -> dict[str, Any] | None:
        return next((b for b in self.dataset.bills.values() if key in (str(b["id"]), b["uuid"])), None)

    def _page(self, records: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> Response:
        try:
            page = int(request.args.get("page", "1"))
            size = min(int(request.args.get("page_size", "10")), MAX_PAGE_SIZE)
        except ValueError:
            return self.error(404, "Invalid page.")
        pages = max(1, -(-len(records) // size)) if size > 0 else 1
        if page < 1 or page > pages or size < 1:
            return self.error(404, "Invalid page.")
        chunk = records[(page - 1) * size : page * size]

        def link(n: int) -> str | None:
            if not 1 <= n <= pages:
                return None
            args = {**request.args.to_dict(), "page": str(n)}
            return request.base_url + "?" + "&".join(f"{k}={v}" for k, v in args.items())

        pagination = {"count": len(records), "next": link(page + 1), "previous": link(page - 1), "page_size": size,
                      "num_pages": pages, "current_page": page}  # fmt: skip
        return json_response({"metadata": {**(extra or {}), "pagination": pagination}, "data": chunk}, 200)


def _not_allowed() -> str:
    return f'Method "{request.method}" not allowed.'


def _summary(po: dict[str, Any]) -> dict[str, Any]:
    """A purchase order as the list shows it (PurchaseOrderDocs): everything but the items."""
    return {k: v for k, v in po.items() if k not in ("order_items", "custom_fields")}


def _simple_bill(bill: dict[str, Any]) -> dict[str, Any]:
    """An AP bill as the list shows it (SimpleBill): its items by id only."""
    keep = ("id", "uuid", "status", "version", "locked", "currency", "due_date", "invoice_date", "invoice_number",
            "last_modified_datetime", "submitted_date", "gl_post_date", "type", "total_cost_with_tax")  # fmt: skip
    return {**{k: bill.get(k) for k in keep}, "vendor": {"id": bill["vendor"]["id"], "name": bill["vendor"]["name"]},
            "items": [i["id"] for i in bill["items"]]}  # fmt: skip


def _date_arg_value(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _date_arg(name: str) -> date | bool | None:
    """The query's date `name`: None when absent, False when not YYYY-MM-DD."""
    text = request.args.get(name)
    if text is None:
        return None
    return _date_arg_value(text) or False


def _datetime_arg(name: str) -> datetime | bool | None:
    text = request.args.get(name)
    if text is None:
        return None
    try:
        return _instant(text)
    except ValueError:
        return False


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _within(value, first, last) -> bool:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return (first is None or value >= first) and (last is None or value <= last)

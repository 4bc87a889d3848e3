"""CoupaSandbox: a local Coupa R39 API (paged list endpoints with bracket filters, the exported flag) on the shared
scaffold (sandbox.scaffold: OAuth2 token endpoint, 25 requests/s with 429s, seeded faults, loopback server)."""

from __future__ import annotations

from functools import partial

from flask import Response, request

from sandbox.coupa.dataset import CoupaDataset
from sandbox.coupa.filters import FilterError, compile_filters
from sandbox.scaffold import ApiFaults, OAuth2Issuer, Simulator, json_response

MAX_LIMIT = 50
# kind -> (list path, read scope, write scope)
ENDPOINTS = {
    "suppliers": ("/api/suppliers", "core.supplier.read", "core.supplier.write"),
    "accounts": ("/api/accounts", "core.accounting.read", "core.accounting.write"),
    "purchase_orders": ("/api/purchase_orders", "core.purchase_order.read", "core.purchase_order.write"),
    "invoices": ("/api/invoices", "core.invoice.read", "core.invoice.write"),
    "payments": ("/api/coupa_pay/payments", "core.pay.payments.read", "core.pay.payments.write"),
}
ALL_SCOPES = tuple(scope for _, read, write in ENDPOINTS.values() for scope in (read, write))


class CoupaSandbox(Simulator):
    """A Coupa instance on 127.0.0.1: `with CoupaSandbox(dataset, client_id=..., client_secret=...) as api:`.

    `api.base_url` is the instance URL (token at /oauth2/token, Basic or form credentials; lists under /api).
    `api.dataset` is live: edit it between pulls. `api.stats` and `api.faults_fired()` come from the scaffold
    (sandbox.scaffold). `rate_limit_per_s=None` turns rate limiting off.
    """

    def __init__(
        self,
        dataset: CoupaDataset,
        *,
        client_id: str,
        client_secret: str,
        token_ttl: int = 86400,
        rate_limit_per_s: float | None = 25,
        burst: int = 20,
        faults: ApiFaults | None = None,
        scopes: tuple[str, ...] = ALL_SCOPES,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        issuer = OAuth2Issuer(
            {client_id: client_secret}, path="/oauth2/token", client_auth=("basic", "form"), scopes=scopes,
            ttl=token_ttl,
        )  # fmt: skip
        super().__init__(
            "coupa_sandbox", issuer=issuer, rate_limit_per_s=rate_limit_per_s, burst=burst, faults=faults,
            host=host, port=port,
        )  # fmt: skip
        self.dataset = dataset
        for kind, (path, read, _) in ENDPOINTS.items():
            self.route(path, partial(self._list, kind), scope=read, endpoint=f"list_{kind}")
            self.route(f"{path}/<int:coupa_id>", partial(self._show, kind), scope=read, endpoint=f"show_{kind}")
        for kind in ("purchase_orders", "invoices"):
            path, _, write = ENDPOINTS[kind]
            self.route(
                f"{path}/<int:coupa_id>",
                partial(self._update, kind),
                methods=("PUT", "PATCH"),
                scope=write,
                endpoint=f"update_{kind}",
            )
        self.route(
            "/api/coupa_pay/payments/<int:coupa_id>/export",
            partial(self._export, "payments"),
            methods=("PUT",),
            scope=ENDPOINTS["payments"][2],
            endpoint="export_payments",
        )

    def error(self, status: int, message: str) -> Response:
        """Coupa's error body: {"errors": {"error": [message]}}."""
        return json_response({"errors": {"error": [message]}}, status)

    def _list(self, kind: str) -> Response:
        args = request.args
        try:
            limit = min(int(args.get("limit", MAX_LIMIT)), MAX_LIMIT)
            offset = int(args.get("offset", 0))
        except ValueError:
            return self.error(400, "limit and offset must be integers")
        if limit < 0 or offset < 0:
            return self.error(400, "limit and offset must not be negative")
        records = list(self.dataset.snapshot(kind))
        known = set(records[0]) if records else set()
        try:
            predicates = compile_filters(args, known) if records else []
        except FilterError as exc:
            return self.error(400, str(exc))
        matching = [r for r in records if all(p(r) for p in predicates)] if predicates else records
        order_by = args.get("order_by", "id").replace("_", "-")
        descending = args.get("dir", "asc") == "desc"
        if order_by != "id" or descending:
            if records and order_by not in known:
                return self.error(400, f"unknown order_by field {order_by!r}")
            matching = sorted(matching, key=lambda r: (r.get(order_by) is None, r.get(order_by)), reverse=descending)
        return json_response(matching[offset : offset + limit], 200)

    def _show(self, kind: str, coupa_id: int) -> Response:
        try:
            return json_response(self.dataset.get(kind, coupa_id), 200)
        except KeyError:
            return self.error(404, "Not Found")

    def _update(self, kind: str, coupa_id: int) -> Response:
        """PUT/PATCH .../{id}: only the exported flag is writable here (`?exported=true` or {"exported": true})."""
        body = request.get_json(silent=True) or {}
        wanted = request.args.get("exported", body.get("exported"))
        try:
            if str(wanted).lower() == "true":
                record = self.dataset.mark_exported(kind, coupa_id)
            elif str(wanted).lower() == "false":
                record = self.dataset.touch(kind, coupa_id, exported=False)
            else:
                record = self.dataset.get(kind, coupa_id)
        except KeyError:
            return self.error(404, "Not Found")
        return json_response(record, 200)

    def _export(self, kind: str, coupa_id: int) -> Response:
        try:
            return json_response(self.dataset.mark_exported(kind, coupa_id), 200)
        except KeyError:
            return self.error(404, "Not Found")

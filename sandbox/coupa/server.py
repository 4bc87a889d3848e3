"""CoupaSandbox: a local Coupa R39 API (OAuth2 token endpoint, paged list endpoints with bracket filters,
the exported flag, 25 requests/s with 429s, seeded faults) served by waitress on loopback."""

from __future__ import annotations

import hmac
import json
import math
import secrets
import threading
import time
from collections import Counter, deque
from typing import Any

from flask import Flask, Response, request

from qbwc_bridge.serving import BackgroundServer, waitress_server
from sandbox.coupa.dataset import CoupaDataset
from sandbox.coupa.faults import CoupaFaults
from sandbox.coupa.filters import FilterError, compile_filters

IDENT = "qbsync-sandbox"
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


class TokenBucket:
    """`rate` requests per second on average, `burst` at once; answers how long to wait when empty."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> float:
        """0 when the request may go ahead, else the seconds until a token is free."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


class CoupaSandbox:
    """A Coupa instance on 127.0.0.1: `with CoupaSandbox(dataset, client_id=..., client_secret=...) as api:`.

    `api.base_url` is the instance URL (token at /oauth2/token, lists under /api). `api.dataset` is live: edit
    it between pulls. `api.stats` counts token requests, API requests, 429s, injected faults and 401s.
    `rate_limit_per_s=None` turns rate limiting off.
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
        faults: CoupaFaults | None = None,
        scopes: tuple[str, ...] = ALL_SCOPES,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.dataset = dataset
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_ttl = token_ttl
        self.faults = faults
        self.scopes = scopes
        self.bucket = TokenBucket(rate_limit_per_s, burst) if rate_limit_per_s else None
        self.stats: Counter[str] = Counter()
        self.calls: deque[str] = deque(maxlen=10000)
        self._tokens: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()
        self.app = self._build_app()
        self._host, self._port = host, port
        self._server: BackgroundServer | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running: use it as a context manager")
        return self._server.url

    def __enter__(self) -> CoupaSandbox:
        self._server = BackgroundServer(self.app, host=self._host, port=self._port, ident=IDENT).start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def revoke_tokens(self) -> None:
        """Invalidate every issued token (what a credential rotation does to a running client)."""
        with self._lock:
            self._tokens.clear()

    # ------------------------------------------------------------------ the Flask app

    def _build_app(self) -> Flask:
        app = Flask("coupa_sandbox")
        app.add_url_rule("/oauth2/token", "token", self._token, methods=["POST"])
        for kind, (path, _, _) in ENDPOINTS.items():
            app.add_url_rule(path, f"list_{kind}", self._guarded(kind, self._list), methods=["GET"])
            app.add_url_rule(f"{path}/<int:coupa_id>", f"show_{kind}", self._guarded(kind, self._show), methods=["GET"])
        for kind in ("purchase_orders", "invoices"):
            path = ENDPOINTS[kind][0]
            app.add_url_rule(
                f"{path}/<int:coupa_id>",
                f"update_{kind}",
                self._guarded(kind, self._update, write=True),
                methods=["PUT", "PATCH"],
            )
        app.add_url_rule(
            "/api/coupa_pay/payments/<int:coupa_id>/export",
            "export_payments",
            self._guarded("payments", self._export, write=True),
            methods=["PUT"],
        )
        return app

    def _token(self) -> Response:
        self.stats["token_requests"] += 1
        form = request.form
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        if request.authorization and request.authorization.type == "basic":
            client_id = request.authorization.username or ""
            client_secret = request.authorization.password or ""
        if form.get("grant_type") != "client_credentials":
            return _json({"error": "unsupported_grant_type"}, 400)
        id_ok = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        secret_ok = hmac.compare_digest(client_secret.encode(), self._client_secret.encode())
        if not (id_ok and secret_ok):
            return _json({"error": "invalid_client", "error_description": "Client authentication failed"}, 401)
        asked = set(form.get("scope", "").split())
        if asked - set(self.scopes):
            return _json({"error": "invalid_scope"}, 400)
        granted = frozenset(asked or self.scopes)
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (time.monotonic() + self.token_ttl, granted)
        body = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.token_ttl,
            "scope": " ".join(sorted(granted)),
        }
        return _json(body, 200)

    def _guarded(self, kind: str, handler, write: bool = False):
        """Rate limit, injected faults, bearer token and scope checks in front of an API handler."""
        scope = ENDPOINTS[kind][2 if write else 1]

        def view(**kwargs: Any) -> Response:
            self.stats["api_requests"] += 1
            self.calls.append(f"{request.method} {request.full_path.rstrip('?')}")
            if self.bucket is not None:
                wait = self.bucket.take()
                if wait:
                    self.stats["rate_limited"] += 1
                    return _json(_errors("Rate limit exceeded"), 429, {"Retry-After": str(max(1, math.ceil(wait)))})
            if self.faults is not None:
                decision = self.faults.next_request()
                if decision.delay:
                    time.sleep(decision.delay)
                if decision.revoke_tokens:
                    self.revoke_tokens()
                if decision.error_status:
                    self.stats["faults_injected"] += 1
                    return _json(_errors("Service temporarily unavailable"), decision.error_status)
            granted = self._granted_scopes()
            if granted is None:
                self.stats["unauthorized"] += 1
                return _json(
                    _errors("Invalid or expired access token"),
                    401,
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            if scope not in granted:
                return _json(_errors(f"Token lacks the {scope} scope"), 403)
            return handler(kind, **kwargs)

        return view

    def _granted_scopes(self) -> frozenset[str] | None:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        with self._lock:
            entry = self._tokens.get(header[7:].strip())
            if entry is None:
                return None
            expires, granted = entry
            if time.monotonic() >= expires:
                del self._tokens[header[7:].strip()]
                return None
        return granted

    def _list(self, kind: str) -> Response:
        args = request.args
        try:
            limit = min(int(args.get("limit", MAX_LIMIT)), MAX_LIMIT)
            offset = int(args.get("offset", 0))
        except ValueError:
            return _json(_errors("limit and offset must be integers"), 400)
        if limit < 0 or offset < 0:
            return _json(_errors("limit and offset must not be negative"), 400)
        records = list(self.dataset.snapshot(kind))
        known = set(records[0]) if records else set()
        try:
            predicates = compile_filters(args, known) if records else []
        except FilterError as exc:
            return _json(_errors(str(exc)), 400)
        matching = [r for r in records if all(p(r) for p in predicates)] if predicates else records
        order_by = args.get("order_by", "id").replace("_", "-")
        descending = args.get("dir", "asc") == "desc"
        if order_by != "id" or descending:
            if records and order_by not in known:
                return _json(_errors(f"unknown order_by field {order_by!r}"), 400)
            matching = sorted(matching, key=lambda r: (r.get(order_by) is None, r.get(order_by)), reverse=descending)
        return _json(matching[offset : offset + limit], 200)

    def _show(self, kind: str, coupa_id: int) -> Response:
        try:
            return _json(self.dataset.get(kind, coupa_id), 200)
        except KeyError:
            return _json(_errors("Not Found"), 404)

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
            return _json(_errors("Not Found"), 404)
        return _json(record, 200)

    def _export(self, kind: str, coupa_id: int) -> Response:
        try:
            return _json(self.dataset.mark_exported(kind, coupa_id), 200)
        except KeyError:
            return _json(_errors("Not Found"), 404)

    # ------------------------------------------------------------------ running in the foreground (CLI)

    def serve_forever(self) -> None:
        """Block serving on host:port until interrupted (for `qbsync sandbox coupa`)."""
        waitress_server(self.app, host=self._host, port=self._port, ident=IDENT).run()


def _errors(message: str) -> dict[str, Any]:
    return {"errors": {"error": [message]}}


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(payload, status=status, headers=headers, content_type="application/json; charset=utf-8")

"""BaswareSandbox: the simulator's P2P routes on loopback behind Basware's token endpoint (`POST /v1/tokens` with
HTTP Basic client id and secret, form grant_type and scope) and bearer checks on every /v1 call."""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import time

from flask import Flask, Response, request

from qbwc_bridge.serving import BackgroundServer
from sandbox.basware.api import BaswareState, blueprint, errors, notify, subscriptions_blueprint
from sandbox.basware.generator import BaswareDataset
from sandbox.basware.imports import Imports
from sandbox.basware.imports import blueprint as imports_blueprint


class BaswareSandbox:
    """`with BaswareSandbox(dataset, client_id=..., client_secret=...) as api: api.base_url`; `api.state` is live,
    `api.imports` holds the vendors and accounts imported into it.
    `expire_tokens()` makes every issued token answer 401 (the client must fetch a new one)."""

    def __init__(self, dataset: BaswareDataset, *, client_id: str, client_secret: str, token_ttl: int = 3600):
        self.state = BaswareState(dataset)
        self.client_id = client_id
        self._secret = client_secret
        self.token_ttl = token_ttl
        self.tokens: dict[str, float] = {}
        self.token_requests = 0
        app = Flask("basware_sandbox")
        app.add_url_rule("/v1/tokens", "tokens", self._token, methods=["POST"])
        app.before_request(self._authenticate)
        app.register_blueprint(blueprint(self.state))
        self.imports = Imports({"vendors": dataset.vendors, "accounts": {}})
        app.register_blueprint(imports_blueprint(self.state, self.imports))
        self.subscribers: list[dict] = []
        app.register_blueprint(subscriptions_blueprint(self.state, self.subscribers))
        self.server = BackgroundServer(app)
        self.base_url = self.server.url

    def notify(self, invoice_id: str) -> list[int]:
        """Tell every AccountingDocuments subscriber that the invoice waits (their answers' statuses)."""
        return notify(self.subscribers, "AccountingDocuments", invoice_id)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def _token(self) -> Response:
        self.token_requests += 1
        given = request.headers.get("Authorization", "")
        try:
            user, _, password = base64.b64decode(given.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            user = password = ""
        good = hmac.compare_digest(user.encode(), self.client_id.encode()) and hmac.compare_digest(
            password.encode(), self._secret.encode()
        )
        if not given.startswith("Basic ") or not good:
            return Response(json.dumps({"error": "invalid_client"}), status=401, content_type="application/json")
        if request.form.get("grant_type") != "client_credentials":
            body = {"error": "invalid_request", "error_description": "grant_type field required"}
            return Response(json.dumps(body), status=400, content_type="application/json")
        token = secrets.token_urlsafe(32)
        self.tokens[token] = time.monotonic() + self.token_ttl
        body = {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl,
                "scope": request.form.get("scope", "")}  # fmt: skip
        return Response(json.dumps(body), status=200, content_type="application/json")

    def _authenticate(self) -> Response | None:
        if not request.path.startswith("/v1/") or request.path == "/v1/tokens":
            return None
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.tokens.get(token, 0) < time.monotonic():
            return errors(401, "ACCESS_TOKEN_VALIDATION_ERROR", "access token missing, invalid or expired", "SECURITY")
        return None

    def __enter__(self) -> BaswareSandbox:
        self.server.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.stop()

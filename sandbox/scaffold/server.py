"""`Simulator`: the base of every cloud-system simulator, a Flask app served on loopback with guarded routes.

Subclass it, call `super().__init__(name, issuer=..., rate_limit_per_s=..., faults=...)`, then `self.route(rule,
view, methods=..., scope=...)` for each endpoint; override `error(status, message)` for the system's error body.
Each guarded request goes through, in order: the per-client rate limit (429 + Retry-After), the fault knobs
(revocation, delay, 5xx), the bearer token (401 + WWW-Authenticate) and the scope (403); then the view runs with
the URL's arguments, `flask.request` being the live request.

`with sim:` binds 127.0.0.1 on an ephemeral port (port=0), serves on a background thread and returns once
`GET /_scaffold/ready` answers; leaving the block stops the server and closes its sockets. `serve_forever()` serves
in the foreground (a CLI). `stats` counts: token_requests, api_requests, rate_limited, server_errors, slow_answers,
token_revocations, unauthorized, forbidden; `faults_fired()` returns the fault ones for a report.
"""

from __future__ import annotations

import json
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request

from qbwc_bridge.serving import BackgroundServer, waitress_server
from sandbox.scaffold.faults import ApiFaults
from sandbox.scaffold.oauth import OAuth2Issuer
from sandbox.scaffold.ratelimit import RateLimiter, retry_after

READY_PATH = "/_scaffold/ready"
IDENT = "qbsync-sandbox"
MAX_BODY = 10 * 1024 * 1024  # bytes a simulator reads of one request body
FAULT_COUNTERS = ("rate_limited", "server_errors", "slow_answers", "token_revocations", "unauthorized")


class Simulator:
    """A simulated cloud API on loopback (see the module docstring); `base_url` once entered."""

    def __init__(
        self,
        name: str,
        *,
        issuer: OAuth2Issuer | None = None,
        rate_limit_per_s: float | None = None,
        burst: int = 20,
        faults: ApiFaults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.name = name
        self.issuer = issuer
        self.limiter = RateLimiter(rate_limit_per_s, burst) if rate_limit_per_s else None
        self.faults = faults
        self.stats: Counter[str] = Counter()
        self.calls: deque[str] = deque(maxlen=10000)
        self.app = Flask(name)
        self.app.add_url_rule(READY_PATH, "_scaffold_ready", lambda: Response("ready", content_type="text/plain"))
        if issuer is not None:
            self.app.add_url_rule(issuer.path, "_scaffold_token", self._token, methods=["POST"])
        self._host, self._port = host, port
        self._server: BackgroundServer | None = None

    # -- what a subclass uses ------------------------------------------------------------------

    def route(
        self,
        rule: str,
        view: Callable[..., Response],
        *,
        methods: tuple[str, ...] = ("GET",),
        scope: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        """Serve `view` at `rule` (Flask syntax) behind the rate limit, faults, token and `scope` checks."""
        name = endpoint or f"{'_'.join(methods).lower()}:{rule}"
        self.app.add_url_rule(rule, name, self._guarded(view, scope), methods=list(methods))

    def error(self, status: int, message: str) -> Response:
        """The system's error answer (override it: each system has its own shape)."""
        return json_response({"error": message}, status)

    # -- running -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"the {self.name} simulator is not running: use it as a context manager")
        return self._server.url

    def __enter__(self):
        server = BackgroundServer(
            self.app, host=self._host, port=self._port, ident=IDENT, max_request_body_size=MAX_BODY
        )
        self._server = server.start(ready_path=READY_PATH)
        return self

    def __exit__(self, *exc_info) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def serve_forever(self) -> None:
        """Block serving on host:port until interrupted (a `qbsync sandbox <name>` command)."""
        waitress_server(self.app, host=self._host, port=self._port, ident=IDENT, max_request_body_size=MAX_BODY).run()

    def revoke_tokens(self) -> None:
        """Invalidate every issued token (what a credential rotation does to a running client)."""
        if self.issuer is not None:
            self.issuer.revoke_all()

    def faults_fired(self) -> dict[str, int]:
        """How often each fault fired: 429s, injected 5xx answers, slow answers, revocations, 401s."""
        return {name: self.stats[name] for name in FAULT_COUNTERS}

    # -- the guard -------------------------------------------------------------------------------

    def _token(self) -> Response:
        assert self.issuer is not None
        self.stats["token_requests"] += 1
        body, status = self.issuer.issue(request)
        return json_response(body, status, {"Cache-Control": "no-store"})

    def _guarded(self, view: Callable[..., Response], scope: str | None) -> Callable[..., Response]:
        def guarded(**kwargs: Any) -> Response:
            self.stats["api_requests"] += 1
            self.calls.append(f"{request.method} {request.full_path.rstrip('?')}")
            header = request.headers.get("Authorization", "")
            grant = self.issuer.grant_for(header) if self.issuer is not None else None
            if self.limiter is not None:
                wait = self.limiter.wait(grant.client_id if grant else f"addr:{request.remote_addr}")
                if wait:
                    self.stats["rate_limited"] += 1
                    answer = self.error(429, "Rate limit exceeded")
                    answer.headers["Retry-After"] = retry_after(wait)
                    return answer
            if self.faults is not None:
                decision = self.faults.next_request()
                if decision.revoke_tokens:
                    self.stats["token_revocations"] += 1
                    self.revoke_tokens()
                    grant = None
                if decision.delay:
                    self.stats["slow_answers"] += 1
                    time.sleep(decision.delay)
                if decision.error_status:
                    self.stats["server_errors"] += 1
                    return self.error(decision.error_status, "Service temporarily unavailable")
            if self.issuer is not None:
                if grant is None:
                    self.stats["unauthorized"] += 1
                    answer = self.error(401, "Invalid or expired access token")
                    answer.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
                    return answer
                if scope is not None and scope not in grant.scopes:
                    self.stats["forbidden"] += 1
                    return self.error(403, f"Token lacks the {scope} scope")
            return view(**kwargs)

        return guarded


def json_response(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    """A compact UTF-8 JSON answer."""
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(payload, status=status, headers=headers, content_type="application/json; charset=utf-8")

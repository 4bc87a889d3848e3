"""OAuth2 client-credentials tokens for simulated APIs: the token endpoint, bearer checks, expiry and revocation.

`OAuth2Issuer(clients, ...)` with `clients` = {client_id: client_secret}:
- `path`: where `Simulator` mounts the token endpoint (POST), e.g. "/oauth2/token", "/v1/tokens", "/oauth/token";
- `client_auth`: how a client may present its credentials, any of "basic" (HTTP Basic header), "form"
  (client_id/client_secret form fields) and "json" (the same in a JSON body); grant_type must be
  client_credentials, sent the same way;
- `scopes`: the grantable scopes (empty: scopes are not checked); asking for one not in it is `invalid_scope`,
  asking for none grants them all unless `require_scope`; `Simulator.route(..., scope=...)` answers 403 without it;
- `params`: request parameters that must have these values (Procurify's `audience`), else `invalid_request`;
- `ttl`: token lifetime in seconds (0: expired on arrival; None: no `expires_in` in the answer, never expires);
- `token_type`: as the answer spells it ("bearer", "Bearer");
- `api_basic`: API calls may also authenticate with the client id and secret as HTTP Basic credentials instead of
  a token (Basware allows either), granted every scope.
`answer(token, grant)` builds the JSON answer; override it to add fields. Errors follow RFC 6749 section 5.2.
Secrets are compared in constant time and never logged.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Request

CLIENT_AUTH = ("basic", "form", "json")
_DUMMY = "no-such-client-secret"


@dataclass(frozen=True)
class Grant:
    """What a valid bearer token stands for."""

    client_id: str
    scopes: frozenset[str]
    expires: float | None  # time.monotonic() deadline; None never


class OAuth2Issuer:
    """Issues and checks client-credentials bearer tokens (see the module docstring for the options)."""

    def __init__(
        self,
        clients: Mapping[str, str],
        *,
        path: str = "/oauth2/token",
        client_auth: tuple[str, ...] = CLIENT_AUTH,
        scopes: tuple[str, ...] = (),
        require_scope: bool = False,
        params: Mapping[str, str] | None = None,
        ttl: int | None = 86400,
        token_type: str = "bearer",
        api_basic: bool = False,
    ):
        unknown = set(client_auth) - set(CLIENT_AUTH)
        if unknown:
            raise ValueError(f"client_auth: unknown method(s) {sorted(unknown)}; use {CLIENT_AUTH}")
        self._clients = dict(clients)
        self.path = path
        self.client_auth = client_auth
        self.scopes = scopes
        self.require_scope = require_scope
        self.params = dict(params or {})
        self.ttl = ttl
        self.token_type = token_type
        self.api_basic = api_basic
        self._tokens: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def issue(self, request: Request) -> tuple[dict[str, Any], int]:
        """The token endpoint: (JSON body, status) for a POSTed client-credentials request."""
        fields = self._fields(request)
        client_id, client_secret = fields.get("client_id", ""), fields.get("client_secret", "")
        if "basic" in self.client_auth and request.authorization and request.authorization.type == "basic":
            client_id = request.authorization.username or ""
            client_secret = request.authorization.password or ""
        if fields.get("grant_type") != "client_credentials":
            return {"error": "unsupported_grant_type"}, 400
        if not self._authentic(client_id, client_secret):
            return {"error": "invalid_client", "error_description": "Client authentication failed"}, 401
        for name, wanted in self.params.items():
            if not hmac.compare_digest(str(fields.get(name, "")).encode(), wanted.encode()):
                return {"error": "invalid_request", "error_description": f"{name} must be {wanted}"}, 400
        asked = set(str(fields.get("scope", "")).split())
        if self.scopes and asked - set(self.scopes):
            return {"error": "invalid_scope"}, 400
        if self.require_scope and not asked:
            return {"error": "invalid_request", "error_description": "scope is required"}, 400
        grant = Grant(
            client_id=client_id,
            scopes=frozenset(asked or self.scopes),
            expires=None if self.ttl is None else time.monotonic() + self.ttl,
        )
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = grant
        return self.answer(token, grant), 200

    def answer(self, token: str, grant: Grant) -> dict[str, Any]:
        """The JSON body of a successful token request (override to add a system's own fields)."""
        body: dict[str, Any] = {"access_token": token, "token_type": self.token_type}
        if self.ttl is not None:
            body["expires_in"] = self.ttl
        if grant.scopes:
            body["scope"] = " ".join(sorted(grant.scopes))
        return body

    def grant_for(self, authorization: str) -> Grant | None:
        """The grant of an `Authorization: Bearer ...` header value (or, with `api_basic`, of valid `Basic ...`
        client credentials); None when missing, unknown, revoked or expired."""
        if self.api_basic and authorization.lower().startswith("basic "):
            client_id, client_secret = _basic(authorization[6:].strip())
            return Grant(client_id, frozenset(self.scopes), None) if self._authentic(client_id, client_secret) else None
        if not authorization.lower().startswith("bearer "):
            return None
        token = authorization[7:].strip()
        with self._lock:
            grant = self._tokens.get(token)
            if grant is not None and grant.expires is not None and time.monotonic() >= grant.expires:
                del self._tokens[token]
                return None
        return grant

    def revoke_all(self) -> int:
        """Invalidate every issued token (a credential rotation); how many there were."""
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
        return count

    def _authentic(self, client_id: str, client_secret: str) -> bool:
        known = self._clients.get(client_id)
        secret_ok = hmac.compare_digest(client_secret.encode(), (known or _DUMMY).encode())
        return known is not None and secret_ok

    def _fields(self, request: Request) -> dict[str, Any]:
        if "json" in self.client_auth and request.is_json:
            body = request.get_json(silent=True)
            return body if isinstance(body, dict) else {}
        fields = request.form.to_dict()
        if "form" not in self.client_auth:
            fields.pop("client_id", None)
            fields.pop("client_secret", None)
        return fields


def _basic(encoded: str) -> tuple[str, str]:
    """(user, password) of HTTP Basic credentials; empty strings when they do not decode."""
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return "", ""
    return user, password

"""OAuth2 client-credentials tokens on authlib's httpx client: cached until near expiry, dropped on a 401."""

from __future__ import annotations

import base64
import threading
import warnings
from collections.abc import Iterable, Mapping
from typing import Protocol

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client.errors import OAuthError
from authlib.oauth2.rfc6749 import OAuth2Token

with warnings.catch_warnings():
    # authlib 1.9 asks for its "httpx2" fork and calls plain httpx deprecated; httpx is our declared client and
    # authlib still supports it, so the one-time import warning is silenced here instead of in every run's output.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client

from connectors.core.errors import ApiError, AuthenticationError, RetriesExhausted
from connectors.core.logs import log_event
from connectors.core.retry import RETRYABLE_STATUSES, RetryableStatus, RetryPolicy, is_misconfigured, transport_cause


class TokenProvider(Protocol):
    """What ApiClient needs from any authentication scheme."""

    def authorization(self) -> str:
        """The Authorization header value to send now."""

    def invalidate(self, authorization: str) -> None:
        """The server refused `authorization`: forget it so the next call fetches a fresh one."""

    def close(self) -> None:
        """Release the token endpoint's connections."""


class BasicCredentials:
    """The client id and secret as HTTP Basic credentials on every call, for APIs that take them instead of a
    token: nothing to fetch or renew; a 401 means the credentials themselves are refused."""

    def __init__(self, client_id: str, client_secret: str):
        self._header = "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()

    def __repr__(self) -> str:
        return "BasicCredentials(***)"

    def authorization(self) -> str:
        return self._header

    def invalidate(self, authorization: str) -> None:
        """Nothing cached to forget."""

    def close(self) -> None:
        """No token endpoint to release."""


class ClientCredentials:
    """A client-credentials token from `token_url`, renewed once `refresh_ahead` of its lifetime is left.

    Tokens commonly live 24 h; with the default 1/6 the token is renewed after about 20 h. A token without
    `expires_in` lives `assumed_lifetime` seconds when one is given (Salesforce answers no expiry, yet its sessions
    time out), else it is kept until the API answers 401.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scopes: Iterable[str] = (),
        source: str = "",
        auth_method: str = "client_secret_post",
        refresh_ahead: float = 1 / 6,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        extra_params: Mapping[str, str] | None = None,
        assumed_lifetime: float | None = None,
    ):
        self.token_url = token_url
        self.assumed_lifetime = assumed_lifetime
        self.source = source
        self.refresh_ahead = refresh_ahead
        self.retry = retry or RetryPolicy()
        self.extra_params = dict(extra_params or {})
        self.fetches = 0
        self._token: OAuth2Token | None = None
        self._lock = threading.Lock()
        self._oauth = OAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            scope=" ".join(scopes) or None,
            token_endpoint=token_url,
            grant_type="client_credentials",
            token_endpoint_auth_method=auth_method,
            timeout=timeout,
        )
        self._oauth.register_compliance_hook("access_token_response", _raise_retryable)

    def authorization(self) -> str:
        with self._lock:
            if self._token is None or self._stale(self._token):
                self._token = self._fetch()
            return f"Bearer {self._token['access_token']}"

    def invalidate(self, authorization: str) -> None:
        with self._lock:
            if self._token is not None and authorization == f"Bearer {self._token['access_token']}":
                self._token = None

    def close(self) -> None:
        self._oauth.close()

    def _stale(self, token: OAuth2Token) -> bool:
        lifetime = token.get("expires_in")
        if lifetime is None:
            return False
        return bool(token.is_expired(leeway=float(lifetime) * self.refresh_ahead))

    def _fetch(self) -> OAuth2Token:
        attempts = 0
        try:
            for attempt in self.retry.retrying():
                with attempt:
                    attempts += 1
                    token = self._oauth.fetch_token(
                        self.token_url, grant_type="client_credentials", **self.extra_params
                    )
        except OAuthError as exc:
            raise AuthenticationError(
                f"{self.source} token request to {self.token_url} refused: {exc.error}",
                source=self.source,
                path=self.token_url,
            ) from None
        except httpx.HTTPStatusError as exc:
            status = exc.response.status_code
            raise AuthenticationError(
                f"{self.source} token request to {self.token_url} failed: HTTP {status}",
                status=status,
                source=self.source,
                path=self.token_url,
            ) from None
        except (RetryableStatus, httpx.TransportError) as exc:
            where = f"{self.source} token request to {self.token_url}"
            if is_misconfigured(exc):
                raise ApiError(
                    f"{where}: {_describe(exc, self.token_url)}", source=self.source, path=self.token_url
                ) from None
            raise RetriesExhausted(
                f"{where} failed after {attempts} attempts: {_describe(exc, self.token_url)}",
                attempts=attempts,
                status=getattr(getattr(exc, "response", None), "status_code", None),
                source=self.source,
                method="POST",
                path=self.token_url,
            ) from None
        if token.get("expires_in") is None and self.assumed_lifetime:
            token = OAuth2Token({**token, "expires_in": self.assumed_lifetime})  # expires_at counted from now
        self.fetches += 1
        log_event("token.fetched", source=self.source, expires_in=token.get("expires_in"), scope=token.get("scope"))
        return token


def _raise_retryable(response: httpx.Response) -> httpx.Response:
    if response.status_code in RETRYABLE_STATUSES:
        response.read()
        raise RetryableStatus(response)
    return response


def _describe(exc: BaseException, url: str) -> str:
    if isinstance(exc, RetryableStatus):
        return f"HTTP {exc.response.status_code}"
    return transport_cause(exc, httpx.URL(url).host)

"""ApiClient: one httpx session per source with bearer tokens, a retry policy and clear, secret-free errors."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from connectors.core.auth import TokenProvider
from connectors.core.errors import ApiError, AuthenticationError, RetriesExhausted
from connectors.core.logs import log_event
from connectors.core.retry import (
    RETRYABLE_STATUSES,
    RetryableStatus,
    RetryPolicy,
    is_misconfigured,
    transport_cause,
)

Params = Mapping[str, Any] | None


class ApiClient:
    """HTTP calls to one cloud API: authorized, retried per `retry`, refreshed once on a 401, logged safely.

    Subclasses add the source's endpoints; `request` returns the final response or raises an ApiError.
    """

    def __init__(
        self,
        base_url: str,
        *,
        source: str,
        token: TokenProvider | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        headers: Mapping[str, str] | None = None,
    ):
        self.source = source
        self.token = token
        self.retry = retry or RetryPolicy()
        self.base_url = httpx.URL(base_url)
        self.http = httpx.Client(base_url=base_url, timeout=timeout, headers=dict(headers or {}))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()
        if self.token is not None:
            self.token.close()

    def get(self, path: str, *, params: Params = None, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, params=params, **kwargs)

    def put(self, path: str, *, params: Params = None, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, params=params, **kwargs)

    def post(self, path: str, *, params: Params = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, params=params, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Any = None,
        content: bytes | None = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send one logical call; 429/5xx/timeouts are retried, a 401 gets one fresh token, other 4xx raise."""
        self._check_same_origin(path)
        started = time.monotonic()
        attempts = 0
        call = {"params": params, "headers": headers, "json": json, "data": data, "content": content}
        try:
            for attempt in self.retry.retrying(before_sleep=self._log_retry(method, path)):
                with attempt:
                    attempts += 1
                    response = self._send_authorized(method, path, call)
        except RetryableStatus as exc:
            status = exc.response.status_code
            raise RetriesExhausted(
                f"{self.source} {method} {_path(path)} failed after {attempts} attempts: last answer HTTP {status}",
                attempts=attempts,
                status=status,
                source=self.source,
                method=method,
                path=_path(path),
            ) from None
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            where = f"{self.source} {method} {self._url(path)}"
            cause = transport_cause(exc, self.base_url.host)
            if is_misconfigured(exc):
                raise ApiError(f"{where}: {cause}", source=self.source, method=method, path=_path(path)) from None
            raise RetriesExhausted(
                f"{where} failed after {attempts} attempts: {cause}",
                attempts=attempts,
                source=self.source,
                method=method,
                path=_path(path),
            ) from None
        elapsed_ms = round((time.monotonic() - started) * 1000, 1)
        if response.status_code >= 400 and response.status_code not in ok_statuses:
            log_event(
                "http.failed",
                30,
                source=self.source,
                method=method,
                path=_path(path),
                status=response.status_code,
                attempts=attempts,
            )
            raise ApiError(
                f"{self.source} {method} {_path(path)} answered HTTP {response.status_code}: {_excerpt(response)}",
                status=response.status_code,
                source=self.source,
                method=method,
                path=_path(path),
            )
        log_event(
            "http.ok",
            10,
            source=self.source,
            method=method,
            path=_path(path),
            status=response.status_code,
            attempts=attempts,
            elapsed_ms=elapsed_ms,
        )
        return response

    def _send_authorized(self, method: str, path: str, call: dict[str, Any]) -> httpx.Response:
        authorization = self.token.authorization() if self.token else None
        response = self._send(method, path, call, authorization)
        if response.status_code == 401 and self.token is not None:
            log_event("auth.token_rejected", source=self.source, method=method, path=_path(path))
            self.token.invalidate(authorization)
            response = self._send(method, path, call, self.token.authorization())
            if response.status_code == 401:
                raise AuthenticationError(
                    f"{self.source} {method} {_path(path)} answered 401 even with a fresh token",
                    status=401,
                    source=self.source,
                    method=method,
                    path=_path(path),
                )
        if response.status_code in RETRYABLE_STATUSES:
            raise RetryableStatus(response)
        return response

    def _send(self, method: str, path: str, call: dict[str, Any], authorization: str | None) -> httpx.Response:
        headers = dict(call["headers"] or {})
        if authorization:
            headers["Authorization"] = authorization
        return self.http.request(
            method,
            path,
            params=call["params"],
            headers=headers,
            json=call["json"],
            data=call["data"],
            content=call["content"],
        )

    def _url(self, path: str) -> str:
        """The address called, without its query string (which may carry filters but never a secret)."""
        return _path(path) if "://" in path else str(self.base_url).rstrip("/") + "/" + _path(path).lstrip("/")

    def _check_same_origin(self, path: str) -> None:
        """Never send our token to another host (a next-page link pointing elsewhere, for instance)."""
        if "://" not in path:
            return
        target = httpx.URL(path)
        if (target.scheme, target.host, target.port) != (self.base_url.scheme, self.base_url.host, self.base_url.port):
            raise ApiError(
                f"{self.source} refused to follow {target.host}: not the configured API host",
                source=self.source,
                path=_path(path),
            )

    def _log_retry(self, method: str, path: str):
        def before_sleep(state) -> None:
            exc = state.outcome.exception()
            reason = f"HTTP {exc.response.status_code}" if isinstance(exc, RetryableStatus) else type(exc).__name__
            log_event(
                "http.retry",
                source=self.source,
                method=method,
                path=_path(path),
                attempt=state.attempt_number,
                reason=reason,
                wait_s=round(state.upcoming_sleep, 3),
            )

        return before_sleep


def _path(path: str) -> str:
    """The path alone (no query string), safe for messages and logs."""
    return httpx.URL(path).path if "://" in path else path.split("?", 1)[0]


def _excerpt(response: httpx.Response, limit: int = 200) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:limit] + ("..." if len(text) > limit else "")

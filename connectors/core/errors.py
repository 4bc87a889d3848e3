"""Errors every connector raises: one clear message naming the call, never a secret."""

from __future__ import annotations


class ApiError(RuntimeError):
    """A call to a cloud API failed; `status` is the last HTTP status (None for a transport failure)."""

    def __init__(self, message: str, *, status: int | None = None, source: str = "", method: str = "", path: str = ""):
        super().__init__(message)
        self.status = status
        self.source = source
        self.method = method
        self.path = path


class AuthenticationError(ApiError):
    """The API refused our credentials or token even after one fresh token."""


class RetriesExhausted(ApiError):
    """A retryable failure (429, 5xx, timeout) lasted through every allowed attempt."""

    def __init__(self, message: str, *, attempts: int, **kwargs):
        super().__init__(message, **kwargs)
        self.attempts = attempts

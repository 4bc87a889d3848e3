"""Per-client request budgets for simulated APIs: a token bucket per client, and the Retry-After a 429 carries."""

from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """`rate_per_s` requests per second on average and `burst` at once, for each client key separately.

    `wait(key)` takes a request from that client's bucket: 0.0 when it may go ahead, else the seconds until one is
    free (the guard then answers 429 with `retry_after(wait)`).
    """

    def __init__(self, rate_per_s: float, burst: int = 20):
        self.rate, self.burst = rate_per_s, burst
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated)
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        with self._lock:
            now = time.monotonic()
            tokens, updated = self._buckets.get(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - updated) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


def retry_after(wait: float) -> str:
    """The Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))

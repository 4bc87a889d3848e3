"""Client-side pacing: at most `rate` calls per second across threads, so concurrent writers stay under a source's
rate limit instead of collecting 429s."""

from __future__ import annotations

import threading
import time


class Pacer:
    """Evenly spaced slots, `1/rate` seconds apart, handed out to any thread that calls `wait()`."""

    def __init__(self, rate_per_s: float | None):
        self.interval = 1.0 / rate_per_s if rate_per_s else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            start = max(time.monotonic(), self._next)
            self._next = start + self.interval
        delay = start - time.monotonic()
        if delay > 0:
            time.sleep(delay)

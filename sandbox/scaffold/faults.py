"""Seeded fault knobs for simulated cloud APIs: 5xx bursts, slow answers, token revocation mid-run (reproducible).

`ApiFaults(seed=..., ...)` decides the fate of each guarded API request in order (numbered from 1; token requests
do not count); `Simulator` applies the decision and counts what fired in its `stats`. The same seed gives the same
faults for the same request sequence. Token expiry is the issuer's `ttl`, not a fault knob.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field


@dataclass
class ApiFaults:
    """Which API requests misbehave.

    - `revoke_tokens_at`: at these request numbers every issued token is revoked (the client sees a 401 mid-run);
    - `error_rate`: chance that a request starts a burst of `burst_length` answers with a status from
      `error_statuses`; `errors_at`: request numbers that start a burst regardless of chance;
    - `slow_rate` / `slow_seconds`: chance of a delayed answer and the delay.
    """

    seed: int = 0
    revoke_tokens_at: tuple[int, ...] = ()
    error_rate: float = 0.0
    errors_at: tuple[int, ...] = ()
    burst_length: int = 2
    error_statuses: tuple[int, ...] = (500, 502, 503)
    slow_rate: float = 0.0
    slow_seconds: float = 0.5
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _count: int = field(default=0, init=False, repr=False)
    _burst_left: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @classmethod
    def preset(cls, seed: int = 0) -> ApiFaults:
        """The operator's `--faults` mix: a token revocation, rare short 5xx bursts, occasional slow answers."""
        return cls(seed=seed, revoke_tokens_at=(40,), error_rate=0.02, burst_length=2, slow_rate=0.01, slow_seconds=0.5)

    @classmethod
    def demo(cls, seed: int = 0) -> ApiFaults:
        """`qbsync demo --faults` for every simulator: a 401 on the third request, a burst on the second, more
        bursts at 5%, short slow answers at 2% (quick enough for a demo of a few hundred requests)."""
        return cls(seed=seed, revoke_tokens_at=(3,), error_rate=0.05, errors_at=(2,), slow_rate=0.02, slow_seconds=0.05)

    def next_request(self) -> Decision:
        """Draw the fate of the next API request."""
        with self._lock:
            self._count += 1
            n = self._count
            error_draw, status_draw, slow_draw = self._rng.random(), self._rng.random(), self._rng.random()
            if self._burst_left == 0 and (n in self.errors_at or error_draw < self.error_rate):
                self._burst_left = self.burst_length
            status = None
            if self._burst_left:
                self._burst_left -= 1
                status = self.error_statuses[int(status_draw * len(self.error_statuses))]
            return Decision(
                number=n,
                revoke_tokens=n in self.revoke_tokens_at,
                error_status=status,
                delay=self.slow_seconds if slow_draw < self.slow_rate else 0.0,
            )


@dataclass(frozen=True)
class Decision:
    """One request's fate: revoke every token first, then wait `delay` seconds, then answer `error_status`."""

    number: int
    revoke_tokens: bool
    error_status: int | None
    delay: float

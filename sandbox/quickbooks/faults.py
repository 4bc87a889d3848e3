"""Seeded fault knobs for the simulated company file: transient answers, applied-but-lost responses, slowness."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sandbox.quickbooks import statuses


@dataclass(frozen=True)
class Faults:
    """Fault rates; the draw for message N of a company file depends only on (seed, N), so runs repeat."""

    seed: int = 0
    transient_rate: float = 0.0  # share of write requests answered 3170/3175/3180 without being applied
    lose_response_rate: float = 0.0  # share of messages applied whose response is then lost
    slow_rate: float = 0.0  # share of messages QuickBooks starts only after `slow_seconds` (another user, a lock)
    slow_seconds: float = 0.0

    def for_message(self, number: int) -> MessageFaults:
        return MessageFaults(self, random.Random(f"{self.seed}:{number}"))

    def delay(self, call: int) -> float:
        """Seconds call N of one opening of the file waits before QuickBooks starts applying its message."""
        if not self.slow_rate:
            return 0.0
        slow = random.Random(f"{self.seed}:slow:{call}").random() < self.slow_rate
        return self.slow_seconds if slow else 0.0


class MessageFaults:
    """The fault draws for one message, in request order."""

    def __init__(self, faults: Faults, rng: random.Random):
        self._faults = faults
        self._rng = rng

    def transient_code(self) -> int | None:
        """A transient status for the next write request, or None to let it through."""
        if not (self._faults.transient_rate or self._faults.lose_response_rate):
            return None  # no draw can matter
        draw = self._rng.random()
        pick = self._rng.choice(statuses.TRANSIENT)
        return pick if draw < self._faults.transient_rate else None

    def lose_response(self) -> bool:
        return self._rng.random() < self._faults.lose_response_rate

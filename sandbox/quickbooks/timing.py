"""How long the simulated QuickBooks takes to run each request: seconds per request type, seeded jitter, slowness."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Timing:
    """QuickBooks' execution time: a request of type `op` takes `seconds[op]` (else `default_seconds`), times
    `slow_factor` (a slow company file: large, on a network drive), varied by up to +/- `jitter` of itself, drawn
    from (`seed`, message number), so runs repeat.

    `sleep`: the message takes that long before its answer (QuickBooks' real pace); False only accounts it in
    ProcessResult.qb_seconds (a virtual clock, for benchmarks). The default costs nothing: tests and the demo stay
    fast.
    """

    seconds: Mapping[str, float] = field(default_factory=dict)
    default_seconds: float = 0.0
    jitter: float = 0.0
    slow_factor: float = 1.0
    seed: int = 0
    sleep: bool = True

    def __post_init__(self) -> None:
        if min([self.default_seconds, *self.seconds.values()]) < 0 or self.slow_factor <= 0:
            raise ValueError("QuickBooks request times must be >= 0 and the slow factor > 0")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter {self.jitter} must be in [0, 1)")

    @classmethod
    def slow_company(cls, factor: float = 10.0, **options) -> Timing:
        """A slow company file: every request `factor` times as long as `options` say."""
        return cls(slow_factor=factor, **options)

    def message_seconds(self, number: int, ops: list[str]) -> float:
        """QuickBooks time of message `number` that ran requests of types `ops`, in order."""
        base = [self.seconds.get(op, self.default_seconds) * self.slow_factor for op in ops]
        if not self.jitter or not any(base):
            return sum(base)
        draw = random.Random(f"{self.seed}:timing:{number}").uniform
        return sum(b * (1 + draw(-self.jitter, self.jitter)) for b in base)

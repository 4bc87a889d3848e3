"""Messages sized by QuickBooks' pace: the time each request type took there, so a message keeps within a budget.

The bridge observes, per company and request type, QuickBooks seconds per request: the span between handing a
message out (sendRequestXML) and receiving its answer, shared among its requests in proportion to what was
expected of each type. The estimates live on the session row (`qb_seconds`, JSON), which each call writes anyway;
a new session starts from the company's last session's.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from warehouse.store import Conn

FLOOR_SECONDS = 1e-4  # no request type is taken to cost less (a span of ~0 must not size a message without end)
HEADROOM = 0.9  # messages are planned to this share of the budget: QuickBooks' own variation stays inside it


@dataclass(frozen=True)
class Pace:
    """QuickBooks seconds per request by type (`seconds`), `assumed` for a type not seen yet, and the QuickBooks time
    one message may take (`budget`)."""

    budget: float
    assumed: float
    seconds: dict[str, float] = field(default_factory=dict)

    def cost(self, op: str) -> float:
        """Expected QuickBooks seconds of one `<op>` request."""
        return self.seconds.get(op, self.assumed)

    @property
    def planned(self) -> float:
        """The QuickBooks seconds a message is planned to take: the budget less the headroom."""
        return self.budget * HEADROOM

    def claim_limit(self, max_requests: int) -> int:
        """How many rows can fit at best: the plan over the cheapest type known or assumed (at least one)."""
        cheapest = min([self.assumed, *self.seconds.values()])
        return max(1, min(max_requests, math.floor(self.planned / max(cheapest, FLOOR_SECONDS))))

    def fits(self, spent: float, op: str) -> bool:
        """Whether a request of `op` still fits a message whose requests are expected to take `spent` seconds."""
        return spent + self.cost(op) <= self.planned

    def observe(self, ops: dict[str, int], span: float) -> dict[str, float]:
        """The estimates after a message of `ops` (type -> requests) took `span` seconds in QuickBooks: each type in
        it scaled by observed/expected, so a message of one type yields its exact seconds per request."""
        expected = sum(self.cost(op) * n for op, n in ops.items())
        if not ops or expected <= 0:
            return dict(self.seconds)
        scale = max(span, 0.0) / expected
        return {**self.seconds, **{op: max(self.cost(op) * scale, FLOOR_SECONDS) for op in ops}}


def request_types(tags: list[str]) -> dict[str, int]:
    """Request elements' tags ('BillAddRq', ...) -> {request type: how many}."""
    return dict(Counter(tag.removesuffix("Rq") for tag in tags))


def loads(text: Any) -> dict:
    """A JSON column as a dict (DuckDB hands back text, PostgreSQL may hand back the value)."""
    if text is None or text == "":
        return {}
    return json.loads(text) if isinstance(text, str) else dict(text)


def dumps(value: dict) -> str:
    return json.dumps(value, sort_keys=True)


def last_seconds(conn: Conn, company: str) -> dict[str, float]:
    """The estimates of the company's most recent session that has any (a new session starts from them)."""
    return loads(
        conn.scalar(
            "SELECT qb_seconds FROM qbwc_sessions WHERE company = ? AND qb_seconds IS NOT NULL "
            "ORDER BY last_seen_at DESC LIMIT 1",
            [company],
        )
    )

"""CoupaDataset: the records a sandbox serves, keyed by kind and Coupa id, with the edits tests make between pulls."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

KINDS = ("suppliers", "accounts", "purchase_orders", "invoices", "payments")
RECORD_KEY_PREFIX = {
    "suppliers": "coupa:supplier",
    "accounts": "coupa:account",
    "purchase_orders": "coupa:po",
    "invoices": "coupa:invoice",
    "payments": "coupa:payment",
}
BAD_KINDS = ("unknown_account_code", "missing_supplier", "negative_quantity", "non_latin1_name", "totals_mismatch")


def record_key(kind: str, coupa_id: int) -> str:
    """The project-wide key of a Coupa record, e.g. coupa:po:4711 (what audit_log and quarantine use)."""
    return f"{RECORD_KEY_PREFIX[kind]}:{coupa_id}"


def coupa_timestamp(moment: datetime, offset_hours: int) -> str:
    """Coupa's timestamp text: local time with a numeric offset, e.g. 2024-05-01T09:30:00-07:00."""
    return moment.astimezone(timezone(timedelta(hours=offset_hours))).isoformat(timespec="seconds")


def money(value: Decimal) -> str:
    """Money as Coupa's JSON renders decimals: a string with two places."""
    return f"{value:.2f}"


@dataclass
class CoupaDataset:
    """Every record by kind (`suppliers`, `accounts`, `purchase_orders`, `invoices`, `payments`) and Coupa id.

    Records are the JSON dicts the API serves (hyphenated R39 keys). `bad_records` maps a record key
    (`coupa:po:17`, `coupa:supplier:4`, `coupa:invoice:9`) to the kind of defect planted in it.
    Edit records through the methods below so `updated-at` moves and concurrent requests see whole records.
    """

    records: dict[str, dict[int, dict[str, Any]]]
    bad_records: dict[str, str] = field(default_factory=dict)
    seed: int = 0
    utc_offset_hours: int = -7
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    # (kind, id) -> how many times an export was written: the simulator's own count, so tests see a double write
    export_writes: Counter = field(default_factory=Counter, repr=False, compare=False)
    _clock: datetime = field(default_factory=lambda: datetime(2000, 1, 1, tzinfo=UTC), repr=False)

    def __post_init__(self) -> None:
        for kind in KINDS:
            self.records.setdefault(kind, {})
        latest = [r["updated-at"] for rows in self.records.values() for r in rows.values() if r.get("updated-at")]
        if latest:
            self._clock = max(datetime.fromisoformat(v) for v in latest)

    @property
    def suppliers(self) -> list[dict[str, Any]]:
        return list(self.records["suppliers"].values())

    @property
    def accounts(self) -> list[dict[str, Any]]:
        return list(self.records["accounts"].values())

    @property
    def purchase_orders(self) -> list[dict[str, Any]]:
        return list(self.records["purchase_orders"].values())

    @property
    def invoices(self) -> list[dict[str, Any]]:
        return list(self.records["invoices"].values())

    @property
    def payments(self) -> list[dict[str, Any]]:
        return list(self.records["payments"].values())

    def get(self, kind: str, coupa_id: int) -> dict[str, Any]:
        return self.records[kind][int(coupa_id)]

    def snapshot(self, kind: str) -> Iterator[dict[str, Any]]:
        """The records of `kind` in id order, as they are at this instant."""
        with self.lock:
            rows = list(self.records[kind].values())
        return iter(rows)

    def bad_ids(self, kind: str) -> dict[int, str]:
        """Coupa id -> defect for the planted bad records of one kind."""
        prefix = RECORD_KEY_PREFIX[kind] + ":"
        return {int(k[len(prefix) :]): v for k, v in self.bad_records.items() if k.startswith(prefix)}

    def tick(self) -> str:
        """A fresh `updated-at` strictly later than every timestamp handed out so far."""
        with self.lock:
            self._clock = max(self._clock + timedelta(seconds=1), datetime.now(UTC).replace(microsecond=0))
            return coupa_timestamp(self._clock, self.utc_offset_hours)

    def touch(self, kind: str, coupa_id: int, **changes: Any) -> dict[str, Any]:
        """Apply `changes` (hyphenated keys) to a record and move its `updated-at`; returns the new record."""
        with self.lock:
            record = dict(self.get(kind, coupa_id))
            record.update(changes)
            record["updated-at"] = self.tick()
            self.records[kind][int(coupa_id)] = record
            return record

    def new_po_version(self, coupa_id: int, quantity_delta: int = 1) -> dict[str, Any]:
        """A supplier-visible change: first line's quantity grows, `version` goes up, `exported` resets to false."""
        with self.lock:
            po = self.get("purchase_orders", coupa_id)
            lines = [dict(line) for line in po["order-lines"]]
            first = lines[0]
            quantity = Decimal(first["quantity"]) + quantity_delta
            first["quantity"] = f"{quantity:.2f}"
            first["total"] = money(quantity * Decimal(first["price"]))
            stamp = self.tick()
            first["updated-at"] = stamp
            return self.touch(
                "purchase_orders",
                coupa_id,
                **{
                    "order-lines": lines,
                    "version": po["version"] + 1,
                    "internal-revision": po["internal-revision"] + 1,
                    "exported": False,
                },
            )

    def mark_exported(self, kind: str, coupa_id: int) -> dict[str, Any]:
        """What Coupa does on `PUT ...?exported=true`: flag set, `last-exported-at` stamped."""
        with self.lock:
            stamp = self.tick()
            record = dict(self.get(kind, coupa_id))
            record["exported"] = True
            self.export_writes[(kind, int(coupa_id))] += 1
            record["last-exported-at"] = stamp
            self.records[kind][int(coupa_id)] = record
            return record

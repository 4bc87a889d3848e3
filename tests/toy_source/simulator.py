"""The toy source's simulator: vendors and bills served over loopback HTTP, `since` filtering, exported flags counted
per bill, and the expected results computed from its own data (which bills must become bills, which are bad)."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, jsonify, request

from qbwc_bridge.serving import BackgroundServer


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class ToySimulator:
    """`with ToySimulator(vendors, bills) as sim: sim.url`; `sim.pulls` lists (kind, since) of every list call."""

    def __init__(self, vendors: list[dict[str, Any]], bills: list[dict[str, Any]]):
        own = copy.deepcopy  # the simulator's records are its own: a write never reaches the caller's lists
        self.data = {"vendors": {v["key"]: own(v) for v in vendors}, "bills": {b["key"]: own(b) for b in bills}}
        self.export_writes: Counter = Counter()
        self.pulls: list[tuple[str, str | None]] = []
        app = Flask("toy")
        app.add_url_rule("/<kind>", "list", self._list)
        app.add_url_rule("/bills/<key>", "show", lambda key: jsonify(self.data["bills"][key]))
        app.add_url_rule("/bills/<key>/exported", "export", self._export, methods=["PUT"])
        self.server = BackgroundServer(app)

    def expected(self) -> dict[str, Any]:
        """Its own truth: bills that must reach QuickBooks (key -> amount) and planted bad ones (key -> field)."""
        bad = {f"toy:invoice:{b['key']}": ("amount",) for b in self.data["bills"].values() if not _number(b["amount"])}
        good = {
            f"toy:invoice:{b['key']}": b["amount"]
            for b in self.data["bills"].values()
            if b["state"] == "approved" and f"toy:invoice:{b['key']}" not in bad
        }
        return {"bills": good, "bad": bad}

    def _list(self, kind: str):
        since = request.args.get("since")
        self.pulls.append((kind, since))
        rows = list(self.data[kind].values())
        return jsonify([r for r in rows if since is None or _at(r["modified"]) > _at(since)])

    def _export(self, key: str):
        self.data["bills"][key]["exported"] = True
        self.export_writes[key] += 1
        return jsonify(self.data["bills"][key])

    def __enter__(self) -> ToySimulator:
        self.server.start()
        self.url = self.server.url
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.stop()


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


VENDORS = [
    {"key": "V1", "modified": "2024-05-01T10:00:00Z", "display_name": "Toy Widgets Ltd",
     "address": {"line": "1 Main St", "zip": "12345"}},
    {"key": "V2", "modified": "2024-05-01T10:00:00Z", "display_name": "Gadget Barn",
     "address": {"line": "2 Side St", "zip": "54321"}},
]  # fmt: skip


def bill(key: str, vendor: str, amount: str, state: str = "approved", qty: str = "2", unit: str = "5.00") -> dict:
    return {
        "key": key, "modified": "2024-05-02T09:00:00Z", "ref": f"INV-{key}", "vendor": vendor, "state": state,
        "date": "2024-05-02", "amount": amount, "lines": [{"n": "1", "text": "Widgets", "qty": qty, "unit": unit,
                                                          "gl": "6000-100"}],
    }  # fmt: skip


BILLS = [
    bill("B1", "V1", "10.00"),
    bill("B2", "V2", "ten"),  # planted: the amount is not a number
    bill("B3", "V1", "10.00", state="draft"),  # not billable yet
    bill("B4", "V2", "7.50", qty="3", unit="2.50"),
]


@dataclass
class Harness:
    """The toy simulator as the contract test drives it (the same attributes as every source's harness)."""

    sim: ToySimulator = field(repr=False)
    client_id: str = "toy-contract"
    client_secret: str = "unused"
    account_codes: tuple[str, ...] = ("6000-100",)

    @property
    def base_url(self) -> str:
        return self.sim.url

    @property
    def bad(self) -> dict[str, str]:
        return self.sim.expected()["bad"]

    def touch(self, entity: str, source_id: str) -> None:
        row = self.sim.data[entity][source_id]
        self.sim.data[entity][source_id] = {**row, "modified": "2024-06-01T00:00:00Z", "ref": row.get("ref")}

    def export_writes(self) -> dict[str, int]:
        return {f"toy:invoice:{k}": n for k, n in self.sim.export_writes.items()}


@contextmanager
def harness() -> Iterator[Harness]:
    with ToySimulator(VENDORS, BILLS) as sim:
        yield Harness(sim)

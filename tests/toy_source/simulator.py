"""The toy source's simulator: vendors and bills served over loopback HTTP, `since` filtering, exported flags counted
per bill, and the expected results computed from its own data (which bills must become bills, which are bad)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from flask import Flask, jsonify, request

from qbwc_bridge.serving import BackgroundServer


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class ToySimulator:
    """`with ToySimulator(vendors, bills) as sim: sim.url`; `sim.pulls` lists (kind, since) of every list call."""

    def __init__(self, vendors: list[dict[str, Any]], bills: list[dict[str, Any]]):
        self.data = {"vendors": {v["key"]: v for v in vendors}, "bills": {b["key"]: b for b in bills}}
        self.export_writes: Counter = Counter()
        self.pulls: list[tuple[str, str | None]] = []
        app = Flask("toy")
        app.add_url_rule("/<kind>", "list", self._list)
        app.add_url_rule("/bills/<key>", "show", lambda key: jsonify(self.data["bills"][key]))
        app.add_url_rule("/bills/<key>/exported", "export", self._export, methods=["PUT"])
        self.server = BackgroundServer(app)

    def expected(self) -> dict[str, Any]:
        """Its own truth: bills that must reach QuickBooks (key -> amount) and planted bad ones (key -> field)."""
        bad = {f"toy:invoice:{b['key']}": "amount" for b in self.data["bills"].values() if not _number(b["amount"])}
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

"""Enqueueing into the outbox on both backends: dedup is a no-op, every new row is audited."""

from __future__ import annotations

import pandas as pd

from warehouse.audit import story
from warehouse.outbox import enqueue, request_id_for


def _requests(keys: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "company": "acme",
            "op": "VendorAdd",
            "dedup_key": keys,
            "record_key": [k.rsplit(":", 1)[0] for k in keys],
            "payload": [{"VendorAdd": {"Name": f"Vendor {k}"}} for k in keys],
        }
    )


def test_enqueue_twice_is_a_noop_and_audited(warehouse):
    with warehouse.connect() as c:
        assert enqueue(c, _requests(["coupa:supplier:1:v1", "coupa:supplier:2:v1"])) == 2
    with warehouse.connect() as c:
        assert enqueue(c, _requests(["coupa:supplier:1:v1", "coupa:supplier:3:v1"])) == 1
        rows = c.records("SELECT request_id, status, dedup_key FROM qbxml_outbox ORDER BY dedup_key")
        assert [r["status"] for r in rows] == ["pending"] * 3
        assert rows[0]["request_id"] == request_id_for("acme", "coupa:supplier:1:v1")
        assert len(rows[0]["request_id"]) <= 50
        events = story(c, "coupa:supplier:1")
        assert [e["event"] for e in events] == ["queued"]
        assert events[0]["request_id"] == rows[0]["request_id"]
        assert c.scalar("SELECT count(*) FROM audit_log WHERE event = 'queued'") == 3


def test_depends_on_names_a_request_before_it_exists(warehouse):
    vendor = request_id_for("acme", "coupa:supplier:9:v1")
    bill = pd.DataFrame(
        {
            "company": ["acme"],
            "op": ["BillAdd"],
            "dedup_key": ["coupa:po:1:v1"],
            "record_key": ["coupa:po:1"],
            "payload": [{"BillAdd": {"RefNumber": "PO1"}}],
            "depends_on": [vendor],
        }
    )
    with warehouse.connect() as c:
        enqueue(c, bill)
        enqueue(c, _requests(["coupa:supplier:9:v1"]))
        assert c.scalar("SELECT depends_on FROM qbxml_outbox WHERE op = 'BillAdd'") == vendor
        assert c.scalar("SELECT op FROM qbxml_outbox WHERE request_id = ?", [vendor]) == "VendorAdd"

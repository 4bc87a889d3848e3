"""Replay: failed rows back to pending without ever creating a second request; quarantine released and re-checked."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from quality_fixtures import STAMP, draft, line, load, outbox_row, seed

from data_checks.replay import parse_since, replay
from warehouse.audit import story
from warehouse.outbox import request_id_for


def _status(conn) -> dict[str, tuple[str, int]]:
    rows = conn.fetchall("SELECT dedup_key, status, attempts FROM qbxml_outbox")
    return {r[0]: (r[1], r[2]) for r in rows}


def test_failed_rows_return_to_pending_with_their_dependency(warehouse):
    vendor = outbox_row(
        "coupa:supplier:17", "failed", op="VendorAdd", attempts=3, last_error="3100: name in use", last_status_code=3100
    )
    bill = outbox_row("coupa:po:1", "failed", depends_on=vendor["request_id"], last_error="vendor missing")
    with warehouse.connect() as c:
        load(c, "qbxml_outbox", [vendor, bill, outbox_row("coupa:po:2", "failed"), outbox_row("coupa:po:3", "done")])
        result = replay(c, failed_only=True, key="coupa:po:1")
        status = _status(c)
        events = story(c, "coupa:supplier:17")
        count = c.scalar("SELECT count(*) FROM qbxml_outbox")
        errors = c.fetchall("SELECT last_error FROM qbxml_outbox WHERE status = 'pending'")
    assert sorted(r["record_key"] for r in result.requeued) == ["coupa:po:1", "coupa:supplier:17"]
    assert status["coupa:po:1:v1"] == ("pending", 0) and status["coupa:supplier:17:v1"] == ("pending", 0)
    assert status["coupa:po:2:v1"][0] == "failed"  # outside the key filter
    assert count == 4 and errors == [(None,), (None,)]
    assert [e["event"] for e in events] == ["replayed"]
    detail = events[0]["detail"]
    detail = detail if isinstance(detail, dict) else __import__("json").loads(detail)
    assert (
        detail["last_error"] == "3100: name in use" and detail["attempts"] == 3 and detail["last_status_code"] == 3100
    )


def test_key_matches_the_record_and_keys_below_it_not_longer_ids(warehouse):
    rows = [outbox_row("coupa:po:1", "failed"), outbox_row("coupa:po:12", "failed")]
    with warehouse.connect() as c:
        load(c, "qbxml_outbox", rows)
        c.execute(
            "INSERT INTO quarantine (record_key, check_name, field, reason, company, detected_at) "
            "VALUES ('coupa:po:13', 'staging:order-lines.total_mismatch', 'total', 'held', '', ?)",
            [STAMP],
        )
        result = replay(c, key="coupa:po:1")
        held = c.fetchall("SELECT record_key FROM quarantine WHERE released_at IS NULL")
        status = _status(c)
    assert [r["record_key"] for r in result.requeued] == ["coupa:po:1"] and result.released == []
    assert status["coupa:po:12:v1"][0] == "failed" and held == [("coupa:po:13",)]


def test_replay_refuses_what_could_duplicate(warehouse):
    rows = [
        outbox_row("coupa:po:1", "unknown"),  # response lost: the bridge resolves it by a lookup
        outbox_row("coupa:po:2", "failed"),
        outbox_row("coupa:po:2", "done", dedup_key="coupa:po:2:v2", qb_id="T2"),  # a later version made it
        outbox_row("coupa:po:3", "failed"),
        outbox_row("coupa:po:3", "pending", dedup_key="coupa:po:3:v2", created_at=STAMP + timedelta(hours=1)),
    ]
    with warehouse.connect() as c:
        load(c, "qbxml_outbox", rows)
        result = replay(c)
        status = _status(c)
    assert result.requeued == []
    reasons = {s["record_key"]: s["reason"] for s in result.skipped}
    assert "outcome unknown" in reasons["coupa:po:1"]
    assert "already in QuickBooks" in reasons["coupa:po:2"]
    assert reasons["coupa:po:3"].startswith("superseded by " + request_id_for("acme", "coupa:po:3:v2"))
    assert status["coupa:po:1:v1"][0] == "unknown" and status["coupa:po:2:v1"][0] == "failed"


def test_since_filters_by_failure_time(warehouse):
    old = outbox_row("coupa:po:1", "failed", updated_at=datetime(2024, 1, 1))
    new = outbox_row("coupa:po:2", "failed", updated_at=datetime(2024, 6, 1))
    with warehouse.connect() as c:
        load(c, "qbxml_outbox", [old, new])
        result = replay(c, since=datetime(2024, 3, 1))
    assert [r["record_key"] for r in result.requeued] == ["coupa:po:2"]


def test_quarantined_records_are_released_and_rechecked(warehouse):
    with warehouse.connect() as c:
        seed(c, [draft(1, total=5.0), draft(2)], [line(1), line(2)])
        c.execute(
            "INSERT INTO quarantine (record_key, check_name, field, reason, company, detected_at) "
            "VALUES ('coupa:po:2', 'qb_status_3210', 'Amount', 'QuickBooks refused the amount', 'acme', ?)",
            [STAMP],
        )
        from data_checks.quarantine import evaluate

        evaluate(c)
        result = replay(c)
        held = c.fetchall("SELECT record_key, check_name FROM quarantine WHERE released_at IS NULL")
        events = [e["event"] for e in story(c, "coupa:po:1")]
    assert sorted(r["record_key"] for r in result.released) == ["coupa:po:1", "coupa:po:2"]
    assert result.still_held == ["coupa:po:1"]  # its total still differs: quarantined again
    assert held == [("coupa:po:1", "totals_match")]
    assert events == ["quarantined", "replayed", "quarantined"]


def test_parse_since():
    ref = datetime(2024, 5, 2, 12, 0)
    assert parse_since("6h", ref) == datetime(2024, 5, 2, 6, 0)
    assert parse_since("2d", ref) == datetime(2024, 4, 30, 12, 0)
    assert parse_since("2024-05-01T09:00") == datetime(2024, 5, 1, 9, 0)
    assert parse_since(None) is None
    with pytest.raises(ValueError, match="--since"):
        parse_since("yesterday")

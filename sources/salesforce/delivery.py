"""Queue and deliver the Salesforce writes of the cloud_outbox (Source.delivery): each company's due writes queued
from its QuickBooks mirror; then the describe check, parents before children, each object's writes through sObject
Collections (200 a call) or, above the client's threshold, a Bulk API 2.0 job; every record settles on its own
outcome (an ambiguous external id is held with its reason), and a run that reaches its share of the daily API
allowance, or its time budget, leaves what it did not send queued for the next run."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from connectors.core import ApiError
from sources.salesforce.client import COLLECTION_MAX, LimitReached, Outcome, SalesforceClient
from sources.salesforce.flows import DEFAULT_STAGES, SOURCE, Stages, enqueue_writes, parse_op
from warehouse import cloud_outbox
from warehouse.states import CloudWrite
from warehouse.store import Conn, Warehouse

ACTOR = "salesforce:deliver"
HELD = "held: several Salesforce records hold this external id; merge or fix them, then replay"


@dataclass
class Delivery:
    """What one run did: records sent (created/updated), failed, held; whether it stopped early and why."""

    created: int = 0
    updated: int = 0
    failed: int = 0
    held: int = 0
    left_queued: int = 0
    bulk_jobs: int = 0
    collection_calls: int = 0
    stopped: str | None = None
    errors: dict[str, str] = field(default_factory=dict)  # record key -> error, first 50


def company_today(conn: Conn, company: str) -> date:
    """The company's local date (aging and overdue are counted on it): its time zone, else the UTC offset QuickBooks
    last reported, else UTC."""
    zone, offset = conn.fetchone(
        "SELECT c.time_zone, k.utc_offset_minutes FROM companies c LEFT JOIN qb_clock k ON k.company = c.company "
        "WHERE c.company = ?",
        [company],
    ) or (None, None)
    moment = datetime.now(UTC)
    if zone:
        return moment.astimezone(ZoneInfo(zone)).date()
    return (moment + timedelta(minutes=int(offset or 0))).date()


def queue(wh: Warehouse, stages: Stages = DEFAULT_STAGES) -> int:
    """Queue the due writes of every company Salesforce feeds (company_sources), each on its own local date."""
    queued = 0
    with wh.connect() as conn:
        fed = conn.fetchall(
            "SELECT DISTINCT company FROM company_sources WHERE source_system = ? ORDER BY company", [SOURCE]
        )
        for (company,) in fed:
            queued += enqueue_writes(conn, company, company_today(conn, company), stages)
    return queued


def deliver(wh: Warehouse, client: SalesforceClient, budget_s: float | None = None) -> dict[str, Any]:
    """The declared delivery (Source.delivery): `send` within the time budget, as counts."""
    done = send(wh, client, budget_s=budget_s)
    return {k: v for k, v in asdict(done).items() if k != "errors"}


def send(
    wh: Warehouse,
    client: SalesforceClient,
    *,
    bulk_job_records: int = 10000,
    claim_limit: int = 50000,
    budget_s: float | None = None,
    stages: Stages = DEFAULT_STAGES,
) -> Delivery:
    """Send every pending write (see the module docstring); returns what happened."""
    done = Delivery()
    deadline = None if budget_s is None else time.monotonic() + budget_s
    checked = False
    while done.stopped is None:
        if deadline is not None and time.monotonic() >= deadline:
            done.left_queued = wh.scalar(
                "SELECT count(*) FROM cloud_outbox WHERE source_system = ? AND status = ?", [SOURCE, CloudWrite.PENDING]
            )
            done.stopped = f"the run's {budget_s:.0f} s are spent; the rest goes next run"
            break
        with wh.connect() as conn:
            rows = cloud_outbox.claim(conn, SOURCE, claim_limit, ACTOR)
        if not rows:
            break
        rows.sort(key=lambda r: (r["op"], r["record_key"]))
        pending = list(rows)
        try:
            if not checked:
                client.ready(stages)  # nothing is sent to an org that lacks what the flow writes
                checked = True
            for op, group in groupby(rows, key=lambda r: r["op"]):
                batch = list(group)
                obj, ext = parse_op(op)
                payloads = [client.record(json.loads(r["payload"])) for r in batch]
                if len(batch) >= client.bulk_threshold:
                    for start in range(0, len(batch), bulk_job_records):
                        part = slice(start, start + bulk_job_records)
                        _settle(wh, batch[part], client.upsert_bulk(obj, ext, payloads[part]), done, pending)
                        done.bulk_jobs += 1
                else:
                    for start in range(0, len(batch), COLLECTION_MAX):
                        part = slice(start, start + COLLECTION_MAX)
                        _settle(wh, batch[part], client.upsert_collection(obj, ext, payloads[part]), done, pending)
                        done.collection_calls += 1
        except (LimitReached, ApiError) as exc:
            done.stopped = str(exc)
            done.left_queued = len(pending)
        finally:
            with wh.connect() as conn:  # stopped, or the org not ready: nothing unsent stays claimed
                cloud_outbox.release(conn, pending, ACTOR)
    return done


def _settle(wh: Warehouse, rows: list[dict], outcomes: list[Outcome], done: Delivery, pending: list[dict]) -> None:
    """Record each row's outcome in the ledger (and the audit log through it)."""
    settled: list[tuple[dict[str, Any], str | None, str]] = []
    for row, outcome in zip(rows, outcomes, strict=True):
        if outcome.error is None:
            settled.append((row, None, "created" if outcome.created else "updated"))
            done.created += outcome.created
            done.updated += not outcome.created
            continue
        error = f"{HELD} ({outcome.error})" if outcome.ambiguous else outcome.error
        settled.append((row, error[:500], "held" if outcome.ambiguous else "error"))
        done.held += outcome.ambiguous
        done.failed += not outcome.ambiguous
        if len(done.errors) < 50:
            done.errors[row["record_key"]] = error
    with wh.connect() as conn:
        cloud_outbox.settle(conn, settled, ACTOR)
    sent = {id(r) for r in rows}
    pending[:] = [r for r in pending if id(r) not in sent]

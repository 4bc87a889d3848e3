"""Deliver the queued Salesforce writes of the cloud_outbox: describe check first, then parents before children,
each object's writes through sObject Collections (200 a call) or, above a threshold, a Bulk API 2.0 job; every
record settles on its own outcome (an ambiguous external id is held with its reason), and a run that reaches its
share of the daily API allowance leaves what it did not send queued for the next run."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from connectors.core import ApiError
from sources.salesforce.client import COLLECTION_MAX, LimitReached, Outcome, SalesforceClient
from sources.salesforce.fields import OrgNotReady, missing_in_org
from sources.salesforce.flows import DEFAULT_STAGES, SOURCE, STANDARD_PRICEBOOK, Stages, parse_op
from warehouse import cloud_outbox
from warehouse.store import Warehouse

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


def check_org(client: SalesforceClient, stages: Stages = DEFAULT_STAGES) -> None:
    """Stop before anything is sent when the org lacks a field, object or stage the flow writes."""
    problems = missing_in_org(client.describe, stages.all())
    if problems:
        raise OrgNotReady("the Salesforce org is not ready for qbsync:\n- " + "\n- ".join(problems))


def deliver(
    wh: Warehouse,
    client: SalesforceClient,
    *,
    bulk_threshold: int = 2000,
    bulk_job_records: int = 10000,
    claim_limit: int = 50000,
    stages: Stages = DEFAULT_STAGES,
) -> Delivery:
    """Send every pending write (see the module docstring); returns what happened."""
    check_org(client, stages)
    done = Delivery()
    pricebook: str | None = None
    while done.stopped is None:
        with wh.connect() as conn:
            rows = cloud_outbox.claim(conn, SOURCE, claim_limit, ACTOR)
        if not rows:
            break
        rows.sort(key=lambda r: (r["op"], r["record_key"]))
        pending = list(rows)
        try:
            for op, group in groupby(rows, key=lambda r: r["op"]):
                batch = list(group)
                obj, ext = parse_op(op)
                if obj == "PricebookEntry" and pricebook is None:
                    pricebook = _standard_pricebook(client)
                payloads = [_payload(r, pricebook) for r in batch]
                if len(batch) >= bulk_threshold:
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
            with wh.connect() as conn:
                cloud_outbox.release(conn, pending, ACTOR)
    return done


def _payload(row: dict[str, Any], pricebook: str | None) -> dict[str, Any]:
    payload = json.loads(row["payload"])
    if payload.get("Pricebook2Id") == STANDARD_PRICEBOOK:
        payload["Pricebook2Id"] = pricebook
    return payload


def _standard_pricebook(client: SalesforceClient) -> str:
    found = list(client.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true"))
    if not found:
        raise OrgNotReady("the org has no standard price book (Pricebook2 with IsStandard = true)")
    return found[0]["Id"]


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

"""Feedback assets generated from the registry: `<source>/feedback` queues the source's writes (documents now in
QuickBooks, or QuickBooks' records for a write-only source) in the cloud_outbox ledger and delivers them through the
source's client: paced under its rate limit, a few at a time, within a time budget per run; a write a killed run
left unknown is read back before it is re-sent. A source that declares its own delivery queues and sends its way."""

import json
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dagster as dg

from assets.metadata import columns, result, sample, table
from assets.policies import API_RETRY, SOURCE_OWNERS, WAREHOUSE_POOL, api_failures_final, stored
from assets.staging import staged
from connectors.core.pacing import Pacer
from sources import registry
from sources.declaration import Source
from sources.keys import system_of_sql
from transforms.dialect import dialect
from transforms.exports import writes_due
from warehouse import cloud_outbox
from warehouse.company_sources import feeds
from warehouse.states import CloudWrite

CLAIM_BATCH = 200  # writes claimed (marked sending) at a time: what a killed run can leave to read back


def feedback_key(source: Source) -> dg.AssetKey:
    return dg.AssetKey([source.name, "feedback"])


def _deliver(client: Any, pacer: Pacer, row: dict[str, Any]) -> tuple[dict[str, Any], str | None, str]:
    """(row, error or None, how): `found` when a write of unknown outcome had already happened, else `sent`."""
    payload = json.loads(row["payload"])
    try:
        if row["unknown"]:
            pacer.wait()
            if client.delivered(row["op"], payload):
                return row, None, "found"
        pacer.wait()
        client.deliver(row["op"], payload)
    except Exception as exc:  # one write the source refuses must not stop the others; it stays failed, replayable
        return row, f"{type(exc).__name__}: {exc}"[:500], "error"
    return row, None, "sent"


def _deliver_all(pool: ThreadPoolExecutor, client: Any, pacer: Pacer, rows: list[dict[str, Any]]) -> list[tuple]:
    """Every claimed row's outcome: one call per row, except ops the client takes in batches (`client.batch_ops`,
    op -> records per call; `client.deliver_batch(op, payloads)` answers each payload's error or None). A batched
    write is a full overwrite by key at the target, so one whose outcome a killed run left unknown is sent again."""
    batched = getattr(client, "batch_ops", {})
    single = [r for r in rows if r["op"] not in batched]
    outcomes = list(pool.map(lambda row: _deliver(client, pacer, row), single))
    for op, size in batched.items():
        mine = [r for r in rows if r["op"] == op]
        for start in range(0, len(mine), size):
            part = mine[start : start + size]
            try:
                pacer.wait()
                errors = client.deliver_batch(op, [json.loads(r["payload"]) for r in part])
            except Exception as exc:  # the whole call failed: each of its writes stays failed, replayable
                errors = [f"{type(exc).__name__}: {exc}"[:500]] * len(part)
            outcomes += [(r, e, "error" if e else "sent") for r, e in zip(part, errors, strict=True)]
    return outcomes


def queue_writes(wh, source: Source) -> int:
    """Queue the due writes of the source's instance `source` in the cloud_outbox ledger; how many were new."""
    if source.delivery:
        return registry.delivery(source.name).queue(wh)
    with wh.connect() as conn:
        return cloud_outbox.enqueue(conn, writes_due(dialect(wh.backend), source), f"asset:{source.name}/feedback")


def deliver_writes(wh, source: Source, client: Any, budget_s: float | None = None) -> dict[str, Any]:
    """Queue the due writes of the source's instance `source`, then deliver pending ones through its `client` until
    none is left or the time budget is spent; writes that wait on earlier ones (a response after its acknowledge)
    are queued once those are done."""
    actor = f"asset:{source.name}/feedback"
    budget = source.feedback_seconds if budget_s is None else budget_s
    queued = queue_writes(wh, source)
    if source.delivery:
        return {"queued": queued, **registry.delivery(source.name).deliver(wh, client, budget)}
    due = writes_due(dialect(wh.backend), source)
    counts = {"queued": queued, "sent": 0, "found": 0, "error": 0}
    pacer = Pacer(source.rate_limit_per_s)
    deadline = time.monotonic() + budget
    with ThreadPoolExecutor(max_workers=source.feedback_workers) as pool:
        while time.monotonic() < deadline:
            with wh.connect() as conn:
                rows = cloud_outbox.claim(conn, source.key, CLAIM_BATCH, actor)
                if not rows:
                    queued = cloud_outbox.enqueue(conn, due, actor)
                    counts["queued"] += queued
                    rows = cloud_outbox.claim(conn, source.key, CLAIM_BATCH, actor) if queued else []
            if not rows:
                break
            outcomes = _deliver_all(pool, client, pacer, rows)
            with wh.connect() as conn:
                cloud_outbox.settle(conn, outcomes, actor)
            for _, _, how in outcomes:
                counts[how] += 1
    return counts


def _summed(counts: Iterable[dict[str, Any]]) -> dict[str, int]:
    """One run's counts over every instance: each count's sum (one an instance lacks counts 0 there); what is not
    a count (why a delivery stopped, say) is in each instance's own figures."""
    total: dict[str, int] = {}
    for figures in counts:
        for key, value in figures.items():
            if isinstance(value, int) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
    return total


def _feedback_asset(source: Source) -> dg.AssetsDefinition:
    mine = f"{system_of_sql('source_system')} = '{source.name}'"  # every instance's writes
    documents = ["qb_bills", "qb_bill_payments", "bill_drafts", *staged("stg_payments")] if source.billable else []
    what = "told which documents are in QuickBooks" if source.billable else "given QuickBooks' records"

    @dg.asset(
        key=feedback_key(source),
        deps=[*documents, *source.writes_read],
        group_name=f"{source.name}_feedback",
        kinds=stored(source.name, "python"),
        owners=SOURCE_OWNERS,
        metadata=table("cloud_outbox"),
        pool=WAREHOUSE_POOL,
        retry_policy=API_RETRY,
        required_resource_keys={"warehouse", source.name},
        check_specs=[dg.AssetCheckSpec("cloud_writes_delivered", asset=feedback_key(source))],
        description=f"{source.title} {what}, through the cloud_outbox ledger",
    )
    def feedback(context: dg.AssetExecutionContext):
        wh = context.resources.warehouse.get()
        with wh.connect() as conn:
            fed = feeds(conn, source)
        counts: dict[str, Any] = {}
        for feed in fed:  # each instance's writes through its own connection
            with api_failures_final(), getattr(context.resources, source.name).client(feed.instance) as client:
                counts[feed.key] = deliver_writes(wh, feed, client)
        by_status = dict(wh.fetchall(f"SELECT status, count(*) FROM cloud_outbox WHERE {mine} GROUP BY status"))
        with wh.connect() as conn:
            failed = [f for feed in fed for f in cloud_outbox.failed(conn, feed.key)]
        yield result(
            sum(by_status.values()),
            schema=columns(wh, "cloud_outbox"),
            this_run=_summed(counts.values()),
            by_instance=counts,
            by_status=by_status,
            sample=sample(wh, "cloud_outbox", "updated_at DESC, record_key", mine),
        )
        yield dg.AssetCheckResult(
            check_name="cloud_writes_delivered",
            passed=not failed,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"{len(failed)} writes to {source.title} failed (qbsync audit KEY; qbsync replay --key KEY)"
            if failed
            else f"no failed writes to {source.title}",
            metadata={
                "failed": dg.MetadataValue.json({f["record_key"]: f["last_error"] for f in failed[:50]}),
                "pending": by_status.get(CloudWrite.PENDING.value, 0),
            },
        )

    return feedback


def feedback_assets() -> list[dg.AssetsDefinition]:
    """One feedback asset per source that writes back (feedback flows, or records of its own)."""
    return [_feedback_asset(s) for s in registry.all_sources() if s.writes_back]

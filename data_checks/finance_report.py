"""The finance report as one self-contained HTML: which company, currency and period; totals per status in plain
words; every document accounted for; causes grouped with counts and amounts; totals per vendor; the mismatches,
each with its audit story; volume and amounts by day; writes back to sources that failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from data_checks.outcomes import COLUMNS as OUTCOME_COLUMNS
from data_checks.outcomes import Accounted, accounted, label
from data_checks.svg_charts import day_bars, status_bars
from sources import registry
from warehouse import cloud_outbox
from warehouse.audit import now, story
from warehouse.store import Conn, Warehouse

STATUSES = ["matched", "amount_differs", "missing_in_quickbooks", "quarantined", "pending"]
COLORS = {
    "matched": "#2e7d32",
    "amount_differs": "#ef6c00",
    "missing_in_quickbooks": "#c62828",
    "quarantined": "#6a1b9a",
    "pending": "#757575",
    "review": "#ef6c00",
    "unmatched": "#c62828",
}
MISMATCHES = ("amount_differs", "missing_in_quickbooks", "quarantined")
MAX_STORIES, STORY_EVENTS = 500, 20  # audit stories folded into the report: documents, last events of each
# What each status means to a person reading the report or its CSV.
PLAIN = {
    "matched": "in QuickBooks, amounts agree",
    "amount_differs": "in QuickBooks, amount differs",
    "missing_in_quickbooks": "not in QuickBooks",
    "quarantined": "held: needs a fix",
    "pending": "on its way to QuickBooks",
}
CSV_COLUMNS = {
    "company": "company",
    "document_number": "document",
    "record_key": "record",
    "vendor_name": "vendor",
    "txn_date": "date",
    "source_amount": "source amount",
    "qb_amount": "QuickBooks amount",
    "difference": "difference",
    "plain_status": "status",
    "reason": "reason",
    "story": "its story",
}


@dataclass
class ReportData:
    """What the report shows, gathered from the recon views."""

    documents: pd.DataFrame
    vendor_counts: dict[str, int]
    payment_counts: dict[str, int]
    generated_at: datetime
    failed_cloud_writes: list[dict[str, Any]] = field(default_factory=list)  # writes back to sources that failed
    accounted: list[Accounted] = field(default_factory=list)  # every staged document by outcome
    stories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # record key -> its audit events

    @property
    def totals(self) -> pd.DataFrame:
        """Per status: document count, source amount, QuickBooks amount (every status listed, zero if none)."""
        docs = self.documents
        grouped = docs.groupby("status").agg(
            documents=("record_key", "count"), source_amount=("source_amount", "sum"), qb_amount=("qb_amount", "sum")
        )
        return grouped.reindex(STATUSES + sorted(set(grouped.index) - set(STATUSES)), fill_value=0)

    @property
    def mismatches(self) -> pd.DataFrame:
        return self.documents[self.documents["status"].isin(MISMATCHES)]

    @property
    def by_day(self) -> pd.DataFrame:
        dated = self.documents.dropna(subset=["txn_date"])
        grouped = dated.groupby(dated["txn_date"].astype(str)).agg(
            documents=("record_key", "count"), amount=("source_amount", "sum")
        )
        return grouped.sort_index()

    @property
    def by_vendor(self) -> pd.DataFrame:
        """Per vendor: documents, source and QuickBooks amounts, how many need attention; the largest first."""
        docs = self.documents.assign(
            vendor=self.documents["vendor_name"].fillna("(no vendor yet)"),
            attention=self.documents["status"].isin(MISMATCHES),
        )
        grouped = docs.groupby("vendor").agg(
            documents=("record_key", "count"),
            source_amount=("source_amount", "sum"),
            qb_amount=("qb_amount", "sum"),
            attention=("attention", "sum"),
        )
        return grouped.sort_values(["source_amount", "documents"], ascending=False)

    def scope(self) -> str:
        """Which companies, currencies and period (document dates) the report covers."""
        docs = self.documents
        companies = ", ".join(sorted(docs["company"].dropna().unique())) or "no company"
        currencies = ", ".join(sorted(docs["currency"].dropna().unique())) or "currency not stated"
        dates = pd.to_datetime(docs["txn_date"].dropna())
        period = f"{dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}" if not dates.empty else "no dated documents"
        return f"{companies} · {currencies} · {period}"

    def summary(self) -> dict[str, Any]:
        """Counts per status (documents, vendors, payments) for asset metadata and the CLI."""
        totals = self.totals
        return {
            "documents": len(self.documents),
            "documents_by_status": {s: int(totals.loc[s, "documents"]) for s in totals.index},
            "mismatches": len(self.mismatches),
            "vendors_by_status": self.vendor_counts,
            "payments_by_status": self.payment_counts,
            "failed_cloud_writes": len(self.failed_cloud_writes),
        }


def gather(conn: Conn) -> ReportData:
    docs = conn.df(
        "SELECT company, record_key, document_number, vendor_name, txn_date, currency, source_amount, qb_txn_id, "
        "qb_amount, difference, outbox_status, last_error, quarantine_reason, status FROM recon_documents "
        "ORDER BY company, record_key"
    )
    for col in ("source_amount", "qb_amount", "difference"):
        docs[col] = pd.to_numeric(docs[col], errors="coerce").astype("float64")
    counts = "SELECT status, count(*) FROM {} GROUP BY status ORDER BY status"
    vendors = {s: int(n) for s, n in conn.fetchall(counts.format("recon_vendors"))}
    payments = {s: int(n) for s, n in conn.fetchall(counts.format("recon_payments"))}
    wrong = docs[docs["status"].isin(MISMATCHES)]["record_key"]
    stories = {key: story(conn, key)[-STORY_EVENTS:] for key in wrong[:MAX_STORIES]}
    return ReportData(docs, vendors, payments, now(), cloud_outbox.failed(conn), accounted(conn), stories)


def render(data: ReportData) -> str:
    """The whole page: inline CSS and SVG only, so it can be mailed or archived as one file."""
    totals = data.totals
    days = data.by_day
    status_counts = {s: int(totals.loc[s, "documents"]) for s in totals.index}
    charts = [
        status_bars("Documents by status", status_counts, COLORS),
        day_bars("Documents per day", list(days.index), [float(v) for v in days["documents"]]),
        day_bars("Amount per day", list(days.index), [float(v) for v in days["amount"]], "#00796b", money=True),
    ]
    sections = [
        f"<h1>QuickBooks reconciliation</h1><p class=meta>{escape(data.scope())}</p><p class=meta>Generated "
        f"{data.generated_at:%Y-%m-%d %H:%M} UTC · {len(data.documents):,} documents · {len(data.mismatches):,} "
        "need attention</p>",
        "<h2>Totals per status</h2>" + _totals_table(totals),
        "<h2>Every document</h2>" + _accounted_table(data.accounted),
        "<h2>What needs attention, by cause</h2>" + _causes_table(causes(data)),
        "<h2>Per vendor</h2>" + _vendor_table(data.by_vendor),
        '<div class="charts">' + "".join(f"<figure>{c}</figure>" for c in charts) + "</div>",
        "<h2>Mismatches</h2>" + _mismatch_table(data.mismatches, data.stories),
        "<h2>Vendors and payments</h2>"
        + status_bars("Suppliers by status", data.vendor_counts, COLORS)
        + status_bars("Payments by status", data.payment_counts, COLORS),
        "<h2>Writes back to source systems that failed</h2>" + _failed_writes_table(data.failed_cloud_writes),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>QuickBooks reconciliation</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
        "th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}td.num{text-align:right}"
        "th{background:#f3f3f3}.meta{color:#666}.charts{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}"
        ".status{display:inline-block;padding:0 6px;border-radius:3px;color:#fff}details{margin:2px 0}"
        "</style></head><body>" + "".join(sections) + "</body></html>"
    )


def document_rows(data: ReportData) -> pd.DataFrame:
    """One row per document in plain words: status, reason and the command that tells its story."""
    docs = data.documents.copy()
    docs["plain_status"] = docs["status"].map(lambda s: PLAIN.get(s, s))
    docs["reason"] = [_text(q) or _text(e) for q, e in zip(docs["quarantine_reason"], docs["last_error"], strict=True)]
    docs["story"] = "qbsync audit " + docs["record_key"]
    return docs[list(CSV_COLUMNS)].rename(columns=CSV_COLUMNS)


def causes(data: ReportData) -> pd.DataFrame:
    """Documents not (yet) right, grouped by cause (the check that holds it, or QuickBooks' status code, else the
    status in plain words): how many and how much, the largest amount first."""
    rows = document_rows(data)
    wrong = rows[rows["status"] != PLAIN["matched"]].copy()
    wrong["cause"] = [_cause(r, s) for r, s in zip(wrong["reason"], wrong["status"], strict=True)]
    grouped = wrong.groupby("cause").agg(documents=("record", "count"), amount=("source amount", "sum"))
    return grouped.sort_values(["amount", "documents"], ascending=False).reset_index()


def _cause(reason: str, status: str) -> str:
    """`held: totals_match` from "totals_match: ...", `3170` from "3170: ...", else the plain status."""
    head = reason.split(":", 1)[0].strip() if reason else ""
    if not head:
        return status
    return f"{status}: {head}"


def write_csv(wh: Warehouse, path: Path) -> int:
    """Every document as a CSV row (see CSV_COLUMNS) for a spreadsheet; returns the rows written."""
    with wh.connect() as conn:
        rows = document_rows(gather(conn))
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(path, index=False)
    return len(rows)


def write_report(wh: Warehouse, path: Path) -> dict[str, Any]:
    """Gather, render and write the report to `path`; returns the summary (plus the path)."""
    with wh.connect() as conn:
        data = gather(conn)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(data), encoding="utf-8")
    return dict(data.summary(), path=str(path))


def _money(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{value:,.2f}"


def _text(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _badge(status: str) -> str:
    return f'<span class="status" style="background:{COLORS.get(status, "#999")}">{escape(status)}</span>'


def _totals_table(totals: pd.DataFrame) -> str:
    rows = "".join(
        f"<tr><td>{_badge(s)} {escape(PLAIN.get(s, ''))}</td><td class=num>{int(r.documents):,}</td>"
        f"<td class=num>{_money(r.source_amount)}</td><td class=num>{_money(r.qb_amount)}</td></tr>"
        for s, r in totals.iterrows()
    )
    return (
        "<table><tr><th>Status</th><th>Documents</th><th>Source amount</th><th>QuickBooks amount</th></tr>"
        f"{rows}</table>"
    )


def _mismatch_table(mismatches: pd.DataFrame, stories: dict[str, list[dict[str, Any]]]) -> str:
    if mismatches.empty:
        return "<p>None: every document sent is in QuickBooks with the same amount.</p>"
    rows = []
    ordered = mismatches.assign(size=mismatches["source_amount"].abs()).sort_values("size", ascending=False)
    for r in ordered.itertuples(index=False):
        why = _text(r.quarantine_reason) or _text(r.last_error)
        rows.append(
            f"<tr><td>{escape(r.record_key)}{_story(r.record_key, stories.get(r.record_key))}</td>"
            f"<td>{escape(_text(r.document_number))}</td>"
            f"<td>{escape(_text(r.vendor_name))}</td><td>{_badge(r.status)}</td>"
            f"<td class=num>{_money(r.source_amount)}</td><td class=num>{_money(r.qb_amount)}</td>"
            f"<td class=num>{_money(r.difference)}</td><td>{escape(_text(r.qb_txn_id))}</td>"
            f"<td>{escape(why)}</td></tr>"
        )
    return (
        "<table><tr><th>Document</th><th>Number</th><th>Vendor</th><th>Status</th><th>Source</th>"
        "<th>QuickBooks</th><th>Difference</th><th>TxnID</th><th>Reason</th></tr>" + "".join(rows) + "</table>"
    )


def _story(key: str, events: list[dict[str, Any]] | None) -> str:
    """The document's audit story folded under its key (the last events; `qbsync audit KEY` tells it all)."""
    if not events:
        return f"<details><summary>story</summary>qbsync audit {escape(key)}</details>"
    lines = "".join(
        f"<li>{e['occurred_at']:%Y-%m-%d %H:%M:%S} {escape(_text(e['actor']))}: {escape(_text(e['event']))} "
        f"{escape(_text(e['detail']))[:300]}</li>"
        for e in events
    )
    return f"<details><summary>story</summary><ol>{lines}</ol>qbsync audit {escape(key)}</details>"


def _accounted_table(entries: list[Accounted]) -> str:
    titles = {s.name: s.title for s in registry.all_sources()}
    outcomes = [o for o in OUTCOME_COLUMNS if any(e.outcomes[o] for e in entries)]
    head = "".join(f"<th>{escape(OUTCOME_COLUMNS[o])}</th>" for o in outcomes)
    rows = "".join(
        f"<tr><td>{escape(label(e, titles))}</td><td class=num>{e.landed:,}</td>"
        + "".join(f"<td class=num>{e.outcomes[o]:,}</td>" for o in outcomes)
        + f"<td>{escape(', '.join(f'{s} {n}' for s, n in sorted(e.not_eligible.items())))}</td></tr>"
        for e in entries
    )
    return (
        f"<table><tr><th>Documents</th><th>Landed</th>{head}<th>Not eligible: status</th></tr>{rows}</table>"
        if entries
        else "<p>No document staged yet.</p>"
    )


def _causes_table(grouped: pd.DataFrame) -> str:
    if grouped.empty:
        return "<p>Nothing: every document is in QuickBooks with the same amount.</p>"
    rows = "".join(
        f"<tr><td>{escape(str(r.cause))}</td><td class=num>{int(r.documents):,}</td>"
        f"<td class=num>{_money(r.amount)}</td></tr>"
        for r in grouped.itertuples(index=False)
    )
    return f"<table><tr><th>Cause</th><th>Documents</th><th>Source amount</th></tr>{rows}</table>"


def _vendor_table(vendors: pd.DataFrame) -> str:
    rows = "".join(
        f"<tr><td>{escape(str(name))}</td><td class=num>{int(r.documents):,}</td>"
        f"<td class=num>{_money(r.source_amount)}</td><td class=num>{_money(r.qb_amount)}</td>"
        f"<td class=num>{int(r.attention):,}</td></tr>"
        for name, r in vendors.iterrows()
    )
    return (
        "<table><tr><th>Vendor</th><th>Documents</th><th>Source amount</th><th>QuickBooks amount</th>"
        f"<th>Need attention</th></tr>{rows}</table>"
    )


def _failed_writes_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "<tr><th>record</th><th>write</th><th>attempts</th><th>error</th></tr>"
    body = "".join(
        f"<tr><td>{_text(r['record_key'])}</td><td>{_text(r['op'])} {_text(r['target'])}</td>"
        f"<td class=num>{r['attempts']}</td><td>{_text(r['last_error'])}</td></tr>"
        for r in rows
    )
    return f"<table>{head}{body}</table><p class=meta>After the cause is fixed: qbsync replay --key RECORD</p>"

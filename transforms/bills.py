"""Bill drafts in SQL: every source's billable documents (declared kinds and statuses), per company it feeds,
with vendors resolved and lines mapped.

A line's QuickBooks account is the company's mapping of the source's account code, kept only when QuickBooks
has that account (active) in its chart; otherwise NULL, which holds the whole document. The cost centre maps
to a QuickBooks class (optional). A vendor under review leaves qb_vendor_name NULL, which also holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sources import registry
from sources.keys import record_key_sql
from transforms.canonical import CANONICAL, Canonical
from transforms.sqltext import ts
from transforms.vendors import FEEDS

REBUILD = "_bill_rebuild"

_DRAFT_COLUMNS = (
    "company, record_key, source_system, source_kind, source_id, source_version, document_number, "
    "supplier_source_id, vendor_record_key, qb_vendor_name, txn_date, due_date, memo, currency, total_amount, "
    "line_total, built_at"
)
_LINE_COLUMNS = (
    "company, record_key, line_number, account_code, cost_centre, qb_account_name, qb_class_name, description, "
    "quantity, unit_price, amount"
)


@dataclass(frozen=True)
class _Document:
    """How a canonical document kind reads as a bill: its number, date and due-date columns, its memo label."""

    canonical: Canonical
    number: str
    date: str
    due: str
    label: str


_DOCUMENTS = (
    _Document(CANONICAL["purchase_orders"], "po_number", "order_date", "NULL", "PO"),
    _Document(CANONICAL["invoices"], "invoice_number", "invoice_date", "h.due_date", "invoice"),
)


def billable() -> str:
    """SQL derived table (source_system, source_kind, status, title) of the statuses in which each declared source's
    documents become bills."""
    rows = [
        (s.name, CANONICAL[b.canonical].source_kind, status, s.title)
        for s in registry.all_sources()
        for b in s.billable
        for status in b.statuses
    ]
    return registry.values_sql(("source_system", "source_kind", "status", "title"), rows)


def _rebuild_set(since: datetime | None) -> str:
    """Documents (per company) whose draft must be rebuilt: restaged, vendor match changed, or currently held."""
    parts = []
    for doc in _DOCUMENTS:
        c = doc.canonical
        parts.append(
            f"SELECT fed.company, {record_key_sql('h.source_system', c.kind, 'h.source_id')} AS record_key, "
            f"'{c.source_kind}' AS source_kind, h.source_system, h.source_id "
            f"FROM {c.table} h JOIN {FEEDS} fed ON fed.source_system = h.source_system "
            "LEFT JOIN vendor_matches vm ON vm.company = fed.company AND vm.source_system = h.source_system "
            "AND vm.supplier_source_id = h.supplier_source_id "
            f"WHERE h.staged_at > {ts(since)} OR vm.matched_at > {ts(since)}"
        )
    parts.append(
        "SELECT b.company, b.record_key, b.source_kind, b.source_system, b.source_id FROM bill_drafts b "
        "WHERE b.qb_vendor_name IS NULL OR EXISTS (SELECT 1 FROM bill_draft_lines l WHERE l.company = b.company "
        "AND l.record_key = b.record_key AND l.qb_account_name IS NULL)"
    )
    return " UNION ".join(parts)


def build_drafts(since: datetime | None, built_at: datetime) -> list[str]:
    """Statements that rebuild bill_drafts and bill_draft_lines for the documents changed since `since`."""
    stmts = [
        f"DROP TABLE IF EXISTS {REBUILD}",
        f"CREATE TEMP TABLE {REBUILD} AS {_rebuild_set(since)}",
        f"DELETE FROM bill_draft_lines WHERE EXISTS (SELECT 1 FROM {REBUILD} r WHERE r.company = "
        "bill_draft_lines.company AND r.record_key = bill_draft_lines.record_key)",
        f"DELETE FROM bill_drafts WHERE EXISTS (SELECT 1 FROM {REBUILD} r WHERE r.company = bill_drafts.company "
        "AND r.record_key = bill_drafts.record_key)",
    ]
    for doc in _DOCUMENTS:
        c = doc.canonical
        kind = c.source_kind
        stmts.append(
            f"INSERT INTO bill_drafts ({_DRAFT_COLUMNS}) "
            f"SELECT r.company, r.record_key, h.source_system, '{kind}', h.source_id, h.source_version, "
            f"h.{doc.number}, h.supplier_source_id, "
            f"{record_key_sql('h.source_system', CANONICAL['suppliers'].kind, 'h.supplier_source_id')}, "
            "CASE WHEN vm.match_method <> 'review' THEN vm.qb_vendor_name END, "
            f"h.{doc.date}, {doc.due}, bs.title || ' {doc.label} ' || h.{doc.number}, h.currency, h.total_amount, "
            f"lt.line_total, {ts(built_at)} "
            f"FROM {REBUILD} r JOIN {c.table} h ON h.source_system = r.source_system AND h.source_id = r.source_id "
            f"JOIN {billable()} bs ON bs.source_system = h.source_system AND bs.source_kind = '{kind}' "
            "AND bs.status = h.status "
            "LEFT JOIN vendor_matches vm ON vm.company = r.company AND vm.source_system = h.source_system "
            "AND vm.supplier_source_id = h.supplier_source_id "
            f"LEFT JOIN (SELECT source_system, {c.doc_column}, sum(line_amount) AS line_total FROM {c.lines_table} "
            f"GROUP BY source_system, {c.doc_column}) lt ON lt.source_system = h.source_system "
            f"AND lt.{c.doc_column} = h.source_id "
            f"WHERE r.source_kind = '{kind}'"
        )
        stmts.append(
            f"INSERT INTO bill_draft_lines ({_LINE_COLUMNS}) "
            "SELECT r.company, r.record_key, l.line_number, l.account_code, l.cost_centre, am.qb_account_name, "
            "cc.qb_class_name, l.description, l.quantity, l.unit_price, l.line_amount "
            f"FROM {REBUILD} r JOIN bill_drafts b ON b.company = r.company AND b.record_key = r.record_key "
            f"JOIN {c.lines_table} l ON l.source_system = r.source_system AND l.{c.doc_column} = r.source_id "
            "LEFT JOIN account_mappings am ON am.company = r.company AND am.source_system = r.source_system "
            "AND am.source_account_code = l.account_code "
            "LEFT JOIN cost_centre_mappings cc ON cc.company = r.company AND cc.source_system = r.source_system "
            "AND cc.cost_centre = l.cost_centre "
            f"WHERE r.source_kind = '{kind}'"
        )
    stmts.append(f"DROP TABLE {REBUILD}")
    return stmts


HOLD_REASONS = (
    ("vendor_review", "b.qb_vendor_name IS NULL"),
    (
        "unmapped_account",
        "EXISTS (SELECT 1 FROM bill_draft_lines l WHERE l.company = b.company AND l.record_key = b.record_key "
        "AND l.qb_account_name IS NULL)",
    ),
    (
        # mapped, but the company's chart (as last read from QuickBooks) lacks it or has not been read yet
        "account_not_in_quickbooks",
        "EXISTS (SELECT 1 FROM bill_draft_lines l WHERE l.company = b.company AND l.record_key = b.record_key "
        "AND l.qb_account_name IS NOT NULL AND NOT EXISTS (SELECT 1 FROM qb_accounts qa WHERE qa.company = l.company "
        "AND qa.full_name = l.qb_account_name AND qa.is_active IS NOT FALSE))",
    ),
    (
        "no_lines",
        "NOT EXISTS (SELECT 1 FROM bill_draft_lines l WHERE l.company = b.company AND l.record_key = b.record_key)",
    ),
    (
        "quarantined",
        "EXISTS (SELECT 1 FROM quarantine q WHERE q.released_at IS NULL "
        "AND q.record_key IN (b.record_key, b.vendor_record_key) AND q.company IN ('', b.company))",
    ),
)


def ready_condition() -> str:
    """SQL condition on draft `b`: nothing holds it (vendor resolved, every line mapped, not quarantined)."""
    return " AND ".join(f"NOT ({cond})" for _, cond in HOLD_REASONS)


def held_counts() -> str:
    """SQL: (reason, documents) for every hold reason, over all drafts."""
    return " UNION ALL ".join(
        f"SELECT '{reason}' AS reason, count(*) AS documents FROM bill_drafts b WHERE {cond}"
        for reason, cond in HOLD_REASONS
    )

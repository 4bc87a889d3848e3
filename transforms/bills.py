"""Bill drafts in SQL: approved Coupa POs and invoices, per company, with vendors resolved and lines mapped.

A line's QuickBooks account is the company's mapping of the Coupa account code, kept only when QuickBooks
has that account (active) in its chart; otherwise NULL, which holds the whole document. The cost centre maps
to a QuickBooks class (optional). A vendor under review leaves qb_vendor_name NULL, which also holds it.
"""

from __future__ import annotations

from datetime import datetime

from transforms.sqltext import ts
from transforms.vendors import SOURCE, companies_fed_by

BILLABLE_PO_STATUSES = ("issued", "approved", "closed", "soft_closed")  # Coupa: sent to the supplier
BILLABLE_INVOICE_STATUSES = ("approved",)
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

# (source_kind, record key prefix, header table, lines table, lines' document column, number column, date, due)
_KINDS = (
    ("purchase_order", "coupa:po:", "stg_purchase_orders", "stg_po_lines", "po_source_id", "po_number",
     "order_date", "NULL", BILLABLE_PO_STATUSES, "Coupa PO "),
    ("invoice", "coupa:invoice:", "stg_invoices", "stg_invoice_lines", "invoice_source_id", "invoice_number",
     "invoice_date", "h.due_date", BILLABLE_INVOICE_STATUSES, "Coupa invoice "),
)  # fmt: skip


def _statuses(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _rebuild_set(since: datetime | None) -> str:
    """Documents (per company) whose draft must be rebuilt: restaged, vendor match changed, or currently held."""
    parts = []
    for kind, prefix, header, *_ in _KINDS:
        parts.append(
            f"SELECT c.company, '{prefix}' || h.source_id AS record_key, '{kind}' AS source_kind, h.source_id "
            f"FROM {header} h JOIN companies c ON {companies_fed_by()} "
            f"LEFT JOIN vendor_matches vm ON vm.company = c.company AND vm.source_system = '{SOURCE}' "
            "AND vm.supplier_source_id = h.supplier_source_id "
            f"WHERE h.source_system = '{SOURCE}' AND (h.staged_at > {ts(since)} OR vm.matched_at > {ts(since)})"
        )
    parts.append(
        "SELECT b.company, b.record_key, b.source_kind, b.source_id FROM bill_drafts b WHERE b.qb_vendor_name IS NULL "
        "OR EXISTS (SELECT 1 FROM bill_draft_lines l WHERE l.company = b.company AND l.record_key = b.record_key "
        "AND l.qb_account_name IS NULL)"
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
    for kind, _prefix, header, lines, doc_col, number_col, date_col, due, statuses, memo in _KINDS:
        stmts.append(
            f"INSERT INTO bill_drafts ({_DRAFT_COLUMNS}) "
            f"SELECT r.company, r.record_key, '{SOURCE}', '{kind}', h.source_id, h.source_version, h.{number_col}, "
            "h.supplier_source_id, 'coupa:supplier:' || h.supplier_source_id, "
            "CASE WHEN vm.match_method <> 'review' THEN vm.qb_vendor_name END, "
            f"h.{date_col}, {due}, '{memo}' || h.{number_col}, h.currency, h.total_amount, lt.line_total, "
            f"{ts(built_at)} "
            f"FROM {REBUILD} r JOIN {header} h ON h.source_system = '{SOURCE}' AND h.source_id = r.source_id "
            f"LEFT JOIN vendor_matches vm ON vm.company = r.company AND vm.source_system = '{SOURCE}' "
            "AND vm.supplier_source_id = h.supplier_source_id "
            f"LEFT JOIN (SELECT {doc_col}, sum(line_amount) AS line_total FROM {lines} "
            f"WHERE source_system = '{SOURCE}' GROUP BY {doc_col}) lt ON lt.{doc_col} = h.source_id "
            f"WHERE r.source_kind = '{kind}' AND h.status IN ({_statuses(statuses)})"
        )
        stmts.append(
            f"INSERT INTO bill_draft_lines ({_LINE_COLUMNS}) "
            "SELECT r.company, r.record_key, l.line_number, l.account_code, l.cost_centre, am.qb_account_name, "
            "cc.qb_class_name, l.description, l.quantity, l.unit_price, l.line_amount "
            f"FROM {REBUILD} r JOIN bill_drafts b ON b.company = r.company AND b.record_key = r.record_key "
            f"JOIN {lines} l ON l.source_system = '{SOURCE}' AND l.{doc_col} = r.source_id "
            f"LEFT JOIN account_mappings am ON am.company = r.company AND am.source_system = '{SOURCE}' "
            "AND am.source_account_code = l.account_code "
            f"LEFT JOIN cost_centre_mappings cc ON cc.company = r.company AND cc.source_system = '{SOURCE}' "
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

"""The blocking rules as set-wise SQL over bill drafts: each yields (company, record_key, field, reason) per fault."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from sources import registry
from sources.keys import record_key_sql, system_of_sql
from transforms.bills import purchase_key, taxed_company
from transforms.cancellations import cancelled_bills
from transforms.items import item_name
from transforms.policy import setting
from transforms.requests import payment_details
from transforms.vendors import FEEDS
from warehouse.states import Request, sql_list
from warehouse.store import Conn

FAULT_COLUMNS = ["company", "record_key", "field", "reason"]


@dataclass(frozen=True)
class Rule:
    """A blocking rule: `find(conn, company)` returns one row per fault (FAULT_COLUMNS).

    A `static` rule finds a draft's faults in that draft and its own lines alone (and in its company's fixed
    country and qbXML version), which change only when the draft is rebuilt: `find(conn, company, drafts)` then
    looks at the drafts listed in the table `drafts` (company, record_key) only."""

    name: str
    description: str
    find: Callable[..., pd.DataFrame]
    static: bool = False


def scoped(sql: str, company: str | None, alias: str = "d", drafts: str | None = None) -> tuple[str, list]:
    """`sql` with its `{scope}` placeholder limited to one company (or all) and, with `drafts`, to the drafts that
    table lists, and the parameters to pass."""
    listed = ""
    if drafts:
        listed = (
            f" AND EXISTS (SELECT 1 FROM {drafts} x WHERE x.company = {alias}.company "
            f"AND x.record_key = {alias}.record_key)"
        )
    if company is None:
        return sql.format(scope=f"TRUE{listed}"), []
    return sql.format(scope=f"{alias}.company = ?{listed}"), [company] * sql.count("{scope}")


def _faults(conn: Conn, sql: str, company: str | None, drafts: str | None = None) -> pd.DataFrame:
    text, params = scoped(sql, company, drafts=drafts)
    rows = conn.fetchall(text, params)
    return pd.DataFrame(rows, columns=FAULT_COLUMNS)


_ACCOUNT_MAPPED = """
SELECT l.company, l.record_key,
       'lines[' || CAST(l.line_number AS TEXT) || '].account_code',
       CASE WHEN l.qb_account_name IS NULL THEN
                'line ' || CAST(l.line_number AS TEXT) || ': source account '
                || COALESCE('''' || l.account_code || '''', '(none)') || ' has no QuickBooks account mapping'
            WHEN a.full_name IS NULL THEN
                'line ' || CAST(l.line_number AS TEXT) || ': QuickBooks account ''' || l.qb_account_name
                || ''' (mapped from ' || COALESCE('''' || l.account_code || '''', '(none)')
                || ') does not exist in the company file'
            ELSE 'line ' || CAST(l.line_number AS TEXT) || ': QuickBooks account ''' || l.qb_account_name
                || ''' is inactive'
       END
FROM bill_draft_lines l
JOIN bill_drafts d ON d.company = l.company AND d.record_key = l.record_key
LEFT JOIN (
    SELECT company, lower(full_name) AS name, max(full_name) AS full_name, bool_or(COALESCE(is_active, TRUE)) AS active
    FROM qb_accounts GROUP BY company, lower(full_name)
) a ON a.company = l.company AND a.name = lower(l.qb_account_name)
WHERE {scope} AND (
    l.qb_account_name IS NULL
    -- before the company's chart of accounts has been read from QuickBooks the document is pending, not faulty
    OR ((a.full_name IS NULL OR NOT a.active) AND EXISTS (SELECT 1 FROM qb_accounts k WHERE k.company = l.company))
)
ORDER BY l.company, l.record_key, l.line_number
"""

_VENDOR_RESOLVED = f"""
SELECT company, record_key, 'supplier_source_id', reason FROM (
    SELECT d.company, d.record_key,
           CASE WHEN d.supplier_source_id IS NULL THEN 'the document names no supplier'
                WHEN m.supplier_source_id IS NULL THEN
                    'supplier ' || d.supplier_source_id || ' has no QuickBooks vendor match yet'
                WHEN m.match_method = 'review' THEN
                    'supplier ' || d.supplier_source_id || ' (' || m.qb_vendor_name
                    || ') is held for review before a QuickBooks vendor is created'
                WHEN m.match_method = 'create' AND (COALESCE(c.vendor_policy, 'create') = 'review'
                    OR {setting("vendor_policy", "d.company", "d.source_system")} = 'review') THEN
                    'supplier ' || d.supplier_source_id || ' (' || m.qb_vendor_name
                    || ') is new and the company''s vendor policy is review'
                WHEN m.match_method <> 'create' AND m.qb_list_id IS NULL THEN
                    'supplier ' || d.supplier_source_id || ' matched by ' || m.match_method
                    || ' but no QuickBooks ListID is known'
           END AS reason
    FROM bill_drafts d
    LEFT JOIN vendor_matches m ON m.company = d.company AND m.source_system = d.source_system
        AND m.supplier_source_id = d.supplier_source_id
    LEFT JOIN companies c ON c.company = d.company
    WHERE {{scope}}
) f WHERE reason IS NOT NULL
ORDER BY company, record_key
"""

# A PO the company keeps in QuickBooks as a PurchaseOrder (bill_on = invoice) needs an item on every line: the
# company's item mapping of the line's source account code, else the item qbsync adds for its QuickBooks account
# (transforms.items): held until that item is in QuickBooks; an unmapped account holds it until it is mapped.
_ITEM_MAPPED = f"""
SELECT l.company, l.record_key,
       'lines[' || CAST(l.line_number AS TEXT) || '].account_code',
       'line ' || CAST(l.line_number AS TEXT) || ': source account '
       || COALESCE('''' || l.account_code || '''', '(none)')
       || CASE WHEN l.qb_account_name IS NULL
               THEN ' has no QuickBooks account mapping, so no item: a QuickBooks purchase order line needs one '
                   || '(qbsync mappings import accounts, or items)'
               ELSE ' (QuickBooks account ''' || l.qb_account_name || ''') has no QuickBooks item mapping: the PO '
                   || 'waits for item ''' || {item_name("l.qb_account_name")} || ''', which qbsync adds for that '
                   || 'account (or map one: qbsync mappings import items)' END
FROM bill_draft_lines l
JOIN bill_drafts d ON d.company = l.company AND d.record_key = l.record_key
WHERE {{scope}} AND d.source_kind = 'purchase_order' AND d.bill_on = 'invoice' AND l.qb_item_name IS NULL
ORDER BY l.company, l.record_key, l.line_number
"""

_TOTALS_MATCH = """
SELECT company, record_key, 'total_amount',
       CASE WHEN line_count = 0 THEN 'the document has no lines'
            WHEN total_amount IS NULL THEN 'the document total is missing'
            ELSE 'document total ' || CAST(total_amount AS TEXT) || ' differs from the sum of its lines '
                || CAST(line_sum AS TEXT) || ' by ' || CAST(ABS(total_amount - line_sum) AS TEXT)
       END
FROM (
    SELECT d.company, d.record_key, d.total_amount, count(l.record_key) AS line_count,
           CAST(COALESCE(sum(l.amount), 0) AS DECIMAL(18,2)) AS line_sum
    FROM bill_drafts d
    LEFT JOIN bill_draft_lines l ON l.company = d.company AND l.record_key = d.record_key
    WHERE {scope}
    GROUP BY d.company, d.record_key, d.total_amount
) s
WHERE line_count = 0 OR total_amount IS NULL OR ABS(total_amount - line_sum) > 0.01
ORDER BY company, record_key
"""

# Two drafts with the same RefNumber for the same vendor would be two bills finance cannot tell apart; a bill
# with that RefNumber already in QuickBooks that qbsync did not create means it was keyed in by hand. Bills and
# vendor credits are apart: a credit memo may share its number with an invoice of the same vendor.
_TAKEN_IN_QUICKBOOKS = """
SELECT d.company, d.record_key, 'document_number',
       'RefNumber ''' || d.document_number || ''' for vendor ''' || d.qb_vendor_name
       || ''' already exists in QuickBooks as {what}TxnID ' || min(b.txn_id) || ', which qbsync did not create'
FROM bill_drafts d
JOIN {table} b ON b.company = d.company AND b.ref_number = d.document_number
    AND lower(b.vendor_name) = lower(d.qb_vendor_name)
WHERE {{scope}} AND d.credit IS {credit}
    AND NOT EXISTS (SELECT 1 FROM qbxml_outbox o WHERE o.company = d.company AND o.record_key = d.record_key)
    AND NOT EXISTS (SELECT 1 FROM qbxml_outbox o WHERE o.company = b.company AND o.qb_id = b.txn_id)
GROUP BY d.company, d.record_key, d.document_number, d.qb_vendor_name
"""
_DEDUP_UNIQUE = f"""
SELECT d.company, d.record_key, 'document_number',
       'RefNumber ''' || d.document_number || ''' for vendor '''
       || COALESCE(d.qb_vendor_name, d.supplier_source_id, '?') || ''' is also used by '
       || string_agg(o.record_key, ', ' ORDER BY o.record_key)
FROM bill_drafts d
JOIN bill_drafts o ON o.company = d.company AND o.record_key <> d.record_key
    AND o.document_number = d.document_number AND COALESCE(o.credit, FALSE) = COALESCE(d.credit, FALSE)
    AND lower(COALESCE(o.qb_vendor_name, o.supplier_source_id, ''))
        = lower(COALESCE(d.qb_vendor_name, d.supplier_source_id, ''))
-- a document without a number is held for that by staging; two of them are not one RefNumber used twice
WHERE {{scope}} AND d.document_number <> ''
GROUP BY d.company, d.record_key, d.document_number, d.qb_vendor_name, d.supplier_source_id
UNION ALL
{_TAKEN_IN_QUICKBOOKS.format(what="", table="qb_bills", credit="NOT TRUE")}
UNION ALL
{_TAKEN_IN_QUICKBOOKS.format(what="vendor credit ", table="qb_vendor_credits", credit="TRUE")}
ORDER BY 1, 2
"""

_AMOUNTS_NON_NEGATIVE = """
SELECT d.company, d.record_key, 'total_amount',
       CASE WHEN d.credit THEN 'credit memo total ' || CAST(-d.total_amount AS TEXT)
                || ' is above zero: it adds to what is owed, so QuickBooks needs a bill, not a vendor credit'
            ELSE 'document total ' || CAST(d.total_amount AS TEXT)
                || ' is negative: QuickBooks needs a vendor credit, not a bill' END
FROM bill_drafts d WHERE {scope} AND d.total_amount < 0
UNION ALL
SELECT company, record_key, 'lines[' || CAST(line_number AS TEXT) || '].' || field,
       'line ' || CAST(line_number AS TEXT) || ': ' || problem FROM (
    SELECT l.company, l.record_key, l.line_number,
           CASE WHEN l.amount IS NULL THEN 'amount' WHEN l.quantity < 0 THEN 'quantity'
                WHEN l.unit_price < 0 THEN 'unit_price' WHEN l.amount < 0 THEN 'amount' END AS field,
           CASE WHEN l.amount IS NULL THEN 'amount is missing'
                WHEN l.quantity < 0 THEN 'quantity ' || CAST(l.quantity AS TEXT) || ' is negative'
                WHEN l.unit_price < 0 THEN 'unit price ' || CAST(l.unit_price AS TEXT) || ' is negative'
                WHEN l.amount < 0 THEN 'amount ' || CAST(l.amount AS TEXT) || ' is negative'
           END AS problem
    FROM bill_draft_lines l JOIN bill_drafts d ON d.company = l.company AND d.record_key = l.record_key
    WHERE {scope}
) f WHERE problem IS NOT NULL
ORDER BY 1, 2, 3
"""


def _tax_code_mapped() -> str:
    return f"""
SELECT l.company, l.record_key,
       'lines[' || CAST(l.line_number AS TEXT) || '].tax_code',
       'line ' || CAST(l.line_number AS TEXT) || ': '
       || CASE WHEN l.tax_code IS NULL THEN 'the source states no tax code, which this '
               ELSE 'source tax code ''' || l.tax_code || ''' has no QuickBooks sales tax code mapping for this '
          END || co.country || ' company file requires on every line (its edition takes purchase tax)'
FROM bill_draft_lines l
JOIN bill_drafts d ON d.company = l.company AND d.record_key = l.record_key
JOIN companies co ON co.company = l.company
WHERE {{scope}} AND l.qb_sales_tax_code IS NULL AND {taxed_company("l.company")}
ORDER BY l.company, l.record_key, l.line_number
"""


def tax_code_mapped(conn: Conn, company: str | None, drafts: str | None = None) -> pd.DataFrame:
    return _faults(conn, _tax_code_mapped(), company, drafts)


_INVOICE_MATCHES_PO = f"""
SELECT d.company, d.record_key, 'lines',
       'invoice ' || d.document_number || ' (' || d.record_key || ') differs from PO ' || p.document_number
       || ' (' || p.record_key || '), whose bill books the purchase: ' || d.po_difference
       || '; the company holds such invoices for review (invoice_difference = hold)'
FROM bill_drafts d
JOIN bill_drafts p ON p.company = d.company AND p.record_key = d.booked_on
WHERE {{scope}} AND d.po_difference IS NOT NULL
    AND {setting("invoice_difference", "d.company", "d.source_system")} = 'hold'
ORDER BY 1, 2
"""

# bill_on = po: an invoice whose lines name a PO the warehouse has not staged yet waits for it (billing it alone
# would book the purchase twice once the PO arrives).
_INVOICE_PO_KNOWN = f"""
SELECT d.company, d.record_key, 'lines.po-number',
       'invoice ' || d.document_number || ' names PO ' || min(l.po_number)
       || ', which is not in the warehouse yet: it is booked on that PO''s bill once the PO arrives'
FROM bill_drafts d
JOIN stg_invoice_lines l ON l.source_system = d.source_system AND l.invoice_source_id = d.source_id
WHERE {{scope}} AND d.source_kind = 'invoice' AND d.credit IS NOT TRUE AND d.po_record_key IS NULL
    AND l.po_number IS NOT NULL
    AND l.po_number <> '' AND {setting("bill_on", "d.company", "d.source_system")} = 'po'
GROUP BY d.company, d.record_key, d.document_number
ORDER BY 1, 2
"""

# A document that would be (or is) a bill of its own while another document of the same purchase, one of the two
# a PO, already is: the purchase would be in accounts payable twice. The later of the two is held.
_BOOKED_ONCE = f"""
WITH own AS (
    SELECT b.company, b.record_key, b.source_kind, b.document_number, {purchase_key("b")} AS purchase
    FROM bill_drafts b WHERE b.booked_on IS NULL AND b.credit IS NOT TRUE
        AND (b.source_kind <> 'purchase_order' OR b.bill_on = 'po'
        -- a PO billed before the company switched to bill_on = invoice still books its purchase
        OR EXISTS (SELECT 1 FROM qbxml_outbox o WHERE o.company = b.company AND o.record_key = b.record_key
                   AND o.op = 'BillAdd' AND o.status NOT IN {sql_list(Request.SUPERSEDED, Request.FAILED)}))
),
requested AS (
    SELECT o.company, o.record_key, min(o.created_at) AS created_at, min(o.request_id) AS request_id,
           max(CASE WHEN o.status = '{Request.DONE}' THEN o.qb_id END) AS txn_id
    FROM qbxml_outbox o WHERE o.op = 'BillAdd' AND o.status NOT IN {sql_list(Request.SUPERSEDED, Request.FAILED)}
    GROUP BY o.company, o.record_key
)
SELECT d.company, d.record_key, 'record_key',
       'purchase ' || min(x.purchase) || ' is already booked on '
       || min(CASE WHEN xr.txn_id IS NOT NULL THEN 'QuickBooks bill ' || xr.txn_id ELSE 'a queued bill' END)
       || ' from ' || min(x.record_key) || ' (RefNumber ' || min(x.document_number) || '); a bill for '
       || d.record_key || ' too would book it twice'
FROM own d
JOIN own x ON x.company = d.company AND x.purchase = d.purchase AND x.record_key <> d.record_key
    AND 'purchase_order' IN (d.source_kind, x.source_kind)
JOIN requested xr ON xr.company = x.company AND xr.record_key = x.record_key
LEFT JOIN requested dr ON dr.company = d.company AND dr.record_key = d.record_key
WHERE {{scope}} AND (dr.record_key IS NULL OR dr.created_at > xr.created_at
                    OR (dr.created_at = xr.created_at AND dr.request_id > xr.request_id))
GROUP BY d.company, d.record_key
ORDER BY 1, 2
"""


_CANCELLED_AFTER_BOOKING = f"""
SELECT d.company, d.record_key, 'status',
       d.document_number || ' is ' || d.status || ' in the source, but QuickBooks booked it as bill TxnID '
       || d.txn_id || CASE WHEN d.paid THEN ', which is already paid: a paid bill is never voided by qbsync; '
                               || 'AP must reverse the payment or take a vendor credit'
                           ELSE ' (unpaid): void it in QuickBooks, or let qbsync void it '
                               || '(qbsync company set ' || d.company || ' --on-cancel void)' END
FROM ({cancelled_bills()}) d
WHERE {{scope}} AND NOT d.voided
    AND (d.paid OR COALESCE({setting("on_cancel", "d.company", "d.source_system")}, 'hold') <> 'void')
ORDER BY 1, 2
"""


def account_mapped(conn: Conn, company: str | None) -> pd.DataFrame:
    return _faults(conn, _ACCOUNT_MAPPED, company)


def item_mapped(conn: Conn, company: str | None, drafts: str | None = None) -> pd.DataFrame:
    return _faults(conn, _ITEM_MAPPED, company, drafts)


def vendor_resolved(conn: Conn, company: str | None) -> pd.DataFrame:
    return _faults(conn, _VENDOR_RESOLVED, company)


def totals_match(conn: Conn, company: str | None, drafts: str | None = None) -> pd.DataFrame:
    return _faults(conn, _TOTALS_MATCH, company, drafts)


def dedup_unique(conn: Conn, company: str | None) -> pd.DataFrame:
    return _faults(conn, _DEDUP_UNIQUE, company)


def amounts_non_negative(conn: Conn, company: str | None, drafts: str | None = None) -> pd.DataFrame:
    return _faults(conn, _AMOUNTS_NON_NEGATIVE, company, drafts)


def _invoice_labels() -> str:
    """(source_system, prefix, suffix) per source: how a reason names the field a payment (detail) names its invoice
    by, from the declaration (`Entity.labels["invoice_source_id"]`): prefix || line number || suffix, or prefix."""
    rows = []
    for source in registry.all_sources():
        found = source.entity_for("payments")
        if found is None:
            continue
        entity = found[1]
        label = entity.labels.get("invoice_source_id", "invoice_source_id")
        rows.append(
            (source.name, f"{entity.lines_key}[", f"].{label}") if entity.lines_key else (source.name, label, None)
        )
    return registry.values_sql(("source_system", "prefix", "suffix"), rows)


def _payment_invoices_billed() -> str:
    return f"""
SELECT d.company, {record_key_sql("x.source_system", "payment", "x.payment_source_id")},
       CASE WHEN lbl.suffix IS NULL THEN coalesce(lbl.prefix, 'invoice_source_id')
            ELSE lbl.prefix || CAST(x.line_number AS TEXT) || lbl.suffix END,
       'payment detail ' || CAST(x.line_number AS TEXT) || ' pays ' || COALESCE(CAST(x.amount AS TEXT), '?')
       || ' to invoice ' || COALESCE(x.invoice_source_id, '(none)') || ', which '
       || CASE WHEN x.invoice_source_id IS NULL THEN 'the payment does not name'
               WHEN i.source_id IS NULL THEN 'is not in the warehouse (not landed from ' || x.source_system || ')'
               ELSE 'is not a bill of this company (invoice status ' || COALESCE(i.status, '?') || ')'
          END
FROM companies d
JOIN {FEEDS} fed ON fed.company = d.company
JOIN ({payment_details()}) x ON x.source_system = fed.source_system
LEFT JOIN stg_invoices i ON i.source_system = x.source_system AND i.source_id = x.invoice_source_id
LEFT JOIN {_invoice_labels()} lbl ON lbl.source_system = {system_of_sql("x.source_system")}
WHERE {{scope}} AND NOT EXISTS (
    SELECT 1 FROM bill_drafts b WHERE b.company = d.company AND b.source_system = x.source_system
    AND b.source_kind = 'invoice' AND b.source_id = x.invoice_source_id
)
ORDER BY 1, 2, 3
"""


def invoice_matches_po(conn: Conn, company: str | None) -> pd.DataFrame:
    return _faults(conn, _INVOICE_MATCHES_PO, company)


def cancelled_after_booking(conn: Conn, company: str | None) -> pd.DataFrame:
    return _faults(conn, _CANCELLED_AFTER_BOOKING, company)


def invoice_po_known(conn: Conn, company: str | None) -> pd.DataFrame:
    return _faults(conn, _INVOICE_PO_KNOWN, company)


def booked_once(conn: Conn, company: str | None) -> pd.DataFrame:
    return _faults(conn, _BOOKED_ONCE, company)


def payment_invoices_billed(conn: Conn, company: str | None) -> pd.DataFrame:
    """A payment detail whose invoice is no bill in the company holds the whole payment (no money dropped)."""
    return _faults(conn, _payment_invoices_billed(), company)

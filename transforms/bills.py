"""Bill drafts in SQL: every source's billable documents (declared kinds and statuses), per company it feeds,
with vendors resolved and lines mapped.

For a company whose QuickBooks edition takes purchase tax (qbxml/editions.json: CA, UK) each line also carries
the company's mapping of its source tax code onto a QuickBooks sales tax code; an unmapped one holds the document.

Each purchase is booked once. With the company's `bill_on = po` for the source, an invoice against a PO that is a
bill is booked on that PO's bill (`booked_on`), never on one of its own; when its lines differ from the PO's (per
account and cost centre), `invoice_difference = adjust` makes the PO's bill the invoiced lines (a new `revision`,
so a BillMod), `hold` leaves the PO's bill and the data checks hold the invoice. An invoice without a billed PO is
a bill of its own. The invoice's PO is resolved from its lines whichever of the two was staged first.

A credit memo (a document in one of its kind's `credits` statuses) is a draft with `credit` true: a QuickBooks
VendorCredit, never a bill and never booked on another's bill, whose total, line amounts and quantities are the
source's with the sign turned (a credit of 100 where the source states -100), so the same checks hold it.

A line's QuickBooks account is the company's mapping of the source's account code, kept only when QuickBooks
has that account (active) in its chart; otherwise NULL, which holds the whole document. Its item (what a QuickBooks
PO line needs) is the company's item mapping of the code, else the item created for its QuickBooks account
(transforms.items). The cost centre maps
to a QuickBooks class (optional). A vendor under review leaves qb_vendor_name NULL, which also holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from qbxml.editions import purchase_tax_countries
from sources import registry
from sources.keys import record_key_sql, system_of_sql
from transforms.canonical import CANONICAL, Canonical
from transforms.items import created_items
from transforms.policy import setting
from transforms.sqltext import ts
from transforms.vendors import FEEDS
from warehouse.states import Request

REBUILD = "_bill_rebuild"
PO_INVOICES = "_po_invoices"  # invoices booked on a rebuilt PO's bill that can be compared with it
PO_INVOICED = "_po_invoiced"  # per such PO: ordered and invoiced totals, accounts that differ
# Holds that are the outcome of the booking itself, so they never take an invoice out of the comparison.
BOOKING_CHECKS = ("invoice_matches_po", "invoice_po_known", "booked_once")
PO_KIND = CANONICAL["purchase_orders"].kind
INVOICE_KIND = CANONICAL["invoices"].kind

_DRAFT_COLUMNS = (
    "company, record_key, source_system, source_kind, source_id, source_version, document_number, "
    "supplier_source_id, vendor_record_key, qb_vendor_name, txn_date, due_date, memo, currency, total_amount, "
    "line_total, built_at, po_record_key, booked_on, revision, bill_on, credit"
)
_LINE_COLUMNS = (
    "company, record_key, line_number, account_code, cost_centre, qb_account_name, qb_class_name, description, "
    "quantity, unit_price, amount, tax_code, qb_sales_tax_code, qb_item_name, po_number, po_line_number"
)


_PO_OF_INVOICE = (
    f"CASE WHEN h.po_source_id IS NOT NULL THEN {record_key_sql('h.source_system', PO_KIND, 'h.po_source_id')} END"
)
# bill_on = po: booked on the PO's bill when the PO is a draft of the company (or its bill is in QuickBooks, even
# if the PO was cancelled since), unless the invoice is already a bill of its own in QuickBooks (then the
# `booked_once` check holds the PO instead).
_BOOKED_ON = (
    f"CASE WHEN {setting('bill_on', 'r.company', 'h.source_system')} = 'po' AND (EXISTS (SELECT 1 FROM bill_drafts p "
    f"WHERE p.company = r.company AND p.record_key = {_PO_OF_INVOICE}) OR EXISTS (SELECT 1 FROM qbxml_outbox po "
    f"WHERE po.company = r.company AND po.record_key = {_PO_OF_INVOICE} AND po.op = 'BillAdd' "
    f"AND po.status = '{Request.DONE}')) AND NOT EXISTS (SELECT 1 FROM qbxml_outbox o "
    f"WHERE o.company = r.company AND o.record_key = r.record_key AND o.op = 'BillAdd' "
    f"AND o.status = '{Request.DONE}') "
    f"THEN {_PO_OF_INVOICE} END"
)


@dataclass(frozen=True)
class _Document:
    """How a canonical document kind reads as a bill: its number, date and due-date columns, its memo label, the
    PO it invoices and the draft whose bill books it (SQL over `h`, `r`)."""

    canonical: Canonical
    number: str
    date: str
    due: str
    label: str
    po: str = "NULL"
    booked_on: str = "NULL"
    line_po: str = "NULL, NULL"  # a line's PO number and PO line (SQL over `l`, its staged line)


_DOCUMENTS = (
    _Document(CANONICAL["purchase_orders"], "po_number", "order_date", "NULL", "PO"),
    _Document(
        CANONICAL["invoices"],
        "invoice_number",
        "invoice_date",
        "h.due_date",
        "invoice",
        _PO_OF_INVOICE,
        _BOOKED_ON,
        "l.po_number, l.po_line_number",
    ),
)


def billable() -> str:
    """SQL derived table (source_system, source_kind, status, title, txn) of the statuses in which each declared
    source's documents become bills (txn 'Bill') or vendor credits (txn 'VendorCredit')."""
    rows = [
        (s.name, CANONICAL[b.canonical].source_kind, status, s.title, txn)
        for s in registry.all_sources()
        for b in s.billable
        for txn, statuses in (("Bill", b.statuses), ("VendorCredit", b.credits))
        for status in statuses
    ]
    return registry.values_sql(("source_system", "source_kind", "status", "title", "txn"), rows)


CREDIT = "(bs.txn = 'VendorCredit')"  # on a row of billable() `bs`: the document is a vendor credit


def _signed(expr: str, credit: str) -> str:
    """SQL: `expr` as the QuickBooks transaction states it: with the sign turned when `credit` holds."""
    return f"CASE WHEN {credit} THEN -({expr}) ELSE {expr} END"


def taxed_company(company: str) -> str:
    """SQL condition: the company `company` (an SQL expression) is a file of an edition that takes purchase tax."""
    countries = ", ".join(f"'{c}'" for c in purchase_tax_countries()) or "NULL"
    return f"EXISTS (SELECT 1 FROM companies co WHERE co.company = {company} AND co.country IN ({countries}))"


def _lacks_tax_code(line: str) -> str:
    """SQL condition on bill_draft_lines `line`: its company takes purchase tax and the line has no mapped code."""
    return f"{line}.qb_sales_tax_code IS NULL AND {taxed_company(f'{line}.company')}"


def _rebuild_set(since: datetime | None) -> str:
    """Documents (per company) whose draft must be rebuilt: restaged, vendor match changed, hold changed, policy
    changed, or currently held (a vendor, account, tax code or, on a PO kept in QuickBooks, an item unmapped)."""
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
        f"WHERE coalesce(b.bill_on, '') <> coalesce({setting('bill_on', 'b.company', 'b.source_system')}, '')"
    )
    parts.append(
        "SELECT b.company, b.record_key, b.source_kind, b.source_system, b.source_id FROM bill_drafts b "
        "JOIN quarantine q ON q.record_key = b.record_key AND q.company IN ('', b.company) "
        f"WHERE q.detected_at > {ts(since)} OR q.released_at > {ts(since)}"
    )
    parts.append(
        "SELECT b.company, b.record_key, b.source_kind, b.source_system, b.source_id FROM bill_drafts b "
        "WHERE b.qb_vendor_name IS NULL OR EXISTS (SELECT 1 FROM bill_draft_lines l WHERE l.company = b.company "
        f"AND l.record_key = b.record_key AND (l.qb_account_name IS NULL OR {_lacks_tax_code('l')} "
        f"OR (l.qb_item_name IS NULL AND b.source_kind = '{CANONICAL['purchase_orders'].source_kind}' "
        "AND b.bill_on = 'invoice')))"
    )
    return " UNION ".join(parts)


def build_drafts(since: datetime | None, built_at: datetime) -> list[str]:
    """Statements that rebuild bill_drafts and bill_draft_lines for the documents changed since `since`. They leave
    the temporary table REBUILD (company, record_key, ...: the drafts rebuilt or removed) for the data checks that
    follow in the same transaction; DROP it after them."""
    stmts = [
        f"DROP TABLE IF EXISTS {REBUILD}",
        f"CREATE TEMP TABLE {REBUILD} AS {_rebuild_set(since)}",
        *_with_purchase_partners(),
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
            f"h.{doc.date}, {doc.due}, bs.title || ' {doc.label} ' || h.{doc.number}, h.currency, "
            f"{_signed('h.total_amount', CREDIT)}, {_signed('lt.line_total', CREDIT)}, {ts(built_at)}, {doc.po}, "
            f"CASE WHEN NOT {CREDIT} THEN {doc.booked_on} END, CAST(h.source_version AS TEXT), "
            f"{setting('bill_on', 'r.company', 'h.source_system')}, {CREDIT} "
            f"FROM {REBUILD} r JOIN {c.table} h ON h.source_system = r.source_system AND h.source_id = r.source_id "
            f"JOIN {billable()} bs ON bs.source_system = {system_of_sql('h.source_system')} "
            f"AND bs.source_kind = '{kind}' AND bs.status = h.status "
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
            f"cc.qb_class_name, l.description, {_signed('l.quantity', 'b.credit')}, l.unit_price, "
            f"{_signed('l.line_amount', 'b.credit')}, l.tax_code, "
            f"CASE WHEN {taxed_company('r.company')} THEN tm.qb_sales_tax_code END, "
            f"coalesce(im.qb_item_name, ci.qb_item_name), {doc.line_po} "
            f"FROM {REBUILD} r JOIN bill_drafts b ON b.company = r.company AND b.record_key = r.record_key "
            f"JOIN {c.lines_table} l ON l.source_system = r.source_system AND l.{c.doc_column} = r.source_id "
            "LEFT JOIN account_mappings am ON am.company = r.company AND am.source_system = r.source_system "
            "AND am.source_account_code = l.account_code "
            "LEFT JOIN cost_centre_mappings cc ON cc.company = r.company AND cc.source_system = r.source_system "
            "AND cc.cost_centre = l.cost_centre "
            "LEFT JOIN tax_code_mappings tm ON tm.company = r.company AND tm.source_system = r.source_system "
            "AND tm.source_tax_code = l.tax_code "
            "LEFT JOIN item_mappings im ON im.company = r.company AND im.source_system = r.source_system "
            "AND im.source_account_code = l.account_code "
            f"LEFT JOIN {created_items()} ci ON ci.company = r.company AND ci.qb_account_name = am.qb_account_name "
            f"WHERE r.source_kind = '{kind}'"
        )
    stmts += _compare_with_po()
    return stmts


def _with_purchase_partners() -> list[str]:
    """Add to the rebuild set the PO of every invoice in it, then every invoice of every PO in it (a PO's bill
    depends on its invoices, and an invoice's booking on its PO)."""
    absent = f"NOT EXISTS (SELECT 1 FROM {REBUILD} x WHERE x.company = r.company AND x.record_key = {{key}})"
    po_key = record_key_sql("i.source_system", PO_KIND, "i.po_source_id")
    invoice_key = record_key_sql("i.source_system", INVOICE_KIND, "i.source_id")
    po, invoice = CANONICAL["purchase_orders"].source_kind, CANONICAL["invoices"].source_kind
    return [
        f"INSERT INTO {REBUILD} SELECT DISTINCT r.company, {po_key}, '{po}', i.source_system, i.po_source_id "
        f"FROM {REBUILD} r JOIN stg_invoices i ON i.source_system = r.source_system AND i.source_id = r.source_id "
        f"WHERE r.source_kind = '{invoice}' AND i.po_source_id IS NOT NULL AND {absent.format(key=po_key)}",
        f"INSERT INTO {REBUILD} SELECT DISTINCT r.company, {invoice_key}, '{invoice}', i.source_system, i.source_id "
        f"FROM {REBUILD} r JOIN stg_invoices i ON i.source_system = r.source_system "
        f"AND i.po_source_id = r.source_id WHERE r.source_kind = '{po}' AND {absent.format(key=invoice_key)}",
    ]


def _compare_with_po() -> list[str]:
    """Compare each rebuilt PO with the invoices booked on its bill (per account and cost centre), note the
    difference on those invoices, and with invoice_difference = adjust make the PO's draft the invoiced lines.

    An invoice whose own total disagrees with its lines, or held for another reason, is left out: a faulty
    document never reaches the PO's bill."""
    booking = ", ".join(f"'{c}'" for c in BOOKING_CHECKS)
    return [
        f"DROP TABLE IF EXISTS {PO_INVOICES}",
        f"CREATE TEMP TABLE {PO_INVOICES} AS SELECT b.company, b.booked_on AS po_key, b.record_key, b.source_id, "
        f"b.source_version, b.document_number FROM bill_drafts b JOIN {REBUILD} r ON r.company = b.company "
        "AND r.record_key = b.booked_on JOIN bill_drafts po ON po.company = b.company AND po.record_key = b.booked_on "
        "WHERE b.total_amount IS NOT NULL AND b.line_total IS NOT NULL "
        "AND abs(b.total_amount - b.line_total) <= 0.01 AND NOT EXISTS (SELECT 1 FROM quarantine q "
        "WHERE q.released_at IS NULL AND q.record_key = b.record_key AND q.company IN ('', b.company) "
        f"AND q.check_name NOT IN ({booking}))",
        f"DROP TABLE IF EXISTS {PO_INVOICED}",
        f"CREATE TEMP TABLE {PO_INVOICED} AS SELECT company, po_key, sum(ordered) AS ordered, "
        "sum(invoiced) AS invoiced, count(CASE WHEN ordered <> invoiced THEN 1 END) AS accounts_differing "
        "FROM (SELECT company, po_key, account, sum(ordered) AS ordered, sum(invoiced) AS invoiced FROM ("
        "SELECT l.company, l.record_key AS po_key, coalesce(l.account_code, '') || '|' || "
        "coalesce(l.cost_centre, '') AS account, l.amount AS ordered, 0 AS invoiced FROM bill_draft_lines l "
        f"JOIN (SELECT DISTINCT company, po_key FROM {PO_INVOICES}) p ON p.company = l.company "
        "AND p.po_key = l.record_key UNION ALL "
        "SELECT i.company, i.po_key, coalesce(l.account_code, '') || '|' || coalesce(l.cost_centre, ''), 0, "
        f"l.amount FROM {PO_INVOICES} i JOIN bill_draft_lines l ON l.company = i.company "
        "AND l.record_key = i.record_key) x GROUP BY company, po_key, account) a GROUP BY company, po_key",
        "UPDATE bill_drafts SET po_difference = 'invoiced ' || CAST(d.invoiced AS TEXT) || ' against ' || "
        "CAST(d.ordered AS TEXT) || ' ordered on PO ' || p.document_number || ' (' || p.record_key || "
        "'), difference ' || CAST(d.invoiced - d.ordered AS TEXT) || ' over ' || "
        "CAST(d.accounts_differing AS TEXT) || ' account(s)' "
        f"FROM {PO_INVOICED} d JOIN bill_drafts p ON p.company = d.company AND p.record_key = d.po_key "
        "WHERE d.accounts_differing > 0 AND bill_drafts.company = d.company AND bill_drafts.booked_on = d.po_key "
        f"AND bill_drafts.record_key IN (SELECT record_key FROM {PO_INVOICES} i WHERE i.company = d.company)",
        *_adjust_po_bills(),
        f"DROP TABLE {PO_INVOICES}",
        f"DROP TABLE {PO_INVOICED}",
    ]


def _adjust_po_bills() -> list[str]:
    """invoice_difference = adjust: the PO's draft takes the invoiced lines, total and a revision naming them."""
    adjusted = (
        f"SELECT d.company, d.po_key FROM {PO_INVOICED} d JOIN bill_drafts p ON p.company = d.company "
        "AND p.record_key = d.po_key WHERE d.accounts_differing > 0 "
        f"AND {setting('invoice_difference', 'd.company', 'p.source_system')} = 'adjust'"
    )
    return [
        "DELETE FROM bill_draft_lines WHERE EXISTS (SELECT 1 FROM ("
        + adjusted
        + ") a WHERE a.company = bill_draft_lines.company AND a.po_key = bill_draft_lines.record_key)",
        f"INSERT INTO bill_draft_lines ({_LINE_COLUMNS}) SELECT i.company, i.po_key, "
        "CAST(ROW_NUMBER() OVER (PARTITION BY i.company, i.po_key ORDER BY i.record_key, l.line_number) AS INTEGER), "
        "l.account_code, l.cost_centre, l.qb_account_name, l.qb_class_name, l.description, l.quantity, "
        "l.unit_price, l.amount, l.tax_code, l.qb_sales_tax_code, l.qb_item_name, l.po_number, l.po_line_number "
        f"FROM {PO_INVOICES} i JOIN ({adjusted}) a ON a.company = i.company "
        "AND a.po_key = i.po_key JOIN bill_draft_lines l ON l.company = i.company AND l.record_key = i.record_key",
        "UPDATE bill_drafts SET total_amount = v.invoiced, line_total = v.invoiced, "
        "revision = CAST(bill_drafts.source_version AS TEXT) || '+' || v.invoices, "
        "memo = bill_drafts.memo || ', invoiced as ' || v.numbers "
        "FROM (SELECT d.company, d.po_key, d.invoiced, "
        "string_agg('i' || i.source_id || 'v' || CAST(i.source_version AS TEXT), '+' ORDER BY i.record_key) "
        "AS invoices, string_agg(i.document_number, ', ' ORDER BY i.record_key) AS numbers "
        f"FROM ({adjusted}) a JOIN {PO_INVOICED} d ON d.company = a.company AND d.po_key = a.po_key "
        f"JOIN {PO_INVOICES} i ON i.company = a.company AND i.po_key = a.po_key "
        "GROUP BY d.company, d.po_key, d.invoiced) v "
        "WHERE bill_drafts.company = v.company AND bill_drafts.record_key = v.po_key",
    ]


LINES = "bill_draft_lines"


def hold_reasons(lines: str = LINES) -> tuple[tuple[str, str], ...]:
    """(reason, SQL condition on draft `b`) for every reason a draft is held; `lines`: the table to read `b`'s own
    lines from (bill_draft_lines, or one holding at least the lines of every draft the condition is asked of)."""
    return (
        ("vendor_review", "b.qb_vendor_name IS NULL"),
        (
            "unmapped_account",
            f"EXISTS (SELECT 1 FROM {lines} l WHERE l.company = b.company AND l.record_key = b.record_key "
            "AND l.qb_account_name IS NULL)",
        ),
        (
            "unmapped_tax_code",
            f"EXISTS (SELECT 1 FROM {lines} l WHERE l.company = b.company AND l.record_key = b.record_key "
            f"AND {_lacks_tax_code('l')})",
        ),
        (
            # mapped, but the company's chart (as last read from QuickBooks) lacks it or has not been read yet
            "account_not_in_quickbooks",
            f"EXISTS (SELECT 1 FROM {lines} l WHERE l.company = b.company AND l.record_key = b.record_key "
            "AND l.qb_account_name IS NOT NULL AND NOT EXISTS (SELECT 1 FROM qb_accounts qa "
            "WHERE qa.company = l.company AND qa.full_name = l.qb_account_name AND qa.is_active IS NOT FALSE))",
        ),
        (
            "no_lines",
            f"NOT EXISTS (SELECT 1 FROM {lines} l WHERE l.company = b.company AND l.record_key = b.record_key)",
        ),
        (
            "quarantined",
            "EXISTS (SELECT 1 FROM quarantine q WHERE q.released_at IS NULL "
            "AND q.record_key IN (b.record_key, b.vendor_record_key) AND q.company IN ('', b.company))",
        ),
    )


def ready_condition(lines: str = LINES) -> str:
    """SQL condition on draft `b`: nothing holds it (vendor resolved, every line mapped, not quarantined); `lines` as
    for hold_reasons."""
    return " AND ".join(f"NOT ({cond})" for _, cond in hold_reasons(lines))


def billable_condition(lines: str = LINES) -> str:
    """SQL condition on draft `b`: ready, and a bill of its own (not a credit, not booked on another document's bill;
    a PO only when the company bills on POs)."""
    po_bills = f"(b.source_kind <> '{CANONICAL['purchase_orders'].source_kind}' OR b.bill_on = 'po')"
    return f"b.credit IS NOT TRUE AND b.booked_on IS NULL AND {po_bills} AND {ready_condition(lines)}"


def credit_condition(lines: str = LINES) -> str:
    """SQL condition on draft `b`: a ready vendor credit."""
    return f"b.credit IS TRUE AND {ready_condition(lines)}"


def purchase_order_condition(lines: str = LINES) -> str:
    """SQL condition on draft `b`: a PO the company keeps in QuickBooks as a PurchaseOrder (bill_on = invoice), ready,
    every line on a QuickBooks item (item_mappings of its account code: a PurchaseOrder line needs one)."""
    return (
        f"b.source_kind = '{CANONICAL['purchase_orders'].source_kind}' AND b.bill_on = 'invoice' "
        f"AND {ready_condition(lines)} AND NOT EXISTS (SELECT 1 FROM {lines} l WHERE l.company = b.company "
        "AND l.record_key = b.record_key AND l.qb_item_name IS NULL)"
    )


def purchase_key(alias: str) -> str:
    """SQL: the purchase a draft belongs to: a PO's own key, an invoice's PO, or an invoice without PO itself."""
    return (
        f"CASE WHEN {alias}.source_kind = '{CANONICAL['purchase_orders'].source_kind}' THEN {alias}.record_key "
        f"ELSE coalesce({alias}.po_record_key, {alias}.record_key) END"
    )


def held_counts() -> str:
    """SQL: (reason, documents) for every hold reason, over all drafts."""
    return " UNION ALL ".join(
        f"SELECT '{reason}' AS reason, count(*) AS documents FROM bill_drafts b WHERE {cond}"
        for reason, cond in hold_reasons()
    )

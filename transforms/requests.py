"""QuickBooks requests for the outbox, as SQL SELECTs of (company, op, dedup_key, record_key, payload, depends_on).

Payloads are the content of each `<{op}Rq>` element in qbXML names (xmltree orders and renders them at send
time); values are cut to the schema's maxLength here so a long source field never fails a whole message.

- VendorAdd for suppliers to create that have a bill not held; VendorMod when a matched supplier's address moved.
- BillAdd for a ready draft (dedup key `<record_key>:v<version>`); a newer version supersedes a queued,
  unsent one; after the bill is in QuickBooks a newer version becomes a BillMod of its TxnID. A line that bills a
  line of a QuickBooks PurchaseOrder (by the PO's RefNumber, the vendor and the PO line) is an item line linked to it.
- PurchaseOrderAdd / PurchaseOrderMod for the POs a company keeps in QuickBooks (bill_on = invoice), after an
  ItemNonInventoryAdd for each mapped account a line of theirs needs an item for and the item mapping has none.
- VendorCreditAdd for a ready credit memo's draft (expense lines on the mapped accounts, same dedup key), then
  VendorCreditMod of its TxnID for a newer version, as for bills.
- BillPaymentCheckAdd for a source payment once the bills of all the invoices it pays are in QuickBooks.
- Reference queries (VendorQuery, AccountQuery, ...) from each mirror table's modified-date watermark.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from qbxml.schema import max_length
from sources import registry
from sources.keys import external_id_sql, record_key_sql, system_of_sql
from transforms.bills import billable_condition, credit_condition, purchase_order_condition, taxed_company
from transforms.canonical import CANONICAL
from transforms.dialect import Dialect
from transforms.items import ITEM_OP, item_key, item_name, item_on_its_way
from transforms.policy import setting
from transforms.sqltext import ts
from transforms.vendors import suffixed_name, vendor_add_key
from warehouse.states import IN_FLIGHT, LIVE, UNSENT, Request, sql_list

BILL_OPS = "('BillAdd', 'BillMod')"
PO_OPS = "('PurchaseOrderAdd', 'PurchaseOrderMod')"
CREDIT_OPS = "('VendorCreditAdd', 'VendorCreditMod')"
PO_SOURCE_KIND = CANONICAL["purchase_orders"].source_kind
MAX_RETURNED = 100
# A read of a mirror table from its watermark goes as windows of modified time holding about this many records the
# mirror already knows: an iterator lives only in its session, so a dropped session restarts one window, not a read
# of everything changed since the watermark (at 10,000 bills under faults a whole read never got through a session)
WINDOW_RECORDS = 300


def _cut(expr: str, *path: str) -> str:
    """SQL: `expr` cut to the maxLength the qbXML schema sets for the element at `path` (every version we hold)."""
    return f"substr({expr}, 1, {max_length(path)})"


def _tail(expr: str, *path: str) -> str:
    """SQL: the last characters of `expr` that fit the element at `path` (a payment identifier's distinct end)."""
    return f"substr({expr}, greatest(length({expr}) - {max_length(path) - 1}, 1))"


def _ref(d: Dialect, expr: str) -> str:
    """A `...Ref` {FullName} object, or NULL when the name is NULL."""
    return f"CASE WHEN {expr} IS NOT NULL THEN {d.json_object(('FullName', expr))} END"


def _not_quarantined(alias: str, key: str) -> str:
    return (
        f"NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.released_at IS NULL AND q.record_key = {key} "
        f"AND q.company IN ('', {alias}.company))"
    )


def _address(d: Dialect, op: str) -> str:
    fields = {"Addr1": "s.address_line1", "Addr2": "s.address_line2", "City": "s.city", "State": "s.state",
              "PostalCode": "s.postal_code", "Country": "s.country"}  # fmt: skip
    return d.json_object(*((name, _cut(expr, op, "VendorAddress", name)) for name, expr in fields.items()))


def vendor_adds(d: Dialect) -> str:
    """VendorAdd for every active supplier to create, not yet queued: all of them when the company's vendor_sync for
    the source is `all`, else (on_demand) those some draft of the company not held in quarantine needs (a supplier
    whose only documents are held gets no vendor). None before the company's vendor list was first read from
    QuickBooks: until then a supplier the file already has (under another spelling) cannot have been matched."""
    vendor = d.json_object(
        ("Name", "vm.qb_vendor_name"),
        ("CompanyName", "coalesce(s.qb_name, vm.qb_vendor_name)"),
        ("VendorAddress", _address(d, "VendorAdd")),
        ("Phone", _cut("s.phone", "VendorAdd", "Phone")),
        ("Email", _cut("s.email", "VendorAdd", "Email")),
        ("NameOnCheck", "coalesce(s.qb_name, vm.qb_vendor_name)"),
        ("AccountNumber", external_id_sql("s.source_system", "s.source_id")),
        ("Notes", "src.title || ' supplier ' || coalesce(s.supplier_number, s.source_id)"),
        # each edition has its own name for it: qbxml/editions.json
        ("VendorTaxIdent", _cut("s.tax_id", "VendorAdd", "VendorTaxIdent")),
        ("TermsRef", _ref(d, "tm.qb_terms_name")),
    )
    return (
        "SELECT vm.company, 'VendorAdd' AS op, "
        f"{vendor_add_key('s.source_system', 's.source_id')} AS dedup_key, vm.record_key, "
        f"{d.json_text(d.json_object(('VendorAdd', vendor)))} AS payload, CAST(NULL AS TEXT) AS depends_on "
        "FROM vendor_matches vm JOIN stg_suppliers s ON s.source_system = vm.source_system "
        "AND s.source_id = vm.supplier_source_id "
        f"JOIN {_titles()} src ON src.source_system = {system_of_sql('s.source_system')} {_terms_join()}"
        "WHERE vm.match_method = 'create' AND s.is_active IS NOT FALSE "
        f"AND ({_lists_read('vm.company')}) "
        f"AND ({setting('vendor_sync', 'vm.company', 'vm.source_system')} = 'all' "
        "OR EXISTS (SELECT 1 FROM bill_drafts b WHERE b.company = vm.company "
        "AND b.source_system = vm.source_system AND b.supplier_source_id = vm.supplier_source_id "
        f"AND {_not_quarantined('b', 'b.record_key')})) "
        f"AND {_not_quarantined('vm', 'vm.record_key')} "
        "AND NOT EXISTS (SELECT 1 FROM qbxml_outbox o WHERE o.company = vm.company AND o.dedup_key = "
        f"{vendor_add_key('s.source_system', 's.source_id')})"
    )


def _lists_read(company: str) -> str:
    """SQL condition: QuickBooks' lists of `company` were read (its VendorQuery answered, or its mirror holds
    vendors or accounts, the reference queries being answered together)."""
    return (
        f"EXISTS (SELECT 1 FROM qbxml_outbox r WHERE r.company = {company} AND r.op = 'VendorQuery' "
        f"AND r.status = 'done') OR EXISTS (SELECT 1 FROM qb_vendors r WHERE r.company = {company}) "
        f"OR EXISTS (SELECT 1 FROM qb_accounts r WHERE r.company = {company})"
    )


def _titles() -> str:
    """SQL derived table (source_system, title) of every declared source."""
    return registry.values_sql(("source_system", "title"), [(s.name, s.title) for s in registry.all_sources()])


def _terms_join() -> str:
    """LEFT JOIN `tm`: the QuickBooks terms the supplier `s` of match `vm` pays on (terms_mappings of its terms)."""
    return (
        "LEFT JOIN terms_mappings tm ON tm.company = vm.company AND tm.source_system = s.source_system "
        "AND tm.source_terms = s.terms "
    )


# What a VendorMod keeps in step with the source: (source column, QuickBooks mirror column). A supplier changed at the
# source after QuickBooks last changed the vendor, in any of these, sends a VendorMod (its tax id goes along), as do
# mapped terms that differ from the vendor's.
VENDOR_MOD_FIELDS = (
    ("s.address_line1", "address_line1"),
    ("s.city", "city"),
    ("s.state", "state"),
    ("s.postal_code", "postal_code"),
    ("s.country", "country"),
    ("s.phone", "phone"),
    ("s.email", "email"),
    ("coalesce(tm.qb_terms_name, v.terms)", "terms"),
)


def vendor_mods(d: Dialect) -> str:
    """VendorMod of the address, phone, email, tax id and (mapped) terms of matched vendors (every match kind but a
    QuickBooks ListID the source holds: that vendor came from QuickBooks) when the source changed any of them after
    QuickBooks last did; the name too when the company's `vendor_names` policy for the source is `follow` (with
    `keep`, the default, the name stays: QuickBooks keys lists by name, and renaming a vendor there is an
    accountant's decision; `qbsync vendors link` points a supplier at another vendor); and IsActive false (every
    match kind) when the source deactivated or deleted the supplier, the company's vendor policy for the source is
    `create` (qbsync keeps its vendor list) and no active supplier of any source stands for the same vendor. A vendor
    is never deleted."""
    stamp = d.iso_timestamp("s.source_updated_at")
    changed = " OR ".join(f"coalesce({a}, '') <> coalesce(v.{b}, '')" for a, b in VENDOR_MOD_FIELDS)
    kinds = "vm.match_method IN ('external_id', 'name', 'address', 'operator')"
    moved = f"({kinds} AND ({changed}))"
    name = f"coalesce(s.qb_name, rtrim({_cut('trim(s.supplier_name)', 'VendorMod', 'Name')}))"
    renamed = (  # a vendor we named `Acme #17` (another had the name) keeps that name while the supplier's is Acme
        f"({kinds} AND {setting('vendor_names', 'vm.company', 'vm.source_system')} = 'follow' "
        f"AND v.vendor_name NOT IN ({name}, {suffixed_name(name, 's.source_id')}))"
    )
    deactivated = (  # unless another supplier the vendor stands for (any source or instance) is still active
        "(s.is_active = FALSE AND v.is_active IS NOT FALSE "
        f"AND {setting('vendor_policy', 'vm.company', 'vm.source_system')} = 'create' "
        "AND NOT EXISTS (SELECT 1 FROM vendor_matches om JOIN stg_suppliers os ON os.source_system = om.source_system "
        "AND os.source_id = om.supplier_source_id WHERE om.company = vm.company AND om.qb_list_id = vm.qb_list_id "
        "AND os.is_active IS NOT FALSE))"
    )
    vendor = d.json_object(
        ("ListID", "v.list_id"),
        ("EditSequence", "v.edit_sequence"),
        ("Name", f"CASE WHEN {renamed} THEN {name} END"),
        ("IsActive", f"CASE WHEN {deactivated} THEN 'false' END"),
        ("VendorAddress", f"CASE WHEN {moved} THEN {_address(d, 'VendorMod')} END"),
        ("Phone", f"CASE WHEN {moved} THEN {_cut('s.phone', 'VendorMod', 'Phone')} END"),
        ("Email", f"CASE WHEN {moved} THEN {_cut('s.email', 'VendorMod', 'Email')} END"),
        ("TermsRef", f"CASE WHEN {moved} THEN {_ref(d, 'tm.qb_terms_name')} END"),
        # each edition has its own name for it: qbxml/editions.json
        ("VendorTaxIdent", f"CASE WHEN {moved} THEN {_cut('s.tax_id', 'VendorMod', 'VendorTaxIdent')} END"),
    )
    return (
        "SELECT vm.company, 'VendorMod' AS op, "
        f"vm.record_key || ':mod:' || {stamp} AS dedup_key, vm.record_key, "
        f"{d.json_text(d.json_object(('VendorMod', vendor)))} AS payload, CAST(NULL AS TEXT) AS depends_on "
        "FROM vendor_matches vm JOIN stg_suppliers s ON s.source_system = vm.source_system "
        "AND s.source_id = vm.supplier_source_id "
        f"JOIN qb_vendors v ON v.company = vm.company AND v.list_id = vm.qb_list_id {_terms_join()}"
        "WHERE vm.match_method IN ('list_id', 'external_id', 'name', 'address', 'operator') "
        f"AND s.source_updated_at > v.time_modified AND ({moved} OR {renamed} OR {deactivated}) "
        f"AND {_not_quarantined('vm', 'vm.record_key')} "
        "AND NOT EXISTS (SELECT 1 FROM qbxml_outbox o WHERE o.company = vm.company AND o.record_key = vm.record_key "
        f"AND o.op = 'VendorMod' AND o.status IN {sql_list(*LIVE)})"
    )


def _version_key(alias: str = "b") -> str:
    return f"{alias}.record_key || ':v' || {alias}.revision"


# The drafts no request was ever queued for at their version, and their lines: every request of a draft has the dedup
# key `<record_key>:v<revision>` (_version_key), unique per company whatever its status, so these are the only drafts
# a BillAdd/Mod, PurchaseOrderAdd/Mod or VendorCreditAdd/Mod can still be added for. The requests of a run read their
# drafts and lines from here: what changed since the last run (and what is still held or waiting), not every draft.
PENDING = "_pending_drafts"
PENDING_LINES = "_pending_draft_lines"


def pending_drafts(d: Dialect) -> list[str]:
    """Statements that create PENDING and PENDING_LINES (temporary: drop_pending() drops them). Run after superseding
    and before the draft requests, in their transaction. On PostgreSQL both are keyed and analyzed: autovacuum never
    analyzes a temporary table, and an EXISTS under an OR (a bill waiting for its PO) probes the lines per draft,
    which without a key scanned every pending line for each draft (77,000 drafts at 1M lines: minutes, not seconds)."""
    out = [
        *drop_pending(),
        f"CREATE TEMP TABLE {PENDING} AS SELECT b.* FROM bill_drafts b WHERE NOT EXISTS (SELECT 1 FROM qbxml_outbox o "
        f"WHERE o.company = b.company AND o.dedup_key = {_version_key()})",
        f"CREATE TEMP TABLE {PENDING_LINES} AS SELECT l.* FROM bill_draft_lines l JOIN {PENDING} b "
        "ON b.company = l.company AND b.record_key = l.record_key",
    ]
    if d.pg:
        for table in (PENDING, PENDING_LINES):
            out += [f"CREATE INDEX ON {table} (company, record_key)", f"ANALYZE {table}"]
    return out


def drop_pending() -> list[str]:
    return [f"DROP TABLE IF EXISTS {PENDING}", f"DROP TABLE IF EXISTS {PENDING_LINES}"]


def _expense_lines(d: Dialect, *, mod: bool, linked: bool = True) -> str:
    """Per draft of `todo`: the JSON array of ExpenseLineAdd (or ExpenseLineMod, TxnLineID -1 = replace all) of its
    lines, those linked to a PO line (`lk`) left out when `linked`."""
    fields = [
        ("AccountRef", _ref(d, "l.qb_account_name")),
        ("Amount", "CAST(l.amount AS TEXT)"),
        ("Memo", _cut("l.description", "BillAdd", "ExpenseLineAdd", "Memo")),
        ("ClassRef", _ref(d, "l.qb_class_name")),
        ("SalesTaxCodeRef", _ref(d, "l.qb_sales_tax_code")),  # set only where the edition takes purchase tax
    ]
    if mod:
        fields.insert(0, ("TxnLineID", "'-1'"))
    unlinked = (
        "WHERE NOT EXISTS (SELECT 1 FROM lk WHERE lk.company = l.company AND lk.record_key = l.record_key "
        "AND lk.line_number = l.line_number) "
        if linked
        else ""
    )
    return (
        f"SELECT l.company, l.record_key, {d.json_array_agg(d.json_object(*fields), 'l.line_number')} AS lines "
        f"FROM {PENDING_LINES} l JOIN todo t ON t.company = l.company AND t.record_key = l.record_key "
        f"{unlinked}GROUP BY l.company, l.record_key"
    )


def _po_links() -> str:
    """Per line of a draft of `todo`: the QuickBooks PO line it bills (the company's PurchaseOrder with the line's PO
    number as RefNumber, of the bill's vendor, whether qbsync raised it or someone did in QuickBooks), with its item;
    `item_seq` numbers the linked lines of a draft as the bill lists its item lines."""
    return (
        "SELECT l.company, l.record_key, l.line_number, pl.txn_id AS po_txn_id, pl.txn_line_id AS po_line_id, "
        "pl.item_name, row_number() OVER (PARTITION BY l.company, l.record_key ORDER BY l.line_number) AS item_seq "
        f"FROM {PENDING_LINES} l JOIN todo t ON t.company = l.company AND t.record_key = l.record_key "
        "JOIN qb_purchase_order_lines pl ON pl.company = l.company "
        "AND CAST(pl.line_number AS TEXT) = l.po_line_number AND pl.txn_id = (SELECT min(po.txn_id) "
        "FROM qb_purchase_orders po WHERE po.company = l.company AND po.ref_number = l.po_number "
        "AND po.vendor_name = t.qb_vendor_name) "
        "WHERE l.quantity IS NOT NULL AND l.unit_price IS NOT NULL"
    )


def _item_lines(d: Dialect, *, mod: bool) -> str:
    """Per draft of `todo`: the JSON array of ItemLineAdd linked to their PO lines (LinkToTxn: QuickBooks counts
    them received), or ItemLineMod of the bill's item lines in the same order (a linked line keeps its TxnLineID, and
    so its link)."""
    fields = [
        ("ItemRef", _ref(d, "k.item_name")),
        ("Desc", _cut("l.description", "BillAdd", "ItemLineAdd", "Desc")),
        ("Quantity", "CAST(l.quantity AS TEXT)"),
        ("Cost", "CAST(l.unit_price AS TEXT)"),
        ("ClassRef", _ref(d, "l.qb_class_name")),
    ]
    held = ""
    if mod:
        fields.insert(0, ("TxnLineID", "coalesce(bl.txn_line_id, '-1')"))
        held = (
            "LEFT JOIN qb_bill_item_lines bl ON bl.company = l.company AND bl.txn_id = t.txn_id "
            "AND bl.line_number = k.item_seq "
        )
    else:
        fields.append(("LinkToTxn", d.json_object(("TxnID", "k.po_txn_id"), ("TxnLineID", "k.po_line_id"))))
    return (
        f"SELECT l.company, l.record_key, {d.json_array_agg(d.json_object(*fields), 'l.line_number')} AS lines "
        f"FROM {PENDING_LINES} l JOIN todo t ON t.company = l.company AND t.record_key = l.record_key "
        "JOIN lk k ON k.company = l.company AND k.record_key = l.record_key AND k.line_number = l.line_number "
        f"{held}GROUP BY l.company, l.record_key"
    )


def _po_lines(d: Dialect, *, mod: bool) -> str:
    """Per PO draft of `todo`: the JSON array of PurchaseOrderLineAdd on each line's mapped item (or
    PurchaseOrderLineMod of the PurchaseOrder's lines in order, a new one -1)."""
    fields = [
        ("ItemRef", _ref(d, "l.qb_item_name")),
        ("Desc", _cut("l.description", "PurchaseOrderAdd", "PurchaseOrderLineAdd", "Desc")),
        ("Quantity", "CAST(l.quantity AS TEXT)"),
        ("Rate", "CAST(l.unit_price AS TEXT)"),
        ("ClassRef", _ref(d, "l.qb_class_name")),
    ]
    held = ""
    if mod:
        fields.insert(0, ("TxnLineID", "coalesce(ql.txn_line_id, '-1')"))
        held = (
            "LEFT JOIN qb_purchase_order_lines ql ON ql.company = l.company AND ql.txn_id = t.txn_id "
            "AND ql.line_number = l.line_number "
        )
    return (
        f"SELECT l.company, l.record_key, {d.json_array_agg(d.json_object(*fields), 'l.line_number')} AS lines "
        f"FROM {PENDING_LINES} l JOIN todo t ON t.company = l.company AND t.record_key = l.record_key {held}"
        "GROUP BY l.company, l.record_key"
    )


def _bill_header(d: Dialect, op: str = "BillAdd") -> list[tuple[str, str]]:
    """VendorRef, dates, RefNumber, Memo and tax basis of a bill (or of a vendor credit, `op` VendorCreditAdd: no
    due date)."""
    header = [
        ("VendorRef", _ref(d, "b.qb_vendor_name")),
        ("TxnDate", d.iso_date("b.txn_date")),
        ("DueDate", d.iso_date("b.due_date")),
        ("RefNumber", _cut("b.document_number", op, "RefNumber")),
        ("Memo", _cut("b.memo", op, "Memo")),
        # source line amounts are net of tax (sources state line tax apart): QuickBooks adds the tax on top
        ("IsTaxIncluded", f"CASE WHEN {taxed_company('b.company')} THEN 'false' END"),
    ]
    return header if op == "BillAdd" else [(name, value) for name, value in header if name != "DueDate"]


STALE = "_stale_bills"


def supersede_stale_bills(now: datetime) -> tuple[list[str], str, str, str]:
    """(statements that collect the unsent bill and vendor credit requests whose document moved on (new version, held,
    gone) into STALE, audit SELECT of them, UPDATE marking them superseded, DROP of STALE): the stale rows are found
    once, for the audit and the update alike."""
    current = f"b.company = o.company AND b.record_key = o.record_key AND o.dedup_key = {_version_key()}"
    stale = (
        f"o.status IN {sql_list(*UNSENT)} AND ((o.op IN {BILL_OPS} AND NOT EXISTS (SELECT 1 FROM bill_drafts b "
        f"WHERE {current} AND {billable_condition()})) OR (o.op IN {CREDIT_OPS} AND NOT EXISTS (SELECT 1 "
        f"FROM bill_drafts b WHERE {current} AND {credit_condition()})))"
    )
    collect = [
        f"DROP TABLE IF EXISTS {STALE}",
        f"CREATE TEMP TABLE {STALE} AS SELECT o.request_id, o.company, o.record_key FROM qbxml_outbox o WHERE {stale}",
    ]
    audit = f"SELECT s.company, s.record_key, s.request_id, NULL AS detail FROM {STALE} s"
    update = (
        f"UPDATE qbxml_outbox SET status = '{Request.SUPERSEDED}', updated_at = {ts(now)}, settled_at = {ts(now)}, "
        "last_error = 'superseded: the source document changed or is held before this request was sent' "
        f"WHERE request_id IN (SELECT request_id FROM {STALE})"
    )
    return collect, audit, update, f"DROP TABLE {STALE}"


def booked_on_bills(d: Dialect) -> str:
    """Audit SELECT (company, record_key, request_id, detail): invoices booked on a PO's bill that QuickBooks now
    holds, once per bill request, so the story of the invoice names the same TxnID as the PO's."""
    detail = d.json_object(
        ("bill_record_key", "i.booked_on"),
        ("txn_id", "o.qb_id"),
        ("difference", "i.po_difference"),
    )
    return (
        f"SELECT i.company, i.record_key, o.request_id, {d.json_text(detail)} AS detail FROM bill_drafts i "
        "JOIN bill_drafts b ON b.company = i.company AND b.record_key = i.booked_on "
        "JOIN qbxml_outbox o ON o.company = b.company AND o.record_key = b.record_key "
        f"AND o.dedup_key = {_version_key()} AND o.op IN {BILL_OPS} AND o.status = '{Request.DONE}' "
        "WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.record_key = i.record_key "
        "AND a.event = 'booked_on_bill' AND a.request_id = o.request_id)"
    )


def _waits_for_its_po() -> str:
    """SQL condition on draft `b`: its bill waits to link to its PO's lines, while its PO is on its way into
    QuickBooks (a PurchaseOrderAdd/Mod not settled, or an item its lines need still being added), or while the
    company's purchase orders were never read (a line names a PO line, and the PO may have been raised in
    QuickBooks)."""
    return (
        "(EXISTS (SELECT 1 FROM qbxml_outbox po WHERE po.company = b.company AND po.record_key = b.po_record_key "
        f"AND po.op IN {PO_OPS} AND po.status IN {sql_list(*LIVE)}) "
        f"OR {item_on_its_way('b.company', 'b.po_record_key')} "
        f"OR (EXISTS (SELECT 1 FROM {PENDING_LINES} l WHERE l.company = b.company AND l.record_key = b.record_key "
        "AND l.po_line_number IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM qbxml_outbox q "
        f"WHERE q.company = b.company AND q.op = 'PurchaseOrderQuery' AND q.status = '{Request.DONE}')))"
    )


def _requests(
    d: Dialect,
    op: str,
    todo: str,
    header: list[tuple[str, str]],
    parts: dict[str, str],
    depends_on: str = "CAST(NULL AS TEXT)",
    waits: str = "",
) -> str:
    """`op` (dedup key `<record_key>:v<revision>`) for each draft of `todo` that has lines from one of the line
    arrays `header` names (`<cte>.lines`); `parts` are the CTEs after `todo`, `waits` joins giving `depends_on`."""
    named = [value.split(".")[0] for _, value in header if value.endswith(".lines")]
    joins = "".join(f"LEFT JOIN {n} ON {n}.company = b.company AND {n}.record_key = b.record_key " for n in named)
    ctes = "".join(f", {name} AS ({sql})" for name, sql in parts.items())
    return (
        f"WITH todo AS ({todo}){ctes} "
        f"SELECT b.company, '{op}' AS op, {_version_key()} AS dedup_key, b.record_key, "
        f"{d.json_text(d.json_object((op, d.json_object(*header))))} AS payload, {depends_on} AS depends_on "
        f"FROM todo b {joins}{waits}WHERE {' OR '.join(f'{n}.lines IS NOT NULL' for n in named)}"
    )  # fmt: skip


def _vendor_in_step() -> str:
    """SQL condition on draft `b`: no VendorMod of its vendor is live (a rename would leave the name the draft names
    behind; the next build takes the vendor's new name)."""
    return (
        "NOT EXISTS (SELECT 1 FROM qbxml_outbox vmod WHERE vmod.company = b.company "
        f"AND vmod.record_key = b.vendor_record_key AND vmod.op = 'VendorMod' AND vmod.status IN {sql_list(*LIVE)})"
    )


def _adds(d: Dialect, op: str, ready: str, header: list[tuple[str, str]], parts: dict[str, str]) -> str:
    """`op` for the drafts `ready` selects that have no live or settled `op` yet; waits on the vendor's VendorAdd
    when queued, and while a VendorMod of the vendor is live."""
    todo = (
        f"SELECT b.* FROM {PENDING} b WHERE {ready} AND {_vendor_in_step()} "
        "AND NOT EXISTS (SELECT 1 FROM qbxml_outbox o "
        f"WHERE o.company = b.company AND o.record_key = b.record_key AND o.op = '{op}' "
        f"AND o.status <> '{Request.SUPERSEDED}')"
    )
    vendor = (
        "LEFT JOIN qbxml_outbox va ON va.company = b.company AND va.dedup_key = "
        f"{vendor_add_key('b.source_system', 'b.supplier_source_id')} AND va.status <> '{Request.DONE}' "
    )
    return _requests(d, op, todo, header, parts, "va.request_id", vendor)


def bill_adds(d: Dialect) -> str:
    """BillAdd for ready drafts with no live or settled BillAdd; waits on the vendor's VendorAdd when queued, and on
    its PO while that is on its way into QuickBooks. Lines that bill a line of a QuickBooks PurchaseOrder are item
    lines linked to it; the others expense lines."""
    header = [*_bill_header(d), ("ExpenseLineAdd", "el.lines"), ("ItemLineAdd", "il.lines")]
    ready = f"{billable_condition(PENDING_LINES)} AND NOT {_waits_for_its_po()}"
    parts = {"lk": _po_links(), "el": _expense_lines(d, mod=False), "il": _item_lines(d, mod=False)}
    return _adds(d, "BillAdd", ready, header, parts)


def vendor_credit_adds(d: Dialect) -> str:
    """VendorCreditAdd for ready credit memos with no live or settled VendorCreditAdd: every line an expense line on
    its mapped account (a credit memo's PO stays named in the memo of the document it credits); waits on the
    vendor's VendorAdd when queued."""
    header = [*_bill_header(d, "VendorCreditAdd"), ("ExpenseLineAdd", "el.lines")]
    lines = {"el": _expense_lines(d, mod=False, linked=False)}
    return _adds(d, "VendorCreditAdd", credit_condition(PENDING_LINES), header, lines)


def po_item_adds(d: Dialect) -> str:
    """ItemNonInventoryAdd, once per company and QuickBooks account, for each mapped account (in the chart, active)
    that a line of a PO kept in QuickBooks (bill_on = invoice) needs an item for and the company's item mapping gives
    none: named after the account, its purchases posting to it. The PO waits for it (check item_mapped)."""
    item = d.json_object(
        ("Name", item_name("x.qb_account_name")),
        ("SalesOrPurchase", d.json_object(
            ("Desc", "'Purchases on ' || x.qb_account_name || ' (created by qbsync for purchase order lines)'"),
            ("AccountRef", _ref(d, "x.qb_account_name")))),
    )  # fmt: skip
    return (
        f"SELECT x.company, '{ITEM_OP}' AS op, {item_key('x.qb_account_name')} AS dedup_key, "
        f"{item_key('x.qb_account_name')} AS record_key, {d.json_text(d.json_object((ITEM_OP, item)))} AS payload, "
        "CAST(NULL AS TEXT) AS depends_on FROM (SELECT DISTINCT l.company, l.qb_account_name FROM bill_draft_lines l "
        "JOIN bill_drafts b ON b.company = l.company AND b.record_key = l.record_key "
        f"WHERE b.source_kind = '{PO_SOURCE_KIND}' AND b.bill_on = 'invoice' AND l.qb_item_name IS NULL "
        "AND EXISTS (SELECT 1 FROM qb_accounts qa WHERE qa.company = l.company AND qa.full_name = l.qb_account_name "
        "AND qa.is_active IS NOT FALSE)) x "
        "WHERE NOT EXISTS (SELECT 1 FROM qbxml_outbox o WHERE o.company = x.company "
        f"AND o.dedup_key = {item_key('x.qb_account_name')} AND o.status <> '{Request.SUPERSEDED}')"
    )


def purchase_order_adds(d: Dialect) -> str:
    """PurchaseOrderAdd for the POs a company keeps in QuickBooks (bill_on = invoice), ready and on mapped items."""
    header = [
        ("VendorRef", _ref(d, "b.qb_vendor_name")),
        ("TxnDate", d.iso_date("b.txn_date")),
        ("RefNumber", _cut("b.document_number", "PurchaseOrderAdd", "RefNumber")),
        ("Memo", _cut("b.memo", "PurchaseOrderAdd", "Memo")),
        ("PurchaseOrderLineAdd", "pl.lines"),
    ]
    lines = {"pl": _po_lines(d, mod=False)}
    return _adds(d, "PurchaseOrderAdd", purchase_order_condition(PENDING_LINES), header, lines)


def _mod_todo(ready: str, add: str, ops: str) -> str:
    """Drafts `ready` selects of a newer version than QuickBooks has (their `add` is done: `txn_id` its TxnID), none of
    whose requests is in flight, whose vendor is in step."""
    return (
        f"SELECT b.*, added.qb_id AS txn_id FROM {PENDING} b JOIN qbxml_outbox added ON added.company = b.company "
        f"AND added.record_key = b.record_key AND added.op = '{add}' AND added.status = '{Request.DONE}' WHERE {ready} "
        f"AND {_vendor_in_step()} "
        f"AND NOT EXISTS (SELECT 1 FROM qbxml_outbox o WHERE o.company = b.company AND o.dedup_key = {_version_key()} "
        f"AND o.op IN {ops}) "
        "AND NOT EXISTS (SELECT 1 FROM qbxml_outbox o WHERE o.company = b.company AND o.record_key = b.record_key "
        f"AND o.status IN {sql_list(*IN_FLIGHT)})"
    )


def _edit_sequence(table: str, ops: str) -> str:
    """SQL: the EditSequence the mirror holds for `b`'s object, else the one its last settled request returned."""
    return (
        f"coalesce((SELECT q.edit_sequence FROM {table} q WHERE q.company = b.company AND q.txn_id = b.txn_id), "
        "(SELECT o.qb_edit_sequence FROM qbxml_outbox o WHERE o.company = b.company "
        f"AND o.record_key = b.record_key AND o.op IN {ops} AND o.status = '{Request.DONE}' "
        "ORDER BY o.settled_at DESC LIMIT 1))"
    )


def bill_mods(d: Dialect) -> str:
    """BillMod for ready drafts of a newer version than the one QuickBooks has (TxnID from the done BillAdd): expense
    lines replaced, item lines linked to PO lines edited in place."""
    header = [
        ("TxnID", "b.txn_id"),
        ("EditSequence", _edit_sequence("qb_bills", BILL_OPS)),
        *_bill_header(d),
        ("ExpenseLineMod", "el.lines"),
        ("ItemLineMod", "il.lines"),
    ]
    parts = {"lk": _po_links(), "el": _expense_lines(d, mod=True), "il": _item_lines(d, mod=True)}
    return _requests(d, "BillMod", _mod_todo(billable_condition(PENDING_LINES), "BillAdd", BILL_OPS), header, parts)


def vendor_credit_mods(d: Dialect) -> str:
    """VendorCreditMod for ready credit memos of a newer version than the vendor credit QuickBooks has (TxnID from the
    done VendorCreditAdd): the expense lines replaced."""
    header = [
        ("TxnID", "b.txn_id"),
        ("EditSequence", _edit_sequence("qb_vendor_credits", CREDIT_OPS)),
        *_bill_header(d, "VendorCreditMod"),
        ("ExpenseLineMod", "el.lines"),
    ]
    todo = _mod_todo(credit_condition(PENDING_LINES), "VendorCreditAdd", CREDIT_OPS)
    return _requests(d, "VendorCreditMod", todo, header, {"el": _expense_lines(d, mod=True, linked=False)})


def purchase_order_mods(d: Dialect) -> str:
    """PurchaseOrderMod for kept POs of a newer version than the PurchaseOrder QuickBooks has: lines edited in place
    by their order (a received line keeps its TxnLineID), new ones added."""
    header = [
        ("TxnID", "b.txn_id"),
        ("EditSequence", _edit_sequence("qb_purchase_orders", PO_OPS)),
        ("VendorRef", _ref(d, "b.qb_vendor_name")),
        ("TxnDate", d.iso_date("b.txn_date")),
        ("RefNumber", _cut("b.document_number", "PurchaseOrderMod", "RefNumber")),
        ("Memo", _cut("b.memo", "PurchaseOrderMod", "Memo")),
        ("PurchaseOrderLineMod", "pl.lines"),
    ]
    todo = _mod_todo(purchase_order_condition(PENDING_LINES), "PurchaseOrderAdd", PO_OPS)
    return _requests(d, "PurchaseOrderMod", todo, header, {"pl": _po_lines(d, mod=True)})


PAYMENT_KEY = record_key_sql("p.source_system", "payment", "p.source_id")


def payment_details() -> str:
    """SQL: (source_system, payment_source_id, line_number, invoice_source_id, amount) of every payment detail of
    every source; a payment staged without details counts as one detail paying its whole amount to its invoice."""
    return (
        "SELECT source_system, payment_source_id, line_number, invoice_source_id, amount FROM stg_payment_details "
        "UNION ALL "
        "SELECT p.source_system, p.source_id, 1, p.invoice_source_id, p.amount FROM stg_payments p "
        "WHERE NOT EXISTS (SELECT 1 FROM stg_payment_details pd "
        "WHERE pd.source_system = p.source_system AND pd.payment_source_id = p.source_id)"
    )


def bill_payments(d: Dialect) -> str:
    """BillPaymentCheckAdd for payments once the bill of every invoice they pay is in QuickBooks: one
    AppliedToTxnAdd per payment detail (that invoice's bill, that detail's share). A detail whose invoice has
    no bill in the company holds the payment (data_checks rule payment_invoices_billed says why)."""
    application = d.json_object(("TxnID", "a.bill_txn_id"), ("PaymentAmount", "CAST(a.amount AS TEXT)"))
    payment = d.json_object(
        ("PayeeEntityRef", _ref(d, "ap.payee")),
        ("TxnDate", d.iso_date("p.payment_date")),
        ("BankAccountRef", _ref(d, "c.payment_bank_account")),
        ("RefNumber", _tail("coalesce(p.reference, p.source_id)", "BillPaymentCheckAdd", "RefNumber")),
        ("Memo", "src.title || ' payment ' || p.source_id"),
        ("AppliedToTxnAdd", "ap.applications"),
    )  # fmt: skip
    return (
        f"WITH details AS ({payment_details()}), "
        "applied AS (SELECT b.company, x.source_system, x.payment_source_id, x.line_number, x.amount, "
        "added.qb_id AS bill_txn_id, "
        "coalesce(qb.vendor_name, b.qb_vendor_name) AS payee FROM details x "
        "JOIN bill_drafts b ON b.source_system = x.source_system AND b.source_kind = 'invoice' "
        "AND b.source_id = x.invoice_source_id "
        "JOIN qbxml_outbox added ON added.company = b.company AND added.record_key = coalesce(b.booked_on, "
        f"b.record_key) AND added.op = 'BillAdd' AND added.status = '{Request.DONE}' "
        "LEFT JOIN qb_bills qb ON qb.company = b.company AND qb.txn_id = added.qb_id "
        f"WHERE x.amount IS NOT NULL AND {_not_quarantined('b', 'b.record_key')}), "
        f"ap AS (SELECT a.company, a.source_system, a.payment_source_id, "
        f"{d.json_array_agg(application, 'a.line_number')} AS applications, min(a.payee) AS payee, "
        "count(*) AS billed FROM applied a GROUP BY a.company, a.source_system, a.payment_source_id), "
        "wanted AS (SELECT source_system, payment_source_id, count(*) AS details FROM details "
        "GROUP BY source_system, payment_source_id) "
        f"SELECT ap.company, 'BillPaymentCheckAdd' AS op, {PAYMENT_KEY} AS dedup_key, {PAYMENT_KEY} AS record_key, "
        f"{d.json_text(d.json_object(('BillPaymentCheckAdd', payment)))} AS payload, "
        "CAST(NULL AS TEXT) AS depends_on "
        "FROM stg_payments p JOIN ap ON ap.source_system = p.source_system AND ap.payment_source_id = p.source_id "
        "JOIN wanted w ON w.source_system = p.source_system AND w.payment_source_id = p.source_id "
        "AND w.details = ap.billed "
        "JOIN companies c ON c.company = ap.company "
        f"JOIN {_titles()} src ON src.source_system = {system_of_sql('p.source_system')} "
        "WHERE p.amount IS NOT NULL "
        f"AND {_not_quarantined('ap', PAYMENT_KEY)} "
        "AND NOT EXISTS (SELECT 1 FROM qbxml_outbox o WHERE o.company = ap.company "
        f"AND o.dedup_key = {PAYMENT_KEY})"
    )


# op -> (mirror table whose newest time_modified is the watermark, how the op takes a modified-since filter)
REFERENCE_QUERIES = {
    "VendorQuery": ("qb_vendors", "list"),
    "CustomerQuery": ("qb_customers", "list"),
    "AccountQuery": ("qb_accounts", "list_no_iterator"),
    "ItemQuery": ("qb_items", "list"),
    "BillQuery": ("qb_bills", "txn"),
    "VendorCreditQuery": ("qb_vendor_credits", "txn"),
    "BillPaymentCheckQuery": ("qb_bill_payments", "txn"),
    "BillPaymentCreditCardQuery": ("qb_bill_payments", "txn"),
    "InvoiceQuery": ("qb_invoices", "txn_lines"),
    "PurchaseOrderQuery": ("qb_purchase_orders", "txn_lines"),
    "TxnDeletedQuery": ("qb_deleted", "deleted_txn"),
    "ListDeletedQuery": ("qb_deleted", "deleted_list"),
}
# the qb_bill_payments rows each payment query brings (their watermarks are kept apart)
PAYMENT_KINDS = {"BillPaymentCheckQuery": "check", "BillPaymentCreditCardQuery": "credit_card"}
DELETED_TXN_TYPES = ["Bill", "BillPaymentCheck", "BillPaymentCreditCard", "Invoice", "VendorCredit"]
DELETED_LIST_TYPES = ["Account", "Customer", "Vendor", "ItemService", "ItemNonInventory", "ItemOtherCharge",
                      "ItemInventory"]  # fmt: skip


def reference_query_payload(op: str, stamp: str | None, until: str | None = None) -> dict[str, Any]:
    """The `<{op}Rq>` content reading everything changed since the local time `stamp` (None: everything), up to the
    local time `until` (inclusive; None: up to now), which only a query that pages (`windowed`) takes."""
    _, kind = REFERENCE_QUERIES[op]
    if kind.startswith("deleted"):
        types = {"TxnDelType": DELETED_TXN_TYPES} if kind == "deleted_txn" else {"ListDelType": DELETED_LIST_TYPES}
        return {**types, "DeletedDateRangeFilter": {"FromDeletedDate": stamp} if stamp else None}
    if kind.startswith("txn"):
        window = {"FromModifiedDate": stamp, "ToModifiedDate": until}
        payload = {
            "@iterator": "Start",
            "MaxReturned": MAX_RETURNED,
            "ModifiedDateRangeFilter": {k: v for k, v in window.items() if v} if stamp else None,
        }
        return {**payload, "IncludeLineItems": "true"} if kind == "txn_lines" else payload
    payload: dict[str, Any] = {"ActiveStatus": "All", "FromModifiedDate": stamp}
    if kind == "list":
        payload = {"@iterator": "Start", "MaxReturned": MAX_RETURNED, **payload, "ToModifiedDate": until}
    return {k: v for k, v in payload.items() if v is not None}


def windowed(op: str) -> bool:
    """Whether the reference query `op` pages with an iterator, so it is read in time windows (WINDOW_RECORDS)."""
    return REFERENCE_QUERIES[op][1] in ("txn", "txn_lines", "list")


def reference_times(op: str) -> str:
    """SQL (params: company, since in UTC): the modified times the mirror holds for `op`'s records since then, in
    order: where the windows of a read split."""
    table, _ = REFERENCE_QUERIES[op]
    only = f" AND t.payment_kind = '{PAYMENT_KINDS[op]}'" if op in PAYMENT_KINDS else ""
    return f"SELECT t.time_modified FROM {table} t WHERE t.company = ?{only} AND t.time_modified >= ? ORDER BY 1"


def reference_watermarks() -> str:
    """SQL: (company, op, watermark, live, time_zone, utc_offset_minutes) for every company and reference query. The
    watermark is the newest time the mirror holds (none: a full read), but never later than when the last read that
    finished was queued: a paging read closes there (steps.reference_windows), while the answers to our own Adds and
    Mods keep folding newer times into the mirror, so a read that took longer than the overlap would otherwise leave
    the changes between its close and the next read's start unread. A file whose clock runs behind ours keeps its own
    times, which are then the earlier ones."""
    parts = []
    for op, (table, kind) in REFERENCE_QUERIES.items():
        column, only = "time_modified", ""
        if kind.startswith("deleted"):
            column, only = "time_deleted", f" AND t.object_kind = '{kind.removeprefix('deleted_')}'"
        elif op in PAYMENT_KINDS:
            only = f" AND t.payment_kind = '{PAYMENT_KINDS[op]}'"
        parts.append(
            f"SELECT c.company, '{op}' AS op, "
            "CASE WHEN m.newest IS NOT NULL THEN least(m.newest, m.closed) END AS watermark, "
            "EXISTS (SELECT 1 FROM qbxml_outbox o WHERE o.company = c.company "
            f"AND o.op = '{op}' AND o.status IN {sql_list(*LIVE)}) AS live, c.time_zone, k.utc_offset_minutes "
            "FROM companies c LEFT JOIN qb_clock k ON k.company = c.company "
            f"CROSS JOIN LATERAL (SELECT (SELECT max(t.{column}) FROM {table} t WHERE t.company = c.company{only}) "
            "AS newest, (SELECT max(r.created_at) FROM qbxml_outbox r WHERE r.company = c.company "
            f"AND r.op = '{op}' AND r.status = '{Request.DONE}') AS closed) m"
        )
    return " UNION ALL ".join(parts)

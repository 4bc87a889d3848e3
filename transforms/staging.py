"""Coupa landing payloads (R39 JSON, hyphenated keys) to the canonical stg_* tables, as set-based SQL.

`statements(d, entity, since, staged_at)` restages the raw rows fetched after `since` (None: all of them).
Each payload is parsed once into temp tables of text fields (`_stg_docs`, `_stg_lines`); the canonical rows
and the field checks read those. Headers are upserted; a restaged document's lines are replaced as a whole.
A field that does not parse becomes NULL in staging plus a quarantine row naming the record and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from transforms.dialect import Dialect
from transforms.sqltext import ts, upsert_tail

SOURCE = "coupa"
ISSUE_PREFIX = "staging:"  # check_name prefix of the quarantine rows staging writes
DOCS, LINES = "_stg_docs", "_stg_lines"
# The invoice a Coupa Pay payment detail pays: payable-id (the invoice id), else its source transaction.
PAYABLE_INVOICE = "coalesce(l.payable_id, l.source_transaction_id)"
# The account segment that carries the cost centre (segment-1 is the GL account in the usual Coupa set-up).
COST_CENTRE_SEGMENT = "segment-2"

LINE_PATHS = {
    "line_num": ("line-num",),
    "line_id": ("id",),
    "description": ("description",),
    "quantity": ("quantity",),
    "price": ("price",),
    "total": ("total",),
    "account_code": ("account", "code"),
    "cost_centre": ("account", COST_CENTRE_SEGMENT),
}


@dataclass(frozen=True)
class Entity:
    """How one Coupa entity lands in staging."""

    raw_table: str
    stg_table: str
    prefix: str  # record key prefix, e.g. coupa:po:
    paths: dict[str, tuple[str, ...]]  # text field -> JSON path in the payload
    select: dict[str, str]  # stg column -> SQL over the text fields of h (header) ; filled per dialect
    lines_key: str | None = None
    lines_table: str | None = None
    line_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    line_select: dict[str, str] = field(default_factory=dict)  # stg line column -> SQL over l (line texts)


def _entities(d: Dialect) -> dict[str, Entity]:
    def money(expr: str) -> str:
        return d.try_decimal(expr)

    common = {"updated_at": ("updated-at",)}
    line_common = {
        "description": "l.description",
        "quantity": d.try_decimal("l.quantity", "18,5"),
        "unit_price": d.try_decimal("l.price", "18,5"),
        "line_amount": f"coalesce({money('l.total')}, CAST(round({d.try_decimal('l.quantity', '18,5')} * "
        f"{d.try_decimal('l.price', '18,5')}, 2) AS DECIMAL(18,2)))",
        "account_code": "l.account_code",
        "cost_centre": "l.cost_centre",
    }
    updated = d.try_timestamp_utc("h.updated_at")
    return {
        "suppliers": Entity(
            "raw_coupa_suppliers",
            "stg_suppliers",
            "coupa:supplier:",
            {
                **common,
                "number": ("number",),
                "name": ("name",),
                "tax_id": ("tax-id",),
                "email": ("primary-contact", "email"),
                "phone": ("primary-contact", "phone-work", "number"),
                "street1": ("primary-address", "street1"),
                "street2": ("primary-address", "street2"),
                "city": ("primary-address", "city"),
                "state": ("primary-address", "state"),
                "postal_code": ("primary-address", "postal-code"),
                "country": ("primary-address", "country", "code"),
                "status": ("status",),
            },
            {
                "supplier_number": "h.number",
                "supplier_name": "coalesce(trim(h.name), '')",
                "tax_id": "h.tax_id",
                "email": "h.email",
                "phone": "h.phone",
                "address_line1": "h.street1",
                "address_line2": "h.street2",
                "city": "h.city",
                "state": "h.state",
                "postal_code": "h.postal_code",
                "country": "h.country",
                "is_active": "coalesce(h.status, 'active') = 'active'",
                "source_updated_at": updated,
            },
        ),
        "accounts": Entity(
            "raw_coupa_accounts",
            "stg_accounts",
            "coupa:account:",
            {**common, "code": ("code",), "name": ("name",), "type": ("account-type", "name"), "active": ("active",)},
            {
                "account_code": "coalesce(h.code, '')",
                "account_name": "h.name",
                "account_type": "h.type",
                "is_active": "coalesce(h.active, 'true') = 'true'",
                "source_updated_at": updated,
            },
        ),
        "purchase_orders": Entity(
            "raw_coupa_purchase_orders",
            "stg_purchase_orders",
            "coupa:po:",
            {
                **common,
                "number": ("po-number",),
                "supplier_id": ("supplier", "id"),
                "status": ("status",),
                "currency": ("currency", "code"),
                "created_at": ("created-at",),
                "version": ("version",),
            },
            {
                "po_number": "coalesce(h.number, '')",
                "supplier_source_id": "h.supplier_id",
                "status": "h.status",
                "currency": "h.currency",
                "order_date": d.try_date("h.created_at"),
                "source_version": f"coalesce({d.try_int('h.version')}, 1)",
                "source_updated_at": updated,
            },
            "order-lines",
            "stg_po_lines",
            {**LINE_PATHS, "item_code": ("item", "item-number")},
            {**line_common, "item_code": "l.item_code"},
        ),
        "invoices": Entity(
            "raw_coupa_invoices",
            "stg_invoices",
            "coupa:invoice:",
            {
                **common,
                "number": ("invoice-number",),
                "supplier_id": ("supplier", "id"),
                "status": ("status",),
                "currency": ("currency", "code"),
                "invoice_date": ("invoice-date",),
                "due_date": ("net-due-date",),
                "gross_total": ("gross-total",),
                "version": ("lock-version-key",),
            },
            {
                "invoice_number": "coalesce(h.number, '')",
                "supplier_source_id": "h.supplier_id",
                "status": "h.status",
                "currency": "h.currency",
                "invoice_date": d.try_date("h.invoice_date"),
                "due_date": d.try_date("h.due_date"),
                "total_amount": money("h.gross_total"),
                "source_version": f"coalesce({d.try_int('h.version')}, 1)",
                "source_updated_at": updated,
            },
            "invoice-lines",
            "stg_invoice_lines",
            {**LINE_PATHS, "po_number": ("po-number",), "order_header_num": ("order-header-num",)},
            {**line_common, "po_number": "coalesce(l.po_number, l.order_header_num)"},
        ),
        "payments": Entity(
            "raw_coupa_payments",
            "stg_payments",
            "coupa:payment:",
            {
                **common,
                "payee_supplier_id": ("payee", "supplier", "id"),
                "payee_id": ("payee", "id"),
                "released_at": ("released-at",),
                "execution_date": ("requested-execution-date",),
                "created_at": ("created-at",),
                "total": ("pay-to-total",),
                "currency": ("pay-to-currency", "code"),
                "transfer_type": ("transfer-type",),
                "type": ("type",),
                "identifier": ("payment-identifier",),
            },
            {
                "supplier_source_id": "coalesce(h.payee_supplier_id, h.payee_id)",
                "invoice_source_id": f"(SELECT min({PAYABLE_INVOICE}) FROM {LINES} l WHERE l.doc_id = h.source_id)",
                "payment_date": d.try_date("coalesce(h.released_at, h.execution_date, h.created_at)"),
                "amount": money("h.total"),
                "currency": "h.currency",
                "payment_method": "coalesce(h.transfer_type, h.type)",
                "reference": "h.identifier",
                "source_updated_at": updated,
            },
            "payment-details",
            "stg_payment_details",
            {
                "line_num": ("line-num",),
                "line_id": ("id",),
                "payable_id": ("payable-id",),
                "source_transaction_id": ("source-transaction-id",),
                "payment_total": ("payment-total",),
            },
            {"detail_id": "l.line_id", "invoice_source_id": PAYABLE_INVOICE, "amount": money("l.payment_total")},
        ),
    }


ENTITY_NAMES = ("suppliers", "accounts", "purchase_orders", "invoices", "payments")
RECORD_PREFIX = {name: e.prefix for name, e in _entities(Dialect("duckdb")).items()}
STG_TABLES = {name: e.stg_table for name, e in _entities(Dialect("duckdb")).items()}


def _cols(columns) -> str:
    return ", ".join(columns)


def _extract(d: Dialect, e: Entity, since: datetime | None) -> list[str]:
    out = [
        f"DROP TABLE IF EXISTS {DOCS}",
        f"DROP TABLE IF EXISTS {LINES}",
        f"CREATE TEMP TABLE {DOCS} AS {d.extract_fields(e.raw_table, e.paths, f'fetched_at > {ts(since)}')}",
    ]
    if e.lines_key:
        where = f"fetched_at > {ts(since)}"
        out.append(f"CREATE TEMP TABLE {LINES} AS {d.extract_lines(e.raw_table, e.lines_key, e.line_paths, where)}")
    return out


def _upsert(e: Entity, staged_at: datetime) -> str:
    columns = ["source_system", "source_id", *e.select, "staged_at"]
    values = [f"'{SOURCE}'", "h.source_id", *e.select.values(), ts(staged_at)]
    return f"INSERT INTO {e.stg_table} ({_cols(columns)}) SELECT {_cols(values)} FROM {DOCS} h " + upsert_tail(
        ["source_system", "source_id"], columns
    )


def _replace_lines(d: Dialect, e: Entity, doc_column: str) -> list[str]:
    line_number = (
        f"row_number() OVER (PARTITION BY l.doc_id ORDER BY {d.try_int('l.line_num')}, {d.try_int('l.line_id')})"
    )
    columns = ["source_system", doc_column, "line_number", *e.line_select]
    values = [f"'{SOURCE}'", "l.doc_id", line_number, *e.line_select.values()]
    return [
        f"DELETE FROM {e.lines_table} WHERE source_system = '{SOURCE}' "
        f"AND {doc_column} IN (SELECT source_id FROM {DOCS})",
        f"INSERT INTO {e.lines_table} ({_cols(columns)}) SELECT {_cols(values)} FROM {LINES} l",
    ]


def _issue_selects(d: Dialect, name: str, e: Entity) -> list[str]:
    """SELECTs of (record_key, check_name, field, reason) for the fields of `e` that cannot be staged."""

    def missing(text: str, key: str, what: str) -> str:
        return (
            f"SELECT '{e.prefix}' || h.source_id, '{ISSUE_PREFIX}{key}', '{key}', '{what}' FROM {DOCS} h "
            f"WHERE coalesce(trim({text}), '') = ''"
        )

    def unparsed(text: str, key: str, kind: str) -> str:
        parsed = d.try_decimal(text) if kind == "number" else d.try_date(text)
        return (
            f"SELECT '{e.prefix}' || h.source_id, '{ISSUE_PREFIX}{key}', '{key}', "
            f"'{key} ' || {text} || ' is not a {kind}' FROM {DOCS} h WHERE {text} IS NOT NULL AND {parsed} IS NULL"
        )

    def line_issue(check: str, line_field: str, condition: str, what: str) -> str:
        return (
            f"SELECT '{e.prefix}' || l.doc_id, '{ISSUE_PREFIX}{e.lines_key}.{check}', "
            f"'{e.lines_key}[' || coalesce(l.line_num, '?') || '].{line_field}', "
            f"'{e.lines_key} line ' || coalesce(l.line_num, '?') || ': {line_field} ' || "
            f"coalesce(l.{line_field}, '') || ' {what}' FROM {LINES} l WHERE {condition}"
        )

    if name == "suppliers":
        return [missing("h.name", "name", "supplier has no name")]
    if name == "accounts":
        return [missing("h.code", "code", "account has no code")]
    if name == "payments":
        return [
            missing("h.total", "pay-to-total", "payment has no pay-to-total"),
            unparsed("h.total", "pay-to-total", "number"),
            line_issue(
                "payment-total",
                "payment_total",
                f"{d.try_decimal('l.payment_total')} IS NULL",
                "is not an amount (the share of the payment for this invoice)",
            ),
        ]
    doc = "purchase order" if name == "purchase_orders" else "invoice"
    number_key = "po-number" if name == "purchase_orders" else "invoice-number"
    out = [
        missing("h.number", number_key, f"{doc} has no {number_key}"),
        missing("h.supplier_id", "supplier", f"{doc} names no supplier"),
        f"SELECT '{e.prefix}' || h.source_id, '{ISSUE_PREFIX}{e.lines_key}', '{e.lines_key}', "
        f"'document has no {e.lines_key}' FROM {DOCS} h "
        f"WHERE NOT EXISTS (SELECT 1 FROM {LINES} l WHERE l.doc_id = h.source_id)",
    ]
    for key in ("quantity", "price", "total"):
        precision = "18,2" if key == "total" else "18,5"
        out.append(
            line_issue(
                key, key, f"l.{key} IS NOT NULL AND {d.try_decimal(f'l.{key}', precision)} IS NULL", "is not a number"
            )
        )
    quantity, price, total = (
        d.try_decimal("l.quantity", "18,5"),
        d.try_decimal("l.price", "18,5"),
        d.try_decimal("l.total"),
    )
    out.append(
        line_issue(
            "total_mismatch",
            "total",
            f"abs({total} - round({quantity} * {price}, 2)) > 0.005",
            "is not quantity x price",
        )
    )
    if name == "invoices":
        out += [unparsed("h.invoice_date", "invoice-date", "date"), unparsed("h.gross_total", "gross-total", "number")]
    return out


def _issues(d: Dialect, name: str, e: Entity, detected_at: datetime) -> list[str]:
    """Release the staging quarantine rows of restaged records, then quarantine the problems they still have."""
    selects = " UNION ALL ".join(_issue_selects(d, name, e))
    return [
        f"UPDATE quarantine SET released_at = {ts(detected_at)} "
        f"WHERE company = '' AND check_name LIKE '{ISSUE_PREFIX}%' AND released_at IS NULL "
        f"AND record_key IN (SELECT '{e.prefix}' || source_id FROM {DOCS})",
        "INSERT INTO quarantine (record_key, check_name, field, reason, company, detected_at, released_at) "
        f"SELECT record_key, check_name, min(field), min(reason), '', {ts(detected_at)}, NULL "
        f"FROM ({selects}) AS i (record_key, check_name, field, reason) GROUP BY record_key, check_name "
        "ON CONFLICT (company, record_key, check_name) DO UPDATE SET field = EXCLUDED.field, reason = EXCLUDED.reason, "
        "detected_at = EXCLUDED.detected_at, released_at = NULL",
    ]


def _link_invoices_to_pos(restaged: str) -> str:
    """Set each invoice's PO from the PO numbers on its lines, for the invoices or POs (`restaged`: the column
    that is a restaged document's id) staged in this run, whichever of the two came first."""
    return (
        "UPDATE stg_invoices SET po_source_id = t.po_source_id "
        "FROM (SELECT l.invoice_source_id, min(po.source_id) AS po_source_id FROM stg_invoice_lines l "
        "JOIN stg_purchase_orders po ON po.source_system = l.source_system AND po.po_number = l.po_number "
        f"WHERE l.source_system = '{SOURCE}' AND {restaged} IN (SELECT source_id FROM {DOCS}) "
        "GROUP BY l.invoice_source_id) t "
        f"WHERE stg_invoices.source_system = '{SOURCE}' AND stg_invoices.source_id = t.invoice_source_id"
    )


def statements(d: Dialect, name: str, since: datetime | None, staged_at: datetime) -> list[str]:
    """Everything that restages entity `name` from the rows landed after `since`, field checks included."""
    e = _entities(d)[name]
    out = [*_extract(d, e, since), _upsert(e, staged_at)]
    if name == "purchase_orders":
        out += _replace_lines(d, e, "po_source_id")
        out.append(
            "UPDATE stg_purchase_orders SET total_amount = t.total "
            "FROM (SELECT po_source_id, sum(line_amount) AS total FROM stg_po_lines "
            f"WHERE source_system = '{SOURCE}' AND po_source_id IN (SELECT source_id FROM {DOCS}) "
            "GROUP BY po_source_id) t "
            f"WHERE stg_purchase_orders.source_system = '{SOURCE}' AND stg_purchase_orders.source_id = t.po_source_id"
        )
        out.append(_link_invoices_to_pos("po.source_id"))  # invoices staged before their PO
    if name == "payments":
        out += _replace_lines(d, e, "payment_source_id")
    if name == "invoices":
        out += _replace_lines(d, e, "invoice_source_id")
        out.append(_link_invoices_to_pos("l.invoice_source_id"))
    out += _issues(d, name, e, staged_at)
    return [*out, f"DROP TABLE IF EXISTS {DOCS}", f"DROP TABLE IF EXISTS {LINES}"]

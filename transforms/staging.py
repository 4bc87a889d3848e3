"""Coupa landing payloads (R39 JSON, hyphenated keys) to the canonical stg_* tables, as set-based SQL.

Every builder returns the statements that restage the raw rows fetched after `since` (None: all of them),
stamping `staged_at`. Header rows are upserted; the lines of a restaged document are replaced as a whole.
Fields that do not parse become NULL in staging and a quarantine row naming the record and the field.
"""

from __future__ import annotations

from datetime import datetime

from transforms.dialect import Dialect
from transforms.sqltext import ts, upsert_tail

SOURCE = "coupa"

SUPPLIER_COLUMNS = [
    "source_system", "source_id", "supplier_number", "supplier_name", "tax_id", "email", "phone",
    "address_line1", "address_line2", "city", "state", "postal_code", "country", "is_active",
    "source_updated_at", "staged_at",
]  # fmt: skip
ACCOUNT_COLUMNS = [
    "source_system", "source_id", "account_code", "account_name", "account_type", "is_active",
    "source_updated_at", "staged_at",
]  # fmt: skip
PO_COLUMNS = [
    "source_system", "source_id", "po_number", "supplier_source_id", "status", "currency", "order_date",
    "source_version", "source_updated_at", "staged_at",
]  # fmt: skip
PO_LINE_COLUMNS = [
    "source_system", "po_source_id", "line_number", "description", "quantity", "unit_price", "line_amount",
    "account_code", "cost_centre", "item_code",
]  # fmt: skip
INVOICE_COLUMNS = [
    "source_system", "source_id", "invoice_number", "supplier_source_id", "status", "currency", "invoice_date",
    "due_date", "total_amount", "source_version", "source_updated_at", "staged_at",
]  # fmt: skip
INVOICE_LINE_COLUMNS = [
    "source_system", "invoice_source_id", "line_number", "description", "quantity", "unit_price", "line_amount",
    "account_code", "cost_centre", "po_number",
]  # fmt: skip
PAYMENT_COLUMNS = [
    "source_system", "source_id", "supplier_source_id", "invoice_source_id", "payment_date", "amount", "currency",
    "payment_method", "reference", "source_updated_at", "staged_at",
]  # fmt: skip

# The account segment that carries the cost centre (segment-1 is the GL account in the usual Coupa set-up).
COST_CENTRE_SEGMENT = "segment-2"


def _t(key: str, base: str = "r.payload") -> str:
    """The text of JSON field `key` of `base`."""
    return f"({base}->>'{key}')"


def _j(key: str, base: str = "r.payload") -> str:
    """The JSON value of field `key` of `base`."""
    return f"{base}->'{key}'"


def _changed(raw_table: str, since: datetime | None) -> str:
    return f"SELECT source_id FROM {raw_table} WHERE fetched_at > {ts(since)}"


def _cols(columns: list[str]) -> str:
    return ", ".join(columns)


def suppliers(d: Dialect, since: datetime | None, staged_at: datetime) -> list[str]:
    p = "r.payload"
    return [
        f"INSERT INTO stg_suppliers ({_cols(SUPPLIER_COLUMNS)}) "
        f"SELECT '{SOURCE}', r.source_id, {p}->>'number', coalesce(trim({p}->>'name'), ''), {p}->>'tax-id', "
        f"{p}->'primary-contact'->>'email', {p}->'primary-contact'->'phone-work'->>'number', "
        f"{p}->'primary-address'->>'street1', {p}->'primary-address'->>'street2', "
        f"{p}->'primary-address'->>'city', {p}->'primary-address'->>'state', "
        f"{p}->'primary-address'->>'postal-code', {p}->'primary-address'->'country'->>'code', "
        f"coalesce({p}->>'status', 'active') = 'active', {d.try_timestamp_utc(_t('updated-at', p))}, "
        f"{ts(staged_at)} "
        f"FROM raw_coupa_suppliers r WHERE r.fetched_at > {ts(since)} "
        + upsert_tail(["source_system", "source_id"], SUPPLIER_COLUMNS)
    ]


def accounts(d: Dialect, since: datetime | None, staged_at: datetime) -> list[str]:
    p = "r.payload"
    return [
        f"INSERT INTO stg_accounts ({_cols(ACCOUNT_COLUMNS)}) "
        f"SELECT '{SOURCE}', r.source_id, coalesce({p}->>'code', ''), {p}->>'name', {p}->'account-type'->>'name', "
        f"coalesce({p}->>'active', 'true') = 'true', {d.try_timestamp_utc(_t('updated-at', p))}, "
        f"{ts(staged_at)} "
        f"FROM raw_coupa_accounts r WHERE r.fetched_at > {ts(since)} "
        + upsert_tail(["source_system", "source_id"], ACCOUNT_COLUMNS)
    ]


def _line_fields(d: Dialect) -> dict[str, str]:
    """Expressions over a document line `l.value` shared by order lines and invoice lines."""
    v = "l.value"
    quantity = d.try_decimal(f"{v}->>'quantity'", "18,5")
    price = d.try_decimal(f"{v}->>'price'", "18,5")
    return {
        "description": f"{v}->>'description'",
        "quantity": quantity,
        "unit_price": price,
        "line_amount": f"coalesce({d.try_decimal(_t('total', v))}, "
        f"CAST(round({quantity} * {price}, 2) AS DECIMAL(18,2)))",
        "account_code": f"{v}->'account'->>'code'",
        "cost_centre": f"{v}->'account'->>'{COST_CENTRE_SEGMENT}'",
        "line_number": f"row_number() OVER (PARTITION BY r.source_id ORDER BY {d.try_int(_t('line-num', v))}, "
        f"{d.try_int(_t('id', v))})",
    }


def purchase_orders(d: Dialect, since: datetime | None, staged_at: datetime) -> list[str]:
    """Headers, then their order lines, then each header's total as the sum of its lines."""
    p = "r.payload"
    f = _line_fields(d)
    changed = _changed("raw_coupa_purchase_orders", since)
    return [
        f"INSERT INTO stg_purchase_orders ({_cols(PO_COLUMNS)}) "
        f"SELECT '{SOURCE}', r.source_id, coalesce({p}->>'po-number', ''), {p}->'supplier'->>'id', {p}->>'status', "
        f"{p}->'currency'->>'code', {d.try_date(_t('created-at', p))}, "
        f"coalesce({d.try_int(_t('version', p))}, 1), "
        f"{d.try_timestamp_utc(_t('updated-at', p))}, {ts(staged_at)} "
        f"FROM raw_coupa_purchase_orders r WHERE r.fetched_at > {ts(since)} "
        + upsert_tail(["source_system", "source_id"], PO_COLUMNS),
        f"DELETE FROM stg_po_lines WHERE source_system = '{SOURCE}' AND po_source_id IN ({changed})",
        f"INSERT INTO stg_po_lines ({_cols(PO_LINE_COLUMNS)}) "
        f"SELECT '{SOURCE}', r.source_id, {f['line_number']}, {f['description']}, {f['quantity']}, "
        f"{f['unit_price']}, {f['line_amount']}, {f['account_code']}, {f['cost_centre']}, "
        "l.value->'item'->>'item-number' "
        f"FROM raw_coupa_purchase_orders r, {d.json_elements(_j('order-lines', p), 'l')} "
        f"WHERE r.fetched_at > {ts(since)}",
        "UPDATE stg_purchase_orders SET total_amount = t.total "
        "FROM (SELECT po_source_id, sum(line_amount) AS total FROM stg_po_lines "
        f"WHERE source_system = '{SOURCE}' AND po_source_id IN ({changed}) GROUP BY po_source_id) t "
        f"WHERE stg_purchase_orders.source_system = '{SOURCE}' AND stg_purchase_orders.source_id = t.po_source_id",
    ]


def invoices(d: Dialect, since: datetime | None, staged_at: datetime) -> list[str]:
    """Headers, their lines, then the purchase order each invoice bills (by the PO number on its lines)."""
    p = "r.payload"
    f = _line_fields(d)
    changed = _changed("raw_coupa_invoices", since)
    return [
        f"INSERT INTO stg_invoices ({_cols(INVOICE_COLUMNS)}) "
        f"SELECT '{SOURCE}', r.source_id, coalesce({p}->>'invoice-number', ''), {p}->'supplier'->>'id', "
        f"{p}->>'status', {p}->'currency'->>'code', {d.try_date(_t('invoice-date', p))}, "
        f"{d.try_date(_t('net-due-date', p))}, "
        f"{d.try_decimal(_t('gross-total', p))}, "
        f"coalesce({d.try_int(_t('lock-version-key', p))}, 1), "
        f"{d.try_timestamp_utc(_t('updated-at', p))}, {ts(staged_at)} "
        f"FROM raw_coupa_invoices r WHERE r.fetched_at > {ts(since)} "
        + upsert_tail(["source_system", "source_id"], INVOICE_COLUMNS),
        f"DELETE FROM stg_invoice_lines WHERE source_system = '{SOURCE}' AND invoice_source_id IN ({changed})",
        f"INSERT INTO stg_invoice_lines ({_cols(INVOICE_LINE_COLUMNS)}) "
        f"SELECT '{SOURCE}', r.source_id, {f['line_number']}, {f['description']}, {f['quantity']}, "
        f"{f['unit_price']}, {f['line_amount']}, {f['account_code']}, {f['cost_centre']}, "
        "coalesce(l.value->>'po-number', l.value->>'order-header-num') "
        f"FROM raw_coupa_invoices r, {d.json_elements(_j('invoice-lines', p), 'l')} "
        f"WHERE r.fetched_at > {ts(since)}",
        "UPDATE stg_invoices SET po_source_id = t.po_source_id "
        "FROM (SELECT l.invoice_source_id, min(po.source_id) AS po_source_id FROM stg_invoice_lines l "
        "JOIN stg_purchase_orders po ON po.source_system = l.source_system AND po.po_number = l.po_number "
        f"WHERE l.source_system = '{SOURCE}' AND l.invoice_source_id IN ({changed}) "
        "GROUP BY l.invoice_source_id) t "
        f"WHERE stg_invoices.source_system = '{SOURCE}' AND stg_invoices.source_id = t.invoice_source_id",
    ]


def payments(d: Dialect, since: datetime | None, staged_at: datetime) -> list[str]:
    """Coupa Pay payments; the invoice paid is the source transaction of the payment's first detail."""
    p = "r.payload"
    first_detail = (
        f"(SELECT min(pd.value->>'source-transaction-id') FROM {d.json_elements(_j('payment-details', p), 'pd')})"
    )
    when = f"coalesce({p}->>'released-at', {p}->>'requested-execution-date', {p}->>'created-at')"
    return [
        f"INSERT INTO stg_payments ({_cols(PAYMENT_COLUMNS)}) "
        f"SELECT '{SOURCE}', r.source_id, coalesce({p}->'payee'->'supplier'->>'id', {p}->'payee'->>'id'), "
        f"{first_detail}, {d.try_date(when)}, {d.try_decimal(_t('pay-to-total', p))}, "
        f"{p}->'pay-to-currency'->>'code', coalesce({p}->>'transfer-type', {p}->>'type'), "
        f"{p}->>'payment-identifier', {d.try_timestamp_utc(_t('updated-at', p))}, "
        f"{ts(staged_at)} "
        f"FROM raw_coupa_payments r WHERE r.fetched_at > {ts(since)} "
        + upsert_tail(["source_system", "source_id"], PAYMENT_COLUMNS)
    ]


STAGERS = {
    "suppliers": suppliers,
    "accounts": accounts,
    "purchase_orders": purchase_orders,
    "invoices": invoices,
    "payments": payments,
}


RECORD_PREFIX = {
    "suppliers": "coupa:supplier:",
    "accounts": "coupa:account:",
    "purchase_orders": "coupa:po:",
    "invoices": "coupa:invoice:",
    "payments": "coupa:payment:",
}
ISSUE_PREFIX = "staging:"  # check_name prefix of the quarantine rows staging writes


def _missing(prefix: str, key: str, what: str, expr: str | None = None) -> str:
    """Rows whose field `key` (or the text `expr`) is absent or blank."""
    return (
        f"SELECT '{prefix}' || r.source_id AS record_key, '{ISSUE_PREFIX}{key}' AS check_name, "
        f"'{key}' AS field, '{what}' AS reason FROM {{raw}} r "
        f"WHERE r.fetched_at > {{since}} AND coalesce(trim({expr or _t(key)}), '') = ''"
    )


def _unparsed(d: Dialect, prefix: str, key: str, kind: str, base: str = "r.payload") -> str:
    """Rows whose field `key` is present but not a `kind` (number | date)."""
    parsed = d.try_decimal(_t(key, base)) if kind == "number" else d.try_date(_t(key, base))
    return (
        f"SELECT '{prefix}' || r.source_id, '{ISSUE_PREFIX}{key}', '{key}', "
        f"'{key} ' || {_t(key, base)} || ' is not a {kind}' FROM {{raw}} r "
        f"WHERE r.fetched_at > {{since}} AND {_t(key, base)} IS NOT NULL AND {parsed} IS NULL"
    )


def _unparsed_lines(d: Dialect, prefix: str, lines_key: str) -> list[str]:
    """Line amounts present but not numbers, named by the line's line-num."""
    out = []
    for key in ("quantity", "price", "total"):
        out.append(
            f"SELECT '{prefix}' || r.source_id, '{ISSUE_PREFIX}{lines_key}.{key}', "
            f"'{lines_key}[' || coalesce({_t('line-num', 'l.value')}, '?') || '].{key}', "
            f"'{lines_key} line ' || coalesce({_t('line-num', 'l.value')}, '?') || ': {key} ' || "
            f"{_t(key, 'l.value')} || ' is not a number' "
            f"FROM {{raw}} r, {d.json_elements(_j(lines_key), 'l')} "
            f"WHERE r.fetched_at > {{since}} AND {_t(key, 'l.value')} IS NOT NULL "
            f"AND {d.try_decimal(_t(key, 'l.value'), '18,5')} IS NULL"
        )
    return out


def _line_total_differs(d: Dialect, prefix: str, lines_key: str) -> str:
    """Lines whose stated total is not quantity x price (to the cent)."""
    quantity = d.try_decimal(_t("quantity", "l.value"), "18,5")
    price = d.try_decimal(_t("price", "l.value"), "18,5")
    total = d.try_decimal(_t("total", "l.value"))
    return (
        f"SELECT '{prefix}' || r.source_id, '{ISSUE_PREFIX}{lines_key}.total_mismatch', "
        f"'{lines_key}[' || coalesce({_t('line-num', 'l.value')}, '?') || '].total', "
        f"'{lines_key} line ' || coalesce({_t('line-num', 'l.value')}, '?') || ': total ' || "
        f"{_t('total', 'l.value')} || ' is not quantity x price' "
        f"FROM {{raw}} r, {d.json_elements(_j(lines_key), 'l')} "
        f"WHERE r.fetched_at > {{since}} AND abs({total} - round({quantity} * {price}, 2)) > 0.005"
    )


def _no_lines(d: Dialect, prefix: str, lines_key: str) -> str:
    return (
        f"SELECT '{prefix}' || r.source_id, '{ISSUE_PREFIX}{lines_key}', '{lines_key}', "
        f"'document has no {lines_key}' FROM {{raw}} r WHERE r.fetched_at > {{since}} "
        f"AND NOT EXISTS (SELECT 1 FROM {d.json_elements(_j(lines_key), 'l')})"
    )


def issue_selects(d: Dialect, entity: str) -> list[str]:
    """SELECTs of (record_key, check_name, field, reason) for fields of `entity` that cannot be staged."""
    prefix = RECORD_PREFIX[entity]
    if entity == "suppliers":
        return [_missing(prefix, "name", "supplier has no name")]
    if entity == "accounts":
        return [_missing(prefix, "code", "account has no code")]
    if entity == "purchase_orders":
        return [
            _missing(prefix, "po-number", "purchase order has no po-number"),
            _missing(prefix, "supplier", "purchase order names no supplier", _t("id", _j("supplier"))),
            _no_lines(d, prefix, "order-lines"),
            *_unparsed_lines(d, prefix, "order-lines"),
            _line_total_differs(d, prefix, "order-lines"),
        ]
    if entity == "invoices":
        return [
            _missing(prefix, "invoice-number", "invoice has no invoice-number"),
            _missing(prefix, "supplier", "invoice names no supplier", _t("id", _j("supplier"))),
            _unparsed(d, prefix, "invoice-date", "date"),
            _unparsed(d, prefix, "gross-total", "number"),
            _no_lines(d, prefix, "invoice-lines"),
            *_unparsed_lines(d, prefix, "invoice-lines"),
            _line_total_differs(d, prefix, "invoice-lines"),
        ]
    if entity == "payments":
        return [
            _missing(prefix, "pay-to-total", "payment has no pay-to-total"),
            _unparsed(d, prefix, "pay-to-total", "number"),
        ]
    raise ValueError(f"unknown Coupa entity {entity!r}")


def issues(d: Dialect, entity: str, since: datetime | None, detected_at: datetime) -> list[str]:
    """Release the staging quarantine rows of restaged records, then quarantine the problems they still have."""
    raw = f"raw_coupa_{entity}"
    prefix = RECORD_PREFIX[entity]
    selects = " UNION ALL ".join(
        s.replace("{raw}", raw).replace("{since}", ts(since)) for s in issue_selects(d, entity)
    )
    return [
        f"UPDATE quarantine SET released_at = {ts(detected_at)} "
        f"WHERE check_name LIKE '{ISSUE_PREFIX}%' AND released_at IS NULL "
        f"AND record_key IN (SELECT '{prefix}' || source_id FROM {raw} WHERE fetched_at > {ts(since)})",
        "INSERT INTO quarantine (record_key, check_name, field, reason, company, detected_at, released_at) "
        f"SELECT record_key, check_name, min(field), min(reason), NULL, {ts(detected_at)}, NULL "
        f"FROM ({selects}) AS i GROUP BY record_key, check_name "
        "ON CONFLICT (record_key, check_name) DO UPDATE SET field = EXCLUDED.field, reason = EXCLUDED.reason, "
        "detected_at = EXCLUDED.detected_at, released_at = NULL",
    ]

"""The generic staging engine: any source's landing payloads to the canonical stg_* tables, as set-based SQL.

`statements(d, source, entity, rows, staged_at)` restages the raw rows of `source`'s `entity` that `rows` (a WHERE on
the landing table, from `landed_rows`) picks: the few changed ones by primary key, many by their fetch time. The
declared payload fields are parsed once into temp tables of text (`_stg_docs`, `_stg_lines`); the source's mapping
SQL (a .sql file SELECTing canonical columns) and the declared field checks read those. Headers are upserted; a
restaged document's lines are replaced as a whole. A field that does not parse becomes NULL in staging plus a
quarantine row naming the record and the field.
"""

from __future__ import annotations

from datetime import datetime

from sources.declaration import Entity, Source
from sources.keys import record_key_sql
from transforms.canonical import CANONICAL, Canonical
from transforms.dialect import Dialect
from transforms.sqltext import text, ts, upsert_tail

ISSUE_PREFIX = "staging:"  # check_name prefix of the quarantine rows staging writes
KEYED_IDS = 2048  # up to this many changed documents are read by primary key; more, by a scan on fetched_at
DOCS, LINES = "_stg_docs", "_stg_lines"


class _Fn:
    """A dialect function usable in a mapping .sql file as `{name:sql expression}`."""

    def __init__(self, fn):
        self.fn = fn

    def __format__(self, expr: str) -> str:
        return self.fn(expr)


def render(d: Dialect, sql: str) -> str:
    """A mapping file's SQL for backend `d`: {docs}/{lines} and the parse functions filled in."""
    return sql.format(
        docs=DOCS,
        lines=LINES,
        decimal=_Fn(d.try_decimal),
        decimal5=_Fn(lambda e: d.try_decimal(e, "18,5")),
        int=_Fn(d.try_int),
        date=_Fn(d.try_date),
        timestamp=_Fn(d.try_timestamp_utc),
    )


def mapping(d: Dialect, source: Source, entity: str) -> tuple[str, str | None]:
    """(header SELECT, lines SELECT or None) of the source's mapping file for `entity`."""
    parts = [p.strip() for p in render(d, _without_comments(source.mapping_sql(entity))).split(";") if p.strip()]
    shared = source.entities[entity].lines_sql
    if shared:
        return parts[0], render(d, _without_comments(source.mapping_sql(shared))).strip().rstrip(";")
    return parts[0], (parts[1] if len(parts) > 1 else None)


def _without_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))


def _cols(columns) -> str:
    return ", ".join(columns)


def landed_rows(landed_ids: list[str], since: datetime | None) -> str | None:
    """WHERE on a landing table picking the rows to restage, from the ids of the rows landed after `since` (at most
    KEYED_IDS + 1 of them): those ids when there are at most KEYED_IDS (an index lookup, not a scan of every payload),
    else every row fetched after `since`; None when nothing landed."""
    if not landed_ids:
        return None
    if len(landed_ids) > KEYED_IDS:
        return f"fetched_at > {ts(since)}"
    return f"source_id IN ({', '.join(text(i) for i in landed_ids)})"


def landed_ids_sql(raw: str, since: datetime | None) -> str:
    """SELECT of up to KEYED_IDS + 1 ids of the rows of landing table `raw` fetched after `since` (for landed_rows)."""
    return f"SELECT source_id FROM {raw} WHERE fetched_at > {ts(since)} LIMIT {KEYED_IDS + 1}"


def _extract(d: Dialect, source: Source, name: str, e: Entity, where: str) -> list[str]:
    raw = source.raw_table(name)
    out = [
        f"DROP TABLE IF EXISTS {DOCS}",
        f"DROP TABLE IF EXISTS {LINES}",
        f"CREATE TEMP TABLE {DOCS} AS {d.extract_fields(raw, e.paths, where)}",
    ]
    if e.lines_key:
        out.append(f"CREATE TEMP TABLE {LINES} AS {d.extract_lines(raw, e.lines_key, e.line_paths, where)}")
    return out


def _upsert(c: Canonical, e: Entity, system: str, select: str, staged_at: datetime) -> str:
    given = [*c.columns, *(col for col in c.optional_columns if col in e.optional)]
    columns = ["source_system", "source_id", *given, "staged_at"]
    values = [system, "m.source_id", *(f"m.{col}" for col in given), ts(staged_at)]
    return f"INSERT INTO {c.table} ({_cols(columns)}) SELECT {_cols(values)} FROM ({select}) m " + upsert_tail(
        ["source_system", "source_id"], columns
    )


def _replace_lines(c: Canonical, e: Entity, system: str, select: str) -> list[str]:
    line_number = "row_number() OVER (PARTITION BY m.doc_id ORDER BY m.line_seq, m.line_ref)"
    given = [*c.line_columns, *(col for col in c.optional_line_columns if col in e.optional)]
    columns = ["source_system", c.doc_column, "line_number", *given]
    values = [system, "m.doc_id", line_number, *(f"m.{col}" for col in given)]
    return [
        f"DELETE FROM {c.lines_table} WHERE source_system = {system} "
        f"AND {c.doc_column} IN (SELECT source_id FROM {DOCS})",
        f"INSERT INTO {c.lines_table} ({_cols(columns)}) SELECT {_cols(values)} FROM ({select}) m",
    ]


def _derived(c: Canonical, system: str) -> list[str]:
    """Canonical columns computed from other staged rows: a PO's total from its lines, an invoice's PO by number
    (set whichever of the two is staged first)."""
    if c.name == "purchase_orders":
        return [
            "UPDATE stg_purchase_orders SET total_amount = t.total "
            "FROM (SELECT po_source_id, sum(line_amount) AS total FROM stg_po_lines "
            f"WHERE source_system = {system} AND po_source_id IN (SELECT source_id FROM {DOCS}) "
            "GROUP BY po_source_id) t "
            f"WHERE stg_purchase_orders.source_system = {system} AND stg_purchase_orders.source_id = t.po_source_id",
            _link_invoices_to_pos(system, "po.source_id"),  # invoices staged before their PO
        ]
    if c.name == "invoices":
        return [_link_invoices_to_pos(system, "l.invoice_source_id")]
    return []


def _link_invoices_to_pos(system: str, restaged: str) -> str:
    """Set each invoice's PO from the PO numbers on its lines, for the invoices or the POs (`restaged`: the column
    that is a restaged document's id) staged in this run."""
    return (
        "UPDATE stg_invoices SET po_source_id = t.po_source_id "
        "FROM (SELECT l.invoice_source_id, min(po.source_id) AS po_source_id FROM stg_invoice_lines l "
        "JOIN stg_purchase_orders po ON po.source_system = l.source_system AND po.po_number = l.po_number "
        f"WHERE l.source_system = {system} AND {restaged} IN (SELECT source_id FROM {DOCS}) "
        "GROUP BY l.invoice_source_id) t "
        f"WHERE stg_invoices.source_system = {system} AND stg_invoices.source_id = t.invoice_source_id"
    )


def _issue_selects(d: Dialect, system: str, e: Entity, kind: str) -> list[str]:
    """SELECTs of (record_key, check_name, field, reason) for the fields of `e` that cannot be staged."""
    doc_key = record_key_sql(system, kind, "h.source_id")

    def missing(field: str, label: str, what: str) -> str:
        return (
            f"SELECT {doc_key}, '{ISSUE_PREFIX}{label}', '{label}', {text(what)} FROM {DOCS} h "
            f"WHERE coalesce(trim(h.{field}), '') = ''"
        )

    def unparsed(field: str, label: str, what: str) -> str:
        parsed = d.try_decimal(f"h.{field}") if what == "number" else d.try_date(f"h.{field}")
        return (
            f"SELECT {doc_key}, '{ISSUE_PREFIX}{label}', '{label}', '{label} ' || h.{field} || ' is not a {what}' "
            f"FROM {DOCS} h WHERE h.{field} IS NOT NULL AND {parsed} IS NULL"
        )

    def line_issue(check: str, line_field: str, condition: str, what: str) -> str:
        return (
            f"SELECT {record_key_sql(system, kind, 'l.doc_id')}, '{ISSUE_PREFIX}{e.lines_key}.{check}', "
            f"'{e.lines_key}[' || coalesce(l.line_num, '?') || '].{line_field}', "
            f"'{e.lines_key} line ' || coalesce(l.line_num, '?') || ': {line_field} ' || "
            f"coalesce(l.{line_field}, '') || {text(' ' + what)} FROM {LINES} l WHERE {condition}"
        )

    out = [missing(f, label, what) for f, (label, what) in e.required.items()]
    out += [unparsed(f, label, "number") for f, label in e.numbers.items()]
    out += [unparsed(f, label, "date") for f, label in e.dates.items()]
    if e.require_lines:
        out.append(
            f"SELECT {doc_key}, '{ISSUE_PREFIX}{e.lines_key}', '{e.lines_key}', 'document has no {e.lines_key}' "
            f"FROM {DOCS} h WHERE NOT EXISTS (SELECT 1 FROM {LINES} l WHERE l.doc_id = h.source_id)"
        )
    for f, rule in e.line_numbers.items():
        bad = f"{d.try_decimal(f'l.{f}', rule.precision)} IS NULL"
        out.append(line_issue(rule.label, f, bad if rule.required else f"l.{f} IS NOT NULL AND {bad}", rule.what))
    if e.line_total_check:
        quantity, price = d.try_decimal("l.quantity", "18,5"), d.try_decimal("l.price", "18,5")
        total = d.try_decimal("l.total")
        out.append(
            line_issue(
                "total_mismatch", "total", f"abs({total} - round({quantity} * {price}, 2)) > 0.005",
                "is not quantity x price",
            )
        )  # fmt: skip
    return out


def _issues(d: Dialect, system: str, e: Entity, kind: str, detected_at: datetime) -> list[str]:
    """Release the staging quarantine rows of restaged records, then quarantine the problems they still have."""
    selects = _issue_selects(d, system, e, kind)
    out = [
        f"UPDATE quarantine SET released_at = {ts(detected_at)} "
        f"WHERE company = '' AND check_name LIKE '{ISSUE_PREFIX}%' AND released_at IS NULL "
        f"AND record_key IN (SELECT {record_key_sql(system, kind, 'source_id')} FROM {DOCS})",
    ]
    if selects:
        out.append(
            "INSERT INTO quarantine (record_key, check_name, field, reason, company, detected_at, released_at) "
            f"SELECT record_key, check_name, min(field), min(reason), '', {ts(detected_at)}, NULL "
            f"FROM ({' UNION ALL '.join(selects)}) AS i (record_key, check_name, field, reason) "
            "GROUP BY record_key, check_name "
            "ON CONFLICT (company, record_key, check_name) DO UPDATE SET field = EXCLUDED.field, "
            "reason = EXCLUDED.reason, detected_at = EXCLUDED.detected_at, released_at = NULL"
        )
    return out


def statements(d: Dialect, source: Source, name: str, rows: str, staged_at: datetime) -> list[str]:
    """Everything that restages `source`'s entity `name` from the landing rows `rows` picks, field checks included."""
    e = source.entities[name]
    c = CANONICAL[e.canonical]
    system = text(source.key)
    header, lines = mapping(d, source, name)
    out = [*_extract(d, source, name, e, rows), _upsert(c, e, system, header, staged_at)]
    if c.lines_table and lines:
        out += _replace_lines(c, e, system, lines)
    out += _derived(c, system)
    out += _issues(d, system, e, c.kind, staged_at)
    return [*out, f"DROP TABLE IF EXISTS {DOCS}", f"DROP TABLE IF EXISTS {LINES}"]

"""`qbsync mappings import|list|unmapped`: source account codes, cost centres, items, tax codes and supplier terms onto
QuickBooks names, from CSV; the codes the sources list that still lack one, as a CSV to fill in.

A file is taken whole or not at all: every bad row is reported (its line in the file, the column, why) and
nothing is written, so an operator never loads half a chart."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pandas as pd

from qbxml.schema import max_length
from sources import registry
from sources.keys import check_instance
from warehouse.audit import record
from warehouse.store import Conn


@dataclass(frozen=True)
class MappingKind:
    """One mapping table: the CSV columns it takes (the table's own column names) and its key."""

    table: str
    source_column: str
    target_column: str
    target_max: int = 159  # a QuickBooks FullName (account, class, item with their parents)

    @property
    def columns(self) -> tuple[str, ...]:
        return ("company", "source_system", self.source_column, self.target_column)


KINDS = {
    "accounts": MappingKind("account_mappings", "source_account_code", "qb_account_name"),
    "cost-centres": MappingKind("cost_centre_mappings", "cost_centre", "qb_class_name"),
    "items": MappingKind("item_mappings", "source_account_code", "qb_item_name"),
    "tax-codes": MappingKind(
        "tax_code_mappings", "source_tax_code", "qb_sales_tax_code", max_length(("SalesTaxCodeAdd", "Name"))
    ),
    "terms": MappingKind("terms_mappings", "source_terms", "qb_terms_name", max_length(("StandardTermsAdd", "Name"))),
}


class MappingFileError(ValueError):
    """A CSV the import refuses, with one message per bad row."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def parse(kind: str, text: str, companies: set[str]) -> pd.DataFrame:
    """The rows of a mapping CSV (header: the kind's columns), or MappingFileError naming every bad row."""
    spec = KINDS[kind]
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in spec.columns if c not in (reader.fieldnames or [])]
    if missing:
        raise MappingFileError([f"line 1: header lacks {', '.join(missing)} (expected {','.join(spec.columns)})"])
    rows, problems, seen = [], [], {}
    for row in reader:
        line = reader.line_num
        values = {c: (row.get(c) or "").strip() for c in spec.columns}
        bad = [f"{c} is empty" for c, v in values.items() if not v]
        if values["company"] and values["company"] not in companies:
            bad.append(f"company {values['company']!r} does not exist")
        if values["source_system"] and not _declared(values["source_system"]):
            bad.append(f"source_system {values['source_system']!r} is not a declared source (or source@instance)")
        if len(values[spec.target_column]) > spec.target_max:
            bad.append(f"{spec.target_column} is longer than {spec.target_max} characters")
        key = (values["company"], values["source_system"], values[spec.source_column])
        if key in seen:
            bad.append(f"{spec.source_column} {key[2]!r} is mapped again (first on line {seen[key]})")
        seen.setdefault(key, line)
        if bad:
            problems.append(f"line {line}: " + "; ".join(bad))
        else:
            rows.append(values)
    if problems:
        raise MappingFileError(problems)
    return pd.DataFrame(rows, columns=list(spec.columns))


def _declared(key: str) -> bool:
    """Whether `key` names a declared source's default instance (`coupa`) or a valid other one (`coupa@emea`)."""
    system, at, instance = key.partition("@")
    try:
        return system in registry.names() and (not at or check_instance(instance) == instance)
    except ValueError:
        return False


def import_file(conn: Conn, kind: str, text: str) -> int:
    """Upsert every row of a valid mapping CSV; audit each (company, code) that changed. Returns rows written."""
    spec = KINDS[kind]
    companies = {r[0] for r in conn.fetchall("SELECT company FROM companies")}
    frame = parse(kind, text, companies)
    if frame.empty:
        return 0
    before = {(r[0], r[1], r[2]): r[3] for r in conn.fetchall(f"SELECT {', '.join(spec.columns)} FROM {spec.table}")}
    changed = [r for r in frame.itertuples(index=False) if before.get(tuple(r[:3])) != r[3]]
    conn.upsert(spec.table, frame, list(spec.columns[:3]))
    record(
        conn,
        [
            {
                "actor": "cli:mappings",
                "company": r[0],
                "record_key": f"mapping:{kind}:{r[1]}:{r[2]}",
                "event": "mapped",
                "detail": {"from": before.get(tuple(r[:3])), "to": r[3]},
            }
            for r in changed
        ],
    )
    return len(frame)


def list_all(conn: Conn, company: str | None = None) -> list[tuple[str, str, str, str, str]]:
    """(kind, company, source_system, source code, QuickBooks name) of every mapping, of one company or all."""
    out = []
    for kind, spec in KINDS.items():
        where = " WHERE company = ?" if company else ""
        rows = conn.fetchall(
            f"SELECT {', '.join(spec.columns)} FROM {spec.table}{where} ORDER BY 1, 2, 3",
            [company] if company else None,
        )
        out += [(kind, *row) for row in rows]
    return out


# mapping kind -> the staged list whose codes it maps: (table, code column, the source's name for the code)
LISTED = {
    "accounts": ("stg_accounts", "account_code", "account_name"),
    "cost-centres": ("stg_cost_centres", "cost_centre", "cost_centre_name"),
}


def unmapped(conn: Conn, kind: str, company: str | None = None) -> pd.DataFrame:
    """A `kind` mapping CSV to fill in: every active code the sources feeding `company` (or every company) list with
    no mapping yet, the QuickBooks name blank and the source's own name beside it (import ignores that column)."""
    spec = KINDS[kind]
    table, code, name = LISTED[kind]
    return conn.df(
        f"SELECT f.company, s.source_system, s.{code} AS {spec.source_column}, '' AS {spec.target_column}, "
        f"s.{name} AS source_name FROM {table} s JOIN company_feeds f ON f.source_system = s.source_system "
        "WHERE s.is_active AND (CAST(? AS TEXT) IS NULL OR f.company = ?) "
        f"AND NOT EXISTS (SELECT 1 FROM {spec.table} m WHERE m.company = f.company "
        f"AND m.source_system = s.source_system AND m.{spec.source_column} = s.{code}) "
        "ORDER BY 1, 2, 3",
        [company, company],
    )

"""`qbsync mappings import tax-codes FILE.csv`: source tax codes onto a company file's QuickBooks sales tax codes.

A file is taken whole or not at all: every bad row is named (its line, the column, why) and nothing is written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from warehouse.store import Conn

TABLE = "tax_code_mappings"
COLUMNS = ("company", "source_system", "source_tax_code", "qb_sales_tax_code")
KEY = list(COLUMNS[:3])
QB_CODE_MAX = 3  # a sales tax code's name in QuickBooks (SalesTaxCodeRef/FullName, STRTYPE of length 3)

mappings_app = typer.Typer(no_args_is_help=True, help="Source codes onto QuickBooks names, from CSV.")


class MappingFileError(ValueError):
    """A CSV the import refuses, with one message per bad row."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def parse(text: str, companies: set[str], sources: set[str]) -> pd.DataFrame:
    """The rows of a tax-codes CSV (header: COLUMNS), or MappingFileError naming every bad row."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise MappingFileError([f"line 1: header lacks {', '.join(missing)} (expected {','.join(COLUMNS)})"])
    rows, problems, seen = [], [], {}
    for row in reader:
        values = {c: (row.get(c) or "").strip() for c in COLUMNS}
        bad = [f"{c} is empty" for c, v in values.items() if not v]
        if values["company"] and values["company"] not in companies:
            bad.append(f"company {values['company']!r} does not exist")
        if values["source_system"] and values["source_system"] not in sources:
            bad.append(f"source_system {values['source_system']!r} is not a declared source")
        if len(values["qb_sales_tax_code"]) > QB_CODE_MAX:
            bad.append(f"qb_sales_tax_code {values['qb_sales_tax_code']!r} is longer than {QB_CODE_MAX} characters")
        key = tuple(values[c] for c in KEY)
        if key in seen:
            bad.append(f"source_tax_code {key[2]!r} is mapped again (first on line {seen[key]})")
        seen.setdefault(key, reader.line_num)
        if bad:
            problems.append(f"line {reader.line_num}: " + "; ".join(bad))
        else:
            rows.append(values)
    if problems:
        raise MappingFileError(problems)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def import_file(conn: Conn, text: str) -> int:
    """Upsert every row of a valid tax-codes CSV; audit each mapping that changed. Returns the rows written."""
    from sources import registry
    from warehouse.audit import record

    companies = {r[0] for r in conn.fetchall("SELECT company FROM companies")}
    frame = parse(text, companies, set(registry.names()))
    before = {tuple(r[:3]): r[3] for r in conn.fetchall(f"SELECT {', '.join(COLUMNS)} FROM {TABLE}")}
    changed = [r for r in frame.itertuples(index=False) if before.get(tuple(r[:3])) != r[3]]
    conn.upsert(TABLE, frame, KEY)
    record(
        conn,
        [
            {"actor": "cli:mappings", "company": r[0], "record_key": f"mapping:tax-codes:{r[1]}:{r[2]}",
             "event": "mapped", "detail": {"from": before.get(tuple(r[:3])), "to": r[3]}}
            for r in changed
        ],
    )  # fmt: skip
    return len(frame)


@mappings_app.command("import")
def mappings_import(
    kind: Annotated[str, typer.Argument(help="tax-codes")],
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=f"CSV with header {','.join(COLUMNS)}")],
) -> None:
    """Load mappings from a CSV; a file with a bad row is refused whole, every bad row named."""
    from warehouse.store import Warehouse

    if kind != "tax-codes":
        typer.echo(f"unknown mapping kind {kind!r}: tax-codes", err=True)
        raise typer.Exit(2)
    wh = Warehouse.from_env()
    wh.migrate()
    try:
        with wh.connect() as conn:
            written = import_file(conn, path.read_text())
    except MappingFileError as exc:
        typer.echo(f"{path}: refused, nothing written\n{exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{written} tax-codes mappings loaded from {path}")


def register(app: typer.Typer) -> None:
    """Add the mappings group to the root CLI."""
    app.add_typer(mappings_app, name="mappings")

"""`qbsync qbxml ...`: validate and parse qbXML documents for operators and support."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from qbxml import compile_schema, xsd
from qbxml.envelope import declared_version
from qbxml.responses import NotAResponse, Response, parse_message
from qbxml.schema import SchemaNotFound, parse_version
from qbxml.xmlsafe import UnsafeXml, parse

app = typer.Typer(no_args_is_help=True, help="Validate and read qbXML documents.")

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="a qbXML document")]


XsdDir = Annotated[
    Path | None,
    typer.Option(
        "--xsd-dir",
        envvar="QBSYNC_QBXML_XSD_DIR",
        file_okay=False,
        help="Intuit's qbXML XSD folder (13.0/, 16.0/ ...), as the QuickBooks SDK installs it",
    ),
]


@app.command()
def validate(
    file: FileArg,
    version: Annotated[
        str | None, typer.Option("--version", help="qbXML version; default: the document's <?qbxml?> header")
    ] = None,
    xsd_dir: XsdDir = None,
) -> None:
    """Check FILE against Intuit's qbXML XSDs: exit 0 when valid, else 1 with the first error."""
    try:
        root = parse(file.read_bytes())
    except UnsafeXml as exc:
        _fail(f"{file}: {exc}")
    wanted = version or declared_version(root)
    if not wanted:
        _fail(f'{file}: no <?qbxml version="..."?> header; pass --version')
    try:
        folder = xsd_dir or xsd.schema_dir()
        usable = [v for v in xsd.versions(folder) if parse_version(v) <= parse_version(wanted)]
        if not usable:
            raise ValueError(f"no XSD set for qbXML {wanted} or older in {folder}")
        used = usable[-1]
        errors = xsd.load(used, folder).errors(root)
    except (ValueError, OSError, SchemaNotFound) as exc:
        _fail(f"{file}: {exc}")
    shown = f"qbXML {used}" + (f" (asked {wanted})" if used != wanted else "")
    if errors:
        _fail(f"{file}: invalid against {shown}: {errors[0]}" + (f" (+{len(errors) - 1} more)" if errors[1:] else ""))
    typer.echo(f"{file}: valid against {shown}")


@app.command("compile-schema")
def compile_schema_command(
    xsd_dir: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="Intuit's XSD folder (13.0/, 16.0/)")],
    out: Annotated[Path | None, typer.Option("--out", file_okay=False, help="default: the package's facts")] = None,
) -> None:
    """Compile every qbXML version under XSD_DIR into the facts the product reads (qbxml/facts/qbxml-*.json)."""
    try:
        written = compile_schema.compile_dir(xsd_dir, out or compile_schema.FACTS_DIR)
    except (SchemaNotFound, ValueError, OSError) as exc:
        _fail(f"{xsd_dir}: {exc}")
    if not written:
        _fail(f"{xsd_dir}: no qbXML XSD set (NN.N/qbxmlopsNNN.xsd) found")
    for path in written:
        typer.echo(f"wrote {path}")


@app.command("parse")
def parse_command(file: FileArg) -> None:
    """Print one JSON object per returned record (a response with no record prints its status alone)."""
    try:
        responses = parse_message(file.read_bytes())
    except (UnsafeXml, NotAResponse) as exc:
        _fail(f"{file}: {exc}")
    for response in responses:
        for line in record_lines(response):
            typer.echo(json.dumps(line, ensure_ascii=False))


def record_lines(response: Response) -> list[dict[str, Any]]:
    """A response as flat JSON-able objects: its status, then each record's type and fields in qbXML names."""
    status = {
        "requestID": response.request_id,
        "op": response.op,
        "statusCode": response.status_code,
        "statusSeverity": response.status_severity,
        "statusMessage": response.status_message,
        "outcome": response.outcome.value,
    }
    if response.iterator_id is not None:
        status |= {"iteratorID": response.iterator_id, "iteratorRemainingCount": response.iterator_remaining}
    if not response.records:
        return [status]
    return [{**status, "type": record.type, **record.data} for record in response.records]


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(1)

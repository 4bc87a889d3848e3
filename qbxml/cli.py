"""`qbsync qbxml ...`: validate and parse qbXML documents for operators and support."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from qbxml.envelope import declared_version
from qbxml.responses import NotAResponse, Response, parse_message
from qbxml.schema import load, supported_version
from qbxml.xmlsafe import UnsafeXml, parse

app = typer.Typer(no_args_is_help=True, help="Validate and read qbXML documents.")

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="a qbXML document")]


@app.command()
def validate(
    file: FileArg,
    version: Annotated[
        str | None, typer.Option("--version", help="qbXML version; default: the document's <?qbxml?> header")
    ] = None,
) -> None:
    """Check FILE against Intuit's qbXML schema: exit 0 when valid, else 1 with the first error."""
    try:
        root = parse(file.read_bytes())
    except UnsafeXml as exc:
        _fail(f"{file}: {exc}")
    wanted = version or declared_version(root)
    if not wanted:
        _fail(f'{file}: no <?qbxml version="..."?> header; pass --version')
    try:
        used = supported_version(wanted)
    except ValueError as exc:
        _fail(f"{file}: {exc}")
    errors = load(used).errors(root)
    shown = f"qbXML {used}" + (f" (asked {wanted})" if used != wanted else "")
    if errors:
        _fail(f"{file}: invalid against {shown}: {errors[0]}" + (f" (+{len(errors) - 1} more)" if errors[1:] else ""))
    typer.echo(f"{file}: valid against {shown}")


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

"""`qbsync sandbox quickbooks`: run one qbXML request message against a sandbox company file, or dump it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.faults import Faults
from sandbox.quickbooks.timing import Timing

EXIT_HRESULT = 3


def quickbooks(
    company: Annotated[Path, typer.Option(help="Company file (created and seeded when missing).")],
    request: Annotated[Path | None, typer.Option(help="qbXML request message to run ('-' reads stdin).")] = None,
    dump: bool = typer.Option(False, help="Print every object as one JSON line instead."),
    session: str | None = typer.Option(None, help="Session id: calls with the same id share iterators."),
    country: str = typer.Option("US", help="Company country: US, CA, UK, AU."),
    max_version: str = typer.Option("16.0", help="Highest qbXML version this QuickBooks accepts."),
    time_zone: str | None = typer.Option(None, help="IANA zone of the machine running the file (kept at creation)."),
    seed: int = typer.Option(0, help="Fault seed."),
    transient_rate: float = typer.Option(0.0, help="Share of writes answered 3170/3175/3180."),
    lose_response_rate: float = typer.Option(0.0, help="Share of messages applied whose answer is lost."),
    request_seconds: float = typer.Option(0.0, help="QuickBooks time each request takes (the answer waits for it)."),
    jitter: float = typer.Option(0.0, help="Each message's time varies by up to +/- this share, seeded."),
    slow_factor: float = typer.Option(1.0, help="A slow company file: every request this many times as long."),
) -> None:
    """Execute a qbXML request message as QuickBooks would (response on stdout; HRESULT on stderr, exit 3)."""
    faults = Faults(seed=seed, transient_rate=transient_rate, lose_response_rate=lose_response_rate)
    timing = Timing(default_seconds=request_seconds, jitter=jitter, slow_factor=slow_factor, seed=seed)
    with CompanyFile.create(
        company, country=country, max_version=max_version, faults=faults, timing=timing, time_zone=time_zone
    ) as books:
        if dump:
            for obj in books.dump():
                typer.echo(json.dumps(obj, ensure_ascii=False))
            return
        if request is None:
            raise typer.BadParameter("give --request FILE or --dump")
        body = sys.stdin.buffer.read() if str(request) == "-" else request.read_bytes()
        result = books.process(body, session_id=session)
    if result.hresult:
        typer.echo(f"{result.hresult}: {result.message}", err=True)
        raise typer.Exit(EXIT_HRESULT)
    if result.response_lost:
        typer.echo("response lost (the request was applied; the connection dropped)", err=True)
        raise typer.Exit(EXIT_HRESULT)
    sys.stdout.buffer.write(result.response_xml)
    sys.stdout.buffer.write(b"\n")


def register(app: typer.Typer) -> None:
    """Add this simulator's command to `qbsync sandbox`."""
    app.command("quickbooks")(quickbooks)

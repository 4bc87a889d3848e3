"""`qbsync sandbox webconnector`: run Web Connector sessions against a bridge with a sandbox company file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.faults import Faults
from sandbox.webconnector.client import ClientFaults, WebConnector
from warehouse.errors import OperatorError


def webconnector(
    url: Annotated[str, typer.Option(help="The bridge's SOAP endpoint.")],
    user: Annotated[str, typer.Option(help="Web Connector user name.")],
    password: Annotated[str, typer.Option(help="Web Connector password.", envvar="QBSYNC_QBWC_PASSWORD")],
    company: Annotated[Path, typer.Option(help="Sandbox company file (created and seeded when missing).")],
    until_idle: Annotated[bool, typer.Option(help="Run sessions until the server has nothing to do.")] = False,
    max_sessions: Annotated[int, typer.Option(help="Upper bound on sessions with --until-idle.")] = 100,
    qbxml_version: Annotated[str, typer.Option(help="qbXML version QuickBooks reports.")] = "16.0",
    country: Annotated[str, typer.Option(help="QuickBooks edition country: US, CA, UK, AU.")] = "US",
    noop_wait: Annotated[float, typer.Option(help="Seconds to wait after a NoOp.")] = 5.0,
    retry_busy_for: Annotated[
        float, typer.Option(help="With --until-idle, seconds to keep trying while the bridge answers busy.")
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="Fault seed.")] = 0,
    transient_rate: Annotated[float, typer.Option(help="Share of writes QuickBooks answers 3170/3175/3180.")] = 0.0,
    lose_response_rate: Annotated[float, typer.Option(help="Share of messages applied, answer lost.")] = 0.0,
    drop_rate: Annotated[float, typer.Option(help="Share of round trips dropped after sendRequestXML.")] = 0.0,
    hresult_rate: Annotated[float, typer.Option(help="Share of round trips answered with an HRESULT.")] = 0.0,
    slow_rate: Annotated[float, typer.Option(help="Share of messages QuickBooks starts late.")] = 0.0,
    slow_seconds: Annotated[float, typer.Option(help="How late a slow message starts.")] = 0.0,
    quickbooks_not_running: Annotated[bool, typer.Option(help="The company file cannot be opened.")] = False,
) -> None:
    """Drive the endpoint as the QuickBooks Web Connector does; one JSON summary line per session. Exits 1 when a
    session failed (bridge unreachable, user or version refused, QuickBooks' answer not taken)."""
    books = CompanyFile.create(
        company,
        country=country,
        max_version=qbxml_version,
        faults=Faults(
            seed=seed,
            transient_rate=transient_rate,
            lose_response_rate=lose_response_rate,
            slow_rate=slow_rate,
            slow_seconds=slow_seconds,
        ),
    )
    client_faults = ClientFaults(
        seed=seed,
        drop_after_send_rate=drop_rate,
        hresult_rate=hresult_rate,
        quickbooks_not_running=quickbooks_not_running,
    )
    with books:
        connector = WebConnector(
            url,
            user,
            password,
            books,
            qbxml_version=qbxml_version,
            country=country,
            noop_wait=noop_wait,
            faults=client_faults,
            busy_retry_seconds=retry_busy_for,
        )
        summaries = connector.run_until_idle(max_sessions) if until_idle else [connector.run_session()]
        for summary in summaries:
            typer.echo(json.dumps(summary.as_dict()))
    failed = [s.failure for s in summaries if s.failure]
    if failed:
        raise OperatorError(f"Web Connector session failed: {failed[-1]}")


def register(app: typer.Typer) -> None:
    """Add this simulator's command to `qbsync sandbox`."""
    app.command("webconnector")(webconnector)

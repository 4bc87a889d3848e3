"""`qbsync bridge`, `qbsync qwc`, `qbsync company ...`, `qbsync outbox ...`: run and operate the bridge."""

from __future__ import annotations

import errno
import json
import logging
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from warehouse.config import migrated_warehouse
from warehouse.errors import OperatorError

company_app = typer.Typer(no_args_is_help=True, help="Companies: one QuickBooks company file per Web Connector user.")
outbox_app = typer.Typer(no_args_is_help=True, help="The qbXML outbox: what waits, what went, what failed.")


@company_app.command("add")
def company_add(
    name: str = typer.Option(..., "--name", help="Company name (the key everything else uses)"),
    user: str = typer.Option(..., "--user", help="Web Connector user name for this company file"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input"),
    country: str = typer.Option("US", "--country", help="US, CA, UK or AU"),
    max_version: str = typer.Option("16.0", "--max-version", help="Highest qbXML version to send"),
    source: Annotated[
        list[str] | None, typer.Option("--source", help="A source system feeding it (repeat); default: every one")
    ] = None,
) -> None:
    """Register a company and its Web Connector user (the password is stored scrypt-hashed)."""
    from qbwc_bridge import companies

    if not password_stdin:
        raise typer.BadParameter("pass the password on standard input with --password-stdin", param_hint="password")
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        with migrated_warehouse().connect() as conn:
            company = companies.add(
                conn, name, user, password, country=country, max_version=max_version, sources=source or None
            )
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"company {company.company}: user {company.qbwc_user}, {company.country}, qbXML <= {max_version}")


@company_app.command("password")
def company_password(
    name: str = typer.Option(..., "--name", help="Company name"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the new password from standard input"),
) -> None:
    """Rotate the company's Web Connector password (stored scrypt-hashed; open sessions end)."""
    from qbwc_bridge import companies

    if not password_stdin:
        raise typer.BadParameter("pass the new password on standard input with --password-stdin", param_hint="password")
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        with migrated_warehouse().connect() as conn:
            closed = companies.set_password(conn, name, password)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"company {name}: new Web Connector password stored; {closed} open session(s) ended")
    typer.echo(
        "now, in the QuickBooks Web Connector on the QuickBooks machine: select this company's application, type the "
        "new password in its Password column and answer Yes to save it (the .qwc file holds no password: no "
        "re-import needed)"
    )


@company_app.command("remove")
def company_remove(
    name: str = typer.Option(..., "--name", help="Company name"),
    force: bool = typer.Option(False, "--force", help="Also when requests are open: they are failed"),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation at a terminal"),
) -> None:
    """Forget a company: its Web Connector user, sources, mappings and sessions (history stays for audit)."""
    from qbwc_bridge import companies

    if not yes and sys.stdin.isatty() and not typer.confirm(f"remove company {name} and its settings?"):
        typer.echo("nothing was changed")
        raise typer.Exit(1)
    try:
        with migrated_warehouse().connect() as conn:
            removed = companies.remove(conn, name, force=force)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    detail = ", ".join(f"{n} {what}" for what, n in removed.items() if n)
    typer.echo(f"company {name} removed" + (f" ({detail})" if detail else "") + "; its history stays in the audit log")


@company_app.command("time-zone")
def company_time_zone(
    name: str = typer.Option(..., "--name", help="Company name"),
    zone: str = typer.Option("", "--zone", help="IANA zone of the machine running the file; empty: learn it"),
) -> None:
    """Set the company file's time zone, in which modified-date filters are written (default: QuickBooks' offsets)."""
    from qbwc_bridge import companies

    try:
        with migrated_warehouse().connect() as conn:
            companies.set_time_zone(conn, name, zone or None)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"company {name}: time zone {zone or 'learned from QuickBooks'}")


@company_app.command("list")
def company_list() -> None:
    """Companies with their Web Connector user, country and qbXML ceiling."""
    from qbwc_bridge import companies

    wh = migrated_warehouse()
    with wh.connect() as conn:
        rows = companies.list_all(conn)
    if rows:
        typer.echo("company\tWeb Connector user\tcountry\tqbXML <=")
    for c in rows:
        typer.echo(f"{c.company}\t{c.qbwc_user}\t{c.country}\t{c.max_qbxml_version}")
    if not rows:
        typer.echo(f"no companies yet in {wh.describe()}: qbsync company add --name N --user U --password-stdin")


def bridge(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (put TLS in front of it)"),
    port: int = typer.Option(8085, "--port", min=0, max=65535, help="TCP port"),
) -> None:
    """Serve the Web Connector SOAP endpoint (/qbwc), its support page and /healthz with waitress; for each source
    whose QBSYNC_<SOURCE>_WEBHOOK_SECRET is set, also its signed webhook deliveries at POST /webhooks/<source>."""
    from connectors.webhooks.app import webhook_path
    from qbwc_bridge.server import make_server
    from qbwc_bridge.settings import BridgeSettings
    from sources import registry

    wh = migrated_warehouse()
    settings = BridgeSettings.from_env()
    try:
        server = make_server(wh, settings, host, port)
    except (OSError, ValueError) as exc:  # waitress turns an unknown host name into ValueError
        cause = exc if isinstance(exc, OSError) else exc.__context__
        raise OperatorError(cannot_listen(host, port, cause if isinstance(cause, OSError) else exc)) from None
    base = f"http://{host}:{server.effective_port}"
    typer.echo(f"bridge on {base}/qbwc, warehouse {wh.describe()}", err=True)
    for source in (s for s in registry.all_sources() if s.webhook):
        path = webhook_path(source.name)
        if source.name in settings.webhook_secrets:
            typer.echo(f"webhooks on: POST {base}{path}", err=True)
        else:
            typer.echo(f"webhooks off: set {source.env['webhook_secret']} to accept deliveries at {path}", err=True)
    # Sessions (start, messages, answers, close), failed logins, refused tickets and internal errors go to stderr,
    # as text lines or (QBSYNC_BRIDGE_LOG_FORMAT=json) one JSON object per line.
    handler = logging.StreamHandler()
    handler.setFormatter(log_formatter(os.environ.get("QBSYNC_BRIDGE_LOG_FORMAT", "text")))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    server.run()


class JsonLines(logging.Formatter):
    """One JSON object per log record: time (UTC, ISO 8601), level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        entry = {"time": stamp, "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def log_formatter(kind: str) -> logging.Formatter:
    """text (time level logger: message) or json (JSON lines); anything else is refused, naming the variable."""
    if kind.strip().lower() == "json":
        return JsonLines()
    if kind.strip().lower() in ("", "text"):
        return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    raise OperatorError(f"QBSYNC_BRIDGE_LOG_FORMAT={kind!r}: use text or json")


def cannot_listen(host: str, port: int, exc: Exception) -> str:
    """Why the bridge cannot listen on host:port, and what to do, in one line."""
    code = getattr(exc, "errno", None)
    reason = getattr(exc, "strerror", None) or str(exc)
    if code == errno.EADDRINUSE:
        return f"port {port} on {host} is in use by another program: stop it or choose another with --port"
    if code == errno.EACCES:
        return f"not allowed to listen on port {port}: ports below 1024 need privileges; choose another with --port"
    if isinstance(exc, socket.gaierror) or code == errno.EADDRNOTAVAIL:
        return (
            f"--host {host} is not an address of this machine ({reason}): use 127.0.0.1 behind a "
            "local TLS proxy, 0.0.0.0 for every interface, or one of this machine's addresses"
        )
    return f"cannot listen on {host}:{port}: {reason}; check --host and --port"


def qwc(
    company: str = typer.Option(..., "--company", help="Company name"),
    url: str = typer.Option(..., "--url", help="Public AppURL of the SOAP endpoint, e.g. https://host/qbwc"),
    every_minutes: int = typer.Option(15, "--every-minutes", help="Scheduler RunEveryNMinutes (0: no schedule)"),
    out: Annotated[Path | None, typer.Option("--out", help="File to write (default <company>.qwc)")] = None,
) -> None:
    """Write the .QWC file the Web Connector imports for `company`."""
    from qbwc_bridge import companies
    from qbwc_bridge.qwc import qwc_document

    wh = migrated_warehouse()
    with wh.connect() as conn:
        found = companies.get(conn, company)
    if found is None:
        typer.echo(f"no company {company!r} in {wh.describe()}: add it with qbsync company add", err=True)
        raise typer.Exit(1)
    try:
        document = qwc_document(found, url, every_minutes or None)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    target = out or Path(f"{company}.qwc")
    target.write_bytes(document)
    typer.echo(f"wrote {target}")


@outbox_app.command("status")
def outbox_status(as_json: bool = typer.Option(False, "--json", help="Machine-readable output")) -> None:
    """Rows per company and status."""
    from warehouse.outbox import status_counts

    wh = migrated_warehouse()
    with wh.connect() as conn:
        counts = status_counts(conn)
    if as_json:
        typer.echo(json.dumps(counts))
        return
    if counts:
        typer.echo("company\tstatus\trequests")
    for row in counts:
        typer.echo(f"{row['company']}\t{row['status']}\t{row['n']}")
    if not counts:
        typer.echo(f"the outbox is empty in {wh.describe()}")


@outbox_app.command("failed")
def outbox_failed(
    company: str = typer.Option("", "--company", help="Only this company"),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output"),
) -> None:
    """Failed requests with their errors (fix the cause, then qbsync replay --failed --key KEY)."""
    from warehouse.outbox import failed_rows

    wh = migrated_warehouse()
    with wh.connect() as conn:
        rows = failed_rows(conn, company or None)
    if as_json:
        typer.echo(json.dumps(rows, default=str))
        return
    if not rows:
        typer.echo(f"no failed requests in {wh.describe()}")
        return
    typer.echo("company\top\trecord\tattempts\tstatus code\terror")
    for r in rows:
        error = " ".join(str(r["last_error"] or "-").split())
        typer.echo(
            f"{r['company']}\t{r['op']}\t{r['record_key']}\t{r['attempts']}\t{r['last_status_code'] or '-'}\t{error}"
        )
    typer.echo(f"{len(rows)} failed: after fixing the cause, qbsync replay --failed --key KEY re-queues one")


@outbox_app.command("export")
def outbox_export(
    directory: Annotated[Path, typer.Argument(help="Folder to write <company>/<request_id>.xml into")],
) -> None:
    """Write every pending request as the message that would carry it, one file per request."""
    from qbwc_bridge.export import export_pending

    with migrated_warehouse().connect() as conn:
        written, problems = export_pending(conn, directory)
    for problem in problems:
        typer.echo(problem, err=True)
    typer.echo(f"wrote {written} request(s) to {directory}")


def register(app: typer.Typer) -> None:
    """Add the bridge's commands and groups to the root CLI."""
    app.add_typer(company_app, name="company")
    app.add_typer(outbox_app, name="outbox")
    app.command("bridge")(bridge)
    app.command("qwc")(qwc)

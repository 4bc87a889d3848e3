"""`qbsync company set`, `qbsync mappings import|list`, `qbsync vendors link` (operator settings, each audited),
`qbsync reference export` (QuickBooks master data as files), `qbsync doctor` and `qbsync dev`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from warehouse.config import migrated_warehouse

mappings_app = typer.Typer(no_args_is_help=True, help="Source codes onto QuickBooks accounts, classes and items.")
vendors_app = typer.Typer(no_args_is_help=True, help="Suppliers and their QuickBooks vendors.")
reference_app = typer.Typer(no_args_is_help=True, help="QuickBooks master data for systems whose API takes none.")


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def company_set(
    name: Annotated[str, typer.Argument(help="Company name")],
    bill_on: Annotated[str | None, typer.Option("--bill-on", help="po | invoice: which document is the bill")] = None,
    invoice_difference: Annotated[
        str | None, typer.Option("--invoice-difference", help="adjust | hold: an invoice that differs from its PO")
    ] = None,
    vendor_policy: Annotated[
        str | None, typer.Option("--vendor-policy", help="create | review: a supplier QuickBooks lacks")
    ] = None,
    vendor_sync: Annotated[
        str | None, typer.Option("--vendor-sync", help="all | on_demand: which suppliers become vendors")
    ] = None,
    on_cancel: Annotated[
        str | None, typer.Option("--on-cancel", help="hold | void: the unpaid bill of a cancelled document")
    ] = None,
    vendor_names: Annotated[
        str | None, typer.Option("--vendor-names", help="keep | follow: a supplier renamed at the source")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="system[:instance] to feed the company and set (repeat)")
    ] = None,
    payment_account: Annotated[
        str | None, typer.Option("--payment-account", help="QuickBooks bank account bill payments are drawn on")
    ] = None,
) -> None:
    """Set a company's procure-to-pay policy (all its sources, or those named with --source, enrolling them) and
    the bank account its bill payments are drawn on."""
    from operations.company_policy import set_payment_account, set_policy, show

    try:
        with migrated_warehouse().connect() as conn:
            changes = set_policy(
                conn,
                name,
                source or [],
                bill_on=bill_on,
                invoice_difference=invoice_difference,
                vendor_policy=vendor_policy,
                vendor_sync=vendor_sync,
                on_cancel=on_cancel,
                vendor_names=vendor_names,
            )
            if payment_account is not None:
                changes += filter(None, [set_payment_account(conn, name, payment_account)])
            rows = show(conn, name)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    for line in changes or ["nothing changed"]:
        typer.echo(line)
    for r in rows:
        typer.echo(
            f"{name}\t{r['source_system']}:{r['source_instance']}\tbill_on={r['bill_on']}\t"
            f"invoice_difference={r['invoice_difference']}\tvendor_policy={r['vendor_policy']}\t"
            f"vendor_sync={r['vendor_sync']}\ton_cancel={r['on_cancel']}\tvendor_names={r['vendor_names']}"
        )


@mappings_app.command("import")
def mappings_import(
    kind: Annotated[str, typer.Argument(help="accounts | cost-centres | items | tax-codes | terms")],
    file: Annotated[Path, typer.Argument(help="CSV with a header row: company,source_system,<code>,<qb name>")],
) -> None:
    """Load mappings from a CSV; a file with a bad row is refused whole, every bad row named."""
    from operations.mappings import KINDS, MappingFileError, import_file

    if kind not in KINDS:
        raise _fail(f"unknown mapping kind {kind!r}: choose one of {', '.join(KINDS)}")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"{file}: {exc}") from exc
    try:
        with migrated_warehouse().connect() as conn:
            written = import_file(conn, kind, text)
    except MappingFileError as exc:
        for problem in exc.problems:
            typer.echo(f"{file}: {problem}", err=True)
        raise _fail(f"{file}: nothing imported ({len(exc.problems)} bad row(s))") from exc
    typer.echo(f"imported {written} {kind} mapping(s) from {file}")


@mappings_app.command("list")
def mappings_list(
    company: Annotated[str | None, typer.Option("--company", help="Only this company")] = None,
) -> None:
    """Every mapping: kind, company, source, source code, QuickBooks name."""
    from operations.mappings import list_all

    wh = migrated_warehouse()
    with wh.connect() as conn:
        rows = list_all(conn, company)
    if rows:
        typer.echo("kind\tcompany\tsource\tsource code\tQuickBooks name")
    for row in rows:
        typer.echo("\t".join(row))
    if not rows:
        typer.echo(f"no mappings yet in {wh.describe()}: qbsync mappings import accounts FILE.csv")


@mappings_app.command("unmapped")
def mappings_unmapped(
    kind: Annotated[str, typer.Argument(help="accounts | cost-centres")],
    company: Annotated[str | None, typer.Option("--company", help="Only this company")] = None,
) -> None:
    """The codes the sources list with no mapping yet, as a CSV to fill in and `qbsync mappings import`."""
    from operations.mappings import LISTED, unmapped

    if kind not in LISTED:
        raise _fail(f"the sources list no {kind!r}: choose one of {', '.join(LISTED)}")
    with migrated_warehouse().connect() as conn:
        frame = unmapped(conn, kind, company)
    typer.echo(frame.to_csv(index=False), nl=False)


@vendors_app.command("link")
def vendors_link(
    source_key: Annotated[str, typer.Argument(help="Supplier key, e.g. <source>:supplier:17")],
    list_id: Annotated[str, typer.Argument(help="ListID of the existing QuickBooks vendor")],
    company: Annotated[str | None, typer.Option("--company", help="Only this company (default: every one fed)")] = None,
) -> None:
    """Link a supplier to an existing QuickBooks vendor; every later matching run keeps the link."""
    from operations.vendor_links import link

    try:
        with migrated_warehouse().connect() as conn:
            lines = link(conn, source_key, list_id, company)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    for line in lines:
        typer.echo(f"linked {line}")


@reference_app.command("export")
def reference_export(
    company: Annotated[str, typer.Option("--company", help="The company whose vendors and accounts to export")],
    out: Annotated[Path, typer.Option("--out", help="Folder for vendors.csv and accounts.csv")] = Path("."),
) -> None:
    """Write the company's QuickBooks vendors and accounts (as last read) to CSV, for a system to import by hand."""
    from operations.reference_export import export

    try:
        with migrated_warehouse().connect() as conn:
            written = export(conn, company, out)
    except (ValueError, OSError) as exc:
        raise _fail(str(exc)) from exc
    for name, count in written.items():
        typer.echo(f"wrote {count} row(s) to {out / name}")


def doctor(
    offline: Annotated[bool, typer.Option("--offline", help="Do not contact the sources")] = False,
) -> None:
    """Which warehouse and why, which variables (never a secret's value; whether .env or the exported value wins),
    which companies and sources, and whether each source answers. Exit 1 when something needs doing."""
    from operations.doctor import diagnose

    findings = diagnose(reach_sources=not offline)
    width = max(len(f.topic) for f in findings)
    for f in findings:
        typer.echo(f"{'ok  ' if f.ok else 'FAIL'}  {f.topic:<{width}}  {f.text}")
    if not all(f.ok for f in findings):
        raise typer.Exit(1)


def dev(
    records: Annotated[int, typer.Option(min=1, help="Records each source's simulator generates")] = 20,
    seed: Annotated[int, typer.Option(help="Seed of the simulators' data")] = 7,
    port: Annotated[int, typer.Option(help="Port of the Dagster UI on 127.0.0.1")] = 3000,
    once: Annotated[
        bool, typer.Option("--once", help="No UI: sync and deliver until nothing is left, print the outbox")
    ] = False,
) -> None:
    """Develop against the simulators: every source's sandbox, the bridge and a Web Connector on a sandbox company
    file, on the warehouse the CLI uses (company "sandbox"), and Dagster's UI on that same warehouse. Ctrl-C stops
    it all."""
    import os

    from operations import dev as sandbox_dev
    from pipelines.run_now import run_sync

    def progress(line: str) -> None:
        typer.echo(f"qbsync dev: {line}", err=True)

    with sandbox_dev.sandbox(records, seed, progress, poll=not once) as env:
        progress(f"warehouse {env.database_url} (qbsync outbox status, report and audit read it too)")
        if not once:
            progress(f"Dagster UI at http://127.0.0.1:{port} (DAGSTER_HOME {env.environ['DAGSTER_HOME']})")
            raise typer.Exit(sandbox_dev.dagster_ui(env, port))
        os.environ.clear()
        os.environ.update(env.environ)
        sessions = 0
        for _ in range(sandbox_dev.MAX_ROUNDS):  # what QuickBooks answers unblocks more (a bill after its vendor)
            run_sync(env.sources, echo=lambda line, err=False: progress(line))
            if not sandbox_dev.open_requests():
                break
            sessions += env.deliver()
        with migrated_warehouse().connect() as conn:
            counts = dict(conn.fetchall("SELECT status, count(*) FROM qbxml_outbox GROUP BY status ORDER BY 1"))
        typer.echo(f"{sessions} Web Connector sessions; outbox: " + ", ".join(f"{n} {s}" for s, n in counts.items()))


def register(app: typer.Typer, company_app: typer.Typer) -> None:
    """Add `company set` to the company group, the mappings, vendors and reference groups, `doctor` and `dev` to the
    root CLI."""
    company_app.command("set")(company_set)
    app.command("doctor")(doctor)
    app.command("dev")(dev)
    app.add_typer(mappings_app, name="mappings")
    app.add_typer(vendors_app, name="vendors")
    app.add_typer(reference_app, name="reference")

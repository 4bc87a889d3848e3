"""`qbsync audit`, `qbsync replay`, `qbsync report`: what finance and support run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from warehouse.config import migrated_warehouse


class _NotDone(Exception):
    """Leave the replay's transaction without committing it (a dry run, or the operator said no)."""


def _confirm(result) -> bool:
    planned = len(result.requeued) + len(result.cloud_requeued) + len(result.released)
    if not planned:
        return True
    return typer.confirm(
        f"re-queue {len(result.requeued) + len(result.cloud_requeued)} and release {len(result.released)}?"
    )


def _print_replay(result, done: bool) -> None:
    """What the replay did, or (not done) would do: never a line for something that did not happen."""
    requeue, release = ("re-queued", "released") if done else ("would re-queue", "would release")
    for r in result.requeued:
        typer.echo(f"{requeue} {r['op']} {r['record_key']} ({r['request_id']}); was: {r['last_error'] or '-'}")
    for r in result.cloud_requeued:
        typer.echo(f"{requeue} write {r['op']} {r['target']} of {r['record_key']}; was: {r['last_error'] or '-'}")
    for r in result.released:
        typer.echo(f"{release} {r['record_key']} from {r['check_name']}: {r['reason']}")
    for k in result.still_held:
        typer.echo(f"still quarantined after re-check: {k} (see qbsync audit {k})")
    for s in result.skipped:
        typer.echo(f"skipped {s['record_key']} ({s['request_id']}): {s['reason']}")
    typer.echo(
        f"{len(result.requeued) + len(result.cloud_requeued)} {requeue}, {len(result.released)} {release}, "
        f"{len(result.still_held)} still quarantined, {len(result.skipped)} skipped"
    )


def register(app: typer.Typer) -> None:
    """Add the audit, replay and report commands."""

    @app.command()
    def audit(
        key: Annotated[str, typer.Argument(help="Record key, e.g. <source>:po:4711 (keys below it are included)")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the story as JSON")] = False,
    ) -> None:
        """Show one document's story from landing to its QuickBooks TxnID."""
        from data_checks.timeline import document_story, format_story, to_json

        wh = migrated_warehouse()
        with wh.connect() as conn:
            data = document_story(conn, key)
        typer.echo(to_json(data) if as_json else format_story(data, wh.describe()))
        if not data["events"] and not data["requests"]:
            raise typer.Exit(1)

    @app.command()
    def replay(
        failed: Annotated[bool, typer.Option("--failed", help="Only failed outbox requests (not quarantine)")] = False,
        key: Annotated[
            str | None, typer.Option("--key", help="Record key (and keys below it), e.g. <source>:po:4711")
        ] = None,
        since: Annotated[str | None, typer.Option("--since", help="Failed/detected since: ISO time or 6h, 2d")] = None,
        company: Annotated[
            str | None, typer.Option("--company", help="Only this company's requests and holds (one company file)")
        ] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would happen; change nothing")] = False,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation at a terminal")] = False,
    ) -> None:
        """Re-queue failed requests and release quarantined records after a fix (never a duplicate). At a terminal
        it shows what it would do and asks first; --dry-run only shows it."""
        from data_checks.replay import parse_since
        from data_checks.replay import replay as run_replay

        try:
            start = parse_since(since)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
        ask = not (dry_run or yes) and sys.stdin.isatty()
        try:
            with migrated_warehouse().connect() as conn:  # one transaction: rolled back unless it is to be done
                result = run_replay(conn, failed_only=failed, key=key, since=start, company=company)
                done = not dry_run and (not ask or _confirm(result))
                _print_replay(result, done)
                if not done:
                    raise _NotDone
        except _NotDone:
            typer.echo("nothing was changed" + (" (--dry-run)" if dry_run else ""))

    @app.command()
    def report(
        out: Annotated[
            Path | None, typer.Option("--out", help="HTML file (default QBSYNC_HOME/reports/finance.html)")
        ] = None,
        csv: Annotated[
            Path | None, typer.Option("--csv", help="Also every document as a CSV file, in plain words")
        ] = None,
    ) -> None:
        """Write the self-contained HTML reconciliation report for finance (and, with --csv, a spreadsheet)."""
        from data_checks.finance_report import write_csv, write_report
        from warehouse.config import home

        path = out or home() / "reports" / "finance.html"
        wh = migrated_warehouse()
        summary = write_report(wh, path)
        by_status = ", ".join(f"{s} {n}" for s, n in summary["documents_by_status"].items() if n)
        typer.echo(
            f"{summary['documents']} documents ({by_status or 'none'}) in {wh.describe()}; report at {summary['path']}"
        )
        if csv is not None:
            typer.echo(f"{write_csv(wh, csv)} documents written to {csv}")

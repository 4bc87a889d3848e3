"""`qbsync db ...`: create or upgrade the warehouse schema and show where it stands."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="The staging warehouse (DuckDB file or PostgreSQL).")


@app.command()
def init() -> None:
    """Apply every pending migration (safe to run again)."""
    from warehouse.store import Warehouse

    wh = Warehouse.from_env()
    applied = wh.migrate()
    typer.echo(
        f"{wh.describe()}: {len(applied)} migration(s) applied" + (f" ({', '.join(applied)})" if applied else "")
    )


@app.command()
def status() -> None:
    """List migrations with when each was applied, or 'pending'."""
    from warehouse.store import Warehouse

    wh = Warehouse.from_env()
    typer.echo(wh.describe())
    for name, applied_at in wh.migration_status():
        typer.echo(f"  {name:40s} {applied_at.isoformat(sep=' ', timespec='seconds') if applied_at else 'pending'}")

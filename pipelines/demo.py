"""`qbsync demo`: the end-to-end demo on the embedded DuckDB warehouse with the sandbox simulators."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the demo command."""

    @app.command()
    def demo() -> None:
        """Run the end-to-end demo on the embedded DuckDB warehouse with the sandbox simulators."""
        from warehouse.store import Warehouse

        wh = Warehouse.from_env()
        applied = wh.migrate()
        typer.echo(f"warehouse ready at {wh.describe()} ({len(applied)} migrations applied)")

"""The qbsync command line: one entry point whose groups live beside the code they drive."""

from __future__ import annotations

import typer

from qbxml.cli import app as qbxml_app
from warehouse.cli import app as db_app

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Cloud AP and procurement into QuickBooks Desktop.")
app.add_typer(db_app, name="db")
app.add_typer(qbxml_app, name="qbxml")


@app.command()
def demo() -> None:
    """Run the end-to-end demo on the embedded DuckDB warehouse with the sandbox simulators."""
    from warehouse.store import Warehouse

    wh = Warehouse.from_env()
    applied = wh.migrate()
    typer.echo(f"warehouse ready at {wh.describe()} ({len(applied)} migrations applied); more stages land soon")


def main() -> None:
    app()


if __name__ == "__main__":
    main()

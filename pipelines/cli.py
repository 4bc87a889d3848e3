"""The qbsync command line: one entry point whose commands live beside the code they drive."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from typer.core import TyperGroup

from connectors.core.errors import ApiError
from operations import cli as operations_cli
from pipelines import ops_cli, recover, run_now, soak
from qbwc_bridge import cli as bridge_cli
from qbxml.cli import app as qbxml_app
from sandbox import demo
from sandbox.cli import app as sandbox_app
from warehouse.cli import app as db_app
from warehouse.connections_cli import app as connection_app
from warehouse.errors import OperatorError


class Commands(TyperGroup):
    """The root command group: a failure the operator can fix is printed as its one line, exit 1, no traceback."""

    def invoke(self, ctx):
        with _progress_to_stderr():
            try:
                return super().invoke(ctx)
            except (OperatorError, ApiError) as exc:
                typer.echo(f"qbsync: {' '.join(str(exc).split())}", err=True)
                raise typer.Exit(1) from None


@contextmanager
def _progress_to_stderr() -> Iterator[None]:
    """While a command runs, the warehouse's warnings (who waits for a lock) reach the person, one line each."""
    logger = logging.getLogger("qbsync.warehouse")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("qbsync: %(message)s"))
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


app = typer.Typer(
    cls=Commands,
    no_args_is_help=True,
    add_completion=False,
    help="Cloud AP and procurement into QuickBooks Desktop.",
)
app.add_typer(db_app, name="db")
app.add_typer(connection_app, name="connection")
app.add_typer(qbxml_app, name="qbxml")
app.add_typer(sandbox_app, name="sandbox")
bridge_cli.register(app)
demo.register(app)
ops_cli.register(app)
operations_cli.register(app, bridge_cli.company_app)
recover.register(app)
run_now.register(app)
soak.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

"""The qbsync command line: one entry point whose commands live beside the code they drive."""

from __future__ import annotations

import typer

from operations import cli as operations_cli
from pipelines import ops_cli, recover, soak
from qbwc_bridge import cli as bridge_cli
from qbxml.cli import app as qbxml_app
from sandbox import demo
from sandbox.cli import app as sandbox_app
from warehouse.cli import app as db_app
from warehouse.connections_cli import app as connection_app

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Cloud AP and procurement into QuickBooks Desktop.")
app.add_typer(db_app, name="db")
app.add_typer(connection_app, name="connection")
app.add_typer(qbxml_app, name="qbxml")
app.add_typer(sandbox_app, name="sandbox")
bridge_cli.register(app)
demo.register(app)
ops_cli.register(app)
operations_cli.register(app, bridge_cli.company_app)
recover.register(app)
soak.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

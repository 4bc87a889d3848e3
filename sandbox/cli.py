"""`qbsync sandbox ...`: run the simulators by hand (QuickBooks company file, Web Connector, Coupa API)."""

from __future__ import annotations

import typer

from sandbox.coupa.cli import register as register_coupa
from sandbox.quickbooks.cli import register as register_quickbooks
from sandbox.webconnector.cli import register as register_webconnector

app = typer.Typer(no_args_is_help=True, help="Sandbox simulators for demos and tests.")
register_quickbooks(app)
register_webconnector(app)
register_coupa(app)

"""`qbsync sandbox ...`: run the simulators by hand (QuickBooks company file, Web Connector, each source's API: the
`register` of `sandbox/<source>/cli.py` for every declared source that has one)."""

from __future__ import annotations

import importlib
import importlib.util

import typer

from sandbox.quickbooks.cli import register as register_quickbooks
from sandbox.webconnector.cli import register as register_webconnector
from sources import registry

app = typer.Typer(no_args_is_help=True, help="Sandbox simulators for demos and tests.")
register_quickbooks(app)
register_webconnector(app)
for _name in registry.names():
    if importlib.util.find_spec(f"sandbox.{_name}") and importlib.util.find_spec(f"sandbox.{_name}.cli"):
        importlib.import_module(f"sandbox.{_name}.cli").register(app)

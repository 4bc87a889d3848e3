"""`qbsync qbxml ...`: validate and parse qbXML documents for operators and support."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Validate and read qbXML documents.")

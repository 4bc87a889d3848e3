"""CLI command for this simulator (filled in by its own change)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this simulator's command to `qbsync sandbox`."""

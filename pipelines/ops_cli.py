"""`qbsync audit`, `qbsync replay`, `qbsync report`: what finance and support run (filled in by its change)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the audit, replay and report commands."""

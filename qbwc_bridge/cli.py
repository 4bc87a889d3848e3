"""`qbsync bridge`, `qbsync qwc`, `qbsync company ...`, `qbsync outbox ...` (filled in by the bridge change)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the bridge's commands and groups to the root CLI."""

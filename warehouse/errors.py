"""Failures the person running qbsync can fix: one line saying what is wrong and what to do about it."""

from __future__ import annotations


class OperatorError(RuntimeError):
    """A setting, a server or another process stands in the way; the message says which and what to do.

    Commands print the message alone (no traceback) and exit 1; under Dagster it is the run's failure text.
    """

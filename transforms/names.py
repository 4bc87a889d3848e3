"""QuickBooks names for source suppliers: Latin-1 (faithful transliteration) first, then cut to 41 characters."""

from __future__ import annotations

import pandas as pd

from qbxml.text import QbxmlFieldError, to_latin1
from transforms.vendors import NAME_MAX


def quickbooks_name(name: str) -> str:
    """The name QuickBooks will store; raises QbxmlFieldError when a character has no Latin-1 form."""
    return to_latin1(" ".join(name.split()), "supplier.name")[:NAME_MAX].rstrip()


def quickbooks_names(names: pd.Series) -> pd.DataFrame:
    """Per name (each distinct name converted once): qb_name, or problem naming what QuickBooks cannot store."""
    good: dict[str, str] = {}
    bad: dict[str, str] = {}
    for name in names.dropna().unique():
        try:
            good[name] = quickbooks_name(name)
        except QbxmlFieldError as exc:
            bad[name] = f"name {exc.reason}"
    frame = pd.DataFrame({"qb_name": names.map(good), "problem": names.map(bad)}, index=names.index)
    return frame.astype(object).where(frame.notna(), None)

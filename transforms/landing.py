"""Source API records to landing rows: keyed by the source id, payload kept whole, updated-at as the version stamp."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

RAW_COLUMNS = ["source_id", "payload", "source_updated_at", "fetched_at"]


def raw_frame(
    records: list[dict[str, Any]], fetched_at: datetime, id_field: str = "id", cursor_field: str = "updated-at"
) -> tuple[pd.DataFrame, list[str]]:
    """(landing rows, descriptions of records refused because they carry no id)."""
    keep = [r for r in records if isinstance(r, dict) and r.get(id_field) not in (None, "")]
    refused = [
        f"record without {id_field}: {str(r)[:120]}" for r in records if not (isinstance(r, dict) and r.get(id_field))
    ]
    frame = pd.DataFrame(
        {
            "source_id": [str(r[id_field]) for r in keep],
            "payload": keep,
            "source_updated_at": [r.get(cursor_field) for r in keep],
            "fetched_at": fetched_at,
        },
        columns=RAW_COLUMNS,
    )
    return frame.drop_duplicates(subset=["source_id"], keep="last"), refused

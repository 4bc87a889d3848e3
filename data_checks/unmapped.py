"""Source account codes that still need a QuickBooks mapping: per company and source, the documents, lines and
amount waiting on each (what an operator maps first with `qbsync mappings import accounts`)."""

from __future__ import annotations

from typing import Any

from warehouse.store import Conn

_WAITING = """
SELECT d.company, d.source_system, COALESCE(l.account_code, '(none)') AS account_code,
       count(DISTINCT l.record_key) AS documents, count(*) AS lines,
       CAST(COALESCE(sum(l.amount), 0) AS DECIMAL(18,2)) AS amount
FROM bill_draft_lines l
JOIN bill_drafts d ON d.company = l.company AND d.record_key = l.record_key
WHERE l.qb_account_name IS NULL
GROUP BY d.company, d.source_system, COALESCE(l.account_code, '(none)')
ORDER BY amount DESC, 1, 2, 3
"""


def waiting(conn: Conn) -> list[dict[str, Any]]:
    """One row per unmapped (company, source_system, account_code) with documents, lines and amount waiting."""
    return conn.records(_WAITING)


def as_markdown(rows: list[dict[str, Any]]) -> str:
    head = "| company | source | account code | documents | lines | amount waiting |\n|---|---|---|---|---|---|\n"
    return head + "".join(
        f"| {r['company']} | {r['source_system']} | {r['account_code']} | {r['documents']} | {r['lines']} | "
        f"{r['amount']} |\n"
        for r in rows
    )

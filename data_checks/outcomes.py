"""Every staged document accounted for, per source and kind (the `document_outcomes` view): billed, credited (a
vendor credit), on its PO's bill, ordered only, voided (cancelled after booking), held, not eligible by status (which
statuses), on its way; the demo's table and the report's."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from warehouse.store import Conn

COLUMNS = {  # outcome -> column title, in the order they are shown
    "billed": "billed",
    "credited": "credited",
    "booked_on_other": "on PO's bill",
    "ordered_only": "ordered only",
    "voided": "voided",  # booked, then cancelled at the source: its bill voided
    "held": "held",
    "not_eligible": "not eligible",
    "pending": "on its way",
    "missing_in_quickbooks": "missing",
}
KINDS = {"purchase_order": "PO", "invoice": "invoice"}


@dataclass
class Accounted:
    """One source's documents of one kind: how many landed and what became of each."""

    source_system: str
    source_kind: str
    outcomes: Counter = field(default_factory=Counter)
    not_eligible: Counter = field(default_factory=Counter)  # source status -> documents
    held_by: Counter = field(default_factory=Counter)  # the first check holding it -> documents

    @property
    def landed(self) -> int:
        return sum(self.outcomes.values())


def accounted(conn: Conn, company: str | None = None) -> list[Accounted]:
    """Per (source, kind), every document of `company` (or of every company) counted once by its outcome."""
    where, params = ("WHERE company = ? ", [company]) if company else ("", [])
    rows = conn.fetchall(
        "SELECT source_system, source_kind, outcome, COALESCE(source_status, '(none)'), "
        "split_part(COALESCE(quarantine_reason, ''), ':', 1), count(*) "
        f"FROM document_outcomes {where}GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5",
        params,
    )
    found: dict[tuple[str, str], Accounted] = {}
    for system, kind, outcome, status, check, count in rows:
        entry = found.setdefault((system, kind), Accounted(system, kind))
        entry.outcomes[outcome] += count
        if outcome == "not_eligible":
            entry.not_eligible[status] += count
        if outcome == "held":
            entry.held_by[check] += count
    return list(found.values())


def label(entry: Accounted, titles: dict[str, str]) -> str:
    """e.g. "Coupa PO", "Coupa emea PO": the source's title (its name when not declared any more), the instance
    unless it is the default one, and the kind of document."""
    system, _, instance = entry.source_system.partition("@")
    source = " ".join(filter(None, (titles.get(system, system), instance)))
    return f"{source} {KINDS.get(entry.source_kind, entry.source_kind)}"


def held_documents(entries: list[Accounted]) -> int:
    return sum(e.outcomes["held"] for e in entries)


def text_table(entries: list[Accounted], titles: dict[str, str]) -> list[str]:
    """The table as lines of text: one row per source and kind, a column per outcome that occurs, and the statuses
    behind "not eligible"."""
    shown = [o for o in COLUMNS if any(e.outcomes[o] for e in entries)]
    extra = sorted({o for e in entries for o in e.outcomes} - set(COLUMNS))
    heads = ["documents", "landed", *(COLUMNS[o] for o in shown), *extra]
    rows = [
        [
            label(e, titles),
            str(e.landed),
            *(str(e.outcomes[o]) for o in [*shown, *extra]),
        ]
        for e in entries
    ]
    widths = [max(len(r[i]) for r in [heads, *rows]) for i in range(len(heads))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in [heads, *rows]]  # fmt: skip
    for e in entries:
        name = label(e, titles)
        if e.held_by:
            lines.append(f"held ({name}): " + ", ".join(f"{c} {n}" for c, n in e.held_by.most_common()))
        if e.not_eligible:
            statuses = ", ".join(f"{s} {n}" for s, n in sorted(e.not_eligible.items()))
            lines.append(f"not eligible ({name}): status {statuses}")
    return lines

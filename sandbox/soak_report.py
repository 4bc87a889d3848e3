"""The soak's verdict shape the sources' checkers share: per document kind what the source's own truth expects in
QuickBooks against what the company file holds (expected, present, duplicates, losses, mismatches), the source's
documents held in quarantine by reason, the outbox rows left unfinished by reason (and those no hold explains), and
named problem figures of the source's own (0 is clean)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class KindFigures:
    """One document kind: what the source says should be in QuickBooks, and what is."""

    expected: int = 0
    present: int = 0
    duplicates: int = 0
    losses: int = 0
    mismatches: int = 0  # present with another value, or present with no source document explaining it
    examples: list[str] = field(default_factory=list)  # a few keys of each problem, for the operator

    def note(self, problem: str, key: str) -> None:
        if len(self.examples) < 5:
            self.examples.append(f"{problem} {key}")


def compare(expected: dict[Hashable, Any], counts: Counter, values: dict[Hashable, Any]) -> KindFigures:
    """Figures of one kind: `expected` key -> value (an amount, lines) from the source's truth, `counts` how often
    the company file holds each key, `values` what it holds under the key."""
    figures = KindFigures(expected=len(expected), present=sum(counts.values()))
    for key, n in counts.items():
        if n > 1:
            figures.duplicates += n - 1
            figures.note("duplicate", str(key))
        if key not in expected:
            figures.mismatches += 1
            figures.note("unexpected", str(key))
        elif values.get(key) != expected[key]:
            figures.mismatches += 1
            figures.note("differs", f"{key} {values.get(key)} != {expected[key]}")
    for key in expected:
        if key not in counts:
            figures.losses += 1
            figures.note("lost", str(key))
    return figures


@dataclass
class SoakReport:
    """A source's soak verdict; `problems` are its own named figures (label -> count), each 0 when clean."""

    kinds: dict[str, KindFigures]
    held: dict[str, int]  # the source's documents held in quarantine, per reason (check name)
    leftovers: dict[str, int]  # outbox rows not finished, per "op status: reason"
    unexplained: int  # leftovers no hold explains (anything still waiting, or failed for a document not held)
    problems: dict[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        bad = sum(k.duplicates + k.losses + k.mismatches for k in self.kinds.values())
        return bad == 0 and self.unexplained == 0 and not any(self.problems.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "kinds": {name: k.__dict__ for name, k in self.kinds.items()},
            "held": self.held,
            "leftovers": self.leftovers,
            "unexplained": self.unexplained,
            "problems": self.problems,
        }

    def lines(self) -> list[str]:
        out = [f"{'kind':<16}{'expected':>9}{'present':>9}{'dupes':>7}{'losses':>8}{'mismatch':>10}"]
        for name, k in self.kinds.items():
            out.append(f"{name:<16}{k.expected:>9}{k.present:>9}{k.duplicates:>7}{k.losses:>8}{k.mismatches:>10}")
            out += [f"    {example}" for example in k.examples]
        out.append(f"held ({sum(self.held.values())}): " + ", ".join(f"{r} {n}" for r, n in self.held.items()))
        out.append(f"leftovers ({sum(self.leftovers.values())}, {self.unexplained} unexplained):")
        out += [f"    {n} x {reason}" for reason, n in self.leftovers.items()]
        out += [f"{label}: {n}" for label, n in self.problems.items()]
        out.append("CLEAN" if self.clean else "NOT CLEAN")
        return out


@dataclass
class Outcomes:
    """What the warehouse says about one source's documents: holds by reason, the keys held, unfinished outbox rows
    by reason and how many of them no hold explains (a failed row of a held document is explained)."""

    held: dict[str, int]
    held_keys: set[str]
    leftovers: dict[str, int]
    unexplained: int


def outcomes(wh, source: str) -> Outcomes:
    """The warehouse's holds and leftovers for `source` (record keys `<source>:...`; the shared reference queries,
    `qb:...`, count for every source): the warehouse only names reasons, the verdict comes from the company file."""
    from warehouse.states import FINISHED, sql_list

    mine = f"{source}:%"
    held = dict(
        wh.fetchall(
            "SELECT check_name, count(DISTINCT record_key) FROM quarantine WHERE released_at IS NULL "
            "AND record_key LIKE ? GROUP BY check_name ORDER BY check_name",
            [mine],
        )
    )
    held_keys = {
        k
        for (k,) in wh.fetchall(
            "SELECT record_key FROM quarantine WHERE released_at IS NULL AND record_key LIKE ?", [mine]
        )
    }
    rows = wh.records(
        f"SELECT record_key, op, status, last_error FROM qbxml_outbox WHERE status NOT IN {sql_list(*FINISHED)} "
        "AND (record_key LIKE ? OR record_key LIKE 'qb:%')",
        [mine],
    )
    leftovers: Counter[str] = Counter()
    unexplained = 0
    for row in rows:
        leftovers[f"{row['op']} {row['status']}: {row['last_error'] or 'no reason'}"[:160]] += 1
        if row["status"] != "failed" or row["record_key"] not in held_keys:
            unexplained += 1
    return Outcomes(held, held_keys, dict(leftovers), unexplained)


def foreign_vendors(vendors: list[dict], source: str) -> set[str]:
    """Names of the vendors qbsync created for a source other than `source` (AccountNumber <OTHER SOURCE>-<id>):
    their documents are that source's checker's to judge."""
    from sources import registry

    others = tuple(f"{s.name.upper()}-" for s in registry.all_sources() if s.name != source)
    return {v.get("Name") for v in vendors if str(v.get("AccountNumber") or "").startswith(others)}

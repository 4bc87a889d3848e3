"""The soak's verdict on one source, the shape its checkers share: per document kind expected, present, duplicates,
losses and mismatches; the source's documents held with their reasons, its outbox leftovers with theirs; and the
source's own named problems (each 0 in a clean run)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class KindFigures:
    """One document kind: what the source says should be in QuickBooks, and what is."""

    expected: int = 0
    present: int = 0
    duplicates: int = 0
    losses: int = 0
    mismatches: int = 0  # present with another value (amount, lines...), or with no source document explaining it
    examples: list[str] = field(default_factory=list)  # a few keys of each problem, for the operator

    def note(self, problem: str, key: str) -> None:
        if len(self.examples) < 5:
            self.examples.append(f"{problem} {key}")


@dataclass
class SoakReport:
    kinds: dict[str, KindFigures]
    held: dict[str, int]  # the source's documents held in quarantine, per reason (check name)
    leftovers: dict[str, int]  # the source's outbox rows (and the reference queries) not finished, per reason
    unexplained: int  # leftovers no hold explains (anything still waiting, or failed for a document not held)
    planted_not_held: int  # planted bad records neither held nor kept out of QuickBooks
    problems: dict[str, int] = field(default_factory=dict)  # the source's own checks, in plain words: 0 when clean

    @property
    def clean(self) -> bool:
        bad = sum(k.duplicates + k.losses + k.mismatches for k in self.kinds.values())
        return bad == 0 and self.unexplained == 0 and self.planted_not_held == 0 and not any(self.problems.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "kinds": {name: k.__dict__ for name, k in self.kinds.items()},
            "held": self.held,
            "leftovers": self.leftovers,
            "unexplained": self.unexplained,
            "planted_not_held": self.planted_not_held,
            "problems": self.problems,
        }

    def lines(self) -> list[str]:
        out = [f"{'kind':<14}{'expected':>9}{'present':>9}{'dupes':>7}{'losses':>8}{'mismatch':>10}"]
        for name, k in self.kinds.items():
            out.append(f"{name:<14}{k.expected:>9}{k.present:>9}{k.duplicates:>7}{k.losses:>8}{k.mismatches:>10}")
            out += [f"    {example}" for example in k.examples]
        out.append(f"held ({sum(self.held.values())}): " + ", ".join(f"{r} {n}" for r, n in self.held.items()))
        out.append(f"leftovers ({sum(self.leftovers.values())}, {self.unexplained} unexplained):")
        out += [f"    {n} x {reason}" for reason, n in self.leftovers.items()]
        out.append(f"planted bad records not held: {self.planted_not_held}")
        out += [f"{problem}: {n}" for problem, n in self.problems.items()]
        out.append("CLEAN" if self.clean else "NOT CLEAN")
        return out


def compare(expected: Mapping[Hashable, Any], counts: Counter, values: Mapping[Hashable, Any]) -> KindFigures:
    """One kind's figures: `expected` key -> value, `counts` how often each key is present, `values` what the
    present one holds (an amount, a vendor with its lines...)."""
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
class Holds:
    """What the warehouse says about one source's documents: held per reason, and the outbox rows left over."""

    held: dict[str, int]
    held_keys: set[str]
    leftovers: dict[str, int]
    unexplained: int


def holds(wh, source: str) -> Holds:
    """The quarantine and the unfinished outbox rows of `source`'s records (and of the reference queries, `qb:`,
    which every source's documents wait on), and its cloud writes not settled; a leftover is explained only by a
    failure of a held document."""
    from warehouse.states import FINISHED, CloudWrite, sql_list

    mine = "record_key LIKE ?"
    prefix = f"{source}:%"
    held = dict(
        wh.fetchall(
            f"SELECT check_name, count(DISTINCT record_key) FROM quarantine WHERE released_at IS NULL AND {mine} "
            "GROUP BY check_name ORDER BY check_name",
            [prefix],
        )
    )
    held_keys = {k for (k,) in wh.fetchall(f"SELECT record_key FROM quarantine WHERE released_at IS NULL AND {mine}",
                                           [prefix])}  # fmt: skip
    rows = wh.records(
        "SELECT record_key, op, status, last_error FROM qbxml_outbox "
        f"WHERE status NOT IN {sql_list(*FINISHED)} AND ({mine} OR record_key LIKE 'qb:%')",
        [prefix],
    )
    cloud = wh.records(  # the source's own writes to its cloud (flags, responses, upserts) not settled
        "SELECT record_key, 'cloud ' || op AS op, status, last_error FROM cloud_outbox "
        "WHERE source_system = ? AND status NOT IN (?, ?)",
        [source, CloudWrite.DONE, CloudWrite.SUPERSEDED],
    )
    leftovers: Counter[str] = Counter()
    unexplained = 0
    for row in [*rows, *cloud]:
        leftovers[f"{row['op']} {row['status']}: {row['last_error'] or 'no reason'}"[:160]] += 1
        if row["status"] != "failed" or row["record_key"] not in held_keys:
            unexplained += 1
    return Holds(held, held_keys, dict(leftovers), unexplained)


def foreign_vendors(env, source: str, vendors: list[dict[str, Any]]) -> set[str]:
    """Names of the company file's vendors another source of the run owns: created for it (AccountNumber
    <OTHER SOURCE>-<id>) or put in the file by its demo hook (`seeded_vendors`)."""
    from sources import registry

    others = tuple(f"{s.name.upper()}-" for s in registry.all_sources() if s.name != source)
    seeded = {name for other, hook in env.systems.items() if other != source for name in hook.seeded_vendors()}
    return {
        v.get("Name")
        for v in vendors
        if str(v.get("AccountNumber") or "").startswith(others) or v.get("Name") in seeded
    }

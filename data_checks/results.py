"""What a data check found: per rule a verdict, counts and the first offending keys a person can act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR = "ERROR"
WARN = "WARN"
FIRST_KEYS = 10


@dataclass
class CheckResult:
    """One rule's outcome: `offenders` are record keys (sorted), `details` readable reasons keyed by record key."""

    name: str
    severity: str
    description: str
    offenders: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.offenders

    @property
    def count(self) -> int:
        return len(self.offenders)

    def metadata(self) -> dict[str, Any]:
        """Counts, the first offending keys and their reasons, plus rule-specific metrics."""
        first = self.offenders[:FIRST_KEYS]
        out: dict[str, Any] = {"offending_count": self.count, "first_offending_keys": first}
        if self.details:
            out["first_reasons"] = {k: self.details[k] for k in first if k in self.details}
        out.update(self.metrics)
        return out

    def markdown(self) -> str:
        """The first offenders as a table a person reads (record, reason), with how many more there are."""
        if not self.offenders:
            return "_no offending records_"
        first = self.offenders[:FIRST_KEYS]
        rows = "".join(f"| {key} | {_cell(self.details.get(key, ''))} |\n" for key in first)
        more = f"\n{self.count - len(first)} more: qbsync report lists them all" if self.count > len(first) else ""
        return "| record | reason |\n|---|---|\n" + rows + more


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


@dataclass
class CheckReport:
    """The outcome of one evaluation: every rule's result and what moved in and out of quarantine."""

    results: list[CheckResult]
    quarantined: list[str] = field(default_factory=list)  # record keys newly quarantined
    released: list[str] = field(default_factory=list)  # record keys whose last open cause is gone
    held: list[str] = field(default_factory=list)  # record keys in quarantine after the evaluation

    def result(self, name: str) -> CheckResult:
        for res in self.results:
            if res.name == name:
                return res
        raise KeyError(f"no check named {name}")

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

"""What one request sees while it runs: the store, the time of the message, the session, and id makers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from qbxml import schema as qbschema
from sandbox.quickbooks.clock import Clock
from sandbox.quickbooks.kinds import Kind
from sandbox.quickbooks.store import Store
from sandbox.quickbooks.values import fit

# Objects are kept in the shape of the newest schema we hold and written back in each request's version.
STORAGE_VERSION = qbschema.schema_versions()[-1]


@dataclass
class Context:
    store: Store
    moment: datetime
    session_id: str
    clock: Clock
    country: str = "US"

    @cached_property
    def now(self) -> str:
        """The message's time as QuickBooks writes it: local to the company file, with its offset."""
        return self.clock.text(self.moment)

    @cached_property
    def now_utc(self) -> str:
        """The message's time in UTC, as the store orders by it (clock.utc_text of `now`)."""
        return self.clock.utc_text(self.now)

    @cached_property
    def today(self) -> str:
        """The message's date in the company file's time zone (a new transaction's TxnDate unless given)."""
        return self.moment.astimezone(self.clock.tz).date().isoformat()

    @cached_property
    def epoch(self) -> int:
        return int(self.moment.timestamp())

    def new_list_id(self) -> str:
        return f"{0x80000000 + self.store.next_number('list_id'):X}-{self.epoch}"

    def new_txn_id(self) -> str:
        return f"{self.store.next_number('txn_id'):X}-{self.epoch}"

    def new_line_id(self) -> str:
        """Lines are numbered from the transactions' sequence, as in real files (TxnID 4-… has line 6-…)."""
        return f"{self.store.next_number('txn_id'):X}-{self.epoch}"

    def touch(self, doc: dict[str, Any]) -> None:
        """Stamp a change: TimeModified now, EditSequence its Unix time (one more when saved twice in a second)."""
        doc["TimeModified"] = self.now
        doc["EditSequence"] = str(max(self.epoch, int(doc.get("EditSequence") or 0) + 1))

    def save(self, kind: Kind, doc: dict[str, Any], *, new: bool = False) -> dict[str, Any]:
        """Store `doc` as the kind's Ret (only the fields a Ret has) and return what was stored; `new`: an Add."""
        doc = fit(qbschema.load(STORAGE_VERSION).element(f"{kind.name}Ret"), doc)
        entity = doc.get(kind.entity_ref) if kind.entity_ref else None
        self.store.put(
            kind.name,
            doc,
            namespace=kind.namespace,
            name_key=full_name(doc).upper() if kind.is_list else None,
            ref_number=doc.get("RefNumber"),
            entity_id=entity.get("ListID") if entity else None,
            modified=self.now_utc if doc["TimeModified"] == self.now else self.clock.utc_text(doc["TimeModified"]),
            new=new,
        )
        return doc


def full_name(doc: dict[str, Any]) -> str:
    """A list object's full name (vendors have no FullName element: their Name is it)."""
    return doc.get("FullName") or doc["Name"]

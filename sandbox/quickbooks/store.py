"""The company file on disk: one SQLite database of JSON documents that several processes share safely."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY,          -- ListID or TxnID
    kind TEXT NOT NULL,           -- Vendor, Account, ItemService, Bill, BillPaymentCheck, ...
    namespace TEXT,               -- names are unique per namespace (name, account, item, class)
    name_key TEXT,                -- upper-cased FullName (lists) for uniqueness and lookups
    ref_number TEXT,              -- RefNumber (transactions)
    entity_id TEXT,               -- ListID of the vendor/customer/payee (transactions)
    modified TEXT NOT NULL,       -- TimeModified in UTC, ISO, for modified-date filters
    seq INTEGER NOT NULL,         -- creation order
    doc TEXT NOT NULL             -- the ...Ret as plain data (qbXML field names)
);
CREATE UNIQUE INDEX IF NOT EXISTS objects_name ON objects(namespace, name_key) WHERE name_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS objects_kind ON objects(kind, seq);
CREATE INDEX IF NOT EXISTS objects_ref ON objects(kind, ref_number);
CREATE TABLE IF NOT EXISTS deleted (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, is_list INTEGER NOT NULL,
    time_created TEXT, time_deleted TEXT NOT NULL, label TEXT, seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS iterators (
    iterator_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, op TEXT NOT NULL, request TEXT NOT NULL,
    remaining TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    """Connection to one company file; `transaction()` holds the write lock for one whole message."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        # Inside a transaction: counters read once from `meta` and written back at commit, and name lookups
        # remembered until a list object changes (both undone with the request that changed them).
        self._counters: dict[str, int] | None = None
        self._names: dict[tuple[str, str], tuple[str, dict[str, Any]] | None] = {}
        self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """BEGIN IMMEDIATE: one writer at a time across processes; commit on success, roll back on error."""
        self._db.execute("BEGIN IMMEDIATE")
        self._counters = {}
        try:
            yield self
            counters = [(key, str(number)) for key, number in self._counters.items()]
            self._db.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", counters)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        finally:
            self._counters = None
            self._names.clear()
        self._db.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """One request inside a message: undone alone when QuickBooks refuses it."""
        self._db.execute("SAVEPOINT request")
        counters = dict(self._counters) if self._counters is not None else None
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK TO request")
            self._db.execute("RELEASE request")
            self._counters = counters
            self._names.clear()
            raise
        self._db.execute("RELEASE request")

    # -- counters and settings ----------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        if self._counters is not None and key in self._counters:
            return str(self._counters[key])
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        if self._counters is not None:
            self._counters.pop(key, None)
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def meta_keys(self, prefix: str) -> list[str]:
        """The settings' keys that start with `prefix` (an index range, not a scan)."""
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return [k for (k,) in self._db.execute("SELECT key FROM meta WHERE key >= ? AND key < ?", (prefix, end))]

    def next_number(self, key: str) -> int:
        """The counter `key` plus one; inside a transaction kept in memory until commit."""
        if self._counters is None:
            number = int(self.get_meta(key, "0")) + 1
            self.set_meta(key, str(number))
            return number
        counters = self._counters
        if key not in counters:
            counters[key] = int(self.get_meta(key, "0"))
        counters[key] += 1
        return counters[key]

    # -- objects --------------------------------------------------------------------------------

    def put(
        self,
        kind: str,
        doc: dict[str, Any],
        *,
        namespace: str | None,
        name_key: str | None,
        ref_number: str | None,
        entity_id: str | None,
        modified: str,
        new: bool = False,
    ) -> None:
        """Write an object; one saved before keeps its place in creation order (`new`: there is none to look for)."""
        key = doc.get("ListID") or doc["TxnID"]
        if namespace is not None:
            self._names.clear()
        seq = None if new else self._db.execute("SELECT seq FROM objects WHERE id = ?", (key,)).fetchone()
        seq = seq[0] if seq else self.next_number("seq")
        self._db.execute(
            "INSERT OR REPLACE INTO objects(id, kind, namespace, name_key, ref_number, entity_id, modified, seq, doc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, kind, namespace, name_key, ref_number, entity_id, modified, seq, json.dumps(doc)),
        )

    def get(self, key: str) -> tuple[str, dict[str, Any]] | None:
        row = self._db.execute("SELECT kind, doc FROM objects WHERE id = ?", (key,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def by_name(self, namespace: str, name: str) -> tuple[str, dict[str, Any]] | None:
        """The list object named `name` (any case); the answer is shared within a transaction: do not change it."""
        wanted = (namespace, name.upper())
        if wanted in self._names:
            return self._names[wanted]
        row = self._db.execute("SELECT kind, doc FROM objects WHERE namespace = ? AND name_key = ?", wanted).fetchone()
        found = (row[0], json.loads(row[1])) if row else None
        if self._counters is not None:
            self._names[wanted] = found
        return found

    def delete(self, key: str) -> None:
        self._names.clear()
        self._db.execute("DELETE FROM objects WHERE id = ?", (key,))

    def scan(self, kinds: tuple[str, ...], where: str = "", params: tuple = ()) -> Iterator[tuple[str, dict]]:
        """Objects of `kinds` in creation order, optionally narrowed by an SQL condition on the columns."""
        marks = ",".join("?" for _ in kinds)
        sql = f"SELECT kind, doc FROM objects WHERE kind IN ({marks})"
        if where:
            sql += f" AND ({where})"
        for kind, doc in self._db.execute(sql + " ORDER BY seq", (*kinds, *params)):
            yield kind, json.loads(doc)

    def all_objects(self) -> Iterator[tuple[str, dict]]:
        for kind, doc in self._db.execute("SELECT kind, doc FROM objects ORDER BY seq"):
            yield kind, json.loads(doc)

    # -- deletions ------------------------------------------------------------------------------

    def record_deleted(
        self, key: str, kind: str, *, is_list: bool, time_created: str | None, time_deleted: str, label: str | None
    ) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO deleted(id, kind, is_list, time_created, time_deleted, label, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, kind, int(is_list), time_created, time_deleted, label, self.next_number("seq")),
        )

    def deleted(self, kinds: list[str], *, is_list: bool) -> list[dict[str, Any]]:
        marks = ",".join("?" for _ in kinds)
        rows = self._db.execute(
            f"SELECT id, kind, time_created, time_deleted, label FROM deleted WHERE is_list = ? AND kind IN ({marks}) "
            "ORDER BY seq",
            (int(is_list), *kinds),
        )
        return [dict(zip(("id", "kind", "time_created", "time_deleted", "label"), r, strict=True)) for r in rows]

    # -- iterators ------------------------------------------------------------------------------

    def save_iterator(self, iterator_id: str, session_id: str, op: str, request: dict, remaining: list[str]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO iterators(iterator_id, session_id, op, request, remaining) VALUES (?, ?, ?, ?, ?)",
            (iterator_id, session_id, op, json.dumps(request), json.dumps(remaining)),
        )

    def load_iterator(self, iterator_id: str, session_id: str, op: str) -> tuple[dict, list[str]] | None:
        row = self._db.execute(
            "SELECT request, remaining FROM iterators WHERE iterator_id = ? AND session_id = ? AND op = ?",
            (iterator_id, session_id, op),
        ).fetchone()
        return (json.loads(row[0]), json.loads(row[1])) if row else None

    def drop_iterator(self, iterator_id: str) -> None:
        self._db.execute("DELETE FROM iterators WHERE iterator_id = ?", (iterator_id,))

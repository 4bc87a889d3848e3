"""DuckDB files shared by the threads of one process: opened on demand, let go after a short idle linger.

DuckDB lets one process write a file at a time, and opening a file (and the checkpoint when the last connection
closes) costs tens of milliseconds. Each operation therefore takes its own cursor on a database this process
keeps open only while it is busy: back-to-back operations (one SOAP call, one asset) share it, and the file lock is
released `linger` seconds after the last one, so the bridge and Dagster runs in other processes take turns.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field

import duckdb

from warehouse import config
from warehouse.errors import OperatorError

log = logging.getLogger("qbsync.warehouse")


class WarehouseBusy(OperatorError):
    """Another process held the DuckDB file lock for longer than the configured wait."""


def linger_seconds() -> float:
    return float(os.environ.get("QBSYNC_DUCKDB_LINGER_SECONDS", "0.5"))


@dataclass
class _OpenFile:
    database: duckdb.DuckDBPyConnection
    users: int = 0
    idle_since: float = field(default_factory=time.monotonic)
    timer: threading.Timer | None = None


class DuckDbFiles:
    """The process's open DuckDB files, each with a user count and an idle timer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, _OpenFile] = {}

    def acquire(self, path: str, lock_timeout: float) -> duckdb.DuckDBPyConnection:
        """A cursor (its own connection) on the database at `path`, opening the file if needed."""
        with self._lock:
            entry = self._open.get(path)
            if entry is None:
                entry = _OpenFile(_connect(path, lock_timeout))
                self._open[path] = entry
            if entry.timer is not None:
                entry.timer.cancel()
                entry.timer = None
            entry.users += 1
            return entry.database.cursor()

    def release(self, path: str) -> None:
        """One user is done; close the file once nobody has used it for the linger time."""
        linger = linger_seconds()
        with self._lock:
            entry = self._open.get(path)
            if entry is None:
                return
            entry.users -= 1
            if entry.users > 0:
                return
            entry.idle_since = time.monotonic()
            if linger <= 0:
                self._close(path)
                return
            entry.timer = threading.Timer(linger, self._close_if_idle, args=(path, entry.idle_since))
            entry.timer.daemon = True
            entry.timer.start()

    def close_all(self) -> None:
        with self._lock:
            for path in list(self._open):
                self._close(path)

    def _close_if_idle(self, path: str, idle_since: float) -> None:
        with self._lock:
            entry = self._open.get(path)
            if entry is not None and entry.users == 0 and entry.idle_since == idle_since:
                self._close(path)

    def _close(self, path: str) -> None:
        entry = self._open.pop(path)
        if entry.timer is not None:
            entry.timer.cancel()
        entry.database.close()


_UMASK_LOCK = threading.Lock()


def _open(path: str) -> duckdb.DuckDBPyConnection:
    """duckdb.connect with QBSYNC_DUCKDB_MEMORY_LIMIT applied; a limit DuckDB cannot read is the operator's error."""
    limit = config.duckdb_memory_limit()
    try:
        return duckdb.connect(path, config={"memory_limit": limit} if limit else {})
    except (duckdb.ParserException, duckdb.InvalidInputException) as exc:
        raise OperatorError(
            f"QBSYNC_DUCKDB_MEMORY_LIMIT={limit!r} is not a memory size DuckDB reads (say 800MB or 2GB): {exc}"
        ) from None


def _open_private(path: str) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, creating a new file readable by its owner only (0600); QBSYNC_HOME itself is 0700."""
    if os.path.exists(path):
        return _open(path)
    with _UMASK_LOCK:
        previous = os.umask(0o077)
        try:
            database = _open(path)
        finally:
            os.umask(previous)
    if os.path.exists(path):
        os.chmod(path, 0o600)
    return database


def _connect(path: str, timeout: float) -> duckdb.DuckDBPyConnection:
    started = time.monotonic()
    deadline = started + timeout
    delay = 0.01
    told = False
    while True:
        try:
            return _open_private(path)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            holder = lock_holder(str(exc))
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"DuckDB file {path} is locked by {holder} for more than {timeout:g}s: "
                    "let it finish (or stop it) and retry, or raise QBSYNC_DUCKDB_LOCK_TIMEOUT"
                ) from None
            if not told and time.monotonic() - started >= min(2.0, timeout / 2):  # a moment's wait is normal
                log.warning(
                    "process %s waits for DuckDB file %s, locked by %s (up to %gs)", os.getpid(), path, holder, timeout
                )
                told = True
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def lock_holder(message: str) -> str:
    """Who holds the lock, from DuckDB's message ("... held in /usr/bin/python3 (PID 4711)"): the process id and,
    where this machine can see it, its command line; DuckDB's own words otherwise."""
    found = re.search(r"\(PID (\d+)\)", message)
    if not found:
        return "another process"
    pid = found.group(1)
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        argv = []
    command = " ".join(" ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(argv)).split())
    return f"process {pid}" + (f" ({command[:80]})" if command else "")


OPEN_FILES = DuckDbFiles()
atexit.register(OPEN_FILES.close_all)

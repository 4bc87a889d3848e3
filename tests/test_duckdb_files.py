"""The process keeps a DuckDB file open only while busy: back-to-back operations share it, then it lets go."""

from __future__ import annotations

import subprocess
import sys

import pytest

from warehouse.duckdb_files import OPEN_FILES
from warehouse.errors import OperatorError
from warehouse.store import Warehouse


def _other_process_can_write(path) -> bool:
    code = f"import duckdb; duckdb.connect({str(path)!r}).execute('CREATE TABLE IF NOT EXISTS probe (x INT)')"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60).returncode == 0


def test_file_is_shared_while_busy_and_released_when_idle(tmp_path, monkeypatch):
    monkeypatch.setenv("QBSYNC_DUCKDB_LINGER_SECONDS", "0")
    path = tmp_path / "w.duckdb"
    wh = Warehouse(f"duckdb:///{path}", lock_timeout=5)
    wh.migrate()
    with wh.connect() as outer:
        with wh.connect() as inner:  # a second operation in the same process shares the open file
            inner.execute("INSERT INTO watermarks VALUES ('coupa', 'po', 'w1', now()::TIMESTAMP)")
        assert str(path) in OPEN_FILES._open
        assert outer.scalar("SELECT count(*) FROM watermarks") == 1
        assert not _other_process_can_write(path)  # the lock is held while busy
    assert str(path) not in OPEN_FILES._open  # idle (linger 0): let go at once
    assert _other_process_can_write(path)


def test_linger_keeps_the_file_open_between_close_operations(tmp_path, monkeypatch):
    monkeypatch.setenv("QBSYNC_DUCKDB_LINGER_SECONDS", "30")
    path = tmp_path / "w.duckdb"
    wh = Warehouse(f"duckdb:///{path}", lock_timeout=5)
    wh.migrate()
    database = OPEN_FILES._open[str(path)].database
    wh.scalar("SELECT 1")
    assert OPEN_FILES._open[str(path)].database is database  # reused, not reopened
    OPEN_FILES.close_all()
    assert str(path) not in OPEN_FILES._open


def test_memory_limit_caps_duckdb_and_a_bad_one_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("QBSYNC_DUCKDB_LINGER_SECONDS", "0")
    monkeypatch.setenv("QBSYNC_DUCKDB_MEMORY_LIMIT", "300MB")
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}", lock_timeout=5)
    assert wh.scalar("SELECT current_setting('memory_limit')") == "286.1 MiB"  # 300 MB in DuckDB's own units
    monkeypatch.setenv("QBSYNC_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(OperatorError, match=r"QBSYNC_DUCKDB_MEMORY_LIMIT='lots' is not a memory size"):
        wh.scalar("SELECT 1")

"""A Dagster run killed with kill -9 keeps the pool's only slot; `qbsync dagster recover` fails it and frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner

from assets.policies import WAREHOUSE_POOL
from pipelines.cli import app

HOLDER = Path(__file__).with_name("dagster_pool_holder.py")


@dg.asset(pool=WAREHOUSE_POOL)
def quick() -> int:
    return 1


@pytest.fixture
def dagster_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("concurrency:\n  pools:\n    default_limit: 1\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@contextmanager
def _run_holding_the_slot(tmp_path: Path) -> Iterator[None]:
    """A run in another process that holds the slot while the block runs, then is killed with kill -9."""
    started = tmp_path / "started"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HOLDER.parent.parent), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, str(HOLDER), str(started)], env=env)
    try:
        deadline = time.monotonic() + 120
        while not started.exists():  # poll: the run has claimed the slot once its step is running
            assert proc.poll() is None, "the holding run ended early"
            assert time.monotonic() < deadline, "the holding run never started"
            time.sleep(0.05)
        yield
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def _recover(*args: str) -> str:
    run = CliRunner().invoke(app, ["dagster", "recover", *args])
    assert run.exit_code == 0, run.output
    return run.output


def test_a_killed_run_is_failed_and_its_pool_slot_freed(dagster_home, tmp_path):
    with _run_holding_the_slot(tmp_path):
        assert "is still running" in _recover()  # a living run keeps its slot
    with dg.DagsterInstance.get() as instance:
        (run_id,) = instance.event_log_storage.get_concurrency_run_ids()
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED
        assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).active_slot_count == 1

    assert "would be failed and freed" in _recover("--dry-run")
    assert f"{run_id} STARTED: failed and freed" in _recover()

    with dg.DagsterInstance.get() as instance:
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).active_slot_count == 0
        assert dg.materialize([quick], instance=instance).success  # the pool takes work again
    assert "no run holds a pool slot" in _recover()

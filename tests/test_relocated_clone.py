"""A clone of the project anywhere, with no ../shared beside it, runs the demo: the product reads only what it ships
(the compiled qbXML facts, its SQL and its templates), never the reference folder the tests use."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _clone(to: Path) -> Path:
    """The tracked files of this checkout copied to `to` (what a clone of main holds)."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)
    return to


def test_a_clone_with_no_reference_folder_beside_it_runs_the_demo(tmp_path):
    clone = _clone(tmp_path / "elsewhere" / "qbsync")
    assert not any((parent / "shared").exists() for parent in clone.parents)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBSYNC_")}
    env.update(PYTHONPATH=str(clone), QBSYNC_HOME=str(tmp_path / "home"))
    where = subprocess.run(
        [sys.executable, "-c", "import pipelines.cli, qbxml.schema; print(qbxml.schema.__file__)"],
        cwd=clone, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(clone)  # the clone's code runs, not this checkout's
    demo = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "demo", "--records", "30", "--json"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr[-3000:]
    out = json.loads(demo.stdout.strip().splitlines()[-1])
    assert out["outbox"]["failed"] == 0 and out["outbox"]["pending"] == 0 and out["outbox"]["done"] > 0
    assert out["duplicates"] == 0 and out["unreconciled"] == 0 and out["double_booked"] == 0

"""JAGGAER under killed runs: a Dagster sync run of JAGGAER killed with kill -9 mid-run (its pool slot recovered), a
Web Connector and a bridge killed mid-session, every fault knob on, then synced and delivered again; JAGGAER's
independent checker (the generator's truth against the sandbox company file) finds each PO one QuickBooks PO, each
receipt one bill and each credit memo one vendor credit: nothing added twice, nothing lost."""

from __future__ import annotations

import pytest

from pipelines.soak import run_soak

KINDS = ("purchase_orders", "bills", "vendor_credits")


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """The run's QBSYNC_HOME (the connection store's key), shared by the test and every child process."""
    monkeypatch.setenv("QBSYNC_HOME", str(tmp_path / "home"))


def test_a_jaggaer_sync_killed_mid_run_then_run_again_adds_nothing_twice(tmp_path):
    run = run_soak(60, database=None, seed=23, folder=tmp_path, schema="unused", sources=["jaggaer"])
    report = run.reports["jaggaer"]
    assert run.kills == {"dagster": 1, "webconnector": 1, "bridge": 1}
    assert report.clean, "\n".join(report.lines())
    for kind in KINDS:
        figures = report.kinds[kind]
        assert figures.expected > 0 and figures.present == figures.expected and figures.duplicates == 0, kind

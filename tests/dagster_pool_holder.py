"""A Dagster run that takes the qbsync_warehouse pool's slot and holds it (the test kills it with kill -9)."""

from __future__ import annotations

import sys
import time

import dagster as dg

from assets.policies import WAREHOUSE_POOL


@dg.asset(pool=WAREHOUSE_POOL)
def holds_the_slot() -> None:
    with open(sys.argv[1], "w") as started:
        started.write("started")
    time.sleep(300)


if __name__ == "__main__":
    with dg.DagsterInstance.get() as instance:
        dg.materialize([holds_the_slot], instance=instance)

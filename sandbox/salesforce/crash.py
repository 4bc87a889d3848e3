"""A Salesforce run in a process of its own, for `qbsync demo --faults` to kill with kill -9 mid-write: it folds the
QuickBooks answers waiting, then queues and sends the Salesforce writes as the feedback asset would.

    python -m sandbox.salesforce.crash DATABASE_URL [SCHEMA]
"""

from __future__ import annotations

import sys

from assets.feedback import deliver_writes
from sandbox.demo_system import DEMO_INSTANCE
from sources import registry
from warehouse.qb_mirror import fold_pending
from warehouse.store import Warehouse


def run(url: str, schema: str | None) -> None:
    wh = Warehouse(url, schema=schema)
    with wh.connect() as conn:
        fold_pending(conn)
    source = registry.get("salesforce")
    resource = registry.resource_class(source.name)(
        source=source.name, instance=DEMO_INSTANCE, database_url=url, schema_name=schema
    )
    with resource.client() as client:
        deliver_writes(wh, source, client)


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None)

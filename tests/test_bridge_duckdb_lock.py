"""DuckDB: the bridge and a materialization in another process share the file without failing each other."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

from bridge_support import FAST, PASSWORD, USER, add_company, queue_vendors_and_bills, running_bridge, statuses

from sandbox.quickbooks.company import CompanyFile
from sandbox.webconnector.client import WebConnector
from warehouse.store import Warehouse

# Another process writing the warehouse the way a Dagster run does: a transaction, held until told to finish.
MATERIALIZATION = textwrap.dedent(
    """
    import sys
    from warehouse.store import Warehouse
    from warehouse.audit import now
    wh = Warehouse(sys.argv[1], lock_timeout=30)
    with wh.connect() as conn:
        conn.execute("INSERT INTO watermarks VALUES ('coupa', 'invoices', '2024-01-01', ?)", [now()])
        print("holding", flush=True)
        sys.stdin.readline()
    for i in range(20):  # then many short writes while the bridge keeps serving
        with wh.connect() as conn:
            conn.execute("UPDATE watermarks SET watermark = ? WHERE entity = 'invoices'", [str(i)])
    print("done", flush=True)
    """
)


def test_bridge_and_materialization_share_the_duckdb_file(tmp_path):
    wh = Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}", lock_timeout=30)
    wh.migrate()
    add_company(wh)
    queue_vendors_and_bills(wh, vendors=4, bills_per_vendor=2)
    with CompanyFile.create(tmp_path / "qb.sqlite") as company, running_bridge(wh, batch_max_requests=3, **FAST) as b:
        other = subprocess.Popen(
            [sys.executable, "-c", MATERIALIZATION, wh.url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert other.stdout.readline().strip() == "holding"
            summaries: list = []
            client = WebConnector(b.soap_url, USER, PASSWORD, company, noop_wait=0.01)
            runner = threading.Thread(target=lambda: summaries.extend(client.run_until_idle()))
            runner.start()  # its first call waits on the file lock the other process holds
            other.stdin.write("go\n")
            other.stdin.flush()
            runner.join(timeout=120)
            assert other.stdout.readline().strip() == "done"
            assert other.wait(timeout=60) == 0
        finally:
            if other.poll() is None:
                other.kill()
                other.wait()
            other.stdin.close()
            other.stdout.close()
    assert not runner.is_alive()
    assert all(not s.errors for s in summaries), [s.errors for s in summaries]
    assert statuses(wh) == {"done": 12}
    assert wh.scalar("SELECT watermark FROM watermarks WHERE entity = 'invoices'") == "19"

"""End to end: outbox -> bridge -> sandbox Web Connector -> sandbox company file -> responses -> qb_* tables, with
faults on. No object twice in the company file, every row settled, every message valid for its version."""

from __future__ import annotations

import json
import threading
from collections import Counter

import pandas as pd
from bridge_support import (
    FAST,
    PASSWORD,
    USER,
    add_company,
    connector,
    qb_add,
    queue_vendors_and_bills,
    running_bridge,
    statuses,
    zeep_service,
)
from lxml import etree

from qbxml import xsd
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.faults import Faults
from sandbox.webconnector.client import WebConnector
from warehouse.outbox import enqueue
from warehouse.qb_mirror import fold_pending


def _assert_messages_valid(wh) -> int:
    """Every message the bridge sent validates against the official schema of its negotiated version."""
    with wh.connect() as conn:
        sent = conn.fetchall("SELECT qbxml_version, request_xml FROM qbxml_messages")
    for version, xml in sent:
        errors = xsd.load(version).errors(etree.fromstring(xml.encode()))
        assert not errors, errors[:3]
    return len(sent)


def _names(company: CompanyFile, kind: str, field: str) -> Counter:
    return Counter(o[field] for o in company.objects(kind))


def test_faults_everywhere_yet_exactly_once(warehouse, tmp_path):
    add_company(warehouse)
    queue_vendors_and_bills(warehouse, vendors=12, bills_per_vendor=3)
    path = tmp_path / "qb.sqlite"
    CompanyFile.create(path).close()
    with CompanyFile(path) as clean:  # a vendor that already exists: 3100 -> looked up and linked
        existing = qb_add(clean, "VendorAdd", {"Name": "Vendor 00003"})
    company = CompanyFile(path, faults=Faults(seed=7, transient_rate=0.2, lose_response_rate=0.2))
    with running_bridge(warehouse, batch_max_requests=10, max_attempts=12, **FAST) as bridge:
        sessions = connector(bridge, company, seed=3, drop_after_send_rate=0.15).run_until_idle(max_sessions=200)
    company.close()

    assert sessions[-1].authenticated == "none"
    assert any(s.dropped for s in sessions)
    assert statuses(warehouse) == {"done": 12 + 36}
    with CompanyFile(path) as check:
        vendors = _names(check, "Vendor", "Name")
        bills = Counter(b["RefNumber"] for b in check.objects("Bill"))
    assert len(vendors) == 12
    assert max(vendors.values()) == 1
    assert len(bills) == 36
    assert max(bills.values()) == 1
    with warehouse.connect() as conn:
        assert conn.scalar("SELECT count(*) FROM qb_vendors") == 12
        assert conn.scalar("SELECT count(*) FROM qb_bills") == 36
        linked = conn.scalar("SELECT qb_id FROM qbxml_outbox WHERE dedup_key = 'coupa:supplier:3:v1'")
        events = Counter(e for (e,) in conn.fetchall("SELECT event FROM audit_log WHERE actor = 'bridge'"))
    assert linked == existing["ListID"]
    assert events["linked"] >= 1  # 3100 and lost answers were resolved by lookups, not re-adds
    assert events["retry"] >= 1
    assert _assert_messages_valid(warehouse) == sum(s.round_trips for s in sessions)


def test_lost_answer_is_looked_up_before_anything_is_re_added(warehouse, tmp_path):
    add_company(warehouse)
    queue_vendors_and_bills(warehouse, vendors=3, bills_per_vendor=1)
    path = tmp_path / "qb.sqlite"
    with (
        CompanyFile.create(path, faults=Faults(lose_response_rate=1.0)) as lossy,
        running_bridge(warehouse, **FAST) as bridge,
    ):
        first = connector(bridge, lossy).run_session()
        assert first.dropped and first.dropped_applied
        assert statuses(warehouse) == {"sent": 3, "pending": 3}
        with CompanyFile(path) as healthy:
            connector(bridge, healthy).run_until_idle()
            assert max(_names(healthy, "Vendor", "Name").values()) == 1
            assert len(healthy.objects("Bill")) == 3
    assert statuses(warehouse) == {"done": 6}
    with warehouse.connect() as conn:
        second = conn.scalar("SELECT request_xml FROM qbxml_messages ORDER BY sent_at LIMIT 1 OFFSET 1")
        events = [
            e
            for (e,) in conn.fetchall(
                "SELECT a.event FROM audit_log a JOIN qbxml_outbox o ON o.request_id = a.request_id "
                "WHERE o.op = 'VendorAdd' AND o.dedup_key = 'coupa:supplier:0:v1' ORDER BY a.audit_id"
            )
        ]
    assert second.count("<VendorQueryRq") == 3 and "<VendorAddRq" not in second
    assert events == ["queued", "sent", "unknown", "sent", "linked"]


def test_a_mod_reads_its_object_first_and_never_sends_the_stale_edit_sequence_it_was_queued_with(warehouse, tmp_path):
    add_company(warehouse)
    with CompanyFile.create(tmp_path / "qb.sqlite") as company:
        vendor = qb_add(company, "VendorAdd", {"Name": "Stale Supplies"})
        mod = {"ListID": vendor["ListID"], "EditSequence": "1", "CompanyName": "Stale Supplies Ltd"}
        frame = pd.DataFrame(
            [["acme", "VendorMod", "coupa:supplier:77:v2", "coupa:supplier:77", {"VendorMod": mod}]],
            columns=["company", "op", "dedup_key", "record_key", "payload"],
        )
        with warehouse.connect() as conn:
            enqueue(conn, frame)
        with running_bridge(warehouse, **FAST) as bridge:
            connector(bridge, company).run_until_idle()
        assert company.objects("Vendor")[0]["CompanyName"] == "Stale Supplies Ltd"
    with warehouse.connect() as conn:
        row = conn.records("SELECT status, last_status_code, attempts FROM qbxml_outbox")[0]
        events = [e for (e,) in conn.fetchall("SELECT event FROM audit_log WHERE actor = 'bridge' ORDER BY audit_id")]
    assert row == {"status": "done", "last_status_code": 0, "attempts": 1}  # the read is not an attempt, the send is
    assert events == ["sent", "requeried", "sent", "done"]  # VendorQuery, then the VendorMod: no 3200


def test_iterator_pages_keep_their_request_id_and_fold_later(warehouse, tmp_path):
    add_company(warehouse)
    with CompanyFile.create(tmp_path / "qb.sqlite") as company:
        for i in range(7):
            qb_add(company, "VendorAdd", {"Name": f"Paged {i}"})
        query = {"@iterator": "Start", "MaxReturned": 3}
        frame = pd.DataFrame(
            [["acme", "VendorQuery", "qb:vendors:1", "qb:vendors", query]],
            columns=["company", "op", "dedup_key", "record_key", "payload"],
        )
        with warehouse.connect() as conn:
            enqueue(conn, frame)
        with running_bridge(warehouse, **FAST) as bridge:
            sessions = connector(bridge, company).run_until_idle()
    assert sessions[0].round_trips == 3
    with warehouse.connect() as conn:
        pages = conn.fetchall("SELECT request_id, records FROM qbxml_responses ORDER BY response_id")
        assert len({r for r, _ in pages}) == 1
        assert [len(json.loads(r) if isinstance(r, str) else r) for _, r in pages] == [3, 3, 1]
        assert conn.scalar("SELECT count(*) FROM qb_vendors") == 0  # queries are folded by the assets
        assert fold_pending(conn) == 3
        assert conn.scalar("SELECT count(*) FROM qb_vendors") == 7
        assert statuses(warehouse) == {"done": 1}
        assert "Continue" in conn.scalar("SELECT request_xml FROM qbxml_messages ORDER BY sent_at DESC LIMIT 1")


def test_failures_carry_their_reason_and_block_dependents(warehouse, tmp_path):
    add_company(warehouse)
    queue_vendors_and_bills(warehouse, vendors=2, bills_per_vendor=1)
    with warehouse.connect() as conn:
        # vendor 0 cannot be written (name over 41 characters); vendor 1's bill books to an account QuickBooks lacks
        conn.execute(
            "UPDATE qbxml_outbox SET payload = ? WHERE dedup_key = 'coupa:supplier:0:v1'",
            [{"VendorAdd": {"Name": "V" * 60}}],
        )
        bill = conn.scalar("SELECT payload FROM qbxml_outbox WHERE dedup_key = 'coupa:invoice:1-0:v1'")
        bill = json.loads(bill) if isinstance(bill, str) else bill
        bill["BillAdd"]["ExpenseLineAdd"][0]["AccountRef"]["FullName"] = "No Such Account"
        conn.execute("UPDATE qbxml_outbox SET payload = ? WHERE dedup_key = 'coupa:invoice:1-0:v1'", [bill])
    with CompanyFile.create(tmp_path / "qb.sqlite") as company, running_bridge(warehouse, **FAST) as bridge:
        connector(bridge, company).run_until_idle()
        assert [v["Name"] for v in company.objects("Vendor")] == ["Vendor 00001"]
        assert company.objects("Bill") == []
    with warehouse.connect() as conn:
        rows = {r["dedup_key"]: r for r in conn.records("SELECT dedup_key, status, last_error FROM qbxml_outbox")}
    assert {k: r["status"] for k, r in rows.items()} == {
        "coupa:supplier:0:v1": "failed",
        "coupa:invoice:0-0:v1": "failed",
        "coupa:supplier:1:v1": "done",
        "coupa:invoice:1-0:v1": "failed",
    }
    assert "Name" in rows["coupa:supplier:0:v1"]["last_error"]
    assert rows["coupa:invoice:0-0:v1"]["last_error"].startswith("blocked: vendor coupa:supplier:0 failed: ")
    assert rows["coupa:invoice:1-0:v1"]["last_error"].startswith("3")


def test_any_bridge_serves_any_call_and_two_serve_at_once(warehouse, tmp_path):
    add_company(warehouse)
    add_company(warehouse, name="beta", user="beta-qbwc")
    queue_vendors_and_bills(warehouse, vendors=6, bills_per_vendor=4)
    queue_vendors_and_bills(warehouse, vendors=6, bills_per_vendor=4, company="beta")
    with (
        CompanyFile.create(tmp_path / "acme.sqlite") as acme,
        CompanyFile.create(tmp_path / "beta.sqlite") as beta,
        running_bridge(warehouse, batch_max_requests=5, **FAST) as one,
        running_bridge(warehouse, batch_max_requests=5, **FAST) as two,
    ):
        # A ticket from one bridge is good on the other: sessions live in the warehouse.
        first, second = zeep_service(one.soap_url), zeep_service(two.soap_url)
        ticket = first.authenticate(strUserName=USER, strPassword=PASSWORD)[0]
        request = second.sendRequestXML(ticket, acme.host_query_response().decode(), "", "US", 16, 0)
        assert first.receiveResponseXML(ticket, acme.process(request).response_xml.decode(), "", "") < 100
        first.closeConnection(ticket=ticket)
        runs = [
            threading.Thread(target=lambda: connector(one, acme).run_until_idle()),
            threading.Thread(
                target=lambda: WebConnector(two.soap_url, "beta-qbwc", PASSWORD, beta, noop_wait=0.01).run_until_idle()
            ),
        ]
        for run in runs:
            run.start()
        for run in runs:
            run.join(timeout=120)
        assert len(acme.objects("Bill")) == len(beta.objects("Bill")) == 24
    assert statuses(warehouse) == {"done": 60}
    with warehouse.connect() as conn:
        assert conn.scalar("SELECT max(attempts) FROM qbxml_outbox") == 1  # no row was handed out twice

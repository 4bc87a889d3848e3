"""Hostile input over real HTTP on loopback, against the bridge and its webhook route: each case asserts the
refusal, that the service still answers, and that the warehouse is unchanged (or changed only as intended)."""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from datetime import timedelta

import httpx
import pytest
from bridge_support import PASSWORD, USER, add_company, queue_vendors_and_bills, running_bridge, zeep_service
from lxml import etree
from typer.testing import CliRunner

from connectors.webhooks import SignatureScheme
from pipelines.cli import app as cli_app
from qbwc_bridge import throttle
from qbwc_bridge.conversation import Conversation
from qbwc_bridge.settings import BridgeSettings
from sources import registry
from warehouse.audit import now
from warehouse.qb_mirror import fold_pending
from warehouse.store import Warehouse

SOAP = {"Content-Type": "text/xml; charset=utf-8"}
VERSION = "<i:qbXMLMajorVers>16</i:qbXMLMajorVers><i:qbXMLMinorVers>0</i:qbXMLMinorVers>"
WEBHOOK_SECRET = "whsec-hostile-test"
TABLES = (
    "companies",
    "qbwc_sessions",
    "qbxml_outbox",
    "qbxml_messages",
    "qbxml_responses",
    "qb_vendors",
    "webhook_events",
)
OTHER, OTHER_USER = "globex", "globex-qbwc"


def snapshot(wh: Warehouse) -> dict:
    """Row counts of the tables hostile input must not touch, and the outbox's statuses."""
    with wh.connect() as conn:
        counts = {t: conn.scalar(f"SELECT count(*) FROM {t}") for t in TABLES}
        counts["outbox"] = sorted(conn.fetchall("SELECT company, status, count(*) FROM qbxml_outbox GROUP BY 1, 2"))
    return counts


def still_answers(bridge) -> None:
    assert httpx.get(bridge.url + "/healthz", timeout=10).json()["status"] == "ok"
    assert zeep_service(bridge.soap_url).serverVersion()


def envelope(op: str, inner: str, declaration: str = "") -> str:
    return (
        f"{declaration}"
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:i="http://developer.intuit.com/">'
        f"<soap:Body><i:{op}>{inner}</i:{op}></soap:Body></soap:Envelope>"
    )


def login(user: str = USER, password: str = PASSWORD) -> str:
    return f"<i:strUserName>{user}</i:strUserName><i:strPassword>{password}</i:strPassword>"


def is_client_fault(reply: httpx.Response) -> bool:
    """A SOAP 1.1 fault blaming the client (soap:Client, or spyne's soap11env:Client.<Reason>)."""
    return reply.status_code == 500 and re.search(r"<faultcode>\w+:Client(\.\w+)?</faultcode>", reply.text) is not None


@pytest.fixture
def wh(tmp_path) -> Warehouse:
    """The HTTP surface does not depend on the backend: one DuckDB warehouse with a company and queued work."""
    warehouse = Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}", lock_timeout=10)
    warehouse.migrate()
    add_company(warehouse)
    queue_vendors_and_bills(warehouse, 2, 1)
    return warehouse


@pytest.fixture
def bridge(wh):
    with running_bridge(wh, webhook_secrets={"coupa": WEBHOOK_SECRET}, max_body_bytes=2_000_000) as b:
        yield b


# -- XML: DTDs in any encoding, entity tricks, malformed SOAP, huge text only where needed -----------------------------

DTD_BODIES = {
    "xxe": envelope("authenticate", login(password="&x;")).replace(
        "<soap:Envelope", '<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]><soap:Envelope', 1
    ),
    "billion-laughs": envelope("authenticate", login(password="&l5;")).replace(
        "<soap:Envelope",
        '<!DOCTYPE e [<!ENTITY l0 "lol">'
        + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 6))
        + "]><soap:Envelope",
        1,
    ),
    "external-dtd": '<!DOCTYPE e SYSTEM "http://127.0.0.1:9/evil.dtd">' + envelope("authenticate", login()),
}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("kind", sorted(DTD_BODIES))
def test_a_dtd_is_refused_in_any_encoding(bridge, wh, kind, encoding):
    before = snapshot(wh)
    declared = encoding.upper().replace("-BE", "")
    text = f'<?xml version="1.0" encoding="{declared}"?>' + DTD_BODIES[kind]
    body = text.encode(encoding)
    reply = httpx.post(bridge.soap_url, content=body, headers={"Content-Type": f"text/xml; charset={encoding}"})
    assert reply.status_code == 400
    assert "DTD" in reply.text
    still_answers(bridge)
    assert snapshot(wh) == before  # no session was opened by the authenticate inside


@pytest.mark.parametrize(
    "body",
    [
        b"this is not xml",
        b"<unclosed><soap:Envelope>",
        b"",
        b'<?xml version="1.0"?><notsoap/>',
        envelope("authenticate", login()).encode()[:-30],
    ],
)
def test_malformed_soap_gets_a_soap_client_fault(bridge, wh, body):
    before = snapshot(wh)
    reply = httpx.post(bridge.soap_url, content=body, headers=SOAP)
    assert is_client_fault(reply), reply.text
    assert "Traceback" not in reply.text
    still_answers(bridge)
    assert snapshot(wh) == before


def test_deep_nesting_and_huge_text_are_refused_outside_answers(bridge, wh):
    before = snapshot(wh)
    deep = envelope("authenticate", "<i:strUserName>" + "<a>" * 5000 + "</a>" * 5000 + "</i:strUserName>")
    reply = httpx.post(bridge.soap_url, content=deep, headers=SOAP)
    assert reply.status_code == 500 and "Fault" in reply.text  # lxml's depth limit holds: no huge_tree here
    big = envelope(
        "sendRequestXML", "<i:ticket>t</i:ticket><i:strHCPResponse>" + "x" * 1_500_000 + "</i:strHCPResponse>" + VERSION
    )
    assert httpx.post(bridge.soap_url, content=big, headers=SOAP).status_code == 200  # under 10 MB: parsed, refused
    still_answers(bridge)
    assert snapshot(wh) == before


def test_huge_text_node_only_for_receive_response(tmp_path):
    warehouse = Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}", lock_timeout=10)
    warehouse.migrate()
    text = "x" * 11_000_000  # past lxml's 10 MB text-node limit
    with running_bridge(warehouse) as b:
        answer = httpx.post(
            b.soap_url,
            content=envelope("receiveResponseXML", f"<i:ticket>t</i:ticket><i:response>{text}</i:response>"),
            headers=SOAP,
            timeout=60,
        )
        hcp = httpx.post(
            b.soap_url,
            content=envelope(
                "sendRequestXML", f"<i:ticket>t</i:ticket><i:strHCPResponse>{text}</i:strHCPResponse>{VERSION}"
            ),
            headers=SOAP,
            timeout=60,
        )
        still_answers(b)
    assert "<tns:receiveResponseXMLResult>-1</tns:receiveResponseXMLResult>" in answer.text  # parsed, ticket refused
    assert hcp.status_code == 500 and "Fault" in hcp.text  # lxml's limit still applies to every other operation


# -- bodies: size, chunking, slow clients ------------------------------------------------------------------------------


def test_oversized_and_chunked_bodies(bridge, wh):
    before = snapshot(wh)
    big = envelope("authenticate", login(password="x" * 3_000_000))
    assert httpx.post(bridge.soap_url, content=big, headers=SOAP).status_code == 413

    def chunks(text: str, size: int = 1000):
        data = text.encode()
        for i in range(0, len(data), size):
            yield data[i : i + size]

    assert httpx.post(bridge.soap_url, content=chunks(big, 100_000), headers=SOAP).status_code == 413
    small = httpx.post(bridge.soap_url, content=chunks(envelope("serverVersion", "")), headers=SOAP)
    assert small.status_code == 200 and "serverVersionResult" in small.text  # chunked is fine when small
    still_answers(bridge)
    assert snapshot(wh) == before


def test_slow_clients_do_not_hold_the_service(bridge, wh):
    before = snapshot(wh)
    host, port = bridge.url.removeprefix("http://").split(":")
    stalled = []
    for _ in range(12):  # more half-sent requests than the bridge has worker threads
        sock = socket.create_connection((host, int(port)))
        sock.sendall(b"POST /qbwc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n<soap")
        stalled.append(sock)
    try:
        still_answers(bridge)
    finally:
        for sock in stalled:
            sock.close()
    assert snapshot(wh) == before


# -- tickets: forged, expired, closed, another company's, SQL in every string ------------------------------------------


def test_forged_expired_and_closed_tickets_reach_no_data(bridge, wh):
    svc = zeep_service(bridge.soap_url)
    before = snapshot(wh)
    for forged in ("forged", "' OR '1'='1", "x" * 5000, ""):
        assert svc.sendRequestXML(forged, "", "", "US", 16, 0) in ("", None)
        assert svc.receiveResponseXML(forged, "<QBXML/>", "", "") == -1
    assert snapshot(wh) == before
    ticket = svc.authenticate(strUserName=USER, strPassword=PASSWORD)[0]
    svc.closeConnection(ticket=ticket)
    assert svc.sendRequestXML(ticket, "", "", "US", 16, 0) in ("", None)
    assert "closed" in svc.getLastError(ticket=ticket)
    ticket = svc.authenticate(strUserName=USER, strPassword=PASSWORD)[0]
    with wh.connect() as conn:
        conn.execute("UPDATE qbwc_sessions SET expires_at = ? WHERE closed_at IS NULL", [now() - timedelta(seconds=1)])
    assert svc.sendRequestXML(ticket, "", "", "US", 16, 0) in ("", None)
    assert "expired" in svc.getLastError(ticket=ticket)
    with wh.connect() as conn:
        assert conn.scalar("SELECT count(*) FROM qbxml_messages") == 0
    still_answers(bridge)


def test_a_ticket_only_reaches_its_own_company(bridge, wh):
    with wh.connect() as conn:
        from qbwc_bridge import companies

        companies.add(conn, OTHER, OTHER_USER, PASSWORD)
    queue_vendors_and_bills(wh, 1, 0, company=OTHER)
    svc = zeep_service(bridge.soap_url)
    ticket = svc.authenticate(strUserName=USER, strPassword=PASSWORD)[0]
    message = svc.sendRequestXML(ticket, "", "", "US", 16, 0)
    assert message and "Vendor 00000" in message
    with wh.connect() as conn:
        assert conn.scalar("SELECT status FROM qbxml_outbox WHERE company = ?", [OTHER]) == "pending"
    still_answers(bridge)


@pytest.mark.parametrize("text", ["' OR 1=1 --", "acme-qbwc'; DROP TABLE companies; --", '" OR ""="'])
def test_sql_injection_strings_are_plain_text(bridge, wh, text):
    before = snapshot(wh)
    svc = zeep_service(bridge.soap_url)
    assert svc.authenticate(strUserName=text, strPassword=text)[1] == "nvu"
    assert svc.authenticate(strUserName=USER, strPassword=text)[1] == "nvu"
    assert "Invalid ticket" in svc.getLastError(ticket=text)
    still_answers(bridge)
    after = snapshot(wh)
    assert after == before


# -- 2. brute force on authenticate ------------------------------------------------------------------------------------


def test_password_guessing_slows_down_and_is_audited(wh, caplog):
    caplog.set_level(logging.INFO)
    with running_bridge(wh, login_free_failures=3) as bridge:
        svc = zeep_service(bridge.soap_url)
        answers = [svc.authenticate(strUserName=USER, strPassword=f"guess-{i}")[1] for i in range(6)]
        assert answers == ["nvu"] * 6
        with wh.connect() as conn:  # the last failure just now, whatever the pace of this machine
            conn.execute("UPDATE login_throttle SET last_at = ?", [now()])
            failures = conn.scalar("SELECT failures FROM login_throttle WHERE throttle_key = 'addr:127.0.0.1'")
        assert failures == 6  # every try counts, checked or refused unchecked
        # The brake is on (2**(6-3) = 8 s): even the right password is refused unchecked until the wait is over.
        assert svc.authenticate(strUserName=USER, strPassword=PASSWORD)[1] == "nvu"
        with wh.connect() as conn:
            wait = throttle.wait_seconds(conn, USER, "127.0.0.1", throttle.Limits(3, 300, 900))
            audited = conn.records("SELECT company, record_key, detail FROM audit_log WHERE event = 'login_failed'")
            assert conn.scalar("SELECT count(*) FROM qbwc_sessions") == 0
        assert 0 < wait <= 300
        assert 3 <= len(audited) <= 6  # the guesses that were checked; refused-unchecked ones are only logged
        assert {(a["company"], a["record_key"]) for a in audited} == {("acme", f"qbwc_user:{USER}")}
        assert "hunter" not in caplog.text and "guess-" not in caplog.text  # never a password in the log
        assert "bad credentials" in caplog.text
        # Time passes (the counters' clock moved back): the real Web Connector gets in and the counters clear.
        with wh.connect() as conn:
            conn.execute("UPDATE login_throttle SET last_at = ?", [now() - timedelta(seconds=400)])
        ticket, status = svc.authenticate(strUserName=USER, strPassword=PASSWORD)
        assert ticket and status in ("", None)
        still_answers(bridge)


def test_guesses_from_elsewhere_never_lock_out_a_known_web_connector(warehouse):
    add_company(warehouse)
    queue_vendors_and_bills(warehouse, 1, 0)
    wh = warehouse  # both backends: the counters are SQL upserts
    conversation = Conversation(wh, BridgeSettings(login_free_failures=2))
    assert conversation.authenticate(USER, PASSWORD, client="10.0.0.1")[1] == ""  # the real one, once
    conversation.close_connection(conversation.authenticate(USER, PASSWORD, client="10.0.0.1")[0])
    for i in range(20):
        assert conversation.authenticate(USER, f"guess-{i}", client=f"198.51.100.{i % 3}")[1] == "nvu"
    assert conversation.authenticate(USER, PASSWORD, client="198.51.100.7")[1] == "nvu"  # new address: user brake
    assert conversation.authenticate(USER, PASSWORD, client="10.0.0.1")[1] in ("", "busy")  # known address: in
    with wh.connect() as conn:
        assert conn.scalar("SELECT max(failures) FROM login_throttle WHERE throttle_key LIKE 'addr:%'") >= 6


def test_throttle_delays_double_and_stop_at_the_cap():
    limits = throttle.Limits(free_failures=5, max_delay_seconds=300)
    assert [throttle.delay_seconds(n, limits, 300) for n in (0, 4, 5, 6, 7, 12, 13, 14, 100)] == [
        0,
        0,
        1,
        2,
        4,
        128,
        256,
        300,
        300,
    ]


# -- 4/5. answers: foreign requestIDs, garbage status codes, HRESULTs, sizes -------------------------------------------


def _request_ids(message: str) -> list[str]:
    root = etree.fromstring(message.encode())
    return [el.get("requestID") for el in root.iter() if el.get("requestID")]


def _answer(*rs: str) -> str:
    head = '<?xml version="1.0"?><?qbxml version="16.0"?><QBXML><QBXMLMsgsRs onError="continueOnError">'
    return head + "".join(rs) + "</QBXMLMsgsRs></QBXML>"


def _vendor_rs(op: str, request_id: str, name: str, list_id: str, status: str = "0") -> str:
    return (
        f'<{op}Rs requestID="{request_id}" statusCode="{status}" statusSeverity="Info" statusMessage="Status OK">'
        f"<VendorRet><ListID>{list_id}</ListID><TimeCreated>2024-03-01T10:00:00</TimeCreated>"
        f"<TimeModified>2024-03-01T10:00:00</TimeModified><EditSequence>1</EditSequence><Name>{name}</Name>"
        f"<IsActive>true</IsActive></VendorRet></{op}Rs>"
    )


def test_answers_to_requests_never_handed_out_are_rejected_not_folded(wh):
    with wh.connect() as conn:
        from qbwc_bridge import companies

        companies.add(conn, OTHER, OTHER_USER, PASSWORD)
    queue_vendors_and_bills(wh, 1, 0, company=OTHER)
    with running_bridge(wh, batch_max_requests=1) as bridge:
        svc = zeep_service(bridge.soap_url)
        other = svc.authenticate(strUserName=OTHER_USER, strPassword=PASSWORD)[0]
        (other_id,) = _request_ids(svc.sendRequestXML(other, "", "", "US", 16, 0))
        ticket = svc.authenticate(strUserName=USER, strPassword=PASSWORD)[0]
        (mine,) = _request_ids(svc.sendRequestXML(ticket, "", "", "US", 16, 0))
        answer = _answer(
            _vendor_rs("VendorAdd", mine, "Vendor 00000", "80000001-1"),
            _vendor_rs("VendorQuery", other_id, "Injected Other", "80000002-1"),  # another company's request
            _vendor_rs("VendorQuery", "never-sent-1", "Injected Vendor", "80000003-1"),
            _vendor_rs("VendorQuery", mine, "Injected Twice", "80000004-1"),  # a second answer to one request
        )
        assert svc.receiveResponseXML(ticket, answer, "", "") >= 0
        still_answers(bridge)
    with wh.connect() as conn:
        fold_pending(conn)
        names = {n for (n,) in conn.fetchall("SELECT vendor_name FROM qb_vendors")}
        rejected = conn.fetchall("SELECT company, request_id FROM audit_log WHERE event = 'answer_rejected'")
        stored = conn.fetchall("SELECT request_id FROM qbxml_responses")
        other_status = conn.scalar("SELECT status FROM qbxml_outbox WHERE company = ?", [OTHER])
    assert names == {"Vendor 00000"}
    assert sorted(rejected) == sorted([("acme", other_id), ("acme", "never-sent-1"), ("acme", mine)])
    assert stored == [(mine,)]
    assert other_status == "sent"  # the other company's row waits for its own session's answer


def test_a_status_code_outside_32_bits_fails_its_rows_in_one_pass(wh):
    with running_bridge(wh, batch_max_requests=2) as bridge:
        svc = zeep_service(bridge.soap_url)
        ticket = svc.authenticate(strUserName=USER, strPassword=PASSWORD)[0]
        ids = _request_ids(svc.sendRequestXML(ticket, "", "", "US", 16, 0))
        answer = _answer(*(_vendor_rs("VendorAdd", rid, f"V{rid}", "1-1", status="99999999999999") for rid in ids))
        started = time.monotonic()
        assert svc.receiveResponseXML(ticket, answer, "", "") >= 0
        elapsed = time.monotonic() - started
        still_answers(bridge)
    with wh.connect() as conn:
        rows = conn.fetchall("SELECT status, last_error FROM qbxml_outbox WHERE request_id IN (?, ?)", ids)
        answers = conn.scalar("SELECT count(*) FROM qbxml_responses")
    assert [s for s, _ in rows] == ["failed", "failed"]
    assert answers == 2  # stored once each: no re-run of the whole answer
    assert elapsed < 30


def test_decimal_hresults_and_unbounded_hresults(bridge, wh):
    svc = zeep_service(bridge.soap_url)
    ticket = svc.authenticate(strUserName=USER, strPassword=PASSWORD)[0]
    svc.sendRequestXML(ticket, "", "", "US", 16, 0)
    assert svc.receiveResponseXML(ticket, "", "-2147220479", "Could not access QuickBooks.") == -1
    assert "0x80040401" in svc.getLastError(ticket=ticket)
    svc.sendRequestXML(ticket, "", "", "US", 16, 0)
    huge = "8" * 1_000_000
    assert svc.receiveResponseXML(ticket, "", huge, "m" * 500_000) == -1
    assert svc.connectionError(ticket, huge, "m" * 500_000) in ("", None, "done")
    with wh.connect() as conn:
        longest_hresult = conn.scalar("SELECT max(length(hresult)) FROM qbxml_messages")
        longest_message = conn.scalar("SELECT max(length(hresult_message)) FROM qbxml_messages")
        longest_error = conn.scalar("SELECT max(length(last_error)) FROM qbwc_sessions")
    assert longest_hresult < 200 and longest_message < 3000 and longest_error < 3000
    still_answers(bridge)


def test_stored_answers_are_bounded(wh):
    with running_bridge(wh, max_stored_answer_bytes=10_000) as bridge:
        svc = zeep_service(bridge.soap_url)
        ticket = svc.authenticate(strUserName=USER, strPassword=PASSWORD)[0]
        svc.sendRequestXML(ticket, "", "", "US", 16, 0)
        padding = "<!-- " + "p" * 500_000 + " -->"
        assert svc.receiveResponseXML(ticket, _answer(padding), "", "") >= 0
        still_answers(bridge)
    with wh.connect() as conn:
        assert conn.scalar("SELECT max(length(response_xml)) FROM qbxml_messages") < 11_000


# -- 7. the WSDL -------------------------------------------------------------------------------------------------------


def _wsdl_address(text: str) -> str:
    root = etree.fromstring(text.encode())
    return root.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address").get("location")


def test_the_wsdl_address_never_comes_from_a_host_header(wh):
    with running_bridge(wh, public_url="https://bridge.example.com/qbwc") as bridge:
        first = httpx.get(bridge.soap_url + "?wsdl", headers={"Host": "evil.example"}).text
        assert _wsdl_address(first) == "https://bridge.example.com/qbwc"
        actions = set(etree.fromstring(first.encode()).xpath("//@soapAction"))
        assert "http://developer.intuit.com/authenticate" in actions and len(actions) == 8
        assert all(a.startswith("http://developer.intuit.com/") for a in actions)
    with running_bridge(wh) as bridge:
        first = httpx.get(bridge.soap_url + "?wsdl", headers={"Host": "evil.example"}).text
        assert "evil.example" not in first
        assert _wsdl_address(first).endswith(f":{bridge.port}/qbwc")
        still_answers(bridge)


# -- 1/6. webhooks -----------------------------------------------------------------------------------------------------


def coupa_scheme(**options) -> SignatureScheme:
    """Coupa's declared signature scheme (header names) with the test key."""
    return SignatureScheme(secret=WEBHOOK_SECRET.encode(), **{**registry.get("coupa").webhook.signature, **options})


def _deliver(bridge, body: bytes, delivery: str, stamp: str | None = None, scheme: SignatureScheme | None = None):
    scheme = scheme or coupa_scheme()
    stamp = stamp if stamp is not None else str(int(time.time()))
    headers = {
        scheme.signature_header: scheme.sign(body, stamp),
        "X-Coupa-Timestamp": stamp,
        "X-Coupa-Delivery": delivery,
        "Content-Type": "application/json",
    }
    return httpx.post(bridge.url + "/webhooks/coupa", content=body, headers=headers)


def test_a_captured_webhook_is_not_accepted_again(bridge, wh):
    body = json.dumps({"event": "invoice.updated", "data": {"id": 77}}).encode()
    first_stamp = str(int(time.time()))
    captured = _deliver(bridge, body, "d-1", first_stamp)
    assert captured.status_code == 202
    before = snapshot(wh)
    signature = coupa_scheme().sign(body, first_stamp)
    fresh = str(int(time.time()) + 1)
    replay = {"X-Coupa-Signature": signature, "X-Coupa-Timestamp": fresh, "X-Coupa-Delivery": "d-2"}
    assert httpx.post(bridge.url + "/webhooks/coupa", content=body, headers=replay).status_code == 401
    assert _deliver(bridge, body, "d-3").status_code == 409  # the same body again, even correctly signed
    assert _deliver(bridge, body, "d-1").status_code == 409
    still_answers(bridge)
    assert snapshot(wh) == before


def test_body_only_signatures_still_refuse_a_replayed_body(wh):
    from connectors.webhooks import webhook_app
    from qbwc_bridge.serving import BackgroundServer

    scheme = coupa_scheme(sign_timestamp=False)
    with BackgroundServer(webhook_app(wh, WEBHOOK_SECRET, registry.get("coupa"), scheme=scheme)) as server:
        server.soap_url = server.url  # _deliver only needs .url
        body = json.dumps({"event": "invoice.updated", "data": {"id": 78}}).encode()
        assert _deliver(server, body, "a-1", scheme=scheme).status_code == 202
        assert _deliver(server, body, "a-2", scheme=scheme).status_code == 409
        assert _deliver(server, body, "a-3", str(int(time.time()) + 2), scheme=scheme).status_code == 409
        with wh.connect() as conn:
            assert conn.scalar("SELECT count(*) FROM webhook_events") == 1


@pytest.mark.parametrize("stamp", ["inf", "-inf", "nan", "1e20", "-1e20", "9" * 400, "2024-13-45T99:00"])
def test_webhook_timestamps_out_of_range_are_400(bridge, wh, stamp):
    before = snapshot(wh)
    reply = _deliver(bridge, b'{"event": "invoice.updated"}', "t-1", stamp)
    assert reply.status_code in (400, 401), reply.text
    assert reply.status_code == 400 or "stale" in reply.text
    assert reply.json()["status"] == "rejected"
    still_answers(bridge)
    assert snapshot(wh) == before


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"event": 5, "data": {"id": 1}}),
        json.dumps({"event": ["invoice.updated"], "data": {"id": 1}}),
        json.dumps({"event": {"x": 1}}),
        json.dumps({"event": "invoice.updated", "object-type": 7}),
        json.dumps({"event": "invoice.updated", "data": {"id": {"nested": True}}}),
        '{"event": "x", "data": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"event": "invoice.updated", "data": {"id": 1, "deep": ' + "[" * 40 + "]" * 40 + "}}",
    ],
)
def test_webhook_payloads_of_the_wrong_shape_are_400(bridge, wh, body):
    before = snapshot(wh)
    reply = _deliver(bridge, body.encode(), "s-1")
    assert reply.status_code == 400, reply.text
    assert reply.json()["reason"]
    still_answers(bridge)
    assert snapshot(wh) == before


# -- 8. operator commands ----------------------------------------------------------------------------------------------


@pytest.fixture
def cli(wh, monkeypatch, tmp_path):
    monkeypatch.setenv("QBSYNC_DATABASE_URL", wh.url)
    monkeypatch.setenv("QBSYNC_HOME", str(tmp_path))
    runner = CliRunner()
    return lambda *args, stdin=None: runner.invoke(cli_app, list(args), input=stdin)


@pytest.mark.parametrize(
    ("name", "user"), [("", "u1"), ("x", ""), ("   ", "u2"), ("y", "  "), ("z\n", "u3"), ("w", "u\x00")]
)
def test_company_add_refuses_empty_names_and_users(cli, wh, name, user):
    before = snapshot(wh)
    result = cli("company", "add", "--name", name, "--user", user, "--password-stdin", stdin="pw-123\n")
    assert result.exit_code == 1
    assert "must not be empty" in result.output
    assert snapshot(wh) == before


def test_qwc_refuses_credentials_in_the_url(cli, tmp_path):
    out = tmp_path / "acme.qwc"
    for url in ("https://admin:hunter2@bridge.example.com/qbwc", "https://admin@bridge.example.com/qbwc"):
        result = cli("qwc", "--company", "acme", "--url", url, "--out", str(out))
        assert result.exit_code == 1
        assert "user name or password" in result.output
        assert "hunter2" not in result.output
        assert not out.exists()

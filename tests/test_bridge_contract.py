"""Contract: a zeep client built from Intuit's WSDL calls every operation over real HTTP; every return value covered."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import pytest
from bridge_support import PASSWORD, USER, add_company, queue_vendors_and_bills, running_bridge, zeep_service
from zeep import Client

from qbwc_bridge.sessions import key
from qbxml.responses import parse_message
from sandbox.quickbooks.company import CompanyFile
from warehouse.audit import now
from warehouse.store import Warehouse

HEADERS = {"Content-Type": "text/xml; charset=utf-8"}


@pytest.fixture
def bridge(warehouse):
    add_company(warehouse)
    with running_bridge(warehouse, postpone_seconds=600, min_run_seconds=900, min_client_version="2.1.0.30") as b:
        yield b


@pytest.fixture
def svc(bridge):
    return zeep_service(bridge.soap_url)


@pytest.fixture
def http_bridge(tmp_path):
    """For checks of the HTTP/SOAP surface alone, which does not depend on the warehouse backend."""
    wh = Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}", lock_timeout=10)
    wh.migrate()
    with running_bridge(wh, min_client_version="2.1.0.30", max_body_bytes=100_000) as b:
        yield b


def _signature(client: Client) -> dict[str, tuple]:
    """Operation -> (input element, input children, output element, output children), from a WSDL as zeep sees it."""
    binding = client.wsdl.bindings["{http://developer.intuit.com/}TroubleshootWebServiceFSSoap"]
    out = {}
    for name, op in binding._operations.items():
        body_in, body_out = op.input.body, op.output.body
        out[name] = (
            body_in.qname,
            [n for n, _ in body_in.type.elements],
            body_out.qname,
            [(n, e.type.name) for n, e in body_out.type.elements],
            op.soapaction,
        )
    return out


def test_served_wsdl_matches_intuits_names_and_shapes(http_bridge, reference_dir):
    ours = Client(http_bridge.soap_url + "?wsdl")
    theirs = Client(str(reference_dir / "qbwc" / "QBWebConnectorSvc.wsdl"))
    assert ours.wsdl.services.keys() == theirs.wsdl.services.keys() == {"TroubleshootWebServiceFS"}
    mine = _signature(ours)
    intuit = _signature(theirs)
    assert mine == intuit  # names, shapes and Intuit's SOAPAction values (http://developer.intuit.com/<op>)
    assert len(intuit) == 8


def test_version_calls(http_bridge):
    svc = zeep_service(http_bridge.soap_url)
    assert svc.serverVersion()
    assert svc.clientVersion(strVersion="2.3.0.215") in ("", None)
    assert svc.clientVersion(strVersion="2.0.1.5") == "O:2.1.0.30"


def test_authenticate_nvu_keeps_the_ticket_element(bridge, svc):
    assert svc.authenticate(strUserName=USER, strPassword="wrong")[1] == "nvu"
    assert svc.authenticate(strUserName="nobody", strPassword=PASSWORD)[1] == "nvu"
    raw = _post(bridge, "authenticate", "<i:strUserName>nobody</i:strUserName><i:strPassword>x</i:strPassword>")
    assert "<tns:authenticateResult><tns:string></tns:string><tns:string>nvu</tns:string>" in raw


def test_authenticate_none_with_postpone_and_min_run(svc):
    ticket, answer, postpone, min_run = svc.authenticate(strUserName=USER, strPassword=PASSWORD)
    assert (answer, postpone, min_run) == ("none", "600", "900")
    assert ticket
    assert svc.closeConnection(ticket=ticket) == "0 sent, 0 done, 0 failed"


def test_authenticate_busy_while_another_session_is_live(warehouse, svc):
    queue_vendors_and_bills(warehouse, 1, 0)
    ticket, answer = _auth(svc)
    assert answer == ""
    assert len(ticket) >= 40
    assert svc.authenticate(strUserName=USER, strPassword=PASSWORD)[1] == "busy"
    svc.closeConnection(ticket=ticket)
    assert _auth(svc)[1] == ""


def test_a_whole_session_every_return_value(warehouse, svc, tmp_path):
    queue_vendors_and_bills(warehouse, 2, 1)
    company = CompanyFile.create(tmp_path / "qb.sqlite")
    ticket, answer = _auth(svc)
    assert answer == ""
    hcp = company.host_query_response("16.0").decode()
    request = svc.sendRequestXML(ticket, hcp, str(company.path), "US", 16, 0)
    assert request.startswith('<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="16.0"?>')
    assert request.count("<VendorAddRq ") == 2
    assert "<BillAddRq" not in request  # bills wait until their vendor exists
    percent = svc.receiveResponseXML(ticket, company.process(request).response_xml.decode(), "", "")
    assert 0 < percent < 100
    request = svc.sendRequestXML(ticket, "", str(company.path), "US", 16, 0)
    assert request.count("<BillAddRq ") == 2
    assert svc.receiveResponseXML(ticket, company.process(request).response_xml.decode(), "", "") == 100
    assert svc.closeConnection(ticket=ticket) == "4 sent, 4 done, 0 failed"
    with warehouse.connect() as c:
        assert c.scalar("SELECT host_info FROM qbwc_sessions WHERE ticket = ?", [key(ticket)]) is not None
        assert c.scalar("SELECT qbxml_version FROM qbwc_sessions WHERE ticket = ?", [key(ticket)]) == "16.0"


def test_version_is_the_lowest_of_company_client_and_quickbooks(warehouse, svc, tmp_path):
    queue_vendors_and_bills(warehouse, 1, 0)
    company = CompanyFile.create(tmp_path / "qb.sqlite", max_version="13.0")
    ticket, _ = svc.authenticate(strUserName=USER, strPassword=PASSWORD)
    request = svc.sendRequestXML(ticket, company.host_query_response("13.0").decode(), "", "US", 14, 0)
    assert '<?qbxml version="13.0"?>' in request
    rs = parse_message(company.process(request).response_xml)
    assert rs[0].status_code == 0


def test_noop_when_work_waits_on_something_in_flight(warehouse, svc):
    queue_vendors_and_bills(warehouse, 1, 1)
    ticket, _ = svc.authenticate(strUserName=USER, strPassword=PASSWORD)
    assert "<VendorAddRq" in svc.sendRequestXML(ticket, "", "", "US", 16, 0)
    # The Web Connector asks again without answering: the vendor's outcome is unknown, so it is looked up first.
    again = svc.sendRequestXML(ticket, "", "", "US", 16, 0)
    assert "<VendorQueryRq" in again
    with warehouse.connect() as c:  # another bridge process has the lookup in flight
        c.execute("UPDATE qbwc_sessions SET batch_id = NULL WHERE ticket = ?", [key(ticket)])
    assert (svc.sendRequestXML(ticket, "", "", "US", 16, 0) or "") == ""
    assert svc.getLastError(ticket=ticket) == "NoOp"


def test_receive_answers_minus_one_on_hresult_and_get_last_error_explains(warehouse, svc):
    queue_vendors_and_bills(warehouse, 1, 0)
    ticket, _ = svc.authenticate(strUserName=USER, strPassword=PASSWORD)
    svc.sendRequestXML(ticket, "", "", "US", 16, 0)
    assert svc.receiveResponseXML(ticket, "", "0x80040401", "Could not access QuickBooks.") == -1
    assert "0x80040401" in svc.getLastError(ticket=ticket)
    with warehouse.connect() as c:
        assert c.scalar("SELECT status FROM qbxml_outbox") == "unknown"
    assert svc.receiveResponseXML(ticket, "<QBXML/>", "", "") == -1  # nothing outstanding any more


def test_unknown_and_expired_tickets_are_refused(warehouse, svc):
    assert svc.sendRequestXML("forged", "", "", "US", 16, 0) in ("", None)
    assert svc.receiveResponseXML("forged", "<QBXML/>", "", "") == -1
    assert svc.connectionError("forged", "0x80040408", "x") == "done"
    assert "Invalid ticket" in svc.getLastError(ticket="forged")
    assert "Invalid ticket" in svc.closeConnection(ticket="forged")
    queue_vendors_and_bills(warehouse, 1, 0)
    ticket, _ = svc.authenticate(strUserName=USER, strPassword=PASSWORD)
    with warehouse.connect() as c:
        c.execute(
            "UPDATE qbwc_sessions SET expires_at = ? WHERE ticket = ?", [now() - timedelta(seconds=1), key(ticket)]
        )
    assert svc.sendRequestXML(ticket, "", "", "US", 16, 0) in ("", None)
    assert "expired" in svc.getLastError(ticket=ticket)
    with warehouse.connect() as c:
        assert c.scalar("SELECT status FROM qbxml_outbox") == "pending"  # never reached data


def test_connection_error_retries_then_done(warehouse, svc):
    queue_vendors_and_bills(warehouse, 1, 0)
    ticket, _ = svc.authenticate(strUserName=USER, strPassword=PASSWORD)
    answers = [svc.connectionError(ticket, "0x80040408", "Could not start QuickBooks.") for _ in range(3)]
    assert [a or "" for a in answers] == ["", "", "done"]
    assert "Could not start QuickBooks" in svc.getLastError(ticket=ticket)


def test_support_page_and_health(http_bridge):
    assert httpx.get(http_bridge.url + "/support").status_code == 200
    health = httpx.get(http_bridge.url + "/healthz").json()
    assert health["status"] == "ok" and health["warehouse"].startswith("duckdb:")  # /healthz asks the warehouse


def test_hostile_bodies_are_refused_without_stack_traces(http_bridge):
    dtd = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    assert httpx.post(http_bridge.soap_url, content=dtd, headers=HEADERS).status_code == 400
    broken = _post(
        http_bridge, "sendRequestXML", "<i:ticket>t</i:ticket><i:qbXMLMajorVers>not-a-number</i:qbXMLMajorVers>"
    )
    assert "Fault" in broken
    assert "Traceback" not in broken
    assert ".py" not in broken


def test_unparseable_bodies_never_reach_the_log(http_bridge, caplog):
    broken = _envelope("authenticate", "<i:strUserName>u</i:strUserName><i:strPassword>hunter2-secret</i:strPassword")
    caplog.set_level(logging.DEBUG)
    assert httpx.post(http_bridge.soap_url, content=broken, headers=HEADERS).status_code == 500
    assert "hunter2-secret" not in caplog.text


def test_body_size_limit(http_bridge):
    big = _envelope("receiveResponseXML", "<i:ticket>t</i:ticket><i:response>" + "x" * 200_000 + "</i:response>")
    assert httpx.post(http_bridge.soap_url, content=big, headers=HEADERS).status_code == 413


def test_multi_megabyte_answers_are_accepted(tmp_path):
    wh = Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}", lock_timeout=10)
    wh.migrate()
    answer = "&lt;QBXML&gt;" + "x" * 12_000_000  # one text node past lxml's 10 MB default
    body = _envelope("receiveResponseXML", f"<i:ticket>t</i:ticket><i:response>{answer}</i:response>")
    with running_bridge(wh) as b:
        reply = httpx.post(b.soap_url, content=body, headers=HEADERS, timeout=60)
    assert reply.status_code == 200
    assert "<tns:receiveResponseXMLResult>-1</tns:receiveResponseXMLResult>" in reply.text  # parsed; ticket refused


def _auth(svc) -> list[str]:
    """authenticate's answer with empty strings as sent (zeep reads an empty <string/> as None)."""
    return [a or "" for a in svc.authenticate(strUserName=USER, strPassword=PASSWORD)]


def _envelope(op: str, inner: str) -> str:
    return (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:i="http://developer.intuit.com/">'
        f"<soap:Body><i:{op}>{inner}</i:{op}></soap:Body></soap:Envelope>"
    )


def _post(bridge, op: str, inner: str) -> str:
    return httpx.post(bridge.soap_url, content=_envelope(op, inner), headers=HEADERS).text

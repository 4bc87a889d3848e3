"""The sandbox Web Connector speaks the QBWC protocol over real HTTP against a scripted SOAP server."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from wc_qbxml import answers, message, rq
from wc_scripted_server import ScriptedServer

from sandbox.quickbooks import statuses
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.faults import Faults
from sandbox.webconnector.client import ClientFaults, WebConnector

SESSION_OPEN = ["serverVersion", "clientVersion", "authenticate"]


@pytest.fixture
def company(tmp_path):
    with CompanyFile.create(tmp_path / "wc.qbsb") as books:
        yield books


def vendor_adds(*names: str) -> list[str]:
    return [message(rq("VendorAdd", {"Name": n}, requestID=f"rq-{n}")).decode() for n in names]


def connector(server: ScriptedServer, company: CompanyFile, **options) -> WebConnector:
    return WebConnector(server.url, "user", "secret", company, noop_wait=0, **options)


def test_a_session_follows_the_web_connector_call_order(company):
    with ScriptedServer(vendor_adds("A", "B")) as server:
        summary = connector(server, company, country="US").run_session()
    assert server.methods() == [*SESSION_OPEN, *["sendRequestXML", "receiveResponseXML"] * 2, "closeConnection"]
    assert server.params("authenticate")[0] == {"strUserName": "user", "strPassword": "secret"}
    first, second = server.params("sendRequestXML")
    assert (first["qbXMLCountry"], first["qbXMLMajorVers"], first["qbXMLMinorVers"]) == ("US", "16", "0")
    assert first["strCompanyFileName"] == str(company.path) and first["ticket"] == "ticket-1"
    host = answers(first["strHCPResponse"].encode())
    assert [a["_op"] for a in host] == ["HostQueryRs", "CompanyQueryRs", "PreferencesQueryRs"]
    assert host[0]["HostRet"]["Country"] == "US" and "16.0" in host[0]["HostRet"]["SupportedQBXMLVersion"]
    assert second["strHCPResponse"] == ""
    for received in server.params("receiveResponseXML"):
        assert received["hresult"] == "" and answers(received["response"].encode())[0]["@statusCode"] == "0"
    assert sorted(v["Name"] for v in company.objects("Vendor")) == ["A", "B"]
    assert (summary.round_trips, summary.requests, summary.closed, summary.errors) == (2, 2, "OK", [])


@pytest.mark.parametrize("answer", ["E:upgrade required", "O:2.3.0.300"])
def test_client_version_error_stops_the_session(company, answer):
    with ScriptedServer(vendor_adds("A"), client_version_answer=answer) as server:
        summary = connector(server, company).run_session()
    assert server.methods() == ["serverVersion", "clientVersion"] and answer in summary.errors[0]


def test_client_version_warning_goes_on(company):
    with ScriptedServer(vendor_adds("A"), client_version_answer="W:please upgrade") as server:
        summary = connector(server, company).run_session()
    assert server.methods()[-1] == "closeConnection" and summary.round_trips == 1


@pytest.mark.parametrize("status", ["nvu", "none", "busy"])
def test_authenticate_refusals_stop_before_any_request(company, status):
    with ScriptedServer(vendor_adds("A"), auth=[status]) as server:
        summary = connector(server, company).run_session()
    assert server.methods() == SESSION_OPEN and summary.authenticated == status and summary.closed is None


def test_empty_request_noop_waits_and_asks_again(company):
    with ScriptedServer(["", "", *vendor_adds("A")], last_errors=["NoOp", "NoOp"]) as server:
        summary = connector(server, company).run_session()
    assert server.methods()[3:] == ["sendRequestXML", "getLastError"] * 2 + [
        "sendRequestXML",
        "receiveResponseXML",
        "closeConnection",
    ]
    assert summary.noops == 2 and summary.round_trips == 1


def test_empty_request_with_a_message_ends_the_session(company):
    with ScriptedServer([""], auth=[""], last_errors=["Nothing queued for this company"]) as server:
        summary = connector(server, company).run_session()
    assert server.methods()[3:] == ["sendRequestXML", "getLastError", "closeConnection"]
    assert summary.errors == ["getLastError: Nothing queued for this company"]


def test_negative_percentage_asks_for_the_last_error_and_closes(company):
    with ScriptedServer(vendor_adds("A", "B"), percents=[-101], last_errors=["bridge failed"]) as server:
        summary = connector(server, company).run_session()
    assert server.methods()[3:] == ["sendRequestXML", "receiveResponseXML", "getLastError", "closeConnection"]
    assert summary.percent == -101 and "bridge failed" in summary.errors[-1]


@pytest.mark.parametrize(("answers_given", "attempts"), [(["done"], 1), (["", "C:\\co.qbw", "done"], 3)])
def test_company_unavailable_goes_through_connection_error(company, answers_given, attempts):
    faults = ClientFaults(quickbooks_not_running=True)
    with ScriptedServer(vendor_adds("A"), connection_error_answers=answers_given) as server:
        summary = connector(server, company, faults=faults).run_session()
    calls = server.params("connectionError")
    assert len(calls) == attempts and server.methods()[-1] == "closeConnection"
    assert calls[0]["hresult"] == statuses.HRESULT_NOT_RUNNING and "sendRequestXML" not in server.methods()
    assert summary.closed == "OK" and company.objects("Vendor") == []


def test_quickbooks_hresult_is_reported_instead_of_a_response(company):
    with ScriptedServer(vendor_adds("A")) as server:
        summary = connector(server, company, faults=ClientFaults(hresult_rate=1.0)).run_session()
    (received,) = server.params("receiveResponseXML")
    assert received["response"] == "" and received["hresult"].startswith("0x8004")
    assert company.objects("Vendor") == [] and summary.errors


def test_schema_invalid_request_is_answered_with_the_parse_hresult(company):
    bad = vendor_adds("A")[0].replace("<Name>A</Name>", "<Bogus>A</Bogus>")
    with ScriptedServer([bad]) as server:
        connector(server, company).run_session()
    (received,) = server.params("receiveResponseXML")
    assert (received["hresult"], received["message"]) == (statuses.HRESULT_PARSE_ERROR, statuses.PARSE_ERROR_MESSAGE)


@pytest.mark.parametrize("seed", range(4))
def test_dropped_connection_after_send_may_or_may_not_apply(company, seed):
    faults = ClientFaults(seed=seed, drop_after_send_rate=1.0)
    with ScriptedServer(vendor_adds("A", "B")) as server:
        summary = connector(server, company, faults=faults).run_session()
    assert server.methods() == [*SESSION_OPEN, "sendRequestXML"] and summary.dropped and summary.closed is None
    assert [v["Name"] for v in company.objects("Vendor")] == (["A"] if summary.dropped_applied else [])


def test_lost_response_from_quickbooks_drops_the_session_after_applying(tmp_path):
    with CompanyFile.create(tmp_path / "lost.qbsb", faults=Faults(lose_response_rate=1.0)) as books:
        with ScriptedServer(vendor_adds("A")) as server:
            summary = connector(server, books).run_session()
        assert summary.dropped and summary.dropped_applied and "receiveResponseXML" not in server.methods()
        assert [v["Name"] for v in books.objects("Vendor")] == ["A"]


def test_iterators_work_within_one_session(company):
    for name in "CDEFG":
        company.process(message(rq("VendorAdd", {"Name": name}, requestID="s")))
    start = message(rq("VendorQuery", {"MaxReturned": 2}, requestID="it", iterator="Start")).decode()

    class Paging(ScriptedServer):
        def receiveResponseXML(self, p):
            (answer,) = answers(p["response"].encode())
            if answer.get("@iteratorRemainingCount", "0") != "0":
                self.messages.append(
                    message(
                        rq(
                            "VendorQuery",
                            {"MaxReturned": 2},
                            requestID="it",
                            iterator="Continue",
                            iteratorID=answer["@iteratorID"],
                        )
                    ).decode()
                )
                return 50
            return 100

    with Paging([start]) as server:
        summary = connector(server, company).run_session()
    names = [
        v["Name"]
        for p in server.params("receiveResponseXML")
        for v in (lambda a: a if isinstance(a, list) else [a])(answers(p["response"].encode())[0]["VendorRet"])
    ]
    assert names == list("CDEFG") and summary.round_trips == 3


def test_busy_is_not_idle_when_asked_to_try_again(company):
    """A bridge still holding a dropped session answers busy: by default the run stops there (the next scheduled run
    comes back); with busy_retry_seconds the run tries again and does the work once the bridge lets go."""
    with ScriptedServer(vendor_adds("A"), auth=["busy"]) as server:
        assert [s.authenticated for s in connector(server, company).run_until_idle()] == ["busy"]
    with ScriptedServer(vendor_adds("A"), auth=["busy", "busy", "", "none"]) as server:
        summaries = connector(server, company, busy_retry_seconds=60).run_until_idle()
    assert [s.authenticated for s in summaries] == ["busy", "busy", "", "none"] and summaries[2].requests == 1
    assert [v["Name"] for v in company.objects("Vendor")] == ["A"]


def test_run_until_idle_and_the_cli_print_one_summary_per_session(company, tmp_path):
    with ScriptedServer(vendor_adds("A")) as server:
        summaries = connector(server, company).run_until_idle()
    assert [s.authenticated for s in summaries] == ["", "none"]
    with ScriptedServer(vendor_adds("B")) as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipelines.cli",
                "sandbox",
                "webconnector",
                "--url",
                server.url,
                "--user",
                "u",
                "--password",
                "p",
                "--company",
                str(tmp_path / "cli.qbsb"),
                "--until-idle",
                "--noop-wait",
                "0",
            ],
            capture_output=True,
            check=True,
        )
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [(s["round_trips"], s["requests"], s["authenticated"]) for s in lines] == [(1, 1, ""), (0, 0, "none")]
    assert all("seconds" in s and "errors" in s for s in lines)

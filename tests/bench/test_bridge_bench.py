"""Benchmark: deliver 10,000 bills through the bridge; round trips, bridge time per request, and the ratio to a bare
spyne service answering the same bytes, measured in one run. A sweep over batch sizes justifies the defaults."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from bridge_support import (
    FAST,
    PASSWORD,
    USER,
    add_company,
    queue_vendors_and_bills,
    running_bridge,
    statuses,
    zeep_service,
)
from pg_schema import drop_schema
from spyne import Application, Integer32, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

from qbwc_bridge.service import PORT_TYPE, SERVICE_NAME, TNS
from qbwc_bridge.serving import BackgroundServer
from sandbox.quickbooks.company import CompanyFile
from warehouse.store import Warehouse

BILLS = 10_000
VENDORS = 100


def _deliver(svc, company: CompanyFile) -> dict:
    """Drive one Web Connector session by hand, timing each bridge call as the client sees it."""
    ticket = svc.authenticate(strUserName=USER, strPassword=PASSWORD)[0]
    hcp = company.host_query_response("16.0").decode()
    bridge_s, trips, requests, transcript = 0.0, 0, 0, []
    while True:
        started = time.perf_counter()
        request = svc.sendRequestXML(ticket, hcp, "", "US", 16, 0)
        bridge_s += time.perf_counter() - started
        hcp = ""
        if not request:
            break
        response = company.process(request).response_xml.decode()
        started = time.perf_counter()
        percent = svc.receiveResponseXML(ticket, response, "", "")
        bridge_s += time.perf_counter() - started
        trips += 1
        requests += request.count("requestID=")
        transcript.append((request, response, percent))
        if percent >= 100:
            break
    svc.closeConnection(ticket=ticket)
    return {"seconds": bridge_s, "round_trips": trips, "requests": requests, "transcript": transcript}


def _bare_service(transcript: list[tuple[str, str, int]]) -> WsgiApplication:
    """A spyne service with the same contract that hands back the recorded messages and percentages: no logic."""
    sends = iter([t[0] for t in transcript])
    percents = iter([t[2] for t in transcript])

    class Bare(ServiceBase):
        __service_name__ = SERVICE_NAME
        __port_types__ = (PORT_TYPE,)

        @rpc(
            Unicode,
            Unicode,
            Unicode,
            Unicode,
            Integer32,
            Integer32,
            _returns=Unicode,
            _port_type=PORT_TYPE,
            _out_variable_name="sendRequestXMLResult",
        )
        def sendRequestXML(
            ctx, ticket, strHCPResponse, strCompanyFileName, qbXMLCountry, qbXMLMajorVers, qbXMLMinorVers
        ):
            return next(sends)

        @rpc(
            Unicode,
            Unicode,
            Unicode,
            Unicode,
            _returns=Integer32,
            _port_type=PORT_TYPE,
            _out_variable_name="receiveResponseXMLResult",
        )
        def receiveResponseXML(ctx, ticket, response, hresult, message):
            return next(percents)

    app = Application([Bare], tns=TNS, name=SERVICE_NAME, in_protocol=Soap11(validator="lxml"), out_protocol=Soap11())
    return WsgiApplication(app, max_content_length=64 * 1024 * 1024)


def _bare_seconds(transcript: list[tuple[str, str, int]]) -> float:
    with BackgroundServer(_bare_service(transcript)) as server:
        svc = zeep_service(server.url + "/")
        total = 0.0
        for _request, response, _percent in transcript:
            started = time.perf_counter()
            svc.sendRequestXML("t", "", "", "US", 16, 0)
            svc.receiveResponseXML("t", response, "", "")
            total += time.perf_counter() - started
        return total


def _warehouse(backend: str, tmp: Path, name: str, request) -> Warehouse:
    if backend == "duckdb":
        return Warehouse(f"duckdb:///{tmp / f'{name}.duckdb'}", lock_timeout=30)
    wh = Warehouse(request.getfixturevalue("pg_url"), schema=f"bench_{uuid.uuid4().hex[:10]}")
    request.addfinalizer(lambda: drop_schema(wh))
    return wh


def _run(wh: Warehouse, tmp: Path, bills: int, **settings) -> dict:
    wh.migrate()
    add_company(wh)
    queue_vendors_and_bills(wh, VENDORS, bills // VENDORS)
    with (
        CompanyFile.create(tmp / f"qb-{uuid.uuid4().hex[:8]}.sqlite") as company,
        running_bridge(wh, **settings, **FAST) as bridge,
    ):
        result = _deliver(zeep_service(bridge.soap_url), company)
        assert len(company.objects("Bill")) == bills
    assert statuses(wh) == {"done": bills + VENDORS}
    return result


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_ten_thousand_bills_vs_bare_spyne(backend, tmp_path, request):
    """At the default batch bounds (BridgeSettings)."""
    run = _run(_warehouse(backend, tmp_path, "tenk", request), tmp_path, BILLS)
    bare = _bare_seconds(run["transcript"])
    per_request_ms = 1000 * run["seconds"] / run["requests"]
    per_trip_ms = 1000 * run["seconds"] / run["round_trips"]
    print(
        f"\n{backend}: {BILLS} bills + {VENDORS} vendors: {run['round_trips']} round trips, "
        f"bridge {run['seconds']:.2f} s "
        f"({per_request_ms:.3f} ms per request, {per_trip_ms:.0f} ms per round trip), bare spyne same bytes "
        f"{bare:.2f} s, ratio bridge/bare {run['seconds'] / bare:.1f}"
    )
    assert run["requests"] == BILLS + VENDORS


def test_batch_size_sweep(tmp_path, request):
    """Bridge time per request and round trips for 2,000 bills at several batch sizes (picks the default)."""
    for batch in (25, 50, 100, 200, 400):
        wh = _warehouse("duckdb", tmp_path, f"sweep{batch}", request)
        run = _run(wh, tmp_path, 2_000, batch_max_requests=batch, batch_max_bytes=10_000_000)
        print(
            f"\nbatch {batch:4d}: {run['round_trips']:4d} round trips, "
            f"{1000 * run['seconds'] / run['requests']:.3f} ms bridge time per request, "
            f"largest message {max(len(t[0]) for t in run['transcript']) // 1024} KiB"
        )

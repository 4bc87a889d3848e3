"""A Web Connector that drives any SOAP endpoint over real HTTP the way QBWC does, against a sandbox company."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

import requests
from zeep.exceptions import Error as ZeepError

from qbxml.schema import parse_version
from qbxml.xmlsafe import UnsafeXml, parse
from sandbox.quickbooks import statuses
from sandbox.quickbooks.company import CompanyFile
from sandbox.webconnector.soap import service

CLIENT_VERSION = "2.3.0.215"
CONNECTION_RETRIES = 2  # QBWC retries opening the company file a couple of times when the server asks to
STOP_ANSWERS = ("nvu", "none", "busy")
NOT_RUNNING_MESSAGE = "QuickBooks is not running and no company file was given."
CANNOT_START_MESSAGE = "Could not start QuickBooks."
UNEXPECTED_HRESULT = "0x80040402"
UNEXPECTED_MESSAGE = "Unexpected error."


@dataclass(frozen=True)
class ClientFaults:
    """Seeded Web Connector faults; draw N of a client depends only on (seed, N)."""

    seed: int = 0
    drop_after_send_rate: float = 0.0  # the connection drops after sendRequestXML; applied or not at random
    hresult_rate: float = 0.0  # QuickBooks answers an HRESULT instead of running the request
    quickbooks_not_running: bool = False  # the company file cannot be opened: connectionError


@dataclass
class SessionSummary:
    """What one Web Connector run did."""

    authenticated: str | None = None  # authenticate()[1]: "", a path, "nvu", "none", "busy"; None if not reached
    round_trips: int = 0  # sendRequestXML calls that returned a request message
    requests: int = 0  # individual ...Rq elements in those messages
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    closed: str | None = None  # closeConnection's answer; None when the session ended without it
    noops: int = 0
    dropped: bool = False  # the session ended like a dropped connection (no receiveResponseXML)
    dropped_applied: bool | None = None  # whether the request of the dropped round trip was applied
    percent: int | None = None  # the last receiveResponseXML answer
    failure: str | None = None  # why the session failed (unreachable, refused, answer not taken); None if it did not

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


class _Stop(Exception):
    """The session ends here (the summary says why)."""


class WebConnector:
    """Runs Web Connector sessions against `url` with `company` as the QuickBooks side."""

    def __init__(
        self,
        url: str,
        user: str,
        password: str,
        company: CompanyFile,
        *,
        qbxml_version: str = "16.0",
        country: str | None = None,
        noop_wait: float = 5.0,
        faults: ClientFaults | None = None,
        client_version: str = CLIENT_VERSION,
        max_round_trips: int = 10_000,
        busy_retry_seconds: float = 0.0,
    ):
        self.url = url
        self.user = user
        self.password = password
        self.company = company
        self.qbxml_version = qbxml_version
        self.country = country or company.country  # qbXMLCountry: the company file's edition
        self.noop_wait = noop_wait
        self.faults = faults or ClientFaults()
        self.client_version = client_version
        self.max_round_trips = max_round_trips
        # how long run_until_idle keeps trying while the bridge answers "busy" (a dropped session of ours it has not
        # given up yet): the Web Connector's next scheduled runs, compressed; 0 stops at the first "busy"
        self.busy_retry_seconds = busy_retry_seconds
        self._draws = random.Random(self.faults.seed)

    # -- sessions ------------------------------------------------------------------------------

    def run_session(self) -> SessionSummary:
        """One scheduled run: versions, authenticate, the send/receive loop, closeConnection."""
        summary = SessionSummary()
        started = time.monotonic()
        svc = service(self.url)
        try:
            self._run(svc, summary)
        except _Stop:
            pass
        except (ZeepError, requests.RequestException) as exc:
            summary.errors.append(f"{type(exc).__name__}: {exc}")
            summary.failure = f"cannot talk to the bridge at {self.url}: {type(exc).__name__}: {exc}"
        summary.seconds = round(time.monotonic() - started, 3)
        return summary

    def run_until_idle(self, max_sessions: int = 100) -> list[SessionSummary]:
        """Sessions until the server has nothing to do (or refuses us); at most `max_sessions`. A "busy" answer is
        tried again (after `noop_wait`) for up to `busy_retry_seconds`: busy is not idle."""
        summaries: list[SessionSummary] = []
        busy_since: float | None = None
        for _ in range(max_sessions):
            summary = self.run_session()
            summaries.append(summary)
            if summary.authenticated == "busy":
                busy_since = busy_since if busy_since is not None else time.monotonic()
                if time.monotonic() - busy_since < self.busy_retry_seconds:
                    time.sleep(self.noop_wait)
                    continue
            else:
                busy_since = None
            if summary.authenticated in STOP_ANSWERS or summary.authenticated is None:
                break
        return summaries

    def _run(self, svc, summary: SessionSummary) -> None:
        svc.serverVersion()
        answer = svc.clientVersion(strVersion=self.client_version) or ""
        if answer.startswith(("E:", "O:")):
            summary.errors.append(f"clientVersion: {answer}")
            summary.failure = f"the bridge refused this Web Connector version: {answer[2:]}"
            raise _Stop
        if answer.startswith("W:"):
            summary.errors.append(f"clientVersion warning: {answer}")  # the user chose to go on
        auth = list(svc.authenticate(strUserName=self.user, strPassword=self.password) or [])
        ticket = auth[0] if auth else ""
        status = (auth[1] if len(auth) > 1 else "") or ""
        summary.authenticated = status
        if status == "nvu":
            summary.failure = f"the bridge refused user {self.user!r}: wrong user name or password"
        if status in STOP_ANSWERS:
            raise _Stop
        company_path = self._open_company(svc, ticket, status, summary)
        self._exchange(svc, ticket, company_path, summary)
        summary.closed = svc.closeConnection(ticket=ticket)

    def _open_company(self, svc, ticket: str, company_path: str, summary: SessionSummary) -> str:
        """The company file to use; on failure connectionError decides: 'done' stops, else retry."""
        path = company_path or str(self.company.path)
        for _ in range(CONNECTION_RETRIES + 1):
            if not self.faults.quickbooks_not_running:
                return path
            hresult, message = (
                (statuses.HRESULT_NOT_RUNNING, NOT_RUNNING_MESSAGE)
                if not company_path
                else ("0x80040408", CANNOT_START_MESSAGE)
            )
            summary.errors.append(f"{hresult}: {message}")
            summary.failure = f"QuickBooks could not open the company file: {hresult} {message}"
            answer = svc.connectionError(ticket=ticket, hresult=hresult, message=message) or ""
            if answer == "done":
                break
            company_path = answer
        summary.closed = svc.closeConnection(ticket=ticket)
        raise _Stop

    def _exchange(self, svc, ticket: str, company_path: str, summary: SessionSummary) -> None:
        major, minor = parse_version(self.qbxml_version)
        session_id = f"qbwc-{ticket}-{time.monotonic_ns()}"
        first = True
        while summary.round_trips < self.max_round_trips:
            hcp = self.company.host_query_response(self.qbxml_version).decode("utf-8") if first else ""
            first = False
            request = svc.sendRequestXML(
                ticket=ticket,
                strHCPResponse=hcp,
                strCompanyFileName=company_path,
                qbXMLCountry=self.country,
                qbXMLMajorVers=major,
                qbXMLMinorVers=minor,
            )
            if not request:
                message = svc.getLastError(ticket=ticket) or ""
                if message == "NoOp":
                    summary.noops += 1
                    time.sleep(self.noop_wait)
                    continue
                summary.errors.append(f"getLastError: {message}")
                return
            summary.round_trips += 1
            summary.requests += _request_count(request)
            response, hresult, message = self._run_in_quickbooks(request, session_id, summary)
            percent = svc.receiveResponseXML(ticket=ticket, response=response, hresult=hresult, message=message)
            summary.percent = percent
            if percent < 0:
                last_error = svc.getLastError(ticket=ticket) or ""
                summary.errors.append(f"getLastError: {last_error}")
                if not hresult:  # an HRESULT we reported is QuickBooks' failure, which the bridge survives
                    summary.failure = f"the bridge could not take QuickBooks' answer: {last_error}"
                return
            if percent >= 100:
                return

    def _run_in_quickbooks(self, request: str, session_id: str, summary: SessionSummary) -> tuple[str, str, str]:
        """(response, hresult, message) for receiveResponseXML; raises _Stop for a dropped connection."""
        drop = self._draws.random() < self.faults.drop_after_send_rate
        applied_on_drop = self._draws.random() < 0.5
        report_hresult = self._draws.random() < self.faults.hresult_rate
        if drop and not applied_on_drop:
            self._dropped(summary, applied=False)
        if report_hresult and not drop:
            summary.errors.append(f"{UNEXPECTED_HRESULT}: {UNEXPECTED_MESSAGE}")
            return "", UNEXPECTED_HRESULT, UNEXPECTED_MESSAGE
        result = self.company.process(request, session_id=session_id)
        if drop or result.response_lost:
            self._dropped(summary, applied=True)
        if result.hresult:
            summary.errors.append(f"{result.hresult}: {result.message}")
            return "", result.hresult, result.message or ""
        return result.response_xml.decode("utf-8"), "", ""

    @staticmethod
    def _dropped(summary: SessionSummary, *, applied: bool) -> None:
        summary.dropped = True
        summary.dropped_applied = applied
        summary.errors.append("connection dropped after sendRequestXML")
        raise _Stop


def _request_count(request: str) -> int:
    try:
        root = parse(request)
    except UnsafeXml:
        return 0
    msgs = root.find("QBXMLMsgsRq")
    return 0 if msgs is None else len(msgs.findall("*"))

"""The simulated company file: executes whole qbXML request messages the way QuickBooks does."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree

from qbxml import conformance
from qbxml import schema as qbschema
from qbxml.envelope import declared_version, response_message
from qbxml.xmlsafe import UnsafeXml, parse
from sandbox.quickbooks import editions, handlers, statuses, writes
from sandbox.quickbooks.clock import DEFAULT_ZONES, Clock
from sandbox.quickbooks.context import Context
from sandbox.quickbooks.faults import Faults
from sandbox.quickbooks.kinds import ITEM_KINDS, KINDS
from sandbox.quickbooks.seed import seed_bodies
from sandbox.quickbooks.store import Store
from sandbox.quickbooks.timing import Timing
from sandbox.quickbooks.values import as_list, now


@dataclass(frozen=True)
class ProcessResult:
    """Either a response message or an HRESULT; `response_lost` = applied, but the answer never arrives."""

    response_xml: bytes | None = None
    hresult: str | None = None
    message: str | None = None
    response_lost: bool = False
    qb_seconds: float = 0.0  # QuickBooks' modeled time running the message (see Timing)


class CompanyFile:
    """A QuickBooks company file kept in SQLite at `path`; any number of processes may open it at once.

    Calls without a `session_id` belong to this opening of the file (one session, like a Web Connector run).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        country: str = "US",
        max_version: str = "16.0",
        faults: Faults | None = None,
        timing: Timing | None = None,
        time_zone: str | None = None,
        clock: Callable[[], datetime] = now,
        stale_dst_offsets: bool = False,
    ):
        """`timing`: how long QuickBooks takes per request (default: no time); `time_zone`: of the machine running
        the file (default: the one the file was created in, else one of its country); `clock` gives the current time
        (tests move it); `stale_dst_offsets` writes QuickBooks' wrong offsets around daylight-saving time.
        """
        self.path = Path(path)
        self.country = country
        self.max_version = max_version
        self.faults = faults or Faults()
        self.timing = timing or Timing()
        self.session_id = uuid.uuid4().hex
        self._store = Store(self.path)
        self._calls = 0
        zone = time_zone or self._store.get_meta("time_zone") or DEFAULT_ZONES.get(country, DEFAULT_ZONES["US"])
        self.clock = Clock(zone, clock, stale_dst_offsets)

    @classmethod
    def create(cls, path: str | Path, **options: Any) -> CompanyFile:
        """Open `path`, seeding the chart of accounts, classes and items the first time."""
        company = cls(path, **options)
        with company._store.transaction() as store:
            if store.get_meta("seeded") is None:
                store.set_meta("time_zone", company.clock.zone)
                ctx = company._context(store)
                for op, body in seed_bodies():
                    writes.add(ctx, KINDS[op.removesuffix("Add")], body)
                store.set_meta("seeded", ctx.now)
        return company

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> CompanyFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- messages -----------------------------------------------------------------------------

    def process(self, request_xml: bytes | str, *, session_id: str | None = None) -> ProcessResult:
        """Run a whole request message: requests in order, stopOnError stops at the first error."""
        try:
            root = parse(request_xml)
        except UnsafeXml:
            return _parse_error()
        declared = declared_version(root)
        if declared is None or root.tag != "QBXML":
            return _parse_error()
        try:
            refused = qbschema.parse_version(declared) > qbschema.parse_version(self.max_version)
            refused = refused or editions.version_refused(self.country, declared)
            schema = qbschema.for_version(declared)
        except ValueError:
            refused = True
        if refused:
            return ProcessResult(hresult=statuses.HRESULT_PARSE_ERROR, message=statuses.VERSION_REFUSED_MESSAGE)
        reading = conformance.read(schema, root)  # the one pass over the message: checked and read as data
        if reading.problems or editions.refused_elements(self.country, root):
            return _parse_error()
        msgs = root.find("QBXMLMsgsRq")
        if msgs is None:
            return _parse_error()
        stop_on_error = msgs.get("onError") == "stopOnError"
        company = handlers.Company(self.country, self.max_version)
        checks = handlers.Checks(_requests_holding(msgs, reading.too_long), latin1=not _plain_ascii(request_xml))
        requests = _in_order(msgs, reading.data["QBXMLMsgsRq"])
        self._calls += 1
        delay = self.faults.delay(self._calls)
        if delay:
            time.sleep(delay)  # a slow QuickBooks: nothing is applied (or visible) meanwhile
        with self._store.transaction() as store:
            number = store.next_number("messages")
            draws = self.faults.for_message(number)
            ctx = self._context(store, session_id)
            answers = []
            for rq, rq_data in requests:
                rs, failed = handlers.answer_request(ctx, schema, rq, rq_data, draws, company, checks)
                answers.append(rs)
                if failed and stop_on_error:
                    break
            lost = draws.lose_response()
        ran = [rq.tag.removesuffix("Rq") for rq, _ in requests[: len(answers)]]
        seconds = self.timing.message_seconds(number, ran)
        if seconds and self.timing.sleep:
            time.sleep(seconds)  # QuickBooks at work: the answer comes when every request has run
        response = response_message(answers, version=declared)
        return ProcessResult(response_xml=response, response_lost=lost, qb_seconds=seconds)

    def _context(self, store: Store, session_id: str | None = None) -> Context:
        return Context(store, self.clock.moment(), session_id or self.session_id, self.clock, self.country)

    def host_query_response(self, version: str | None = None) -> bytes:
        """The HostQuery + CompanyQuery + PreferencesQuery answer the Web Connector sends first."""
        version = version or self.max_version
        schema = qbschema.for_version(version)
        request = (
            f'<?xml version="1.0"?><?qbxml version="{schema.version}"?><QBXML><QBXMLMsgsRq onError="continueOnError">'
            '<HostQueryRq requestID="1"/><CompanyQueryRq requestID="2"/><PreferencesQueryRq requestID="3"/>'
            "</QBXMLMsgsRq></QBXML>"
        )
        result = self.process(request)
        return result.response_xml

    # -- inspection ---------------------------------------------------------------------------

    def messages_started(self) -> int:
        """How many request messages QuickBooks has begun to apply to this file (by any process)."""
        return int(self._store.get_meta("messages", "0"))

    def dump(self) -> Iterator[dict[str, Any]]:
        """Every object as a dict: `type` (Vendor, Account, Bill, ...) and its qbXML fields."""
        for kind, doc in self._store.all_objects():
            yield {"type": kind, **doc}

    def objects(self, type: str) -> list[dict[str, Any]]:
        """The objects of one type ('Item' = every item kind), in creation order."""
        kinds = ITEM_KINDS if type == "Item" else (type,)
        return [{"type": kind, **doc} for kind, doc in self._store.scan(kinds)]

    def deleted(self, type: str) -> list[dict[str, Any]]:
        """Deletions recorded for one type (what TxnDeletedQuery/ListDeletedQuery report)."""
        is_list = KINDS[type].is_list if type in KINDS else False
        return self._store.deleted([type], is_list=is_list)


def _parse_error() -> ProcessResult:
    return ProcessResult(hresult=statuses.HRESULT_PARSE_ERROR, message=statuses.PARSE_ERROR_MESSAGE)


def _requests_holding(msgs: etree._Element, elements: list[etree._Element]) -> set[etree._Element]:
    """The requests (children of QBXMLMsgsRq) that hold any of `elements`."""
    found = set()
    for elem in elements:
        while elem.getparent() is not msgs and elem.getparent() is not None:
            elem = elem.getparent()
        found.add(elem)
    return found


def _in_order(msgs: etree._Element, data: dict[str, Any]) -> list[tuple[etree._Element, Any]]:
    """Each request element with its data (the message's data groups requests by name)."""
    by_name = {name: iter(as_list(value)) for name, value in data.items() if not name.startswith("@")}
    return [(rq, next(by_name[rq.tag])) for rq in msgs.iterchildren(tag=etree.Element)]


def _plain_ascii(request_xml: bytes | str) -> bool:
    """Every text of the message is ASCII (no character outside it, no character reference to one)."""
    raw = request_xml if isinstance(request_xml, bytes) else request_xml.encode("utf-8")
    return raw.isascii() and b"&#" not in raw


__all__ = ["CompanyFile", "Faults", "ProcessResult", "Timing"]

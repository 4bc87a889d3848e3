"""The Web Connector conversation: what each of the eight SOAP operations does to sessions and the outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from qbwc_bridge import companies, delivery, intake, pacing, sessions, throttle
from qbwc_bridge.settings import BridgeSettings
from qbxml import editions
from qbxml.responses import NotAResponse, Response, parse_message
from qbxml.schema import parse_version, supported_version
from qbxml.status import hresult_message
from qbxml.xmlsafe import UnsafeXml
from warehouse import outbox
from warehouse.audit import now
from warehouse.store import Conn, Warehouse

log = logging.getLogger(__name__)
T = TypeVar("T")
NOOP = "NoOp"
MAX_HRESULT = 64  # characters of an HRESULT kept (a real one has 10)
MAX_MESSAGE = 2000  # characters of the Web Connector's error message kept


class NegotiationFailed(ValueError):
    """No qbXML version both sides speak."""


def _conflict(exc: BaseException) -> bool:
    """A write-write conflict between two short transactions: safe to run the whole operation again."""
    name = type(exc).__name__
    return name in ("TransactionException", "SerializationFailure", "DeadlockDetected") or (
        "Conflict" in str(exc) and "duckdb" in type(exc).__module__
    )


class Conversation:
    """Stateless between calls: everything lives in the warehouse, so any bridge process answers any call."""

    def __init__(self, warehouse: Warehouse, settings: BridgeSettings | None = None):
        self.wh = warehouse
        self.settings = settings or BridgeSettings.from_env()

    def _tx(self, work: Callable[[Conn], T]) -> T:
        """Run `work` in one short transaction, again on a write conflict (DuckDB is optimistic)."""
        for attempt in Retrying(
            retry=retry_if_exception(_conflict),
            stop=stop_after_attempt(8),
            wait=wait_random_exponential(multiplier=0.01, max=0.5),
            reraise=True,
        ):
            with attempt, self.wh.connect() as conn:
                return work(conn)
        raise AssertionError("unreachable")

    # -- the eight operations --------------------------------------------------------------------------------

    def server_version(self) -> str:
        return self.settings.server_version

    def client_version(self, version: str | None) -> str:
        """ "" to go on, or "O:<version>" when the Web Connector is older than the configured minimum."""
        wanted = self.settings.min_client_version
        if wanted and _dotted(version or "0") < _dotted(wanted):
            return f"O:{wanted}"
        return ""

    def authenticate(self, user: str | None, password: str | None, client: str = "unknown") -> list[str]:
        s = self.settings
        user = user or ""
        limits = throttle.Limits(s.login_free_failures, s.login_max_delay_seconds, s.login_window_seconds)

        def look_up(conn: Conn) -> tuple[float, tuple | None]:
            return throttle.wait_seconds(conn, user, client, limits), companies.credentials(conn, user)

        waited, found = self._tx(look_up)
        company = None if waited > 0 else companies.verify(found, password or "")
        if company is None:
            known = found[0].company if found else None
            self._tx(lambda conn: throttle.failed(conn, user, client, known, limits, waited))
            return ["", "nvu"]
        name = company.company
        rehashed = companies.hash_password(password or "") if companies.needs_rehash(found[1]) else None

        def run(conn: Conn) -> list[str]:
            throttle.succeeded(conn, company.qbwc_user, client)
            if rehashed:  # stored under an older scrypt cost: upgraded transparently on this good login
                companies.set_password_hash(conn, name, rehashed)
            outbox.sweep_abandoned(conn, name, s.session_idle_seconds, s.max_attempts)
            if sessions.live_holder(conn, name, s.session_idle_seconds):
                return [self._closed_ticket(conn, company, "busy: another session holds this company"), "busy"]
            if outbox.workable(conn, name, outbox.unblocked_dependencies(conn, name)) == 0:
                return [self._closed_ticket(conn, company, "nothing to do"), "none", *self._postpone()]
            ticket, _ = sessions.open_session(conn, name, company.qbwc_user, s.ticket_ttl_seconds)
            return [ticket, ""]

        answer = self._tx(run)
        started = answer[1] == ""
        log.info(
            "session %s: company %s, user %r from %s: %s",
            _sid(answer[0]) if started else "-",
            name,
            company.qbwc_user,
            client,
            "started" if started else f"not started ({answer[1]})",
        )
        return answer

    def send_request_xml(
        self,
        ticket: str,
        hcp_response: str | None,
        company_file: str | None,
        country: str | None,
        major: int,
        minor: int,
    ) -> str:
        ticket = sessions.key(ticket)  # stored and looked up as its keyed hash
        s = self.settings

        def run(conn: Conn) -> str:
            session = sessions.require(conn, ticket)
            changes = self._lose_outstanding(conn, session, "the Web Connector asked for more work without answering")
            if session.qbxml_version is None:
                company = companies.get(conn, session.company)
                version, info = negotiate(company.max_qbxml_version, major, minor, hcp_response)
                session.country = editions.country_of(
                    country or info.get("country"), info.get("supported_versions", ()), company.country
                )
                session.qbxml_version = version
                changes.update(
                    qbxml_version=version, country=session.country, company_file=company_file, host_info=info
                )
                known = pacing.last_seconds(conn, session.company)  # the company's pace, from its last session
                if known:
                    session.qb_seconds = changes["qb_seconds"] = pacing.dumps(known)
            # another session's batch whose session fell silent meanwhile: its outcome is unknown, to be looked up
            # (authenticate sweeps too, but a session silent for just under SESSION_IDLE_SECONDS then is neither
            # swept nor live a moment later, and its batch, in flight forever, would keep this session at NoOp)
            outbox.sweep_abandoned(conn, session.company, s.session_idle_seconds, s.max_attempts)
            deps = outbox.unblocked_dependencies(conn, session.company)
            batch = delivery.next_batch(
                conn,
                session.company,
                ticket,
                session.qbxml_version,
                s.batch_max_requests,
                s.batch_max_bytes,
                editions.edition(session.country),
                deps,
                self._pace(session),
            )
            if batch is not None:
                changes.update(batch_id=batch.batch_id, batch_sent_at=now(), batch_ops=pacing.dumps(batch.ops))
                sessions.save(conn, ticket, sent=len(batch.rows), failed=batch.failed, **changes)
                log.info(
                    "session %s: message with %d request(s) for %s (qbXML %s)",
                    ticket[:8],
                    len(batch.rows),
                    session.company,
                    session.qbxml_version,
                )
                return batch.xml
            # afresh: a row failed at render time may have blocked others
            left = outbox.workable(conn, session.company) > 0
            sessions.save(conn, ticket, last_error=NOOP if left else "Nothing left to send in this session", **changes)
            return ""

        return self._guarded(run, "", ticket)

    def receive_response_xml(self, ticket: str, response: str | None, hresult: str | None, message: str | None) -> int:
        ticket = sessions.key(ticket)  # stored and looked up as its keyed hash
        s = self.settings

        def run(conn: Conn) -> int:
            session = sessions.require(conn, ticket)
            if not session.batch_id:
                sessions.save(conn, ticket, last_error="receiveResponseXML without an outstanding request message")
                return -1
            batch_id = session.batch_id
            if hresult:
                hresult_text, message_text = _bounded(hresult, MAX_HRESULT), _bounded(message, MAX_MESSAGE)
                reason = " ".join(filter(None, [hresult_message(hresult_text), message_text]))
                conn.execute(
                    "UPDATE qbxml_messages SET hresult = ?, hresult_message = ?, answered_at = ? WHERE batch_id = ?",
                    [hresult_text, message_text, now(), batch_id],
                )
                lost = self._lose_outstanding(conn, session, f"QuickBooks answered with HRESULT {reason}")
                log.warning("session %s: QuickBooks could not run the message: %s", ticket[:8], reason)
                sessions.save(conn, ticket, last_error=f"QuickBooks could not run the request: {reason}", **lost)
                return -1
            responses = _parse(response or "", s.max_body_bytes)
            stamp = now()  # answered: QuickBooks is done with the message
            conn.execute(
                "UPDATE qbxml_messages SET response_xml = ?, answered_at = ?, ended_at = coalesce(ended_at, ?) "
                "WHERE batch_id = ?",
                [_bounded(response, s.max_stored_answer_bytes), stamp, stamp, batch_id],
            )
            if isinstance(responses, str):
                lost = self._lose_outstanding(conn, session, responses)
                sessions.save(conn, ticket, last_error=responses, **lost)
                return -1
            settled = intake.settle_answer(
                conn,
                session.company,
                batch_id,
                ticket,
                responses,
                s.max_attempts,
                s.retry_delay_seconds,
                s.answer_wait_seconds,
            )
            learned = self._observe(session, stamp)
            sessions.save(conn, ticket, batch_id=None, done=settled.done, failed=settled.failed, **learned)
            log.info("session %s: answer: %d done, %d failed", ticket[:8], settled.done, settled.failed)
            processed = session.requests_done + session.requests_failed + settled.done + settled.failed
            return _progress(processed, outbox.workable(conn, session.company))

        return self._guarded(run, -1, ticket)

    def connection_error(self, ticket: str, hresult: str | None, message: str | None) -> str:
        ticket = sessions.key(ticket)  # stored and looked up as its keyed hash

        def run(conn: Conn) -> str:
            session = sessions.require(conn, ticket)
            reason = " ".join(filter(None, [hresult_message(hresult), _bounded(message, MAX_MESSAGE)]))
            lost = self._lose_outstanding(conn, session, f"connection error {reason}")
            errors = session.connection_errors + 1
            sessions.save(conn, ticket, connection_errors=errors, last_error=f"Connection error: {reason}", **lost)
            return "done" if errors > self.settings.connection_error_retries else ""

        return self._guarded(run, "done", ticket)

    def get_last_error(self, ticket: str) -> str:
        ticket = sessions.key(ticket)  # stored and looked up as its keyed hash

        def run(conn: Conn) -> str:
            session = sessions.load(conn, ticket)
            if session is None:
                return "Invalid ticket: no such session (authenticate first)"
            return session.last_error or ""

        return self._guarded(run, "", ticket)

    def close_connection(self, ticket: str) -> str:
        ticket = sessions.key(ticket)  # stored and looked up as its keyed hash

        def run(conn: Conn) -> str:
            session = sessions.load(conn, ticket)
            if session is None:
                return "Invalid ticket: no such session"
            changes = self._lose_outstanding(conn, session, "the session closed before QuickBooks' answer arrived")
            if session.closed_at is None:
                changes["closed_at"] = now()
            sessions.update(conn, ticket, **changes)
            result = f"{session.requests_sent} sent, {session.requests_done} done, {session.requests_failed} failed"
            log.info("session %s: closed for %s: %s", ticket[:8], session.company, result)
            return result

        return self._guarded(run, "OK", ticket)

    # -- helpers ---------------------------------------------------------------------------------------------

    def _guarded(self, run: Callable[[Conn], Any], fallback: Any, ticket: str) -> Any:
        """Run one operation; a refused ticket or an internal error becomes `fallback` and a getLastError text."""
        try:
            return self._tx(run)
        except sessions.TicketRefused as exc:
            log.info("refused ticket: %s", exc)
            self._remember(ticket, str(exc))
            return fallback
        except NegotiationFailed as exc:
            self._remember(ticket, str(exc))
            return fallback
        except Exception:
            log.exception("bridge operation failed")
            self._remember(ticket, "The bridge hit an internal error; see its log")
            return fallback

    def _remember(self, ticket: str, text: str) -> None:
        try:
            self._tx(lambda conn: sessions.update(conn, ticket, last_error=text))
        except Exception:
            log.exception("could not record the last error")

    def _lose_outstanding(self, conn: Conn, session: sessions.Session, reason: str) -> dict[str, Any]:
        """The session's outstanding message, if any, is lost; returns the session change to save with the call's."""
        if not session.batch_id:
            return {}
        outbox.end_message(conn, session.batch_id)
        outbox.mark_unknown(conn, session.batch_id, reason, self.settings.max_attempts)
        session.batch_id = None
        return {"batch_id": None}

    def _pace(self, session: sessions.Session) -> pacing.Pace:
        s = self.settings
        return pacing.Pace(s.qb_seconds_budget, s.qb_seconds_assumed, pacing.loads(session.qb_seconds))

    def _observe(self, session: sessions.Session, answered_at: datetime) -> dict[str, Any]:
        """The session change that records how long QuickBooks took over the message just answered."""
        if session.batch_sent_at is None or not session.batch_ops:
            return {}
        span = (answered_at - session.batch_sent_at).total_seconds()
        return {"qb_seconds": pacing.dumps(self._pace(session).observe(pacing.loads(session.batch_ops), span))}

    def _closed_ticket(self, conn: Conn, company: companies.Company, reason: str) -> str:
        """A ticket for an answer that opens no session (none, busy): valid for closeConnection only."""
        ticket, session = sessions.open_session(
            conn, company.company, company.qbwc_user, self.settings.ticket_ttl_seconds
        )
        sessions.update(conn, session.ticket, closed_at=now(), last_error=reason)
        return ticket

    def _postpone(self) -> list[str]:
        s = self.settings
        if s.postpone_seconds is None and s.min_run_seconds is None:
            return []
        extra = [str(s.postpone_seconds) if s.postpone_seconds is not None else ""]
        return extra + ([str(s.min_run_seconds)] if s.min_run_seconds is not None else [])


def _sid(ticket: str) -> str:
    """A session's name in the logs: the start of its ticket's keyed hash (never the ticket itself)."""
    return sessions.key(ticket)[:8]


def negotiate(ceiling: str, major: int, minor: int, hcp_response: str | None) -> tuple[str, dict]:
    """The qbXML version to write: min(company ceiling, client's version, newest QuickBooks supports), mapped to
    the newest schema we hold at or below it; plus what HostQuery/CompanyQuery/PreferencesQuery told."""
    info = host_info(hcp_response)
    candidates = [ceiling]
    if major:
        candidates.append(f"{major}.{minor}")
    if info.get("supported_versions"):
        candidates.append(max(info["supported_versions"], key=parse_version))
    wanted = min(candidates, key=parse_version)
    try:
        return supported_version(wanted), info
    except ValueError as exc:
        raise NegotiationFailed(f"No common qbXML version: {exc}") from exc


def host_info(hcp_response: str | None) -> dict[str, Any]:
    """Edition, country, supported versions and company name from the first sendRequestXML's strHCPResponse."""
    if not hcp_response:
        return {}
    parsed = _parse(hcp_response, 4 * 1024 * 1024)
    if isinstance(parsed, str):
        return {"error": parsed}
    records = {r.type: r for rs in parsed for r in rs.records}
    host, company = records.get("HostRet"), records.get("CompanyRet")
    versions = host.get("SupportedQBXMLVersion") if host else None
    return {
        "product": host.get("ProductName") if host else None,
        "major_version": host.get("MajorVersion") if host else None,
        "country": host.get("Country") if host else None,
        "supported_versions": [versions] if isinstance(versions, str) else (versions or []),
        "company_name": company.get("CompanyName") if company else None,
    }


def _parse(xml: str, max_bytes: int) -> list[Response] | str:
    """Parsed responses, or the reason they could not be read."""
    try:
        return parse_message(xml, max_bytes=max_bytes)
    except (UnsafeXml, NotAResponse) as exc:
        return f"Unreadable qbXML answer: {exc}"


def _bounded(text: str | None, limit: int) -> str | None:
    """`text` cut to `limit` characters, saying so: what a client sends is never stored unbounded."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f"... [{len(text) - limit} more characters not kept]"


def _progress(processed: int, remaining: int) -> int:
    """0-99 while work remains (moving as rows settle), 100 when nothing is left for this session."""
    if remaining == 0:
        return 100
    return min(99, processed * 100 // (processed + remaining))


def _dotted(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))

"""Test helper: a scripted Web Connector SOAP server on loopback that hands out qbXML and records every call."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from lxml import etree

from qbwc_bridge.serving import BackgroundServer

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "http://developer.intuit.com/"


class ScriptedServer:
    """Answers the eight QBWC methods from a script; `calls` holds (method, params) in arrival order.

    - `messages`: what successive sendRequestXML calls return ("" makes the client call getLastError).
    - `auth`: authenticate()[1] per session (the last repeats); default "" while messages remain, else "none".
    - `percents`: receiveResponseXML answers in order; default: progress through `messages`, 100 at the end.
    - `last_errors`: getLastError answers in order; default "NoOp" after "" and the message text otherwise.
    """

    def __init__(
        self,
        messages: list[str] | None = None,
        *,
        client_version_answer: str = "",
        auth: list[str] | None = None,
        percents: list[int] | None = None,
        last_errors: list[str] | None = None,
        connection_error_answers: list[str] | None = None,
    ):
        self.messages = list(messages or [])
        self.total = len(self.messages)
        self.client_version_answer = client_version_answer
        self.auth = list(auth or [])
        self.percents = list(percents or [])
        self.last_errors = list(last_errors or [])
        self.connection_error_answers = list(connection_error_answers or [])
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.sessions = 0
        self._lock = threading.Lock()
        self._server: BackgroundServer | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> ScriptedServer:
        self._server = BackgroundServer(self._app, ident="scripted-qbwc").start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return f"{self._server.url}/qbwc"

    def methods(self) -> list[str]:
        return [name for name, _ in self.calls]

    def params(self, method: str) -> list[dict[str, str]]:
        return [p for name, p in self.calls if name == method]

    # -- the methods ----------------------------------------------------------------------------

    def serverVersion(self, p: dict) -> str:  # method names are the WSDL operation names
        return "1.0.0"

    def clientVersion(self, p: dict) -> str:
        return self.client_version_answer

    def authenticate(self, p: dict) -> list[str]:
        self.sessions += 1
        ticket = f"ticket-{self.sessions}"
        if self.auth:
            status = self.auth.pop(0) if len(self.auth) > 1 else self.auth[0]
        else:
            status = "" if self.messages else "none"
        return [ticket, status]

    def sendRequestXML(self, p: dict) -> str:
        return self.messages.pop(0) if self.messages else ""

    def receiveResponseXML(self, p: dict) -> int:
        if self.percents:
            return self.percents.pop(0)
        if not self.total or not self.messages:
            return 100
        return int(100 * (self.total - len(self.messages)) / self.total)

    def getLastError(self, p: dict) -> str:
        if self.last_errors:
            return self.last_errors.pop(0)
        return "NoOp"

    def connectionError(self, p: dict) -> str:
        return self.connection_error_answers.pop(0) if self.connection_error_answers else "done"

    def closeConnection(self, p: dict) -> str:
        return "OK"

    # -- SOAP plumbing --------------------------------------------------------------------------

    def _app(self, environ: dict, start_response: Callable) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        envelope = etree.fromstring(environ["wsgi.input"].read(length))
        call = envelope.find(f"{{{SOAP}}}Body")[0]
        method = etree.QName(call).localname
        params = {etree.QName(child).localname: child.text or "" for child in call}
        with self._lock:
            self.calls.append((method, params))
            result = getattr(self, method)(params)
        body = _response(method, result)
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]


def _response(method: str, result: Any) -> bytes:
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    body = etree.SubElement(envelope, f"{{{SOAP}}}Body")
    wrapper = etree.SubElement(body, f"{{{TNS}}}{method}Response", nsmap={None: TNS})
    value = etree.SubElement(wrapper, f"{{{TNS}}}{method}Result")
    if isinstance(result, list):
        for item in result:
            etree.SubElement(value, f"{{{TNS}}}string").text = item
    else:
        value.text = str(result)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")

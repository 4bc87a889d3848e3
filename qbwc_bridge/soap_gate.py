"""The door in front of the SOAP service: body limits, DTD refusal on the parsed prolog, SOAP Client faults for
malformed envelopes, the WSDL at the configured address, and the large-text parser only for answers."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from lxml import etree

# Only receiveResponseXML carries QuickBooks' answer as one big text node (past lxml's 10 MB default).
LARGE_TEXT_OPERATIONS = frozenset({"receiveResponseXML"})
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


class Refused(ValueError):
    """The envelope is refused before the service sees it; `status` is the HTTP answer, the text its reason."""

    def __init__(self, reason: str, status: int):
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Envelope:
    operation: str  # local name of the Body's first child ("" when there is none)


class _DtdFound(Exception):
    pass


class _OperationFound(Exception):
    pass


class _Prolog:
    """lxml parser target: stops at a DOCTYPE (before its subset is read) or at the Body's first child."""

    def __init__(self) -> None:
        self.open: list[str] = []
        self.root: str | None = None

    def doctype(self, *_: object) -> None:
        raise _DtdFound

    def start(self, tag: str, attrib: object, nsmap: object = None) -> None:
        if self.root is None:
            self.root = tag
        if self.open and self.open[-1] == f"{{{SOAP_ENV}}}Body":
            raise _OperationFound(etree.QName(tag).localname)
        self.open.append(tag)

    def end(self, tag: str) -> None:
        self.open.pop()

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        return None


def inspect(body: bytes) -> Envelope:
    """The operation an envelope asks for; Refused for a DTD (in any encoding) or a body that is not SOAP.

    lxml decides (its DOCTYPE event, whatever the encoding: UTF-16 and UTF-32 tricks do not pass), not a byte
    search; parsing stops at the DOCTYPE or at the operation element, and builds no tree.
    """
    target = _Prolog()
    parser = etree.XMLParser(target=target, resolve_entities=False, load_dtd=False, no_network=True)
    try:
        etree.fromstring(body, parser)
    except _DtdFound:
        raise Refused("XML with a DTD is refused", 400) from None
    except _OperationFound as found:
        return Envelope(str(found))
    except etree.XMLSyntaxError as exc:
        raise Refused(f"malformed XML: {str(exc)[:200]}", 500) from None
    if target.root != f"{{{SOAP_ENV}}}Envelope":
        raise Refused("not a SOAP 1.1 envelope", 500)
    return Envelope("")


class SoapGate:
    """WSGI middleware before the spyne service: see the module docstring."""

    def __init__(
        self,
        service: Callable,
        large_text_service: Callable,
        wsdl: Callable[[dict], bytes],
        max_body_bytes: int,
    ):
        self.service = service
        self.large_text_service = large_text_service
        self.wsdl = wsdl
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if method == "GET" and environ.get("QUERY_STRING", "").split("=")[0].lower() == "wsdl":
            return _answer(start_response, "200 OK", "text/xml; charset=utf-8", self.wsdl(environ))
        if method != "POST":
            return self.service(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > self.max_body_bytes:
            return _answer(start_response, "413 Request Entity Too Large", "text/plain", b"request body too large")
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            envelope = inspect(body)
        except Refused as exc:
            if exc.status == 400:
                return _answer(start_response, "400 Bad Request", "text/plain; charset=utf-8", str(exc).encode())
            return client_fault(start_response, str(exc))
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        target = self.large_text_service if envelope.operation in LARGE_TEXT_OPERATIONS else self.service
        return target(environ, start_response)


def client_fault(start_response, reason: str):
    """A SOAP 1.1 Client fault (HTTP 500, as SOAP 1.1 requires): the request was wrong, not the server."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body><soap:Fault>'
        f"<faultcode>soap:Client</faultcode><faultstring>{escape(reason)}</faultstring>"
        "</soap:Fault></soap:Body></soap:Envelope>"
    ).encode()
    return _answer(start_response, "500 Internal Server Error", "text/xml; charset=utf-8", body)


def _answer(start_response, status: str, content_type: str, data: bytes):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]

"""The bridge's WSGI app: Flask for /healthz, the support page and sources' webhooks, the SOAP service at /qbwc."""

from __future__ import annotations

import io

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from connectors.webhooks.app import webhook_blueprint
from qbwc_bridge.conversation import Conversation
from qbwc_bridge.service import wsgi_service
from qbwc_bridge.settings import BridgeSettings
from sources import registry
from warehouse.store import Warehouse

SOAP_PATH = "/qbwc"
SUPPORT_PATH = "/support"
SUPPORT_PAGE = """<!doctype html>
<html><head><title>qbsync Web Connector bridge</title></head>
<body><h1>qbsync Web Connector bridge</h1>
<p>This service exchanges qbXML with QuickBooks Desktop through the QuickBooks Web Connector.</p>
<p>If a sync fails, open the Web Connector log and contact your qbsync administrator with the time of the run.</p>
</body></html>"""


class RefuseDtd:
    """WSGI middleware: a SOAP envelope with a DTD (entity tricks) is refused before any parser sees it.

    qbXML inside the envelope is escaped text, so a genuine request never contains a literal '<!DOCTYPE'.
    """

    def __init__(self, app, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > self.max_body_bytes:
            return _plain(start_response, "413 Request Entity Too Large", "request body too large")
        body = environ["wsgi.input"].read(length) if length else b""
        upper = body.upper()
        if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
            return _plain(start_response, "400 Bad Request", "XML with a DTD is refused")
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


def _plain(start_response, status: str, text: str):
    data = text.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]


def create_app(warehouse: Warehouse | None = None, settings: BridgeSettings | None = None) -> Flask:
    """The whole bridge: GET /healthz, GET /support (the .QWC AppSupport page), SOAP at /qbwc (GET /qbwc?wsdl),
    and POST /webhooks/<source> for each source with a key in `settings.webhook_secrets` (else a 404)."""
    warehouse = warehouse or Warehouse.from_env()
    settings = settings or BridgeSettings.from_env()
    app = Flask("qbwc_bridge")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get(SUPPORT_PATH)
    def support():
        return SUPPORT_PAGE

    for source, secret in settings.webhook_secrets.items():
        app.register_blueprint(webhook_blueprint(warehouse, secret, registry.get(source)))

    soap = RefuseDtd(wsgi_service(Conversation(warehouse, settings), settings.max_body_bytes), settings.max_body_bytes)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {SOAP_PATH: soap})
    return app

"""The bridge's WSGI app: Flask for /healthz, the support page and sources' webhooks, the SOAP service at /qbwc."""

from __future__ import annotations

import threading

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from connectors.webhooks.app import webhook_blueprint
from qbwc_bridge.conversation import Conversation
from qbwc_bridge.service import wsdl_document, wsgi_service
from qbwc_bridge.settings import BridgeSettings
from qbwc_bridge.soap_gate import SoapGate
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

    conversation = Conversation(warehouse, settings)
    service = wsgi_service(conversation, settings.max_body_bytes)
    large_text = wsgi_service(conversation, settings.max_body_bytes, large_text=True)
    soap = SoapGate(service, large_text, WsdlServer(service, settings.public_url), settings.max_body_bytes)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {SOAP_PATH: soap})
    return app


class WsdlServer:
    """The WSDL for `public_url` (QBSYNC_BRIDGE_PUBLIC_URL), or for the address the server is bound to when unset;
    never for the Host header a client sends."""

    def __init__(self, service, public_url: str):
        self.service = service
        self.public_url = public_url.rstrip("/")
        self._documents: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __call__(self, environ) -> bytes:
        address = self.public_url or (
            f"{environ.get('wsgi.url_scheme', 'http')}://{environ['SERVER_NAME']}:{environ['SERVER_PORT']}{SOAP_PATH}"
        )
        with self._lock:
            if address not in self._documents:
                self._documents[address] = wsdl_document(self.service, address)
            return self._documents[address]

"""The bridge's WSGI app: Flask for /healthz, the support page and sources' webhooks, the SOAP service at /qbwc."""

from __future__ import annotations

import threading

from flask import Flask, request
from markupsafe import escape
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
<html><head><meta charset="utf-8"><title>qbsync Web Connector bridge</title></head>
<body><h1>qbsync Web Connector bridge</h1>
<p>This service exchanges qbXML with QuickBooks Desktop through the QuickBooks Web Connector.</p>
{company}
<p>If a sync fails, open the Web Connector log and contact your qbsync administrator with the time of the run;
they can run <code>qbsync outbox failed</code> and <code>qbsync doctor</code>.</p>
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
        """200 when the warehouse answers, else 503 with why (a load balancer or monitor reads it)."""
        try:
            warehouse.scalar("SELECT count(*) FROM schema_migrations")
        except Exception as exc:  # any failure to reach the warehouse makes the bridge unhealthy
            return {"status": "unavailable", "warehouse": warehouse.describe(), "error": _one_line(exc)}, 503
        return {"status": "ok", "warehouse": warehouse.describe()}

    @app.get(SUPPORT_PATH)
    def support():
        """The .qwc's AppSupport page; with ?company=NAME that company's last session and requests waiting."""
        name = request.args.get("company", "")
        return SUPPORT_PAGE.format(company=company_status(warehouse, name) if name else "")

    for source, secret in settings.webhook_secrets.items():
        app.register_blueprint(webhook_blueprint(warehouse, secret, registry.get(source)))

    conversation = Conversation(warehouse, settings)
    service = wsgi_service(conversation, settings.max_body_bytes)
    large_text = wsgi_service(conversation, settings.max_body_bytes, large_text=True)
    soap = SoapGate(service, large_text, WsdlServer(service, settings.public_url), settings.max_body_bytes)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {SOAP_PATH: soap})
    return app


def company_status(warehouse: Warehouse, name: str) -> str:
    """HTML: the company's last Web Connector session, its pending and failed requests, and what to do."""
    with warehouse.connect() as conn:
        last = conn.fetchone(
            "SELECT created_at, closed_at, last_error, requests_sent, requests_done, requests_failed "
            "FROM qbwc_sessions WHERE company = ? ORDER BY created_at DESC LIMIT 1",
            [name],
        )
        counts = dict(
            conn.fetchall("SELECT status, count(*) FROM qbxml_outbox WHERE company = ? GROUP BY status", [name])
        )
    waiting = sum(n for status, n in counts.items() if status in ("pending", "retry", "unknown", "sent"))
    failed = counts.get("failed", 0)
    if last is None:
        session = "No Web Connector session yet: add the .qwc file to the Web Connector and run it."
    else:
        started, closed, error, sent, done, failures = last
        session = (
            f"Last session started {started:%Y-%m-%d %H:%M} UTC, "
            + (f"ended {closed:%H:%M}" if closed else "not closed")
            + f": {sent} sent, {done} done, {failures} failed"
            + (f"; last message: {error}" if error else "")
            + "."
        )
    todo = (
        "Failed requests wait for your administrator: fix the cause, then qbsync replay --failed."
        if failed
        else "Nothing failed."
    )
    return (
        f"<h2>{escape(name)}</h2><p>{escape(session)}</p>"
        f"<p>{waiting} request(s) waiting for QuickBooks, {failed} failed. {escape(todo)}</p>"
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


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

"""Serving the bridge with waitress (a production WSGI server): in the foreground, or in a thread for tests."""

from __future__ import annotations

from qbwc_bridge.app import SOAP_PATH, create_app
from qbwc_bridge.serving import BackgroundServer, waitress_server
from qbwc_bridge.settings import BridgeSettings
from warehouse.store import Warehouse

IDENT = "qbsync-bridge"


def make_server(warehouse: Warehouse, settings: BridgeSettings, host: str = "127.0.0.1", port: int = 8085):
    """A waitress server for the bridge (port 0 picks a free port); body size capped like the app."""
    app = create_app(warehouse, settings)
    return waitress_server(app, host=host, port=port, ident=IDENT, max_request_body_size=settings.max_body_bytes)


class RunningBridge(BackgroundServer):
    """A bridge serving in a background thread; `url` is its base address, `soap_url` the Web Connector's."""

    @property
    def soap_url(self) -> str:
        return self.url + SOAP_PATH


def start_in_thread(warehouse: Warehouse, settings: BridgeSettings, ready_timeout: float = 10.0) -> RunningBridge:
    """Start on 127.0.0.1 with an ephemeral port and return once /healthz answers."""
    app = create_app(warehouse, settings)
    bridge = RunningBridge(app, ident=IDENT, max_request_body_size=settings.max_body_bytes)
    return bridge.start(ready_path="/healthz", ready_timeout=ready_timeout)

"""Serving the bridge with waitress (a production WSGI server): in the foreground, or in a thread for tests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx
from waitress import wasyncore
from waitress.server import create_server

from qbwc_bridge.app import create_app
from qbwc_bridge.settings import BridgeSettings
from warehouse.store import Warehouse


def make_server(warehouse: Warehouse, settings: BridgeSettings, host: str = "127.0.0.1", port: int = 8085):
    """A waitress server for the bridge (port 0 picks a free port); body size capped like the app."""
    app = create_app(warehouse, settings)
    return create_server(
        app,
        host=host,
        port=port,
        threads=8,
        max_request_body_size=settings.max_body_bytes,
        ident="qbsync-bridge",
    )


@dataclass
class RunningBridge:
    """A bridge serving in a background thread; `url` is its base address."""

    server: object
    thread: threading.Thread
    stopping: threading.Event
    url: str

    @property
    def soap_url(self) -> str:
        return self.url + "/qbwc"

    def stop(self) -> None:
        """Ask the serving thread to leave its loop; it then closes its sockets itself (no cross-thread close)."""
        self.stopping.set()
        self.thread.join(timeout=10)


def _serve_until(server, stopping: threading.Event) -> None:
    while not stopping.is_set():
        wasyncore.loop(timeout=0.05, map=server._map, count=1)
    server.task_dispatcher.shutdown()
    wasyncore.close_all(server._map)


def start_in_thread(warehouse: Warehouse, settings: BridgeSettings, ready_timeout: float = 10.0) -> RunningBridge:
    """Start on 127.0.0.1 with an ephemeral port and return once /healthz answers."""
    server = make_server(warehouse, settings, port=0)
    stopping = threading.Event()
    thread = threading.Thread(target=_serve_until, args=(server, stopping), name="qbsync-bridge", daemon=True)
    thread.start()
    running = RunningBridge(server, thread, stopping, f"http://127.0.0.1:{server.effective_port}")
    deadline = time.monotonic() + ready_timeout
    while True:
        try:
            if httpx.get(running.url + "/healthz", timeout=1).status_code == 200:
                return running
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            running.stop()
            raise RuntimeError(f"bridge at {running.url} did not become healthy in {ready_timeout}s")
        time.sleep(0.02)

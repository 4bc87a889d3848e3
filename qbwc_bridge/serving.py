"""Serving any WSGI app with waitress: bound in the foreground, or in a background thread that stops cleanly."""

from __future__ import annotations

import threading
import time

import httpx
from waitress import wasyncore
from waitress.server import create_server


def waitress_server(
    app,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    ident: str = "qbsync",
    threads: int = 8,
    max_request_body_size: int | None = None,
):
    """A bound, listening waitress server (port 0 picks a free port); `.run()` serves it in the foreground."""
    limits = {} if max_request_body_size is None else {"max_request_body_size": max_request_body_size}
    return create_server(app, host=host, port=port, threads=threads, ident=ident, **limits)


class BackgroundServer:
    """`with BackgroundServer(app) as server: server.url` — a real HTTP server on loopback for tests and the demo.

    The serving thread closes its own sockets when asked to stop (no cross-thread close).
    """

    def __init__(self, app, *, host: str = "127.0.0.1", port: int = 0, **options):
        self._server = waitress_server(app, host=host, port=port, **options)
        self.port = int(self._server.effective_port)
        self.url = f"http://{host}:{self.port}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"http-{self.port}", daemon=True)

    def start(self, ready_path: str | None = None, ready_timeout: float = 10.0) -> BackgroundServer:
        """Serve; with `ready_path`, return only once a GET of it answers 200 (else stop and raise)."""
        self._thread.start()
        if ready_path is not None:
            self._await_ready(ready_path, ready_timeout)
        return self

    def stop(self) -> None:
        """Ask the serving thread to leave its loop and wait for it to close its sockets."""
        self._stopping.set()
        self._thread.join(timeout=10)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _serve(self) -> None:
        server = self._server
        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)

    def _await_ready(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(self.url + path, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server at {self.url} did not answer {path} in {timeout}s")
            time.sleep(0.02)

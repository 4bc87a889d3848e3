"""Serve a WSGI app with waitress on 127.0.0.1 (port 0 by default) in a background thread, and stop it cleanly."""

from __future__ import annotations

import threading

from waitress.server import create_server


class BackgroundServer:
    """`with BackgroundServer(app) as server: server.base_url` — a real HTTP server for tests and demos."""

    def __init__(self, app, *, host: str = "127.0.0.1", port: int = 0, threads: int = 8):
        self._server = create_server(app, host=host, port=port, threads=threads, ident="qbsync-sandbox")
        self.port = int(self._server.effective_port)
        self.base_url = f"http://{host}:{self.port}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"sandbox-http-{self.port}", daemon=True)

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)
        for channel in list(self._server._map.values()):
            channel.close()
        self._server.task_dispatcher.shutdown()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _loop(self) -> None:
        server = self._server
        while not self._stopping.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)

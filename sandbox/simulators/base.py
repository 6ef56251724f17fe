"""The common skeleton of a simulator: a threaded HTTP server on loopback
that records every request and answers JSON."""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 10 * 1024 * 1024


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[RecordedRequest], Reply]


class Simulator:
    """Subclasses add routes in ``routes()``; unknown routes answer 404."""

    name = "simulador"
    env_urls: tuple[str, ...] = ()  # where the app's adapters read this service's base URL

    def __init__(self, port: int = 0) -> None:
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.name, daemon=True)

    @classmethod
    def port_variable(cls) -> str:
        """Where a fixed port may be asked for (``CIELO_PORT``...); a free one otherwise."""
        return f"{cls.name.upper()}_PORT"

    def routes(self) -> dict[tuple[str, str], Route]:
        return {}

    def start(self) -> Simulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() waits forever for a loop that never ran
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def dispatch(self, request: RecordedRequest) -> Reply:
        if (request.method, request.path) == ("GET", "/health"):
            return Reply(200, {"status": "ok", "simulador": self.name})
        route = self.routes().get((request.method, request.path.split("?")[0]))
        with self._lock:
            self.requests.append(request)
        if route is None:
            return Reply(404, {"erro": f"{self.name}: rota não simulada", "rota": request.path})
        return route(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = self.headers.get("content-length") or "0"
                if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                    self.close_connection = True
                    self._reply(Reply(413, {"erro": f"{simulator.name}: Content-Length inválido ou acima de 10 MiB"}))
                    return
                request = RecordedRequest(self.command, self.path, dict(self.headers), self.rfile.read(int(length)))
                try:
                    reply = simulator.dispatch(request)
                except Exception:  # noqa: BLE001 - a simulator bug answers 500, never kills the server
                    logger.exception("simulator %s failed on %s %s", simulator.name, self.command, self.path)
                    reply = Reply(500, {"erro": f"{simulator.name}: falha interna do simulador"})
                self._reply(reply)

            def _reply(self, reply: Reply) -> None:
                body = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                return

        return Handler

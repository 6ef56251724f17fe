"""The common skeleton of a simulator: a threaded HTTP server on loopback
that records every request and answers JSON.

Besides the service's own routes every simulator answers:

- ``GET /health``;
- ``GET /__sandbox/requests``: the recorded requests (card numbers masked to
  their last four digits, security codes removed: no full PAN is ever kept);
- ``POST /__sandbox/faults`` ``{"route", "fault", "times"?, "seconds"?, "status"?}``,
  ``GET /__sandbox/faults`` and ``DELETE /__sandbox/faults``: the fault queue
  (see :meth:`Simulator.inject`), for tests of retries and reconciliation;
- ``GET /__sandbox/mode`` and ``POST /__sandbox/mode`` ``{"<switch>": bool, ...}``:
  the simulator's run-time switches (:attr:`Simulator.switches`, e.g. Cielo's and
  GetNet's ``strict``); both answer the switches after the change, an unknown
  switch or a value that is not a JSON boolean answers 400, and a simulator
  without switches answers 404.

Time: a simulator's clock is the constructor's keyword ``clock``, a callable
answering an aware ``datetime`` (``datetime.now(UTC)`` by default), read
through :meth:`Simulator.now`, so a test can pin or move "now". Cielo and
GetNet answer every timestamp from it (ZapMe takes no clock yet and reads the
wall clock). A clock answering a naive datetime is a bug of the test (its zone
would be guessed) and fails the request with 500. Access-token lifetimes
(GetNet) stay on the monotonic clock: they are not answered dates.

Routes are ``(method, path)`` keys; a path segment written ``{name}`` matches
any one segment. A trailing slash is ignored (Cielo documents ``/1/sales/``).
"""
from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 10 * 1024 * 1024

SLOW = "slow"
SLOW_AFTER_PROCESSING = "slow_after_processing"
ERROR_5XX = "error_5xx"
DROP_AFTER_PROCESSING = "drop_after_processing"
FAULTS = (SLOW, SLOW_AFTER_PROCESSING, ERROR_5XX, DROP_AFTER_PROCESSING)
SANDBOX_PREFIX = "/__sandbox/"

# 13 to 19 digits, optionally grouped by spaces or dashes, not inside a longer word (hex tokens, UUIDs).
_PAN = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
_PAN_FIELD = re.compile(r'("(?:CardNumber|cardNumber|card_number|pan|PAN)"\s*:\s*"?)(\d(?:[ -]?\d){7,22})')
_SECURITY_CODE = re.compile(r'("(?:SecurityCode|securityCode|security_code|cvv|CVV)"\s*:\s*)("[^"]*"|\d+)')


def _last_four(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return "*" * (len(digits) - 4) + digits[-4:]


def _mask_digits(match: re.Match[str]) -> str:
    return _last_four(match.group(0))


def _mask_field(match: re.Match[str]) -> str:
    return match.group(1) + _last_four(match.group(2))


def mask_pans(text: str, digit_runs: bool = True) -> str:
    """Card numbers become ``************1234`` and security codes ``***``.

    Card-number fields and CVV fields are always masked; with ``digit_runs`` so is any run of 13 to 19
    digits (the card services: a PAN may hide in any field). Services that carry phone numbers (13 digits
    with the country code) mask fields only.
    """
    text = _PAN_FIELD.sub(_mask_field, text)
    if digit_runs:
        text = _PAN.sub(_mask_digits, text)
    return _SECURITY_CODE.sub(r'\1"***"', text)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """A header by case-insensitive name."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)

    def json(self) -> Any:
        """The body parsed as JSON; ``None`` when empty or not JSON."""
        try:
            return json.loads(self.body.decode("utf-8")) if self.body else None
        except (UnicodeDecodeError, ValueError):
            return None

    def as_dict(self) -> dict[str, Any]:
        text = self.body.decode("utf-8", errors="replace")
        parsed = self.json()
        return {"method": self.method, "path": self.path, "headers": self.headers,
                "body": parsed if parsed is not None else text}

    def masked(self, digit_runs: bool = True) -> RecordedRequest:
        return RecordedRequest(self.method, mask_pans(self.path, digit_runs), self.headers,
                               mask_pans(self.body.decode("utf-8", errors="replace"), digit_runs).encode("utf-8"))


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering (the body is discarded)


@dataclass
class Fault:
    """One injected fault: ``route`` is a path prefix, optionally preceded by a method (``"POST /1/sales"``)."""

    route: str
    fault: str
    times: int = 1
    seconds: float = 2.0  # for ``slow`` and ``slow_after_processing``
    status: int = 503  # for ``error_5xx``

    def matches(self, request: RecordedRequest) -> bool:
        method, _, prefix = self.route.partition(" ") if " " in self.route else ("", "", self.route)
        if method and method.upper() != request.method:
            return False
        return request.path.split("?")[0].startswith(prefix)

    def as_dict(self) -> dict[str, Any]:
        return {"route": self.route, "fault": self.fault, "times": self.times,
                "seconds": self.seconds, "status": self.status}


Route = Callable[[RecordedRequest], Reply]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


class Simulator:
    """Subclasses add routes in ``routes()``; unknown routes answer 404."""

    name = "simulador"
    env_urls: tuple[str, ...] = ()  # where the app's adapters read this service's base URL
    mask_digit_runs = False  # card services: mask every 13-19 digit run in recordings, not only card fields
    # Boolean attributes that ``/__sandbox/mode`` reads and sets (each subclass sets them in its constructor).
    switches: tuple[str, ...] = ()

    def __init__(self, port: int = 0, *, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or utc_now
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        # A short poll interval: stop() returns within 50 ms instead of the default 500 ms.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.name, daemon=True)

    @classmethod
    def port_variable(cls) -> str:
        """Where a fixed port may be asked for (``CIELO_PORT``...); a free one otherwise."""
        return f"{cls.name.upper()}_PORT"

    def routes(self) -> dict[tuple[str, str], Route]:
        return {}

    def now(self) -> datetime:
        """The clock's instant; subclasses answer every timestamp from it."""
        instant = self.clock()
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"{self.name}: the clock must answer an aware datetime, got {instant!r}")
        return instant

    def mode(self) -> dict[str, bool]:
        """The run-time switches and their values (``GET /__sandbox/mode``)."""
        with self._lock:
            return {name: bool(getattr(self, name)) for name in self.switches}

    def set_mode(self, changes: Any) -> dict[str, bool]:
        """Sets switches from ``{"name": bool}`` (``POST /__sandbox/mode``); nothing changes when one is wrong."""
        if not isinstance(changes, dict) or not changes:
            raise ValueError(f"expected a JSON object {{{', '.join(f'{name}?: bool' for name in self.switches)}}}")
        unknown = sorted(str(name) for name in changes if name not in self.switches)
        if unknown:
            raise ValueError(f"unknown switch {', '.join(unknown)}; expected one of {', '.join(self.switches)}")
        not_boolean = sorted(name for name, value in changes.items() if not isinstance(value, bool))
        if not_boolean:
            raise ValueError(f"expected true or false for {', '.join(not_boolean)}")
        with self._lock:
            for name, value in changes.items():
                setattr(self, name, value)
        return self.mode()

    def start(self) -> Simulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes the handlers sleeping on a ``slow`` fault
        if self._thread.is_alive():  # shutdown() waits forever for a loop that never ran
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    # --- faults -------------------------------------------------------------------------------------------------

    def inject(self, route: str, fault: str, times: int = 1, seconds: float = 2.0, status: int = 503) -> Fault:
        """Queue a fault for the next ``times`` requests whose path starts with ``route``.

        - ``slow``: wait ``seconds``, then process and answer (a request still in flight: a client that
          gave up and queries at once may not find the charge yet, only ``seconds`` later);
        - ``slow_after_processing``: process at once (the charge is stored), then wait ``seconds``
          before answering (a client that times out finds the charge when it queries);
        - ``error_5xx``: answer ``status`` (500, 502 or 503) without processing;
        - ``drop_after_processing``: process (a charge is stored), then close the connection without
          answering, so the client sees a dropped connection while the charge exists.

        Faults are taken in the order they were queued and apply to the service's own routes only
        (never to ``/health``, ``/__sandbox/`` or an unknown route).
        """
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {', '.join(FAULTS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        if fault == ERROR_5XX and not 500 <= status <= 599:
            raise ValueError("error_5xx needs a 5xx status")
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        queued = Fault(route, fault, times, seconds, status)
        with self._lock:
            self._faults.append(queued)
        return queued

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, request: RecordedRequest) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(request):
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def fault_reply(self, status: int) -> Reply:
        """The body of an injected 5xx, in the service's error shape (subclasses override)."""
        return Reply(status, {"erro": f"{self.name}: falha simulada", "status": status})

    # --- dispatch -----------------------------------------------------------------------------------------------

    def dispatch(self, request: RecordedRequest) -> Reply:
        path = request.path.split("?")[0]
        if (request.method, path) == ("GET", "/health"):
            return Reply(200, {"status": "ok", "simulador": self.name})
        if path.startswith(SANDBOX_PREFIX):
            return self._sandbox_route(request, path)
        with self._lock:
            self.requests.append(request.masked(self.mask_digit_runs))
        route = self._find_route(request.method, path)
        if route is None:
            return Reply(404, {"erro": f"{self.name}: rota não simulada", "rota": request.path})
        fault = self._take_fault(request)
        if fault is not None and fault.fault == ERROR_5XX:
            return self.fault_reply(fault.status)
        if fault is not None and fault.fault == SLOW and self._stopping.wait(fault.seconds):
            return Reply(503, {}, drop=True)  # stopping: give up
        reply = route(request)
        if fault is not None and fault.fault == DROP_AFTER_PROCESSING:
            reply.drop = True
        if fault is not None and fault.fault == SLOW_AFTER_PROCESSING and self._stopping.wait(fault.seconds):
            reply.drop = True  # stopping: give up answering
        return reply

    def _find_route(self, method: str, path: str) -> Route | None:
        routes = self.routes()
        trimmed = path.rstrip("/") or "/"
        for candidate in (path, trimmed):
            if (method, candidate) in routes:
                return routes[(method, candidate)]
        segments = trimmed.split("/")
        for (route_method, pattern), route in routes.items():
            if route_method != method or "{" not in pattern:
                continue
            parts = pattern.rstrip("/").split("/")
            if len(parts) == len(segments) and all(
                    part.startswith("{") or part == segment for part, segment in zip(parts, segments, strict=True)):
                return route
        return None

    def _sandbox_route(self, request: RecordedRequest, path: str) -> Reply:
        what = path[len(SANDBOX_PREFIX):].rstrip("/")
        if (request.method, what) == ("GET", "requests"):
            with self._lock:
                return Reply(200, [recorded.as_dict() for recorded in self.requests])
        if (request.method, what) == ("GET", "faults"):
            with self._lock:
                return Reply(200, [fault.as_dict() for fault in self._faults])
        if (request.method, what) == ("DELETE", "faults"):
            self.clear_faults()
            return Reply(204, None)
        if (request.method, what) == ("POST", "faults"):
            body = request.json()
            if not isinstance(body, dict) or not isinstance(body.get("route"), str):
                return Reply(400, {"erro": "esperado JSON {route, fault, times?, seconds?, status?}"})
            try:
                fault = self.inject(body["route"], str(body.get("fault")), int(body.get("times", 1)),
                                    float(body.get("seconds", 2.0)), int(body.get("status", 503)))
            except (TypeError, ValueError) as exc:
                return Reply(400, {"erro": str(exc)})
            return Reply(201, fault.as_dict())
        if what == "mode" and request.method in ("GET", "POST"):
            return self._mode_route(request)
        return Reply(404, {"erro": f"{self.name}: rota do sandbox desconhecida", "rota": path})

    def _mode_route(self, request: RecordedRequest) -> Reply:
        if not self.switches:
            return Reply(404, {"erro": f"{self.name}: este simulador não tem modos"})
        if request.method == "GET":
            return Reply(200, self.mode())
        try:
            return Reply(200, self.set_mode(request.json()))
        except ValueError as exc:
            return Reply(400, {"erro": str(exc)})

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
                    logger.exception("simulator %s failed on %s %s", simulator.name, self.command, mask_pans(self.path))
                    reply = Reply(500, {"erro": f"{simulator.name}: falha interna do simulador"})
                if reply.drop:
                    _drop_connection(self)
                    return
                self._reply(reply)

            def _reply(self, reply: Reply) -> None:
                _write_reply(self, reply)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                return

        return Handler


def _drop_connection(handler: BaseHTTPRequestHandler) -> None:
    """Close without a byte of answer: the client sees the connection dropped."""
    handler.close_connection = True
    try:
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _write_reply(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    no_body = reply.status in (204, 304)
    body = b"" if no_body else json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
    handler.send_response(reply.status)
    if not no_body:
        handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in reply.headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)

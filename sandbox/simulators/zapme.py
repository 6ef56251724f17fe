"""ZapMe API v2 sandbox (as ZapMe's PHP SDK and WHMCS module call it).

Every route needs the ``api`` and ``secret`` credentials (the constructor's, by default
``DEFAULT_API``/``DEFAULT_SECRET``): as form fields on a POST, in the query string on a GET. Missing ones
answer 401 ``missing_credentials``, wrong ones 401 ``invalid_credentials``.

Routes:

- ``POST /messages/create`` (form: ``phone``, ``message``, optional ``file_content`` in base64 with
  ``file_extension``) → 201 ``{"status": true, "result": "created", "date", "data": <message>}``.
  Refusals (400): ``invalid_phone`` (not ``55`` + a Brazilian area code + a 9-digit mobile starting with 9,
  digits only), ``invalid_message`` (missing, blank or above 65 536 characters), ``invalid_file`` (content
  not base64, or its extension missing or not one of ``FILE_EXTENSIONS``).
- ``GET /messages/{id}`` → 200 with the message as ``data``; 404 ``message_not_found``.
- ``GET /messages?paginate=true&page=1&quantity=50`` → the newest messages first, at most 50 a page.
- ``GET`` or ``POST /status`` → ``data: {service: {plan, duedate, status: "active"}, auth: {status,
  authenticated_at}}``; ``auth.status`` is the simulated WhatsApp device session.

A message is ``{id, hash, message, phone, type: "api", status, created_at, updated_at}`` (plus
``file_extension`` when it had an attachment; the file itself is not kept). Its status is decided when it
is created and never changes:

- ``no_device_connection`` while the device is disconnected (``POST /__sandbox/device``);
- ``missing_number`` for a phone ending in ``0000``, ``blocked_number`` for one ending in ``9999``;
- ``message_sent`` otherwise.

Test endpoints (besides the common ``/health``, ``/__sandbox/requests`` and ``/__sandbox/faults``):

- ``GET /__sandbox/messages[?phone=...]``: every message created, oldest first; ``DELETE`` clears them
  (204; ids keep counting up).
- ``POST /__sandbox/device`` ``{"connected": false}``: disconnect (or reconnect) the WhatsApp device.
- ``POST /__sandbox/faults`` takes the common faults (``slow``, ``slow_after_processing``, ``error_5xx``,
  ``drop_after_processing``; see ``base``) and two more:

  - ``{"fault": "error_4xx", "status": 400..499 (default 400), "reason": "..."}``: answer that status with
    ``result`` = ``reason`` (default ``simulated_refusal``), without processing;
  - ``{"fault": "down"}``: close the connection without processing or answering, as a service that went
    down mid-request (the client sees a dropped connection). For a refused connection, stop the simulator.

Decisions where ZapMe's SDK and module are silent (ours):

- Error bodies are ``{"status": false, "result": "<code>", "date"}`` (a guess: ZapMe documents no error body); the codes
  above are ours. An injected 5xx answers ``result: "internal_error"``.
- A send answers 201 with ``result: "created"`` (the SDK's test) and the message object as ``data``, so
  that its id can be looked up; the README's ``data: "message_sent"`` has no id.
- POST bodies are read as form fields only, as ZapMe's SDK sends them: a JSON body reads as no
  credentials. Contacts (``/contacts``) are not simulated.
- The request log keeps the credentials as sent (they are the simulator's own, never real ones).
"""
from __future__ import annotations

import base64
import binascii
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.simulators.base import FAULTS, SANDBOX_PREFIX, Fault, RecordedRequest, Reply, Route, Simulator

# A service route that also gets the request's fields (form or query), credentials already checked.
FieldsRoute = Callable[[RecordedRequest, dict[str, str]], Reply]
BRASILIA = timezone(timedelta(hours=-3))  # no daylight saving time since 2019
ERROR_4XX = "error_4xx"
DOWN = "down"
ZAPME_FAULTS = (ERROR_4XX, DOWN)
DEFAULT_REFUSAL = "simulated_refusal"
MAX_MESSAGE_CHARS = 65_536  # WhatsApp's limit for one text
PAGE_LIMIT = 50  # "Max 50 per call" (ZapMe's SDK)
FILE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "gif", "pdf", "mp3", "ogg", "mp4", "doc", "docx", "xls", "xlsx",
                             "txt"})
# Brazilian area codes (DDD) in use.
AREA_CODES = frozenset({
    *range(11, 20), 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, *range(41, 47), 47, 48, 49, 51, 53, 54, 55,
    *range(61, 70), 71, 73, 74, 75, 77, 79, *range(81, 90), *range(91, 100)})
_MOBILE = re.compile(r"55(\d\d)9\d{8}", re.ASCII)
MISSING_ENDING = "0000"
BLOCKED_ENDING = "9999"


def plausible_mobile(phone: str) -> bool:
    """``55`` + an area code in use + a 9-digit mobile number starting with 9 (``55DDNNNNNNNNN``)."""
    match = _MOBILE.fullmatch(phone)
    return match is not None and int(match.group(1)) in AREA_CODES


def _now() -> str:
    return datetime.now(BRASILIA).strftime("%Y-%m-%d %H:%M:%S")


def _error(status: int, result: str) -> Reply:
    return Reply(status, {"status": False, "result": result, "date": _now()})


def _ok(data: Any, status: int = 200, result: str = "success") -> Reply:
    return Reply(status, {"status": True, "result": result, "date": _now(), "data": data})


@dataclass
class ZapMeFault(Fault):
    """A fault only this simulator knows (``error_4xx``, ``down``)."""

    reason: str = DEFAULT_REFUSAL  # the ``result`` of an ``error_4xx``

    def as_dict(self) -> dict[str, Any]:
        described = super().as_dict()
        if self.fault == ERROR_4XX:
            described["reason"] = self.reason
        return described


class ZapMeSimulator(Simulator):
    name = "zapme"
    env_urls = ("ZAPME_API_URL",)

    # The credentials accepted by default (ZapMe issues a key and a secret per account).
    DEFAULT_API = "zapme-simulador-api-0001"
    DEFAULT_SECRET = "zapme-simulador-secret-0000000000000001"

    def __init__(self, port: int = 0, api: str = DEFAULT_API, secret: str = DEFAULT_SECRET) -> None:
        if not api or not secret:
            raise ValueError("ZapMe credentials are an api key and a secret")
        super().__init__(port)
        self.api = api
        self.secret = secret
        self.device_connected = True
        self._authenticated_at = _now()
        self._state = threading.Lock()
        self._next_id = 1
        self.messages: list[dict[str, Any]] = []  # every message created, oldest first
        # The common fault taken by ``dispatch``, handed to the base class's processing (see ``_take_fault``).
        self._handoff = threading.local()

    def routes(self) -> dict[tuple[str, str], Route]:
        return {
            ("POST", "/messages/create"): self._authenticated(self._create_message),
            ("GET", "/messages"): self._authenticated(self._list_messages),
            ("GET", "/messages/{id}"): self._authenticated(self._get_message),
            ("GET", "/status"): self._authenticated(self._account),
            ("POST", "/status"): self._authenticated(self._account),
        }

    def fault_reply(self, status: int) -> Reply:
        return _error(status, "internal_error")

    def sent(self, phone: str | None = None) -> list[dict[str, Any]]:
        """The messages created (to ``phone`` only, when given), oldest first."""
        with self._state:
            return [dict(message) for message in self.messages if phone is None or message["phone"] == phone]

    # --- credentials and fields ---------------------------------------------------------------------------------

    @staticmethod
    def _fields(request: RecordedRequest) -> dict[str, str] | None:
        """GET: the query string; POST: the form body. None when the body is not UTF-8."""
        if request.method == "GET":
            source = urlsplit(request.path).query
        else:
            content_type = (request.header("Content-Type") or "").lower()
            if "application/x-www-form-urlencoded" not in content_type:
                return {}
            try:
                source = request.body.decode("utf-8")
            except UnicodeDecodeError:
                return None
        return {key: values[0] for key, values in parse_qs(source, keep_blank_values=True).items()}

    def _authenticated(self, route: FieldsRoute) -> Route:
        def guarded(request: RecordedRequest) -> Reply:
            fields = self._fields(request)
            if fields is None:
                return _error(400, "invalid_request")
            api, secret = fields.get("api", ""), fields.get("secret", "")
            if not api or not secret:
                return _error(401, "missing_credentials")
            if not (secrets.compare_digest(api, self.api) and secrets.compare_digest(secret, self.secret)):
                return _error(401, "invalid_credentials")
            return route(request, fields)

        return guarded

    # --- messages -----------------------------------------------------------------------------------------------

    def _create_message(self, request: RecordedRequest, fields: dict[str, str]) -> Reply:
        phone = fields.get("phone", "")
        text = fields.get("message", "")
        if not plausible_mobile(phone):
            return _error(400, "invalid_phone")
        if not text.strip() or len(text) > MAX_MESSAGE_CHARS:
            return _error(400, "invalid_message")
        extension = self._attachment_extension(fields)
        if extension is None:
            return _error(400, "invalid_file")
        now = _now()
        with self._state:
            message: dict[str, Any] = {
                "id": self._next_id, "hash": secrets.token_hex(16), "message": text, "phone": phone, "type": "api",
                "status": self._status_for(phone), "created_at": now, "updated_at": now}
            if extension:
                message["file_extension"] = extension
            self._next_id += 1
            self.messages.append(message)
            return _ok(dict(message), status=201, result="created")

    @staticmethod
    def _attachment_extension(fields: dict[str, str]) -> str | None:
        """``""`` without an attachment, its extension with a valid one, None with an invalid one."""
        content = fields.get("file_content", "")
        if not content:
            return ""
        extension = fields.get("file_extension", "").lower().lstrip(".")
        try:
            base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            return None
        return extension if extension in FILE_EXTENSIONS else None

    def _status_for(self, phone: str) -> str:
        if not self.device_connected:
            return "no_device_connection"
        if phone.endswith(MISSING_ENDING):
            return "missing_number"
        if phone.endswith(BLOCKED_ENDING):
            return "blocked_number"
        return "message_sent"

    def _get_message(self, request: RecordedRequest, fields: dict[str, str]) -> Reply:
        wanted = urlsplit(request.path).path.rstrip("/").split("/")[-1]
        with self._state:
            found = next((dict(m) for m in self.messages if str(m["id"]) == wanted), None)
        return _ok(found) if found is not None else _error(404, "message_not_found")

    def _list_messages(self, request: RecordedRequest, fields: dict[str, str]) -> Reply:
        page = _positive(fields.get("page"), 1) if fields.get("paginate", "").lower() == "true" else 1
        quantity = min(_positive(fields.get("quantity"), PAGE_LIMIT), PAGE_LIMIT)
        with self._state:
            newest_first = [dict(m) for m in reversed(self.messages)]
        return _ok(newest_first[(page - 1) * quantity:page * quantity])

    def _account(self, request: RecordedRequest, fields: dict[str, str]) -> Reply:
        due = (datetime.now(BRASILIA) + timedelta(days=30)).strftime("%Y-%m-%d")
        connected = self.device_connected
        return _ok({"service": {"plan": "Simulador", "duedate": due, "status": "active"},
                    "auth": {"status": connected, "authenticated_at": self._authenticated_at if connected else None}})

    # --- faults -------------------------------------------------------------------------------------------------

    def inject(self, route: str, fault: str, times: int = 1, seconds: float = 2.0, status: int | None = None,
               reason: str = DEFAULT_REFUSAL) -> Fault:
        """The common faults (see :meth:`Simulator.inject`) plus ``error_4xx`` and ``down`` (module docstring)."""
        if fault in FAULTS:
            return super().inject(route, fault, times, seconds, 503 if status is None else status)
        if fault not in ZAPME_FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {', '.join(FAULTS + ZAPME_FAULTS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        status = 400 if status is None else status
        if fault == ERROR_4XX and not 400 <= status <= 499:
            raise ValueError("error_4xx needs a 4xx status")
        if fault == ERROR_4XX and not reason:
            raise ValueError("error_4xx needs a reason")
        queued = ZapMeFault(route, fault, times, seconds, status, reason)
        with self._lock:
            self._faults.append(queued)
        return queued

    def dispatch(self, request: RecordedRequest) -> Reply:
        path = request.path.split("?")[0]
        if path.startswith(SANDBOX_PREFIX) or self._find_route(request.method, path) is None:
            return super().dispatch(request)  # no fault applies to these
        # Faults are taken in the order they were queued, whatever their kind: take the next one here.
        fault = super()._take_fault(request)
        if isinstance(fault, ZapMeFault):
            with self._lock:
                self.requests.append(request.masked(self.mask_digit_runs))
            if fault.fault == DOWN:
                return Reply(503, None, drop=True)
            return _error(fault.status, fault.reason)
        self._handoff.fault = fault
        try:
            return super().dispatch(request)
        finally:
            self._handoff.fault = None

    def _take_fault(self, request: RecordedRequest) -> Fault | None:
        """The common fault ``dispatch`` already took for this request (this thread's), if any."""
        fault: Fault | None = getattr(self._handoff, "fault", None)
        self._handoff.fault = None
        return fault

    # --- test endpoints -----------------------------------------------------------------------------------------

    def _sandbox_route(self, request: RecordedRequest, path: str) -> Reply:
        what = path[len(SANDBOX_PREFIX):].rstrip("/")
        if (request.method, what) == ("GET", "messages"):
            phone = parse_qs(urlsplit(request.path).query).get("phone", [None])[0]
            return Reply(200, self.sent(phone))
        if (request.method, what) == ("DELETE", "messages"):
            with self._state:
                self.messages.clear()
            return Reply(204, None)
        if (request.method, what) == ("POST", "device"):
            body = request.json()
            if not isinstance(body, dict) or not isinstance(body.get("connected"), bool):
                return Reply(400, {"erro": "esperado JSON {connected: true|false}"})
            self.device_connected = body["connected"]
            if self.device_connected:
                self._authenticated_at = _now()
            return Reply(200, {"connected": self.device_connected})
        if (request.method, what) == ("POST", "faults"):
            return self._fault_from(request)
        return super()._sandbox_route(request, path)

    def _fault_from(self, request: RecordedRequest) -> Reply:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("route"), str):
            return Reply(400, {"erro": "esperado JSON {route, fault, times?, seconds?, status?, reason?}"})
        try:
            status = body.get("status")
            fault = self.inject(body["route"], str(body.get("fault")), int(body.get("times", 1)),
                                float(body.get("seconds", 2.0)), None if status is None else int(status),
                                str(body.get("reason") or DEFAULT_REFUSAL))
        except (TypeError, ValueError) as exc:
            return Reply(400, {"erro": str(exc)})
        return Reply(201, fault.as_dict())


def _positive(value: str | None, default: int) -> int:
    return int(value) if value is not None and value.isdigit() and int(value) > 0 else default

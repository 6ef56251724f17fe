"""ZapMe API v2 client (ZapMe's API documentation and its PHP SDK): send a WhatsApp text, look a message
up, read the account. The WhatsApp channel (``chalicelib.notify.whatsapp``) sends through it; answers
are the channels' :class:`~chalicelib.notify.channels.SendResult`.

Every call carries the ``api`` and ``secret`` credentials: as form fields on a POST, in the query string on
a GET (ZapMe has no header auth). Answers are classified, never raised:

- ``SENT``: ZapMe took the message (``queue``, ``message_sent`` or a status we do not know);
- ``PERMANENT``: do not send it again: a 4xx (bad credentials, invalid number, bad data), a refusal in a
  2xx envelope, a redirect, or a status saying the number cannot get it (``missing_number``,
  ``blocked_number``);
- ``TEMPORARY``: send it later: timeout, connection error, 408, 429, 5xx, an unreadable answer, or a
  status saying ZapMe's WhatsApp session is down (``no_device_connection``, ``qrcode_expired``).

Where the reference is silent, the choices are ours ([I]):

- Success is any 2xx whose envelope ``result`` is ``success`` (the README) or ``created`` (the SDK's
  test), or that has no ``result`` but ``status: true``; ``data`` may be a message object (``id``,
  ``status``) or the bare status string the README shows (then there is no id to look up).
- A 2xx whose ``result`` is anything else is a refusal, reported with ``result`` as the reason, as the
  WHMCS module does. Its 4xx codes are undocumented, so ``result`` is shown, not interpreted.
- Message statuses are the v1 ``messagestatus`` words, which the v2 message object shows too. A
  session problem (``no_device_connection``, ``qrcode_expired``) is temporary: the provider reconnects
  the device and the message can go then.
- A redirect is not followed (it would carry the secret elsewhere) and counts as permanent: a wrong
  base URL is not fixed by waiting.
- ZapMe takes no idempotency key, so a timeout or dropped answer after the request left may hide a message
  that was created: retrying it may send it twice. The design prefers a duplicate notice to a lost one.
- ``/status`` is called with POST (as the SDK does) so the secret stays out of URLs.

Nothing here logs the secret, the phone, the text, a URL (a GET's URL holds the secret) or an exception's
text (requests quotes the URL in it); ``raw`` has every occurrence of the secret replaced by ``***``.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests

from chalicelib.notify.channels import AccountStatus, Delivery, SendResult

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0  # ZapMe's own PHP SDK waits 5 s
MASK = "***"
RAW_TEXT_LIMIT = 500  # of a body that is not JSON (a proxy's page): enough to tell what answered
RESULT_LIMIT = 80  # of ZapMe's ``result`` code when quoted in a reason or a log line


# ``result`` values of a successful envelope (the README says ``success``, the SDK's test ``created``: accept both).
OK_RESULTS = frozenset({"success", "created"})
# HTTP statuses that say "not now" rather than "no".
TEMPORARY_HTTP = frozenset({408, 429})

# ZapMe's message statuses (v1's ``messagestatus``; ``message_queued`` is v1's answer to a send).
STATUSES: dict[str, tuple[Delivery, str]] = {
    "queue": (Delivery.SENT, "Mensagem na fila de envio da ZapMe."),
    "message_queued": (Delivery.SENT, "Mensagem na fila de envio da ZapMe."),
    "message_sent": (Delivery.SENT, "Mensagem enviada."),
    "missing_number": (Delivery.PERMANENT, "O número não existe no WhatsApp."),
    "blocked_number": (Delivery.PERMANENT, "O número está bloqueado para mensagens no WhatsApp."),
    "no_device_connection": (Delivery.TEMPORARY,
                             "O WhatsApp conectado à ZapMe está sem conexão; a mensagem será enviada mais tarde."),
    "qrcode_expired": (Delivery.TEMPORARY,
                       "A sessão do WhatsApp na ZapMe expirou (QR Code): reconecte o aparelho no painel da ZapMe."),
}
ACCEPTED_UNKNOWN_STATUS = "A ZapMe aceitou a mensagem."
CREDENTIALS_REFUSED = "A ZapMe recusou as credenciais (api/secret); confira a configuração da ZapMe."
REDIRECTED = "A ZapMe redirecionou a chamada; confira o endereço configurado da API da ZapMe."
UNREADABLE = "A ZapMe respondeu algo ilegível; nova tentativa mais tarde."
CONNECT_TIMED_OUT = "A ZapMe não aceitou a conexão a tempo; nova tentativa mais tarde."
READ_TIMED_OUT = "A ZapMe não respondeu a tempo; nova tentativa mais tarde."
NO_CONNECTION = "Sem conexão com a ZapMe; nova tentativa mais tarde."
NETWORK_FAILURE = "Falha de comunicação com a ZapMe; nova tentativa mais tarde."
SUBJECTS = {"send": "o envio", "status": "a consulta da mensagem", "account": "a consulta da conta"}


class ZapMeClient:
    """One ZapMe account. Thread-safe: one session, created on first use, shared by every call."""

    def __init__(self, base_url: str, api: str, secret: str, *, connect_timeout: float = CONNECT_TIMEOUT,
                 read_timeout: float = READ_TIMEOUT,
                 session_factory: Callable[[], requests.Session] = requests.Session) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("ZapMe base URL must start with http:// or https://")
        if not api or not secret:
            raise ValueError("ZapMe needs both the api key and the secret")
        self._base = base_url.rstrip("/")
        self._api = api
        self._secret = secret
        self._timeout = (connect_timeout, read_timeout)
        # A session that retries POSTs would re-send a message whose answer was lost: pass one without retries.
        self._session_factory = session_factory
        self._session: requests.Session | None = None
        self._session_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ZapMeClient({self._base!r}, api={self._api!r}, secret={MASK!r})"

    def send(self, phone: str, text: str) -> SendResult:
        """``POST /messages/create``: ``text`` to ``phone`` (``55DDNNNNNNNNN``; normalising is the caller's job)."""
        form = {"api": self._api, "secret": self._secret, "phone": phone, "message": text}
        answer = self._exchange("send", lambda http: http.post(
            f"{self._base}/messages/create", data=form, timeout=self._timeout, allow_redirects=False))
        if isinstance(answer, SendResult):
            return answer
        result = self._classify(answer, "send", None)
        if result.accepted:
            logger.info("zapme send: message %s %s", result.message_id, result.status or "-")
        return result

    def status(self, message_id: str) -> SendResult:
        """The message as ZapMe sees it now (``GET /messages/{id}``), classified as :meth:`send` is.

        A failed lookup is TEMPORARY (ask again later); an id ZapMe does not know is PERMANENT. An empty id
        is the caller's bug (it would read the message list) and raises ``ValueError``.
        """
        if not message_id.strip():
            raise ValueError("message_id is required")
        url = f"{self._base}/messages/{quote(message_id.strip(), safe='')}"
        params = {"api": self._api, "secret": self._secret}
        answer = self._exchange("status", lambda http: http.get(
            url, params=params, timeout=self._timeout, allow_redirects=False))
        if isinstance(answer, SendResult):
            return SendResult(answer.classification, answer.reason, message_id, "", answer.raw, None)
        return self._classify(answer, "status", message_id)

    def account(self) -> AccountStatus:
        """``/status``: the plan (``service``: ``plan``, ``duedate``, ``status``) and the WhatsApp device session
        (``auth``: ``status``, ``authenticated_at``)."""
        form = {"api": self._api, "secret": self._secret}
        answer = self._exchange("account", lambda http: http.post(
            f"{self._base}/status", data=form, timeout=self._timeout, allow_redirects=False))
        if isinstance(answer, SendResult):
            return AccountStatus(False, answer.reason, raw=answer.raw)
        raw, envelope = self._read(answer)
        data = raw.get("data")
        answered = 200 <= answer.status_code < 300 and envelope and _ok_envelope(raw)
        if not answered or not isinstance(data, dict):
            reason = UNREADABLE if answered else _failure(answer.status_code, raw, envelope, "account")
            return AccountStatus(False, reason, raw=raw, http_status=answer.status_code)
        service = _dict(data.get("service"))
        auth = _dict(data.get("auth"))
        connected = auth.get("status") if isinstance(auth.get("status"), bool) else None
        reason = {True: "Conta ZapMe ativa; WhatsApp conectado.",
                  False: "O WhatsApp da ZapMe está desconectado: reconecte o aparelho no painel da ZapMe.",
                  None: "Conta ZapMe consultada."}[connected]
        return AccountStatus(True, reason, service_status=_text(service.get("status")), plan=_text(service.get("plan")),
                             due_date=_text(service.get("duedate")), device_connected=connected,
                             authenticated_at=_text(auth.get("authenticated_at")), raw=raw,
                             http_status=answer.status_code)

    # --- transport ----------------------------------------------------------------------------------------------

    def _http(self) -> requests.Session:
        with self._session_lock:
            if self._session is None:
                self._session = self._session_factory()
            return self._session

    def _exchange(self, action: str, call: Callable[[requests.Session], requests.Response]
                  ) -> requests.Response | SendResult:
        """The answer, or a TEMPORARY result when none came (never the exception: its text holds the URL)."""
        try:
            return call(self._http())
        except requests.RequestException as exc:
            logger.warning("zapme %s: no answer (%s)", action, type(exc).__name__)
            return SendResult(Delivery.TEMPORARY, _network_reason(exc), raw={"error": type(exc).__name__})

    # --- answers ------------------------------------------------------------------------------------------------

    def _read(self, answer: requests.Response) -> tuple[dict[str, Any], bool]:
        """ZapMe's answer with the secret masked, and whether it was a JSON object (an envelope)."""
        try:
            body: Any = answer.json()
        except ValueError:
            text = answer.text[:RAW_TEXT_LIMIT]
            raw: dict[str, Any] = {"body": text} if text else {}
            envelope = False
        else:
            envelope = isinstance(body, dict)
            raw = body if isinstance(body, dict) else {"body": body}
        masked = _mask(raw, self._secret)
        return (masked if isinstance(masked, dict) else {}), envelope

    def _classify(self, answer: requests.Response, action: str, asked_id: str | None) -> SendResult:
        code = answer.status_code
        raw, envelope = self._read(answer)
        if 200 <= code < 300 and envelope and _ok_envelope(raw):
            return _message(raw, code, asked_id)
        delivery = Delivery.TEMPORARY if _temporary(code, envelope) else Delivery.PERMANENT
        return SendResult(delivery, _failure(code, raw, envelope, action, asked_id), asked_id, raw=raw,
                          http_status=code)


def _failure(code: int, raw: dict[str, Any], envelope: bool, action: str, asked_id: str | None = None) -> str:
    """Why an answer is not a success, in Portuguese (and one log line, without the body)."""
    result_code = _text(raw.get("result"))[:RESULT_LIMIT] if envelope else ""
    logger.warning("zapme %s: HTTP %s %s", action, code, result_code or "-")
    if code >= 500 or code in TEMPORARY_HTTP:
        return f"A ZapMe está indisponível (HTTP {code}); nova tentativa mais tarde."
    if 200 <= code < 300 and not envelope:
        return UNREADABLE
    if 300 <= code < 400:
        return REDIRECTED
    if code in (401, 403):
        return CREDENTIALS_REFUSED
    if code == 404 and asked_id is not None:
        return f"A ZapMe não encontrou a mensagem {asked_id}."
    if 200 <= code < 500:
        detail = f"HTTP {code}: {result_code}" if result_code else f"HTTP {code}"
        return f"A ZapMe recusou {SUBJECTS.get(action, 'a chamada')} ({detail})."
    return UNREADABLE


def _temporary(code: int, envelope: bool) -> bool:
    """5xx, 408 and 429 say "not now"; so does a 2xx we cannot read (it may be a proxy's page)."""
    return code >= 500 or code in TEMPORARY_HTTP or (200 <= code < 300 and not envelope)


def _message(raw: dict[str, Any], code: int, asked_id: str | None) -> SendResult:
    """A successful envelope ``{status, result, date, data}``: ``data`` is a message object or its status."""
    data = raw.get("data")
    message = _dict(data)
    status = _text(message.get("status")) if message else _text(data)
    found_id = message.get("id")
    message_id = str(found_id) if isinstance(found_id, (int, str)) and str(found_id) else asked_id
    delivery, reason = STATUSES.get(status.lower(), (Delivery.SENT, ACCEPTED_UNKNOWN_STATUS))
    return SendResult(delivery, reason, message_id, status, raw, code)


def _ok_envelope(raw: dict[str, Any]) -> bool:
    result = _text(raw.get("result")).lower()
    return result in OK_RESULTS or (not result and raw.get("status") is True)


def _network_reason(exc: requests.RequestException) -> str:
    # ConnectTimeout is both a Timeout and a ConnectionError: test it first.
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return CONNECT_TIMED_OUT
    if isinstance(exc, requests.exceptions.Timeout):
        return READ_TIMED_OUT
    if isinstance(exc, requests.exceptions.ConnectionError):
        return NO_CONNECTION
    return NETWORK_FAILURE


def _mask(value: Any, secret: str) -> Any:
    """``value`` with the secret replaced wherever it appears (an answer may echo the request)."""
    if isinstance(value, str):
        return value.replace(secret, MASK)
    if isinstance(value, dict):
        return {_mask(key, secret): MASK if key == "secret" else _mask(item, secret) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item, secret) for item in value]
    return value


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""

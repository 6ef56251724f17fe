"""ZapMeClient: how each ZapMe answer (or its absence) is classified, what goes on the wire, and that the
secret stays out of results and logs. The transport is a scripted ``requests`` adapter: the client and
``requests`` run for real, only the socket is replaced."""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.models import PreparedRequest, Response
from requests.structures import CaseInsensitiveDict

from chalicelib.notify.zapme import (
    CONNECT_TIMED_OUT,
    CREDENTIALS_REFUSED,
    NETWORK_FAILURE,
    NO_CONNECTION,
    READ_TIMED_OUT,
    REDIRECTED,
    UNREADABLE,
    Delivery,
    SendResult,
    ZapMeClient,
)

BASE = "https://api.zapme.test"
API = "chave-api-123"
SECRET = "segredo-muito-secreto-987"
PHONE = "5511987654321"

Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]] | Exception


class ScriptedTransport(BaseAdapter):
    """Answers each request with the next scripted answer: ``(status, body[, headers])`` or an exception."""

    def __init__(self, *answers: Answer) -> None:
        super().__init__()
        self.answers = list(answers)
        self.requests: list[PreparedRequest] = []
        self.timeouts: list[Any] = []

    def send(self, request: PreparedRequest, stream: bool = False,
             timeout: float | tuple[float, float] | tuple[float, None] | None = None, verify: bool | str = True,
             cert: Any = None, proxies: Mapping[str, str] | None = None) -> Response:
        self.requests.append(request)
        self.timeouts.append(timeout)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, *rest = answer
        response = Response()
        response.status_code = status
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        response.headers = CaseInsensitiveDict(rest[0] if rest else {"Content-Type": "application/json"})
        response.encoding = "utf-8"
        response.request = request
        response.url = str(request.url)
        return response

    def close(self) -> None:
        pass

    def form(self, index: int = -1) -> dict[str, str]:
        body = self.requests[index].body
        text = body.decode() if isinstance(body, bytes) else str(body or "")
        return {key: values[0] for key, values in parse_qs(text).items()}

    def query(self, index: int = -1) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(urlsplit(str(self.requests[index].url)).query).items()}


def client_for(transport: ScriptedTransport, **options: Any) -> ZapMeClient:
    def session() -> requests.Session:
        http = requests.Session()
        http.mount("https://", transport)
        http.mount("http://", transport)
        return http

    return ZapMeClient(BASE, API, SECRET, session_factory=session, **options)


def envelope(data: Any, result: str = "created") -> dict[str, Any]:
    return {"status": True, "result": result, "date": "2026-12-10 10:00:00", "data": data}


def message(status: str = "message_sent", message_id: int = 42) -> dict[str, Any]:
    return {"id": message_id, "hash": "ab12", "message": "Olá", "phone": PHONE, "type": "api", "status": status,
            "created_at": "2026-12-10 10:00:00", "updated_at": "2026-12-10 10:00:00"}


def refusal(result: str) -> dict[str, Any]:
    return {"status": False, "result": result, "date": "2026-12-10 10:00:00"}


# --- sends that ZapMe took -------------------------------------------------------------------------------------


def test_send_posts_form_fields_and_a_created_message_is_sent() -> None:
    transport = ScriptedTransport((201, envelope(message())))

    result = client_for(transport, connect_timeout=1.5, read_timeout=4.0).send(PHONE, "Sua OS foi agendada.")

    assert (result.classification, result.accepted) == (Delivery.SENT, True)
    assert (result.message_id, result.status, result.http_status) == ("42", "message_sent", 201)
    assert result.raw == envelope(message())
    assert result.reason == "Mensagem enviada."
    sent = transport.requests[0]
    assert (sent.method, sent.url) == ("POST", f"{BASE}/messages/create")
    assert str(sent.headers["Content-Type"]) == "application/x-www-form-urlencoded"
    assert transport.form() == {"api": API, "secret": SECRET, "phone": PHONE, "message": "Sua OS foi agendada."}
    assert transport.timeouts == [(1.5, 4.0)]
    assert "secret" not in str(sent.url) and "Authorization" not in sent.headers


def test_send_accepts_the_readme_answer_whose_data_is_the_status() -> None:
    transport = ScriptedTransport((200, envelope("message_sent", result="success")))

    result = client_for(transport).send(PHONE, "Pagamento aprovado.")

    assert (result.classification, result.message_id, result.status) == (Delivery.SENT, None, "message_sent")


@pytest.mark.parametrize(("status", "classification", "reason_part"), [
    ("queue", Delivery.SENT, "fila"),
    ("message_sent", Delivery.SENT, "enviada"),
    ("missing_number", Delivery.PERMANENT, "não existe no WhatsApp"),
    ("blocked_number", Delivery.PERMANENT, "bloqueado"),
    ("no_device_connection", Delivery.TEMPORARY, "sem conexão"),
    ("qrcode_expired", Delivery.TEMPORARY, "QR Code"),
    ("something_new", Delivery.SENT, "aceitou"),
])
def test_message_status_decides_the_classification(status: str, classification: Delivery,
                                                   reason_part: str) -> None:
    result = client_for(ScriptedTransport((201, envelope(message(status))))).send(PHONE, "Oi")

    assert (result.classification, result.status, result.message_id) == (classification, status, "42")
    assert result.accepted is (classification is Delivery.SENT)
    assert reason_part in result.reason


# --- answers that are not a success ------------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "classification", "reason_part"), [
    ((400, refusal("invalid_phone")), Delivery.PERMANENT, "A ZapMe recusou o envio (HTTP 400: invalid_phone)."),
    ((422, refusal("invalid_message")), Delivery.PERMANENT, "(HTTP 422: invalid_message)"),
    ((401, refusal("invalid_credentials")), Delivery.PERMANENT, CREDENTIALS_REFUSED),
    ((403, b"Forbidden", {"Content-Type": "text/plain"}), Delivery.PERMANENT, CREDENTIALS_REFUSED),
    ((404, b"<html>not found</html>", {"Content-Type": "text/html"}), Delivery.PERMANENT, "(HTTP 404)"),
    ((200, refusal("insufficient_credits")), Delivery.PERMANENT, "(HTTP 200: insufficient_credits)"),
    ((408, b""), Delivery.TEMPORARY, "indisponível (HTTP 408)"),
    ((429, refusal("too_many_requests")), Delivery.TEMPORARY, "indisponível (HTTP 429)"),
    ((500, refusal("internal_error")), Delivery.TEMPORARY, "indisponível (HTTP 500)"),
    ((502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}), Delivery.TEMPORARY, "(HTTP 502)"),
    ((503, b""), Delivery.TEMPORARY, "indisponível (HTTP 503)"),
    ((200, b"<html>proxy</html>", {"Content-Type": "text/html"}), Delivery.TEMPORARY, UNREADABLE),
    ((200, ["not", "an", "envelope"]), Delivery.TEMPORARY, UNREADABLE),
])
def test_http_answers_are_classified(answer: Answer, classification: Delivery, reason_part: str) -> None:
    result = client_for(ScriptedTransport(answer)).send(PHONE, "Oi")

    assert isinstance(answer, tuple)
    assert (result.classification, result.accepted, result.http_status) == (classification, False, answer[0])
    assert reason_part in result.reason
    assert result.message_id is None
    json.dumps(result.as_dict())  # storable as it is


def test_a_refusal_keeps_zapme_result_in_raw() -> None:
    result = client_for(ScriptedTransport((400, refusal("invalid_phone")))).send("123", "Oi")

    assert result.raw == refusal("invalid_phone")
    assert result.as_dict()["classification"] == "falha_permanente"


def test_a_redirect_is_not_followed_and_is_permanent() -> None:
    transport = ScriptedTransport((302, b"", {"Location": "https://elsewhere.test/steal"}))

    result = client_for(transport).send(PHONE, "Oi")

    assert (result.classification, result.reason, result.http_status) == (Delivery.PERMANENT, REDIRECTED, 302)
    assert len(transport.requests) == 1  # the form with the secret never went to the Location


@pytest.mark.parametrize(("error", "reason"), [
    (requests.exceptions.ConnectTimeout("connect timed out"), CONNECT_TIMED_OUT),
    (requests.exceptions.ReadTimeout("read timed out"), READ_TIMED_OUT),
    (requests.exceptions.ConnectionError("connection refused"), NO_CONNECTION),
    (requests.exceptions.ChunkedEncodingError("answer cut"), NETWORK_FAILURE),
])
def test_no_answer_is_temporary_and_never_raises(error: Exception, reason: str) -> None:
    result = client_for(ScriptedTransport(error)).send(PHONE, "Oi")

    assert (result.classification, result.accepted, result.reason) == (Delivery.TEMPORARY, False, reason)
    assert (result.http_status, result.message_id, result.status) == (None, None, "")
    assert result.raw == {"error": type(error).__name__}


# --- the secret -------------------------------------------------------------------------------------------------


def test_the_secret_stays_out_of_results_logs_and_repr(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    echoed = {"status": False, "result": f"bad secret {SECRET}",
              "request": {"api": API, "secret": SECRET, "note": [f"secret={SECRET}"]}}
    url_in_error = f"HTTPSConnectionPool: Max retries exceeded with url: /messages/7?api={API}&secret={SECRET}"
    client = client_for(ScriptedTransport((400, echoed), (200, b"secret=" + SECRET.encode()),
                                          requests.exceptions.ConnectionError(url_in_error)))

    results = [client.send(PHONE, "Oi"), client.send(PHONE, "Oi"), client.status("7")]

    assert [r.classification for r in results] == [Delivery.PERMANENT, Delivery.TEMPORARY, Delivery.TEMPORARY]
    for result in results:
        assert SECRET not in json.dumps(result.as_dict())
    assert results[0].raw["request"]["secret"] == "***"
    assert results[1].raw == {"body": "secret=***"}
    assert SECRET not in caplog.text and PHONE not in caplog.text
    assert "zapme status: no answer (ConnectionError)" in caplog.text
    assert SECRET not in repr(client)


# --- status lookups ---------------------------------------------------------------------------------------------


def test_status_reads_the_message_with_credentials_in_the_query_string() -> None:
    transport = ScriptedTransport((200, envelope(message("blocked_number", 7), result="success")))

    result = client_for(transport).status("7")

    assert (result.classification, result.message_id, result.status) == (Delivery.PERMANENT, "7", "blocked_number")
    sent = transport.requests[0]
    assert (sent.method, urlsplit(str(sent.url)).path) == ("GET", "/messages/7")
    assert transport.query() == {"api": API, "secret": SECRET}
    assert sent.body is None


def test_status_of_an_unknown_message_is_permanent_and_a_failed_lookup_temporary() -> None:
    client = client_for(ScriptedTransport((404, refusal("message_not_found")), requests.exceptions.ReadTimeout()))

    unknown = client.status("99")
    failed = client.status("99")

    assert (unknown.classification, unknown.message_id) == (Delivery.PERMANENT, "99")
    assert unknown.reason == "A ZapMe não encontrou a mensagem 99."
    assert (failed.classification, failed.message_id, failed.reason) == (Delivery.TEMPORARY, "99", READ_TIMED_OUT)


def test_status_quotes_the_id_and_refuses_an_empty_one() -> None:
    transport = ScriptedTransport((200, envelope(message(), result="success")))
    client = client_for(transport)

    client.status("a/../b?x")
    with pytest.raises(ValueError, match="message_id"):
        client.status("  ")

    assert urlsplit(str(transport.requests[0].url)).path == "/messages/a%2F..%2Fb%3Fx"
    assert len(transport.requests) == 1


# --- account ----------------------------------------------------------------------------------------------------


def test_account_reads_plan_and_device_session() -> None:
    data = {"service": {"plan": "Pro", "duedate": "2027-01-10", "status": "active"},
            "auth": {"status": False, "authenticated_at": None}}
    transport = ScriptedTransport((200, envelope(data, result="success")), (401, refusal("invalid_credentials")))
    client = client_for(transport)

    account = client.account()
    refused = client.account()

    assert (account.ok, account.plan, account.due_date, account.service_status) == (True, "Pro", "2027-01-10",
                                                                                    "active")
    assert account.device_connected is False and "desconectado" in account.reason
    assert account.authenticated_at == ""  # null while disconnected
    assert (transport.requests[0].method, urlsplit(str(transport.requests[0].url)).path) == ("POST", "/status")
    assert transport.form(0) == {"api": API, "secret": SECRET}
    assert (refused.ok, refused.reason, refused.http_status) == (False, CREDENTIALS_REFUSED, 401)


# --- construction -----------------------------------------------------------------------------------------------


def test_the_session_is_made_on_first_use_and_reused() -> None:
    made: list[requests.Session] = []
    transport = ScriptedTransport((201, envelope(message())), (201, envelope(message(message_id=43))))

    def factory() -> requests.Session:
        http = requests.Session()
        http.mount("https://", transport)
        made.append(http)
        return http

    client = ZapMeClient(BASE + "/", API, SECRET, session_factory=factory)
    assert made == []

    ids = [client.send(PHONE, "Oi").message_id, client.send(PHONE, "Oi").message_id]

    assert ids == ["42", "43"] and len(made) == 1
    assert transport.requests[0].url == f"{BASE}/messages/create"  # the trailing slash of the base URL is dropped


@pytest.mark.parametrize(("base_url", "api", "secret"), [
    ("api.zapme.com.br", API, SECRET), ("ftp://api.zapme.com.br", API, SECRET), (BASE, "", SECRET), (BASE, API, ""),
])
def test_bad_configuration_fails_at_construction(base_url: str, api: str, secret: str) -> None:
    with pytest.raises(ValueError):
        ZapMeClient(base_url, api, secret)


def test_accepted_follows_the_classification() -> None:
    assert SendResult(Delivery.SENT, "ok").accepted is True
    assert SendResult(Delivery.TEMPORARY, "depois").as_dict()["accepted"] is False

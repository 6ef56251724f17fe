"""ZapMeClient against the ZapMe simulator over real HTTP on loopback: sends and their classification,
status lookups, the account, the message log, and the faults (4xx, 5xx, slow, down)."""
from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from chalicelib.notify.zapme import CREDENTIALS_REFUSED, NO_CONNECTION, READ_TIMED_OUT, Delivery, ZapMeClient
from sandbox.simulators.zapme import ZapMeSimulator, plausible_mobile

PHONE = "5511987654321"
TIMEOUT = 5


@pytest.fixture
def zapme() -> Iterator[ZapMeSimulator]:
    simulator = ZapMeSimulator()
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def client(zapme: ZapMeSimulator) -> ZapMeClient:
    return client_for(zapme)


def client_for(simulator: ZapMeSimulator, secret: str | None = None, **options: Any) -> ZapMeClient:
    return ZapMeClient(simulator.url, simulator.api, secret or simulator.secret, **options)


def messages(simulator: ZapMeSimulator, phone: str | None = None) -> list[dict[str, Any]]:
    """The simulator's message log, read as any test client would."""
    reply = requests.get(f"{simulator.url}/__sandbox/messages", params={"phone": phone} if phone else None,
                         timeout=TIMEOUT)
    reply.raise_for_status()
    return list(reply.json())


def inject(simulator: ZapMeSimulator, **fault: Any) -> dict[str, Any]:
    reply = requests.post(f"{simulator.url}/__sandbox/faults", json=fault, timeout=TIMEOUT)
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def send_form(simulator: ZapMeSimulator, **fields: str) -> requests.Response:
    form = {"api": simulator.api, "secret": simulator.secret, "phone": PHONE, "message": "Oi", **fields}
    return requests.post(f"{simulator.url}/messages/create", data=form, timeout=TIMEOUT)


# --- sends ------------------------------------------------------------------------------------------------------


def test_send_is_accepted_logged_and_looked_up(zapme: ZapMeSimulator, client: ZapMeClient) -> None:
    result = client.send(PHONE, "Olá, Maria! Sua OS foi agendada para 12/12 às 08:00.")

    assert (result.classification, result.accepted, result.status, result.http_status) == \
        (Delivery.SENT, True, "message_sent", 201)
    assert result.message_id == "1" and result.raw["result"] == "created"
    logged = messages(zapme)
    assert [(m["id"], m["phone"], m["status"], m["type"]) for m in logged] == [(1, PHONE, "message_sent", "api")]
    assert logged[0]["message"] == "Olá, Maria! Sua OS foi agendada para 12/12 às 08:00."
    assert logged[0] == result.raw["data"]
    wire = requests.get(f"{zapme.url}/__sandbox/requests", timeout=TIMEOUT).json()[0]
    assert wire["path"] == "/messages/create"
    assert "application/x-www-form-urlencoded" in wire["headers"]["Content-Type"]

    looked_up = client.status(result.message_id)
    assert (looked_up.classification, looked_up.message_id, looked_up.status) == (Delivery.SENT, "1", "message_sent")
    assert looked_up.raw["data"] == logged[0]


def test_wrong_credentials_are_permanent_and_nothing_is_sent(zapme: ZapMeSimulator) -> None:
    result = client_for(zapme, secret="outro-segredo").send(PHONE, "Oi")
    missing = requests.post(f"{zapme.url}/messages/create", data={"phone": PHONE, "message": "Oi"}, timeout=TIMEOUT)
    as_json = requests.post(f"{zapme.url}/messages/create", timeout=TIMEOUT,
                            json={"api": zapme.api, "secret": zapme.secret, "phone": PHONE, "message": "Oi"})

    assert (result.classification, result.reason, result.http_status) == (Delivery.PERMANENT, CREDENTIALS_REFUSED, 401)
    assert result.raw["result"] == "invalid_credentials" and result.raw["status"] is False
    assert (missing.status_code, missing.json()["result"]) == (401, "missing_credentials")
    assert (as_json.status_code, as_json.json()["result"]) == (401, "missing_credentials")  # form fields only
    assert client_for(zapme, secret="outro-segredo").account().ok is False
    assert messages(zapme) == []


@pytest.mark.parametrize("phone", ["11987654321", "5511887654321", "5520987654321", "55 11 98765-4321",
                                   "551198765432", "55119876543210", "551198765432a", ""])
def test_an_invalid_number_is_permanent(zapme: ZapMeSimulator, client: ZapMeClient, phone: str) -> None:
    result = client.send(phone, "Oi")

    assert (result.classification, result.http_status) == (Delivery.PERMANENT, 400)
    assert result.reason == "A ZapMe recusou o envio (HTTP 400: invalid_phone)."
    assert not plausible_mobile(phone)
    assert messages(zapme) == []


@pytest.mark.parametrize(("phone", "status", "reason_part"), [
    ("5511987650000", "missing_number", "não existe"),
    ("5521987659999", "blocked_number", "bloqueado"),
])
def test_a_number_that_cannot_receive_is_permanent(zapme: ZapMeSimulator, client: ZapMeClient, phone: str,
                                                   status: str, reason_part: str) -> None:
    result = client.send(phone, "Oi")

    assert (result.classification, result.status, result.accepted) == (Delivery.PERMANENT, status, False)
    assert reason_part in result.reason
    assert client.status(str(result.message_id)).status == status
    assert [m["status"] for m in messages(zapme, phone)] == [status]


@pytest.mark.parametrize("text", ["", "   \n", "x" * 65_537])
def test_a_blank_or_huge_text_is_permanent(zapme: ZapMeSimulator, client: ZapMeClient, text: str) -> None:
    result = client.send(PHONE, text)

    assert (result.classification, result.raw["result"]) == (Delivery.PERMANENT, "invalid_message")
    assert messages(zapme) == []


def test_an_attachment_is_checked_and_only_its_extension_kept(zapme: ZapMeSimulator) -> None:
    pdf = base64.b64encode(b"%PDF-1.4 boleto").decode()

    attached = send_form(zapme, file_content=pdf, file_extension="pdf")
    not_base64 = send_form(zapme, file_content="não é base64!", file_extension="pdf")
    bad_extension = send_form(zapme, file_content=pdf, file_extension="exe")

    assert attached.status_code == 201 and attached.json()["data"]["file_extension"] == "pdf"
    assert (not_base64.status_code, not_base64.json()["result"]) == (400, "invalid_file")
    assert (bad_extension.status_code, bad_extension.json()["result"]) == (400, "invalid_file")
    assert [m.get("file_extension") for m in messages(zapme)] == ["pdf"]
    assert pdf not in str(messages(zapme))


# --- status and account -----------------------------------------------------------------------------------------


def test_status_of_an_unknown_message_is_permanent(client: ZapMeClient) -> None:
    result = client.status("999")

    assert (result.classification, result.http_status, result.raw["result"]) == \
        (Delivery.PERMANENT, 404, "message_not_found")
    assert result.reason == "A ZapMe não encontrou a mensagem 999."


def test_a_disconnected_device_makes_sends_temporary(zapme: ZapMeSimulator, client: ZapMeClient) -> None:
    assert client.account().device_connected is True
    disconnect = requests.post(f"{zapme.url}/__sandbox/device", json={"connected": False}, timeout=TIMEOUT)
    assert disconnect.status_code == 200

    account = client.account()
    result = client.send(PHONE, "Oi")

    assert (account.ok, account.device_connected, account.service_status) == (True, False, "active")
    assert (result.classification, result.status) == (Delivery.TEMPORARY, "no_device_connection")
    requests.post(f"{zapme.url}/__sandbox/device", json={"connected": True}, timeout=TIMEOUT).raise_for_status()
    assert client.send(PHONE, "Oi").classification is Delivery.SENT
    assert [m["status"] for m in messages(zapme)] == ["no_device_connection", "message_sent"]


def test_account_answers_get_and_post(zapme: ZapMeSimulator, client: ZapMeClient) -> None:
    account = client.account()
    by_get = requests.get(f"{zapme.url}/status", params={"api": zapme.api, "secret": zapme.secret}, timeout=TIMEOUT)

    assert (account.ok, account.plan, account.http_status) == (True, "Simulador", 200)
    assert account.due_date and account.raw["data"]["auth"]["authenticated_at"] == account.authenticated_at != ""
    assert by_get.status_code == 200 and by_get.json()["data"] == account.raw["data"]


# --- message log ------------------------------------------------------------------------------------------------


def test_message_log_filters_by_phone_and_clears(zapme: ZapMeSimulator, client: ZapMeClient) -> None:
    other = "5585991234567"
    ids = [client.send(PHONE, "um").message_id, client.send(other, "dois").message_id,
           client.send(PHONE, "três").message_id]

    assert [m["message"] for m in messages(zapme)] == ["um", "dois", "três"]
    assert [m["message"] for m in messages(zapme, PHONE)] == ["um", "três"]
    assert [str(m["id"]) for m in messages(zapme)] == ids
    listed = requests.get(f"{zapme.url}/messages", timeout=TIMEOUT, params={
        "api": zapme.api, "secret": zapme.secret, "paginate": "true", "page": "1", "quantity": "2"}).json()["data"]
    assert [m["message"] for m in listed] == ["três", "dois"]  # newest first
    assert requests.delete(f"{zapme.url}/__sandbox/messages", timeout=TIMEOUT).status_code == 204
    assert messages(zapme) == [] and zapme.sent() == []
    assert client.send(PHONE, "quatro").message_id == "4"  # ids keep counting


# --- faults -----------------------------------------------------------------------------------------------------


def test_a_5xx_fault_is_temporary_and_sends_nothing(zapme: ZapMeSimulator, client: ZapMeClient) -> None:
    inject(zapme, route="POST /messages/create", fault="error_5xx", status=502)

    failed = client.send(PHONE, "Oi")

    assert (failed.classification, failed.http_status) == (Delivery.TEMPORARY, 502)
    assert failed.reason == "A ZapMe está indisponível (HTTP 502); nova tentativa mais tarde."
    assert failed.raw["result"] == "internal_error"
    assert messages(zapme) == []
    assert client.send(PHONE, "Oi").classification is Delivery.SENT  # the fault is used up


def test_a_4xx_fault_carries_its_reason(zapme: ZapMeSimulator, client: ZapMeClient) -> None:
    queued = inject(zapme, route="/messages", fault="error_4xx", status=402, reason="plan_expired")
    assert requests.get(f"{zapme.url}/__sandbox/faults", timeout=TIMEOUT).json() == [queued]
    assert queued["reason"] == "plan_expired"

    refused = client.send(PHONE, "Oi")

    assert (refused.classification, refused.http_status) == (Delivery.PERMANENT, 402)
    assert refused.reason == "A ZapMe recusou o envio (HTTP 402: plan_expired)."
    assert messages(zapme) == []
    assert len(requests.get(f"{zapme.url}/__sandbox/requests", timeout=TIMEOUT).json()) == 1  # still recorded


def test_slow_beyond_the_read_timeout_is_temporary_and_the_message_lands_later(zapme: ZapMeSimulator) -> None:
    inject(zapme, route="POST /messages/create", fault="slow", seconds=0.6)

    result = client_for(zapme, read_timeout=0.2).send(PHONE, "Oi")

    assert (result.classification, result.reason, result.http_status) == (Delivery.TEMPORARY, READ_TIMED_OUT, None)
    # ZapMe takes no idempotency key: the message a timed-out client will send again may already exist.
    deadline = time.monotonic() + TIMEOUT
    while not zapme.sent() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m["status"] for m in zapme.sent()] == ["message_sent"]


def test_down_is_temporary_and_sends_nothing(zapme: ZapMeSimulator, client: ZapMeClient,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    inject(zapme, route="/messages", fault="down", times=2)

    send = client.send(PHONE, "Oi")
    lookup = client.status("1")

    for result in (send, lookup):
        assert (result.classification, result.reason, result.http_status) == (Delivery.TEMPORARY, NO_CONNECTION,
                                                                                None)
    assert messages(zapme) == []
    assert zapme.secret not in caplog.text and "zapme status: no answer (ConnectionError)" in caplog.text
    assert client.send(PHONE, "Oi").classification is Delivery.SENT


def test_a_stopped_service_refuses_connections_and_is_temporary() -> None:
    simulator = ZapMeSimulator()
    simulator.start()
    client = client_for(simulator, connect_timeout=1.0)
    simulator.stop()

    result = client.send(PHONE, "Oi")

    assert (result.classification, result.reason, result.raw) == \
        (Delivery.TEMPORARY, NO_CONNECTION, {"error": "ConnectionError"})


def test_a_dropped_answer_is_temporary_although_the_message_exists(zapme: ZapMeSimulator,
                                                                    client: ZapMeClient) -> None:
    inject(zapme, route="POST /messages/create", fault="drop_after_processing")

    result = client.send(PHONE, "Oi")

    assert (result.classification, result.reason) == (Delivery.TEMPORARY, NO_CONNECTION)
    assert [m["phone"] for m in messages(zapme)] == [PHONE]


def test_faults_are_taken_in_queue_order_whatever_their_kind(zapme: ZapMeSimulator, client: ZapMeClient) -> None:
    zapme.inject("/messages/create", "error_5xx")
    zapme.inject("/messages/create", "error_4xx", reason="first_refusal")
    zapme.inject("/messages/create", "error_5xx", status=500)

    outcomes = [(r.classification, r.http_status) for r in (client.send(PHONE, "Oi") for _ in range(4))]

    assert outcomes == [(Delivery.TEMPORARY, 503), (Delivery.PERMANENT, 400), (Delivery.TEMPORARY, 500),
                        (Delivery.SENT, 201)]


def test_faults_endpoint_refuses_bad_faults(zapme: ZapMeSimulator) -> None:
    def post(**fault: Any) -> requests.Response:
        return requests.post(f"{zapme.url}/__sandbox/faults", json=fault, timeout=TIMEOUT)

    assert post(route="/messages", fault="explode").status_code == 400
    assert post(route="/messages", fault="error_4xx", status=503).status_code == 400
    assert post(route="/messages", fault="error_5xx", status=404).status_code == 400
    assert post(fault="down").status_code == 400
    assert requests.post(f"{zapme.url}/__sandbox/device", json={"connected": "no"}, timeout=TIMEOUT).status_code \
        == 400
    assert requests.get(f"{zapme.url}/__sandbox/faults", timeout=TIMEOUT).json() == []
    with pytest.raises(ValueError, match="unknown fault"):
        zapme.inject("/messages", "explode")

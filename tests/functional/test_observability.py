"""Correlation ids and structured logs through the Chalice app: the id each
HTTP answer carries in ``X-Request-Id``, the JSON lines logged while a
request, a queue batch or the tick runs (each with its own
``correlation_id``), the id a consumed message passes on to the messages it
publishes, and the metrics published once per invocation."""
from __future__ import annotations

import io
import json
import logging
import re
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.auth.model import LOGIN_FAILURE_DELAYS, MAX_LOGIN_FAILURES
from chalicelib.container import Container
from chalicelib.observability import CORRELATION_ATTRIBUTE, configure_json_logging, remove_json_logging
from chalicelib.ports import CHARGES_APPROVED
from chalicelib.queues import CHARGES, NOTIFICATIONS, Message, queue_name
from tests.conftest import MutableClock
from tests.fakes import CountingMetrics
from tests.functional.conftest import ADMIN, CLIENT, Http
from tests.functional.test_entrypoints import hourly_event, sqs_event

GENERATED = re.compile(r"^[0-9a-f]{32}$")
CUSTOMERS = "/api/v1/integracao/cliente"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The Lambda log setup, writing to a buffer instead of stdout."""
    stream = io.StringIO()
    handler = configure_json_logging("INFO", stream)
    yield stream
    remove_json_logging(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line logged, parsed: a line that is not one JSON object fails the test here."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


class TestRequestId:
    def test_a_client_id_is_echoed(self, http: Http) -> None:
        answer = http.request("GET", "/health", headers={"X-Request-Id": "pedido-do-cliente.42"})
        assert answer.headers["X-Request-Id"] == "pedido-do-cliente.42"
        assert answer.headers["X-Correlation-Id"] == "pedido-do-cliente.42"  # the header older clients read

    def test_the_older_header_is_accepted_too(self, http: Http) -> None:
        answer = http.request("GET", "/health", headers={"X-Correlation-Id": "integracao-n8n-0001"})
        assert answer.headers["X-Request-Id"] == "integracao-n8n-0001"

    def test_a_request_without_one_gets_a_new_one_each_time(self, http: Http) -> None:
        first, second = (http.request("GET", "/health").headers["X-Request-Id"] for _ in range(2))
        assert GENERATED.match(first) and GENERATED.match(second) and first != second

    @pytest.mark.parametrize("sent", ["curto", "x" * 65, "tem espaço no meio", "quebra\r\nX-Admin: 1",
                                      '"aspas"-e-mais-texto', "ação-com-acento"])
    def test_an_unsafe_id_is_replaced(self, http: Http, sent: str) -> None:
        answer = http.request("GET", "/health", headers={"X-Request-Id": sent})
        assert GENERATED.match(answer.headers["X-Request-Id"])

    def test_answers_chalice_makes_itself_carry_it_too(self, http: Http) -> None:
        answer = http.request("DELETE", "/health", headers={"X-Request-Id": "metodo-errado-1"})
        assert answer.status_code == 405 and answer.headers["X-Request-Id"] == "metodo-errado-1"

    def test_errors_answered_by_the_endpoint_carry_it(self, http: Http) -> None:
        answer = http.request("GET", CUSTOMERS, token="token-que-nao-existe",
                              headers={"X-Request-Id": "sem-token-valido"})
        assert answer.status_code == 401 and answer.headers["X-Request-Id"] == "sem-token-valido"


def test_a_requests_log_lines_are_json_with_its_correlation_id(http: Http, stack: Container, clock: MutableClock,
                                                               json_logs: io.StringIO) -> None:
    # GIVEN a service that fails unexpectedly, and a user about to lock their login
    class Broken:
        def search(self, *args: object) -> None:
            raise RuntimeError("falha inesperada no repositório")

    http.login()
    stack.customers = Broken()  # type: ignore[assignment]
    # WHEN one request fails and another locks the login with wrong passwords
    failed = http.request("GET", f"{CUSTOMERS}?busca=cpf_cnpj&termo_busca=1",
                          headers={"X-Request-Id": "pedido-que-falha"})
    for attempt in range(MAX_LOGIN_FAILURES):
        http.request("POST", "/oauth/token", {"grant_type": "password", "client_id": CLIENT[0],
                                              "client_secret": CLIENT[1], "username": ADMIN[0],
                                              "password": "senha-errada-xyz"},
                     token="", headers={"X-Request-Id": f"login-errado-{attempt}"})
        clock.advance(seconds=max(LOGIN_FAILURE_DELAYS))  # each waits out its delay: all five are checked
    # THEN every line is JSON, of the service, carrying the id of the request that logged it
    logged = lines(json_logs)
    error = next(line for line in logged if line["message"].startswith("unexpected error"))
    assert failed.status_code == 500
    assert (error["correlation_id"], error["level"], error["service"], error["name"]) == \
        ("pedido-que-falha", "ERROR", "isp-backend", "chalicelib.web.endpoint")
    assert error["exception_name"] == "RuntimeError" and error["path"] == CUSTOMERS
    assert error["function_name"] and error["function_request_id"] and "cold_start" in error  # Lambda's keys
    locked = next(line for line in logged if line["message"] == "login locked")
    assert locked["correlation_id"] == f"login-errado-{MAX_LOGIN_FAILURES - 1}" and locked["username"] == ADMIN[0]
    assert locked["source_address"] == "127.0.0.1"
    assert "senha-errada-xyz" not in json_logs.getvalue() and CLIENT[1] not in json_logs.getvalue()


def test_each_message_of_a_batch_logs_under_its_own_id(http: Http, stack: Container,
                                                       json_logs: io.StringIO) -> None:
    # GIVEN a handler that logs and publishes, slow enough that the batch's threads overlap
    barrier = threading.Barrier(3, timeout=10)

    def handler(message: Message) -> None:
        barrier.wait()
        logging.getLogger("chalicelib.teste").info("tratando %s", message.id)
        stack.queues.publish(NOTIFICATIONS, [Message("eco", message.id, {})])

    stack.consumers[CHARGES] = {"teste": handler}
    event = sqs_event(http, *({"type": "teste", "id": f"m{i}", "payload": {}} for i in range(3)))
    records = event["Records"]
    records[0]["messageAttributes"] = {CORRELATION_ATTRIBUTE: {"stringValue": "tick-que-enfileirou",
                                                               "dataType": "String"}}
    # WHEN the batch is consumed
    http.client.lambda_.invoke("charge_consumer", event)
    # THEN each message's lines carry the producer's id, else the message's own id
    expected = {"m0": "tick-que-enfileirou", "m1": records[1]["messageId"], "m2": records[2]["messageId"]}
    logged = lines(json_logs)
    handled = {line["message"].split()[-1]: line["correlation_id"] for line in logged
               if line["message"].startswith("tratando")}
    assert handled == expected
    done = {line["message_id"]: line["correlation_id"] for line in logged if line["message"] == "mensagem tratada"}
    assert done == {r["messageId"]: expected[f"m{i}"] for i, r in enumerate(records)}
    # AND the messages they published carry it on to their consumer
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=queue_name(NOTIFICATIONS))["QueueUrl"]
    published = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    carried = {json.loads(m["Body"])["id"]: m["MessageAttributes"][CORRELATION_ATTRIBUTE]["StringValue"]
               for m in published["Messages"]}
    assert carried == expected


def test_the_ticks_lines_carry_the_scheduled_events_id(http: Http, stack: Container,
                                                       json_logs: io.StringIO) -> None:
    event = hourly_event(http, "2026-12-10T13:00:00Z")
    event["id"] = str(uuid.uuid4())
    http.client.lambda_.invoke("hourly_tick", event)
    [done] = [line for line in lines(json_logs) if line["message"] == "tick done"]
    assert done["correlation_id"] == event["id"] and done["name"] == "chalicelib.tick"


def test_metrics_are_published_once_per_invocation(http: Http, stack: Container) -> None:
    metrics = CountingMetrics()
    stack.metrics = metrics

    def approve(message: Message) -> None:
        metrics.count(CHARGES_APPROVED)

    stack.consumers[CHARGES] = {"teste": approve}
    http.request("GET", "/health")
    http.client.lambda_.invoke("charge_consumer", sqs_event(http, *({"type": "teste", "id": str(i)}
                                                                    for i in range(3))))
    http.client.lambda_.invoke("hourly_tick", hourly_event(http, "2026-12-10T13:00:00Z"))
    assert metrics.published == [{}, {CHARGES_APPROVED: 3}, {}]

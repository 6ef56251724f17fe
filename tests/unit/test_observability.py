"""Correlation ids, the log filter, the SQS attribute that carries an id to
the consumer, and the CloudWatch EMF document the Powertools adapter prints
(the alarms in infra/ match its namespace, dimension and metric names)."""
from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.observability import (
    CORRELATION_ATTRIBUTE,
    ContextFilter,
    LoggedMetrics,
    PowertoolsMetrics,
    correlated,
    correlation_id,
    message_correlation_id,
    request_correlation_id,
)
from chalicelib.ports import CHARGES_ERRORED, MESSAGES_FAILED, MESSAGES_SENT, METRIC_NAMES
from chalicelib.queues import Message, SqsPublisher

REPO = Path(__file__).resolve().parents[2]


class TestRequestCorrelationId:
    def test_the_clients_id_comes_first_then_api_gateways(self) -> None:
        both = {"x-request-id": "pedido-do-cliente", "x-correlation-id": "outro-cabecalho"}
        assert request_correlation_id(both, "c0ffee00-aaaa-bbbb-cccc-000000000001") == "pedido-do-cliente"
        assert request_correlation_id({"x-correlation-id": "outro-cabecalho"}, None) == "outro-cabecalho"
        assert request_correlation_id({"x-request-id": "ruim com espaço"},
                                      "c0ffee00-aaaa-bbbb-cccc-000000000001") == \
            "c0ffee00-aaaa-bbbb-cccc-000000000001"

    def test_without_any_a_new_one_is_made(self) -> None:
        first, second = request_correlation_id({}, None), request_correlation_id({}, "")
        assert len(first) == 32 and first != second


class TestMessageCorrelationId:
    def test_the_producers_id_wins_over_the_message_id(self) -> None:
        record = {"messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
                  "messageAttributes": {CORRELATION_ATTRIBUTE: {"stringValue": "pedido-do-cliente",
                                                                "dataType": "String"}}}
        assert message_correlation_id(record) == "pedido-do-cliente"

    def test_an_unsafe_or_missing_attribute_falls_back_to_the_message_id(self) -> None:
        bad = {"messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
               "messageAttributes": {CORRELATION_ATTRIBUTE: {"stringValue": "a\nb", "dataType": "String"}}}
        assert message_correlation_id(bad) == "059f36b4-87a3-44ab-83d2-661975830a7d"
        assert message_correlation_id({"messageId": "059f36b4-87a3-44ab-83d2-661975830a7d"}) == \
            "059f36b4-87a3-44ab-83d2-661975830a7d"


def test_each_thread_sees_only_its_own_id() -> None:
    seen: dict[str, str | None] = {}
    barrier = threading.Barrier(4, timeout=5)

    def work(cid: str) -> None:
        with correlated(cid):
            barrier.wait()  # all four ids are set at once
            seen[cid] = correlation_id()

    threads = [threading.Thread(target=work, args=(f"mensagem-{i:03d}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {f"mensagem-{i:03d}": f"mensagem-{i:03d}" for i in range(4)}
    assert correlation_id() is None


def test_the_filter_stamps_records_for_plain_text_too() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(correlation_id)s %(message)s"))
    handler.addFilter(ContextFilter(default_correlation_id="-"))
    logger = logging.getLogger("tests.observability.plain")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("fora de requisição")
        with correlated("pedido-do-cliente"):
            logger.warning("dentro")
            logger.warning("explícito", extra={"correlation_id": "outro-id-123"})
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().splitlines() == ["- fora de requisição", "pedido-do-cliente dentro",
                                              "outro-id-123 explícito"]


class FakeSqs:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def get_queue_url(self, QueueName: str) -> dict[str, str]:  # noqa: N803 - boto3's spelling
        return {"QueueUrl": f"https://sqs.test/{QueueName}"}

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.entries += Entries
        return {"Successful": [{"Id": e["Id"]} for e in Entries]}


def test_published_messages_carry_the_current_correlation_id() -> None:
    sqs = FakeSqs()
    publisher = SqsPublisher(lambda: sqs)  # type: ignore[arg-type, return-value]
    publisher.publish("notifications", [Message("a", "1", {})])
    with correlated("tick-0001-abcdef"):
        publisher.publish("notifications", [Message("a", str(i), {}) for i in range(12)])
    assert "MessageAttributes" not in sqs.entries[0]
    assert [e["MessageAttributes"] for e in sqs.entries[1:]] == \
        [{CORRELATION_ATTRIBUTE: {"DataType": "String", "StringValue": "tick-0001-abcdef"}}] * 12


# ----------------------------------------------------------------- metrics
@pytest.fixture
def lambda_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """What the stages set (.chalice/config.json)."""
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "isp-backend")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "IspBackend")
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)
    yield


def emf_documents(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_flush_prints_one_emf_document_with_the_alarms_namespace_and_dimension(
        lambda_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    metrics = PowertoolsMetrics()
    for name in (CHARGES_ERRORED, CHARGES_ERRORED, MESSAGES_SENT, MESSAGES_FAILED):
        metrics.count(name)
    metrics.flush()
    [document] = emf_documents(capsys.readouterr().out)
    [directive] = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "IspBackend" and directive["Dimensions"] == [["service"]]
    assert document["service"] == "isp-backend"
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == \
        {CHARGES_ERRORED: "Count", MESSAGES_SENT: "Count", MESSAGES_FAILED: "Count"}
    assert (document[CHARGES_ERRORED], document[MESSAGES_SENT], document[MESSAGES_FAILED]) == ([2.0], [1.0], [1.0])


def test_the_metric_names_are_the_ones_the_alarms_watch() -> None:
    assert METRIC_NAMES == ("CobrancasAprovadas", "CobrancasRecusadas", "CobrancasComErro", "MensagensEnviadas",
                            "MensagensComFalha")


def test_without_the_variables_it_still_uses_the_alarms_namespace_and_service(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_METRICS_DISABLED",
                 "POWERTOOLS_DEV"):
        monkeypatch.delenv(name, raising=False)
    metrics = PowertoolsMetrics()
    metrics.count(MESSAGES_SENT)
    metrics.flush()
    [document] = emf_documents(capsys.readouterr().out)
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "IspBackend"
    assert document["service"] == "isp-backend"


def test_a_flush_publishes_once_and_an_empty_one_prints_nothing(lambda_env: None,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    metrics = PowertoolsMetrics()
    metrics.count(MESSAGES_SENT)
    metrics.flush()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Powertools warns on an empty flush: ours never reaches it
        metrics.flush()
    assert len(emf_documents(capsys.readouterr().out)) == 1


def test_counts_from_many_threads_add_up(lambda_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    metrics = PowertoolsMetrics()
    threads = [threading.Thread(target=lambda: [metrics.count(MESSAGES_SENT) for _ in range(250)])
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    metrics.flush()
    [document] = emf_documents(capsys.readouterr().out)  # one document, not one per hundred values
    assert document[MESSAGES_SENT] == [2000.0]


def test_powertools_metrics_disabled_silences_it(lambda_env: None, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    metrics = PowertoolsMetrics()
    metrics.count(MESSAGES_SENT)
    metrics.flush()
    assert capsys.readouterr().out == ""


def test_the_local_recorder_prints_nothing(capsys: pytest.CaptureFixture[str],
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="chalicelib.observability")
    metrics = LoggedMetrics()
    metrics.count(MESSAGES_SENT)
    metrics.flush()
    assert capsys.readouterr().out == "" and "MensagensEnviadas" in caplog.text


def test_importing_the_app_loads_no_powertools() -> None:
    # Powertools imports botocore: paid on the first request (which needs botocore anyway), never on import.
    loaded = subprocess.run([sys.executable, "-c", "import sys, app; print('aws_lambda_powertools' in sys.modules)"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "False"

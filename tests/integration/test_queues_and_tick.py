from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest

from chalicelib.container import Container
from chalicelib.queues import CHARGES, Message, dispatch, queue_name
from chalicelib.tick import run_tick


def test_publisher_sends_batches_to_the_named_queue(stack: Container) -> None:
    stack.queues.publish(CHARGES, [Message("t", str(i), {}) for i in range(23)])
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=queue_name(CHARGES))["QueueUrl"]
    ids = set()
    for _ in range(10):
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            ids.add(json.loads(message["Body"])["id"])
    assert ids == {str(i) for i in range(23)}


def test_dispatch_calls_the_handler_of_the_type() -> None:
    seen: list[Message] = []
    body = json.dumps({"type": "ping", "id": "1", "payload": {"x": 1}})
    assert dispatch([(body, 2)], {"ping": seen.append}) == 1
    assert seen == [Message("ping", "1", {"x": 1}, 2)]


@pytest.mark.parametrize("body", ['{"type": "desconhecido", "id": "1"}', "não é json", '{"id": "1"}'])
def test_dispatch_refuses_what_no_handler_knows(body: str) -> None:
    with pytest.raises(Exception, match="consumidor|inválido"):
        dispatch([(body, 1)], {"ping": lambda m: None})


def test_tick_counts_runs_per_local_hour_and_runs_jobs(stack: Container) -> None:
    at = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)  # 10:00 in São Paulo
    seen: list[datetime] = []

    def job(now: datetime) -> dict[str, int]:
        seen.append(now)
        return {"enfileiradas": 0}

    first = run_tick(at, stack.settings.zone, {"teste": job}, stack.tick_runs)
    again = run_tick(at, stack.settings.zone, {"teste": job}, stack.tick_runs)
    assert first.local_hour == "2026-12-10T10"
    assert (first.runs_this_hour, again.runs_this_hour) == (1, 2)
    assert seen == [at, at]
    assert again.as_dict()["tarefas"] == {"teste": {"enfileiradas": 0}}


def test_a_failing_job_does_not_stop_the_others_but_fails_the_tick(stack: Container) -> None:
    ran: list[str] = []

    def broken(now: datetime) -> dict[str, int]:
        raise RuntimeError("falhou")

    def fine(now: datetime) -> dict[str, int]:
        ran.append("ok")
        return {}

    with pytest.raises(RuntimeError, match="quebrada"):
        run_tick(datetime(2026, 12, 10, 13, tzinfo=UTC), stack.settings.zone,
                 {"quebrada": broken, "boa": fine}, stack.tick_runs)
    assert ran == ["ok"]

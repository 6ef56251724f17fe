"""The schedule and queue entry points, invoked as Lambda would invoke them."""
from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from chalicelib.container import Container
from chalicelib.queues import CHARGES, NOTIFICATIONS, Message
from tests.functional.conftest import Http


def hourly_event(http: Http, at: str) -> dict[str, Any]:
    event = http.client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event",
                                                 detail={}, resources=[])
    event["time"] = at  # Chalice hard-codes 2015; the tick takes "now" from here
    return event


def sqs_event(http: Http, *bodies: dict[str, Any]) -> dict[str, Any]:
    event = http.client.events.generate_sqs_event([json.dumps(b) for b in bodies])
    for record in event["Records"]:
        record["messageId"] = str(uuid.uuid4())  # Chalice gives every record the same id
    return event


def test_hourly_tick_uses_the_event_time_in_the_provider_zone(http: Http, stack: Container) -> None:
    ran: list[str] = []
    stack.tick_jobs["teste"] = lambda now: ran.append(now.isoformat()) or {"ok": 1}
    answer = http.client.lambda_.invoke("hourly_tick", hourly_event(http, "2026-12-10T13:00:00Z"))
    assert answer.payload["hora_local"] == "2026-12-10T10"
    assert answer.payload["tarefas"]["teste"] == {"ok": 1}
    assert ran == ["2026-12-10T13:00:00+00:00"]


@pytest.mark.parametrize("function, queue", [("charge_consumer", CHARGES),
                                             ("notification_consumer", NOTIFICATIONS)])
def test_consumers_hand_messages_to_the_registered_handler(http: Http, stack: Container, function: str,
                                                           queue: str) -> None:
    seen: list[Message] = []
    stack.consumers[queue] = {"teste": seen.append}
    http.client.lambda_.invoke(function, sqs_event(http, {"type": "teste", "id": "1", "payload": {"a": 1}}))
    assert [(m.type, m.id, dict(m.payload)) for m in seen] == [("teste", "1", {"a": 1})]


def test_consumer_raises_on_unknown_messages_so_sqs_retries(http: Http) -> None:
    with pytest.raises(Exception, match="nenhum consumidor"):
        http.client.lambda_.invoke("charge_consumer", sqs_event(http, {"type": "x", "id": "1"}))

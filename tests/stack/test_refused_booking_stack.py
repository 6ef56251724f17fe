"""A booking refused by a full slot changes nothing downstream, and the
notifications keep flowing after it, on the running product (``python -m
sandbox serve``).

The refusal is a cancelled DynamoDB transaction. moto used to roll it back in
a way that froze the orders table's stream for the local poller (no message
for any OS opened afterwards) and left the refused OS's event readable (a
message for an OS that does not exist); see
``sandbox.aws.keep_streams_of_cancelled_transactions``.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any

import boto3
import pytest
import requests

from sandbox.simulators.zapme import ZapMeSimulator
from tests.stack.test_notifications_stack import TIMEOUT, Provider, next_weekday
from tests.support.http import BASE
from tests.support.stack import RunningStack

FIRST_PHONE, REFUSED_PHONE, LATER_PHONE = "11987650001", "11987650002", "11987650003"


@pytest.fixture(scope="module")
def provider(local_stack: RunningStack) -> Provider:
    provider = Provider(local_stack)
    provider.ok("PUT", f"{BASE}/configuracao/integracao/zapme", {
        "ativo": True, "api": ZapMeSimulator.DEFAULT_API, "secret": ZapMeSimulator.DEFAULT_SECRET})
    provider.agenda = int(provider.ok("POST", f"{BASE}/configuracao/agenda_ordem_servico", {
        "descricao": "Uma vaga por hora", "cidades": [{"cidade": "Campinas", "uf": "SP"}],
        "horarios": [{"dias_semana": ["segunda", "terca", "quarta", "quinta", "sexta"],
                      "hora_inicio": "08:00:00", "hora_termino": "18:00:00", "duracao_minutos": 60,
                      "capacidade": 1}]})["agenda_ordem_servico"]["id_agenda_ordem_servico"])
    return provider


def try_to_open(provider: Provider, service_id: int, day: date, hour: int) -> dict[str, Any]:
    """``Provider.open_order`` without asserting success."""
    answer = requests.post(f"{provider.stack.url}{BASE}/atendimento", headers=provider.headers, timeout=TIMEOUT,
                           json={"id_cliente_servico": service_id, "descricao": "Instalação", "nome": "Joana",
                                 "telefone": REFUSED_PHONE, "abrir_os": True, "parametros_ordem_servico": {
                                     "id_agenda_ordem_servico": provider.agenda, "status": "pendente",
                                     "data_inicio_programado": day.isoformat(),
                                     "hora_inicio_programado": f"{hour:02d}:00:00",
                                     "data_termino_programado": day.isoformat(),
                                     "hora_termino_programado": f"{hour + 1:02d}:00:00"}})
    assert answer.status_code == 200
    return dict(answer.json())


def outbox_events(provider: Provider) -> list[dict[str, Any]]:
    """Every outbox event the orders table's stream holds, read from its start."""
    keys = {"region_name": provider.stack.state["region"], "endpoint_url": provider.stack.state["aws_endpoint"],
            "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    arn = boto3.client("dynamodb", **keys).describe_table(TableName="isp-service_orders")["Table"]["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams", **keys)
    events = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            answer = streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in answer["Records"]:
                image = record["dynamodb"].get("NewImage", {})
                if image.get("kind", {}).get("S") == "outbox":
                    events.append(json.loads(image["body"]["S"]))
            # moto's open shard always hands back another iterator: stop at its current end.
            iterator = answer.get("NextShardIterator") if answer["Records"] else None
    return events


def test_an_os_opened_after_a_refused_booking_is_notified_and_the_refused_one_never_is(provider: Provider) -> None:
    first, first_service = provider.customer(11, FIRST_PHONE)
    refused, refused_service = provider.customer(12, REFUSED_PHONE)
    later, later_service = provider.customer(13, LATER_PHONE)
    day = next_weekday(date.today())

    provider.open_order(first_service, day, 9)  # the slot's only place
    provider.wait_for_log(first, 1, ("enviada",))
    answer = try_to_open(provider, refused_service, day, 9)
    assert answer["status"] == "error" and "lotado" in answer["msg"], answer
    provider.open_order(later_service, day, 10)

    # Before the fix the stream poller went silent here and this timed out.
    [logged] = provider.wait_for_log(later, 1, ("enviada",))
    assert logged["evento"] == "os_agendada"
    [visit] = [m["message"] for m in provider.sent("55" + LATER_PHONE)]
    assert f"está agendada para {day.strftime('%d/%m/%Y')}, entre 10:00 e 11:00" in visit

    # The refused booking left nothing: not in the stream, the message log or ZapMe.
    events = outbox_events(provider)
    assert sorted((e["type"], e["payload"]["id_cliente"]) for e in events) == [
        ("os_agendada", first), ("os_agendada", later)], events
    assert provider.log(refused) == []
    assert provider.sent("55" + REFUSED_PHONE) == []
    assert sorted(m["phone"] for m in provider.sent()) == sorted("55" + p for p in (FIRST_PHONE, LATER_PHONE))


def test_bookings_keep_being_notified_after_many_refusals(provider: Provider) -> None:
    """Each refusal is another cancelled transaction: the stream must survive any number of them."""
    phone = "11987650004"
    customer, service = provider.customer(14, phone)
    day = next_weekday(date.today())
    provider.open_order(service, day, 14)
    for _ in range(5):
        assert try_to_open(provider, service, day, 14)["status"] == "error"
    provider.open_order(service, day, 15)
    logged = provider.wait_for_log(customer, 2, ("enviada",))  # "enviada": ZapMe took it
    texts = [m["message"] for m in provider.sent("55" + phone)]
    assert len(logged) == 2 and len(texts) == 2, (logged, texts)
    assert sorted(text.rsplit("entre ", 1)[1] for text in texts) == ["14:00 e 15:00.", "15:00 e 16:00."], texts

"""AWS calls per scheduling operation, counted from botocore (against moto).

Counts are what matter for latency and cost on Lambda: each call is a network
round trip to DynamoDB or SQS. Prints, per operation, the calls by service
and operation name, and the items read, against the issue's targets. A
"whole table" read would show up as a Scan: the script fails the line if any
operation issues one.

    .venv/bin/python bench/aws_calls.py
"""
from __future__ import annotations

import os
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")

import boto3  # noqa: E402
from botocore.client import BaseClient  # noqa: E402
from moto import mock_aws  # noqa: E402

from chalicelib.agenda.model import City, Interval, Window  # noqa: E402
from chalicelib.agenda.service import AgendaSpec  # noqa: E402
from chalicelib.auth.model import Principal  # noqa: E402
from chalicelib.config import Settings  # noqa: E402
from chalicelib.container import Container, build_container  # noqa: E402
from chalicelib.customers.model import Address, NewCustomer, NewService  # noqa: E402
from chalicelib.service_orders.listing_api import list_orders  # noqa: E402
from chalicelib.service_orders.model import ServiceOrder  # noqa: E402
from chalicelib.service_orders.service import NewServiceOrder  # noqa: E402
from chalicelib.technicians.service import NewTechnician  # noqa: E402
from chalicelib.web.endpoint import ApiRequest  # noqa: E402
from infra.definition import create_resources  # noqa: E402

SETTINGS = Settings(region="us-east-1", stage="bench", timezone="America/Sao_Paulo", log_level="WARNING",
                    password_hash_profile="fast")
MONDAY = date(2026, 12, 14)
calls: Counter[str] = Counter()
items_read: Counter[str] = Counter()
_counted = threading.Lock()
_original = BaseClient._make_api_call


def _counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
    name = f"{self.meta.service_model.service_name}:{operation}"
    answer = _original(self, operation, params)
    read = 0
    if operation in ("Query", "Scan"):
        read = int(answer.get("Count", 0))
    elif operation == "GetItem":
        read = 1 if answer.get("Item") else 0
    elif operation == "BatchGetItem":
        read = sum(len(found) for found in answer.get("Responses", {}).values())
    with _counted:
        calls[name] += 1
        items_read[name] += read
    return answer


@contextmanager
def measured() -> Iterator[Counter[str]]:
    """Counts every AWS call (and the items it read) made inside the block, from any thread."""
    calls.clear()
    items_read.clear()
    BaseClient._make_api_call = _counting  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = _original  # type: ignore[method-assign]


def at(hour: int) -> datetime:
    return datetime.combine(MONDAY, time(hour))


def main() -> int:
    with mock_aws():
        create_resources(boto3.session.Session(region_name="us-east-1"))
        container = build_container(SETTINGS)
        service_id, agenda_id = _seed(container)
        orders = container.service_orders
        opened = orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(8), at(9))))  # warm the clients
        technician_id = container.agendas.get(agenda_id).technician_ids[0]
        opened_with_technician: list[ServiceOrder] = []
        cases: list[tuple[str, int, Callable[[], object]]] = [
            ("abrir OS com agenda", 4,
             lambda: orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))),
            ("reagendar (mover + redimensionar)", 4,
             lambda: orders.reschedule(opened.id, Interval(at(10), at(12)))),
            # + the technician's day: one batch read, written in the same transaction
            ("abrir OS com agenda e técnico", 5,
             lambda: opened_with_technician.append(orders.open(NewServiceOrder(
                 service_id, agenda_id, Interval(at(11), at(12)), technician_ids=(technician_id,),
                 status="pendente")))),
            ("reagendar OS com técnico", 5,
             lambda: orders.reschedule(opened_with_technician[0].id, Interval(at(12), at(13)))),
            ("disponibilidade de 7 dias (horarios_disponiveis_agenda)", 3, lambda: _free_slots(container, agenda_id)),
        ]
        listed = _fill_week(container, service_id, agenda_id)
        cases.append((f"uma página de todos (50 de {listed} OS; agenda + semana)", 2,
                      lambda: _todos_page(container, agenda_id)))
        print("Chamadas AWS por operação (contadas no botocore, contra o moto):")
        failed = False
        for label, target, action in cases:
            with measured():
                action()
            total = sum(calls.values())
            scans = sum(n for k, n in calls.items() if k.endswith(":Scan"))
            ok = total <= target and not scans
            failed |= not ok
            detail = ", ".join(f"{k}×{n}" for k, n in sorted(calls.items()))
            print(f"  {label:<56} {total} chamadas (meta ≤ {target}) {'PASS' if ok else 'FAIL'}")
            print(f"      {detail}; itens lidos {sum(items_read.values())}")
        print("  (O evento de notificação vai no outbox, na mesma transação; o stream da tabela o leva à fila.)")
        print("  Sem Scan em nenhuma operação." if not failed else "  Há operação acima da meta ou com Scan.")
    return 0


def _todos_page(container: Container, agenda_id: int) -> object:
    """The view itself (minus the token check every route makes): filters, index query, technicians, shapes."""
    request = ApiRequest(input={"pagina": "0", "itens_por_pagina": "50", "agenda_ordem_servico": str(agenda_id),
                                "data_inicio": MONDAY.isoformat(), "data_fim": "2026-12-20"},
                         container=container, principal=Principal(user_id=1, username="bench", is_admin=True),
                         correlation_id="bench")
    answer = list_orders(request)
    assert len(answer["ordens_servico"]) == 50, answer
    return answer


def _fill_week(container: Container, service_id: int, agenda_id: int) -> int:
    """Twenty OS a weekday on the agenda, each with a technician; returns how many OS the week has."""
    technicians = container.agendas.get(agenda_id).technician_ids
    for day in range(5):
        for n in range(19):
            start = datetime.combine(date(2026, 12, 14 + day), time(8 + n % 10))
            container.service_orders.open(NewServiceOrder(service_id, agenda_id, Interval(start, start.replace(
                hour=start.hour + 1)), technician_ids=(technicians[n % len(technicians)],)))
    return 5 * 20 + 2


def _free_slots(container: Container, agenda_id: int) -> object:
    """What the endpoint reads: the agenda, its counters for the week, its technicians."""
    agenda, days = container.agendas.availability(agenda_id, MONDAY, 7)
    return days, container.technicians.get_many(agenda.technician_ids)


def _seed(container: Container) -> tuple[int, int]:
    customer = container.customers.register(NewCustomer(
        name="Cliente Bench", document="52998224725", phone="11987654321", email="",
        services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),)))
    technicians = [container.technicians.register(NewTechnician(f"Técnico {i}", f"t{i}@provedor.com.br")).id
                   for i in range(3)]
    agenda = container.agendas.create(AgendaSpec(
        description="Bench", active=True, cities=(City("Campinas", "SP"),), technician_ids=tuple(technicians),
        windows=(Window(frozenset(range(5)), time(8), time(18), 60, 5),), daily_limit=40))
    for day in range(7):  # counters on every day of the week read by the availability query
        start = datetime.combine(date(2026, 12, 14 + day), time(14))
        if start.weekday() < 5:
            container.service_orders.open(NewServiceOrder(customer.services[0].id, agenda.id,
                                                          Interval(start, start.replace(hour=15))))
    return customer.services[0].id, agenda.id


if __name__ == "__main__":
    sys.exit(main())

"""Property: whatever sequence of opens, moves, resizes, agenda changes,
unschedules and cancels happens, no slot holds more than its capacity and
every counter equals the number of live OS overlapping it."""
from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta

import boto3
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from moto import mock_aws

from chalicelib.agenda.booking import book
from chalicelib.agenda.model import Interval, Window
from chalicelib.agenda.service import AgendaSpec
from chalicelib.container import build_container
from chalicelib.customers.model import Address, NewCustomer, NewService
from chalicelib.errors import DomainError
from chalicelib.service_orders.service import NewServiceOrder
from chalicelib.storage.agendas import DynamoAgendaStore
from infra.definition import create_resources
from tests.aws import TEST_SETTINGS
from tests.conftest import MutableClock
from tests.integration.test_booking import MONDAY, at

starts = st.tuples(st.integers(7, 12), st.sampled_from([0, 30]))
durations = st.sampled_from([30, 60, 90, 120])


class Scheduling(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.mock = mock_aws()
        self.mock.start()
        create_resources(boto3.session.Session(region_name="us-east-1"))
        self.container = build_container(TEST_SETTINGS, clock=MutableClock())
        self.order_ids: list[int] = []

    @initialize()
    def agendas_and_customer(self) -> None:
        c = self.container
        self.service_id = c.customers.register(NewCustomer(
            name="Cliente", document="52998224725", phone="11987654321", email="",
            services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),),
        )).services[0].id
        self.agendas = [
            c.agendas.create(AgendaSpec("Manhã", True, (Window(frozenset(range(5)), time(8), time(12), 60, 2),),
                                        daily_limit=4)).id,
            c.agendas.create(AgendaSpec("Dia", True, (Window(frozenset(range(5)), time(8), time(12), 30, 1),
                                                      Window(frozenset(range(5)), time(13), time(18), 30, 2)))).id,
        ]

    def teardown(self) -> None:
        self.mock.stop()

    def _attempt(self, action: Callable[[], object]) -> None:
        """Run a change; if the rules refuse it, nothing may have changed."""
        before = self._snapshot()
        try:
            action()
        except DomainError:
            assert self._snapshot() == before, "a refused change altered the OS or the counters"

    def _snapshot(self) -> tuple[object, ...]:
        orders = tuple(self.container.service_orders.get(i) for i in self.order_ids)
        return orders, tuple(sorted(self._counters(a).items()) for a in self.agendas)

    def _counters(self, agenda_id: int) -> dict[str, int]:
        return {k: v for k, v in DynamoAgendaStore().booked(agenda_id, MONDAY, MONDAY).items() if v}

    @rule(agenda=st.integers(0, 1), start=starts, minutes=durations)
    def open(self, agenda: int, start: tuple[int, int], minutes: int) -> None:
        begin = at(*start)
        interval = Interval(begin, begin + timedelta(minutes=minutes))
        new = NewServiceOrder(self.service_id, self.agendas[agenda], interval)
        before = len(self.order_ids)
        try:
            order = self.container.service_orders.open(new)
        except DomainError:
            assert len(self.order_ids) == before
            return
        self.order_ids.append(order.id)

    @rule(pick=st.integers(0, 100), start=starts, minutes=durations)
    def move_or_resize(self, pick: int, start: tuple[int, int], minutes: int) -> None:
        if self.order_ids:
            order_id = self.order_ids[pick % len(self.order_ids)]
            begin = at(*start)
            self._attempt(lambda: self.container.service_orders.reschedule(
                order_id, Interval(begin, begin + timedelta(minutes=minutes))))

    @rule(pick=st.integers(0, 100), agenda=st.integers(0, 1))
    def change_agenda(self, pick: int, agenda: int) -> None:
        if self.order_ids:
            order_id = self.order_ids[pick % len(self.order_ids)]
            self._attempt(lambda: self.container.service_orders.change_agenda(order_id, self.agendas[agenda]))

    @rule(pick=st.integers(0, 100), how=st.sampled_from(["unschedule", "cancel"]))
    def release(self, pick: int, how: str) -> None:
        if self.order_ids:
            order_id = self.order_ids[pick % len(self.order_ids)]
            orders = self.container.service_orders
            self._attempt(lambda: orders.cancel(order_id, "Cliente desistiu") if how == "cancel"
                          else orders.unschedule(order_id))

    @invariant()
    def counters_match_live_orders(self) -> None:
        if not hasattr(self, "agendas"):
            return
        orders = [self.container.service_orders.get(i) for i in self.order_ids]
        for agenda_id in self.agendas:
            agenda = self.container.agendas.get(agenda_id)
            expected: dict[str, int] = {}
            for order in orders:
                if order.occupies_capacity and order.agenda_id == agenda_id:
                    assert order.interval is not None
                    booking = book(agenda, order.interval, "Campinas", "SP", self.container.agendas.holiday)
                    assert order.held == frozenset(booking.counters())
                    for counter in order.held:
                        expected[counter.key] = expected.get(counter.key, 0) + 1
            assert self._counters(agenda_id) == expected
            capacities = {s.key: s.capacity for s in agenda.slots_on(MONDAY)}
            for key, count in expected.items():
                limit = agenda.daily_limit if key.endswith("#DIA") else capacities[key]
                assert limit is None or count <= limit, (key, count, limit)


Scheduling.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None,
                                        suppress_health_check=[HealthCheck.too_slow])
TestScheduling = Scheduling.TestCase

"""One contract, two implementations: the in-memory fakes used by the unit
tier and the DynamoDB stores must behave alike."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from chalicelib.agenda.model import Agenda, City, Window
from chalicelib.auth.model import LoginThrottle, OAuthClient, StoredToken, User
from chalicelib.customers.model import Address, Customer, Holder, Service
from chalicelib.errors import BusinessRuleError, ConflictError, NotFoundError
from chalicelib.storage.agendas import DynamoAgendaStore, counters_pk
from chalicelib.storage.customers import DynamoCustomerStore
from chalicelib.storage.identity import DynamoIdentityStore
from tests.aws import moto_stack
from tests.conftest import MutableClock
from tests.fakes import InMemoryAgendaStore, InMemoryCustomerStore, InMemoryIdentityStore

NOW = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)
ADDRESS = Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000", "Casa 2")


@pytest.fixture(params=["memory", "dynamodb"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "memory":
        yield "memory"
    else:
        with moto_stack(MutableClock()):
            yield "dynamodb"


@pytest.fixture
def identity(backend: str) -> Any:
    return InMemoryIdentityStore() if backend == "memory" else DynamoIdentityStore()


@pytest.fixture
def customers(backend: str) -> Any:
    return InMemoryCustomerStore() if backend == "memory" else DynamoCustomerStore()


@pytest.fixture
def agendas(backend: str) -> Any:
    return InMemoryAgendaStore() if backend == "memory" else DynamoAgendaStore()


def user(username: str = "ana", user_id: int = 1) -> User:
    return User(id=user_id, username=username, name="Ana", password_hash="$argon2id$x",
                permissions=("Consultar clientes",), created_at=NOW)


def customer(customer_id: int = 1, document: str = "52998224725", name: str = "Maria da Silva") -> Customer:
    service = Service(id=customer_id * 10, customer_id=customer_id, name="Fibra", amount_cents=9990,
                      address=ADDRESS, created_at=NOW, holder=Holder(customer_id, name, document))
    return Customer(id=customer_id, code=customer_id, name=name, document=document, phone="11987654321",
                    email="maria@example.com", created_at=NOW, services=(service,))


class TestIdentityContract:
    def test_users_round_trip_and_are_unique(self, identity: Any) -> None:
        identity.add_user(user())
        assert identity.get_user("ana") == user()
        assert identity.get_user_by_id(1) == user()
        assert identity.get_user("bia") is None and identity.get_user_by_id(2) is None
        with pytest.raises(ConflictError):
            identity.add_user(user(user_id=2))
        identity.add_user(user("bia", 2))
        assert sorted(u.username for u in identity.list_users()) == ["ana", "bia"]

    def test_token_generation_bumps(self, identity: Any) -> None:
        identity.add_user(user())
        identity.bump_token_generation("ana")
        assert identity.get_user("ana").token_generation == 1

    def test_clients_are_created_once(self, identity: Any) -> None:
        client = OAuthClient("1", "Bot", "$argon2id$y")
        assert identity.add_client(client) is True
        assert identity.add_client(replace(client, name="Outro")) is False
        assert identity.get_client("1") == client

    def test_a_token_is_consumed_once(self, identity: Any) -> None:
        token = StoredToken("abc", "refresh", "ana", "1", NOW + timedelta(days=1), 0, "def")
        identity.add_token(token)
        assert identity.get_token("abc") == token
        assert identity.consume_token("abc") == token
        assert identity.consume_token("abc") is None
        assert identity.get_token("abc") is None

    def test_throttle_counts_within_the_window(self, identity: Any) -> None:
        assert identity.record_failure("ana", NOW, 900).failures == 1
        assert identity.record_failure("ana", NOW + timedelta(minutes=1), 900).failures == 2
        identity.lock("ana", NOW + timedelta(minutes=15))
        assert identity.get_throttle("ana") == LoginThrottle(2, NOW, NOW + timedelta(minutes=15))
        assert identity.record_failure("ana", NOW + timedelta(minutes=20), 900).failures == 1
        identity.clear_throttle("ana")
        assert identity.get_throttle("ana") is None


class TestCustomerContract:
    def test_customer_round_trips_with_services(self, customers: Any) -> None:
        customers.add_customer(customer())
        assert customers.get_customer(1) == customer()
        assert customers.get_customer(2) is None

    def test_document_is_unique(self, customers: Any) -> None:
        customers.add_customer(customer())
        with pytest.raises(BusinessRuleError):
            customers.add_customer(customer(2))
        assert customers.get_customer(2) is None

    def test_lookups(self, customers: Any) -> None:
        customers.add_customer(customer())
        customers.add_customer(customer(2, "11144477735", "João Silveira"))
        assert customers.customer_id_by_document("11144477735") == 2
        assert customers.customer_id_by_service(10) == 1
        assert customers.customer_id_by_service(99) is None
        assert customers.get_service(10) == customer().services[0]
        assert customers.get_service(99) is None
        assert sorted(customers.customer_ids_by_phone("11987654321")) == [1, 2]
        assert sorted(customers.customer_ids_by_name_word("sil")) == [1, 2]
        assert list(customers.customer_ids_by_name_word("silve")) == [2]

    def test_add_service(self, customers: Any) -> None:
        customers.add_customer(customer())
        extra = Service(id=11, customer_id=1, name="TV", amount_cents=5000, address=ADDRESS, created_at=NOW)
        customers.add_service(extra)
        assert [s.id for s in customers.get_customer(1).services] == [10, 11]
        with pytest.raises(NotFoundError):
            customers.add_service(replace(extra, id=12, customer_id=5))


def agenda(agenda_id: int = 1, **changes: Any) -> Agenda:
    base = Agenda(
        id=agenda_id, description="Instalações", active=True,
        windows=(Window(frozenset({0, 1, 2}), time(8), time(12), 60, 2),
                 Window(frozenset({5}), time(8), time(10), 30, 1)),
        cities=(City("São Paulo", "SP"),), technician_ids=(3, 1), daily_limit=10,
        closed_dates=frozenset({date(2026, 12, 24)}), block_national_holidays=True,
    )
    return replace(base, **changes)


def set_counters(store: Any, agenda_id: int, counters: dict[str, int]) -> None:
    if isinstance(store, InMemoryAgendaStore):
        store.counters[agenda_id] = dict(counters)
        return
    from chalicelib.storage.models import SlotCounterItem

    for key, booked in counters.items():
        SlotCounterItem(counters_pk(agenda_id), key, booked=booked).save()


class TestAgendaContract:
    def test_agendas_round_trip_and_list(self, agendas: Any) -> None:
        agendas.add(agenda())
        agendas.add(agenda(2, description="Reparos", cities=(), technician_ids=(), daily_limit=None,
                           closed_dates=frozenset(), block_national_holidays=False))
        assert agendas.get(1) == agenda()
        assert agendas.get(3) is None
        assert sorted(a.id for a in agendas.list_all()) == [1, 2]

    def test_replace_checks_the_version(self, agendas: Any) -> None:
        agendas.add(agenda())
        agendas.replace(agenda(description="Nova", version=2), expected_version=1)
        assert agendas.get(1) == agenda(description="Nova", version=2)
        with pytest.raises(ConflictError):
            agendas.replace(agenda(description="Velha", version=2), expected_version=1)
        with pytest.raises(ConflictError):
            agendas.replace(agenda(9, version=2), expected_version=1)
        assert agendas.get(1).description == "Nova" and agendas.get(9) is None

    def test_booked_reads_the_counters_of_a_range(self, agendas: Any) -> None:
        agendas.add(agenda())
        set_counters(agendas, 1, {"2026-12-06#08:00": 1, "2026-12-07#08:00": 2, "2026-12-07#DIA": 2,
                                  "2026-12-08#11:00": 1, "2026-12-09#08:00": 1})
        assert agendas.booked(1, date(2026, 12, 7), date(2026, 12, 8)) == {
            "2026-12-07#08:00": 2, "2026-12-07#DIA": 2, "2026-12-08#11:00": 1}
        assert agendas.booked(2, date(2026, 12, 7), date(2026, 12, 8)) == {}

"""One contract, two implementations: the in-memory fakes used by the unit
tier and the DynamoDB stores must behave alike."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib.agenda.booking import AgendaChangedError, CounterMoves
from chalicelib.agenda.model import Agenda, City, Interval, Window
from chalicelib.auth.model import LoginAttempts, OAuthClient, StoredToken, User
from chalicelib.auth.service import UserChangedError
from chalicelib.billing.charging.charges import APPROVED, DECLINED, ERROR, PROCESSING, ChargeAttempt
from chalicelib.billing.invoices.service import MAX_RECURRING_TRIES, OPEN, PAID, SUSPENSION, WARNING, Invoice, closed
from chalicelib.customers.model import Address, Customer, Holder, Service
from chalicelib.errors import BusinessRuleError, ConflictError, NotFoundError
from chalicelib.notify.channels import WHATSAPP, ChannelConfig
from chalicelib.notify.service import FAILED, REFUSED, RETRYING, SENDING, SENT, SKIPPED, OutgoingMessage, Template, Try
from chalicelib.queues import Message, decode
from chalicelib.sealing import Sealed
from chalicelib.service_orders.model import CANCELLED, PENDING, Action, HistoryEntry, OrderMessage, ServiceOrder
from chalicelib.service_orders.service import OrderChangedError
from chalicelib.storage.agendas import DynamoAgendaStore, counters_pk
from chalicelib.storage.billing import DynamoBillingStore
from chalicelib.storage.customers import DynamoCustomerStore
from chalicelib.storage.errors import condition_failed
from chalicelib.storage.identity import DynamoIdentityStore, DynamoTechnicianStore
from chalicelib.storage.models import BillingOutboxItem, BillingTableItem, MessageItem, SettingsItem
from chalicelib.storage.notifications import DynamoNotificationStore
from chalicelib.storage.orders import DynamoOrderStore
from chalicelib.technicians.service import Technician
from tests.aws import moto_stack
from tests.conftest import MutableClock
from tests.fakes import (
    InMemoryAgendaStore,
    InMemoryBillingStore,
    InMemoryCustomerStore,
    InMemoryIdentityStore,
    InMemoryNotificationStore,
    InMemoryOrderStore,
    InMemoryTechnicianStore,
)

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

    def test_login_attempts_count_per_address_up_to_the_limit(self, identity: Any) -> None:
        taken = [identity.take_login_attempt("ana", "10.0.0.1", NOW, 3, 900) for _ in range(4)]
        assert [t.attempts if t else None for t in taken] == [1, 2, 3, None]
        assert identity.take_login_attempt("ana", "10.0.0.2", NOW, 3, 900).attempts == 1
        assert identity.login_attempts("ana", "10.0.0.1") == LoginAttempts(3, NOW)
        later = NOW + timedelta(minutes=16)  # a new window
        assert identity.take_login_attempt("ana", "10.0.0.1", later, 3, 900) == LoginAttempts(1, later)

    def test_a_delay_holds_back_attempts_and_only_a_later_one_replaces_it(self, identity: Any) -> None:
        identity.take_login_attempt("ana", "10.0.0.1", NOW, 5, 900)
        identity.delay_login("ana", "10.0.0.1", NOW + timedelta(minutes=30))
        identity.delay_login("ana", "10.0.0.1", NOW + timedelta(seconds=2))  # earlier: ignored
        assert identity.take_login_attempt("ana", "10.0.0.1", NOW + timedelta(minutes=20), 5, 900) is None
        assert identity.take_login_attempt("ana", "10.0.0.1", NOW + timedelta(minutes=31), 5, 900).attempts == 1
        identity.delay_login("bia", "10.0.0.1", NOW + timedelta(minutes=30))  # no row: nothing to delay
        assert identity.login_attempts("bia", "10.0.0.1") is None

    def test_user_failures_count_in_a_window(self, identity: Any) -> None:
        assert identity.count_user_failure("ana", NOW, 900) == 1
        assert identity.count_user_failure("ana", NOW + timedelta(minutes=1), 900) == 2
        assert identity.user_failures("ana", NOW + timedelta(minutes=2), 900) == 2
        assert identity.user_failures("ana", NOW + timedelta(minutes=20), 900) == 0
        assert identity.count_user_failure("ana", NOW + timedelta(minutes=20), 900) == 1

    def test_unlock_forgets_every_address_and_the_users_count(self, identity: Any) -> None:
        for address in ("10.0.0.1", "10.0.0.2"):
            identity.take_login_attempt("ana", address, NOW, 5, 900)
            identity.delay_login("ana", address, NOW + timedelta(minutes=15))
        identity.count_user_failure("ana", NOW, 900)
        identity.take_login_attempt("bia", "10.0.0.1", NOW, 5, 900)
        assert sorted(b.address for b in identity.login_blocks("ana")) == ["10.0.0.1", "10.0.0.2"]
        assert identity.unlock_login("ana") == 2
        assert identity.login_blocks("ana") == [] and identity.user_failures("ana", NOW, 900) == 0
        assert identity.login_attempts("bia", "10.0.0.1") is not None
        identity.clear_login_attempts("bia", "10.0.0.1")
        assert identity.login_attempts("bia", "10.0.0.1") is None

    def test_a_family_rotates_once_per_refresh_token_and_revokes_whole(self, identity: Any) -> None:
        def pair(n: int) -> tuple[StoredToken, StoredToken]:
            expires = NOW + timedelta(days=1)
            return (StoredToken(f"a{n}", "access", "ana", "1", expires, 0, f"r{n}", family="f"),
                    StoredToken(f"r{n}", "refresh", "ana", "1", expires, 0, f"a{n}", family="f"))
        a1, r1 = pair(1)
        identity.start_family(a1, r1)
        assert identity.get_token("r1") == r1
        a2, r2 = pair(2)
        assert identity.rotate_family(r1, a2, r2, NOW) is True
        assert identity.get_token("r1").used and identity.get_token("a1") is None
        assert identity.rotate_family(r1, *pair(3), NOW) is False  # r1 again
        assert identity.get_token("a3") is None
        identity.revoke_family("f")
        assert identity.get_token("a2") is None and identity.get_token("r2") is None
        assert identity.rotate_family(r2, *pair(4), NOW) is False
        identity.revoke_family("nao-existe")


class TestUserChangeContract:
    def test_a_change_writes_only_what_differs(self, identity: Any) -> None:
        ana = replace(user(), technician_id=4)
        identity.add_user(ana)
        changed = replace(ana, name="Ana S.", permissions=(), technician_id=None)
        assert identity.change_user(ana, changed) is True
        assert identity.get_user("ana") == changed
        # A field the change left alone keeps what another request wrote meanwhile.
        identity.change_user(changed, replace(changed, permissions=("Consultar clientes",)))
        identity.change_user(changed, replace(changed, name="Ana T."))
        assert identity.get_user("ana") == replace(changed, name="Ana T.", permissions=("Consultar clientes",))

    def test_a_change_on_stale_flags_writes_nothing(self, identity: Any) -> None:
        ana = user()
        identity.add_user(ana)
        assert identity.change_user(ana, replace(ana, is_admin=True))
        with pytest.raises(UserChangedError):
            identity.change_user(ana, replace(ana, name="Outra"))  # read before it became an admin
        with pytest.raises(UserChangedError):
            identity.change_user(user("zeca", 9), replace(user("zeca", 9), name="Z"))  # no such user
        assert identity.get_user("ana") == replace(ana, is_admin=True)

    def test_a_new_token_generation_is_an_increment(self, identity: Any) -> None:
        ana = user()
        identity.add_user(ana)
        identity.bump_token_generation("ana")  # a revocation after the change read the user
        identity.change_user(ana, replace(ana, active=False, token_generation=ana.token_generation + 1))
        assert identity.get_user("ana").token_generation == 2 and not identity.get_user("ana").active

    def test_removing_an_admin_needs_another_active_admin(self, identity: Any) -> None:
        ana, bia = replace(user(), is_admin=True), replace(user("bia", 2), is_admin=True)
        identity.add_user(ana)
        identity.add_user(bia)
        assert identity.change_user(ana, replace(ana, active=False), keeping_admin="bia") is True
        assert identity.change_user(bia, replace(bia, is_admin=False), keeping_admin="ana") is False
        assert identity.change_user(bia, replace(bia, is_admin=False), keeping_admin="zeca") is False
        assert identity.get_user("bia") == bia


@pytest.fixture
def technician_store(backend: str) -> Any:
    return InMemoryTechnicianStore() if backend == "memory" else DynamoTechnicianStore(DynamoIdentityStore())


class TestTechnicianContract:
    def test_a_change_writes_what_differs(self, technician_store: Any) -> None:
        carlos = Technician(1, "Carlos", "carlos@provedor.com.br", "11987654321", created_at=NOW)
        technician_store.add(carlos)
        changed = replace(carlos, name="Carlos S.", phone="", active=False)
        technician_store.update(carlos, changed)
        assert technician_store.get(1) == changed
        assert technician_store.list_all() == [changed]

    def test_a_new_email_moves_its_claim(self, technician_store: Any) -> None:
        carlos = Technician(1, "Carlos", "carlos@provedor.com.br", created_at=NOW)
        bia = Technician(2, "Bia", "bia@provedor.com.br", created_at=NOW)
        technician_store.add(carlos)
        technician_store.add(bia)
        with pytest.raises(BusinessRuleError, match="Já existe um técnico com o e-mail bia@provedor.com.br"):
            technician_store.update(carlos, replace(carlos, name="X", email="bia@provedor.com.br"))
        assert technician_store.get(1) == carlos
        moved = replace(carlos, email="souza@provedor.com.br")
        technician_store.update(carlos, moved)
        assert technician_store.get(1) == moved
        technician_store.add(Technician(3, "Novo", "carlos@provedor.com.br", created_at=NOW))  # the old one is free
        with pytest.raises(BusinessRuleError):
            technician_store.add(Technician(4, "Outro", "souza@provedor.com.br", created_at=NOW))
        with pytest.raises(ConflictError):  # read before the e-mail changed
            technician_store.update(carlos, replace(carlos, email="c@provedor.com.br"))
        assert technician_store.get(1) == moved


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


# ---------------------------------------------------------- service orders
ZONE = ZoneInfo("America/Sao_Paulo")
NO_MOVES = CounterMoves(increments={}, decrements=(), check_agenda=None)


@pytest.fixture
def orders(backend: str, agendas: Any) -> Any:
    return InMemoryOrderStore(agendas) if backend == "memory" else DynamoOrderStore(ZONE)


def order(version: int = 1, **changes: Any) -> ServiceOrder:
    base = ServiceOrder(id=7, number=7, customer_service_id=10, customer_id=1, status=PENDING, created_at=NOW,
                        interval=Interval(datetime(2026, 12, 14, 9), datetime(2026, 12, 14, 10)), version=version)
    return replace(base, **changes)


def entry(version: int, action: Action = Action.EDITED, minutes: int = 0) -> HistoryEntry:
    return HistoryEntry(order_id=7, version=version, at=NOW + timedelta(minutes=minutes), user="ana", action=action,
                        detail=f"mudança {version}")


class TestOrderContract:
    def test_a_change_and_its_history_entry_commit_together(self, orders: Any) -> None:
        orders.save(order(), None, NO_MOVES, entry=entry(1, Action.OPENED))
        with pytest.raises(OrderChangedError):  # created twice
            orders.save(order(), None, NO_MOVES, entry=entry(1, Action.OPENED))
        with pytest.raises(OrderChangedError):  # written at a version it no longer has
            orders.save(order(3, status=CANCELLED), 2, NO_MOVES, entry=entry(3, Action.CANCELLED))
        orders.save(order(2, status=CANCELLED), 1, NO_MOVES, entry=entry(2, Action.CANCELLED, minutes=5))
        assert orders.get(7) == order(2, status=CANCELLED)
        assert orders.history(7) == ([entry(1, Action.OPENED), entry(2, Action.CANCELLED, minutes=5)], [])
        assert orders.history(8) == ([], [])

    def test_an_entry_written_for_that_version_already_refuses_the_change(self, orders: Any) -> None:
        orders.save(order(), None, NO_MOVES, entry=entry(1, Action.OPENED))
        with pytest.raises(OrderChangedError):
            orders.save(order(2, priority="alta"), 1, NO_MOVES, entry=entry(1))
        assert orders.get(7) == order() and orders.history(7)[0] == [entry(1, Action.OPENED)]

    def test_a_change_that_takes_no_place_still_checks_the_agenda_it_was_admitted_by(self, orders: Any,
                                                                                   agendas: Any) -> None:
        agendas.add(agenda())
        agendas.add(agenda(2, active=False))
        for stale in ((1, 2), (2, 1)):  # another version; inactive
            with pytest.raises(AgendaChangedError):
                orders.save(order(agenda_id=stale[0]), None, replace(NO_MOVES, check_agenda=stale), entry=entry(1))
        assert orders.get(7) is None and orders.history(7) == ([], [])
        orders.save(order(agenda_id=1), None, replace(NO_MOVES, check_agenda=(1, 1)), entry=entry(1))
        assert orders.get(7) == order(agenda_id=1)

    def test_messages_are_read_with_the_history_and_keep_their_writer(self, orders: Any) -> None:
        orders.save(order(), None, NO_MOVES, entry=entry(1, Action.OPENED))
        signed = OrderMessage(2, 7, 3, "Ligar antes", NOW, "127.0.0.1", username="bia")
        unsigned = OrderMessage(1, 7, 3, "Escrita antes de guardarmos o autor", NOW)
        orders.add_message(signed)
        orders.add_message(unsigned)
        assert orders.history(7) == ([entry(1, Action.OPENED)], [unsigned, signed])
        assert orders.messages(7) == [unsigned, signed]


# ---------------------------------------------------------------- billing
DUE = date(2026, 12, 10)


@pytest.fixture
def billing(backend: str) -> Any:
    return InMemoryBillingStore(ZONE) if backend == "memory" else DynamoBillingStore(ZONE)


def stored_events(store: Any) -> list[Message]:
    """The events a billing store committed, oldest first, read back from their bodies: the fake keeps them in a
    list, the DynamoDB store writes them as outbox rows of the billing table (``OUTBOX`` / ``<moment>#<event id>``)."""
    if isinstance(store, InMemoryBillingStore):
        return [decode(json.dumps(row)) for row in store.events]
    return [decode(item.body) for item in BillingTableItem.query("OUTBOX", consistent_read=True)
            if isinstance(item, BillingOutboxItem)]


def event(event_id: str, kind: str = "pagamento_aprovado") -> Message:
    return Message(kind, event_id,
                   {"id_fatura": 1, "valor_centavos": 9990, "cartao": "Visa final 2931", "tentativa": None})


def invoice(invoice_id: int = 1, **changes: Any) -> Invoice:
    base = Invoice(id=invoice_id, customer_service_id=10, customer_id=1, amount_cents=9990, due_date=DUE,
                   description="Mensalidade de dezembro", status=OPEN, created_at=NOW, next_charge=DUE,
                   try_due_on=DUE, dunning_step=WARNING, dunning_on=DUE + timedelta(days=10),
                   suspend_on=DUE + timedelta(days=15))
    return replace(base, **changes)


def attempt(number: int = 1, invoice_id: int = 1, **changes: Any) -> ChargeAttempt:
    base = ChargeAttempt(order_id=f"F{invoice_id}T{number}", invoice_id=invoice_id, number=number, customer_id=1,
                         customer_name="Maria da Silva", card_id=3, card_display="Visa final 2931", gateway="cielo",
                         amount_cents=9990, recurring=False, status=PROCESSING, created_at=NOW)
    return replace(base, **changes)


def started(current: Invoice, made: ChargeAttempt) -> Invoice:
    """``current`` as ChargeService writes it when it starts ``made``."""
    tries = current.recurring_tries + 1 if made.recurring else current.recurring_tries
    return replace(current, card_attempts=made.number, recurring_tries=tries, charging=made.order_id,
                   version=current.version + 1)


def approved(made: ChargeAttempt) -> ChargeAttempt:
    return replace(made, status=APPROVED, outcome="aprovado", return_code="00", return_message="Operação realizada",
                   tid="T-1", payment_id="P-1", finished_at=made.created_at + timedelta(seconds=4))


def paid(in_flight: Invoice, done: ChargeAttempt) -> Invoice:
    """``in_flight`` once ``done`` (approved) is recorded."""
    return closed(replace(in_flight, charging=None, status=PAID, paid_at=done.finished_at,
                          paid_cents=done.amount_cents, payment_method="cartao_credito",
                          version=in_flight.version + 1))


def record_attempts(store: Any, *made: ChargeAttempt) -> None:
    """Each attempt recorded (as finished before the gateway) on an invoice of its own id."""
    for one in made:
        current = store.get(one.invoice_id)
        if current is None:
            current = invoice(one.invoice_id)
            store.add(current)
        assert store.record(replace(current, card_attempts=one.number, version=current.version + 1),
                            current.version, one)


class TestBillingContract:
    def test_invoices_round_trip_with_their_schedule(self, billing: Any) -> None:
        scheduled = invoice(
            created_at=datetime(2026, 11, 30, 21, 15, 7, 654321, tzinfo=ZONE), card_attempts=2, recurring_tries=1,
            technical_failures=2, next_charge=DUE + timedelta(days=2), try_due_on=DUE + timedelta(days=1),
            queued_on=DUE + timedelta(days=2), queued_at=datetime(2026, 12, 12, 13, 0, 0, 250, tzinfo=UTC),
            retry_at=datetime(2026, 12, 12, 15, 0, tzinfo=UTC), dunning_step=SUSPENSION,
            dunning_on=DUE + timedelta(days=15), suspended=True, version=7)
        charging = invoice(2, card_attempts=1, charging="F2T1", description="", next_charge=None, try_due_on=None)
        settled = invoice(3, status=PAID, paid_at=datetime(2026, 12, 10, 13, 0, 1, tzinfo=UTC), paid_cents=10990,
                          payment_method="pix", next_charge=None, try_due_on=None, dunning_step=None,
                          dunning_on=None)
        for one in (scheduled, charging, settled):
            billing.add(one)
        assert [billing.get(i) for i in (1, 2, 3)] == [scheduled, charging, settled]
        assert billing.get(4) is None

    def test_an_invoice_is_added_once(self, billing: Any) -> None:
        billing.add(invoice())
        # The DynamoDB store's put is conditioned on the key not existing: the condition's error, as it is.
        with pytest.raises(PutError) as refused:
            billing.add(invoice(description="Outra", version=5))
        assert condition_failed(refused.value)
        assert billing.get(1) == invoice()

    def test_a_services_invoices_by_due_date(self, billing: Any) -> None:
        later = invoice(2, due_date=DUE + timedelta(days=31))
        first = invoice(10, due_date=DUE)
        same_day = invoice(3, due_date=DUE, status=PAID, paid_cents=9990, next_charge=None)  # id 3 sorts before 10
        other_service = invoice(4, customer_service_id=11)
        for one in (later, first, same_day, other_service):
            billing.add(one)
        assert list(billing.by_service(10)) == [same_day, first, later]
        assert list(billing.by_service(11)) == [other_service]
        assert list(billing.by_service(12)) == []

    def test_a_write_commits_at_its_version_with_its_events(self, billing: Any) -> None:
        billing.add(invoice())
        newer = invoice(description="Nova", version=2)
        assert billing.write(newer, 1, [event("e1"), event("e2", "aviso_suspensao")]) is True
        assert billing.get(1) == newer
        assert stored_events(billing) == [event("e1"), event("e2", "aviso_suspensao")]
        assert billing.write(invoice(description="Velha", version=2), 1, [event("e3")]) is False
        assert billing.replace(invoice(description="Velha", version=3), 1) is False
        assert billing.get(1) == newer
        assert billing.replace(invoice(description="Terceira", version=3), 2) is True
        assert billing.get(1) == invoice(description="Terceira", version=3)
        assert billing.write(invoice(9, version=2), 1, [event("e4")]) is False  # never added
        assert billing.get(9) is None
        assert [e.id for e in stored_events(billing)] == ["e1", "e2"]

    def test_events_are_stored_as_json_or_not_at_all(self, billing: Any) -> None:
        billing.add(invoice())
        with pytest.raises(TypeError):  # a date is not JSON
            billing.write(invoice(version=2), 1, [Message("x", "e1", {"vencimento": DUE})])
        with pytest.raises(TransactWriteError) as twice:  # one outbox row (key) per event id
            billing.write(invoice(version=2), 1, [event("e1"), event("e1", "aviso_suspensao")])
        assert twice.value.cause_response_code == "ValidationException"
        assert billing.get(1) == invoice() and stored_events(billing) == []
        assert billing.write(invoice(version=2), 1, [Message("x", "e2", {"faturas": (1, 2)})])
        assert stored_events(billing) == [Message("x", "e2", {"faturas": [1, 2]})]

    def test_an_attempt_starts_once(self, billing: Any) -> None:
        billing.add(invoice())
        made = attempt(1)
        assert billing.start(started(invoice(), made), 1, made) is True
        assert billing.get(1) == started(invoice(), made)
        assert billing.attempt(1, 1) == made and billing.attempts(1) == [made]
        assert billing.start(started(invoice(), made), 1, made) is False  # the same start again
        assert billing.get(1) == started(invoice(), made) and billing.attempts(1) == [made]
        assert stored_events(billing) == []

    def test_no_attempt_starts_while_another_is_in_flight(self, billing: Any) -> None:
        billing.add(invoice())
        first = attempt(1)
        assert billing.start(started(invoice(), first), 1, first)
        current = billing.get(1)
        second = attempt(2, card_id=4)
        assert billing.start(started(current, second), current.version, second) is False  # at its version
        assert billing.get(1) == current and billing.attempt(1, 2) is None

    def test_no_attempt_starts_on_a_stale_version(self, billing: Any) -> None:
        billing.add(invoice())
        assert billing.replace(invoice(description="Mudou", version=2), 1)
        made = attempt(1)
        assert billing.start(started(invoice(), made), 1, made) is False
        assert billing.get(1) == invoice(description="Mudou", version=2) and billing.attempts(1) == []

    def test_the_store_itself_refuses_a_recurring_try_past_the_limit(self, billing: Any) -> None:
        # Hit directly, without ChargeService's own check: the condition is on the stored invoice.
        used_up = invoice(recurring_tries=MAX_RECURRING_TRIES, card_attempts=MAX_RECURRING_TRIES)
        one_left = invoice(2, recurring_tries=MAX_RECURRING_TRIES - 1, card_attempts=1)
        billing.add(used_up)
        billing.add(one_left)
        recurring = attempt(3, recurring=True, try_number=MAX_RECURRING_TRIES + 1, due_on=DUE)
        assert billing.start(started(used_up, recurring), 1, recurring) is False
        assert billing.get(1) == used_up and billing.attempt(1, 3) is None
        one_off = attempt(3)
        assert billing.start(started(used_up, one_off), 1, one_off) is True
        assert billing.get(1) == started(used_up, one_off) and billing.attempt(1, 3) == one_off
        last_try = attempt(2, invoice_id=2, recurring=True, try_number=MAX_RECURRING_TRIES, due_on=DUE)
        assert billing.start(started(one_left, last_try), 1, last_try) is True
        assert billing.get(2) == started(one_left, last_try)

    def test_an_attempt_number_is_used_once(self, billing: Any) -> None:
        billing.add(invoice())
        first = attempt(1)
        in_flight = started(invoice(), first)
        assert billing.start(in_flight, 1, first)
        done = replace(first, status=DECLINED, outcome="retentar", return_code="51", finished_at=NOW)
        after = replace(in_flight, charging=None, version=3)
        assert billing.finish(after, 2, done)
        again = attempt(1, card_id=4, created_at=NOW + timedelta(hours=1))  # number 1 again, at the current version
        assert billing.start(started(after, again), 3, again) is False
        assert billing.get(1) == after and billing.attempts(1) == [done]

    def test_an_attempt_is_recorded_once_with_its_events(self, billing: Any) -> None:
        billing.add(invoice())
        failed = attempt(1, recurring=True, status=ERROR, customer_name="", card_id=0, card_display="", gateway="",
                         return_code="falha_tecnica", return_message="KMS indisponível", finished_at=NOW,
                         try_number=1, due_on=DUE - timedelta(days=2), late=True)
        after = invoice(card_attempts=1, technical_failures=1, retry_at=NOW + timedelta(hours=1), version=2)
        assert billing.record(after, 1, failed, [event("e1", "cartao_requer_acao")]) is True
        assert billing.get(1) == after and billing.attempt(1, 1) == failed
        assert stored_events(billing) == [event("e1", "cartao_requer_acao")]
        # the same number again, at the invoice's current version: refused, nothing of it written
        assert billing.record(replace(after, version=3), 2, replace(failed, return_message="outra"),
                              [event("e2")]) is False
        assert billing.get(1) == after and billing.attempts(1) == [failed]
        assert [e.id for e in stored_events(billing)] == ["e1"]

    def test_a_record_on_a_stale_version_writes_nothing(self, billing: Any) -> None:
        billing.add(invoice())
        assert billing.replace(invoice(description="Mudou", version=2), 1)
        failed = attempt(1, status=ERROR, return_code="gateway_nao_configurado", finished_at=NOW)
        assert billing.record(invoice(card_attempts=1, version=2), 1, failed, [event("e1")]) is False
        assert billing.get(1) == invoice(description="Mudou", version=2)
        assert billing.attempt(1, 1) is None and stored_events(billing) == []

    def test_an_attempt_round_trips_every_field(self, billing: Any) -> None:
        billing.add(invoice(recurring_tries=1, card_attempts=1))
        made = attempt(2, recurring=True, try_number=2, due_on=DUE - timedelta(days=1), late=True, forced=True,
                       created_at=datetime(2026, 12, 10, 10, 30, 15, 123456, tzinfo=ZONE))
        in_flight = started(billing.get(1), made)
        assert billing.start(in_flight, 1, made)
        assert billing.attempt(1, 2) == made
        done = replace(made, status=DECLINED, outcome="nao_retentar", return_code="57",
                       return_message="Transação não permitida para o cartão", tid="T-9", payment_id="P-9",
                       finished_at=datetime(2026, 12, 10, 13, 30, 19, 1, tzinfo=UTC))
        assert billing.finish(replace(in_flight, charging=None, next_charge=None, version=3), 2, done)
        assert billing.attempt(1, 2) == done and billing.attempts(1) == [done]

    def test_an_outcome_is_recorded_once(self, billing: Any) -> None:
        billing.add(invoice())
        made = attempt(1)
        in_flight = started(invoice(), made)
        assert billing.start(in_flight, 1, made)
        done = approved(made)
        assert billing.finish(paid(in_flight, done), 2, done, [event("e1")]) is True
        assert billing.get(1) == paid(in_flight, done) and billing.attempt(1, 1) == done
        assert stored_events(billing) == [event("e1")]
        # A second outcome (a reconciliation that lost the race) at the current version: the stored attempt is no
        # longer processing.
        late = replace(made, status=DECLINED, outcome="retentar", return_code="51", finished_at=NOW)
        current = billing.get(1)
        assert billing.finish(replace(current, version=current.version + 1), current.version, late,
                              [event("e2", "pagamento_recusado")]) is False
        assert billing.get(1) == current and billing.attempt(1, 1) == done
        assert [e.id for e in stored_events(billing)] == ["e1"]

    def test_an_outcome_on_a_stale_version_writes_nothing(self, billing: Any) -> None:
        billing.add(invoice())
        made = attempt(1)
        in_flight = started(invoice(), made)
        assert billing.start(in_flight, 1, made)
        meanwhile = replace(in_flight, dunning_step=SUSPENSION, dunning_on=DUE + timedelta(days=15), version=3)
        assert billing.replace(meanwhile, 2)  # the dunning tick wrote the invoice while the attempt was on its way
        done = approved(made)
        assert billing.finish(paid(in_flight, done), 2, done, [event("e1")]) is False
        assert billing.get(1) == meanwhile and billing.attempt(1, 1) == made and stored_events(billing) == []

    def test_an_outcome_needs_its_attempt(self, billing: Any) -> None:
        billing.add(invoice())
        done = approved(attempt(1))
        assert billing.finish(paid(invoice(), done), 1, done, [event("e1")]) is False
        assert billing.get(1) == invoice() and billing.attempts(1) == [] and stored_events(billing) == []

    def test_an_invoices_attempts_by_number(self, billing: Any) -> None:
        tenth, second, other = attempt(10), attempt(2, status=ERROR), attempt(1, invoice_id=2, status=ERROR)
        record_attempts(billing, tenth, second, other)  # 10 before 2: the listing orders by number, not by write
        assert billing.attempts(1) == [second, tenth]
        assert billing.attempts(2) == [other]
        assert billing.attempts(3) == []
        assert billing.attempt(1, 10) == tenth and billing.attempt(1, 3) is None and billing.attempt(3, 1) is None

    def test_by_date_reads_the_panels_local_period(self, billing: Any) -> None:
        # The panel asks for whole local days, naive (invoices_api.panel -> read_recent_days -> ChargeService.panel).
        before = attempt(order_id="antes", invoice_id=1, created_at=datetime(2026, 12, 10, 2, 59, 59, 999999, UTC))
        first = attempt(order_id="primeira", invoice_id=2, created_at=datetime(2026, 12, 10, 3, 0, tzinfo=UTC))
        last_b = attempt(order_id="ultima-b", invoice_id=3,
                         created_at=datetime(2026, 12, 11, 2, 59, 59, 500000, UTC))
        last_a = attempt(order_id="ultima-a", invoice_id=4, created_at=datetime(2026, 12, 11, 2, 59, 59, tzinfo=UTC))
        after = attempt(order_id="depois", invoice_id=5, created_at=datetime(2026, 12, 11, 3, 0, tzinfo=UTC))
        record_attempts(billing, last_b, after, first, before, last_a)
        day = list(billing.by_date(datetime(2026, 12, 10), datetime(2026, 12, 10, 23, 59, 59)))
        # By local moment (to the second), then order id: as the index sorts them.
        assert day == [first, last_a, last_b]
        assert list(billing.by_date(datetime(2026, 12, 11), datetime(2026, 12, 11, 23, 59, 59))) == [after]
        assert list(billing.by_date(datetime(2026, 12, 12), datetime(2026, 12, 31, 23, 59, 59))) == []

    def test_by_date_reads_the_local_year_of_each_attempt(self, billing: Any) -> None:
        new_years_eve = attempt(order_id="reveillon", invoice_id=1,
                                created_at=datetime(2027, 1, 1, 1, 0, tzinfo=UTC))  # 31/12/2026 22:00 local
        new_year = attempt(order_id="ano-novo", invoice_id=2, created_at=datetime(2027, 1, 1, 12, 0, tzinfo=UTC))
        record_attempts(billing, new_year, new_years_eve)
        assert list(billing.by_date(datetime(2026, 12, 31), datetime(2027, 1, 1, 23, 59, 59))) == [
            new_years_eve, new_year]
        assert list(billing.by_date(datetime(2027, 1, 1), datetime(2027, 1, 1, 23, 59, 59))) == [new_year]
        assert list(billing.by_date(datetime(2026, 12, 31), datetime(2026, 12, 31, 23, 59, 59))) == [
            new_years_eve]


# ---------------------------------------------------------- notifications
@pytest.fixture
def notifications(backend: str) -> Any:
    return InMemoryNotificationStore(ZONE) if backend == "memory" else DynamoNotificationStore(ZONE)


def outgoing(event_id: str = "evento-1", customer_id: int = 1, status: str = SENDING,
             created_at: datetime = NOW, **changes: Any) -> OutgoingMessage:
    return replace(OutgoingMessage(event_id, "pagamento_aprovado", customer_id, status, created_at, created_at,
                                   lease_until=created_at + timedelta(seconds=60)), **changes)


class TestNotificationContract:
    def test_a_message_round_trips_with_its_channel(self, notifications: Any) -> None:
        sent = outgoing(status=SENT, channel="email", address="maria@example.com", text="Olá", reason="",
                        provider_message_id="correio-1", answer={"id": "correio-1", "fila": [1, 2]},
                        tries=(Try(NOW, "falha_temporaria", "fora do ar"), Try(NOW, "enviada", "")),
                        lease_until=None, version=3)
        assert notifications.claim(sent, NOW)
        assert notifications.message("evento-1") == sent
        skipped = outgoing("evento-2", status=SKIPPED, reason="Nenhum canal.", lease_until=None)
        assert notifications.claim(skipped, NOW)
        assert notifications.message("evento-2") == skipped and skipped.channel == ""
        assert notifications.message("evento-3") is None

    @pytest.mark.parametrize("status, later, free", [
        (SENT, 0, False), (REFUSED, 0, False), (SKIPPED, 0, False), (RETRYING, 0, True), (FAILED, 0, True),
        (SENDING, 59, False), (SENDING, 61, True),
    ])
    def test_a_message_is_claimed_only_when_free(self, notifications: Any, status: str, later: int,
                                                 free: bool) -> None:
        assert notifications.claim(outgoing(status=status), NOW)
        again = outgoing(channel=WHATSAPP, version=2)
        assert notifications.claim(again, NOW + timedelta(seconds=later)) is free
        assert notifications.message("evento-1").version == (2 if free else 1)

    def test_an_update_checks_the_version(self, notifications: Any) -> None:
        assert not notifications.update(outgoing(version=2), 1)  # nothing to update
        notifications.claim(outgoing(), NOW)
        assert not notifications.update(outgoing(status=SENT, version=3), 2)
        assert notifications.update(outgoing(status=SENT, version=2), 1)
        assert notifications.message("evento-1").status == SENT

    def test_the_log_reads_local_periods_by_customer_or_all(self, notifications: Any) -> None:
        before = outgoing("a", 1, created_at=datetime(2026, 12, 10, 2, 59, 59, tzinfo=UTC))  # 09/12 local
        first = outgoing("b", 2, created_at=datetime(2026, 12, 10, 3, 0, tzinfo=UTC))
        second = outgoing("c", 1, created_at=datetime(2026, 12, 10, 20, 0, tzinfo=UTC))
        for message in (second, before, first):
            notifications.claim(message, NOW)
        day = (datetime(2026, 12, 10), datetime(2026, 12, 10, 23, 59, 59))
        assert list(notifications.between(*day)) == [first, second]
        assert list(notifications.of_customer(1, *day)) == [second]
        assert list(notifications.of_customer(1, datetime(2026, 12, 9), datetime(2026, 12, 10, 23, 59, 59))) == [
            before, second]

    def test_templates_round_trip(self, notifications: Any) -> None:
        assert notifications.templates() == {}
        notifications.save_template(Template("os_agendada", False, "Olá {{nome}}", True))
        assert notifications.templates() == {"os_agendada": Template("os_agendada", False, "Olá {{nome}}", True)}

    def test_each_channel_has_its_own_settings(self, notifications: Any) -> None:
        whatsapp = ChannelConfig(True, "api", Sealed("c", "n", "k"), "", NOW, "ana")
        email = ChannelConfig(False, "api-2", Sealed("c2", "n2", "k2"), "https://api.correio.example", NOW)
        assert notifications.channel_config(WHATSAPP) is None
        notifications.save_channel_config(WHATSAPP, whatsapp)
        assert notifications.channel_config("email") is None
        notifications.save_channel_config("email", email)
        assert (notifications.channel_config(WHATSAPP), notifications.channel_config("email")) == (whatsapp, email)

    def test_opt_outs_are_per_channel(self, notifications: Any) -> None:
        notifications.set_opted_out(1, WHATSAPP, True)
        notifications.set_opted_out(1, "email", True)
        notifications.set_opted_out(1, "email", False)
        assert (notifications.opted_out(1, WHATSAPP), notifications.opted_out(1, "email"),
                notifications.opted_out(2, WHATSAPP)) == (True, False, False)


def test_what_was_stored_before_there_were_channels_reads_as_whatsapps() -> None:
    """Items written when ZapMe was the only channel: a message without ``channel`` (its number in ``phone``, ZapMe's
    id in ``zapme_id``), the opt-out at ``PREFERENCIAS`` and the settings at ``ZAPME`` / ``CONFIG``."""
    with moto_stack(MutableClock()):
        import boto3

        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.put_item(TableName=MessageItem.Meta.table_name, Item={
            "pk": {"S": "MENSAGEM#antiga"}, "sk": {"S": "MENSAGEM"}, "kind": {"S": "message"},
            "event_id": {"S": "antiga"}, "event": {"S": "os_agendada"}, "customer_id": {"N": "1"},
            "status": {"S": "enviada"}, "created_at": {"S": "2026-12-10T13:00:00.000000+0000"},
            "updated_at": {"S": "2026-12-10T13:00:00.000000+0000"}, "phone": {"S": "5511987654321"},
            "text": {"S": "Olá"}, "reason": {"S": ""}, "zapme_id": {"S": "z-1"}, "answer": {"S": "{}"},
            "tries": {"S": "[]"}, "version": {"N": "2"}})
        dynamodb.put_item(TableName=MessageItem.Meta.table_name, Item={
            "pk": {"S": "CLIENTE#1"}, "sk": {"S": "PREFERENCIAS"}, "kind": {"S": "preference"},
            "opted_out": {"BOOL": True}})
        dynamodb.put_item(TableName=SettingsItem.Meta.table_name, Item={
            "pk": {"S": "ZAPME"}, "sk": {"S": "CONFIG"}, "kind": {"S": "zapme"}, "active": {"BOOL": True},
            "api": {"S": "api"}, "secret_ciphertext": {"S": "c"}, "secret_nonce": {"S": "n"},
            "secret_data_key": {"S": "k"}, "url": {"S": ""}, "updated_at": {"S": "2026-12-10T13:00:00.000000+0000"},
            "updated_by": {"S": "ana"}})
        store = DynamoNotificationStore(ZONE)

        message = store.message("antiga")
        assert message is not None
        assert (message.channel, message.address, message.provider_message_id) == (WHATSAPP, "5511987654321", "z-1")
        assert store.opted_out(1, WHATSAPP) and not store.opted_out(1, "email")
        assert store.channel_config(WHATSAPP) == ChannelConfig(True, "api", Sealed("c", "n", "k"), "", NOW, "ana")
        assert store.channel_config("email") is None

        # Written back where and as they were, so what reads them today still does.
        store.update(replace(message, version=3), 2)
        store.set_opted_out(1, WHATSAPP, False)
        store.save_channel_config(WHATSAPP, ChannelConfig(False, "api-2", Sealed("c", "n", "k"), "", NOW))
        raw = dynamodb.get_item(TableName=MessageItem.Meta.table_name,
                                Key={"pk": {"S": "MENSAGEM#antiga"}, "sk": {"S": "MENSAGEM"}})["Item"]
        assert (raw["phone"], raw["zapme_id"], raw["channel"]) == ({"S": "5511987654321"}, {"S": "z-1"},
                                                                   {"S": WHATSAPP})
        preference = dynamodb.get_item(TableName=MessageItem.Meta.table_name,
                                       Key={"pk": {"S": "CLIENTE#1"}, "sk": {"S": "PREFERENCIAS"}})["Item"]
        assert preference["opted_out"] == {"BOOL": False}
        settings = dynamodb.get_item(TableName=SettingsItem.Meta.table_name,
                                     Key={"pk": {"S": "ZAPME"}, "sk": {"S": "CONFIG"}})["Item"]
        assert (settings["kind"], settings["api"]) == ({"S": "zapme"}, {"S": "api-2"})

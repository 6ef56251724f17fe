"""The recurring charges on their own (``billing.recurring.runner``) over
in-memory fakes: which tries the hourly tick queues (due day, look-back,
backoff, stale claims, the provider's day), and what the consumer does with
each message (a try made, or why not: read again, left alone, dropped)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.billing.cards.service import Card, CardService, Wallet
from chalicelib.billing.charging.charges import ChargeService, ChargeTiming
from chalicelib.billing.charging.declines import Classification, Outcome
from chalicelib.billing.gateways import CardToTokenize, Charge, ChargeResult
from chalicelib.billing.gateways.settings import GatewayConfig, GatewaySettingsService
from chalicelib.billing.invoices.service import (
    MAX_RECURRING_TRIES,
    PAID,
    DunningPlan,
    Invoice,
    InvoiceService,
    NewInvoice,
)
from chalicelib.billing.recurring.choice import RecurringChoice
from chalicelib.billing.recurring.runner import HANDLE_TRIES, RecurringCharges
from chalicelib.billing.recurring.try_schedule import LOOKBACK_DAYS, STALE_CLAIM, PendingTry, TryDay, try_day
from chalicelib.customers.model import Address, Customer, Service
from chalicelib.queues import CHARGES, MAX_RECEIVE_COUNT, Message
from chalicelib.sealing import Sealed
from tests.conftest import MutableClock
from tests.fakes import (
    CountingMetrics,
    InMemoryBillingStore,
    InMemoryGatewayConfigs,
    InMemorySequences,
    RecordingPublisher,
)

ZONE = ZoneInfo("America/Sao_Paulo")  # UTC-3
DUE = date(2026, 12, 10)
AT = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)  # 10:00 in São Paulo, on the due date
TOKEN = Sealed("c", "n", "k")


def approved() -> ChargeResult:
    return ChargeResult(Classification(Outcome.APPROVED, "00"), payment_id="p", tid="t", return_code="00",
                        return_message="Transação autorizada")


class Schedule(InMemoryBillingStore):
    """The billing store with its schedule: the tick's day lists as the DynamoDB store's ``by_charge_day`` index
    holds them (``try_schedule.try_day``: queued on a day once claimed, else due on the next try's day, open
    invoices only)."""

    def __init__(self) -> None:
        super().__init__(ZONE)
        self.choices: dict[int, RecurringChoice] = {}
        self.refuse_starts = 0  # the next N starts lose to a concurrent write
        self.refuse_finishes = 0  # the next N outcomes lose to a concurrent write

    def charges_on(self, listed: TryDay) -> Iterator[PendingTry]:
        return iter([PendingTry(i.id, i.retry_at, i.queued_at) for i in self.invoices.values()
                     if try_day(i) == listed])

    def queue_charge(self, invoice_id: int, listed: TryDay, today: date, at: datetime) -> bool:
        current = self.invoices[invoice_id]
        if try_day(current) != listed:
            return False
        self.invoices[invoice_id] = replace(current, queued_on=today, queued_at=at, version=current.version + 1)
        return True

    def choice(self, service_id: int) -> RecurringChoice | None:
        return self.choices.get(service_id)

    def start(self, invoice: Invoice, expected_version: int, attempt: Any) -> bool:
        if self.refuse_starts:
            self.refuse_starts -= 1
            current = self.invoices[invoice.id]
            self.invoices[invoice.id] = replace(current, version=current.version + 1)  # e.g. the suspension tick
            return False
        return super().start(invoice, expected_version, attempt)

    def finish(self, invoice: Invoice, expected_version: int, attempt: Any, events: Any = ()) -> bool:
        if self.refuse_finishes:
            self.refuse_finishes -= 1
            current = self.invoices[invoice.id]
            self.invoices[invoice.id] = replace(current, version=current.version + 1)
            return False
        return super().finish(invoice, expected_version, attempt, events)


@dataclass
class Gateway:
    answers: list[ChargeResult | Exception] = field(default_factory=list)  # an exception is raised
    found: dict[str, list[ChargeResult]] = field(default_factory=dict)
    sales: list[Charge] = field(default_factory=list)
    during: Callable[[], None] | None = None  # runs while the gateway holds the charge (a concurrent writer)
    name: str = "cielo"

    def tokenize(self, card: CardToTokenize) -> str:
        return "token"

    def charge(self, charge: Charge) -> ChargeResult:
        self.sales.append(charge)
        if self.during:
            self.during()
        answer = self.answers.pop(0) if self.answers else approved()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def find(self, order_id: str) -> list[ChargeResult] | None:
        return self.found.get(order_id)

    def forget(self, card_token: str) -> None:
        return None


class Sealer:
    def seal(self, plaintext: str, context: Mapping[str, str]) -> Sealed:
        return Sealed(plaintext, "", "")

    def open(self, sealed: Sealed, context: Mapping[str, str]) -> str:
        return "{}" if "gateway" in context else "gateway-token"


def config(gateway: str = "cielo", auto: bool = True) -> GatewayConfig:
    return GatewayConfig(gateway, True, "sandbox", auto, TOKEN, {}, AT)


CUSTOMER = Customer(1, 1, "Maria", "52998224725", "11987654321", "", datetime(2026, 1, 1, tzinfo=UTC))
SERVICE = Service(5, 1, "Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000"))


class People:
    def service(self, service_id: int) -> Service:
        return SERVICE

    def get(self, customer_id: int) -> Customer:
        return CUSTOMER


class Wallets:
    def __init__(self, *cards: Card) -> None:
        self.cards = list(cards)

    def wallet(self, customer_id: int) -> Wallet:
        return Wallet(customer_id, tuple(self.cards), self.cards[0].id if self.cards else None, 1)

    def customer_and_wallet(self, customer_id: int) -> tuple[Customer, Wallet]:
        return CUSTOMER, self.wallet(customer_id)

    def flag(self, customer_id: int, card_id: int, reason: str) -> None:
        self.cards = [replace(c, refused_reason=reason) if c.id == card_id else c for c in self.cards]

    def start_chain(self, customer_id: int, card_id: int, started_at: datetime, issuer_transaction_id: str) -> None:
        self.cards = [replace(c, chain_started_at=started_at, issuer_transaction_id=issuer_transaction_id)
                      if c.id == card_id and c.chain_started_at is None else c for c in self.cards]


class Plans:
    def for_service(self, service: Service) -> DunningPlan:
        return DunningPlan(warn_after=10, suspend_after=15)


def card(card_id: int = 1, gateway: str = "cielo", expiry_year: int = 2031) -> Card:
    return Card(card_id, 1, "Visa", "1234", "MARIA", 12, expiry_year, gateway, AT, TOKEN)


@dataclass
class World:
    recurring: RecurringCharges
    schedule: Schedule
    invoices: InvoiceService
    charges: ChargeService
    queue: RecordingPublisher
    configs: InMemoryGatewayConfigs
    wallets: Wallets
    gateway: Gateway
    clock: MutableClock

    def invoice(self, due: date = DUE) -> Invoice:
        return self.invoices.create(NewInvoice(SERVICE.id, 9990, due))

    def tick(self, at: datetime = AT) -> dict[str, Any]:
        self.clock.now = at
        return dict(self.recurring.enqueue_due(at))

    def messages(self) -> list[Message]:
        return [Message(body["type"], body["id"], body["payload"]) for queue, body in self.queue.sent
                if queue == CHARGES]

    def stored(self, invoice_id: int) -> Invoice:
        return self.invoices.get(invoice_id)


@pytest.fixture
def world() -> World:
    return build_world()


def build_world() -> World:
    """Cielo configured with automatic recurrence, one customer with one Visa card on it, recurring payment on."""
    clock = MutableClock(AT)
    schedule = Schedule()
    schedule.choices[SERVICE.id] = RecurringChoice(SERVICE.id, True, None)
    configs = InMemoryGatewayConfigs([config()])
    gateway = Gateway()
    settings = GatewaySettingsService(configs, Sealer(), clock, lambda name, env, creds: gateway)
    wallets = Wallets(card())
    cards = CardService(wallets, People(), settings, Sealer(), InMemorySequences(), clock, ZONE)  # type: ignore[arg-type]
    invoices = InvoiceService(schedule, People(), InMemorySequences(), clock, Plans(), ZONE)
    ids = iter(range(1, 10_000))
    charges = ChargeService(schedule, invoices, cards, settings, People(), clock, ZONE, lambda: f"e{next(ids)}",
                            metrics=CountingMetrics(), order_id=lambda invoice, n: f"F{invoice}T{n}",
                            timing=ChargeTiming())
    queue = RecordingPublisher()
    recurring = RecurringCharges(schedule, invoices, charges, cards, settings, queue, clock, ZONE,
                                 lambda: f"n{next(ids)}")
    return World(recurring, schedule, invoices, charges, queue, configs, wallets, gateway, clock)


def summary(read: int = 0, queued: int = 0, requeued: int = 0, waiting: int = 0) -> dict[str, Any]:
    return {"lidas": read, "enfileiradas": queued, "reenfileiradas": requeued, "aguardando_nova_tentativa": waiting}


# ------------------------------------------------------------------ the tick
def test_without_any_card_gateway_the_tick_reads_nothing_and_says_why(world: World) -> None:
    world.invoice()
    world.configs.configs = []
    assert world.tick() == {**summary(), "motivo": "nenhum gateway de cartão configurado"}
    assert world.queue.sent == []


def test_without_a_gateway_that_allows_automatic_recurrence_the_tick_says_why(world: World) -> None:
    world.invoice()
    world.configs.configs = [config(auto=False)]
    assert world.tick() == {**summary(), "motivo": "nenhum gateway de cartão permite recorrência automática"}
    assert world.queue.sent == []
    world.configs.configs = [config(auto=False), config("getnet", auto=True)]
    assert world.tick() == summary(read=1, queued=1)


def test_a_try_due_today_is_claimed_and_sent_to_the_charges_queue_once(world: World) -> None:
    invoice = world.invoice()
    assert world.tick() == summary(read=1, queued=1)
    assert world.queue.sent == [(CHARGES, {"type": "cobranca_recorrente", "id": f"F{invoice.id}D2026-12-10",
                                           "payload": {"id_fatura": invoice.id, "data": "2026-12-10"}})]
    claimed = world.stored(invoice.id)
    assert (claimed.queued_on, claimed.queued_at, claimed.version) == (DUE, AT, invoice.version + 1)
    # The same hour again (a re-run, an overlapping tick): the claim is read, nothing is sent again.
    assert world.tick(AT + timedelta(minutes=5)) == summary(read=1)
    assert len(world.queue.sent) == 1


def test_each_entry_read_queued_or_waiting_is_counted(world: World) -> None:
    first, second = world.invoice(), world.invoice()
    assert world.tick() == summary(read=2, queued=2)
    assert world.tick(AT + timedelta(minutes=5)) == summary(read=2)  # both claims read again, neither stale
    assert world.tick(AT + STALE_CLAIM) == summary(read=2, requeued=2)
    for invoice in (first, second):
        world.schedule.invoices[invoice.id] = replace(world.stored(invoice.id), queued_on=None, queued_at=None,
                                                      retry_at=AT + timedelta(hours=3))
    assert world.tick(AT + timedelta(hours=2, minutes=30)) == summary(read=2, waiting=2)


def test_the_tick_looks_back_a_few_days_and_never_ahead(world: World) -> None:
    assert LOOKBACK_DAYS == 3
    by_day = {days: world.invoice(DUE - timedelta(days=days)).id for days in (-1, 0, 1, 3, 4)}
    assert world.tick() == summary(read=3, queued=3)
    queued = {int(m.payload["id_fatura"]): m.payload["data"] for m in world.messages()}
    # Late tries are made today: the message carries the tick's day, not the day they were due.
    assert queued == {by_day[0]: "2026-12-10", by_day[1]: "2026-12-10", by_day[3]: "2026-12-10"}


def test_the_tick_works_in_the_providers_day_not_utcs(world: World) -> None:
    today = world.invoice(DUE)
    tomorrow = world.invoice(DUE + timedelta(days=1))
    late_evening = datetime(2026, 12, 11, 2, 30, tzinfo=UTC)  # 23:30 on the 10th in São Paulo
    assert world.tick(late_evening) == summary(read=1, queued=1)
    assert [(int(m.payload["id_fatura"]), m.payload["data"]) for m in world.messages()] == [(today.id, "2026-12-10")]
    assert world.stored(tomorrow.id).queued_on is None


def test_a_try_in_backoff_waits_until_its_time(world: World) -> None:
    invoice = world.invoice()
    world.schedule.invoices[invoice.id] = replace(invoice, retry_at=AT + timedelta(minutes=1))
    assert world.tick() == summary(read=1, waiting=1)
    assert world.queue.sent == []
    assert world.tick(AT + timedelta(minutes=1)) == summary(read=1, queued=1)


def test_a_claim_that_never_became_a_try_is_sent_again_after_a_while(world: World) -> None:
    invoice = world.invoice()
    world.tick()
    assert STALE_CLAIM == timedelta(hours=2)
    assert world.tick(AT + STALE_CLAIM - timedelta(seconds=1)) == summary(read=1)
    later = AT + STALE_CLAIM
    assert world.tick(later) == summary(read=1, requeued=1)
    assert [m.id for m in world.messages()] == [f"F{invoice.id}D2026-12-10"] * 2
    assert (world.stored(invoice.id).queued_on, world.stored(invoice.id).queued_at) == (DUE, later)


def test_yesterdays_stale_claim_is_sent_again_as_todays(world: World) -> None:
    invoice = world.invoice(DUE - timedelta(days=1))
    # Claimed by yesterday's 20:00 tick (São Paulo), its message lost.
    world.schedule.invoices[invoice.id] = replace(invoice, queued_on=DUE - timedelta(days=1),
                                                  queued_at=AT - timedelta(hours=14))
    report = world.tick()
    assert (report["enfileiradas"], report["reenfileiradas"]) == (0, 1)
    assert [m.payload for m in world.messages()] == [{"id_fatura": invoice.id, "data": "2026-12-10"}]
    assert world.stored(invoice.id).queued_on == DUE


def test_a_claim_stranded_days_ago_is_sent_again_within_the_look_back(world: World) -> None:
    # The tick that claimed it died before sending, and no tick ran for days after it.
    stranded, forgotten = world.invoice(), world.invoice()
    world.schedule.invoices[stranded.id] = replace(stranded, queued_on=DUE - timedelta(days=LOOKBACK_DAYS),
                                                   queued_at=AT - timedelta(days=LOOKBACK_DAYS))
    world.schedule.invoices[forgotten.id] = replace(forgotten, queued_on=DUE - timedelta(days=LOOKBACK_DAYS + 1),
                                                    queued_at=AT - timedelta(days=LOOKBACK_DAYS + 1))
    # read once (the claim moved to today's queue, which this tick had read already), sent again once
    assert world.tick() == summary(read=1, requeued=1)
    assert [m.payload for m in world.messages()] == [{"id_fatura": stranded.id, "data": "2026-12-10"}]
    assert world.stored(forgotten.id).queued_on == DUE - timedelta(days=LOOKBACK_DAYS + 1)  # left to the operator


# -------------------------------------------------------------- the consumer
def queued(world: World, due: date = DUE) -> tuple[Invoice, Message]:
    invoice = world.invoice(due)
    world.tick()
    return world.stored(invoice.id), world.messages()[-1]


def test_a_queued_try_is_made_at_the_gateway_that_holds_the_card(world: World) -> None:
    invoice, message = queued(world)
    assert world.recurring.handle(message) == "aprovado"
    assert [(s.order_id, s.amount_cents, s.recurring) for s in world.gateway.sales] == [(f"F{invoice.id}T1", 9990,
                                                                                         True)]
    assert world.stored(invoice.id).status == PAID
    assert [(a.recurring, a.try_number, a.forced) for a in world.charges.attempts(invoice.id)] == [(True, 1, False)]
    assert world.recurring.handle(message) == "já processada"  # a duplicate delivery
    assert len(world.gateway.sales) == 1


def test_a_message_for_an_invoice_that_does_not_exist_is_dropped(world: World) -> None:
    assert world.recurring.handle(Message("cobranca_recorrente", "F99D2026-12-10",
                                          {"id_fatura": 99, "data": "2026-12-10"})) == "fatura inexistente"


def test_a_message_of_another_day_than_the_claim_is_left_alone(world: World) -> None:
    invoice, message = queued(world)
    other = replace(message, payload={"id_fatura": invoice.id, "data": "2026-12-09"})
    assert world.recurring.handle(other) == "já processada"
    assert world.gateway.sales == [] and world.stored(invoice.id) == invoice


@pytest.mark.parametrize("choice", [None, RecurringChoice(SERVICE.id, False, None)])
def test_recurring_payment_turned_off_after_the_tick_drops_the_try(world: World,
                                                                    choice: RecurringChoice | None) -> None:
    # A try that failed on our side earlier (its backoff over) and is now dropped: no schedule is left behind.
    created = world.invoice()
    world.schedule.invoices[created.id] = replace(created, retry_at=AT - timedelta(hours=1), technical_failures=1)
    world.tick()
    invoice, message = world.stored(created.id), world.messages()[-1]
    world.schedule.choices.pop(SERVICE.id)
    if choice:
        world.schedule.choices[SERVICE.id] = choice
    assert world.recurring.handle(message) == "pagamento recorrente desligado"
    assert world.gateway.sales == []
    assert world.stored(invoice.id) == replace(invoice, next_charge=None, try_due_on=None, queued_on=None,
                                               queued_at=None, retry_at=None, version=invoice.version + 1)
    assert world.schedule.events == []


def test_a_dropped_try_is_logged_with_its_invoice_and_why(world: World, caplog: pytest.LogCaptureFixture) -> None:
    invoice, message = queued(world)
    world.schedule.choices.pop(SERVICE.id)
    with caplog.at_level(logging.INFO, logger="chalicelib.billing.recurring.runner"):
        world.recurring.handle(message)
    assert [(r.levelno, r.args) for r in caplog.records] == [(logging.INFO, (invoice.id,
                                                                             "pagamento recorrente desligado"))]


def test_without_a_usable_card_the_try_is_dropped_and_the_customer_told(world: World) -> None:
    invoice, message = queued(world)
    world.wallets.cards = [card(expiry_year=2025)]
    assert world.recurring.handle(message) == "sem cartão utilizável"
    assert world.gateway.sales == []
    assert world.stored(invoice.id) == replace(invoice, next_charge=None, try_due_on=None, queued_on=None,
                                               queued_at=None, retry_at=None, version=invoice.version + 1)
    assert [(e["type"], e["payload"]["id_fatura"]) for e in world.schedule.events] == [("cartao_requer_acao",
                                                                                        invoice.id)]


def test_the_chosen_card_is_charged_not_the_default(world: World) -> None:
    world.wallets.cards = [card(1), replace(card(2), last_digits="9876")]
    world.schedule.choices[SERVICE.id] = RecurringChoice(SERVICE.id, True, 2)
    invoice, message = queued(world)
    assert world.recurring.handle(message) == "aprovado"
    assert [a.card_id for a in world.charges.attempts(invoice.id)] == [2]


def test_a_card_whose_gateway_is_gone_is_sent_nowhere_and_the_try_dropped(world: World) -> None:
    world.configs.configs = [config(), config("getnet")]
    world.wallets.cards = [card(gateway="getnet")]
    invoice, message = queued(world)
    world.configs.configs = [config()]
    assert world.recurring.handle(message) == "gateway do cartão não configurado"
    assert world.gateway.sales == []
    assert [(a.status, a.return_code) for a in world.charges.attempts(invoice.id)] == [("erro",
                                                                                        "gateway_nao_configurado")]
    assert [(e["type"], e["payload"]["cartao"]) for e in world.schedule.events] == [("cartao_requer_acao",
                                                                                     "Visa •••• 1234")]
    assert world.stored(invoice.id).next_charge is None


def test_a_gateway_without_automatic_recurrence_keeps_the_try_for_the_next_day(world: World) -> None:
    world.configs.configs = [config(), config("getnet", auto=False)]
    world.wallets.cards = [card(gateway="getnet")]
    invoice, message = queued(world)
    assert world.recurring.handle(message) == "gateway sem recorrência automática"
    assert world.gateway.sales == []
    midnight = datetime(2026, 12, 11, tzinfo=ZONE)
    assert world.stored(invoice.id) == replace(invoice, queued_on=None, queued_at=None, retry_at=midnight,
                                               version=invoice.version + 1)
    assert world.tick(AT + timedelta(hours=4)) == summary(read=1, waiting=1)
    assert world.tick(midnight.astimezone(UTC)) == summary(read=1, queued=1)  # the due day is within the look-back


def test_a_try_being_made_by_another_delivery_is_left_to_it(world: World) -> None:
    invoice, message = queued(world)
    world.gateway.answers = [ChargeResult(Classification(Outcome.UNKNOWN, ""))]  # no answer: stays in flight
    assert world.recurring.handle(message) == "processando"
    charging = world.stored(invoice.id)
    assert charging.charging == f"F{invoice.id}T1"
    # The unknown outcome gave the claim back (a later tick looks it up): a redelivery of the old message finds
    # it no longer queued; one of the new claim, while the attempt may still be on its way, leaves it alone.
    again = replace(message, receive_count=2)
    assert world.recurring.handle(again) == "já processada"
    world.schedule.invoices[invoice.id] = replace(charging, queued_on=DUE, queued_at=AT)
    assert world.recurring.handle(again) == "em andamento por outra entrega"
    assert len(world.gateway.sales) == 1


def test_an_attempt_of_unknown_outcome_is_reconciled_not_sent_again(world: World) -> None:
    invoice, message = queued(world)
    world.gateway.answers = [ChargeResult(Classification(Outcome.UNKNOWN, ""))]
    world.recurring.handle(message)
    order = f"F{invoice.id}T1"
    world.schedule.invoices[invoice.id] = replace(world.stored(invoice.id), queued_on=DUE, queued_at=AT)
    world.clock.advance(minutes=10)
    assert world.recurring.handle(message) == "aguardando conciliação"  # not listed yet: too early to trust
    world.schedule.invoices[invoice.id] = replace(world.stored(invoice.id), queued_on=DUE, queued_at=AT)
    world.gateway.found[order] = [replace(approved(), amount_cents=9990, received_at=AT)]
    assert world.recurring.handle(message) == "conciliada"
    assert world.stored(invoice.id).status == PAID
    assert len(world.gateway.sales) == 1


def test_an_invoice_no_longer_owed_or_out_of_tries_is_unscheduled(world: World) -> None:
    # States an invoice can only reach if written outside this flow (the consumer trusts no message).
    invoice, message = queued(world)
    world.schedule.invoices[invoice.id] = replace(invoice, status=PAID)
    assert world.recurring.handle(message) == f"fatura {PAID}"
    assert world.stored(invoice.id).next_charge is None and world.stored(invoice.id).version == invoice.version + 1
    other, message = queued(world)
    world.schedule.invoices[other.id] = replace(other, recurring_tries=MAX_RECURRING_TRIES)
    assert world.recurring.handle(message) == "tentativas esgotadas"
    assert world.stored(other.id).queued_on is None
    assert world.gateway.sales == []


def test_a_try_that_loses_its_invoice_to_a_concurrent_write_reads_it_again(world: World) -> None:
    invoice, message = queued(world)
    world.schedule.refuse_starts = HANDLE_TRIES - 1
    assert world.recurring.handle(message) == "aprovado"
    assert len(world.gateway.sales) == 1


def test_a_try_that_keeps_losing_gives_up_for_a_later_claim(world: World) -> None:
    invoice, message = queued(world)
    world.schedule.refuse_starts = HANDLE_TRIES
    assert world.recurring.handle(message) == "alterada durante a cobrança"
    assert world.gateway.sales == [] and world.schedule.refuse_starts == 0
    assert world.stored(invoice.id).queued_on == DUE  # still claimed: sent again once the claim is stale


class Broken(Exception):
    pass


@pytest.mark.parametrize("delivery", [1, MAX_RECEIVE_COUNT - 1])
def test_a_failure_before_the_last_delivery_is_left_to_sqs(world: World, delivery: int) -> None:
    invoice, message = queued(world)
    world.wallets.customer_and_wallet = _raise  # type: ignore[method-assign]
    with pytest.raises(Broken):
        world.recurring.handle(replace(message, receive_count=delivery))
    assert world.charges.attempts(invoice.id) == []


def test_a_failure_on_the_last_delivery_is_shown_on_the_panel_before_the_dead_letter_queue(world: World) -> None:
    invoice, message = queued(world)
    world.wallets.customer_and_wallet = _raise  # type: ignore[method-assign]
    with pytest.raises(Broken):
        world.recurring.handle(replace(message, receive_count=MAX_RECEIVE_COUNT))
    [failed] = world.charges.attempts(invoice.id)
    assert (failed.status, failed.return_code) == ("erro", "falha_tecnica")
    assert failed.return_message == ("Falha técnica repetida ao processar a cobrança (Broken: " + "x" * 200
                                     + "); mensagem movida para a fila de mensagens mortas.")


def _raise(customer_id: int) -> tuple[Customer, Wallet]:
    raise Broken("x" * 300)

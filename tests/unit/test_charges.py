"""Charge decisions over in-memory fakes: what is recorded for each gateway
answer, and how an unknown outcome is reconciled before anything is sent
again."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.billing.cards import Card, CardService, Wallet
from chalicelib.billing.charges import (
    APPROVED,
    DECLINED,
    ERROR,
    PROCESSING,
    RECONCILE_AFTER,
    ChargeAttempt,
    ChargeService,
)
from chalicelib.billing.declines import Classification, Outcome
from chalicelib.billing.gateway_settings import GatewayConfig, GatewaySettingsService
from chalicelib.billing.gateways import CardToTokenize, Charge, ChargeResult, GatewayRefusal
from chalicelib.billing.invoices import (
    MAX_RECURRING_TRIES,
    OPEN,
    PAID,
    DunningPlan,
    Invoice,
    InvoiceService,
    NewInvoice,
)
from chalicelib.customers.model import Address, Customer, Holder, Service
from chalicelib.errors import BusinessRuleError, ConflictError
from chalicelib.ports import CHARGES_APPROVED, CHARGES_DECLINED, CHARGES_ERRORED
from chalicelib.sealing import Sealed
from tests.conftest import MutableClock
from tests.fakes import CountingMetrics, InMemorySequences

ZONE = ZoneInfo("America/Sao_Paulo")
TOKEN = Sealed("c", "n", "k")


class Sealer:
    def seal(self, plaintext: str, context: Mapping[str, str]) -> Sealed:
        return Sealed(plaintext, "", "")

    def open(self, sealed: Sealed, context: Mapping[str, str]) -> str:
        return "gateway-token" if context.get("purpose") == "card-token" else "{}"  # a card token or credentials


@dataclass
class Gateway:
    """Answers charges from a script; ``sales`` are what it took, ``lookups`` the order ids asked for."""

    answers: list[ChargeResult | GatewayRefusal] = field(default_factory=list)
    found: dict[str, ChargeResult | None] = field(default_factory=dict)
    sales: list[Charge] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)
    name: str = "cielo"

    def tokenize(self, card: CardToTokenize) -> str:
        return "token"

    def charge(self, charge: Charge) -> ChargeResult:
        self.sales.append(charge)
        answer = self.answers.pop(0)
        if isinstance(answer, GatewayRefusal):
            raise answer
        return answer

    def find(self, order_id: str) -> ChargeResult | None:
        self.lookups.append(order_id)
        return self.found.get(order_id)

    def forget(self, card_token: str) -> None:
        return None


def result(outcome: Outcome, code: str = "") -> ChargeResult:
    return ChargeResult(Classification(outcome, code), payment_id="p", tid="t", return_code=code,
                        return_message=outcome.value)


class Configs:
    def __init__(self, clock: MutableClock) -> None:
        self.configs = [GatewayConfig("cielo", True, "sandbox", True, TOKEN, {}, clock())]

    def all(self) -> list[GatewayConfig]:
        return self.configs

    def save(self, config: GatewayConfig) -> None:
        self.configs = [config]


class Wallets:
    def __init__(self, card: Card) -> None:
        self.card = card

    def wallet(self, customer_id: int) -> Wallet:
        return Wallet(customer_id, (self.card,), self.card.id, 1)

    def flag(self, customer_id: int, card_id: int, reason: str) -> None:
        self.card = replace(self.card, refused_reason=reason)


class Billing:
    def __init__(self) -> None:
        self.invoices: dict[int, Invoice] = {}
        self.attempts_by_key: dict[tuple[int, int], ChargeAttempt] = {}
        self.events: list[dict[str, Any]] = []

    def add(self, invoice: Invoice) -> None:
        self.invoices[invoice.id] = invoice

    def get(self, invoice_id: int) -> Invoice | None:
        return self.invoices.get(invoice_id)

    def by_service(self, service_id: int) -> list[Invoice]:
        return [i for i in self.invoices.values() if i.customer_service_id == service_id]

    def replace(self, invoice: Invoice, expected_version: int) -> bool:
        if self.invoices[invoice.id].version != expected_version:
            return False
        self.invoices[invoice.id] = invoice
        return True

    def start(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt) -> bool:
        current = self.invoices[invoice.id]
        if current.version != expected_version or current.charging is not None:
            return False
        if attempt.recurring and current.recurring_tries >= MAX_RECURRING_TRIES:
            return False
        self.invoices[invoice.id] = invoice
        self.attempts_by_key[(attempt.invoice_id, attempt.number)] = attempt
        return True

    def record(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt) -> bool:
        if self.invoices[invoice.id].version != expected_version:
            return False
        self.invoices[invoice.id] = invoice
        self.attempts_by_key[(attempt.invoice_id, attempt.number)] = attempt
        return True

    def finish(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt,
               events: list[dict[str, Any]] | None = None) -> bool:
        stored = self.attempts_by_key[(attempt.invoice_id, attempt.number)]
        if self.invoices[invoice.id].version != expected_version or stored.status != PROCESSING:
            return False
        self.invoices[invoice.id] = invoice
        self.events += events or []
        self.attempts_by_key[(attempt.invoice_id, attempt.number)] = attempt
        return True

    def attempt(self, invoice_id: int, number: int) -> ChargeAttempt | None:
        return self.attempts_by_key.get((invoice_id, number))

    def attempts(self, invoice_id: int) -> list[ChargeAttempt]:
        return [a for (i, _), a in sorted(self.attempts_by_key.items()) if i == invoice_id]

    def by_date(self, first: datetime, last: datetime) -> Iterator[ChargeAttempt]:
        return iter(self.attempts_by_key.values())


class People:
    service_record = Service(1, 1, "Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000"),
                             holder=Holder(1, "Maria", "52998224725"))

    def service(self, service_id: int) -> Service:
        return self.service_record

    def get(self, customer_id: int) -> Customer:
        return Customer(1, 1, "Maria", "52998224725", "11987654321", "", datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture
def metrics() -> CountingMetrics:
    return CountingMetrics()


@pytest.fixture
def world(clock: MutableClock, metrics: CountingMetrics) -> tuple[ChargeService, Gateway, Billing, Invoice]:
    gateway = Gateway()
    settings = GatewaySettingsService(Configs(clock), Sealer(), clock, lambda name, env, creds: gateway)
    card = Card(1, 1, "Visa", "1234", "MARIA", 12, 2031, "cielo", clock(), TOKEN)
    cards = CardService(Wallets(card), People(), settings, Sealer(), InMemorySequences(), clock, ZONE)  # type: ignore[arg-type]
    billing = Billing()
    invoices = InvoiceService(billing, People(), InMemorySequences(), clock, Plans(), ZONE)
    invoice = invoices.create(NewInvoice(1, 9990, date(2026, 12, 10)))
    ids = iter(range(1, 1000))
    charges = ChargeService(billing, invoices, cards, settings, People(), clock, ZONE, lambda: f"e{next(ids)}",
                            metrics=metrics)
    return charges, gateway, billing, invoice


class Plans:
    def for_service(self, service: Service) -> DunningPlan:
        return DunningPlan(warn_after=10, suspend_after=15)


@pytest.mark.parametrize("answer, status, invoice_status", [
    (result(Outcome.APPROVED, "6"), APPROVED, PAID),
    (result(Outcome.RETRYABLE, "05"), DECLINED, OPEN),
    (result(Outcome.DO_NOT_RETRY, "77"), DECLINED, OPEN),
    (result(Outcome.CUSTOMER_ACTION, "78"), DECLINED, OPEN),
    (GatewayRefusal("126", "Credit Card Expiration Date is invalid"), ERROR, OPEN),
])
def test_each_answer_is_recorded(world: tuple[ChargeService, Gateway, Billing, Invoice],
                                 answer: ChargeResult | GatewayRefusal, status: str, invoice_status: str) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(answer)
    attempt, after = charges.charge(invoice.id, None, recurring=True)
    assert (attempt.status, after.status, after.charging, after.card_attempts) == (status, invoice_status, None, 1)
    assert billing.attempts(invoice.id) == [attempt]
    assert [s.order_id for s in gateway.sales] == [f"F{invoice.id}T1"] and gateway.sales[0].recurring
    assert gateway.lookups == []


def test_an_unknown_answer_is_looked_up_at_once(world: tuple[ChargeService, Gateway, Billing, Invoice]) -> None:
    charges, gateway, _, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    gateway.found[f"F{invoice.id}T1"] = result(Outcome.APPROVED, "6")
    attempt, after = charges.charge(invoice.id, None, recurring=False)
    assert (attempt.status, after.status) == (APPROVED, PAID) and gateway.lookups == [f"F{invoice.id}T1"]


def test_a_sale_not_found_is_trusted_only_later(world: tuple[ChargeService, Gateway, Billing, Invoice],
                                                clock: MutableClock) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    attempt, after = charges.charge(invoice.id, None, recurring=False)
    assert (attempt.status, after.charging) == (PROCESSING, f"F{invoice.id}T1")
    clock.advance(minutes=4)
    with pytest.raises(ConflictError, match="resultado desconhecido"):
        charges.charge(invoice.id, None, recurring=False)
    assert len(gateway.sales) == 1
    clock.advance(minutes=2)
    gateway.answers.append(result(Outcome.APPROVED, "6"))
    second, paid = charges.charge(invoice.id, None, recurring=False)
    assert [a.status for a in billing.attempts(invoice.id)] == [ERROR, APPROVED]
    assert (second.number, second.order_id, paid.status, paid.card_attempts) == (2, f"F{invoice.id}T2", PAID, 2)


def test_a_sale_found_later_settles_the_invoice_without_a_new_charge(
        world: tuple[ChargeService, Gateway, Billing, Invoice], clock: MutableClock) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    charges.charge(invoice.id, None, recurring=False)
    gateway.found[f"F{invoice.id}T1"] = result(Outcome.RETRYABLE, "05")
    clock.advance(seconds=30)
    gateway.answers.append(result(Outcome.APPROVED, "6"))
    attempt, after = charges.charge(invoice.id, None, recurring=False)
    assert [a.status for a in billing.attempts(invoice.id)] == [DECLINED, APPROVED]
    assert (attempt.number, after.status, len(gateway.sales)) == (2, PAID, 2)


def test_an_outcome_recorded_by_another_request_is_reported_not_overwritten(
        world: tuple[ChargeService, Gateway, Billing, Invoice]) -> None:
    charges, gateway, billing, invoice = world

    def answer_after_someone_reconciled(charge: Charge) -> ChargeResult:
        # while our call was in flight, another request reconciled the attempt as approved
        started = billing.invoices[invoice.id]
        attempt = billing.attempts_by_key[(invoice.id, 1)]
        billing.finish(replace(started, status=PAID, charging=None, version=started.version + 1), started.version,
                       replace(attempt, status=APPROVED, return_code="6"))
        return result(Outcome.APPROVED, "6")

    gateway.charge = answer_after_someone_reconciled  # type: ignore[method-assign]
    attempt, after = charges.charge(invoice.id, None, recurring=False)
    assert (attempt.status, attempt.return_code, after.status) == (APPROVED, "6", PAID)
    assert billing.invoices[invoice.id].version == after.version


def test_settling_or_cancelling_waits_for_an_unknown_charge(
        world: tuple[ChargeService, Gateway, Billing, Invoice], clock: MutableClock) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    charges.charge(invoice.id, None, recurring=False)
    invoices = charges._invoices
    with pytest.raises(ConflictError, match="aguarde a conciliação"):
        invoices.settle(invoice.id, 9990, clock() + timedelta(hours=1), "pix")
    with pytest.raises(ConflictError, match="aguarde a conciliação"):
        invoices.cancel(invoice.id)


# ---------------------------------------------------------------- recurring tries and their schedule
TICK = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)  # 10:00 in São Paulo


def queued(billing: Billing, invoice: Invoice, on: date = date(2026, 12, 10), at: datetime = TICK) -> Invoice:
    """The invoice as a tick leaves it once it claimed its try."""
    current = billing.invoices[invoice.id]
    billing.invoices[invoice.id] = replace(current, queued_on=on, queued_at=at, version=current.version + 1)
    return billing.invoices[invoice.id]


def recurring_try(charges: ChargeService, billing: Billing, invoice: Invoice,
                  on: date = date(2026, 12, 10)) -> tuple[ChargeAttempt, Invoice]:
    current = queued(billing, invoice, on, datetime.combine(on, TICK.timetz()))
    return charges.attempt(current, charges._card(current.customer_id, None), recurring=True)


def test_a_retryable_decline_schedules_the_next_day_then_stops_at_two(
        world: tuple[ChargeService, Gateway, Billing, Invoice]) -> None:
    charges, gateway, billing, invoice = world
    assert invoice.next_charge == date(2026, 12, 10)  # from the due date
    gateway.answers += [result(Outcome.RETRYABLE, "05"), result(Outcome.CUSTOMER_ACTION, "78")]
    first, after = recurring_try(charges, billing, invoice)
    assert (first.try_number, after.recurring_tries, after.next_charge, after.queued_on) == \
        (1, 1, date(2026, 12, 11), None)
    second, after = recurring_try(charges, billing, invoice, date(2026, 12, 11))
    assert (second.try_number, after.recurring_tries, after.next_charge) == (2, 2, None)
    with pytest.raises(BusinessRuleError, match="2 tentativas recorrentes"):
        charges.charge(invoice.id, None, recurring=True)
    # the store's condition holds even for a caller that skips the check
    with pytest.raises(ConflictError):
        recurring_try(charges, billing, invoice, date(2026, 12, 12))
    assert len(gateway.sales) == 2
    assert [e["type"] for e in billing.events] == ["pagamento_recusado", "cartao_requer_acao"]
    assert billing.events[0]["payload"]["proxima_tentativa"] == "2026-12-11"
    assert billing.events[1]["payload"]["proxima_tentativa"] is None


def test_a_technical_failure_gives_the_try_back_with_backoff(
        world: tuple[ChargeService, Gateway, Billing, Invoice]) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers += [GatewayRefusal("500", "Erro interno"), GatewayRefusal("500", "Erro interno")]
    _, after = recurring_try(charges, billing, invoice)
    assert (after.recurring_tries, after.technical_failures, after.next_charge, after.retry_at) == \
        (0, 1, date(2026, 12, 10), TICK + timedelta(hours=1))
    _, after = recurring_try(charges, billing, invoice)
    assert (after.recurring_tries, after.technical_failures, after.retry_at) == (0, 2, TICK + timedelta(hours=2))
    assert billing.events == []  # nothing reached the issuer: nothing to tell the customer
    gateway.answers.append(result(Outcome.APPROVED, "6"))
    attempt, after = recurring_try(charges, billing, invoice)
    assert (attempt.try_number, after.status, after.next_charge, after.technical_failures) == (1, PAID, None, 0)


def test_never_retry_flags_the_card_and_ends_the_schedule(
        world: tuple[ChargeService, Gateway, Billing, Invoice]) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.DO_NOT_RETRY, "77"))
    _, after = recurring_try(charges, billing, invoice)
    assert (after.recurring_tries, after.next_charge) == (1, None)
    card = charges._card(invoice.customer_id, None)
    assert card.refused_reason.startswith("77") and not card.usable_on(date(2026, 12, 10))


def test_an_unknown_recurring_outcome_is_looked_up_by_a_later_tick(
        world: tuple[ChargeService, Gateway, Billing, Invoice], clock: MutableClock) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    attempt, after = recurring_try(charges, billing, invoice)
    assert (attempt.status, after.charging, after.queued_on, after.next_charge, after.retry_at) == \
        (PROCESSING, attempt.order_id, None, date(2026, 12, 10), TICK + RECONCILE_AFTER)
    clock.advance(minutes=6)
    gateway.found[attempt.order_id] = result(Outcome.APPROVED, "6")
    settled = charges.reconcile(queued(billing, after, at=TICK + timedelta(hours=1)))
    assert (settled.status, settled.recurring_tries, len(gateway.sales)) == (PAID, 1, 1)


def test_a_failure_on_our_side_is_recorded_and_rescheduled(
        world: tuple[ChargeService, Gateway, Billing, Invoice]) -> None:
    charges, gateway, billing, invoice = world
    queued(billing, invoice)
    charges.record_failure(invoice.id, "Falha técnica repetida")
    [row] = billing.attempts(invoice.id)
    after = billing.invoices[invoice.id]
    assert (row.status, row.return_code, row.technical, row.try_number) == (ERROR, "falha_tecnica", True, 1)
    assert (after.recurring_tries, after.queued_on, after.retry_at, after.card_attempts) == \
        (0, None, TICK + timedelta(hours=1), 1)
    assert gateway.sales == []


# ---------------------------------------------------------------- business metrics
World = tuple[ChargeService, Gateway, Billing, Invoice]


@pytest.mark.parametrize("answer, metric", [
    (result(Outcome.APPROVED, "6"), CHARGES_APPROVED),
    (result(Outcome.RETRYABLE, "05"), CHARGES_DECLINED),
    (result(Outcome.DO_NOT_RETRY, "77"), CHARGES_DECLINED),
    (result(Outcome.CUSTOMER_ACTION, "78"), CHARGES_DECLINED),
    (GatewayRefusal("126", "Credit Card Expiration Date is invalid"), CHARGES_ERRORED),
])
@pytest.mark.parametrize("recurring", [False, True], ids=["operador", "recorrente"])
def test_each_gateway_answer_counts_its_metric_once(world: World, metrics: CountingMetrics, recurring: bool,
                                                     answer: ChargeResult | GatewayRefusal, metric: str) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(answer)
    if recurring:
        recurring_try(charges, billing, invoice)
    else:
        charges.charge(invoice.id, None, recurring=False)
    assert metrics.counts == {metric: 1}


def test_an_unknown_answer_found_at_once_counts_only_its_outcome(world: World, metrics: CountingMetrics) -> None:
    charges, gateway, _, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    gateway.found[f"F{invoice.id}T1"] = result(Outcome.RETRYABLE, "05")
    charges.charge(invoice.id, None, recurring=False)
    assert metrics.counts == {CHARGES_DECLINED: 1}


def test_an_outcome_left_unknown_counts_as_errored_then_as_what_reconciliation_learns(
        world: World, metrics: CountingMetrics, clock: MutableClock) -> None:
    # GIVEN a charge whose answer was lost and which the gateway does not list yet
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    attempt, after = charges.charge(invoice.id, None, recurring=False)
    assert metrics.counts == {CHARGES_ERRORED: 1}
    # WHEN reconciliation looks again, first too early, then once the gateway lists it as approved
    clock.advance(minutes=1)
    charges.reconcile(after)
    assert metrics.counts == {CHARGES_ERRORED: 1}
    gateway.found[attempt.order_id] = result(Outcome.APPROVED, "6")
    clock.advance(minutes=6)
    charges.reconcile(billing.invoices[invoice.id])
    # THEN the approval counts once, and the error is not counted again
    assert metrics.counts == {CHARGES_ERRORED: 1, CHARGES_APPROVED: 1}


def test_a_sale_never_received_is_not_counted_twice(world: World, metrics: CountingMetrics,
                                                    clock: MutableClock) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    charges.charge(invoice.id, None, recurring=False)
    clock.advance(minutes=6)
    settled = charges.reconcile(billing.invoices[invoice.id])
    assert settled.charging is None and billing.attempts(invoice.id)[0].status == ERROR
    assert metrics.counts == {CHARGES_ERRORED: 1}


def test_an_operators_verdict_by_hand_counts_nothing(world: World, metrics: CountingMetrics,
                                                     clock: MutableClock) -> None:
    charges, gateway, _, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    charges.charge(invoice.id, None, recurring=False)
    clock.advance(minutes=6)
    attempt, _ = charges.settle_by_hand(invoice.id, True, "visto no portal", "admin")
    assert attempt.status == APPROVED
    assert metrics.counts == {CHARGES_ERRORED: 1}  # the lost answer only: no gateway call by hand


def test_a_failure_on_our_side_counts_as_errored(world: World, metrics: CountingMetrics) -> None:
    charges, _, billing, invoice = world
    queued(billing, invoice)
    charges.record_failure(invoice.id, "Falha técnica repetida")
    charges.record_failure(invoice.id, "de novo, já reagendada")  # not queued any more: nothing recorded
    assert metrics.counts == {CHARGES_ERRORED: 1}

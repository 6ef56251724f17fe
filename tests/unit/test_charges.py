"""Charge decisions over in-memory fakes: what is recorded for each gateway
answer, and how an unknown outcome is reconciled before anything is sent
again."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.billing.cards.service import Card, CardService, Wallet
from chalicelib.billing.charging.charges import (
    APPROVED,
    CONNECT_ALLOWANCE,
    DECLINED,
    ERROR,
    GATEWAY_CALLS_PER_ATTEMPT,
    PROCESSING,
    SALE_TIME_TOLERANCE,
    ChargeAttempt,
    ChargeService,
    ChargeTiming,
    matching_sale,
)
from chalicelib.billing.charging.declines import Classification, Outcome
from chalicelib.billing.charging.order_ids import PREFIX_LENGTH, OrderIds, random_prefix
from chalicelib.billing.gateways import CardToTokenize, Charge, ChargeResult, GatewayRefusal
from chalicelib.billing.gateways.settings import GatewayConfig, GatewaySettingsService
from chalicelib.billing.invoices.service import (
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
from chalicelib.queues import Message
from chalicelib.sealing import Sealed
from tests.conftest import MutableClock
from tests.fakes import CountingMetrics, InMemoryBillingStore, InMemoryGatewayConfigs, InMemorySequences

ZONE = ZoneInfo("America/Sao_Paulo")
TOKEN = Sealed("c", "n", "k")
TIMING = ChargeTiming()
PREFIX = "INST0PREFX"


class Sealer:
    """Opens card tokens and credentials; ``broken`` stands for KMS refusing to open a card's token."""

    def __init__(self) -> None:
        self.broken = False

    def seal(self, plaintext: str, context: Mapping[str, str]) -> Sealed:
        return Sealed(plaintext, "", "")

    def open(self, sealed: Sealed, context: Mapping[str, str]) -> str:
        if self.broken and context.get("purpose") == "card-token":
            raise RuntimeError("KMS: DisabledException")
        return "gateway-token" if context.get("purpose") == "card-token" else "{}"  # a card token or credentials


@dataclass
class Gateway:
    """Answers charges from a script; ``sales`` are what it took, ``lookups`` the order ids asked for. A sale it
    lists (``found``) carries the amount and time it took the charge at, as a real gateway's query does."""

    clock: MutableClock
    answers: list[ChargeResult | GatewayRefusal] = field(default_factory=list)
    found: dict[str, ChargeResult | None] = field(default_factory=dict)
    sales: list[Charge] = field(default_factory=list)
    taken_at: dict[str, datetime] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)
    name: str = "cielo"

    def tokenize(self, card: CardToTokenize) -> str:
        return "token"

    def charge(self, charge: Charge) -> ChargeResult:
        self.sales.append(charge)
        self.taken_at[charge.order_id] = self.clock()
        answer = self.answers.pop(0)
        if isinstance(answer, GatewayRefusal):
            raise answer
        return answer

    def find(self, order_id: str) -> list[ChargeResult] | None:
        self.lookups.append(order_id)
        found = self.found.get(order_id)
        if found is None:
            return None
        if found.amount_cents is None and found.outcome is not Outcome.UNKNOWN:
            sale = next(s for s in self.sales if s.order_id == order_id)
            found = replace(found, amount_cents=sale.amount_cents, received_at=self.taken_at[order_id])
        return [found]

    def forget(self, card_token: str) -> None:
        return None


def result(outcome: Outcome, code: str = "", issuer_id: str = "") -> ChargeResult:
    return ChargeResult(Classification(outcome, code), payment_id="p", tid="t", return_code=code,
                        return_message=outcome.value, issuer_transaction_id=issuer_id)


def cielo_configs(clock: MutableClock) -> InMemoryGatewayConfigs:
    """Gateway settings: Cielo active with automatic recurrence; tests add GetNet or remove Cielo."""
    return InMemoryGatewayConfigs([GatewayConfig("cielo", True, "sandbox", True, TOKEN, {}, clock())])


class Wallets:
    def __init__(self, card: Card) -> None:
        self.card = card

    def wallet(self, customer_id: int) -> Wallet:
        return Wallet(customer_id, (self.card,), self.card.id, 1)

    def flag(self, customer_id: int, card_id: int, reason: str) -> None:
        self.card = replace(self.card, refused_reason=reason)

    def start_chain(self, customer_id: int, card_id: int, started_at: datetime, issuer_transaction_id: str) -> None:
        if self.card.chain_started_at is None:
            self.card = replace(self.card, chain_started_at=started_at,
                                issuer_transaction_id=issuer_transaction_id)


class People:
    service_record = Service(1, 1, "Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000"),
                             holder=Holder(1, "Maria", "52998224725"))

    def service(self, service_id: int) -> Service:
        return self.service_record

    def get(self, customer_id: int) -> Customer:
        return Customer(1, 1, "Maria", "52998224725", "11987654321", "", datetime(2026, 1, 1, tzinfo=UTC))


class Prefixes:
    def order_prefix(self, proposed: str) -> str:
        return PREFIX


@dataclass
class World:
    charges: ChargeService
    gateway: Gateway
    billing: InMemoryBillingStore
    invoice: Invoice
    wallets: Wallets
    configs: InMemoryGatewayConfigs
    sealer: Sealer
    adapters: dict[str, Gateway]

    def __iter__(self) -> Iterator[Any]:  # the tests unpack the first four
        return iter((self.charges, self.gateway, self.billing, self.invoice))


@pytest.fixture
def metrics() -> CountingMetrics:
    return CountingMetrics()


@pytest.fixture
def world(clock: MutableClock, metrics: CountingMetrics) -> World:
    adapters = {"cielo": Gateway(clock), "getnet": Gateway(clock, name="getnet")}
    configs = cielo_configs(clock)
    sealer = Sealer()
    settings = GatewaySettingsService(configs, sealer, clock, lambda name, env, creds: adapters[name])
    wallets = Wallets(Card(1, 1, "Visa", "1234", "MARIA", 12, 2031, "cielo", clock(), TOKEN))
    cards = CardService(wallets, People(), settings, sealer, InMemorySequences(), clock, ZONE)  # type: ignore[arg-type]
    billing = InMemoryBillingStore(ZONE)
    invoices = InvoiceService(billing, People(), InMemorySequences(), clock, Plans(), ZONE)
    invoice = invoices.create(NewInvoice(1, 9990, date(2026, 12, 10)))
    ids = iter(range(1, 1000))
    charges = ChargeService(billing, invoices, cards, settings, People(), clock, ZONE, lambda: f"e{next(ids)}",
                            metrics=metrics, order_id=OrderIds(Prefixes()), timing=TIMING)
    return World(charges, adapters["cielo"], billing, invoice, wallets, configs, sealer, adapters)


def order(invoice: Invoice, number: int) -> str:
    return f"{PREFIX}F{invoice.id}T{number}"


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
def test_each_answer_is_recorded(world: World,
                                 answer: ChargeResult | GatewayRefusal, status: str, invoice_status: str) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(answer)
    attempt, after = charges.charge(invoice.id, None, recurring=True)
    assert (attempt.status, after.status, after.charging, after.card_attempts) == (status, invoice_status, None, 1)
    assert billing.attempts(invoice.id) == [attempt]
    assert [s.order_id for s in gateway.sales] == [order(invoice, 1)] and gateway.sales[0].recurring
    assert gateway.lookups == []


def test_an_unknown_answer_is_looked_up_at_once(world: World) -> None:
    charges, gateway, _, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    gateway.found[order(invoice, 1)] = result(Outcome.APPROVED, "6")
    attempt, after = charges.charge(invoice.id, None, recurring=False)
    assert (attempt.status, after.status) == (APPROVED, PAID) and gateway.lookups == [order(invoice, 1)]


def test_a_sale_not_found_is_trusted_only_later(world: World,
                                                clock: MutableClock) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    attempt, after = charges.charge(invoice.id, None, recurring=False)
    assert (attempt.status, after.charging) == (PROCESSING, order(invoice, 1))
    clock.advance(seconds=TIMING.not_found_after.total_seconds() - 60)
    with pytest.raises(ConflictError, match="resultado desconhecido"):
        charges.charge(invoice.id, None, recurring=False)
    assert len(gateway.sales) == 1 and gateway.lookups == [order(invoice, 1), order(invoice, 1)]
    clock.advance(minutes=1)
    gateway.answers.append(result(Outcome.APPROVED, "6"))
    second, paid = charges.charge(invoice.id, None, recurring=False)
    assert [a.status for a in billing.attempts(invoice.id)] == [ERROR, APPROVED]
    assert (second.number, second.order_id, paid.status, paid.card_attempts) == (2, order(invoice, 2), PAID, 2)


def test_a_sale_found_later_settles_the_invoice_without_a_new_charge(
        world: World, clock: MutableClock) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    charges.charge(invoice.id, None, recurring=False)
    gateway.found[order(invoice, 1)] = result(Outcome.RETRYABLE, "05")
    clock.advance(seconds=TIMING.in_flight_for.total_seconds())
    gateway.answers.append(result(Outcome.APPROVED, "6"))
    attempt, after = charges.charge(invoice.id, None, recurring=False)
    assert [a.status for a in billing.attempts(invoice.id)] == [DECLINED, APPROVED]
    assert (attempt.number, after.status, len(gateway.sales)) == (2, PAID, 2)


def test_an_outcome_recorded_by_another_request_is_reported_not_overwritten(
        world: World) -> None:
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
        world: World, clock: MutableClock) -> None:
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


def queued(billing: InMemoryBillingStore, invoice: Invoice, on: date = date(2026, 12, 10),
           at: datetime = TICK) -> Invoice:
    """The invoice as a tick leaves it once it claimed its try."""
    current = billing.invoices[invoice.id]
    billing.invoices[invoice.id] = replace(current, queued_on=on, queued_at=at, version=current.version + 1)
    return billing.invoices[invoice.id]


def recurring_try(charges: ChargeService, billing: InMemoryBillingStore, invoice: Invoice,
                  on: date = date(2026, 12, 10)) -> tuple[ChargeAttempt, Invoice]:
    current = queued(billing, invoice, on, datetime.combine(on, TICK.timetz()))
    return charges.attempt(current, charges._card(current.customer_id, None), recurring=True)


def test_a_retryable_decline_schedules_the_next_day_then_stops_at_two(
        world: World) -> None:
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
        world: World) -> None:
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
        world: World) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.DO_NOT_RETRY, "77"))
    _, after = recurring_try(charges, billing, invoice)
    assert (after.recurring_tries, after.next_charge) == (1, None)
    card = charges._card(invoice.customer_id, None)
    assert card.refused_reason.startswith("77") and not card.usable_on(date(2026, 12, 10))


def test_an_unknown_recurring_outcome_is_looked_up_by_a_later_tick(
        world: World, clock: MutableClock) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    attempt, after = recurring_try(charges, billing, invoice)
    assert (attempt.status, after.charging, after.queued_on, after.next_charge, after.retry_at) == \
        (PROCESSING, attempt.order_id, None, date(2026, 12, 10), TICK + TIMING.not_found_after)
    clock.advance(seconds=TIMING.in_flight_for.total_seconds())
    gateway.found[attempt.order_id] = result(Outcome.APPROVED, "6")
    settled = charges.reconcile(queued(billing, after, at=TICK + timedelta(hours=1)))
    assert (settled.status, settled.recurring_tries, len(gateway.sales)) == (PAID, 1, 1)


def test_a_failure_on_our_side_is_recorded_and_rescheduled(
        world: World) -> None:
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
    gateway.found[order(invoice, 1)] = result(Outcome.RETRYABLE, "05")
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
    clock.advance(seconds=TIMING.in_flight_for.total_seconds())
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
    clock.advance(seconds=TIMING.not_found_after.total_seconds())
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


# ---------------------------------------------------------------- the stored-credential chain
def test_the_first_approved_charge_starts_the_chain_the_next_ones_point_at(world: World) -> None:
    charges, gateway, billing, invoice = world
    second_invoice = charges._invoices.create(NewInvoice(1, 9990, date(2027, 1, 10)))
    gateway.answers += [result(Outcome.RETRYABLE, "05"), result(Outcome.APPROVED, "6", issuer_id="ISSUER1"),
                        result(Outcome.APPROVED, "6", issuer_id="ISSUER2")]
    charges.charge(invoice.id, None, recurring=False)  # declined: no chain yet
    charges.charge(invoice.id, None, recurring=False)
    charges.charge(second_invoice.id, None, recurring=False)
    assert [(s.first_use, s.issuer_transaction_id) for s in gateway.sales] == [
        (True, ""), (True, ""), (False, "ISSUER1")]
    # the chain points at the first approval, not at the latest
    assert (world.wallets.card.issuer_transaction_id, world.wallets.card.chain_started_at) == (
        "ISSUER1", billing.attempts(invoice.id)[1].finished_at)


@pytest.mark.parametrize("brand, chained", [("Visa", False), ("Master", False), ("Elo", False), ("Amex", False),
                                            ("Hipercard", True), ("Diners", True)])
def test_an_approval_without_the_issuers_id_starts_the_chain_only_for_brands_without_one(
        world: World, brand: str, chained: bool) -> None:
    world.wallets.card = replace(world.wallets.card, brand=brand)
    world.gateway.answers += [result(Outcome.APPROVED, "6"), result(Outcome.APPROVED, "6")]
    world.charges.charge(world.invoice.id, None, recurring=False)
    assert (world.wallets.card.chain_started_at is not None) is chained
    later = world.charges._invoices.create(NewInvoice(1, 9990, date(2027, 1, 10)))
    world.charges.charge(later.id, None, recurring=False)
    # without the id, a Visa card stays a first use: never a "used" charge that points at nothing
    assert world.gateway.sales[1].first_use is not chained


def test_a_manual_verdict_does_not_start_the_chain(world: World, clock: MutableClock) -> None:
    world.gateway.answers.append(result(Outcome.UNKNOWN))
    world.charges.charge(world.invoice.id, None, recurring=False)
    clock.advance(minutes=10)
    world.charges.settle_by_hand(world.invoice.id, True, "visto no portal", "admin")
    assert world.wallets.card.chain_started_at is None


# ---------------------------------------------------------------- each card at its own gateway
def test_a_card_is_charged_at_the_gateway_that_holds_it_not_the_active_one(world: World,
                                                                           clock: MutableClock) -> None:
    world.configs.save(GatewayConfig("getnet", True, "sandbox", True, TOKEN, {}, clock()))
    world.configs.save(replace(world.configs.configs[0], active=False))
    world.gateway.answers.append(result(Outcome.APPROVED, "6"))
    attempt, _ = world.charges.charge(world.invoice.id, None, recurring=False)
    assert (attempt.gateway, len(world.gateway.sales), world.adapters["getnet"].sales) == ("cielo", 1, [])


def test_a_card_whose_gateway_is_gone_is_sent_nowhere(world: World) -> None:
    world.configs.delete("cielo")
    with pytest.raises(BusinessRuleError, match="Cartão cadastrado na Cielo, que não está mais configurada"):
        world.charges.charge(world.invoice.id, None, recurring=False)
    assert world.billing.attempts(world.invoice.id) == [] and world.gateway.sales == []
    assert world.billing.invoices[world.invoice.id] == world.invoice


def test_a_recurring_try_on_a_card_whose_gateway_is_gone_is_recorded_and_dropped(
        world: World, metrics: CountingMetrics) -> None:
    charges, _, billing, invoice = world
    current = queued(billing, invoice)
    card = world.wallets.card
    assert charges.record_gateway_gone(current, card, People().get(1), [Message("cartao_requer_acao", "x", {})])
    [row] = billing.attempts(invoice.id)
    after = billing.invoices[invoice.id]
    assert (row.status, row.return_code, row.technical, row.gateway, row.due_on) == (
        ERROR, "gateway_nao_configurado", True, "cielo", date(2026, 12, 10))
    assert "Cielo, que não está mais configurada" in row.return_message
    assert (after.next_charge, after.queued_on, after.recurring_tries, after.card_attempts) == (None, None, 0, 1)
    assert [e["id"] for e in billing.events] == ["x"] and metrics.counts == {CHARGES_ERRORED: 1}
    # the same invoice changed meanwhile: nothing is written
    assert not charges.record_gateway_gone(current, card, People().get(1), [])


# ---------------------------------------------------------------- nothing in flight without a request sent
def test_a_key_service_failure_leaves_no_attempt_in_flight(world: World) -> None:
    world.sealer.broken = True
    with pytest.raises(RuntimeError, match="KMS"):
        world.charges.charge(world.invoice.id, None, recurring=False)
    assert world.billing.attempts(world.invoice.id) == []
    assert world.billing.invoices[world.invoice.id] == world.invoice and world.gateway.sales == []


# ---------------------------------------------------------------- order ids and reconciliation
def test_order_ids_start_with_the_installations_prefix(world: World) -> None:
    world.gateway.answers.append(result(Outcome.APPROVED, "6"))
    attempt, _ = world.charges.charge(world.invoice.id, None, recurring=False)
    assert attempt.order_id == f"{PREFIX}F{world.invoice.id}T1" == world.gateway.sales[0].order_id


def test_the_prefix_is_drawn_once_and_the_stored_one_wins() -> None:
    proposed: list[str] = []

    class Store:
        stored = ""

        def order_prefix(self, candidate: str) -> str:
            proposed.append(candidate)
            self.stored = self.stored or candidate
            return self.stored

    draws = iter(["AAAAAAAAAA", "BBBBBBBBBB"])
    first, second = OrderIds(Store(), lambda: next(draws)), OrderIds(Store(), lambda: "CCCCCCCCCC")
    assert (first(7, 1), first(7, 2)) == ("AAAAAAAAAAF7T1", "AAAAAAAAAAF7T2")
    assert proposed == ["AAAAAAAAAA"]  # read once per container
    shared = Store()
    assert OrderIds(shared, lambda: "DDDDDDDDDD")(1, 1) == OrderIds(shared, lambda: "EEEEEEEEEE")(1, 1) == \
        "DDDDDDDDDDF1T1"
    assert second.prefix() == "CCCCCCCCCC"
    assert len(random_prefix()) == PREFIX_LENGTH and random_prefix().isalnum() and random_prefix().isupper()


def sale(outcome: Outcome, amount: int | None, at: datetime | None) -> ChargeResult:
    return replace(result(outcome, "6" if outcome is Outcome.APPROVED else "05"), amount_cents=amount,
                   received_at=at)


def an_attempt(clock: MutableClock) -> ChargeAttempt:
    return ChargeAttempt("PF1T1", 1, 1, 1, "Maria", 1, "Visa •••• 1234", "cielo", 9990, False, PROCESSING, clock())


def test_a_found_sale_counts_only_with_the_attempts_amount_and_time(clock: MutableClock) -> None:
    attempt, now = an_attempt(clock), clock()
    mine = sale(Outcome.APPROVED, 9990, now + timedelta(seconds=2))
    assert matching_sale(None, attempt) is None and matching_sale([], attempt) is None
    assert matching_sale([mine], attempt) == mine
    # an old approval under the same order id (another installation, an old table) is not ours
    assert matching_sale([sale(Outcome.APPROVED, 9990, now - timedelta(days=40))], attempt) is None
    assert matching_sale([sale(Outcome.APPROVED, 4990, now)], attempt) is None
    edge = SALE_TIME_TOLERANCE
    assert matching_sale([sale(Outcome.APPROVED, 9990, now + edge)], attempt) is not None
    assert matching_sale([sale(Outcome.APPROVED, 9990, now - edge)], attempt) is not None
    assert matching_sale([sale(Outcome.APPROVED, 9990, now + edge + timedelta(seconds=1))], attempt) is None


def test_among_our_sales_an_approval_wins_then_an_unreadable_one_then_a_decline(clock: MutableClock) -> None:
    attempt, now = an_attempt(clock), clock()
    declined, approved = sale(Outcome.RETRYABLE, 9990, now), sale(Outcome.APPROVED, 9990, now)
    unreadable = ChargeResult(Classification(Outcome.UNKNOWN, "500"))
    pending = sale(Outcome.UNKNOWN, 9990, now)
    foreign = sale(Outcome.APPROVED, 100, now)
    assert matching_sale([declined, approved, unreadable], attempt) == approved
    assert matching_sale([declined, unreadable], attempt) == unreadable
    assert matching_sale([declined, pending, foreign], attempt) == pending
    assert matching_sale([foreign, declined], attempt) == declined
    assert matching_sale([foreign], attempt) is None


def test_reconciliation_ignores_a_sale_of_another_amount(world: World, clock: MutableClock) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    attempt, _ = charges.charge(invoice.id, None, recurring=False)
    gateway.found[attempt.order_id] = replace(result(Outcome.APPROVED, "6"), amount_cents=1, received_at=clock())
    clock.advance(seconds=TIMING.not_found_after.total_seconds())
    after = charges.reconcile(billing.invoices[invoice.id])
    assert (after.status, billing.attempts(invoice.id)[0].status) == (OPEN, ERROR)


def test_an_attempt_still_on_its_way_is_left_to_whoever_makes_it(world: World, clock: MutableClock) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.UNKNOWN))
    charges.charge(invoice.id, None, recurring=False)
    before = billing.invoices[invoice.id]
    clock.advance(seconds=TIMING.in_flight_for.total_seconds() - 1)
    assert charges.in_flight(before) and charges.reconcile(before) == before
    assert gateway.lookups == [order(invoice, 1)]  # only the owner's own lookup
    clock.advance(seconds=1)
    assert not charges.in_flight(before)
    assert not charges.in_flight(world.charges._invoices.create(NewInvoice(1, 9990, date(2027, 1, 10))))


def test_timing_follows_the_gateways_read_timeout() -> None:
    timing = ChargeTiming.of(60, timedelta(minutes=45))
    assert timing.not_found_after == timedelta(minutes=45)
    assert timing.in_flight_for == GATEWAY_CALLS_PER_ATTEMPT * (CONNECT_ALLOWANCE + timedelta(seconds=60))


# ---------------------------------------------------------------- no lost approval
def test_an_approval_survives_a_concurrent_change_of_the_invoice(world: World, metrics: CountingMetrics) -> None:
    charges, gateway, billing, invoice = world

    def approve_while_the_suspension_tick_writes(charge: Charge) -> ChargeResult:
        current = billing.invoices[invoice.id]
        assert billing.write(replace(current, suspended=True, version=current.version + 1), current.version)
        return result(Outcome.APPROVED, "6", issuer_id="I1")

    gateway.charge = approve_while_the_suspension_tick_writes  # type: ignore[method-assign]
    attempt, after = charges.charge(invoice.id, None, recurring=False)
    assert (attempt.status, after.status, after.charging) == (APPROVED, PAID, None)
    assert billing.invoices[invoice.id] == after and after.suspended  # the store lifts it with the payment
    assert metrics.counts == {CHARGES_APPROVED: 1} and world.wallets.card.issuer_transaction_id == "I1"


def test_a_finish_that_keeps_losing_gives_up_without_writing(world: World) -> None:
    charges, gateway, billing, invoice = world

    class Unlucky(InMemoryBillingStore):
        def finish(self, *args: Any, **kwargs: Any) -> bool:
            current = self.invoices[invoice.id]
            self.invoices[invoice.id] = replace(current, version=current.version + 1)
            return False

    unlucky = Unlucky(ZONE)
    unlucky.invoices = billing.invoices
    charges._store = unlucky
    gateway.answers.append(result(Outcome.APPROVED, "6"))
    with pytest.raises(ConflictError, match="alterada durante a cobrança"):
        charges.charge(invoice.id, None, recurring=False)
    assert billing.invoices[invoice.id].charging == order(invoice, 1)  # left for reconciliation, not dropped


# ---------------------------------------------------------------- an operator's charge of a refused card
@pytest.mark.parametrize("card_change, message", [
    ({"expiry_month": 11, "expiry_year": 2026}, "O cartão está vencido (11/2026)"),
    ({"refused_reason": "77: Cartão Cancelado"}, "O emissor pediu para não cobrar mais este cartão"),
])
def test_an_operator_charges_a_refused_or_expired_card_only_when_forcing(world: World, card_change: dict[str, Any],
                                                                         message: str) -> None:
    world.wallets.card = replace(world.wallets.card, **card_change)
    with pytest.raises(BusinessRuleError, match=re.escape(message)) as refused:
        world.charges.charge(world.invoice.id, None, recurring=False)
    assert "forcar: true" in refused.value.message and world.gateway.sales == []
    world.gateway.answers.append(result(Outcome.APPROVED, "6"))
    attempt, _ = world.charges.charge(world.invoice.id, None, recurring=False, force=True)
    assert (attempt.status, attempt.forced) == (APPROVED, True)


def test_forcing_a_good_card_is_not_recorded_as_forced(world: World) -> None:
    world.gateway.answers.append(result(Outcome.APPROVED, "6"))
    attempt, _ = world.charges.charge(world.invoice.id, None, recurring=False, force=True)
    assert attempt.forced is False


# ---------------------------------------------------------------- the two tries in time
def test_a_technical_failure_late_in_the_day_is_retried_the_same_day(world: World) -> None:
    charges, gateway, billing, invoice = world
    evening = datetime(2026, 12, 10, 21, 10, tzinfo=ZONE)
    gateway.answers += [GatewayRefusal("500", "Erro interno"), GatewayRefusal("500", "Erro interno"),
                        GatewayRefusal("500", "Erro interno")]
    current = queued(billing, invoice, at=evening.astimezone(UTC))
    charges.attempt(current, world.wallets.card, recurring=True)
    assert billing.invoices[invoice.id].retry_at == datetime(2026, 12, 10, 22, 10, tzinfo=ZONE)
    current = queued(billing, invoice, at=datetime(2026, 12, 10, 22, 10, tzinfo=ZONE))
    charges.attempt(current, world.wallets.card, recurring=True)
    after = billing.invoices[invoice.id]
    # two hours would be tomorrow: capped at the day's last tick
    assert (after.retry_at, after.next_charge) == (datetime(2026, 12, 10, 23, 0, tzinfo=ZONE), date(2026, 12, 10))
    current = queued(billing, invoice, at=datetime(2026, 12, 10, 23, 20, tzinfo=ZONE))
    charges.attempt(current, world.wallets.card, recurring=True)
    # after the last tick: the next tick (tomorrow) makes it, late
    assert billing.invoices[invoice.id].retry_at == datetime(2026, 12, 10, 23, 20, tzinfo=ZONE)


def test_a_try_made_late_shows_so_and_the_next_try_is_the_day_after_it(world: World) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers += [GatewayRefusal("500", "Erro interno"), result(Outcome.RETRYABLE, "05")]
    # the tick did not run on the 10th: the 12th's tick makes the first try, then a technical failure
    failed, after = recurring_try(charges, billing, invoice, date(2026, 12, 12))
    assert (failed.due_on, failed.late) == (date(2026, 12, 10), True)
    assert (after.next_charge, after.try_due_on) == (date(2026, 12, 12), date(2026, 12, 10))
    made, after = recurring_try(charges, billing, invoice, date(2026, 12, 12))
    assert (made.due_on, made.late, made.try_number) == (date(2026, 12, 10), True, 1)
    assert (after.next_charge, after.try_due_on) == (date(2026, 12, 13), date(2026, 12, 13))


def test_a_try_on_its_day_is_not_late(world: World) -> None:
    charges, gateway, billing, invoice = world
    gateway.answers.append(result(Outcome.RETRYABLE, "05"))
    made, _ = recurring_try(charges, billing, invoice)
    assert (made.due_on, made.late) == (date(2026, 12, 10), False)
    world.gateway.answers.append(result(Outcome.APPROVED, "6"))
    one_off, _ = charges.charge(invoice.id, None, recurring=False)
    assert (one_off.due_on, one_off.late) == (None, False)

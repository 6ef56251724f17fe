"""Charge rules the operator and the charge panel see (``billing.charging.charges``):
why a charge is refused, what a verdict by hand records, the panel row of a
try that never reached a gateway, how an unknown outcome waits for the next
look-up, and which sales under our order id count as ours."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.billing.charging.charges import (
    APPROVED,
    ERROR,
    MANUAL_SETTLE_AFTER,
    PROCESSING,
    SALE_TIME_TOLERANCE,
    ChargeAttempt,
    ChargeTiming,
    matching_sale,
)
from chalicelib.billing.charging.declines import Classification, Outcome
from chalicelib.billing.gateways import ChargeResult, GatewayRefusal
from chalicelib.billing.invoices.service import MAX_RECURRING_TRIES, OPEN, PAID, Invoice
from chalicelib.errors import BusinessRuleError, ConflictError, NotFoundError
from chalicelib.ports import CHARGES_ERRORED
from tests.unit.test_recurring_tick_and_consumer import AT, DUE, ZONE, World, build_world, card, config

TIMING = ChargeTiming()
UNKNOWN = ChargeResult(Classification(Outcome.UNKNOWN, ""))


@pytest.fixture
def world() -> World:
    return build_world()


def errored(world: World) -> int:
    return world.charges._metrics.counts[CHARGES_ERRORED]  # type: ignore[attr-defined]


def queued_invoice(world: World, due: date = DUE, at: datetime = AT) -> Invoice:
    invoice = world.invoice(due)
    world.tick(at)
    return world.stored(invoice.id)


# ------------------------------------------------------------ an operator's charge: why not
def test_an_invoice_that_is_not_open_is_not_charged(world: World) -> None:
    invoice = world.invoice()
    world.invoices.settle(invoice.id, 9990, AT, "pix")
    with pytest.raises(BusinessRuleError) as refused:
        world.charges.charge(invoice.id, None, recurring=False)
    assert refused.value.message == f"A fatura {invoice.id} está {PAID}."
    assert world.gateway.sales == []


def test_a_charge_while_the_previous_one_is_on_its_way_is_refused_saying_so(world: World) -> None:
    invoice = world.invoice()
    world.gateway.answers = [UNKNOWN]
    world.charges.charge(invoice.id, None, recurring=False)
    with pytest.raises(ConflictError) as refused:
        world.charges.charge(invoice.id, None, recurring=False)
    assert refused.value.message == (
        f"A tentativa anterior desta fatura (F{invoice.id}T1) ainda está em andamento ou tem resultado desconhecido "
        "no gateway; nada foi cobrado agora. Tente de novo mais tarde.")
    assert len(world.gateway.sales) == 1


def test_no_recurring_charge_past_the_invoices_tries(world: World) -> None:
    invoice = world.invoice()
    world.schedule.invoices[invoice.id] = replace(invoice, recurring_tries=MAX_RECURRING_TRIES)
    with pytest.raises(BusinessRuleError) as refused:
        world.charges.charge(invoice.id, None, recurring=True)
    assert refused.value.message == f"A fatura {invoice.id} já teve 2 tentativas recorrentes."
    assert world.charges.charge(invoice.id, None, recurring=False)[0].status == APPROVED  # an operator's one-off


def test_an_expired_card_is_charged_only_when_forcing_and_the_operator_is_told_how(world: World) -> None:
    world.wallets.cards = [card(expiry_year=2025)]
    invoice = world.invoice()
    with pytest.raises(BusinessRuleError) as refused:
        world.charges.charge(invoice.id, None, recurring=False)
    assert refused.value.message == ("O cartão está vencido (12/2025). Nada foi cobrado; para cobrar mesmo assim, "
                                     "envie forcar: true.")
    assert world.charges.charge(invoice.id, None, recurring=False, force=True)[0].forced


def test_a_card_is_expired_by_the_providers_calendar(world: World) -> None:
    # 23:30 on Dec 31 in São Paulo is already January in UTC: a card valid through 12/2026 is still good.
    world.wallets.cards = [card(expiry_year=2026)]
    invoice = world.invoice()
    world.clock.now = datetime(2026, 12, 31, 23, 30, tzinfo=ZONE)
    attempt, _ = world.charges.charge(invoice.id, None, recurring=False)
    assert (attempt.status, attempt.forced) == (APPROVED, False)


def test_a_customer_without_cards_is_told_so(world: World) -> None:
    world.wallets.cards = []
    invoice = world.invoice()
    with pytest.raises(NotFoundError) as refused:
        world.charges.charge(invoice.id, None, recurring=False)
    assert refused.value.message == "O cliente 1 não tem cartão cadastrado."


def test_the_card_asked_for_is_charged_not_the_default(world: World) -> None:
    world.wallets.cards = [card(1), replace(card(2), last_digits="9876")]
    invoice = world.invoice()
    attempt, _ = world.charges.charge(invoice.id, 2, recurring=False)
    assert (attempt.card_id, attempt.card_display) == (2, "Visa •••• 9876")
    with pytest.raises(NotFoundError):
        world.charges.charge(world.invoice().id, 3, recurring=False)


# ------------------------------------------------------------ an operator's verdict by hand
def unknown_charge(world: World) -> tuple[Invoice, ChargeAttempt]:
    invoice = world.invoice()
    world.gateway.answers = [UNKNOWN]
    attempt, _ = world.charges.charge(invoice.id, None, recurring=False)
    return world.stored(invoice.id), attempt


def test_a_verdict_by_hand_needs_an_attempt_of_unknown_outcome(world: World) -> None:
    invoice = world.invoice()
    with pytest.raises(BusinessRuleError) as refused:
        world.charges.settle_by_hand(invoice.id, True, "visto no portal", "ana")
    assert refused.value.message == f"A fatura {invoice.id} não tem cobrança em cartão com resultado desconhecido."


def test_a_verdict_by_hand_waits_a_few_minutes_after_the_attempt(world: World) -> None:
    invoice, _ = unknown_charge(world)
    world.clock.advance(seconds=MANUAL_SETTLE_AFTER.total_seconds() - 1)
    with pytest.raises(ConflictError) as refused:
        world.charges.settle_by_hand(invoice.id, True, "visto no portal", "ana")
    assert refused.value.message == ("A tentativa é recente; aguarde alguns minutos: o gateway ainda pode "
                                     "registrá-la.")
    world.clock.advance(seconds=1)
    assert world.charges.settle_by_hand(invoice.id, True, "visto no portal", "ana")[0].status == APPROVED


@pytest.mark.parametrize(("charged", "status", "invoice_status"), [(True, APPROVED, PAID), (False, ERROR, OPEN)])
def test_a_verdict_by_hand_is_recorded_with_who_gave_it_and_counts_no_gateway_charge(
        world: World, charged: bool, status: str, invoice_status: str) -> None:
    invoice, attempt = unknown_charge(world)
    counted = errored(world)
    world.clock.advance(minutes=10)
    done, after = world.charges.settle_by_hand(invoice.id, charged, "visto no portal", "ana")
    assert done == replace(attempt, status=status, return_code="manual", finished_at=world.clock.now,
                           return_message="Conciliada manualmente por ana: visto no portal")
    assert world.charges.attempts(invoice.id) == [done]
    assert (after.status, after.charging) == (invoice_status, None)
    assert world.stored(invoice.id) == after
    assert errored(world) == counted  # the unknown outcome counted once, when it was left unknown
    # An approval by hand tells the customer it was paid, with no guidance; a "not charged" tells them nothing.
    assert [(e["type"], e["payload"]["orientacao"]) for e in world.schedule.events] == (
        [("pagamento_aprovado", "")] if charged else [])
    assert world.charges._metrics.total() == {CHARGES_ERRORED: 1}  # type: ignore[attr-defined]


# ------------------------------------------------------------ the panel row of a try that never reached a gateway
def test_a_failure_on_our_side_is_a_complete_panel_row_and_gives_the_try_back(world: World) -> None:
    invoice = queued_invoice(world)
    world.clock.advance(minutes=3)
    world.charges.record_failure(invoice.id, "Falha técnica repetida")
    now = world.clock.now
    assert world.charges.attempts(invoice.id) == [ChargeAttempt(
        order_id=f"F{invoice.id}T1", invoice_id=invoice.id, number=1, customer_id=1, customer_name="", card_id=0,
        card_display="", gateway="", amount_cents=9990, recurring=True, status=ERROR, created_at=now,
        return_code="falha_tecnica", return_message="Falha técnica repetida", finished_at=now, try_number=1,
        due_on=DUE, late=False)]
    after = world.stored(invoice.id)
    assert after == replace(invoice, card_attempts=1, recurring_tries=0, technical_failures=1, next_charge=DUE,
                            try_due_on=DUE, queued_on=None, queued_at=None, retry_at=AT + timedelta(hours=1),
                            version=after.version)
    assert after.version > invoice.version
    assert errored(world) == 1


def test_a_failure_of_a_late_try_shows_it_late(world: World) -> None:
    invoice = queued_invoice(world, due=DUE - timedelta(days=2))
    world.charges.record_failure(invoice.id, "Falha técnica repetida")
    [failed] = world.charges.attempts(invoice.id)
    assert (failed.due_on, failed.late) == (DUE - timedelta(days=2), True)


@pytest.mark.parametrize("change", [{"status": PAID}, {"charging": "F1T9"}, {"queued_on": None}])
def test_a_failure_is_not_recorded_on_an_invoice_settled_in_flight_or_no_longer_queued(
        world: World, change: dict[str, object]) -> None:
    invoice = queued_invoice(world)
    world.schedule.invoices[invoice.id] = replace(invoice, **change)  # type: ignore[arg-type]
    world.charges.record_failure(invoice.id, "Falha técnica repetida")
    assert world.charges.attempts(invoice.id) == [] and errored(world) == 0


def test_a_card_whose_gateway_is_gone_is_a_complete_panel_row_and_drops_the_try(world: World) -> None:
    world.configs.configs = [config(), config("getnet")]
    world.wallets.cards = [card(gateway="getnet")]
    created = world.invoice()
    # Tried before and failed on our side (its backoff is over): dropping the try leaves no backoff behind.
    world.schedule.invoices[created.id] = replace(created, retry_at=AT - timedelta(hours=1), technical_failures=1)
    world.tick()
    invoice = world.stored(created.id)
    world.configs.configs = [config()]
    world.clock.advance(minutes=1)
    assert world.recurring.handle(world.messages()[-1]) == "gateway do cartão não configurado"
    now = world.clock.now
    assert world.charges.attempts(invoice.id) == [ChargeAttempt(
        order_id=f"F{invoice.id}T1", invoice_id=invoice.id, number=1, customer_id=1, customer_name="Maria",
        card_id=1, card_display="Visa •••• 1234", gateway="getnet", amount_cents=9990, recurring=True,
        status=ERROR, created_at=now, return_code="gateway_nao_configurado",
        return_message=("Cartão cadastrado na GetNet, que não está mais configurada; nada foi enviado. Cadastre um "
                        "novo cartão do cliente."), finished_at=now, try_number=1, due_on=DUE, late=False)]
    after = world.stored(invoice.id)
    assert after == replace(invoice, card_attempts=1, next_charge=None, try_due_on=None, queued_on=None,
                            queued_at=None, retry_at=None, version=after.version)
    assert after.version > invoice.version
    assert errored(world) == 1


# ------------------------------------------------------------ an unknown outcome
def test_a_sale_not_received_is_trusted_only_after_the_wait_and_recorded_for_the_operator(world: World) -> None:
    invoice, _ = unknown_charge(world)
    world.clock.advance(seconds=TIMING.not_found_after.total_seconds() - 1)
    assert world.charges.reconcile(invoice).charging == f"F{invoice.id}T1"
    world.clock.advance(seconds=1)
    after = world.charges.reconcile(invoice)
    [attempt] = world.charges.attempts(invoice.id)
    assert (attempt.status, attempt.return_code, attempt.return_message) == (
        ERROR, "nao_recebida", "O gateway não recebeu a cobrança; nada foi cobrado.")
    assert (after.status, after.charging) == (OPEN, None)
    assert errored(world) == 1  # counted once, when it was left unknown


def test_a_recurring_try_of_unknown_outcome_gives_its_claim_back_for_a_later_look_up(world: World) -> None:
    invoice = queued_invoice(world)
    world.gateway.answers = [UNKNOWN]
    world.clock.advance(minutes=1)
    assert world.recurring.handle(world.messages()[-1]) == PROCESSING
    after = world.stored(invoice.id)
    assert after == replace(invoice, card_attempts=1, recurring_tries=1, charging=f"F{invoice.id}T1",
                            next_charge=DUE, try_due_on=DUE, queued_on=None, queued_at=None,
                            retry_at=AT + TIMING.not_found_after, version=after.version)
    assert after.version > invoice.version


def test_a_late_try_of_unknown_outcome_is_looked_up_on_the_day_it_was_made_and_stays_late(world: World) -> None:
    # An invoice written before the due day of its try was kept: its pending day stands for it.
    invoice = world.invoice(DUE - timedelta(days=2))
    world.schedule.invoices[invoice.id] = replace(invoice, try_due_on=None)
    world.tick()
    world.gateway.answers = [UNKNOWN]
    world.recurring.handle(world.messages()[-1])
    after = world.stored(invoice.id)
    assert (after.next_charge, after.try_due_on, after.retry_at) == (DUE, DUE - timedelta(days=2),
                                                                     AT + TIMING.not_found_after)


def test_an_operators_charge_of_unknown_outcome_leaves_the_recurring_claim_alone(world: World) -> None:
    invoice = queued_invoice(world)
    world.gateway.answers = [UNKNOWN]
    world.charges.charge(invoice.id, None, recurring=False)
    after = world.stored(invoice.id)
    assert (after.queued_on, after.queued_at, after.next_charge, after.retry_at) == (DUE, AT, DUE, None)


def test_an_unknown_outcome_that_loses_its_write_returns_the_invoice_as_stored(world: World) -> None:
    invoice = queued_invoice(world)
    world.gateway.answers = [UNKNOWN]

    def suspension_tick_writes() -> None:
        current = world.stored(invoice.id)
        assert world.schedule.replace(replace(current, suspended=True, version=current.version + 1),
                                      current.version)

    world.gateway.during = suspension_tick_writes
    _, returned = world.charges.attempt(invoice, world.wallets.cards[0], recurring=True)
    assert returned == world.stored(invoice.id)
    assert (returned.suspended, returned.queued_on) == (True, DUE)  # the claim goes stale and is sent again


def test_a_sale_listed_but_still_unknown_keeps_waiting(world: World) -> None:
    invoice = queued_invoice(world)
    world.gateway.answers = [UNKNOWN]
    world.recurring.handle(world.messages()[-1])
    order = f"F{invoice.id}T1"
    world.gateway.found[order] = [replace(UNKNOWN, amount_cents=9990, received_at=AT)]
    world.clock.advance(hours=1)
    pending = world.stored(invoice.id)
    world.schedule.invoices[invoice.id] = replace(pending, queued_on=DUE, queued_at=world.clock.now)
    assert world.recurring.handle(world.messages()[-1]) == "aguardando conciliação"
    after = world.stored(invoice.id)
    assert (after.charging, after.queued_on, after.retry_at) == (order, None,
                                                                 world.clock.now + TIMING.not_found_after)


# ------------------------------------------------------------ which sales are ours
def attempt_at(created_at: datetime = AT) -> ChargeAttempt:
    return ChargeAttempt("F1T1", 1, 1, 1, "Maria", 1, "Visa •••• 1234", "cielo", 9990, False, PROCESSING,
                         created_at)


def sale(amount: int | None = 9990, received_at: datetime | None = AT,
         outcome: Outcome = Outcome.APPROVED) -> ChargeResult:
    return ChargeResult(Classification(outcome, "00"), amount_cents=amount, received_at=received_at)


def test_sales_of_another_amount_or_time_are_ignored_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    foreign = [sale(amount=100), sale(received_at=AT - SALE_TIME_TOLERANCE - timedelta(seconds=1))]
    with caplog.at_level(logging.WARNING, logger="chalicelib.billing.charging.charges"):
        assert matching_sale([*foreign, sale()], attempt_at()) == sale()
    # The order and how many sales were set aside (the wording is the log's own).
    assert [(r.levelno, r.args) for r in caplog.records] == [(logging.WARNING, ("F1T1", 2))]


def test_nothing_is_logged_when_every_sale_is_ours(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="chalicelib.billing.charging.charges"):
        assert matching_sale([sale(outcome=Outcome.RETRYABLE), sale()], attempt_at()) == sale()
    assert caplog.records == []


def test_an_approval_found_anywhere_in_the_answer_wins() -> None:
    assert matching_sale([sale(), sale(outcome=Outcome.RETRYABLE)], attempt_at()) == sale()
    assert matching_sale([sale(outcome=Outcome.RETRYABLE), sale(outcome=Outcome.DO_NOT_RETRY)],
                         attempt_at()) == sale(outcome=Outcome.DO_NOT_RETRY)


def test_the_time_tolerance_is_on_both_sides_of_the_attempt() -> None:
    created = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)
    for moment in (created - SALE_TIME_TOLERANCE, created + SALE_TIME_TOLERANCE):
        assert matching_sale([sale(received_at=moment)], attempt_at(created)) == sale(received_at=moment)


# ------------------------------------------------------------ what the gateway said, as recorded
def declined(message: str = "", code: str = "", guidance: str = "") -> ChargeResult:
    return ChargeResult(Classification(Outcome.RETRYABLE, "51", guidance), payment_id="pay-9", tid="tid-9",
                        return_code=code, return_message=message)


def test_an_answer_is_recorded_with_the_gateways_ids_code_and_message(world: World) -> None:
    invoice = queued_invoice(world)
    world.gateway.answers = [declined("Saldo insuficiente", "51", "Tente outro cartão.")]
    world.recurring.handle(world.messages()[-1])
    [attempt] = world.charges.attempts(invoice.id)
    assert (attempt.tid, attempt.payment_id, attempt.return_code, attempt.return_message) == (
        "tid-9", "pay-9", "51", "Saldo insuficiente")
    # The customer is told why and what to do (the decline's guidance), and when the next try is.
    [told] = world.schedule.events
    assert (told["type"], told["payload"]["orientacao"], told["payload"]["proxima_tentativa"]) == (
        "pagamento_recusado", "Tente outro cartão.", "2026-12-11")


def test_an_answer_without_code_or_message_is_recorded_with_the_declines_own(world: World) -> None:
    invoice = world.invoice()
    world.gateway.answers = [declined(guidance="O banco recusou; fale com ele.")]
    attempt, _ = world.charges.charge(invoice.id, None, recurring=False)
    assert (attempt.return_code, attempt.return_message) == ("51", "O banco recusou; fale com ele.")


def test_only_an_approval_starts_the_cards_chain(world: World) -> None:
    world.wallets.cards = [replace(card(), brand="Hipercard")]  # a brand whose issuers give no id
    invoice = world.invoice()
    world.gateway.answers = [declined("Saldo insuficiente", "51")]
    world.charges.charge(invoice.id, None, recurring=False)
    assert world.wallets.cards[0].first_use
    world.gateway.answers = [replace(approved_with_id(), tid="t2")]
    world.charges.charge(invoice.id, None, recurring=False)
    assert (world.wallets.cards[0].chain_started_at, world.wallets.cards[0].issuer_transaction_id) == (AT, "iss-1")


def test_an_approval_learnt_by_reconciliation_starts_the_cards_chain(world: World) -> None:
    invoice, attempt = unknown_charge(world)
    world.gateway.found[attempt.order_id] = [replace(approved_with_id(), amount_cents=9990, received_at=AT)]
    world.clock.advance(minutes=10)
    assert world.charges.reconcile(invoice).status == PAID
    assert (world.wallets.cards[0].chain_started_at, world.wallets.cards[0].issuer_transaction_id) == (
        world.clock.now, "iss-1")


def approved_with_id() -> ChargeResult:
    return ChargeResult(Classification(Outcome.APPROVED, "00"), payment_id="p", tid="t", return_code="00",
                        return_message="Autorizada", issuer_transaction_id="iss-1")


# ------------------------------------------------------------ the schedule of a try made without a tick's claim
def test_a_recurring_decline_late_in_the_providers_day_is_tried_again_the_next_local_day(world: World) -> None:
    invoice = world.invoice()
    world.clock.now = datetime(2026, 12, 10, 23, 30, tzinfo=ZONE)  # already the 11th in UTC
    world.gateway.answers = [declined("Saldo insuficiente", "51")]
    _, after = world.charges.charge(invoice.id, None, recurring=True)
    assert after.next_charge == date(2026, 12, 11)


def test_an_unknown_outcome_write_makes_older_copies_of_the_invoice_stale(world: World) -> None:
    invoice = queued_invoice(world)
    world.gateway.answers = [UNKNOWN]
    copies: list[Invoice] = []
    world.gateway.during = lambda: copies.append(world.stored(invoice.id))  # read while the sale is on its way
    world.recurring.handle(world.messages()[-1])
    [in_flight] = copies
    assert not world.schedule.replace(replace(in_flight, suspended=True, version=in_flight.version + 1),
                                      in_flight.version)
    assert world.stored(invoice.id).queued_on is None  # the claim given back stays given back


# ------------------------------------------------------------ the charge panel and a broken mark
def test_the_panel_lists_the_periods_attempts_newest_first(world: World) -> None:
    made = []
    for minutes in (0, 30, 30, 10):
        world.clock.now = AT + timedelta(minutes=minutes)
        made.append(world.charges.charge(world.invoice().id, None, recurring=False)[0])
    listed = world.charges.panel(datetime(2026, 12, 10), datetime(2026, 12, 10, 23, 59, 59))
    # Newest first; two of the same moment by order id, the higher first.
    assert [a.order_id for a in listed] == [made[2].order_id, made[1].order_id, made[3].order_id, made[0].order_id]
    assert world.charges.panel(datetime(2026, 12, 11), datetime(2026, 12, 11, 23, 59, 59)) == []


def test_an_invoice_marked_as_charging_without_its_attempt_is_reported_as_such(world: World) -> None:
    invoice = replace(world.invoice(), charging="F1T1", card_attempts=1)
    world.schedule.invoices[invoice.id] = invoice
    with pytest.raises(RuntimeError) as broken:
        world.charges.reconcile(invoice)
    assert str(broken.value) == f"fatura {invoice.id}: marca de cobrança sem tentativa"


# ------------------------------------------------------------ the invoice a charge leaves
def test_an_approval_records_how_and_when_the_invoice_was_paid(world: World) -> None:
    invoice = world.invoice()
    world.clock.advance(minutes=7)
    _, after = world.charges.charge(invoice.id, None, recurring=False)
    assert (after.status, after.paid_at, after.paid_cents, after.payment_method) == (
        PAID, AT + timedelta(minutes=7), 9990, "cartao_credito")
    assert world.stored(invoice.id) == after


def test_an_operators_one_off_uses_none_of_the_recurring_tries(world: World) -> None:
    invoice = world.invoice()
    world.schedule.invoices[invoice.id] = replace(invoice, recurring_tries=1, card_attempts=1)
    world.gateway.answers = [declined("Saldo insuficiente", "51")]
    attempt, after = world.charges.charge(invoice.id, None, recurring=False)
    assert (attempt.recurring, attempt.try_number, attempt.number) == (False, 0, 2)
    assert (after.recurring_tries, after.next_charge) == (1, DUE)  # the recurring schedule as it was


def test_an_unknown_answer_tells_the_operator_it_will_be_reconciled(world: World) -> None:
    invoice = world.invoice()
    world.gateway.answers = [UNKNOWN]
    attempt, _ = world.charges.charge(invoice.id, None, recurring=False)
    assert (attempt.status, attempt.return_message) == (PROCESSING, (
        "Resultado desconhecido (sem resposta do gateway); a cobrança será conciliada antes de nova tentativa."))


def test_a_charge_that_loses_its_start_to_another_write_is_refused_saying_so(world: World) -> None:
    invoice = world.invoice()
    world.schedule.refuse_starts = 1
    with pytest.raises(ConflictError) as refused:
        world.charges.charge(invoice.id, None, recurring=False)
    assert refused.value.message == ("A fatura foi alterada ou já está sendo cobrada por outra requisição; "
                                     "consulte-a.")
    assert world.gateway.sales == []


def test_an_outcome_that_keeps_losing_its_write_is_reported_to_the_operator(world: World) -> None:
    invoice = world.invoice()
    world.schedule.refuse_finishes = 100
    with pytest.raises(ConflictError) as refused:
        world.charges.charge(invoice.id, None, recurring=False)
    assert refused.value.message == ("A fatura foi alterada durante a cobrança; consulte-a antes de tentar de "
                                     "novo.")


def test_copies_of_the_invoice_read_before_or_during_a_charge_cannot_be_written_over_it(world: World) -> None:
    invoice = world.invoice()
    during: list[bool] = []

    def stale_writer() -> None:  # holds the invoice as read before the charge started
        during.append(world.schedule.replace(replace(invoice, suspended=True, version=invoice.version + 1),
                                             invoice.version))

    in_flight: list[Invoice] = []

    def stale_writer_and_reader() -> None:
        stale_writer()
        in_flight.append(world.stored(invoice.id))  # as the suspension tick reads it while the sale is on its way

    world.gateway.during = stale_writer_and_reader
    world.charges.charge(invoice.id, None, recurring=False)
    assert during == [False]
    for copy in (invoice, *in_flight):
        assert not world.schedule.replace(replace(copy, suspended=True, version=copy.version + 1), copy.version)
    assert world.stored(invoice.id).status == PAID


def test_a_decline_after_failures_on_our_side_leaves_only_the_next_days_try(world: World) -> None:
    invoice = queued_invoice(world)
    world.gateway.answers = [GatewayRefusal("500", "Erro interno")]
    world.recurring.handle(world.messages()[-1])
    assert world.stored(invoice.id).retry_at == AT + timedelta(hours=1)
    world.gateway.answers = [declined("Saldo insuficiente", "51")]
    world.tick(AT + timedelta(hours=1))
    world.recurring.handle(world.messages()[-1])
    after = world.stored(invoice.id)
    tomorrow = DUE + timedelta(days=1)
    assert after == replace(invoice, card_attempts=2, recurring_tries=1, next_charge=tomorrow, try_due_on=tomorrow,
                            queued_on=None, queued_at=None, retry_at=None, technical_failures=0,
                            version=after.version)


def test_a_failure_on_our_side_keeps_the_day_the_try_was_due(world: World) -> None:
    # An invoice written before the due day of its try was kept: its pending day stands for it.
    invoice = world.invoice(DUE - timedelta(days=1))
    world.schedule.invoices[invoice.id] = replace(invoice, try_due_on=None)
    world.tick()
    world.gateway.answers = [GatewayRefusal("500", "Erro interno")]
    world.recurring.handle(world.messages()[-1])
    after = world.stored(invoice.id)
    assert (after.next_charge, after.try_due_on) == (DUE, DUE - timedelta(days=1))


def test_a_sale_listed_without_its_time_is_never_taken_for_no_sale() -> None:
    # Nothing proves it is not ours: the attempt waits (it is not recorded as "never received", which would let a
    # second charge go out).
    undated = ChargeResult(Classification(Outcome.UNKNOWN, "500"), amount_cents=9990, received_at=None)
    undated_amount = ChargeResult(Classification(Outcome.UNKNOWN, "500"), amount_cents=None, received_at=AT)
    assert matching_sale([undated], attempt_at()) == undated
    assert matching_sale([undated_amount], attempt_at()) == undated_amount
    # even one that says approved: without its amount and time it may be another installation's old sale
    approved = ChargeResult(Classification(Outcome.APPROVED, "6"), payment_id="p", amount_cents=None,
                            received_at=AT)
    found = matching_sale([approved, sale(outcome=Outcome.RETRYABLE)], attempt_at())
    assert found is not None and (found.outcome, found.payment_id, found.return_code) == (Outcome.UNKNOWN, "p", "")
    assert found.classification.code == "6"

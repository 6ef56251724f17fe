"""Recurring card charges on their own: the hourly tick queues the invoices
whose try is due, and the charges consumer makes each try. When tries are
due is ``billing.recurring.try_schedule``.

The tick reads only the ``by_charge_day`` index entries of the last
``LOOKBACK_DAYS`` days (never a scan), claims each entry with a conditional
write (so ticks re-run or overlapping in the same hour queue a try once) and
sends the claimed ones to the charges queue in batches of ten. A claim that
never turned into a try (the tick died before sending, or its message was
lost in the dead-letter queue) is sent again after ``STALE_CLAIM``.

The consumer re-reads everything (a message may be late, repeated, or
overtaken by a payment by PIX, a removed card, recurring payment turned
off) and makes the try through ``ChargeService.attempt`` at the gateway that
holds the card, whose transaction decides the next one. A card whose gateway
is no longer configured is sent nowhere: the panel shows why and the
customer is told, once. A card whose gateway does not allow automatic
recurrence waits for the next day. A duplicate delivery that finds the try
being made by another delivery leaves it alone. The consumer entry point
runs a batch's messages concurrently (``queues.handle_all``): most of a try
is waiting for the gateway.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from chalicelib.billing import events
from chalicelib.billing.cards.numbers import masked, without_card_numbers
from chalicelib.billing.cards.service import CardService
from chalicelib.billing.charging.charges import ChargeService
from chalicelib.billing.gateways.settings import GatewaySettingsService
from chalicelib.billing.invoices.service import MAX_RECURRING_TRIES, Invoice, InvoiceService
from chalicelib.billing.recurring.choice import RecurringChoice
from chalicelib.billing.recurring.try_schedule import LOOKBACK_DAYS, STALE_CLAIM, PendingTry, TryDay, next_day
from chalicelib.clock import Clock
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.ports import QueuePublisher
from chalicelib.queues import CHARGES, MAX_RECEIVE_COUNT, Message

logger = logging.getLogger(__name__)

CHARGE_DUE = "cobranca_recorrente"
CHANGED = "alterada durante a cobrança"
# A try that lost its invoice to a concurrent write (the suspension tick, an operator) before it started is read
# again this often, so a write that happened to land first does not put it off until the claim goes stale.
HANDLE_TRIES = 3


class Schedule(Protocol):
    def charges_on(self, listed: TryDay) -> Iterable[PendingTry]: ...

    def queue_charge(self, invoice_id: int, listed: TryDay, today: date, at: datetime) -> bool:
        """Claim the invoice's try for the charges queue (it moves to the tries queued ``today``), only while it
        is still on ``listed``, the list it was read from: of ticks re-run or overlapping, one wins it."""

    def write(self, invoice: Invoice, expected_version: int, events: Sequence[Message] = ()) -> bool: ...
    def choice(self, service_id: int) -> RecurringChoice | None: ...


@dataclass(frozen=True)
class TickSummary:
    read: int = 0
    queued: int = 0
    requeued: int = 0
    waiting: int = 0  # in backoff after a technical failure
    skipped_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        summary: dict[str, Any] = {"lidas": self.read, "enfileiradas": self.queued, "reenfileiradas": self.requeued,
                                   "aguardando_nova_tentativa": self.waiting}
        if self.skipped_reason:
            summary["motivo"] = self.skipped_reason
        return summary


class RecurringCharges:
    def __init__(self, schedule: Schedule, invoices: InvoiceService, charges: ChargeService, cards: CardService,
                 gateways: GatewaySettingsService, queues: QueuePublisher, clock: Clock, zone: tzinfo,
                 new_id: Callable[[], str]) -> None:
        self._schedule = schedule
        self._invoices = invoices
        self._charges = charges
        self._cards = cards
        self._gateways = gateways
        self._queues = queues
        self._clock = clock
        self._zone = zone
        self._new_id = new_id

    # ------------------------------------------------------------ the tick
    def enqueue_due(self, at: datetime) -> Mapping[str, Any]:
        """The tick's job: queue every try due at ``at`` (the scheduled event's time)."""
        configs = self._gateways.list()
        if not configs:
            return TickSummary(skipped_reason="nenhum gateway de cartão configurado").as_dict()
        if not any(c.allows_auto_recurrence for c in configs):
            return TickSummary(skipped_reason="nenhum gateway de cartão permite recorrência automática").as_dict()
        today = at.astimezone(self._zone).date()
        read = waiting = requeued = 0
        claimed: list[tuple[int, date]] = []
        # Stale claims first (what this run claims below is not read again), today's first: a claim re-sent from an
        # older day moves to today's, which was read already. A tick may have died days ago: the whole look-back.
        for queued in (TryDay.queued(today - timedelta(days=n)) for n in range(LOOKBACK_DAYS + 1)):
            for entry in self._schedule.charges_on(queued):
                read += 1
                if entry.queued_at is not None and at - entry.queued_at >= STALE_CLAIM and \
                        self._schedule.queue_charge(entry.invoice_id, queued, today, at):
                    claimed.append((entry.invoice_id, today))
                    requeued += 1
        for due in (TryDay.due(today - timedelta(days=n)) for n in range(LOOKBACK_DAYS, -1, -1)):
            for entry in self._schedule.charges_on(due):
                read += 1
                if entry.retry_at is not None and entry.retry_at > at:
                    waiting += 1
                elif self._schedule.queue_charge(entry.invoice_id, due, today, at):
                    claimed.append((entry.invoice_id, today))
        self._queues.publish(CHARGES, [self._message(invoice_id, day) for invoice_id, day in claimed])
        return TickSummary(read=read, queued=len(claimed) - requeued, requeued=requeued, waiting=waiting).as_dict()

    def _message(self, invoice_id: int, day: date) -> Message:
        return Message(CHARGE_DUE, f"F{invoice_id}D{day.isoformat()}",
                       {"id_fatura": invoice_id, "data": day.isoformat()})

    # -------------------------------------------------------- the consumer
    def handle(self, message: Message) -> str:
        """Make the try a tick queued, unless it was made already or is no longer due; returns what happened
        (for logs and tests). On the last delivery SQS makes, a failure is also recorded on the charge panel
        (and the try rescheduled) before the message goes to the dead-letter queue."""
        try:
            for _ in range(HANDLE_TRIES):
                outcome = self._handle(message)
                if outcome != CHANGED:
                    break
            return outcome
        except Exception as exc:
            if message.receive_count >= MAX_RECEIVE_COUNT:
                self._charges.record_failure(int(message.payload["id_fatura"]),
                                             f"Falha técnica repetida ao processar a cobrança ({type(exc).__name__}: "
                                             f"{without_card_numbers(str(exc))[:200]}); mensagem movida para a fila "
                                             "de mensagens mortas.")
            raise

    def _handle(self, message: Message) -> str:
        invoice_id = int(message.payload["id_fatura"])
        day = date.fromisoformat(str(message.payload["data"]))
        try:
            invoice = self._invoices.get(invoice_id)
        except NotFoundError:
            return "fatura inexistente"
        if invoice.queued_on != day:
            return "já processada"  # a duplicate, or overtaken by a later tick's claim
        if invoice.charging is not None:
            if self._charges.in_flight(invoice):
                return "em andamento por outra entrega"  # its own delivery records the outcome
            reconciled = self._charges.reconcile(invoice)
            return "conciliada" if reconciled.charging is None else "aguardando conciliação"
        if not invoice.owed or invoice.recurring_tries >= MAX_RECURRING_TRIES:
            return self._unschedule(invoice, f"fatura {invoice.status}" if not invoice.owed else "tentativas esgotadas")
        return self._try(invoice, day)

    def _try(self, invoice: Invoice, day: date) -> str:
        """The try of an invoice still owed: on the service's card, at the gateway that holds it."""
        choice = self._schedule.choice(invoice.customer_service_id)
        if choice is None or not choice.recurring:
            return self._unschedule(invoice, "pagamento recorrente desligado")
        customer, wallet = self._cards.customer_and_wallet(invoice.customer_id)
        card = choice.card_in(wallet)
        if card is None or not card.usable_on(day):
            return self._unschedule(invoice, "sem cartão utilizável", [events.no_usable_card(invoice, self._new_id)])
        config = self._gateways.config(card.gateway)
        if config is None:
            raised = [events.card_not_chargeable(invoice, masked(card.brand, card.last_digits), self._new_id)]
            if self._charges.record_gateway_gone(invoice, card, customer, raised):
                return "gateway do cartão não configurado"
            return CHANGED
        if not config.allows_auto_recurrence:
            # Kept for when automatic recurrence is back on (within the look-back): looked at again tomorrow.
            waiting = replace(invoice, queued_on=None, queued_at=None, version=invoice.version + 1,
                              retry_at=next_day(invoice.queued_at or self._clock(), self._zone))
            self._schedule.write(waiting, invoice.version)
            return "gateway sem recorrência automática"
        try:
            attempt, _ = self._charges.attempt(invoice, card, recurring=True, customer=customer,
                                               via=(config, self._gateways.adapter(config)))
        except ConflictError:
            # Changed under us (paid, cancelled, suspended, an operator's charge started): read again.
            return CHANGED
        return attempt.status

    def _unschedule(self, invoice: Invoice, reason: str, raised: Sequence[Message] = ()) -> str:
        """No try for this invoice now; turning recurring payment on again schedules it again."""
        logger.info("fatura %s sem cobrança recorrente: %s", invoice.id, reason)
        done = replace(invoice, next_charge=None, try_due_on=None, queued_on=None, queued_at=None, retry_at=None,
                       version=invoice.version + 1)
        self._schedule.write(done, invoice.version, raised)
        return reason

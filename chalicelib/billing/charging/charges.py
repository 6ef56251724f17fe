"""Charging an invoice on a stored card: one attempt at a time, at the gateway
that holds the card, recorded before the gateway hears of it, its outcome
recorded after, and an unknown outcome reconciled at the gateway (by our
order id) before anything is sent again.

Everything that can fail before the gateway call (the card's gateway gone,
opening its sealed token at KMS) happens before the attempt is recorded, so
no attempt is ever left in flight without a request sent. The attempt and
the invoice's ``charging`` mark are then written in one transaction
conditioned on the invoice's version and on no other attempt being in
flight, so two requests (or a request and the tick) can never charge an
invoice twice. Order ids are ``billing.charging.order_ids``: unique to the
installation, so a sale made under another installation's (or an old
table's) counters is never taken for ours; a found sale counts only if its
amount and time match the attempt (``SALE_TIME_TOLERANCE``), and "no such
sale" is trusted only ``ChargeTiming.not_found_after`` after the attempt.

The card's stored-credential chain (``billing.gateways``) decides how the
charge is sent: its first charge as a first use, later ones pointing at the
first approved one; an approval starts the chain once recorded.

A recurring attempt also counts against the invoice's two tries (the
condition is in the same transaction); its outcome decides the invoice's next
try in the write that records it, by ``billing.recurring.try_schedule``. The events for
the customer's notifications go in that same write. A write that loses its
version check (a concurrent change: the suspension tick, an operator, another
delivery) is read again and repeated while the attempt is still the one in
flight, so an approval is never dropped.

Each gateway charge counts once in the business metrics, when its outcome is
recorded: approved, declined, or errored (refused by the gateway as a
request, or its outcome left unknown); a queued recurring try that fails on
our side before the gateway counts as errored too. An unknown outcome that
reconciliation later learns counts again, as approved or declined; an
operator's verdict by hand counts nothing (no gateway call).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from chalicelib.billing import events
from chalicelib.billing.cards.numbers import masked, without_card_numbers
from chalicelib.billing.cards.service import Card, CardService
from chalicelib.billing.charging.declines import Classification, Outcome
from chalicelib.billing.gateways import Charge, ChargeResult, Gateway, GatewayRefusal
from chalicelib.billing.gateways.settings import GatewayConfig, GatewaySettingsService, gateway_gone
from chalicelib.billing.invoices.service import MAX_RECURRING_TRIES, OPEN, PAID, Invoice, InvoiceService, closed
from chalicelib.billing.recurring import try_schedule
from chalicelib.clock import Clock
from chalicelib.customers.model import Customer
from chalicelib.errors import BusinessRuleError, ConflictError, NotFoundError
from chalicelib.ports import CHARGES_APPROVED, CHARGES_DECLINED, CHARGES_ERRORED, Metrics
from chalicelib.queues import Message

logger = logging.getLogger(__name__)

PROCESSING = "processando"  # recorded, sent or about to be; outcome not known yet
APPROVED = "aprovado"
DECLINED = "recusado"
ERROR = "erro"  # nothing was charged: the gateway refused the request itself, or never got it
STATUSES = (APPROVED, DECLINED, ERROR, PROCESSING)
METRIC_OF = {APPROVED: CHARGES_APPROVED, DECLINED: CHARGES_DECLINED, ERROR: CHARGES_ERRORED}
UNKNOWN_MESSAGE = ("Resultado desconhecido (sem resposta do gateway); a cobrança será conciliada antes de "
                   "nova tentativa.")
GATEWAY_GONE = "gateway_nao_configurado"
# A sale found under our order id is ours only if the gateway received it this close to when we recorded the
# attempt (which is before we sent it): wide enough for clocks that disagree and a slow network, and far
# narrower than anything an old order under the same id could be.
SALE_TIME_TOLERANCE = timedelta(hours=1)
# An operator's verdict by hand waits this long: the gateway's own portal may take a moment to show the sale.
MANUAL_SETTLE_AFTER = timedelta(minutes=5)
# How often a finish that lost its version check to a concurrent change is read again and repeated.
FINISH_TRIES = 5
# What one attempt may take from its record to its outcome: up to four gateway calls (GetNet: a token renewal,
# the vault read, the payment; Cielo: the sale, its lookup and the sales it lists), each the connect allowance
# plus the read timeout.
GATEWAY_CALLS_PER_ATTEMPT = 4
CONNECT_ALLOWANCE = timedelta(seconds=5)


@dataclass(frozen=True)
class ChargeTiming:
    """How long to wait before trusting what a gateway does not say."""

    # "No such sale" is trusted only this long after the attempt: Cielo answers queries from a replica
    # (apiquery), which can take minutes to list a sale the transactional host already took; trusting its
    # "not found" too early would allow a second charge. Setting: GATEWAY_NOT_FOUND_AFTER_MINUTES.
    not_found_after: timedelta = timedelta(minutes=30)
    # An attempt younger than this may still be on its way (another request or delivery is making it): nobody
    # else looks it up or touches its invoice meanwhile.
    in_flight_for: timedelta = GATEWAY_CALLS_PER_ATTEMPT * (CONNECT_ALLOWANCE + timedelta(seconds=20))

    @classmethod
    def of(cls, read_timeout_seconds: float, not_found_after: timedelta) -> ChargeTiming:
        per_call = CONNECT_ALLOWANCE + timedelta(seconds=read_timeout_seconds)
        return cls(not_found_after=not_found_after, in_flight_for=GATEWAY_CALLS_PER_ATTEMPT * per_call)


@dataclass(frozen=True)
class ChargeAttempt:
    order_id: str
    invoice_id: int
    number: int
    customer_id: int
    customer_name: str
    card_id: int
    card_display: str
    gateway: str
    amount_cents: int
    recurring: bool
    status: str
    created_at: datetime
    outcome: str = ""
    return_code: str = ""
    return_message: str = ""
    tid: str = ""
    payment_id: str = ""
    finished_at: datetime | None = None
    try_number: int = 0  # which of the invoice's recurring tries (1 or 2); 0 for an operator's one-off charge
    due_on: date | None = None  # a recurring try: the day it was due
    late: bool = False  # a recurring try made after that day (by the day of the tick that queued it)
    forced: bool = False  # an operator's charge of a card the issuer had refused for good, or expired

    def __post_init__(self) -> None:
        # The gateway's words (and an operator's note) go to the panel, the customer's message and the card's
        # refusal: masked however the attempt was made, attempts stored before the mask widened included.
        object.__setattr__(self, "return_code", without_card_numbers(self.return_code))
        object.__setattr__(self, "return_message", without_card_numbers(self.return_message))

    @property
    def technical(self) -> bool:
        """Nothing reached the issuer: the attempt does not count as one of the two tries."""
        return self.status == ERROR


def matching_sale(found: Sequence[ChargeResult] | None, attempt: ChargeAttempt) -> ChargeResult | None:
    """What the gateway's sales under ``attempt``'s order id say of it: an approved one of its amount and time if
    any; else unknown when one could not be read (it may be the approved one); else its decline; None when the
    gateway has none of it (sales of another amount or time are somebody else's, under the same order id)."""
    if not found:
        return None
    readable = [s for s in found if s.amount_cents is not None and s.received_at is not None]
    ours = [s for s in readable if s.amount_cents == attempt.amount_cents and s.received_at is not None  # mypy
            and abs(s.received_at - attempt.created_at) <= SALE_TIME_TOLERANCE]
    if len(ours) < len(readable):
        logger.warning("order %s: %s sale(s) under this id with another amount or time ignored", attempt.order_id,
                       len(readable) - len(ours))
    approved = [s for s in ours if s.outcome is Outcome.APPROVED]
    if approved:
        return approved[-1]
    # A sale whose amount or time cannot be read may be ours, whatever it says: unknown, never taken as it is.
    unreadable = [replace(s, classification=Classification(Outcome.UNKNOWN, s.classification.code))
                  for s in found if s not in readable]
    unknown = unreadable + [s for s in ours if s.outcome is Outcome.UNKNOWN]
    if unknown:
        return unknown[0]
    return ours[-1] if ours else None


class ChargeStore(Protocol):
    def start(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt) -> bool: ...
    def record(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt,
               events: Sequence[Message] = ()) -> bool: ...
    def finish(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt,
               events: Sequence[Message] = ()) -> bool: ...
    def replace(self, invoice: Invoice, expected_version: int) -> bool: ...
    def attempt(self, invoice_id: int, number: int) -> ChargeAttempt | None: ...
    def attempts(self, invoice_id: int) -> list[ChargeAttempt]: ...
    def by_date(self, first: datetime, last: datetime) -> Iterator[ChargeAttempt]: ...


class CustomerLookup(Protocol):
    def get(self, customer_id: int) -> Customer: ...


EventIds = Callable[[], str]
OrderIdOf = Callable[[int, int], str]  # (invoice id, attempt number) -> the order id the gateway sees


class ChargeService:
    def __init__(self, store: ChargeStore, invoices: InvoiceService, cards: CardService,
                 gateways: GatewaySettingsService, customers: CustomerLookup, clock: Clock, zone: tzinfo,
                 event_ids: EventIds, *, metrics: Metrics, order_id: OrderIdOf,
                 timing: ChargeTiming = ChargeTiming()) -> None:
        self._store = store
        self._metrics = metrics
        self._event_ids = event_ids
        self._invoices = invoices
        self._cards = cards
        self._gateways = gateways
        self._customers = customers
        self._clock = clock
        self._zone = zone
        self._order_id = order_id
        self._timing = timing

    def charge(self, invoice_id: int, card_id: int | None, *, recurring: bool,
               force: bool = False) -> tuple[ChargeAttempt, Invoice]:
        """One attempt on ``card_id`` (None: the customer's default card). A card the issuer refused for good, or
        an expired one, is charged only with ``force`` (recorded on the attempt)."""
        invoice = self._invoices.get(invoice_id)
        if invoice.charging is not None:
            invoice = self.reconcile(invoice)
        if invoice.status != OPEN:
            raise BusinessRuleError(f"A fatura {invoice.id} está {invoice.status}.")
        if invoice.charging is not None:
            raise ConflictError(f"A tentativa anterior desta fatura ({invoice.charging}) ainda está em andamento ou "
                                "tem resultado desconhecido no gateway; nada foi cobrado agora. Tente de novo mais "
                                "tarde.")
        if recurring and invoice.recurring_tries >= MAX_RECURRING_TRIES:
            raise BusinessRuleError(f"A fatura {invoice.id} já teve {MAX_RECURRING_TRIES} tentativas recorrentes.")
        card = self._card(invoice.customer_id, card_id)
        problem = card.problem_on(self._today())
        if problem and not force:
            raise BusinessRuleError(f"{problem} Nada foi cobrado; para cobrar mesmo assim, envie forcar: true.")
        return self.attempt(invoice, card, recurring=recurring, forced=bool(problem))

    def attempt(self, invoice: Invoice, card: Card, *, recurring: bool, customer: Customer | None = None,
                via: tuple[GatewayConfig, Gateway] | None = None, forced: bool = False
                ) -> tuple[ChargeAttempt, Invoice]:
        """Record an attempt on ``invoice`` as read (open, nothing in flight), then send it to the gateway that
        holds ``card`` (``via``: its configuration and adapter, when the caller has them; ``customer``: the
        invoice's)."""
        config, gateway = via or self._gateways.holding(card.gateway)
        customer = customer or self._customers.get(invoice.customer_id)
        token = self._cards.token(card)  # KMS may fail: before anything is recorded
        number = invoice.card_attempts + 1
        tries = invoice.recurring_tries + 1 if recurring else invoice.recurring_tries
        attempt = ChargeAttempt(
            order_id=self._order_id(invoice.id, number), invoice_id=invoice.id, number=number,
            customer_id=customer.id, customer_name=customer.name, card_id=card.id,
            card_display=masked(card.brand, card.last_digits), gateway=config.gateway,
            amount_cents=invoice.amount_cents, recurring=recurring, status=PROCESSING, created_at=self._clock(),
            try_number=tries if recurring else 0, forced=forced, **self._due(invoice) if recurring else {})
        started = replace(invoice, card_attempts=number, recurring_tries=tries, charging=attempt.order_id,
                          version=invoice.version + 1)
        if not self._store.start(started, invoice.version, attempt):
            raise ConflictError("A fatura foi alterada ou já está sendo cobrada por outra requisição; consulte-a.")
        try:
            result = gateway.charge(Charge(
                order_id=attempt.order_id, amount_cents=attempt.amount_cents, card_token=token, brand=card.brand,
                customer_name=customer.name, recurring=recurring, first_use=card.first_use,
                issuer_transaction_id=card.issuer_transaction_id))
        except GatewayRefusal as refused:
            return self._finish(started, attempt, ERROR, code=refused.code, message=refused.message)
        if result.outcome is Outcome.UNKNOWN:
            found = matching_sale(gateway.find(attempt.order_id), attempt)
            if found is None or found.outcome is Outcome.UNKNOWN:
                self._metrics.count(CHARGES_ERRORED)
                return replace(attempt, return_message=UNKNOWN_MESSAGE), self._awaiting(started, attempt)
            result = found
        return self._concluded(started, attempt, result, chained=not card.first_use)

    def reconcile(self, invoice: Invoice) -> Invoice:
        """Settle the attempt of unknown outcome with what the gateway says of its order id; an attempt still on
        its way (made by another request or delivery) is left to it."""
        attempt = self._waited_on(invoice)
        age = self._clock() - attempt.created_at
        if age < self._timing.in_flight_for:
            return invoice
        config = self._gateways.config(attempt.gateway)
        if config is None:
            return invoice  # its gateway is gone: an operator settles it (conciliar_cartao)
        found = matching_sale(self._gateways.adapter(config).find(attempt.order_id), attempt)
        if found is None:
            if age < self._timing.not_found_after:
                return self._awaiting(invoice, attempt)  # the sale may not be listed yet
            # Counted as errored when its outcome was left unknown.
            return self._finish(invoice, attempt, ERROR, code="nao_recebida",
                                message="O gateway não recebeu a cobrança; nada foi cobrado.", counted=False)[1]
        if found.outcome is Outcome.UNKNOWN:
            return self._awaiting(invoice, attempt)
        return self._concluded(invoice, attempt, found)[1]

    def settle_by_hand(self, invoice_id: int, charged: bool, note: str, user: str) -> tuple[ChargeAttempt, Invoice]:
        """An operator's verdict on an attempt the gateway cannot tell us about (GetNet's v1 API has no query;
        Cielo may keep answering "99"): after checking the gateway's portal, charged or not charged."""
        invoice = self._invoices.get(invoice_id)
        if invoice.charging is None:
            raise BusinessRuleError(f"A fatura {invoice_id} não tem cobrança em cartão com resultado desconhecido.")
        attempt = self._waited_on(invoice)
        if self._clock() - attempt.created_at < MANUAL_SETTLE_AFTER:
            raise ConflictError("A tentativa é recente; aguarde alguns minutos: o gateway ainda pode registrá-la.")
        message = f"Conciliada manualmente por {user}: {note}"
        if charged:
            return self._finish(invoice, attempt, APPROVED, code="manual", message=message, counted=False)
        return self._finish(invoice, attempt, ERROR, code="manual", message=message, counted=False)

    def record_failure(self, invoice_id: int, reason: str) -> None:
        """A queued recurring try that keeps failing on our side (before any gateway call): shown on the
        charge panel as an error, and tried again later like any technical failure."""
        invoice = self._invoices.get(invoice_id)
        if not invoice.owed or invoice.charging is not None or invoice.queued_on is None:
            return  # settled, or an attempt of unknown outcome that reconciliation settles
        now = self._clock()
        number = invoice.card_attempts + 1
        attempt = ChargeAttempt(
            order_id=self._order_id(invoice.id, number), invoice_id=invoice.id, number=number,
            customer_id=invoice.customer_id, customer_name="", card_id=0, card_display="", gateway="",
            amount_cents=invoice.amount_cents, recurring=True, status=ERROR, created_at=now,
            return_code="falha_tecnica", return_message=reason, finished_at=now,
            try_number=invoice.recurring_tries + 1, **self._due(invoice))
        # As if started: the technical failure gives the try back (_scheduled).
        failed = replace(invoice, card_attempts=number, recurring_tries=invoice.recurring_tries + 1,
                         version=invoice.version + 1)
        if self._store.record(self._scheduled(failed, attempt), invoice.version, attempt):
            self._metrics.count(CHARGES_ERRORED)  # a technical failure of a charge, though before the gateway

    def record_gateway_gone(self, invoice: Invoice, card: Card, customer: Customer,
                            raised: Sequence[Message]) -> bool:
        """The try was due but ``card`` is held by a gateway no longer configured: nothing is sent anywhere; the
        charge panel shows why, the try is dropped (it does not count) and ``raised`` tells the customer, all in
        one write. False when the invoice changed meanwhile (the next tick decides again)."""
        now = self._clock()
        number = invoice.card_attempts + 1
        attempt = ChargeAttempt(
            order_id=self._order_id(invoice.id, number), invoice_id=invoice.id, number=number,
            customer_id=customer.id, customer_name=customer.name, card_id=card.id,
            card_display=masked(card.brand, card.last_digits), gateway=card.gateway,
            amount_cents=invoice.amount_cents, recurring=True, status=ERROR, created_at=now,
            return_code=GATEWAY_GONE, return_message=gateway_gone(card.gateway), finished_at=now,
            try_number=invoice.recurring_tries + 1, **self._due(invoice))
        dropped = replace(invoice, card_attempts=number, next_charge=None, try_due_on=None, queued_on=None,
                          queued_at=None, retry_at=None, version=invoice.version + 1)
        if not self._store.record(dropped, invoice.version, attempt, raised):
            return False
        self._metrics.count(CHARGES_ERRORED)  # a charge that could not be made: the operators' alarm should see it
        return True

    def order_id(self, invoice_id: int, number: int) -> str:
        """The order id the gateway sees for attempt ``number`` of ``invoice_id``."""
        return self._order_id(invoice_id, number)

    def attempts(self, invoice_id: int) -> list[ChargeAttempt]:
        self._invoices.get(invoice_id)
        return self._store.attempts(invoice_id)

    def panel(self, first: datetime, last: datetime) -> list[ChargeAttempt]:
        """Every attempt made in [first, last] (local), newest first."""
        return sorted(self._store.by_date(first, last), key=lambda a: (a.created_at, a.order_id), reverse=True)

    def in_flight(self, invoice: Invoice) -> bool:
        """An attempt of ``invoice`` is on its way: another request or delivery is making it right now."""
        if invoice.charging is None:
            return False
        return self._clock() - self._waited_on(invoice).created_at < self._timing.in_flight_for

    def _waited_on(self, invoice: Invoice) -> ChargeAttempt:
        """The attempt of unknown outcome the invoice is marked with (its latest)."""
        attempt = self._store.attempt(invoice.id, invoice.card_attempts)
        if attempt is None or invoice.charging != attempt.order_id:
            raise RuntimeError(f"fatura {invoice.id}: marca de cobrança sem tentativa")
        return attempt

    def _scheduled(self, invoice: Invoice, attempt: ChargeAttempt) -> Invoice:
        """The invoice's next recurring try after ``attempt`` (an operator's one-off leaves it as it was), by
        billing.recurring.try_schedule."""
        if not attempt.recurring:
            return invoice
        # Days and backoff count from the tick that queued the try (its event time is "now": replayable).
        day, moment = self._tick_time(invoice)
        if attempt.technical:
            failures = invoice.technical_failures + 1
            # Queued under the day it is being made (so the tick keeps finding it); still due when it was due.
            return replace(invoice, recurring_tries=invoice.recurring_tries - 1, technical_failures=failures,
                           next_charge=day, try_due_on=_try_due_on(invoice), queued_on=None, queued_at=None,
                           retry_at=try_schedule.retry_after_failure(failures, moment, self._zone))
        next_try = None
        if attempt.status == DECLINED:
            next_try = try_schedule.after_decline(day, invoice.recurring_tries,
                                                  attempt.outcome != Outcome.DO_NOT_RETRY.value)
        return replace(invoice, next_charge=next_try, try_due_on=next_try, queued_on=None, queued_at=None,
                       retry_at=None, technical_failures=0)

    def _tick_time(self, invoice: Invoice) -> tuple[date, datetime]:
        """The local day and instant of the tick that queued the pending try (now, if none did)."""
        moment = invoice.queued_at or self._clock()
        return invoice.queued_on or moment.astimezone(self._zone).date(), moment

    def _due(self, invoice: Invoice) -> dict[str, Any]:
        """When the invoice's pending recurring try was due, and whether the tick making it now is late."""
        due_on = _try_due_on(invoice)
        return {"due_on": due_on, "late": try_schedule.is_late(due_on, self._tick_time(invoice)[0])}

    def _today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    def _card(self, customer_id: int, card_id: int | None) -> Card:
        wallet = self._cards.wallet(customer_id)
        if card_id is not None:
            return wallet.card(card_id)
        if wallet.default is None:
            raise NotFoundError(f"O cliente {customer_id} não tem cartão cadastrado.")
        return wallet.default

    def _awaiting(self, invoice: Invoice, attempt: ChargeAttempt) -> Invoice:
        """An attempt whose outcome is still unknown: a recurring one is looked up again by a later tick."""
        if not attempt.recurring or invoice.queued_on is None:
            return invoice
        day, moment = self._tick_time(invoice)
        later = replace(invoice, next_charge=day, try_due_on=_try_due_on(invoice), queued_on=None, queued_at=None,
                        retry_at=moment + self._timing.not_found_after, version=invoice.version + 1)
        return later if self._store.replace(later, invoice.version) else self._invoices.get(invoice.id)

    def _concluded(self, invoice: Invoice, attempt: ChargeAttempt, result: ChargeResult,
                   chained: bool = False) -> tuple[ChargeAttempt, Invoice]:
        """Record what the gateway said; an approval starts the card's chain unless it is ``chained`` already."""
        status = APPROVED if result.outcome is Outcome.APPROVED else DECLINED
        message = result.return_message or result.classification.guidance
        done, settled = self._finish(invoice, attempt, status, code=result.return_code or result.classification.code,
                                     message=message, outcome=result.outcome.value, tid=result.tid,
                                     payment_id=result.payment_id, guidance=result.classification.guidance)
        if done.status == APPROVED and not chained:
            self._cards.start_chain(attempt.customer_id, attempt.card_id, done.finished_at or self._clock(),
                                    result.issuer_transaction_id)
        return done, settled

    def _finish(self, invoice: Invoice, attempt: ChargeAttempt, status: str, *, code: str, message: str,
                outcome: str = "", tid: str = "", payment_id: str = "", guidance: str = "",
                counted: bool = True) -> tuple[ChargeAttempt, Invoice]:
        now = self._clock()
        done = replace(attempt, status=status, return_code=code, return_message=message, outcome=outcome, tid=tid,
                       payment_id=payment_id, finished_at=now)
        for _ in range(FINISH_TRIES):
            settled = self._settled(invoice, done, now)
            raised = events.after_attempt(done, settled, guidance, self._event_ids)
            if self._store.finish(settled, invoice.version, done, raised):
                if counted:
                    self._metrics.count(METRIC_OF[status])
                if done.outcome == Outcome.DO_NOT_RETRY.value:
                    self._cards.flag(done.customer_id, done.card_id, f"{done.return_code}: {done.return_message}")
                return done, settled
            recorded = self._store.attempt(attempt.invoice_id, attempt.number)
            if recorded is not None and recorded.status != PROCESSING:
                # Another request (reconciling the same attempt) recorded the outcome first, and counted it.
                return recorded, self._invoices.get(attempt.invoice_id)
            # The invoice changed under the attempt (the suspension tick, a lookup): still ours, so record the
            # gateway's answer on the invoice as it is now.
            invoice = self._invoices.get(attempt.invoice_id)
            if invoice.charging != attempt.order_id:
                break
        raise ConflictError("A fatura foi alterada durante a cobrança; consulte-a antes de tentar de novo.")

    def _settled(self, invoice: Invoice, done: ChargeAttempt, now: datetime) -> Invoice:
        """``invoice`` once ``done`` is recorded: nothing in flight, its next try, paid when approved."""
        settled = self._scheduled(replace(invoice, charging=None, version=invoice.version + 1), done)
        if done.status == APPROVED:
            settled = closed(replace(settled, status=PAID, paid_at=now, paid_cents=done.amount_cents,
                                     payment_method="cartao_credito", paid_card=done.card_display))
        return settled


def _try_due_on(invoice: Invoice) -> date | None:
    """The day the invoice's pending recurring try was due (invoices written before it was kept: its queue day)."""
    return invoice.try_due_on or invoice.next_charge


"""Charging an invoice on a stored card: one attempt at a time, recorded
before the gateway hears of it, its outcome recorded after, and an unknown
outcome reconciled at the gateway (by our order id) before anything is sent
again.

The attempt and the invoice's ``charging`` mark are written in one
transaction conditioned on the invoice's version and on no other attempt
being in flight, so two requests (or a request and the tick) can never
charge an invoice twice. The order id is ``F<invoice>T<attempt>``: the
gateway sees each attempt once, and a lost answer is found again by it.

A recurring attempt also counts against the invoice's two tries (the
condition is in the same transaction); its outcome decides the invoice's next
try in the write that records it: approved or "never retry" ends the
schedule, another decline schedules the next day, and a technical failure
gives the try back and schedules it again later the same day, with backoff.
The events for the customer's notifications go in that same write.

Each gateway charge counts once in the business metrics, when its outcome is
recorded: approved, declined, or errored (refused by the gateway as a
request, or its outcome left unknown); a queued recurring try that fails on
our side before the gateway counts as errored too. An unknown outcome that
reconciliation later learns counts again, as approved or declined; an
operator's verdict by hand counts nothing (no gateway call).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from chalicelib.billing import events
from chalicelib.billing.card_numbers import masked
from chalicelib.billing.cards import Card, CardService
from chalicelib.billing.declines import Outcome
from chalicelib.billing.gateway_settings import GatewayConfig, GatewaySettingsService
from chalicelib.billing.gateways import Charge, ChargeResult, Gateway, GatewayRefusal
from chalicelib.billing.invoices import MAX_RECURRING_TRIES, OPEN, PAID, Invoice, InvoiceService, closed
from chalicelib.clock import Clock
from chalicelib.customers.model import Customer
from chalicelib.errors import BusinessRuleError, ConflictError, NotFoundError
from chalicelib.ports import CHARGES_APPROVED, CHARGES_DECLINED, CHARGES_ERRORED, Metrics

PROCESSING = "processando"  # recorded, sent or about to be; outcome not known yet
APPROVED = "aprovado"
DECLINED = "recusado"
ERROR = "erro"  # nothing was charged: the gateway refused the request itself, or never got it
STATUSES = (APPROVED, DECLINED, ERROR, PROCESSING)
METRIC_OF = {APPROVED: CHARGES_APPROVED, DECLINED: CHARGES_DECLINED, ERROR: CHARGES_ERRORED}
# A gateway may take a moment to list a sale whose answer was lost: "no such sale" is trusted only after this.
RECONCILE_AFTER = timedelta(minutes=5)
UNKNOWN_MESSAGE = ("Resultado desconhecido (sem resposta do gateway); a cobrança será conciliada antes de "
                   "nova tentativa.")
# After a technical failure the recurring try is made again after 1 h, 2 h, 4 h... (the tick runs hourly).
BACKOFF_BASE = timedelta(hours=1)
MAX_BACKOFF = timedelta(hours=8)


def backoff(failures: int) -> timedelta:
    return min(BACKOFF_BASE * 2 ** max(failures - 1, 0), MAX_BACKOFF)


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

    @property
    def technical(self) -> bool:
        """Nothing reached the issuer: the attempt does not count as one of the two tries."""
        return self.status == ERROR


class ChargeStore(Protocol):
    def start(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt) -> bool: ...
    def record(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt) -> bool: ...
    def finish(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt,
               events: list[dict[str, Any]]) -> bool: ...
    def replace(self, invoice: Invoice, expected_version: int) -> bool: ...
    def attempt(self, invoice_id: int, number: int) -> ChargeAttempt | None: ...
    def attempts(self, invoice_id: int) -> list[ChargeAttempt]: ...
    def by_date(self, first: datetime, last: datetime) -> Iterator[ChargeAttempt]: ...


class CustomerLookup(Protocol):
    def get(self, customer_id: int) -> Customer: ...


EventIds = Callable[[], str]


class ChargeService:
    def __init__(self, store: ChargeStore, invoices: InvoiceService, cards: CardService,
                 gateways: GatewaySettingsService, customers: CustomerLookup, clock: Clock, zone: tzinfo,
                 event_ids: EventIds, *, metrics: Metrics) -> None:
        self._store = store
        self._metrics = metrics
        self._event_ids = event_ids
        self._invoices = invoices
        self._cards = cards
        self._gateways = gateways
        self._customers = customers
        self._clock = clock
        self._zone = zone

    def charge(self, invoice_id: int, card_id: int | None, *, recurring: bool) -> tuple[ChargeAttempt, Invoice]:
        """One attempt on ``card_id`` (None: the customer's default card)."""
        invoice = self._invoices.get(invoice_id)
        if invoice.charging is not None:
            invoice = self.reconcile(invoice)
        if invoice.status != OPEN:
            raise BusinessRuleError(f"A fatura {invoice.id} está {invoice.status}.")
        if invoice.charging is not None:
            raise ConflictError(f"A tentativa anterior desta fatura ({invoice.charging}) ainda tem resultado "
                                "desconhecido no gateway; nada foi cobrado agora. Tente de novo mais tarde.")
        if recurring and invoice.recurring_tries >= MAX_RECURRING_TRIES:
            raise BusinessRuleError(f"A fatura {invoice.id} já teve {MAX_RECURRING_TRIES} tentativas recorrentes.")
        return self.attempt(invoice, self._card(invoice.customer_id, card_id), recurring=recurring)

    def attempt(self, invoice: Invoice, card: Card, *, recurring: bool, customer: Customer | None = None,
                via: tuple[GatewayConfig, Gateway] | None = None) -> tuple[ChargeAttempt, Invoice]:
        """Record an attempt on ``invoice`` as read (open, nothing in flight), then send it to the gateway
        (``via``: the active one, when the caller has read it already; ``customer``: the invoice's)."""
        config, gateway = via or self._gateways.active()
        customer = customer or self._customers.get(invoice.customer_id)
        number = invoice.card_attempts + 1
        tries = invoice.recurring_tries + 1 if recurring else invoice.recurring_tries
        attempt = ChargeAttempt(
            order_id=f"F{invoice.id}T{number}", invoice_id=invoice.id, number=number, customer_id=customer.id,
            customer_name=customer.name, card_id=card.id, card_display=masked(card.brand, card.last_digits),
            gateway=config.gateway, amount_cents=invoice.amount_cents, recurring=recurring, status=PROCESSING,
            created_at=self._clock(), try_number=tries if recurring else 0)
        started = replace(invoice, card_attempts=number, recurring_tries=tries, charging=attempt.order_id,
                          version=invoice.version + 1)
        if not self._store.start(started, invoice.version, attempt):
            raise ConflictError("A fatura foi alterada ou já está sendo cobrada por outra requisição; consulte-a.")
        try:
            result = gateway.charge(Charge(
                order_id=attempt.order_id, amount_cents=attempt.amount_cents, card_token=self._cards.token(card),
                brand=card.brand, customer_name=customer.name, recurring=recurring))
        except GatewayRefusal as refused:
            return self._finish(started, attempt, ERROR, code=refused.code, message=refused.message)
        if result.outcome is Outcome.UNKNOWN:
            found = gateway.find(attempt.order_id)
            if found is None or found.outcome is Outcome.UNKNOWN:
                self._metrics.count(CHARGES_ERRORED)
                return replace(attempt, return_message=UNKNOWN_MESSAGE), self._awaiting(started, attempt)
            result = found
        return self._concluded(started, attempt, result)

    def reconcile(self, invoice: Invoice) -> Invoice:
        """Settle the attempt of unknown outcome with what the gateway says of its order id."""
        attempt = self._waited_on(invoice)
        config = next((c for c in self._gateways.list() if c.gateway == attempt.gateway), None)
        if config is None:
            return invoice
        gateway: Gateway = self._gateways.adapter(config)
        found = gateway.find(attempt.order_id)
        if found is None:
            if self._clock() - attempt.created_at < RECONCILE_AFTER:
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
        if self._clock() - attempt.created_at < RECONCILE_AFTER:
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
            order_id=f"F{invoice.id}T{number}", invoice_id=invoice.id, number=number,
            customer_id=invoice.customer_id, customer_name="", card_id=0, card_display="", gateway="",
            amount_cents=invoice.amount_cents, recurring=True, status=ERROR, created_at=now,
            return_code="falha_tecnica", return_message=reason, finished_at=now,
            try_number=invoice.recurring_tries + 1)
        # As if started: the technical failure gives the try back (_scheduled).
        failed = replace(invoice, card_attempts=number, recurring_tries=invoice.recurring_tries + 1,
                         version=invoice.version + 1)
        if self._store.record(self._scheduled(failed, attempt), invoice.version, attempt):
            self._metrics.count(CHARGES_ERRORED)  # a technical failure of a charge, though before the gateway

    def attempts(self, invoice_id: int) -> list[ChargeAttempt]:
        self._invoices.get(invoice_id)
        return self._store.attempts(invoice_id)

    def panel(self, first: datetime, last: datetime) -> list[ChargeAttempt]:
        """Every attempt made in [first, last] (local), newest first."""
        return sorted(self._store.by_date(first, last), key=lambda a: (a.created_at, a.order_id), reverse=True)

    def _waited_on(self, invoice: Invoice) -> ChargeAttempt:
        """The attempt of unknown outcome the invoice is marked with (its latest)."""
        attempt = self._store.attempt(invoice.id, invoice.card_attempts)
        if attempt is None or invoice.charging != attempt.order_id:
            raise RuntimeError(f"fatura {invoice.id}: marca de cobrança sem tentativa")
        return attempt

    def _scheduled(self, invoice: Invoice, attempt: ChargeAttempt) -> Invoice:
        """The invoice's next recurring try after ``attempt`` (an operator's one-off leaves it as it was)."""
        if not attempt.recurring:
            return invoice
        # Days and backoff count from the tick that queued the try (its event time is "now": replayable).
        day, moment = self._tick_time(invoice)
        if attempt.technical:
            failures = invoice.technical_failures + 1
            return replace(invoice, recurring_tries=invoice.recurring_tries - 1, technical_failures=failures,
                           next_charge=day, queued_on=None, queued_at=None, retry_at=moment + backoff(failures))
        retry = (attempt.status == DECLINED and attempt.outcome != Outcome.DO_NOT_RETRY.value
                 and invoice.recurring_tries < MAX_RECURRING_TRIES)
        return replace(invoice, next_charge=day + timedelta(days=1) if retry else None, queued_on=None,
                       queued_at=None, retry_at=None, technical_failures=0)

    def _tick_time(self, invoice: Invoice) -> tuple[date, datetime]:
        """The local day and instant of the tick that queued the pending try (now, if none did)."""
        moment = invoice.queued_at or self._clock()
        return invoice.queued_on or moment.astimezone(self._zone).date(), moment

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
        later = replace(invoice, next_charge=day, queued_on=None, queued_at=None,
                        retry_at=moment + RECONCILE_AFTER, version=invoice.version + 1)
        return later if self._store.replace(later, invoice.version) else self._invoices.get(invoice.id)

    def _concluded(self, invoice: Invoice, attempt: ChargeAttempt,
                   result: ChargeResult) -> tuple[ChargeAttempt, Invoice]:
        status = APPROVED if result.outcome is Outcome.APPROVED else DECLINED
        message = result.return_message or result.classification.guidance
        return self._finish(invoice, attempt, status, code=result.return_code or result.classification.code,
                            message=message, outcome=result.outcome.value, tid=result.tid,
                            payment_id=result.payment_id, guidance=result.classification.guidance)

    def _finish(self, invoice: Invoice, attempt: ChargeAttempt, status: str, *, code: str, message: str,
                outcome: str = "", tid: str = "", payment_id: str = "", guidance: str = "",
                counted: bool = True) -> tuple[ChargeAttempt, Invoice]:
        now = self._clock()
        done = replace(attempt, status=status, return_code=code, return_message=message, outcome=outcome, tid=tid,
                       payment_id=payment_id, finished_at=now)
        settled = self._scheduled(replace(invoice, charging=None, version=invoice.version + 1), done)
        if status == APPROVED:
            settled = closed(replace(settled, status=PAID, paid_at=now, paid_cents=attempt.amount_cents,
                                     payment_method="cartao_credito"))
        raised = events.after_attempt(done, settled, guidance, self._event_ids)
        if self._store.finish(settled, invoice.version, done, raised):
            if counted:
                self._metrics.count(METRIC_OF[status])
            if done.outcome == Outcome.DO_NOT_RETRY.value:
                self._cards.flag(done.customer_id, done.card_id, f"{code}: {message}")
            return done, settled
        # Another request (reconciling the same attempt) recorded the outcome first, and counted it: report
        # what it wrote.
        recorded = self._store.attempt(attempt.invoice_id, attempt.number)
        if recorded is None or recorded.status == PROCESSING:
            raise ConflictError("A fatura foi alterada durante a cobrança; consulte-a antes de tentar de novo.")
        return recorded, self._invoices.get(attempt.invoice_id)

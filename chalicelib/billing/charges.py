"""Charging an invoice on a stored card: one attempt at a time, recorded
before the gateway hears of it, its outcome recorded after, and an unknown
outcome reconciled at the gateway (by our order id) before anything is sent
again.

The attempt and the invoice's ``charging`` mark are written in one
transaction conditioned on the invoice's version and on no other attempt
being in flight, so two requests (or a request and the tick) can never
charge an invoice twice. The order id is ``F<invoice>T<attempt>``: the
gateway sees each attempt once, and a lost answer is found again by it.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from chalicelib.billing.card_numbers import masked
from chalicelib.billing.cards import Card, CardService
from chalicelib.billing.declines import Outcome
from chalicelib.billing.gateway_settings import GatewaySettingsService
from chalicelib.billing.gateways import Charge, ChargeResult, Gateway, GatewayRefusal
from chalicelib.billing.invoices import OPEN, PAID, Invoice, InvoiceService
from chalicelib.clock import Clock
from chalicelib.customers.model import Customer
from chalicelib.errors import BusinessRuleError, ConflictError, NotFoundError

PROCESSING = "processando"  # recorded, sent or about to be; outcome not known yet
APPROVED = "aprovado"
DECLINED = "recusado"
ERROR = "erro"  # nothing was charged: the gateway refused the request itself, or never got it
STATUSES = (APPROVED, DECLINED, ERROR, PROCESSING)
# A gateway may take a moment to list a sale whose answer was lost: "no such sale" is trusted only after this.
RECONCILE_AFTER = timedelta(minutes=5)
UNKNOWN_MESSAGE = ("Resultado desconhecido (sem resposta do gateway); a cobrança será conciliada antes de "
                   "nova tentativa.")


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


class ChargeStore(Protocol):
    def start(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt) -> bool: ...
    def finish(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt) -> bool: ...
    def attempt(self, invoice_id: int, number: int) -> ChargeAttempt | None: ...
    def attempts(self, invoice_id: int) -> list[ChargeAttempt]: ...
    def by_date(self, first: datetime, last: datetime) -> Iterator[ChargeAttempt]: ...


class CustomerLookup(Protocol):
    def get(self, customer_id: int) -> Customer: ...


class ChargeService:
    def __init__(self, store: ChargeStore, invoices: InvoiceService, cards: CardService,
                 gateways: GatewaySettingsService, customers: CustomerLookup, clock: Clock, zone: tzinfo) -> None:
        self._store = store
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
        card = self._card(invoice.customer_id, card_id)
        config, gateway = self._gateways.active()
        customer = self._customers.get(invoice.customer_id)
        number = invoice.card_attempts + 1
        attempt = ChargeAttempt(
            order_id=f"F{invoice.id}T{number}", invoice_id=invoice.id, number=number, customer_id=customer.id,
            customer_name=customer.name, card_id=card.id, card_display=masked(card.brand, card.last_digits),
            gateway=config.gateway, amount_cents=invoice.amount_cents, recurring=recurring, status=PROCESSING,
            created_at=self._clock())
        started = replace(invoice, card_attempts=number, charging=attempt.order_id, version=invoice.version + 1)
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
                return replace(attempt, return_message=UNKNOWN_MESSAGE), started  # reconciled later
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
                return invoice  # the sale may not be listed yet
            return self._finish(invoice, attempt, ERROR, code="nao_recebida",
                                message="O gateway não recebeu a cobrança; nada foi cobrado.")[1]
        if found.outcome is Outcome.UNKNOWN:
            return invoice
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
            return self._finish(invoice, attempt, APPROVED, code="manual", message=message)
        return self._finish(invoice, attempt, ERROR, code="manual", message=message)

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

    def _card(self, customer_id: int, card_id: int | None) -> Card:
        wallet = self._cards.wallet(customer_id)
        if card_id is not None:
            return wallet.card(card_id)
        if wallet.default is None:
            raise NotFoundError(f"O cliente {customer_id} não tem cartão cadastrado.")
        return wallet.default

    def _concluded(self, invoice: Invoice, attempt: ChargeAttempt,
                   result: ChargeResult) -> tuple[ChargeAttempt, Invoice]:
        status = APPROVED if result.outcome is Outcome.APPROVED else DECLINED
        message = result.return_message or result.classification.guidance
        return self._finish(invoice, attempt, status, code=result.return_code or result.classification.code,
                            message=message, outcome=result.outcome.value, tid=result.tid,
                            payment_id=result.payment_id)

    def _finish(self, invoice: Invoice, attempt: ChargeAttempt, status: str, *, code: str, message: str,
                outcome: str = "", tid: str = "", payment_id: str = "") -> tuple[ChargeAttempt, Invoice]:
        now = self._clock()
        done = replace(attempt, status=status, return_code=code, return_message=message, outcome=outcome, tid=tid,
                       payment_id=payment_id, finished_at=now)
        settled = replace(invoice, charging=None, version=invoice.version + 1)
        if status == APPROVED:
            settled = replace(settled, status=PAID, paid_at=now, paid_cents=attempt.amount_cents,
                              payment_method="cartao_credito")
        if self._store.finish(settled, invoice.version, done):
            return done, settled
        # Another request (reconciling the same attempt) recorded the outcome first: report what it wrote.
        recorded = self._store.attempt(attempt.invoice_id, attempt.number)
        if recorded is None or recorded.status == PROCESSING:
            raise ConflictError("A fatura foi alterada durante a cobrança; consulte-a antes de tentar de novo.")
        return recorded, self._invoices.get(attempt.invoice_id)

"""Invoices (faturas) the provider issues for a customer's service: created,
listed, settled by other means (``liquidar``) and cancelled here; charged by
card in ``charges``. Amounts are integer cents.

An open invoice also carries its schedule, so that the hourly tick reads only
what is due through indexes (never a scan): the day its next recurring card
try is due (``next_charge``, set from the due date; whether the service pays
by recurring card is decided when the try runs, so turning recurring payment
on or off needs no other write), and its dunning step (warning, then
suspension) with the day it is due.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol

from chalicelib.billing.invoices.payment_data import PaymentData, PaymentDataChange, charge_kind, problems
from chalicelib.clock import Clock
from chalicelib.customers.model import Service
from chalicelib.errors import BusinessRuleError, ConflictError, ValidationError, require_found
from chalicelib.ports import Sequences

OPEN = "aberta"
PAID = "paga"
CANCELLED = "cancelada"
STATUSES = (OPEN, PAID, CANCELLED)


@dataclass(frozen=True)
class Invoice:
    id: int
    customer_service_id: int
    customer_id: int
    amount_cents: int
    due_date: date
    description: str
    status: str
    created_at: datetime
    version: int = 1
    card_attempts: int = 0  # every card attempt record (each one gateway order), recurring or not
    charging: str | None = None  # order id of the attempt whose outcome is not known yet
    paid_at: datetime | None = None
    paid_cents: int | None = None
    payment_method: str = ""
    # Recurring tries that reached the issuer (a technical failure does not count); at most MAX_RECURRING_TRIES.
    recurring_tries: int = 0
    next_charge: date | None = None  # local day the next recurring try is queued for; None: none will be made
    # The day that try was due (billing.recurring.try_schedule): next_charge moves to the day it is actually made
    # when it is made late (an outage) or tried again after technical failures; this stays, so the try shows as late.
    try_due_on: date | None = None
    queued_on: date | None = None  # the local day a tick put that try on the charges queue
    queued_at: datetime | None = None
    retry_at: datetime | None = None  # not before this instant (backoff after a technical failure)
    technical_failures: int = 0  # in a row, on the pending try
    dunning_step: str | None = None  # WARNING or SUSPENSION while the invoice is open and unpaid
    dunning_on: date | None = None
    suspend_on: date | None = None  # from the service's suspension profile when the invoice was created
    warned_on: date | None = None  # the day the customer was warned of the suspension (None: not warned)
    suspended: bool = False  # this invoice, unpaid, suspended its service
    payment: PaymentData = PaymentData()  # issued outside (the provider's bank): boleto line, PIX code, link
    paid_card: str = ""  # paid by card: the approved attempt's card, masked (``Visa •••• 1234``)

    @property
    def owed(self) -> bool:
        return self.status == OPEN

    @property
    def charge_kind(self) -> str:
        """``tipo_cobranca`` (payment_data.CHARGE_KINDS)."""
        return charge_kind(self.payment, self.payment_method, self.paid_card)


MAX_RECURRING_TRIES = 2
WARNING = "aviso"
SUSPENSION = "bloqueio"


@dataclass(frozen=True)
class NewInvoice:
    customer_service_id: int
    amount_cents: int
    due_date: date
    description: str = ""
    payment: PaymentData = PaymentData()


@dataclass(frozen=True)
class DunningPlan:
    """Days after the due date: warn on ``warn_after`` (None: no warning), suspend on ``suspend_after``."""

    warn_after: int | None
    suspend_after: int

    def first_step(self, due: date) -> tuple[str, date]:
        if self.warn_after is not None:
            return WARNING, due + timedelta(days=self.warn_after)
        return SUSPENSION, self.suspension_day(due)

    def suspension_day(self, due: date) -> date:
        return due + timedelta(days=self.suspend_after)


class DunningPlans(Protocol):
    def for_service(self, service: Service) -> DunningPlan: ...


class InvoiceStore(Protocol):
    def add(self, invoice: Invoice) -> None: ...
    def get(self, invoice_id: int) -> Invoice | None: ...
    def by_service(self, service_id: int) -> Sequence[Invoice]: ...
    def replace(self, invoice: Invoice, expected_version: int) -> bool: ...


class ServiceLookup(Protocol):
    def service(self, service_id: int) -> Service: ...


class InvoiceService:
    def __init__(self, store: InvoiceStore, services: ServiceLookup, sequences: Sequences, clock: Clock,
                 plans: DunningPlans, zone: tzinfo = UTC) -> None:
        self._store = store
        self._zone = zone
        self._services = services
        self._sequences = sequences
        self._clock = clock
        self._plans = plans

    def create(self, new: NewInvoice) -> Invoice:
        if new.amount_cents <= 0:
            raise BusinessRuleError("O valor da fatura deve ser maior que zero.")
        _check(new.payment)
        service = self._services.service(new.customer_service_id)
        plan = self._plans.for_service(service)
        step, step_on = plan.first_step(new.due_date)
        invoice = Invoice(id=self._sequences.next_id("fatura"), customer_service_id=service.id,
                          customer_id=service.customer_id, amount_cents=new.amount_cents, due_date=new.due_date,
                          description=new.description, status=OPEN, created_at=self._clock(),
                          next_charge=new.due_date, try_due_on=new.due_date, dunning_step=step, dunning_on=step_on,
                          suspend_on=plan.suspension_day(new.due_date), payment=new.payment)
        self._store.add(invoice)
        return invoice

    def get(self, invoice_id: int) -> Invoice:
        return require_found(self._store.get(invoice_id), f"Fatura de ID {invoice_id} não encontrada")

    def of_service(self, service_id: int) -> Sequence[Invoice]:
        self._services.service(service_id)
        return self._store.by_service(service_id)

    def resume_recurring(self, service_id: int) -> int:
        """Recurring payment was turned on: open invoices left without a try (it was off when their try came)
        get one from today, within their two tries. Returns how many."""
        today = self._clock().astimezone(self._zone).date()
        resumed = 0
        for listed in self._store.by_service(service_id):
            if not listed.owed or listed.next_charge is not None:
                continue
            current = self.get(listed.id)  # the index may lag: decide on the invoice itself
            if (current.owed and current.next_charge is None and current.charging is None
                    and current.recurring_tries < MAX_RECURRING_TRIES):
                due = max(current.due_date, today)
                resumed += self._store.replace(replace(current, next_charge=due, try_due_on=due, retry_at=None,
                                                       version=current.version + 1), current.version)
        return resumed

    def settle(self, invoice_id: int, paid_cents: int, paid_at: datetime, method: str) -> Invoice:
        """Paid by other means (PIX, boleto, cash): a card attempt of unknown outcome blocks it."""
        current = self._open(invoice_id)
        if current.charging is not None:
            raise ConflictError("Há uma cobrança em cartão desta fatura com resultado ainda desconhecido; "
                                "aguarde a conciliação antes de liquidá-la.")
        return self._write(current, closed(replace(current, status=PAID, paid_cents=paid_cents, paid_at=paid_at,
                                                   payment_method=method)))

    def set_payment_data(self, invoice_id: int, change: PaymentDataChange) -> Invoice:
        """The payment data the provider's bank issued for an open invoice (fields not given are kept)."""
        _check(change)
        current = self._open(invoice_id)
        return self._write(current, replace(current, payment=current.payment.merged(change)))

    def cancel(self, invoice_id: int) -> Invoice:
        current = self._open(invoice_id)
        if current.charging is not None:
            raise ConflictError("Há uma cobrança em cartão desta fatura com resultado ainda desconhecido; "
                                "aguarde a conciliação antes de cancelá-la.")
        return self._write(current, closed(replace(current, status=CANCELLED)))

    def _open(self, invoice_id: int) -> Invoice:
        current = self.get(invoice_id)
        if current.status != OPEN:
            raise BusinessRuleError(f"A fatura {invoice_id} está {current.status}.")
        return current

    def _write(self, current: Invoice, updated: Invoice) -> Invoice:
        final = replace(updated, version=current.version + 1)
        if not self._store.replace(final, current.version):
            raise ConflictError("A fatura foi alterada por outra requisição; consulte-a e tente de novo.")
        return final


def _check(data: PaymentData | PaymentDataChange) -> None:
    errors = problems(data)
    if errors:
        raise ValidationError(errors)


def closed(invoice: Invoice) -> Invoice:
    """A paid or cancelled invoice leaves every schedule (its service's suspension by it is lifted in the same
    write, see the store)."""
    return replace(invoice, next_charge=None, try_due_on=None, queued_on=None, queued_at=None, retry_at=None,
                   dunning_step=None, dunning_on=None)

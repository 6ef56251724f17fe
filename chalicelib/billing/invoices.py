"""Invoices (faturas) the provider issues for a customer's service: created,
listed, settled by other means (``liquidar``) and cancelled here; charged by
card in ``charges``. Amounts are integer cents."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from chalicelib.clock import Clock
from chalicelib.customers.model import Service
from chalicelib.errors import BusinessRuleError, ConflictError, NotFoundError
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
    card_attempts: int = 0  # every card attempt, recurring or not
    charging: str | None = None  # order id of the attempt whose outcome is not known yet
    paid_at: datetime | None = None
    paid_cents: int | None = None
    payment_method: str = ""


@dataclass(frozen=True)
class NewInvoice:
    customer_service_id: int
    amount_cents: int
    due_date: date
    description: str = ""


class InvoiceStore(Protocol):
    def add(self, invoice: Invoice) -> None: ...
    def get(self, invoice_id: int) -> Invoice | None: ...
    def by_service(self, service_id: int) -> Sequence[Invoice]: ...
    def replace(self, invoice: Invoice, expected_version: int) -> bool: ...


class ServiceLookup(Protocol):
    def service(self, service_id: int) -> Service: ...


class InvoiceService:
    def __init__(self, store: InvoiceStore, services: ServiceLookup, sequences: Sequences, clock: Clock) -> None:
        self._store = store
        self._services = services
        self._sequences = sequences
        self._clock = clock

    def create(self, new: NewInvoice) -> Invoice:
        if new.amount_cents <= 0:
            raise BusinessRuleError("O valor da fatura deve ser maior que zero.")
        service = self._services.service(new.customer_service_id)
        invoice = Invoice(id=self._sequences.next_id("fatura"), customer_service_id=service.id,
                          customer_id=service.customer_id, amount_cents=new.amount_cents, due_date=new.due_date,
                          description=new.description, status=OPEN, created_at=self._clock())
        self._store.add(invoice)
        return invoice

    def get(self, invoice_id: int) -> Invoice:
        found = self._store.get(invoice_id)
        if found is None:
            raise NotFoundError(f"Fatura de ID {invoice_id} não encontrada")
        return found

    def of_service(self, service_id: int) -> Sequence[Invoice]:
        self._services.service(service_id)
        return self._store.by_service(service_id)

    def settle(self, invoice_id: int, paid_cents: int, paid_at: datetime, method: str) -> Invoice:
        """Paid by other means (PIX, boleto, cash): a card attempt of unknown outcome blocks it."""
        current = self._open(invoice_id)
        if current.charging is not None:
            raise ConflictError("Há uma cobrança em cartão desta fatura com resultado ainda desconhecido; "
                                "aguarde a conciliação antes de liquidá-la.")
        return self._write(current, replace(current, status=PAID, paid_cents=paid_cents, paid_at=paid_at,
                                            payment_method=method))

    def cancel(self, invoice_id: int) -> Invoice:
        current = self._open(invoice_id)
        if current.charging is not None:
            raise ConflictError("Há uma cobrança em cartão desta fatura com resultado ainda desconhecido; "
                                "aguarde a conciliação antes de cancelá-la.")
        return self._write(current, replace(current, status=CANCELLED))

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

"""Reading invoices the way HubSoft's finance routes do: a customer's statement (``cliente/financeiro``: by
CPF/CNPJ, customer code or service, pending or all, ordered, within a period) and every invoice of a period by
one of its dates (``financeiro/fatura`` with ``tipo_data``), each invoice with its customer and service.

A statement reads each of the customer's services' invoices through the by-service index (a customer has few
services); a period reads the month partitions of the date's index (the store counts each month first, so a
page is read without reading the pages before it). Never a scan.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Protocol

from chalicelib.billing.invoices.service import CANCELLED, OPEN, Invoice
from chalicelib.customers.model import Customer, Service
from chalicelib.errors import NotFoundError
from chalicelib.periods import Period

DUE = "data_vencimento"
PAID = "data_pagamento"
CREATED = "data_cadastro"
DATE_KINDS = (DUE, PAID, CREATED)
AMOUNT = "valor"
ORDER_KEYS = (*DATE_KINDS, AMOUNT)
STATEMENT_KEYS = ("cpf_cnpj", "codigo_cliente", "id_cliente_servico")
MAX_STATEMENT = 50


def date_of(invoice: Invoice, kind: str, zone: tzinfo) -> date | None:
    """The invoice's date ``kind`` as the provider's day (None: it has none, e.g. not paid)."""
    if kind == DUE:
        return invoice.due_date
    if kind == PAID:
        return invoice.paid_at.astimezone(zone).date() if invoice.paid_at else None
    return invoice.created_at.astimezone(zone).date()


@dataclass(frozen=True)
class StatementQuery:
    pending_only: bool = True
    order_by: str = DUE
    descending: bool = False
    limit: int = 20
    date_kind: str = DUE
    first: date | None = None  # the period (of ``date_kind``), inclusive; both None: no period
    last: date | None = None


def selected(invoices: Sequence[Invoice], query: StatementQuery, zone: tzinfo) -> list[Invoice]:
    """A statement's invoices: pending (open) only or every one not cancelled, within the period, ordered
    (invoices without the ordering date last, whatever the direction; ties by id), at most ``limit``."""
    chosen = [i for i in invoices if (i.status == OPEN if query.pending_only else i.status != CANCELLED)]
    if query.first is not None or query.last is not None:
        chosen = [i for i in chosen if _within(date_of(i, query.date_kind, zone), query.first, query.last)]

    def value(invoice: Invoice) -> date | int | None:
        return invoice.amount_cents if query.order_by == AMOUNT else date_of(invoice, query.order_by, zone)

    dated = sorted((i for i in chosen if value(i) is not None), key=lambda i: (value(i), i.id),
                   reverse=query.descending)
    undated = sorted((i for i in chosen if value(i) is None), key=lambda i: i.id)
    return (dated + undated)[:query.limit]


def _within(day: date | None, first: date | None, last: date | None) -> bool:
    return day is not None and (first is None or day >= first) and (last is None or day <= last)


def period_days(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """A period's first and last days (a missing end a month from the other; at most ``periods.MAX_PERIOD``)."""
    period = Period.of(datetime.combine(first, time()) if first else None,
                       datetime.combine(last, time()) if last else None, today)
    return period.first.date(), period.last.date()


@dataclass(frozen=True)
class InvoiceView:
    """An invoice with its customer and service, as HubSoft shows it."""

    invoice: Invoice
    customer: Customer
    service: Service


@dataclass(frozen=True)
class PeriodPage:
    total: int
    views: list[InvoiceView]


class ListingStore(Protocol):
    def by_service(self, service_id: int) -> Sequence[Invoice]: ...
    def by_period(self, kind: str, first: date, last: date, skip: int, take: int,
                  status: str | None) -> tuple[int, list[Invoice]]:
        """Invoices whose date ``kind`` lies in [first, last], by that date: how many in all, and ``take`` of
        them after the first ``skip``."""
        ...


class CustomerLookup(Protocol):
    def search(self, key: str, term: str, limit: int) -> list[Customer]: ...
    def get(self, customer_id: int) -> Customer: ...


class InvoiceListing:
    def __init__(self, store: ListingStore, customers: CustomerLookup, zone: tzinfo) -> None:
        self._store = store
        self._customers = customers
        self._zone = zone

    def statement(self, key: str, term: str, query: StatementQuery) -> list[InvoiceView]:
        """``cliente/financeiro``: the invoices of the customer found by ``key`` (of the one service, for
        ``id_cliente_servico``)."""
        views: list[InvoiceView] = []
        for customer in self._customers.search(key, term, MAX_STATEMENT):
            services = customer.services
            if key == "id_cliente_servico":
                services = tuple(s for s in services if str(s.id) == term.strip())
            for service in services:
                views.extend(InvoiceView(i, customer, service) for i in self._store.by_service(service.id))
        by_id = {v.invoice.id: v for v in views}
        return [by_id[i.id] for i in selected([v.invoice for v in views], query, self._zone)]

    def view(self, invoice: Invoice) -> InvoiceView:
        """One invoice with its customer and service (e.g. a settled one, for its receipt)."""
        customer = self._customers.get(invoice.customer_id)
        service = next(s for s in customer.services if s.id == invoice.customer_service_id)
        return InvoiceView(invoice, customer, service)

    def period(self, kind: str, first: date, last: date, page: int, per_page: int,
               status: str | None = None) -> PeriodPage:
        """``financeiro/fatura`` by ``tipo_data``: one page of the period's invoices by that date."""
        total, invoices = self._store.by_period(kind, first, last, page * per_page, per_page, status)
        known: dict[int, Customer] = {}
        views = []
        for invoice in invoices:
            customer = known.get(invoice.customer_id)
            if customer is None:
                try:
                    customer = known[invoice.customer_id] = self._customers.get(invoice.customer_id)
                except NotFoundError:
                    continue  # customers are never deleted; an invoice without one is not shown
            service = next((s for s in customer.services if s.id == invoice.customer_service_id), None)
            if service is not None:
                views.append(InvoiceView(invoice, customer, service))
        return PeriodPage(total, views)

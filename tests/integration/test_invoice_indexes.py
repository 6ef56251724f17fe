"""The billing table's period indexes (storage.billing.PERIOD_INDEXES) follow every invoice write through
InvoiceService: by due, payment and registration month, across months and years, paged by counting each month,
and the payment data round-trips."""
from __future__ import annotations

from datetime import date, datetime

from chalicelib.billing.invoices.listing import CREATED, DUE, PAID
from chalicelib.billing.invoices.payment_data import PaymentData, PaymentDataChange
from chalicelib.billing.invoices.service import NewInvoice
from chalicelib.container import Container
from chalicelib.customers.model import Address, NewCustomer, NewService
from chalicelib.storage.billing import DynamoBillingStore, months
from tests.conftest import MutableClock

LINE = "23793381286000000000300000000400184340000009990"


def service_of(stack: Container) -> int:
    customer = stack.customers.register(NewCustomer(
        name="Cliente Faturas", document="52998224725", phone="11987654321", email="",
        services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),)))
    return customer.services[0].id


def test_months_of_a_period() -> None:
    assert months(date(2026, 11, 30), date(2027, 2, 1)) == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert months(date(2026, 11, 3), date(2026, 11, 4)) == ["2026-11"]


def test_period_indexes_follow_creation_payment_and_cancellation(stack: Container, clock: MutableClock) -> None:
    service_id = service_of(stack)
    invoices = stack.invoices
    store = DynamoBillingStore(stack.settings.zone)
    dues = [date(2026, 11, 10), date(2026, 12, 10), date(2026, 12, 20), date(2027, 1, 10)]
    ids = [invoices.create(NewInvoice(service_id, 9990, due, payment=PaymentData(digitable_line=LINE))).id
           for due in dues]
    clock.advance(days=40)
    late = invoices.create(NewInvoice(service_id, 5000, date(2026, 12, 15))).id
    # paid in the evening of 10/01 in São Paulo: already the 11th in UTC, the 10th for the index
    invoices.settle(ids[1], 9990, datetime(2027, 1, 10, 22, 30, tzinfo=stack.settings.zone), "pix")
    invoices.cancel(ids[0])

    def listed(kind: str, first: date, last: date, skip: int = 0, take: int = 50) -> tuple[int, list[int]]:
        total, found = store.by_period(kind, first, last, skip, take, None)
        return total, [i.id for i in found]

    span = (date(2026, 11, 1), date(2027, 1, 31))
    assert listed(DUE, *span) == (5, [ids[0], ids[1], late, ids[2], ids[3]])
    assert listed(DUE, *span, skip=2, take=2) == (5, [late, ids[2]])
    assert listed(DUE, *span, skip=4, take=2) == (5, [ids[3]])
    assert listed(DUE, date(2026, 12, 11), date(2026, 12, 31)) == (2, [late, ids[2]])
    assert listed(PAID, *span) == (1, [ids[1]])
    assert listed(PAID, date(2027, 1, 11), date(2027, 1, 31)) == (0, [])
    # registered on 10/12/2026 (clock) and 19/01/2027
    assert listed(CREATED, date(2026, 12, 10), date(2026, 12, 10)) == (4, ids)
    assert listed(CREATED, date(2027, 1, 19), date(2027, 1, 19)) == (1, [late])
    total, found = store.by_period(DUE, *span, 0, 50, "aberta")
    assert (total, [i.id for i in found]) == (3, [late, ids[2], ids[3]])
    assert store.get(ids[2]).payment == PaymentData(digitable_line=LINE)  # type: ignore[union-attr]


def test_payment_data_is_kept_and_changed_by_field(stack: Container) -> None:
    service_id = service_of(stack)
    created = stack.invoices.create(NewInvoice(service_id, 9990, date(2026, 12, 10),
                                               payment=PaymentData(digitable_line=LINE, bank_number="73101")))
    stack.invoices.set_payment_data(created.id, PaymentDataChange(link="https://boletos.exemplo.com.br/1",
                                                                  bank_number=""))
    stored = stack.invoices.get(created.id)
    assert stored.payment == PaymentData(digitable_line=LINE, link="https://boletos.exemplo.com.br/1")
    assert stored.version == created.version + 1

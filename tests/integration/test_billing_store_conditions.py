"""The DynamoDB billing store's own conditions and indexes (moto in-process):
the tick's claim of a try (once, only while pending), what the hourly tick's
indexes list, the service's suspension kept with its invoice, the outbox row
of an event, and the recurring payment choice."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import botocore.client
import pytest

from chalicelib.billing.charging.charges import PROCESSING, ChargeAttempt
from chalicelib.billing.invoices.service import MAX_RECURRING_TRIES, OPEN, PAID, SUSPENSION, WARNING, Invoice, closed
from chalicelib.billing.recurring.choice import RecurringChoice
from chalicelib.billing.recurring.try_schedule import TryDay
from chalicelib.customers.model import Address, Customer, Holder, Service
from chalicelib.observability import correlated
from chalicelib.queues import Message
from chalicelib.storage.billing import DynamoBillingStore
from chalicelib.storage.customers import DynamoCustomerStore
from chalicelib.storage.models import BillingOutboxItem, BillingTableItem, InvoiceItem, ServiceItem
from chalicelib.storage.outbox import OUTBOX_RETENTION
from tests.aws import moto_stack
from tests.conftest import MutableClock

ZONE = ZoneInfo("America/Sao_Paulo")
DUE = date(2026, 12, 10)
AT = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[DynamoBillingStore]:
    with moto_stack(MutableClock(AT)):
        yield DynamoBillingStore(ZONE)


def invoice(invoice_id: int = 1, **changes: object) -> Invoice:
    base = Invoice(id=invoice_id, customer_service_id=10, customer_id=1, amount_cents=9990, due_date=DUE,
                   description="Mensalidade", status=OPEN, created_at=AT, next_charge=DUE, try_due_on=DUE,
                   dunning_step=WARNING, dunning_on=DUE + timedelta(days=10), suspend_on=DUE + timedelta(days=15))
    return replace(base, **changes)  # type: ignore[arg-type]


def entries(store: DynamoBillingStore, day: date, queued: bool = False) -> list[tuple[int, object, object]]:
    listed = TryDay.queued(day) if queued else TryDay.due(day)
    return [(e.invoice_id, e.retry_at, e.queued_at) for e in store.charges_on(listed)]


# ------------------------------------------------------------ the tick's claim
def test_a_pending_try_is_claimed_once_and_moves_to_the_queued_index(store: DynamoBillingStore) -> None:
    store.add(invoice())
    assert entries(store, DUE) == [(1, None, None)]
    assert store.queue_charge(1, TryDay.due(DUE), DUE, AT) is True
    assert store.queue_charge(1, TryDay.due(DUE), DUE, AT) is False  # an overlapping tick
    assert store.get(1) == invoice(queued_on=DUE, queued_at=AT, version=2)
    assert entries(store, DUE) == []
    assert entries(store, DUE, queued=True) == [(1, None, AT)]


def test_a_stale_claim_is_claimed_again_under_todays_day(store: DynamoBillingStore) -> None:
    store.add(invoice(queued_on=DUE, queued_at=AT))
    later, tomorrow = AT + timedelta(days=1), DUE + timedelta(days=1)
    assert store.queue_charge(1, TryDay.due(DUE), tomorrow, later) is False  # not on that list
    assert store.queue_charge(1, TryDay.queued(DUE), tomorrow, later) is True
    assert store.queue_charge(1, TryDay.queued(DUE), tomorrow, later) is False
    assert entries(store, tomorrow, queued=True) == [(1, None, later)]
    assert store.get(1) == invoice(queued_on=tomorrow, queued_at=later, version=2)


def test_a_try_is_not_claimed_once_the_invoice_is_settled(store: DynamoBillingStore) -> None:
    store.add(invoice())
    assert store.write(closed(invoice(status=PAID, version=2)), 1)
    assert store.queue_charge(1, TryDay.due(DUE), DUE, AT) is False
    assert store.get(1) == closed(invoice(status=PAID, version=2))


def test_a_try_waiting_after_a_failure_is_listed_with_its_time(store: DynamoBillingStore) -> None:
    retry = AT + timedelta(hours=2)
    store.add(invoice(retry_at=retry, technical_failures=1))
    store.add(invoice(2, next_charge=DUE + timedelta(days=1)))
    assert entries(store, DUE) == [(1, retry, None)]
    assert entries(store, DUE + timedelta(days=1)) == [(2, None, None)]


# ------------------------------------------------------------ what the tick's indexes list
def test_a_queued_try_is_listed_only_under_its_queue_day(store: DynamoBillingStore) -> None:
    store.add(invoice(queued_on=DUE + timedelta(days=1), queued_at=AT))
    assert entries(store, DUE) == []
    assert entries(store, DUE + timedelta(days=1)) == []
    assert entries(store, DUE + timedelta(days=1), queued=True) == [(1, None, AT)]


def test_closed_invoices_leave_every_schedule(store: DynamoBillingStore) -> None:
    # Written as it might be (schedule fields still set): the indexes follow the status.
    for invoice_id, status in ((1, PAID), (2, "cancelada")):
        store.add(invoice(invoice_id, status=status, queued_on=DUE, dunning_on=DUE))
    store.add(invoice(3, status=PAID))
    assert entries(store, DUE) == [] and entries(store, DUE, queued=True) == []
    assert list(store.dunning_on(WARNING, DUE)) == []
    assert list(store.dunning_on(WARNING, DUE + timedelta(days=10))) == []


def test_the_dunning_index_lists_open_invoices_by_step_and_day(store: DynamoBillingStore) -> None:
    warn = invoice(1)
    suspend = invoice(2, dunning_step=SUSPENSION, dunning_on=DUE + timedelta(days=15))
    unscheduled = invoice(3, dunning_step=None, dunning_on=None)
    for one in (warn, suspend, unscheduled):
        store.add(one)
    assert list(store.dunning_on(WARNING, DUE + timedelta(days=10))) == [warn]
    assert list(store.dunning_on(SUSPENSION, DUE + timedelta(days=15))) == [suspend]
    assert list(store.dunning_on(SUSPENSION, DUE + timedelta(days=10))) == []


# ------------------------------------------------------------ the recurring limit on the stored invoice
def attempt(number: int = 1, **changes: object) -> ChargeAttempt:
    base = ChargeAttempt(order_id=f"F1T{number}", invoice_id=1, number=number, customer_id=1, customer_name="Maria",
                         card_id=3, card_display="Visa •••• 2931", gateway="cielo", amount_cents=9990,
                         recurring=True, status=PROCESSING, created_at=AT, try_number=number, due_on=DUE)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_recurring_try_starts_while_fewer_than_the_limit_were_made(store: DynamoBillingStore) -> None:
    store.add(invoice(recurring_tries=MAX_RECURRING_TRIES - 1, card_attempts=1))
    last = attempt(2)
    assert store.start(invoice(recurring_tries=MAX_RECURRING_TRIES, card_attempts=2, charging="F1T2", version=2),
                       1, last) is True
    store.add(invoice(2, recurring_tries=MAX_RECURRING_TRIES, card_attempts=2))
    over = attempt(3, invoice_id=2, order_id="F2T3")
    assert store.start(invoice(2, recurring_tries=3, card_attempts=3, charging="F2T3", version=2), 1, over) is False
    assert store.get(2) == invoice(2, recurring_tries=MAX_RECURRING_TRIES, card_attempts=2)


def test_a_recurring_try_also_needs_the_version_it_read_and_nothing_in_flight(store: DynamoBillingStore) -> None:
    store.add(invoice())
    assert store.replace(invoice(description="Mudou", version=2), 1)
    first = attempt(1)
    assert store.start(invoice(recurring_tries=1, card_attempts=1, charging="F1T1", version=2), 1, first) is False
    assert store.start(invoice(recurring_tries=1, card_attempts=1, charging="F1T1", version=3), 2, first) is True
    # Another request, having read it before this start, at the version it read: refused, nothing written.
    other = attempt(2, order_id="F1T2", card_id=4)
    assert store.start(invoice(recurring_tries=2, card_attempts=2, charging="F1T2", version=4), 3, other) is False
    assert store.get(1) == invoice(recurring_tries=1, card_attempts=1, charging="F1T1", version=3)
    assert store.attempt(1, 2) is None


def test_an_invoice_stored_before_tries_were_counted_may_start_its_try(store: DynamoBillingStore) -> None:
    store.add(invoice())
    InvoiceItem("FATURA#1", "FATURA").update(actions=[InvoiceItem.recurring_tries.remove()])
    assert store.start(invoice(recurring_tries=1, card_attempts=1, charging="F1T1", version=2), 1, attempt(1))
    assert store.attempt(1, 1) == attempt(1)


# ------------------------------------------------------------ the service's suspension, with its invoice
def customer() -> Customer:
    service = Service(id=10, customer_id=1, name="Fibra", amount_cents=9990, created_at=AT,
                      address=Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000"),
                      holder=Holder(1, "Maria", "52998224725"))
    return Customer(id=1, code=1, name="Maria", document="52998224725", phone="11987654321", email="",
                    created_at=AT, services=(service,))


def suspended_by() -> list[object]:
    return [ServiceItem.get("SERVICE#10", "SERVICE", consistent_read=True).suspended_by,
            ServiceItem.get("CUSTOMER#1", "SERVICE#0000000010", consistent_read=True).suspended_by]


def test_an_open_invoice_that_suspended_its_service_keeps_it_suspended_until_paid(store: DynamoBillingStore) -> None:
    DynamoCustomerStore().add_customer(customer())
    store.add(invoice())
    store.add(invoice(2))
    assert store.write(invoice(suspended=True, version=2), 1)
    assert store.write(invoice(2, suspended=True, version=2), 1)
    assert suspended_by() == [{1, 2}, {1, 2}]
    assert store.write(closed(invoice(status=PAID, suspended=True, version=3)), 2)
    assert suspended_by() == [{2}, {2}]
    assert store.write(invoice(2, description="Outra", version=3), 2)  # not suspended by it: left as it was
    assert suspended_by() == [{2}, {2}]


def test_a_suspension_of_a_service_that_does_not_exist_writes_nothing(store: DynamoBillingStore) -> None:
    store.add(invoice())
    assert store.write(invoice(suspended=True, version=2), 1) is False
    assert store.get(1) == invoice()


# ------------------------------------------------------------ events
def test_an_event_is_one_outbox_row_kept_for_a_week_with_its_correlation_id(store: DynamoBillingStore) -> None:
    store.add(invoice())
    event = Message("pagamento_aprovado", "ev-1", {"id_fatura": 1, "cartão": "Visa"})
    before = datetime.now(UTC).replace(microsecond=0)
    with correlated("req-12345678"):
        assert store.write(invoice(version=2), 1, [event])
    after = datetime.now(UTC)
    [row] = [i for i in BillingTableItem.query("OUTBOX", consistent_read=True) if isinstance(i, BillingOutboxItem)]
    moment, _, event_id = row.sk.partition("#")
    assert event_id == "ev-1" and before <= datetime.fromisoformat(moment) <= after
    assert json.loads(row.body) == {"type": "pagamento_aprovado", "id": "ev-1",  # the queue message's own JSON
                                    "payload": {"id_fatura": 1, "cartão": "Visa"}}
    assert '"cartão"' in row.body  # kept readable, not \\u-escaped
    assert row.correlation_id == "req-12345678"
    assert before + OUTBOX_RETENTION <= row.expires <= after + OUTBOX_RETENTION
    assert OUTBOX_RETENTION == timedelta(days=7)


# ------------------------------------------------------------ reads that decide a charge
def test_the_reads_a_charge_decides_on_see_the_latest_write(store: DynamoBillingStore,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB reads are eventually consistent unless asked otherwise (moto always answers the latest): the
    consumer re-reads the invoice a tick just claimed, and the charge re-reads what a racing request wrote."""
    store.add(invoice())
    store.save(RecurringChoice(10, True, None))
    asked: list[tuple[str, object]] = []
    make_api_call = botocore.client.BaseClient._make_api_call

    def recording(client: botocore.client.BaseClient, operation: str, params: dict[str, object]) -> object:
        asked.append((operation, params.get("ConsistentRead")))
        return make_api_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    store.get(1)
    store.choice(10)
    store.attempt(1, 1)
    store.attempts(1)
    assert asked == [("GetItem", True), ("GetItem", True), ("GetItem", True), ("Query", True)]


# ------------------------------------------------------------ the recurring payment choice
def test_a_services_recurring_choice_round_trips(store: DynamoBillingStore) -> None:
    assert store.choice(10) is None
    store.save(RecurringChoice(10, True, 3))
    store.save(RecurringChoice(11, False, None))
    assert store.choice(10) == RecurringChoice(10, True, 3)
    assert store.choice(11) == RecurringChoice(11, False, None)
    store.save(RecurringChoice(10, False, None))
    assert store.choice(10) == RecurringChoice(10, False, None)

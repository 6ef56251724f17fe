"""Invoices and their card attempts (``billing`` table).

Keys: ``FATURA#<id>`` / ``FATURA`` and ``FATURA#<id>`` / ``TENTATIVA#<n:03d>``
(one query reads an invoice's attempts); ``SERVICO#<id>`` / ``COBRANCA`` (the
service's recurring card payment); ``OUTBOX`` / ``<moment>#<event id>``
(billing events, to the notifications queue through the table's stream).
Indexes: ``by_service`` (``SERVICO#<id>`` / ``<due date>#<id>``),
``by_attempt_date`` (``<YYYY>`` / ``<local moment>#<order id>``, the charge
panel), ``by_charge_day`` and ``by_dunning_day`` (what the hourly tick reads).
``by_charge_day`` holds the tick's day lists (``try_schedule.TryDay``): a try
due on a day under ``COBRAR#<day>``, one queued on a day under ``FILA#<day>``.
``by_due_month``, ``by_paid_month`` and ``by_created_month`` (``PERIOD_INDEXES``:
``<YYYY-MM>`` / ``<local day>#<id:010d>``) list a period's invoices by one of
their dates; every write of an invoice keeps its keys (an invoice written
before they existed enters them on its next write).

Every write of an invoice that suspended its service also keeps the
service's ``suspended_by`` set in the same transaction (added while the
invoice is open, removed once it is paid or cancelled), so the service is
suspended exactly while one of its invoices keeps it so. The write that
suspends it (the one raising ``servico_suspenso``) also ends a trust unlock
(``storage/trust.py``) the service may be in: a new suspension is not covered
by the trust given for the earlier ones.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.billing.charging.charges import PROCESSING, ChargeAttempt
from chalicelib.billing.events import SERVICE_SUSPENDED
from chalicelib.billing.invoices import listing
from chalicelib.billing.invoices.payment_data import PaymentData
from chalicelib.billing.invoices.service import MAX_RECURRING_TRIES, OPEN, Invoice
from chalicelib.billing.recurring.choice import RecurringChoice
from chalicelib.billing.recurring.try_schedule import PendingTry, TryDay, TryStage, try_day
from chalicelib.queues import Message
from chalicelib.storage.binding import committed
from chalicelib.storage.dated import moment_key, query_years
from chalicelib.storage.errors import written
from chalicelib.storage.models import (
    BillingOutboxItem,
    BillingTableItem,
    ChargeAttemptItem,
    InvoiceItem,
    RecurringChoiceItem,
    ServiceItem,
)
from chalicelib.storage.outbox import outbox_row

# The ``by_charge_day`` key prefix of each of the tick's day lists.
TRY_LISTS = {TryStage.DUE: "COBRAR", TryStage.QUEUED: "FILA"}
# Each date an invoice is listed by (listing.DATE_KINDS): its index and the item's key attributes.
PERIOD_INDEXES = {
    listing.DUE: (BillingTableItem.by_due_month, "due_month", "due_key"),
    listing.PAID: (BillingTableItem.by_paid_month, "paid_month", "paid_key"),
    listing.CREATED: (BillingTableItem.by_created_month, "created_month", "created_key"),
}


def months(first: date, last: date) -> list[str]:
    """The ``YYYY-MM`` partitions a period touches, in order."""
    found = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


class DynamoBillingStore:
    def __init__(self, zone: tzinfo = UTC) -> None:
        self._zone = zone  # the panel's dates are the provider's

    # ------------------------------------------------------------ invoices
    def add(self, invoice: Invoice) -> None:
        _invoice_item(invoice, self._zone).save(condition=BillingTableItem.pk.does_not_exist())

    def write(self, invoice: Invoice, expected_version: int, events: Sequence[Message] = ()) -> bool:
        """Replace the invoice if it still has ``expected_version``, with its events and its service's
        suspension; False when another write came first."""
        return committed(lambda txn: self._invoice_write(txn, invoice, expected_version, events))

    def get(self, invoice_id: int) -> Invoice | None:
        try:
            return _invoice(InvoiceItem.get(f"FATURA#{invoice_id}", "FATURA", consistent_read=True))
        except InvoiceItem.DoesNotExist:
            return None

    def by_service(self, service_id: int) -> Sequence[Invoice]:
        return [_invoice(i) for i in BillingTableItem.by_service.query(f"SERVICO#{service_id}")
                if isinstance(i, InvoiceItem)]

    def replace(self, invoice: Invoice, expected_version: int) -> bool:
        return self.write(invoice, expected_version)

    def by_period(self, kind: str, first: date, last: date, skip: int, take: int,
                  status: str | None) -> tuple[int, list[Invoice]]:
        """Invoices whose date ``kind`` (local day) lies in [first, last], by that date: how many in all and
        ``take`` of them after the first ``skip``. Each month is counted first (one count query), so only the
        months holding the page are read."""
        index, _, key = PERIOD_INDEXES[kind]
        condition = getattr(BillingTableItem, key).between(first.isoformat(), f"{last.isoformat()}~")
        only = InvoiceItem.status == status if status else None
        total, found = 0, list[Invoice]()
        for month in months(first, last):
            count = index.count(month, condition, filter_condition=only)
            if len(found) < take and skip < total + count:
                for position, item in enumerate(index.query(month, condition, filter_condition=only), total):
                    if len(found) >= take:
                        break
                    if position >= skip and isinstance(item, InvoiceItem):
                        found.append(_invoice(item))
            total += count
        return total, found

    # --------------------------------------------------------- schedules
    def charges_on(self, listed: TryDay) -> Iterator[PendingTry]:
        """The tries on the day list ``listed`` (due on its day, or queued on it)."""
        for item in BillingTableItem.by_charge_day.query(_charge_day(listed)):
            if isinstance(item, InvoiceItem):
                yield PendingTry(int(item.charge_sk), item.retry_at, item.queued_at)

    def queue_charge(self, invoice_id: int, listed: TryDay, today: date, at: datetime) -> bool:
        """Claim a scheduled try for the charges queue: only one tick (of any overlapping ones) wins it.
        ``listed`` is the day list it was read from (due on a day, or a stale claim queued on a day)."""
        return written(lambda: InvoiceItem(f"FATURA#{invoice_id}", "FATURA").update(actions=[
            InvoiceItem.charge_day.set(_charge_day(TryDay.queued(today))),
            InvoiceItem.queued_on.set(today.isoformat()),
            InvoiceItem.queued_at.set(at),
            InvoiceItem.version.add(1),
        ], condition=(InvoiceItem.charge_day == _charge_day(listed)) & (InvoiceItem.status == OPEN)))

    def dunning_on(self, step: str, day: date) -> Iterator[Invoice]:
        for item in BillingTableItem.by_dunning_day.query(f"{step}#{day.isoformat()}"):
            if isinstance(item, InvoiceItem):
                yield _invoice(item)

    # ---------------------------------------------------- recurring choice
    def choice(self, service_id: int) -> RecurringChoice | None:
        try:
            item = RecurringChoiceItem.get(f"SERVICO#{service_id}", "COBRANCA", consistent_read=True)
        except RecurringChoiceItem.DoesNotExist:
            return None
        return RecurringChoice(service_id, bool(item.recurring),
                               int(item.card_id) if item.card_id is not None else None)

    def save(self, choice: RecurringChoice) -> None:
        RecurringChoiceItem(f"SERVICO#{choice.service_id}", "COBRANCA", service_id=choice.service_id,
                            recurring=choice.recurring, card_id=choice.card_id).save()

    # ------------------------------------------------------------ attempts
    def start(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt) -> bool:
        """Record the attempt and mark the invoice as being charged, unless it changed, another attempt is
        in flight or (a recurring attempt) its two tries are used up."""
        condition = (InvoiceItem.version == expected_version) & InvoiceItem.charging.does_not_exist()
        if attempt.recurring:
            condition &= (InvoiceItem.recurring_tries.does_not_exist()
                          | (InvoiceItem.recurring_tries < MAX_RECURRING_TRIES))

        def write(txn: TransactWrite) -> None:
            txn.save(_invoice_item(invoice, self._zone), condition=condition)
            txn.save(self._attempt_item(attempt), condition=BillingTableItem.pk.does_not_exist())

        return committed(write)

    def record(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt,
               events: Sequence[Message] = ()) -> bool:
        """An attempt that ended before reaching the gateway, with the invoice after it and its events."""
        return self._ended(invoice, expected_version, attempt, events, BillingTableItem.pk.does_not_exist())

    def finish(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt,
               events: Sequence[Message] = ()) -> bool:
        """Record the outcome, the invoice after it and its events; False when someone recorded it first."""
        return self._ended(invoice, expected_version, attempt, events, ChargeAttemptItem.status == PROCESSING)

    def attempt(self, invoice_id: int, number: int) -> ChargeAttempt | None:
        try:
            return _attempt(ChargeAttemptItem.get(f"FATURA#{invoice_id}", f"TENTATIVA#{number:03d}",
                                                  consistent_read=True))
        except ChargeAttemptItem.DoesNotExist:
            return None

    def attempts(self, invoice_id: int) -> list[ChargeAttempt]:
        return [_attempt(i) for i in BillingTableItem.query(f"FATURA#{invoice_id}",
                                                            BillingTableItem.sk.startswith("TENTATIVA#"),
                                                            consistent_read=True)
                if isinstance(i, ChargeAttemptItem)]

    def by_date(self, first: datetime, last: datetime) -> Iterator[ChargeAttempt]:
        for item in query_years(BillingTableItem.by_attempt_date, BillingTableItem.attempt_key, first, last):
            if isinstance(item, ChargeAttemptItem):
                yield _attempt(item)

    def _ended(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt, events: Sequence[Message],
               attempt_condition: Condition) -> bool:
        """The attempt as it ended (written when ``attempt_condition`` holds), the invoice after it (unless it
        changed from ``expected_version``) and its events, together."""
        def write(txn: TransactWrite) -> None:
            self._invoice_write(txn, invoice, expected_version, events)
            txn.save(self._attempt_item(attempt), condition=attempt_condition)

        return committed(write)

    def _invoice_write(self, txn: TransactWrite, invoice: Invoice, expected_version: int,
                       events: Sequence[Message]) -> None:
        txn.save(_invoice_item(invoice, self._zone), condition=InvoiceItem.version == expected_version)
        if invoice.suspended:
            suspends = invoice.status == OPEN and any(e.type == SERVICE_SUSPENDED for e in events)
            for pk, sk in ((f"SERVICE#{invoice.customer_service_id}", "SERVICE"),
                           (f"CUSTOMER#{invoice.customer_id}", f"SERVICE#{invoice.customer_service_id:010d}")):
                actions: list[Action] = [ServiceItem.suspended_by.add({invoice.id}) if invoice.status == OPEN
                                         else ServiceItem.suspended_by.delete({invoice.id})]
                if suspends:
                    actions.append(ServiceItem.trusted_until.remove())
                txn.update(ServiceItem(pk, sk), actions=actions, condition=ServiceItem.pk.exists())
        now = datetime.now(UTC)
        for event in events:
            txn.save(outbox_row(BillingOutboxItem, event, now))

    def _attempt_item(self, attempt: ChargeAttempt) -> ChargeAttemptItem:
        local = attempt.created_at.astimezone(self._zone)
        return ChargeAttemptItem(
            f"FATURA#{attempt.invoice_id}", f"TENTATIVA#{attempt.number:03d}",
            attempt_year=local.strftime("%Y"), attempt_key=moment_key(local, attempt.order_id),
            order_id=attempt.order_id, invoice_id=attempt.invoice_id, number=attempt.number,
            customer_id=attempt.customer_id, customer_name=attempt.customer_name, card_id=attempt.card_id,
            card_display=attempt.card_display, gateway=attempt.gateway, amount_cents=attempt.amount_cents,
            recurring=attempt.recurring, status=attempt.status, created_at=attempt.created_at,
            outcome=attempt.outcome, return_code=attempt.return_code, return_message=attempt.return_message,
            tid=attempt.tid, payment_id=attempt.payment_id, finished_at=attempt.finished_at,
            try_number=attempt.try_number, due_on=_day(attempt.due_on), late=attempt.late,
            forced=attempt.forced)


def _charge_day(listed: TryDay) -> str:
    return f"{TRY_LISTS[listed.stage]}#{listed.day.isoformat()}"


def _period_keys(invoice: Invoice, zone: tzinfo) -> dict[str, Any]:
    """The invoice's keys in each of PERIOD_INDEXES (None for a date it does not have)."""
    keys: dict[str, Any] = {}
    for kind, (_, month, key) in PERIOD_INDEXES.items():
        day = listing.date_of(invoice, kind, zone)
        keys[month] = day.strftime("%Y-%m") if day else None
        keys[key] = f"{day.isoformat()}#{invoice.id:010d}" if day else None
    return keys


def _invoice_item(invoice: Invoice, zone: tzinfo) -> InvoiceItem:
    listed = try_day(invoice)
    charge_day = _charge_day(listed) if listed is not None else None
    dunning_day = None
    if invoice.status == OPEN and invoice.dunning_step and invoice.dunning_on:
        dunning_day = f"{invoice.dunning_step}#{invoice.dunning_on.isoformat()}"
    return InvoiceItem(
        f"FATURA#{invoice.id}", "FATURA",
        charge_day=charge_day, charge_sk=f"{invoice.id:010d}" if charge_day else None,
        dunning_day=dunning_day, dunning_sk=f"{invoice.id:010d}" if dunning_day else None,
        recurring_tries=invoice.recurring_tries, next_charge=_day(invoice.next_charge),
        try_due_on=_day(invoice.try_due_on),
        queued_on=_day(invoice.queued_on), queued_at=invoice.queued_at, retry_at=invoice.retry_at,
        technical_failures=invoice.technical_failures, dunning_step=invoice.dunning_step,
        dunning_on=_day(invoice.dunning_on), suspend_on=_day(invoice.suspend_on), warned_on=_day(invoice.warned_on),
        suspended=invoice.suspended, service_pk=f"SERVICO#{invoice.customer_service_id}",
        service_sk=f"{invoice.due_date.isoformat()}#{invoice.id:010d}",
        invoice_id=invoice.id, customer_service_id=invoice.customer_service_id, customer_id=invoice.customer_id,
        amount_cents=invoice.amount_cents, due_date=invoice.due_date.isoformat(), description=invoice.description,
        status=invoice.status, created_at=invoice.created_at, version=invoice.version,
        card_attempts=invoice.card_attempts, charging=invoice.charging, paid_at=invoice.paid_at,
        paid_cents=invoice.paid_cents, payment_method=invoice.payment_method,
        digitable_line=invoice.payment.digitable_line or None, barcode=invoice.payment.barcode or None,
        pix_code=invoice.payment.pix_code or None, payment_link=invoice.payment.link or None,
        bank_number=invoice.payment.bank_number or None, paid_card=invoice.paid_card or None,
        **_period_keys(invoice, zone))


def _invoice(item: InvoiceItem) -> Invoice:
    return Invoice(
        id=int(item.invoice_id), customer_service_id=int(item.customer_service_id),
        customer_id=int(item.customer_id), amount_cents=int(item.amount_cents),
        due_date=date.fromisoformat(item.due_date), description=item.description or "", status=item.status,
        created_at=item.created_at, version=int(item.version), card_attempts=int(item.card_attempts or 0),
        charging=item.charging, paid_at=item.paid_at,
        paid_cents=int(item.paid_cents) if item.paid_cents is not None else None,
        payment_method=item.payment_method or "", recurring_tries=int(item.recurring_tries or 0),
        next_charge=_date(item.next_charge), try_due_on=_date(item.try_due_on), queued_on=_date(item.queued_on),
        queued_at=item.queued_at,
        retry_at=item.retry_at, technical_failures=int(item.technical_failures or 0),
        dunning_step=item.dunning_step, dunning_on=_date(item.dunning_on), suspend_on=_date(item.suspend_on),
        warned_on=_date(item.warned_on), suspended=bool(item.suspended),
        payment=PaymentData(item.digitable_line or "", item.barcode or "", item.pix_code or "",
                            item.payment_link or "", item.bank_number or ""),
        paid_card=item.paid_card or "")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _attempt(item: ChargeAttemptItem) -> ChargeAttempt:
    return ChargeAttempt(
        order_id=item.order_id, invoice_id=int(item.invoice_id), number=int(item.number),
        customer_id=int(item.customer_id), customer_name=item.customer_name, card_id=int(item.card_id),
        card_display=item.card_display, gateway=item.gateway, amount_cents=int(item.amount_cents),
        recurring=bool(item.recurring), status=item.status, created_at=item.created_at, outcome=item.outcome or "",
        return_code=item.return_code or "", return_message=item.return_message or "", tid=item.tid or "",
        payment_id=item.payment_id or "", finished_at=item.finished_at, try_number=int(item.try_number or 0),
        due_on=_date(item.due_on), late=bool(item.late), forced=bool(item.forced))

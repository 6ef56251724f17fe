"""Invoices and their card attempts (``billing`` table).

Keys: ``FATURA#<id>`` / ``FATURA`` and ``FATURA#<id>`` / ``TENTATIVA#<n:03d>``
(one query reads an invoice's attempts); ``SERVICO#<id>`` / ``COBRANCA`` (the
service's recurring card payment). Indexes: ``by_service``
(``SERVICO#<id>`` / ``<due date>#<id>``) and ``by_attempt_date``
(``<YYYY>`` / ``<local moment>#<order id>``, the charge panel).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, tzinfo

from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib.billing.charges import ChargeAttempt
from chalicelib.billing.invoices import Invoice
from chalicelib.billing.recurring import RecurringChoice
from chalicelib.storage.binding import transaction
from chalicelib.storage.dated import moment_key, query_years
from chalicelib.storage.errors import cancelled_reasons
from chalicelib.storage.models import BillingTableItem, ChargeAttemptItem, InvoiceItem, RecurringChoiceItem


class DynamoBillingStore:
    def __init__(self, zone: tzinfo = UTC) -> None:
        self._zone = zone  # the panel's dates are the provider's

    # ------------------------------------------------------------ invoices
    def add(self, invoice: Invoice) -> None:
        _invoice_item(invoice).save(condition=BillingTableItem.pk.does_not_exist())

    def get(self, invoice_id: int) -> Invoice | None:
        try:
            return _invoice(InvoiceItem.get(f"FATURA#{invoice_id}", "FATURA", consistent_read=True))
        except InvoiceItem.DoesNotExist:
            return None

    def by_service(self, service_id: int) -> Sequence[Invoice]:
        return [_invoice(i) for i in BillingTableItem.by_service.query(f"SERVICO#{service_id}")
                if isinstance(i, InvoiceItem)]

    def replace(self, invoice: Invoice, expected_version: int) -> bool:
        try:
            _invoice_item(invoice).save(condition=InvoiceItem.version == expected_version)
        except PutError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                return False
            raise
        return True

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
        """Record the attempt and mark the invoice as being charged, unless it changed or another attempt is
        in flight."""
        try:
            with transaction() as txn:
                txn.save(_invoice_item(invoice), condition=(InvoiceItem.version == expected_version)
                         & InvoiceItem.charging.does_not_exist())
                txn.save(self._attempt_item(attempt), condition=BillingTableItem.pk.does_not_exist())
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" in cancelled_reasons(exc):
                return False
            raise
        return True

    def finish(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt) -> bool:
        """Record the outcome and the invoice after it; False when someone recorded it first."""
        try:
            with transaction() as txn:
                txn.save(_invoice_item(invoice), condition=InvoiceItem.version == expected_version)
                txn.save(self._attempt_item(attempt), condition=ChargeAttemptItem.status == "processando")
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" in cancelled_reasons(exc):
                return False
            raise
        return True

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
            tid=attempt.tid, payment_id=attempt.payment_id, finished_at=attempt.finished_at)


def _invoice_item(invoice: Invoice) -> InvoiceItem:
    return InvoiceItem(
        f"FATURA#{invoice.id}", "FATURA",
        service_pk=f"SERVICO#{invoice.customer_service_id}",
        service_sk=f"{invoice.due_date.isoformat()}#{invoice.id:010d}",
        invoice_id=invoice.id, customer_service_id=invoice.customer_service_id, customer_id=invoice.customer_id,
        amount_cents=invoice.amount_cents, due_date=invoice.due_date.isoformat(), description=invoice.description,
        status=invoice.status, created_at=invoice.created_at, version=invoice.version,
        card_attempts=invoice.card_attempts, charging=invoice.charging, paid_at=invoice.paid_at,
        paid_cents=invoice.paid_cents, payment_method=invoice.payment_method)


def _invoice(item: InvoiceItem) -> Invoice:
    return Invoice(
        id=int(item.invoice_id), customer_service_id=int(item.customer_service_id),
        customer_id=int(item.customer_id), amount_cents=int(item.amount_cents),
        due_date=date.fromisoformat(item.due_date), description=item.description or "", status=item.status,
        created_at=item.created_at, version=int(item.version), card_attempts=int(item.card_attempts or 0),
        charging=item.charging, paid_at=item.paid_at,
        paid_cents=int(item.paid_cents) if item.paid_cents is not None else None,
        payment_method=item.payment_method or "")


def _attempt(item: ChargeAttemptItem) -> ChargeAttempt:
    return ChargeAttempt(
        order_id=item.order_id, invoice_id=int(item.invoice_id), number=int(item.number),
        customer_id=int(item.customer_id), customer_name=item.customer_name, card_id=int(item.card_id),
        card_display=item.card_display, gateway=item.gateway, amount_cents=int(item.amount_cents),
        recurring=bool(item.recurring), status=item.status, created_at=item.created_at, outcome=item.outcome or "",
        return_code=item.return_code or "", return_message=item.return_message or "", tid=item.tid or "",
        payment_id=item.payment_id or "", finished_at=item.finished_at)

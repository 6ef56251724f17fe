"""Sending an invoice's payment data to its customer on request (HubSoft's ``cliente/financeiro/enviar_sms``
and our ``enviar_whatsapp``): a ``segunda_via`` event on the notifications queue, which the notification
consumer turns into one message through the first channel configured and active (the provider edits its
text as any event's template). Success means handed to the channel, not delivered: the message log tells."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from chalicelib.billing import events
from chalicelib.billing.invoices.service import Invoice, InvoiceService
from chalicelib.errors import BusinessRuleError
from chalicelib.ports import QueuePublisher
from chalicelib.queues import NOTIFICATIONS


class Switch(Protocol):
    @property
    def active(self) -> bool: ...


class NotificationReadiness(Protocol):
    def active_labels(self) -> list[str]: ...
    def template(self, event: str) -> Switch: ...


@dataclass(frozen=True)
class SentCopy:
    invoice: Invoice
    channel: str  # the label of the channel it was handed to (``WhatsApp``)
    event_id: str


class SecondCopies:
    def __init__(self, invoices: InvoiceService, queues: QueuePublisher, notifications: NotificationReadiness,
                 new_id: Callable[[], str]) -> None:
        self._invoices = invoices
        self._queues = queues
        self._notifications = notifications
        self._new_id = new_id

    def send(self, invoice_id: int) -> SentCopy:
        """Refused (nothing sent) for an invoice not open, one without payment data, or when no channel or the
        event's template is off."""
        invoice = self._invoices.get(invoice_id)
        if not invoice.owed:
            raise BusinessRuleError(f"A fatura {invoice_id} está {invoice.status}: não há pagamento a enviar.")
        if invoice.payment.empty:
            raise BusinessRuleError(f"A fatura {invoice_id} não tem linha digitável, código de barras, PIX nem link: "
                                    "informe os dados de pagamento da fatura antes de enviá-la.")
        channels = self._notifications.active_labels()
        if not channels:
            raise BusinessRuleError("Nenhum canal de notificação está configurado e ativo: configure a integração "
                                    "com a ZapMe (WhatsApp) para enviar faturas.")
        if not self._notifications.template(events.SECOND_COPY).active:
            raise BusinessRuleError(f"A mensagem do evento {events.SECOND_COPY} está desativada: ative-a nas "
                                    "notificações para enviar faturas.")
        message = events.second_copy(invoice, self._new_id)
        self._queues.publish(NOTIFICATIONS, [message])
        return SentCopy(invoice, channels[0], message.id)

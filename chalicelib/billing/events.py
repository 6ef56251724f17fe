"""Which notification events billing raises (pure): the messages that go to
the notifications queue, written in the same transaction as the change that
raised them (the billing table's outbox), so none is lost and a refused
change raises none."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.billing.charging.declines import Outcome
from chalicelib.billing.invoices.service import Invoice
from chalicelib.queues import Message

if TYPE_CHECKING:
    from chalicelib.billing.charging.charges import ChargeAttempt

PAYMENT_APPROVED = "pagamento_aprovado"
PAYMENT_DECLINED = "pagamento_recusado"
CARD_NEEDS_ACTION = "cartao_requer_acao"
SUSPENSION_WARNING = "aviso_suspensao"
SERVICE_SUSPENDED = "servico_suspenso"
TRUST_UNLOCK = "desbloqueio_confianca"
SECOND_COPY = "segunda_via"


def after_attempt(attempt: ChargeAttempt, invoice: Invoice, guidance: str,
                  new_id: Callable[[], str]) -> list[Message]:
    """Approved: tell the customer. Declined on a recurring try: tell them why and what happens next (a
    card that needs them, e.g. blocked or expired, gets its own event: they must act before the next try).
    Technical failures and an operator's declined one-off tell the customer nothing."""
    if attempt.status == "aprovado":
        kind = PAYMENT_APPROVED
    elif attempt.status == "recusado" and attempt.recurring:
        kind = CARD_NEEDS_ACTION if attempt.outcome == Outcome.CUSTOMER_ACTION.value else PAYMENT_DECLINED
    else:
        return []
    payload = {
        **_invoice(invoice),
        "id_processamento": attempt.order_id,
        "cartao": attempt.card_display,
        "tentativa": attempt.try_number or None,
        "recorrente": attempt.recurring,
        "codigo_retorno": attempt.return_code,
        "mensagem_retorno": attempt.return_message,
        "orientacao": guidance,
        "proxima_tentativa": invoice.next_charge.isoformat() if invoice.next_charge else None,
    }
    return [Message(kind, new_id(), payload)]


def dunning(kind: str, invoice: Invoice, suspend_on: str, new_id: Callable[[], str]) -> Message:
    return Message(kind, new_id(), {**_invoice(invoice), "data_bloqueio": suspend_on})


def trust_unlock(customer_id: int, service_id: int, until: str, days: int, new_id: Callable[[], str]) -> Message:
    """A suspended service unlocked in trust until the start of the day ``until`` (ISO)."""
    return Message(TRUST_UNLOCK, new_id(), {"id_cliente": customer_id, "id_cliente_servico": service_id,
                                            "desbloqueio_ate": until, "dias_desbloqueio": days})


def trust_ended(invoice: Invoice, today: str, until: str, new_id: Callable[[], str]) -> Message:
    """A trust unlock ended with ``invoice`` (one of those keeping the service suspended) still unpaid: suspended
    again (the same event as the first suspension, with the day the trust ended)."""
    return Message(SERVICE_SUSPENDED, new_id(), {**_invoice(invoice), "data_bloqueio": today,
                                                 "fim_desbloqueio_confianca": until})


def second_copy(invoice: Invoice, new_id: Callable[[], str]) -> Message:
    """The invoice's payment data, asked for by an operator or an integration (``enviar_whatsapp``)."""
    return Message(SECOND_COPY, new_id(), {
        **_invoice(invoice), "linha_digitavel": invoice.payment.digitable_line,
        "codigo_barras": invoice.payment.barcode, "pix_copia_cola": invoice.payment.pix_code,
        "link": invoice.payment.link})


def _invoice(invoice: Invoice) -> dict[str, Any]:
    return {
        "id_cliente": invoice.customer_id,
        "id_cliente_servico": invoice.customer_service_id,
        "id_fatura": invoice.id,
        "valor_centavos": invoice.amount_cents,
        "data_vencimento": invoice.due_date.isoformat(),
    }


NO_USABLE_CARD = ("Não há cartão válido para a cobrança automática (removido, vencido ou recusado pelo banco). "
                  "Cadastre um novo cartão para evitar a suspensão do serviço.")


CARD_NOT_CHARGEABLE = ("Cadastre um novo cartão para continuar pagando automaticamente e evitar a suspensão do "
                       "serviço.")


def no_usable_card(invoice: Invoice, new_id: Callable[[], str]) -> Message:
    """The try was due but the service's card is gone, expired or refused for good: the customer must act."""
    return Message(CARD_NEEDS_ACTION, new_id(), {
        **_invoice(invoice), "id_processamento": None, "cartao": "", "tentativa": None, "recorrente": True,
        "codigo_retorno": "", "mensagem_retorno": "Sem cartão válido", "orientacao": NO_USABLE_CARD,
        "proxima_tentativa": None})


def card_not_chargeable(invoice: Invoice, card_display: str, new_id: Callable[[], str]) -> Message:
    """The try was due but the card's gateway is no longer configured here: the customer must give another card
    (what happened at the provider's side is for the charge panel, not for the customer)."""
    return Message(CARD_NEEDS_ACTION, new_id(), {
        **_invoice(invoice), "id_processamento": None, "cartao": card_display, "tentativa": None,
        "recorrente": True, "codigo_retorno": "", "mensagem_retorno": "cartão não pode mais ser cobrado",
        "orientacao": CARD_NOT_CHARGEABLE, "proxima_tentativa": None})

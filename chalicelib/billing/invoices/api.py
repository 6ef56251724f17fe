"""Invoices, an operator's one-off card charge and the charge panel
(``financeiro/fatura``, ``financeiro/fatura/{id}/cobrar_cartao``,
``financeiro/cartao/processamentos``). Money in the API is reais with two
decimals; inside, integer cents."""
from __future__ import annotations

from datetime import datetime, time
from typing import Any

from chalicelib.billing.charging.charges import APPROVED, DECLINED, ERROR, PROCESSING, ChargeAttempt
from chalicelib.billing.gateways.settings import GATEWAYS
from chalicelib.billing.invoices.service import STATUSES as INVOICE_STATUSES
from chalicelib.billing.invoices.service import Invoice, NewInvoice
from chalicelib.billing.suspension.service import MAX_DAYS, SuspensionProfile
from chalicelib.clock import local
from chalicelib.web.dates import read_recent_days
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.paging import paginacao, read_page
from chalicelib.web.routes import Routes

routes = Routes(__name__, tag="Faturas",
                tag_description="Faturas, cobrança avulsa no cartão, painel de processamentos, perfis de suspensão.")

PAYMENT_METHODS = ("boleto", "pix", "dinheiro", "cartao_credito", "cartao_debito", "transferencia_bancaria",
                   "debito_automatico", "cheque")
MOMENT = "%Y-%m-%d %H:%M:%S"


def create(request: ApiRequest) -> Payload:
    fields = request.fields()
    service_id = fields.identifier("id_cliente_servico", required=True)
    amount = fields.money_cents("valor", required=True)
    due = fields.day("data_vencimento", required=True)
    description = fields.text("descricao", max_len=255)
    fields.check()
    assert due is not None
    invoice = request.container.invoices.create(NewInvoice(service_id, amount, due, description))
    return success("Fatura cadastrada com sucesso.", fatura=_invoice_shape(request, invoice))


def list_invoices(request: ApiRequest) -> Payload:
    """A service's invoices (the service is required: invoices are read by its index, never scanned)."""
    fields = request.fields()
    service_id = fields.identifier("id_cliente_servico", required=True)
    status = fields.choice("status", INVOICE_STATUSES)
    first = fields.day("data_inicio")
    last = fields.day("data_fim")
    page = read_page(fields)
    fields.check()
    found = [i for i in request.container.invoices.of_service(service_id)
             if (not status or i.status == status) and (first is None or i.due_date >= first)
             and (last is None or i.due_date <= last)]
    return success("Dados consultados com sucesso.", faturas=[_invoice_shape(request, i) for i in page.of(found)],
                   paginacao=paginacao(page, len(found)))


def settle(request: ApiRequest) -> Payload:
    """``POST financeiro/fatura/liquidar``: paid by other means."""
    fields = request.fields()
    zone = request.container.settings.zone
    invoice_id = fields.identifier("id_fatura", required=True)
    paid_on = fields.day("data_pagamento", required=True)
    # The provider's today: a payment made this evening in Brazil is already tomorrow in UTC.
    today = local(request.container.clock(), zone).date()
    if paid_on is not None and paid_on > today:
        fields.error(f"O campo data_pagamento não pode ser posterior a hoje ({today.isoformat()}).")
    before = len(fields.errors)
    paid = fields.money_cents("valor_pago", required=True)
    if len(fields.errors) == before and paid <= 0:
        fields.error("O campo valor_pago deve ser maior que zero.")
    method = fields.choice("forma_pagamento", PAYMENT_METHODS, required=True)
    fields.check()
    assert paid_on is not None
    invoice = request.container.invoices.settle(invoice_id, paid, datetime.combine(paid_on, time(12), zone),
                                                method)
    return success("Fatura liquidada com sucesso.", fatura=_invoice_shape(request, invoice))


def cancel(request: ApiRequest, invoice_id: int) -> Payload:
    invoice = request.container.invoices.cancel(invoice_id)
    return success("Fatura cancelada com sucesso.", fatura=_invoice_shape(request, invoice))


def charge_card(request: ApiRequest, invoice_id: int) -> Payload:
    """``POST financeiro/fatura/{id}/cobrar_cartao``: an operator's one-off charge (not recurring)."""
    fields = request.fields()
    card_id = fields.optional_identifier("id_cartao")
    force = fields.boolean("forcar")
    fields.check()
    attempt, invoice = request.container.charges.charge(invoice_id, card_id, recurring=False, force=force)
    return success(_outcome_text(attempt), processamento=_attempt_shape(request, attempt),
                   fatura=_invoice_shape(request, invoice))


def settle_charge_by_hand(request: ApiRequest, invoice_id: int) -> Payload:
    """``POST financeiro/fatura/{id}/conciliar_cartao`` (ours): the operator's verdict on an attempt of unknown
    outcome, after checking the gateway's portal (GetNet's API cannot be asked)."""
    fields = request.fields()
    verdict = fields.choice("resultado", ("cobrado", "nao_cobrado"), required=True)
    note = fields.text("observacao", required=True, min_len=10, max_len=500)
    fields.check()
    attempt, invoice = request.container.charges.settle_by_hand(invoice_id, verdict == "cobrado", note,
                                                                request.user.username)
    return success("Cobrança conciliada.", processamento=_attempt_shape(request, attempt),
                   fatura=_invoice_shape(request, invoice))


def panel(request: ApiRequest) -> Payload:
    """``GET financeiro/cartao/processamentos``: every attempt, failed ones included, newest first."""
    fields = request.fields()
    recurring = fields.choice("recorrente", ("todos", "sim", "nao"), default="todos")
    status = fields.choice("status", (APPROVED, DECLINED, ERROR, PROCESSING))
    gateway = fields.choice("gateway", GATEWAYS)
    customer_id = fields.optional_identifier("id_cliente")
    page = read_page(fields)
    period = read_recent_days(fields, local(request.container.clock(), request.container.settings.zone).date())
    fields.check()
    assert period is not None
    found = [a for a in request.container.charges.panel(period.first, period.last)
             if (recurring == "todos" or a.recurring == (recurring == "sim")) and (not status or a.status == status)
             and (not gateway or a.gateway == gateway) and (customer_id is None or a.customer_id == customer_id)]
    return success("Dados consultados com sucesso.",
                   processamentos=[_attempt_shape(request, a) for a in page.of(found)],
                   paginacao=paginacao(page, len(found)))


def _outcome_text(attempt: ChargeAttempt) -> str:
    code = f"{attempt.return_code}: {attempt.return_message}".strip(": ")
    return {
        APPROVED: "Pagamento aprovado.",
        DECLINED: f"Cobrança recusada pelo gateway ({code}).",
        ERROR: f"O gateway não processou a cobrança ({code}); nada foi cobrado.",
    }.get(attempt.status, attempt.return_message or "Cobrança em processamento.")


def _invoice_shape(request: ApiRequest, invoice: Invoice) -> dict[str, Any]:
    zone = request.container.settings.zone
    return {
        "id_fatura": invoice.id,
        "id_cliente_servico": invoice.customer_service_id,
        "id_cliente": invoice.customer_id,
        "valor": invoice.amount_cents / 100,
        "data_vencimento": invoice.due_date.isoformat(),
        "descricao": invoice.description or None,
        "status": invoice.status,
        "tentativas_cartao": invoice.card_attempts,
        "tentativas_recorrentes": invoice.recurring_tries,
        "proxima_tentativa_recorrente": invoice.next_charge.isoformat() if invoice.next_charge else None,
        "cobranca_em_andamento": invoice.charging is not None,
        "suspendeu_servico": invoice.suspended and invoice.owed,
        "data_bloqueio": invoice.suspend_on.isoformat() if invoice.suspend_on and invoice.owed else None,
        "data_pagamento": local(invoice.paid_at, zone).strftime(MOMENT) if invoice.paid_at else None,
        "valor_pago": invoice.paid_cents / 100 if invoice.paid_cents is not None else None,
        "forma_pagamento": invoice.payment_method or None,
    }


def _attempt_shape(request: ApiRequest, attempt: ChargeAttempt) -> dict[str, Any]:
    return {
        "id_processamento": attempt.order_id,
        "id_fatura": attempt.invoice_id,
        "id_cliente": attempt.customer_id,
        "cliente": attempt.customer_name,
        "id_cartao": attempt.card_id or None,  # none: failed on our side before a card was chosen
        "cartao": attempt.card_display or None,
        "gateway": attempt.gateway or None,
        "valor": attempt.amount_cents / 100,
        "recorrente": attempt.recurring,
        # Recurring: which of the invoice's two tries (a technical failure repeats the number); one-off: the
        # attempt's sequence on the invoice.
        "tentativa": attempt.try_number or attempt.number,
        "conta_como_tentativa": not attempt.technical,
        "data_prevista": attempt.due_on.isoformat() if attempt.due_on else None,
        "atrasada": attempt.late,
        "forcada": attempt.forced,
        "status": attempt.status,
        "codigo_retorno": attempt.return_code or None,
        "mensagem_retorno": attempt.return_message or None,
        "tid": attempt.tid or None,
        "data": local(attempt.created_at, request.container.settings.zone).strftime(MOMENT),
    }



def create_profile(request: ApiRequest) -> Payload:
    """``POST configuracao/perfil_suspensao``: ``padrao`` makes it the profile of services without one."""
    fields = request.fields()
    description = fields.text("descricao", required=True, max_len=120)
    warning = fields.integer("dias_aviso", minimum=0, maximum=MAX_DAYS, required=True)
    suspension = fields.integer("dias_bloqueio", minimum=1, maximum=MAX_DAYS, required=True)
    default = fields.boolean("padrao")
    fields.check()
    profile = request.container.suspension_profiles.create(description, warning, suspension, default)
    return success("Perfil de suspensão cadastrado com sucesso.", perfil_suspensao=_profile_shape(profile))


def list_profiles(request: ApiRequest) -> Payload:
    profiles = request.container.suspension_profiles.list()
    return success("Dados consultados com sucesso.", perfis_suspensao=[_profile_shape(p) for p in profiles])


def _profile_shape(profile: SuspensionProfile) -> dict[str, Any]:
    return {
        "id_perfil_suspensao": profile.id,
        "descricao": profile.description,
        "dias_aviso": profile.warning_days,
        "dias_bloqueio": profile.suspension_days,
        "padrao": profile.default,
    }

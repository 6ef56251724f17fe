"""Invoices, an operator's one-off card charge and the charge panel
(``financeiro/fatura``, ``financeiro/fatura/{id}/cobrar_cartao``,
``financeiro/cartao/processamentos``). Money in the API is reais with two
decimals; inside, integer cents."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from typing import Any

from chalicelib.auth.permissions import Permission
from chalicelib.billing.charging.charges import (
    APPROVED,
    DECLINED,
    ERROR,
    MANUAL_SETTLE_AFTER,
    PROCESSING,
    ChargeAttempt,
)
from chalicelib.billing.gateways.registry import registry
from chalicelib.billing.invoices import listing, shapes
from chalicelib.billing.invoices.payment_data import (
    BANK_NUMBER_MAX_LENGTH,
    CHARGE_KINDS,
    LINK_MAX_LENGTH,
    PIX_MAX_LENGTH,
    PaymentData,
    PaymentDataChange,
    clean_digits,
    problems,
)
from chalicelib.billing.invoices.service import STATUSES as INVOICE_STATUSES
from chalicelib.billing.invoices.service import Invoice, NewInvoice
from chalicelib.billing.suspension.service import (
    COUNT_COMMAND,
    DEFAULT_TRUST_DAYS,
    DEFAULT_TRUST_PER_MONTH,
    MAX_DAYS,
    MAX_TRUST_DAYS,
    MAX_TRUST_PER_MONTH,
    ProfileChange,
    SuspensionProfile,
)
from chalicelib.clock import local
from chalicelib.web.dates import RECENT_DAYS_INPUTS, checked_recent_page
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.paging import PAGING, page_answer, paginacao, read_page
from chalicelib.web.routes import Body, PathId, Routes
from chalicelib.web.schema import (
    Bool,
    Choice,
    Day,
    Id,
    Integer,
    Money,
    Text,
    envelope,
    list_of,
    object_of,
    paged,
    read,
    ref,
)
from chalicelib.web.validation import Fields

routes = Routes(__name__, tag="Faturas",
                tag_description="Faturas, cobrança avulsa no cartão, painel de processamentos, perfis de suspensão.")

PAYMENT_METHODS = ("boleto", "pix", "dinheiro", "cartao_credito", "cartao_debito", "transferencia_bancaria",
                   "debito_automatico", "cheque")
ATTEMPT_STATUSES = (APPROVED, DECLINED, ERROR, PROCESSING)
MOMENT = "%Y-%m-%d %H:%M:%S"

PAYMENT_DATA_SCHEMA: dict[str, Any] = {
    "nosso_numero": {"type": ["string", "null"], "description": "Nosso número do banco do provedor."},
    "linha_digitavel": {"type": ["string", "null"], "description": "Só dígitos (47 ou 48)."},
    "codigo_barras": {"type": ["string", "null"], "description": "Só dígitos (44)."},
    "pix_copia_cola": {"type": ["string", "null"]},
    "link": {"type": ["string", "null"]},
    "tipo_cobranca": {"type": "string", "enum": list(CHARGE_KINDS),
                      "description": "cartao_credito: paga no cartão; boleto_bancario: tem linha digitável ou código "
                                     "de barras; pix: só PIX; carteira: sem dados de pagamento externos."},
    "cartao": {"type": ["string", "null"], "examples": ["Visa •••• 1234"],
               "description": "Paga no cartão: bandeira e finais do cartão da cobrança aprovada."},
}

routes.schemas({
    "Fatura": object_of(optional={
        "id_fatura": {"type": "integer"}, "id_cliente_servico": {"type": "integer"},
        "id_cliente": {"type": "integer"}, "valor": {"type": "number"}, "data_vencimento": {"type": "string"},
        "descricao": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": list(INVOICE_STATUSES)},
        "tentativas_cartao": {"type": "integer"},
        "tentativas_recorrentes": {"type": "integer", "maximum": 2,
                                   "description": "Tentativas recorrentes que chegaram ao emissor (no máximo 2; "
                                                  "falhas técnicas não contam)."},
        "proxima_tentativa_recorrente": {"type": ["string", "null"],
                                         "description": "Dia (AAAA-MM-DD) da próxima tentativa recorrente."},
        "cobranca_em_andamento": {"type": "boolean",
                                  "description": "Uma tentativa em cartão ainda sem resultado conhecido."},
        "suspendeu_servico": {"type": "boolean",
                              "description": "Em aberto, esta fatura mantém o serviço suspenso."},
        "data_bloqueio": {"type": ["string", "null"],
                          "description": "Dia da suspensão do serviço se a fatura seguir em aberto."},
        "data_aviso_bloqueio": {"type": ["string", "null"],
                                "description": "Dia em que o cliente foi avisado da suspensão (em aberto; null: "
                                               "ainda não avisado)."},
        "data_pagamento": {"type": ["string", "null"]}, "valor_pago": {"type": ["number", "null"]},
        "forma_pagamento": {"type": ["string", "null"]},
        **PAYMENT_DATA_SCHEMA,
    }),
    "FaturaPeriodo": object_of(optional={
        "id_fatura": {"type": "integer"}, "id_cliente_servico": {"type": "integer"},
        "data_vencimento": {"type": "string", "description": "AAAA-MM-DD."},
        "data_pagamento": {"type": ["string", "null"], "description": "AAAA-MM-DD."},
        "data_cadastro": {"type": "string", "description": "AAAA-MM-DD HH:MM:SS."},
        "valor": {"type": "string", "description": "Em reais, texto com duas casas (como o HubSoft)."},
        "valor_pago": {"type": ["number", "null"]}, "status": {"type": "string", "enum": list(INVOICE_STATUSES)},
        "quitado": {"type": "boolean"}, "pix_copia_e_cola": {"type": ["string", "null"]},
        "empresa": {"type": "object"}, "cliente": {"type": "object"}, "servico": {"type": "object"},
        "cobrancas": {"type": "array"}, "recibos": {"type": "array"},
        **{k: v for k, v in PAYMENT_DATA_SCHEMA.items() if k != "pix_copia_cola"},
    }, description="O formato do HubSoft em `GET financeiro/fatura` por período; o que não temos (dados "
                   "bancários do boleto, `forma_cobranca`, caixa) vem nulo."),
    "Recibo": object_of(optional={
        "id_recibo": {"type": "integer", "description": "O id da fatura (a fatura liquidada é o seu recibo)."},
        "numero_recibo": {"type": "string"}, "data_pagamento": {"type": "string"},
        "data_credito": {"type": "string"}, "valor_pago": {"type": "number"}, "tarifa": {"type": "number"},
        "cliente": {"type": "object"},
    }),
    "Processamento": object_of(optional={
        "id_processamento": {"type": "string", "description": "Nosso id do pedido no gateway."},
        "id_fatura": {"type": "integer"}, "id_cliente": {"type": "integer"}, "cliente": {"type": "string"},
        "id_cartao": {"type": ["integer", "null"]},
        "cartao": {"type": ["string", "null"], "examples": ["Visa •••• 1234"]},
        "gateway": {"type": ["string", "null"],
                    "description": "Nulo: falha técnica nossa antes de chegar ao gateway."},
        "valor": {"type": "number"}, "recorrente": {"type": "boolean"},
        "tentativa": {"type": "integer", "description": "Recorrente: qual das duas tentativas da fatura."},
        "conta_como_tentativa": {"type": "boolean",
                                 "description": "Falso para erro técnico (nada chegou ao emissor)."},
        "data_prevista": {"type": ["string", "null"],
                          "description": "Recorrente: o dia em que a tentativa era devida."},
        "atrasada": {"type": "boolean",
                     "description": "Tentativa recorrente feita depois do dia devido (o tick não rodou, ou "
                                    "só houve falhas técnicas naquele dia)."},
        "forcada": {"type": "boolean",
                    "description": "Cobrança avulsa de um cartão vencido ou recusado, com `forcar`."},
        "status": {"type": "string", "enum": list(ATTEMPT_STATUSES)},
        "codigo_retorno": {"type": ["string", "null"]}, "mensagem_retorno": {"type": ["string", "null"]},
        "tid": {"type": ["string", "null"]}, "data": {"type": "string"},
    }),
    "PerfilSuspensao": object_of(optional={
        "id_perfil_suspensao": {"type": "integer", "description": "0: o perfil padrão embutido."},
        "descricao": {"type": "string"}, "dias_aviso": {"type": "integer"}, "dias_bloqueio": {"type": "integer"},
        "padrao": {"type": "boolean"},
        "quantidade_servicos": {"type": ["integer", "null"],
                                "description": "Serviços com este perfil escolhido (os sem perfil seguem o padrão "
                                               "e não entram na conta). Nulo: o perfil embutido, ou um perfil "
                                               "anterior à contagem de uso enquanto a operação não rodar "
                                               f"`{COUNT_COMMAND}`."},
        "dias_desbloqueio_confianca": {"type": "integer",
                                       "description": "Máximo de dias de um desbloqueio em confiança (0: não "
                                                      "permite)."},
        "desbloqueios_confianca_mes": {"type": "integer",
                                       "description": "Desbloqueios em confiança por mês (0: não permite)."},
    }),
})

INVOICE = PathId("id_fatura", "ID da fatura (`id_fatura`).")
PROFILE = PathId("id_perfil_suspensao", "ID do perfil de suspensão (`id_perfil_suspensao`; o embutido, 0, não é "
                                        "alterado nem excluído).")

# -- a new invoice
SERVICE = Id("id_cliente_servico", required=True)
AMOUNT = Money("valor", required=True)
DUE = Day("data_vencimento", required=True)
DESCRIPTION = Text("descricao", "Descrição da fatura.", max_len=255)

# -- payment data issued by the provider's bank (billing.invoices.payment_data)
DIGITABLE_LINE = Text("linha_digitavel", "Linha digitável do boleto: 47 dígitos (48 em arrecadação); pontos e "
                                         "espaços são ignorados.", max_len=60)
BARCODE = Text("codigo_barras", "Código de barras: 44 dígitos.", max_len=60)
PIX_CODE = Text("pix_copia_cola", "PIX copia e cola (EMV, começa com 000201).", max_len=PIX_MAX_LENGTH)
LINK = Text("link", "Link de pagamento (https://).", max_len=LINK_MAX_LENGTH)
BANK_NUMBER = Text("nosso_numero", "Nosso número do banco.", max_len=BANK_NUMBER_MAX_LENGTH)
PAYMENT_INPUTS = (DIGITABLE_LINE, BARCODE, PIX_CODE, LINK, BANK_NUMBER)

# -- a service's invoices, or a period's
LISTED_SERVICE = Id("id_cliente_servico", "Serviço do cliente: as faturas dele, no nosso formato. Sem ele: as "
                                          "faturas do período por `tipo_data`, no formato do HubSoft.")
LISTED_STATUS = Choice("status", f"{', '.join(INVOICE_STATUSES[:-1])} ou {INVOICE_STATUSES[-1]}.",
                       options=INVOICE_STATUSES)
DATE_KIND = Choice("tipo_data", "Sem id_cliente_servico: a data do período (data_vencimento, data_pagamento ou "
                                "data_cadastro).", options=listing.DATE_KINDS, default=listing.DUE)
DUE_FROM = Day("data_inicio", "Com id_cliente_servico: vencimento a partir de; sem ele: início do período de "
                              "`tipo_data` (AAAA-MM-DD; ausente: um mês antes do fim, ou de hoje).")
DUE_UNTIL = Day("data_fim", "Com id_cliente_servico: vencimento até; sem ele: fim do período (AAAA-MM-DD; "
                            "ausente: um mês depois do início, ou de hoje).")

# -- settled by other means
SETTLED_INVOICE = Id("id_fatura", required=True)
PAID_ON = Day("data_pagamento", "AAAA-MM-DD, até hoje no fuso do provedor (nunca no futuro).", required=True)
PAID = Money("valor_pago", "Valor recebido em reais, maior que zero.", required=True)
PAYMENT_METHOD = Choice("forma_pagamento", "Meio do pagamento (ausente: o de meio_pagamento).",
                        options=PAYMENT_METHODS)
HUBSOFT_METHOD = Choice("meio_pagamento", "O nome do HubSoft para forma_pagamento (mesmos valores).",
                        options=PAYMENT_METHODS)
CASH_REGISTER = Integer("id_caixa_financeiro", "Caixa do HubSoft: aceito e ignorado (não temos caixas).",
                        minimum=0)

# -- an operator's one-off charge, and the verdict on one of unknown outcome
CHARGED_CARD = Id("id_cartao", "Ausente: o cartão padrão do cliente.")
FORCE = Bool("forcar", "Cobrar mesmo um cartão vencido ou que o emissor pediu para não cobrar mais (fica registrado "
                       "na tentativa).", extra={"default": False})
VERDICT = Choice("resultado", required=True, options=("cobrado", "nao_cobrado"))
NOTE = Text("observacao", "O que foi conferido no portal do gateway.", required=True, min_len=10, max_len=500)

# -- the charge panel (its days are web.dates.RECENT_DAYS_INPUTS)
RECURRING = Choice("recorrente", "todos (padrão), sim ou nao.", options=("todos", "sim", "nao"), default="todos")
ATTEMPT_STATUS = Choice("status", "Status da tentativa.", options=ATTEMPT_STATUSES)
GATEWAY = Choice("gateway", f"{' ou '.join(registry.names())}.", options=registry.names())
CUSTOMER = Id("id_cliente", "Cliente.")

# -- suspension profiles
PROFILE_DESCRIPTION = Text("descricao", "Descrição do perfil.", required=True, max_len=120)
WARNING_DAYS = Integer("dias_aviso", "Avisar tantos dias antes da suspensão (0: sem aviso).", required=True,
                       minimum=0, maximum=MAX_DAYS)
SUSPENSION_DAYS = Integer("dias_bloqueio", "Suspender tantos dias após o vencimento de fatura em aberto.",
                          required=True, minimum=1, maximum=MAX_DAYS)
DEFAULT_PROFILE = Bool("padrao", "Perfil dos serviços sem perfil próprio.")
TRUST_DAYS = Integer("dias_desbloqueio_confianca", "Máximo de dias de um desbloqueio em confiança (0: não permite).",
                     minimum=0, maximum=MAX_TRUST_DAYS, default=DEFAULT_TRUST_DAYS)
TRUST_PER_MONTH = Integer("desbloqueios_confianca_mes", "Desbloqueios em confiança por mês do calendário (0: não "
                                                        "permite).", minimum=0, maximum=MAX_TRUST_PER_MONTH,
                          default=DEFAULT_TRUST_PER_MONTH)
# -- a profile's change: what is left out keeps its value
NEW_DESCRIPTION = replace(PROFILE_DESCRIPTION, description="Descrição do perfil (ausente: mantém a atual).",
                          required=False, min_len=1)
NEW_WARNING_DAYS = replace(WARNING_DAYS, description="Avisar tantos dias antes da suspensão (0: sem aviso; ausente: "
                                                     "mantém).", required=False)
NEW_SUSPENSION_DAYS = replace(SUSPENSION_DAYS, description="Suspender tantos dias após o vencimento de fatura em "
                                                           "aberto (ausente: mantém).", required=False)
NEW_TRUST_DAYS = replace(TRUST_DAYS, description="Máximo de dias de um desbloqueio em confiança (0: não permite; "
                                                 "ausente: mantém).")
NEW_TRUST_PER_MONTH = replace(TRUST_PER_MONTH, description="Desbloqueios em confiança por mês (0: não permite; "
                                                           "ausente: mantém).")
MAKE_DEFAULT = Bool("padrao", "true: passa a ser o padrão, no lugar do atual (na mesma gravação). false no padrão "
                              "é recusado: escolha outro perfil como padrão.")


@routes.post("/financeiro/fatura", Permission.GERENCIAR_FATURAS, summary="Cadastrar fatura",
             description="Os dados de pagamento emitidos pelo banco do provedor (linha digitável, código de barras, "
                         "PIX copia e cola, link, nosso número) podem vir já no cadastro, ou depois em "
                         "`PUT financeiro/fatura/{id_fatura}/dados_pagamento`.",
             body=Body("NovaFatura", (SERVICE, AMOUNT, DUE, DESCRIPTION, *PAYMENT_INPUTS)),
             result=("fatura", ref("Fatura")))
def create(request: ApiRequest) -> Payload:
    fields = request.fields()
    service_id, amount, due, description = read(fields, SERVICE, AMOUNT, DUE, DESCRIPTION)
    given = _payment_data(fields)
    fields.check()
    assert due is not None
    payment = PaymentData().merged(given)
    invoice = request.container.invoices.create(NewInvoice(service_id, amount, due, description, payment))
    return success("Fatura cadastrada com sucesso.", fatura=_invoice_shape(request, invoice))


@routes.get("/financeiro/fatura", Permission.CONSULTAR_FATURAS, summary="Faturas de um serviço ou de um período",
            description="Com `id_cliente_servico`: as faturas do serviço (formato `Fatura`), com filtros de status e "
                        "de vencimento. Sem ele, como o HubSoft: as faturas cuja data `tipo_data` (vencimento, "
                        "pagamento ou cadastro, no fuso do provedor) cai entre `data_inicio` e `data_fim`, em ordem "
                        "dessa data, no formato `FaturaPeriodo`. Ambos paginados.",
            query=(LISTED_SERVICE, LISTED_STATUS, DATE_KIND, DUE_FROM, DUE_UNTIL, *PAGING),
            raw=envelope({"faturas": {"type": "array", "items": {"oneOf": [ref("Fatura"), ref("FaturaPeriodo")]}},
                          "paginacao": ref("Paginacao")}))
def list_invoices(request: ApiRequest) -> Payload:
    """A service's invoices (by its index), or a period's by one of their dates (by that date's index)."""
    fields = request.fields()
    service_id = LISTED_SERVICE.read_optional(fields)
    status, kind, first, last = read(fields, LISTED_STATUS, DATE_KIND, DUE_FROM, DUE_UNTIL)
    page = read_page(fields)
    fields.check()
    if service_id is None:
        first_day, last_day = listing.period_days(first, last, request.today())
        found_page = request.container.invoice_listing.period(kind, first_day, last_day, page.page, page.per_page,
                                                              status or None)
        company, zone = request.container.company.get(), request.container.settings.zone
        return success("Dados consultados com sucesso.",
                       faturas=[shapes.period_invoice(v, company, zone) for v in found_page.views],
                       paginacao=paginacao(page, found_page.total))
    found = [i for i in request.container.invoices.of_service(service_id)
             if (not status or i.status == status) and (first is None or i.due_date >= first)
             and (last is None or i.due_date <= last)]
    return page_answer(page, found, "faturas", lambda invoice: _invoice_shape(request, invoice))


@routes.post("/financeiro/fatura/liquidar", Permission.GERENCIAR_FATURAS, summary="Liquidar fatura",
             description="Pagamento recebido por outro meio. Aceita o corpo do HubSoft (`meio_pagamento`, "
                         "`id_caixa_financeiro`) e responde o seu `recibo` (a fatura liquidada é o recibo: mesmo id), "
                         "além da `fatura`.",
             body=Body("Liquidacao", (SETTLED_INVOICE, PAID_ON, PAID, PAYMENT_METHOD, HUBSOFT_METHOD,
                                      CASH_REGISTER)),
             raw=envelope({"recibo": ref("Recibo"), "fatura": ref("Fatura")}))
def settle(request: ApiRequest) -> Payload:
    """Paid by other means."""
    fields = request.fields()
    zone = request.container.settings.zone
    invoice_id = SETTLED_INVOICE.read(fields)
    paid_on = PAID_ON.read(fields)
    # The provider's today: a payment made this evening in Brazil is already tomorrow in UTC.
    today = request.today()
    if paid_on is not None and paid_on > today:
        fields.error(f"O campo data_pagamento não pode ser posterior a hoje ({today.isoformat()}).")
    before = len(fields.errors)
    paid = PAID.read(fields)
    if len(fields.errors) == before and paid <= 0:
        fields.error("O campo valor_pago deve ser maior que zero.")
    method = PAYMENT_METHOD.read(fields) or HUBSOFT_METHOD.read(fields)
    CASH_REGISTER.read(fields)
    fields.check()
    assert paid_on is not None
    invoice = request.container.invoices.settle(invoice_id, paid, datetime.combine(paid_on, time(12), zone),
                                                method)
    receipt = shapes.receipt(request.container.invoice_listing.view(invoice), zone)
    return success("Fatura liquidada com sucesso.", recibo=receipt, fatura=_invoice_shape(request, invoice))


@routes.put("/financeiro/fatura/{id_fatura}/dados_pagamento", Permission.GERENCIAR_FATURAS,
            summary="Dados de pagamento da fatura",
            description="Os dados que o banco do provedor emitiu para a fatura em aberto. Campo ausente: mantém o "
                        "atual; enviado vazio: apaga. Linha digitável e código de barras só com dígitos (pontos e "
                        "espaços são ignorados), PIX copia e cola começando com 000201, link https.",
            path_params=(INVOICE,), body=Body("DadosPagamento", PAYMENT_INPUTS),
            result=("fatura", ref("Fatura")))
def set_payment_data(request: ApiRequest, invoice_id: int) -> Payload:
    fields = request.fields()
    change = _payment_data(fields)
    fields.check()
    invoice = request.container.invoices.set_payment_data(invoice_id, change)
    return success("Dados de pagamento da fatura gravados com sucesso.", fatura=_invoice_shape(request, invoice))


def _payment_data(fields: Fields) -> PaymentDataChange:
    """The payment fields sent (None: not sent), digits cleaned; their problems added to ``fields``."""
    def sent(text: Text, digits: bool = False) -> str | None:
        if not fields.sent(text.name):
            return None
        value = text.read(fields).strip()
        return clean_digits(value) if digits else value

    change = PaymentDataChange(sent(DIGITABLE_LINE, digits=True), sent(BARCODE, digits=True), sent(PIX_CODE),
                               sent(LINK), sent(BANK_NUMBER))
    for problem in problems(change):
        fields.error(problem)
    return change


@routes.post("/financeiro/fatura/{id_fatura}/cancelar", Permission.GERENCIAR_FATURAS, summary="Cancelar fatura",
             path_params=(INVOICE,), result=("fatura", ref("Fatura")))
def cancel(request: ApiRequest, invoice_id: int) -> Payload:
    invoice = request.container.invoices.cancel(invoice_id)
    return success("Fatura cancelada com sucesso.", fatura=_invoice_shape(request, invoice))


@routes.post("/financeiro/fatura/{id_fatura}/cobrar_cartao", Permission.GERENCIAR_FATURAS,
             summary="Cobrar fatura no cartão (avulsa)",
             description="Uma tentativa não recorrente no gateway em que o cartão foi cadastrado, registrada antes da "
                         "chamada ao gateway. Resultado desconhecido (sem resposta): a tentativa fica `processando` e "
                         "é conciliada pelo id do pedido antes de qualquer nova cobrança; nunca duas cobranças da "
                         "mesma fatura ao mesmo tempo. Cartão vencido ou recusado em definitivo pelo emissor: "
                         "recusado, a não ser com `forcar`.",
             path_params=(INVOICE,), body=Body("CobrancaCartao", (CHARGED_CARD, FORCE), required=False),
             result=("processamento", ref("Processamento")))
def charge_card(request: ApiRequest, invoice_id: int) -> Payload:
    """An operator's one-off charge (not recurring)."""
    fields = request.fields()
    card_id = CHARGED_CARD.read_optional(fields)
    force = FORCE.read(fields)
    fields.check()
    attempt, invoice = request.container.charges.charge(invoice_id, card_id, recurring=False, force=force)
    return success(_outcome_text(attempt), processamento=_attempt_shape(request, attempt),
                   fatura=_invoice_shape(request, invoice))


@routes.post("/financeiro/fatura/{id_fatura}/conciliar_cartao", Permission.GERENCIAR_FATURAS,
             summary="Conciliar à mão uma cobrança de resultado desconhecido",
             description="Para a tentativa que o gateway não sabe informar (a API v1 da GetNet não tem consulta): "
                         "depois de conferir no portal do gateway, `cobrado` paga a fatura e `nao_cobrado` a libera "
                         "para nova tentativa. Só para tentativas com mais de "
                         f"{MANUAL_SETTLE_AFTER.seconds // 60} minutos.",
             path_params=(INVOICE,), body=Body("ConciliacaoCartao", (VERDICT, NOTE)),
             result=("processamento", ref("Processamento")))
def settle_charge_by_hand(request: ApiRequest, invoice_id: int) -> Payload:
    """Ours: the operator's verdict on an attempt of unknown outcome, after checking the gateway's portal
    (GetNet's API cannot be asked)."""
    fields = request.fields()
    verdict = VERDICT.read(fields)
    note = NOTE.read(fields)
    fields.check()
    attempt, invoice = request.container.charges.settle_by_hand(invoice_id, verdict == "cobrado", note,
                                                                request.user.username)
    return success("Cobrança conciliada.", processamento=_attempt_shape(request, attempt),
                   fatura=_invoice_shape(request, invoice))


@routes.get("/financeiro/cartao/processamentos", Permission.CONSULTAR_PROCESSAMENTOS_CARTAO,
            summary="Painel de processamentos de cartão",
            description="Toda tentativa, recusadas e com erro incluídas, da mais recente à mais antiga. Sem datas: "
                        "os últimos 31 dias.",
            query=(RECURRING, ATTEMPT_STATUS, GATEWAY, CUSTOMER, *RECENT_DAYS_INPUTS, *PAGING),
            raw=paged("processamentos", "Processamento"))
def panel(request: ApiRequest) -> Payload:
    """Every attempt, failed ones included, newest first."""
    fields = request.fields()
    recurring, status, gateway = read(fields, RECURRING, ATTEMPT_STATUS, GATEWAY)
    customer_id = CUSTOMER.read_optional(fields)
    page, period = checked_recent_page(fields, request.today())
    found = [a for a in request.container.charges.panel(period.first, period.last)
             if (recurring == "todos" or a.recurring == (recurring == "sim")) and (not status or a.status == status)
             and (not gateway or a.gateway == gateway) and (customer_id is None or a.customer_id == customer_id)]
    return page_answer(page, found, "processamentos", lambda attempt: _attempt_shape(request, attempt))


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
        "data_aviso_bloqueio": invoice.warned_on.isoformat() if invoice.warned_on and invoice.owed else None,
        "data_pagamento": local(invoice.paid_at, zone).strftime(MOMENT) if invoice.paid_at else None,
        "valor_pago": invoice.paid_cents / 100 if invoice.paid_cents is not None else None,
        "forma_pagamento": invoice.payment_method or None,
        **shapes.payment_shape(invoice),
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


@routes.post("/configuracao/perfil_suspensao", Permission.GERENCIAR_FATURAS, summary="Cadastrar perfil de suspensão",
             description="Um serviço com fatura em aberto `dias_bloqueio` dias após o vencimento é suspenso, avisado "
                         "`dias_aviso` dias antes; o pagamento reabilita-o quando nada mais estiver vencido. As datas "
                         "de cada fatura vêm do perfil vigente quando ela é cadastrada.",
             body=Body("NovoPerfilSuspensao", (PROFILE_DESCRIPTION, WARNING_DAYS, SUSPENSION_DAYS, DEFAULT_PROFILE,
                                               TRUST_DAYS, TRUST_PER_MONTH)),
             result=("perfil_suspensao", ref("PerfilSuspensao")))
def create_profile(request: ApiRequest) -> Payload:
    """``padrao`` makes it the profile of services without one."""
    fields = request.fields()
    description, warning, suspension, default, trust_days, trust_per_month = read(
        fields, PROFILE_DESCRIPTION, WARNING_DAYS, SUSPENSION_DAYS, DEFAULT_PROFILE, TRUST_DAYS, TRUST_PER_MONTH)
    fields.check()
    profile = request.container.suspension_profiles.create(description, warning, suspension, default, trust_days,
                                                           trust_per_month)
    return success("Perfil de suspensão cadastrado com sucesso.", perfil_suspensao=_profile_shape(profile))


@routes.get("/configuracao/perfil_suspensao", Permission.CONSULTAR_FATURAS, summary="Perfis de suspensão",
            description="Sem perfil marcado como padrão, o padrão embutido (id 0: aviso 5 dias antes, suspensão 15 "
                        f"dias após o vencimento, desbloqueio em confiança de até {DEFAULT_TRUST_DAYS} dias, "
                        f"{DEFAULT_TRUST_PER_MONTH} por mês) vem primeiro.",
            result=("perfis_suspensao", list_of("PerfilSuspensao")))
def list_profiles(request: ApiRequest) -> Payload:
    profiles = request.container.suspension_profiles.list()
    return success("Dados consultados com sucesso.", perfis_suspensao=[_profile_shape(p) for p in profiles])


@routes.put("/configuracao/perfil_suspensao/{id_perfil_suspensao}", Permission.GERENCIAR_FATURAS,
            summary="Editar perfil de suspensão",
            description="Campos ausentes mantêm o valor atual; os limites são os do cadastro. Há sempre exatamente "
                        "um perfil padrão: `padrao: true` tira o padrão do anterior na mesma gravação, e `padrao: "
                        "false` no padrão é recusado. Novos dias valem para as faturas cadastradas depois; as "
                        "faturas em aberto mantêm os dias de aviso e de suspensão que receberam ao ser cadastradas.",
            path_params=(PROFILE,),
            body=Body("AlteracaoPerfilSuspensao", (NEW_DESCRIPTION, NEW_WARNING_DAYS, NEW_SUSPENSION_DAYS,
                                                   MAKE_DEFAULT, NEW_TRUST_DAYS, NEW_TRUST_PER_MONTH)),
            result=("perfil_suspensao", ref("PerfilSuspensao")))
def change_profile(request: ApiRequest, profile_id: int) -> Payload:
    fields = request.fields()
    description, warning, suspension = (NEW_DESCRIPTION.read_optional(fields), NEW_WARNING_DAYS.read_optional(fields),
                                        NEW_SUSPENSION_DAYS.read_optional(fields))
    default = MAKE_DEFAULT.read_optional(fields)
    trust_days, trust_per_month = NEW_TRUST_DAYS.read_optional(fields), NEW_TRUST_PER_MONTH.read_optional(fields)
    fields.check()
    profile = request.container.suspension_profiles.change(profile_id, ProfileChange(
        description, warning, suspension, default, trust_days, trust_per_month))
    return success("Perfil de suspensão alterado com sucesso.", perfil_suspensao=_profile_shape(profile))


@routes.delete("/configuracao/perfil_suspensao/{id_perfil_suspensao}", Permission.GERENCIAR_FATURAS,
               summary="Excluir perfil de suspensão",
               description="Recusado enquanto algum serviço usar o perfil (a recusa diz quantos) e enquanto ele for o "
                           "padrão. A exclusão é condicionada à contagem de uso guardada no perfil, que muda na mesma "
                           "gravação que dá ou tira o perfil de um serviço: um serviço nunca fica com um perfil "
                           "excluído. Responde os perfis que restam.",
               path_params=(PROFILE,), result=("perfis_suspensao", list_of("PerfilSuspensao")))
def delete_profile(request: ApiRequest, profile_id: int) -> Payload:
    profiles = request.container.suspension_profiles.delete(profile_id)
    return success("Perfil de suspensão excluído com sucesso.", perfis_suspensao=[_profile_shape(p) for p in profiles])


def _profile_shape(profile: SuspensionProfile) -> dict[str, Any]:
    return {
        "id_perfil_suspensao": profile.id,
        "descricao": profile.description,
        "dias_aviso": profile.warning_days,
        "dias_bloqueio": profile.suspension_days,
        "padrao": profile.default,
        "quantidade_servicos": profile.services,
        "dias_desbloqueio_confianca": profile.trust_days,
        "desbloqueios_confianca_mes": profile.trust_per_month,
    }

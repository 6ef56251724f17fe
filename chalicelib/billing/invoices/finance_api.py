"""HubSoft's customer finance routes over our invoices: the statement bots read (``cliente/financeiro``:
"segunda via", "estou em dia?"), sending an invoice's payment data to the customer (``enviar_sms`` and our
``enviar_whatsapp``), and the provider's company data every invoice shows (``configuracao/empresa``)."""
from __future__ import annotations

from chalicelib.auth.permissions import Permission
from chalicelib.billing.company import MAX_NAME
from chalicelib.billing.invoices import listing, shapes
from chalicelib.billing.invoices.second_copy import SentCopy
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Body, Routes
from chalicelib.web.schema import Choice, Day, Id, Integer, Text, envelope, list_of, object_of, read, ref

routes = Routes(__name__, tag="Financeiro do cliente",
                tag_description="As faturas do cliente no formato do HubSoft (segunda via), o envio dos dados de "
                                "pagamento ao cliente e os dados da empresa do provedor.")
routes.schemas({
    "FaturaCliente": object_of(optional={
        "id_fatura": {"type": "integer"}, "quitado": {"type": "boolean"},
        "status": {"type": "string", "description": "aberta, paga ou cancelada (nosso)."},
        "valor": {"type": "number"},
        "data_vencimento": {"type": "string", "description": "dd/mm/aaaa."},
        "data_cadastro": {"type": "string", "description": "dd/mm/aaaa."},
        "data_pagamento": {"type": ["string", "null"], "description": "dd/mm/aaaa."},
        "nosso_numero": {"type": ["string", "null"]}, "linha_digitavel": {"type": ["string", "null"]},
        "codigo_barras": {"type": ["string", "null"]}, "pix_copia_cola": {"type": ["string", "null"]},
        "link": {"type": ["string", "null"]}, "tipo_cobranca": {"type": "string"},
        "cartao": {"type": ["string", "null"]},
        "detalhamento": {"type": "array", "items": object_of(optional={
            "descricao": {"type": "string"}, "valor": {"type": "number"}})},
        "empresa": ref("Empresa"), "cliente": {"type": "object"},
    }, description="O formato do HubSoft; chaves de dados bancários que não temos vêm nulas."),
    "Empresa": object_of(optional={
        "documento": {"type": "string", "description": "CNPJ (ou CPF) formatado; vazio: não informado."},
        "nome_razaosocial": {"type": "string"}, "nome_fantasia": {"type": "string"},
    }),
})

# -- a customer's statement
SEARCH_KEY = Choice("busca", f"Por qual chave buscar: {', '.join(listing.STATEMENT_KEYS)}.", required=True,
                    options=listing.STATEMENT_KEYS)
SEARCH_TERM = Text("termo_busca", "O valor buscado.", required=True, max_len=30)
LIMIT = Integer("limit", f"Quantas faturas, de 1 a {listing.MAX_STATEMENT}.", minimum=1,
                maximum=listing.MAX_STATEMENT, default=20)
PENDING_ONLY = Choice("apenas_pendente", "sim (padrão): só as em aberto; nao: também as pagas (nunca as "
                                         "canceladas).", options=("sim", "nao"), default="sim")
ORDER_BY = Choice("order_by", "Ordenar por data_vencimento (padrão), data_pagamento, data_cadastro ou valor.",
                  options=listing.ORDER_KEYS, default=listing.DUE)
ORDER_TYPE = Choice("order_type", "asc (padrão) ou desc.", options=("asc", "desc"), default="asc")
PERIOD_FROM = Day("data_inicio", "Início do período (AAAA-MM-DD) da data `tipo_data`.")
PERIOD_UNTIL = Day("data_fim", "Fim do período (AAAA-MM-DD) da data `tipo_data`.")
PERIOD_KIND = Choice("tipo_data", "A data do período: data_vencimento (padrão), data_pagamento ou data_cadastro; "
                                  "só lida com data_inicio ou data_fim.", options=listing.DATE_KINDS,
                     default=listing.DUE)

# -- a second copy
SENT_INVOICE = Id("id_fatura", required=True)

# -- the provider's company
COMPANY_DOCUMENT = Text("documento", "CNPJ (ou CPF) do provedor; vazio: não informar.", max_len=20)
LEGAL_NAME = Text("nome_razaosocial", "Razão social.", required=True, max_len=MAX_NAME)
TRADE_NAME = Text("nome_fantasia", "Nome fantasia.", required=True, max_len=MAX_NAME)


@routes.get("/cliente/financeiro", Permission.CONSULTAR_FATURAS, summary="Faturas do cliente (HubSoft)",
            description="As faturas do cliente achado por CPF/CNPJ, código ou serviço (só as desse serviço), no "
                        "formato do HubSoft, com os dados de pagamento (linha digitável, código de barras, PIX "
                        "copia e cola, link). Responde `\"status\": \"suscess\"`, como o HubSoft (seus clientes "
                        "testam essa grafia). Cliente não achado: lista vazia.",
            query=(SEARCH_KEY, SEARCH_TERM, LIMIT, PENDING_ONLY, ORDER_BY, ORDER_TYPE, PERIOD_FROM, PERIOD_UNTIL,
                   PERIOD_KIND),
            raw=envelope({"faturas": list_of("FaturaCliente")}))
def statement(request: ApiRequest) -> Payload:
    fields = request.fields()
    key, term, limit, pending, order_by, order_type = read(fields, SEARCH_KEY, SEARCH_TERM, LIMIT, PENDING_ONLY,
                                                           ORDER_BY, ORDER_TYPE)
    first, last, kind = read(fields, PERIOD_FROM, PERIOD_UNTIL, PERIOD_KIND)
    if first and last and last < first:
        fields.error("O campo data_fim deve ser igual ou posterior a data_inicio.")
    fields.check()
    query = listing.StatementQuery(pending_only=pending == "sim", order_by=order_by, descending=order_type == "desc",
                                   limit=limit, date_kind=kind, first=first, last=last)
    views = request.container.invoice_listing.statement(key, term, query)
    company, zone = request.container.company.get(), request.container.settings.zone
    return {**success("Dados consultados com sucesso.",
                      faturas=[shapes.statement_invoice(v, company, zone) for v in views]),
            "status": shapes.SUSCESS}


SEND_DESCRIPTION = ("Entrega ao canal de notificação os dados de pagamento da fatura em aberto (vencimento, valor, "
                    "linha digitável, PIX, link), com o modelo do evento `segunda_via` (editável em "
                    "notificações), para o telefone cadastrado do cliente. Sucesso quer dizer entregue ao canal, "
                    "não recebido: o registro de mensagens mostra o resultado. Recusado (nada enviado) para fatura "
                    "paga ou cancelada, sem dados de pagamento, ou sem canal ativo.")


@routes.post("/cliente/financeiro/enviar_sms", Permission.CONSULTAR_FATURAS, summary="Enviar fatura por SMS (HubSoft)",
             description=SEND_DESCRIPTION + " Não há canal de SMS nesta instalação: o envio vai pelo canal "
                                            "configurado (WhatsApp), e a `msg` diz qual.",
             body=Body("EnvioFaturaSms", (SENT_INVOICE,)), raw=envelope({"id_mensagem": {"type": "string"}}))
def send_sms(request: ApiRequest) -> Payload:
    sent = request.container.second_copies.send(request.read_one(SENT_INVOICE))
    return _sent(sent, f"Não há canal de SMS nesta instalação: a fatura {sent.invoice.id} foi entregue ao canal "
                       f"{sent.channel} para envio.")


@routes.post("/cliente/financeiro/enviar_whatsapp", Permission.CONSULTAR_FATURAS,
             summary="Enviar fatura por WhatsApp", description=SEND_DESCRIPTION,
             body=Body("EnvioFaturaWhatsapp", (SENT_INVOICE,)), raw=envelope({"id_mensagem": {"type": "string"}}))
def send_whatsapp(request: ApiRequest) -> Payload:
    sent = request.container.second_copies.send(request.read_one(SENT_INVOICE))
    return _sent(sent, f"Fatura {sent.invoice.id} entregue ao canal {sent.channel} para envio.")


def _sent(sent: SentCopy, msg: str) -> Payload:
    # The message's id in the message log is the event's.
    return success(msg, id_mensagem=sent.event_id)


@routes.get("/configuracao/empresa", Permission.CONSULTAR_FATURAS, summary="Dados da empresa do provedor",
            description="Mostrados em `empresa` de cada fatura. Sem cadastro: sem documento e \"Provedor de "
                        "Internet\" nos dois nomes.",
            result=("empresa", ref("Empresa")))
def company(request: ApiRequest) -> Payload:
    return success("Dados consultados com sucesso.", empresa=shapes.company_shape(request.container.company.get()))


@routes.put("/configuracao/empresa", Permission.GERENCIAR_FATURAS, summary="Alterar os dados da empresa do provedor",
            description="Substitui os três campos.",
            body=Body("Empresa", (COMPANY_DOCUMENT, LEGAL_NAME, TRADE_NAME)), result=("empresa", ref("Empresa")))
def change_company(request: ApiRequest) -> Payload:
    fields = request.fields()
    document, legal_name, trade_name = read(fields, COMPANY_DOCUMENT, LEGAL_NAME, TRADE_NAME)
    fields.check()
    saved = request.container.company.save(document, legal_name, trade_name)
    return success("Dados da empresa gravados com sucesso.", empresa=shapes.company_shape(saved))

"""The OpenAPI 3.1 document of the whole API (served at ``/api/v1/openapi.json``).

Every route's documentation is data in ``OPERATIONS``, keyed by
``(METHOD, path)``. ``document()`` builds the document from the routes
``app.py`` registered and refuses to guess: a registered route without an
entry here, or an entry for a route that is not registered, raises
``OpenApiCoverageError`` (a unit test builds the document, so it fails first).

Security comes from each route's permission (``RouteInfo.permission``), not
from this module, so the document cannot drift from what the endpoint checks.
Field names, limits and choices are imported from the code that reads them.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.auth.permissions import ADMIN_ONLY, ALL_PERMISSIONS
from chalicelib.billing.invoices.api import PAYMENT_METHODS as INVOICE_PAYMENT_METHODS
from chalicelib.input_rules import MAX_DATE, MIN_DATE
from chalicelib.web.endpoint import AUTHENTICATED, NO_PERMISSION_MSG, PUBLIC, Api
from chalicelib.web.inputs import CARD_NUMBER_FIELD, SECRET_QUERY_FIELDS
from chalicelib.web.paging import MAX_PER_PAGE
from chalicelib.web.routes import RouteInfo
from chalicelib.web.schema import Input

Schema = dict[str, Any]

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
BASE = "/api/v1/integracao"
SECURED: list[dict[str, list[str]]] = [{"bearer": []}, {"oauth2": []}]
_PATH_PARAM = re.compile(r"\{([^{}]+)\}")


class OpenApiCoverageError(RuntimeError):
    """The documented operations and the registered routes differ."""


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    schema: Schema
    required: bool = False
    location: str = "query"


@dataclass(frozen=True)
class Operation:
    """What one (method, path) is for; responses are derived from these fields."""

    summary: str
    tag: str
    description: str = ""
    query: tuple[Parameter, ...] = ()
    # Name of the component schema of the request body (JSON and form bodies).
    body: str | None = None
    body_required: bool = True
    # Success envelope: the payload key and its schema; ``None`` for envelopes with only ``msg``.
    result: tuple[str, Schema] | None = None
    # A 200 body that is not the envelope (health, OAuth token, this document).
    raw: Schema | None = None
    # Responses besides the derived ones (status -> response object).
    extra_responses: Mapping[str, Schema] = field(default_factory=dict)


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(name: str) -> Schema:
    return {"type": "array", "items": ref(name)}


# ------------------------------------------------------------- input types
ID_INPUT: Schema = {
    "type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1,
    "description": "Inteiro positivo; aceito também como texto (\"12\").",
}
MONEY_INPUT: Schema = {
    "type": ["number", "string"], "pattern": "^[0-9]{1,12}([.,][0-9]{1,2})?$", "minimum": 0,
    "description": "Valor em reais com no máximo duas casas decimais (\"99.90\" ou 99.9).",
    "examples": ["99.90"],
}
BOOL_INPUT: Schema = {
    "type": ["boolean", "integer", "string"],
    "description": "true/false; aceita também 1/0, \"sim\"/\"nao\", \"true\"/\"false\".",
}


def _text(description: str, max_len: int, min_len: int = 0, **extra: Any) -> Schema:
    schema: Schema = {"type": "string", "maxLength": max_len, "description": description, **extra}
    if min_len:
        schema["minLength"] = min_len
    return schema


# --------------------------------------------------------------- components
SCHEMAS: dict[str, Schema] = {
    # -- envelope ---------------------------------------------------------
    "EnvelopeSucesso": {
        "type": "object",
        "description": "Resposta de sucesso: a chave de conteúdo varia por rota.",
        "required": ["status", "msg"],
        "properties": {"status": {"const": "success"}, "msg": {"type": "string"}},
    },
    "EnvelopeErro": {
        "type": "object",
        "description": "Erro de validação ou regra de negócio, respondido com HTTP 200 (como o HubSoft): "
                       "nada foi alterado.",
        "required": ["status", "msg", "errors"],
        "properties": {
            "status": {"const": "error"},
            "msg": {"type": "string",
                    "examples": ["Favor preencher os campos obrigatórios de acordo com as especificações"]},
            "errors": {"type": "array", "items": {"type": "string"},
                       "examples": [["O campo termo_busca é obrigatório."]]},
            "correlation_id": {"type": "string",
                               "description": "Presente apenas em erros inesperados: informe-o ao suporte."},
        },
    },
    "ErroNaoAutenticado": {
        "type": "object",
        "required": ["status", "msg", "errors", "message"],
        "properties": {
            "status": {"const": "error"},
            "msg": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "string"}},
            "message": {"const": "Unauthenticated."},
        },
    },
    "ErroPermissao": {
        "type": "object",
        "required": ["status", "msg", "errors"],
        "properties": {
            "status": {"const": "error"},
            "msg": {"const": NO_PERMISSION_MSG},
            "errors": {"type": "array", "items": {"type": "string"},
                       "examples": [["Permissão necessária: Consultar clientes"]]},
        },
    },
    "Paginacao": {
        "type": "object",
        "description": f"Listas paginadas: `pagina` começa em 0; `itens_por_pagina` de 1 a {MAX_PER_PAGE}.",
        "required": ["primeira_pagina", "ultima_pagina", "pagina_atual", "total_registros"],
        "properties": {
            "primeira_pagina": {"type": "integer", "const": 0},
            "ultima_pagina": {"type": "integer", "minimum": 0},
            "pagina_atual": {"type": "integer", "minimum": 0},
            "total_registros": {"type": "integer", "minimum": 0},
        },
    },
    # -- OAuth (Laravel Passport's shapes) --------------------------------
    # -- users ------------------------------------------------------------
    # -- technicians ------------------------------------------------------
    # -- customers and services -------------------------------------------
    # -- agendas ------------------------------------------------------------
    # The service orders' answers and bodies list technicians with these two.
    "TecnicoAgenda": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"},
                       "name": {"type": ["string", "null"], "description": "Nulo se o técnico não existe mais."}},
    },
    "NovoTecnicoAgenda": {
        "type": "object", "required": ["id"],
        "properties": {"id": {**ID_INPUT, "description": "ID do técnico (GET configuracao/tecnico)."}},
    },
}

_DATE_INPUT: Schema = {"type": "string", "format": "date",
                       "description": f"AAAA-MM-DD, de {MIN_DATE.isoformat()} a {MAX_DATE.isoformat()}."}
SCHEMAS.update({
    "ConfiguracaoGatewayCartao": {
        "type": "object",
        "description": "Campo ausente: mantém o valor atual (integração nova: inativa, `sandbox`, sem recorrência "
                       "automática; credenciais obrigatórias).",
        "properties": {
            "ativo": {**BOOL_INPUT, "description": "Onde os cartões novos são cadastrados (um ativo por vez: ativar "
                                                   "este desativa o outro). Cada cartão continua cobrado no gateway "
                                                   "em que foi cadastrado."},
            "ambiente": {"type": "string", "enum": ["sandbox", "producao"],
                         "description": "Ausente: mantém o atual (integração nova: `sandbox`). Trocar o ambiente "
                                        "exige `credenciais` na mesma requisição: as gravadas não vão para o outro "
                                        "ambiente."},
            "permite_recorrencia_automatica": {**BOOL_INPUT,
                                               "description": "Permite Recorrência Automática (Sim/Não) para os "
                                                              "cartões deste gateway. Ausente: mantém o valor atual "
                                                              "(integração nova: não)."},
            "credenciais": {"type": "object", "description": "Cielo: merchant_id, merchant_key. GetNet: client_id, "
                                                           "client_secret, seller_id. Guardadas cifradas; nunca "
                                                           "devolvidas. Ausente: mantém as já guardadas (não ao "
                                                           "trocar o `ambiente`).",
                            "properties": {"merchant_id": {"type": "string"}, "merchant_key": {"type": "string"},
                                           "client_id": {"type": "string"}, "client_secret": {"type": "string"},
                                           "seller_id": {"type": "string"}}},
        },
    },
    "IntegracaoCartao": {
        "type": "object",
        "properties": {
            "gateway": {"type": "string", "enum": ["cielo", "getnet"]}, "ativo": {"type": "boolean"},
            "ambiente": {"type": "string"}, "permite_recorrencia_automatica": {"type": "boolean"},
            "credenciais": {"type": "object", "description": "Só identificadores (merchant_id; client_id e "
                                                           "seller_id); chaves e segredos nunca."},
            "credenciais_configuradas": {"type": "boolean"},
            "data_alteracao": {"type": "string"}, "usuario_alteracao": {"type": ["string", "null"]},
        },
    },
    "NovoCartao": {
        "type": "object", "required": ["numero", "nome_titular", "mes_validade", "ano_validade"],
        "properties": {
            "numero": {"type": "string", "description": "Enviado só ao gateway ativo, que valida o cartão com o "
                                                        "emissor (Zero Auth / verificação) e o tokeniza; nunca "
                                                        "guardado. Cartão recusado pelo emissor: nada é gravado."},
            "nome_titular": _text("Como impresso no cartão.", 25),
            "mes_validade": {"type": ["integer", "string"], "minimum": 1, "maximum": 12},
            "ano_validade": {"type": ["integer", "string"], "examples": [2031, "31"]},
            "cvv": {"type": "string", "description": "Enviado só à validação do cartão com o emissor e descartado "
                                                     "(a cobrança recorrente não o usa)."},
            "padrao": {**BOOL_INPUT, "default": False, "description": "O primeiro cartão é sempre o padrão."},
        },
    },
    "Cartao": {
        "type": "object",
        "properties": {
            "id_cartao": {"type": "integer"}, "id_cliente": {"type": "integer"},
            "bandeira": {"type": "string", "examples": ["Visa", "Master", "Elo"]},
            "ultimos_digitos": {"type": "string", "examples": ["1234"]},
            "nome_titular": {"type": "string"}, "validade": {"type": "string", "examples": ["12/2031"]},
            "padrao": {"type": "boolean"}, "gateway": {"type": "string"}, "data_cadastro": {"type": "string"},
            "recusado_pelo_emissor": {"type": ["string", "null"],
                                      "description": "O emissor recusou o cartão em definitivo (código e mensagem): "
                                                     "a cobrança recorrente não o usa mais."},
            "disponivel_para_cobranca": {"type": "boolean"},
            "motivo_indisponivel": {"type": ["string", "null"],
                                    "description": "Por que o cartão não pode ser cobrado agora: recusado pelo "
                                                   "emissor, vencido, ou cadastrado num gateway que não está mais "
                                                   "configurado."},
        },
    },
    "EscolhaCobrancaServico": {
        "type": "object", "required": ["pagamento_recorrente"],
        "properties": {"pagamento_recorrente": BOOL_INPUT,
                       "id_cartao": {**ID_INPUT, "description": "Nulo ou ausente: o cartão padrão do cliente."}},
    },
    "CobrancaServico": {
        "type": "object",
        "properties": {"id_cliente_servico": {"type": "integer"}, "pagamento_recorrente": {"type": "boolean"},
                       "id_cartao": {"type": ["integer", "null"]},
                       "cartao_efetivo": {"oneOf": [ref("Cartao"), {"type": "null"}]}},
    },
    "NovaFatura": {
        "type": "object", "required": ["id_cliente_servico", "valor", "data_vencimento"],
        "properties": {"id_cliente_servico": ID_INPUT, "valor": MONEY_INPUT, "data_vencimento": _DATE_INPUT,
                       "descricao": _text("Descrição da fatura.", 255)},
    },
    "Liquidacao": {
        "type": "object", "required": ["id_fatura", "data_pagamento", "valor_pago", "forma_pagamento"],
        "properties": {"id_fatura": ID_INPUT,
                       "data_pagamento": {**_DATE_INPUT, "description": "AAAA-MM-DD, até hoje no fuso do provedor "
                                                                        "(nunca no futuro)."},
                       "valor_pago": {**MONEY_INPUT, "description": "Valor recebido em reais, maior que zero."},
                       "forma_pagamento": {"type": "string", "enum": list(INVOICE_PAYMENT_METHODS)}},
    },
    "NovoPerfilSuspensao": {
        "type": "object", "required": ["descricao", "dias_aviso", "dias_bloqueio"],
        "properties": {
            "descricao": _text("Descrição do perfil.", 120),
            "dias_aviso": {"type": ["integer", "string"], "minimum": 0,
                           "description": "Avisar tantos dias antes da suspensão (0: sem aviso)."},
            "dias_bloqueio": {"type": ["integer", "string"], "minimum": 1, "maximum": 365,
                              "description": "Suspender tantos dias após o vencimento de fatura em aberto."},
            "padrao": {"type": "boolean", "description": "Perfil dos serviços sem perfil próprio."},
        },
    },
    "PerfilSuspensao": {
        "type": "object",
        "properties": {"id_perfil_suspensao": {"type": "integer", "description": "0: o perfil padrão embutido."},
                       "descricao": {"type": "string"}, "dias_aviso": {"type": "integer"},
                       "dias_bloqueio": {"type": "integer"}, "padrao": {"type": "boolean"}},
    },
    "CobrancaCartao": {
        "type": "object",
        "properties": {"id_cartao": {**ID_INPUT, "description": "Ausente: o cartão padrão do cliente."},
                       "forcar": {**BOOL_INPUT, "default": False,
                                  "description": "Cobrar mesmo um cartão vencido ou que o emissor pediu para não "
                                                 "cobrar mais (fica registrado na tentativa)."}},
    },
    "ConciliacaoCartao": {
        "type": "object", "required": ["resultado", "observacao"],
        "properties": {"resultado": {"type": "string", "enum": ["cobrado", "nao_cobrado"]},
                       "observacao": _text("O que foi conferido no portal do gateway.", 500, 10)},
    },
    "Fatura": {
        "type": "object",
        "properties": {
            "id_fatura": {"type": "integer"}, "id_cliente_servico": {"type": "integer"},
            "id_cliente": {"type": "integer"}, "valor": {"type": "number"}, "data_vencimento": {"type": "string"},
            "descricao": {"type": ["string", "null"]},
            "status": {"type": "string", "enum": ["aberta", "paga", "cancelada"]},
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
            "data_pagamento": {"type": ["string", "null"]}, "valor_pago": {"type": ["number", "null"]},
            "forma_pagamento": {"type": ["string", "null"]},
        },
    },
    "Processamento": {
        "type": "object",
        "properties": {
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
            "status": {"type": "string", "enum": ["aprovado", "recusado", "erro", "processando"]},
            "codigo_retorno": {"type": ["string", "null"]}, "mensagem_retorno": {"type": ["string", "null"]},
            "tid": {"type": ["string", "null"]}, "data": {"type": "string"},
        },
    },
})

# ---------------------------------------------------------------- parameters
PATH_PARAMETERS: dict[str, str] = {
    "id_cliente": "ID do cliente (`id_cliente`).",
    "id_cartao": "ID do cartão (`id_cartao`).",
    "id_fatura": "ID da fatura (`id_fatura`).",
    "id_cliente_servico": "ID do serviço do cliente (`id_cliente_servico`).",
    "gateway": "`cielo` ou `getnet`.",
}
# Path parameters that are names, not ids.
TEXT_PATH_PARAMETERS: dict[str, Schema] = {
    "gateway": {"type": "string", "enum": ["cielo", "getnet"]},
}


# ---------------------------------------------------------------- operations


# ``pagina`` and ``itens_por_pagina`` of our own paged lists (read by web.paging.read_page).
PAGING = (
    Parameter("pagina", "Página, a partir de 0.", {"type": ["integer", "string"], "minimum": 0}),
    Parameter("itens_por_pagina", f"1 a {MAX_PER_PAGE}.", {"type": ["integer", "string"], "minimum": 1,
                                                          "maximum": MAX_PER_PAGE}),
)

OPERATIONS: dict[tuple[str, str], Operation] = {
    ("PUT", f"{BASE}/configuracao/integracao/cartao_credito/{{gateway}}"): Operation(
        summary="Configurar gateway de cartão de crédito", tag="Cartões",
        description="`gateway`: `cielo` ou `getnet`; as duas integrações podem existir ao mesmo tempo. Credenciais "
                    "cifradas (KMS) e nunca devolvidas. O que não for enviado mantém o valor atual, exceto que trocar "
                    "o `ambiente` exige as `credenciais` na mesma requisição.",
        body="ConfiguracaoGatewayCartao", result=("integracao", ref("IntegracaoCartao")),
    ),
    ("DELETE", f"{BASE}/configuracao/integracao/cartao_credito/{{gateway}}"): Operation(
        summary="Remover integração de gateway de cartão", tag="Cartões",
        description="Apaga as credenciais. Os cartões cadastrados nesse gateway deixam de ser cobrados (o tick não "
                    "os envia a nenhum gateway; o cliente é avisado e os painéis dizem por quê) até a integração "
                    "voltar com a mesma conta.",
        result=("integracoes", _list_of("IntegracaoCartao")),
    ),
    ("GET", f"{BASE}/configuracao/integracao/cartao_credito"): Operation(
        summary="Gateways de cartão configurados", tag="Cartões",
        result=("integracoes", _list_of("IntegracaoCartao")),
    ),
    ("POST", f"{BASE}/cliente/{{id_cliente}}/cartao"): Operation(
        summary="Cadastrar cartão do cliente", tag="Cartões",
        description="Número conferido (Luhn, bandeira, validade) antes de qualquer chamada ao gateway, tokenizado "
                    "no gateway ativo e esquecido: guardamos o token cifrado, a bandeira e os últimos 4 dígitos.",
        body="NovoCartao", result=("cartao", ref("Cartao")),
    ),
    ("GET", f"{BASE}/cliente/{{id_cliente}}/cartao"): Operation(
        summary="Cartões do cliente", tag="Cartões", result=("cartoes", _list_of("Cartao")),
    ),
    ("DELETE", f"{BASE}/cliente/{{id_cliente}}/cartao/{{id_cartao}}"): Operation(
        summary="Remover cartão", tag="Cartões",
        description="Removido o padrão, o cartão mais antigo restante passa a ser o padrão.",
        result=("cartoes", _list_of("Cartao")),
    ),
    ("PUT", f"{BASE}/cliente/{{id_cliente}}/cartao/{{id_cartao}}"): Operation(
        summary="Editar cartão (não permitido)", tag="Cartões",
        description="Sempre recusado: remova o cartão e cadastre um novo.",
    ),
    ("POST", f"{BASE}/cliente/{{id_cliente}}/cartao/{{id_cartao}}/padrao"): Operation(
        summary="Tornar cartão padrão", tag="Cartões", result=("cartao", ref("Cartao")),
    ),
    ("GET", f"{BASE}/cliente_servico/{{id_cliente_servico}}/cobranca"): Operation(
        summary="Pagamento recorrente do serviço", tag="Cartões", result=("cobranca", ref("CobrancaServico")),
    ),
    ("PUT", f"{BASE}/cliente_servico/{{id_cliente_servico}}/cobranca"): Operation(
        summary="Ativar/desativar pagamento recorrente do serviço", tag="Cartões",
        description="Ativar exige ao menos um cartão; `id_cartao` nulo: o cartão padrão. Um cartão escolhido "
                    "que for removido cede lugar ao padrão (`cartao_efetivo`).",
        body="EscolhaCobrancaServico", result=("cobranca", ref("CobrancaServico")),
    ),
    ("POST", f"{BASE}/financeiro/fatura"): Operation(
        summary="Cadastrar fatura", tag="Faturas", body="NovaFatura", result=("fatura", ref("Fatura")),
    ),
    ("GET", f"{BASE}/financeiro/fatura"): Operation(
        summary="Faturas de um serviço", tag="Faturas",
        description="Pelo serviço do cliente (obrigatório), com filtros de status e de vencimento.",
        query=(
            Parameter("id_cliente_servico", "Serviço do cliente.", ID_INPUT, required=True),
            Parameter("status", "aberta, paga ou cancelada.", {"type": "string",
                                                               "enum": ["aberta", "paga", "cancelada"]}),
            Parameter("data_inicio", "Vencimento a partir de (AAAA-MM-DD).", {"type": "string"}),
            Parameter("data_fim", "Vencimento até (AAAA-MM-DD).", {"type": "string"}),
            *PAGING,
        ),
        raw={"oneOf": [{"allOf": [ref("EnvelopeSucesso"), {
            "type": "object", "required": ["faturas", "paginacao"],
            "properties": {"faturas": _list_of("Fatura"), "paginacao": ref("Paginacao")}}]}, ref("EnvelopeErro")]},
    ),
    ("POST", f"{BASE}/financeiro/fatura/liquidar"): Operation(
        summary="Liquidar fatura", tag="Faturas", description="Pagamento recebido por outro meio.",
        body="Liquidacao", result=("fatura", ref("Fatura")),
    ),
    ("POST", f"{BASE}/financeiro/fatura/{{id_fatura}}/cancelar"): Operation(
        summary="Cancelar fatura", tag="Faturas", result=("fatura", ref("Fatura")),
    ),
    ("POST", f"{BASE}/financeiro/fatura/{{id_fatura}}/cobrar_cartao"): Operation(
        summary="Cobrar fatura no cartão (avulsa)", tag="Faturas",
        description="Uma tentativa não recorrente no gateway em que o cartão foi cadastrado, registrada antes da "
                    "chamada ao gateway. Resultado desconhecido (sem resposta): a tentativa fica `processando` e é "
                    "conciliada pelo id do pedido antes de qualquer nova cobrança; nunca duas cobranças da mesma "
                    "fatura ao mesmo tempo. Cartão vencido ou recusado em definitivo pelo emissor: recusado, a "
                    "não ser com `forcar`.",
        body="CobrancaCartao", body_required=False, result=("processamento", ref("Processamento")),
    ),
    ("POST", f"{BASE}/financeiro/fatura/{{id_fatura}}/conciliar_cartao"): Operation(
        summary="Conciliar à mão uma cobrança de resultado desconhecido", tag="Faturas",
        description="Para a tentativa que o gateway não sabe informar (a API v1 da GetNet não tem consulta): "
                    "depois de conferir no portal do gateway, `cobrado` paga a fatura e `nao_cobrado` a libera "
                    "para nova tentativa. Só para tentativas com mais de 5 minutos.",
        body="ConciliacaoCartao", result=("processamento", ref("Processamento")),
    ),
    ("POST", f"{BASE}/configuracao/perfil_suspensao"): Operation(
        summary="Cadastrar perfil de suspensão", tag="Faturas",
        description="Um serviço com fatura em aberto `dias_bloqueio` dias após o vencimento é suspenso, avisado "
                    "`dias_aviso` dias antes; o pagamento reabilita-o quando nada mais estiver vencido. As datas "
                    "de cada fatura vêm do perfil vigente quando ela é cadastrada.",
        body="NovoPerfilSuspensao", result=("perfil_suspensao", ref("PerfilSuspensao")),
    ),
    ("GET", f"{BASE}/configuracao/perfil_suspensao"): Operation(
        summary="Perfis de suspensão", tag="Faturas",
        description="Sem perfil marcado como padrão, o padrão embutido (id 0: aviso 5 dias antes, suspensão 15 "
                    "dias após o vencimento) vem primeiro.",
        result=("perfis_suspensao", _list_of("PerfilSuspensao")),
    ),
    ("GET", f"{BASE}/financeiro/cartao/processamentos"): Operation(
        summary="Painel de processamentos de cartão", tag="Faturas",
        description="Toda tentativa, recusadas e com erro incluídas, da mais recente à mais antiga. Sem datas: "
                    "os últimos 31 dias.",
        query=(
            Parameter("recorrente", "todos (padrão), sim ou nao.", {"type": "string",
                                                                     "enum": ["todos", "sim", "nao"]}),
            Parameter("status", "Status da tentativa.", {"type": "string",
                                                         "enum": ["aprovado", "recusado", "erro", "processando"]}),
            Parameter("gateway", "cielo ou getnet.", {"type": "string", "enum": ["cielo", "getnet"]}),
            Parameter("id_cliente", "Cliente.", ID_INPUT),
            Parameter("data_inicio", "AAAA-MM-DD.", {"type": "string"}),
            Parameter("data_fim", "AAAA-MM-DD.", {"type": "string"}),
            *PAGING,
        ),
        raw={"oneOf": [{"allOf": [ref("EnvelopeSucesso"), {
            "type": "object", "required": ["processamentos", "paginacao"],
            "properties": {"processamentos": _list_of("Processamento"), "paginacao": ref("Paginacao")}}]},
            ref("EnvelopeErro")]},
    ),
}

TAGS: dict[str, str] = {
    "Ordens de serviço": "Atendimentos e ordens de serviço (API de OS do HubSoft).",
    "Saúde": "Sonda de prontidão.",
    "Autenticação": "Tokens OAuth 2 (compatível com o HubSoft).",
    "Documentação": "Este documento.",
    "Usuários": "Usuários da API, permissões e revogação de tokens.",
    "Técnicos": "Técnicos de campo.",
    "Clientes": "Clientes e seus serviços.",
    "Agendas": "Agendas de ordem de serviço: quando e quantas OS podem ser agendadas.",
    "Faturas": "Faturas, cobrança avulsa no cartão e o painel de processamentos.",
    "Cartões": "Gateways de cartão (Cielo, GetNet) e cartões dos clientes, guardados como tokens cifrados.",
    "Notificações": "Mensagens de WhatsApp pela ZapMe: integração, modelos por evento, opt-out e registro.",
}

_SECRETS = ", ".join(f"`{name}`" for name in sorted(SECRET_QUERY_FIELDS | {CARD_NUMBER_FIELD}))
DESCRIPTION = f"""API de integração do provedor, compatível com a API de integração do HubSoft.

* **Autenticação:** `POST /oauth/token` (grant `password`) devolve um token; envie-o em
  `Authorization: Bearer <token>`. Tokens valem 30 dias e podem ser revogados a qualquer momento:
  ao receber HTTP 401, obtenha um novo token.
* **Envelope:** sucesso `{{"status": "success", "msg": ..., <chave>: ...}}`. Erros de validação e de
  regra de negócio respondem **HTTP 200** com `{{"status": "error", "msg": ..., "errors": [...]}}` e não
  alteram nada: leia `status`, não o código HTTP. Token ausente/inválido: 401. Sem permissão: 403
  com `msg` "{NO_PERMISSION_MSG}". Rota inexistente: 404.
* **Entrada:** os campos são lidos da query string, do corpo JSON e do corpo de formulário
  (`application/x-www-form-urlencoded` ou `multipart/form-data`), mesclados (o corpo prevalece).
  IDs podem vir como texto; números só com os dígitos ASCII 0-9. Valores em reais com até duas casas
  decimais. Datas `AAAA-MM-DD` (de {MIN_DATE.isoformat()} a {MAX_DATE.isoformat()}), horários `HH:MM:SS`,
  no fuso horário do provedor. Segredos ({_SECRETS}) nunca na query string, que fica em logs de acesso e no
  histórico do navegador: enviados nela, a requisição é recusada (`numero`, o do cartão, só no primeiro nível).
* **Listas paginadas:** `pagina` começa em 0, `itens_por_pagina` de 1 a {MAX_PER_PAGE}; a resposta traz
  o bloco `paginacao`.
* **Correlação:** toda resposta traz o cabeçalho `X-Request-Id` (e o mesmo valor em `X-Correlation-Id`):
  o id enviado pelo cliente em um desses cabeçalhos, se válido, ou um novo. Ele identifica a requisição
  nos logs e segue nas mensagens que ela enfileira.
"""


# ------------------------------------------------------------------ builder
def document_of(api: Api) -> dict[str, Any]:
    """The document of everything ``api`` registered."""
    return document(api.routes, api.schemas, api.tags)


def document(routes: Sequence[RouteInfo], schemas: Mapping[str, Schema] | None = None,
             tags: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes``, with the component ``schemas`` and ``tags`` their contexts own."""
    legacy = [r for r in routes if not r.summary]
    check_coverage(legacy)
    paths: dict[str, Any] = {}
    for route in routes:
        operation = OPERATIONS[(route.method, route.path)] if not route.summary else _declared(route)
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, operation)
    all_tags = {**TAGS, **(tags or {})}
    used_tags = {op["tags"][0] for item in paths.values() for op in item.values()}
    # A copy: the module's tables stay untouched whatever the caller does with the result.
    return copy.deepcopy({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "API de integração do provedor",
            "version": API_VERSION,
            "description": DESCRIPTION,
        },
        "servers": [
            {"url": "http://127.0.0.1:8000", "description": "Pilha local (python -m sandbox serve)"},
            {
                "url": "https://{api_id}.execute-api.{regiao}.amazonaws.com/api",
                "description": "Estágio implantado (chalice deploy)",
                "variables": {"api_id": {"default": "api-id"}, "regiao": {"default": "sa-east-1"}},
            },
        ],
        "tags": [{"name": name, "description": text} for name, text in all_tags.items() if name in used_tags],
        "paths": paths,
        "components": {
            "schemas": {**SCHEMAS, **(schemas or {})},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "Access token obtido em POST /oauth/token."},
                "oauth2": {"type": "oauth2", "flows": {"password": {
                    "tokenUrl": "/oauth/token", "refreshUrl": "/oauth/token", "scopes": {},
                }}},
            },
            "parameters": {
                "XRequestId": {
                    "name": "X-Request-Id", "in": "header", "required": False,
                    "description": "Identificador da requisição (8 a 64 caracteres: letras, números, . _ -), "
                                   "devolvido na resposta e registrado nos logs; inválido, é trocado por um novo.",
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{8,64}$"},
                },
                "XCorrelationId": {
                    "name": "X-Correlation-Id", "in": "header", "required": False,
                    "description": "O mesmo que X-Request-Id (nome anterior), usado quando X-Request-Id falta.",
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{8,64}$"},
                },
            },
        },
    })


def check_coverage(routes: Sequence[RouteInfo]) -> None:
    """Raise unless every registered (method, path) is documented and vice versa."""
    registered = {(method.upper(), route.path) for route in routes for method in route.methods}
    undocumented = sorted(registered - OPERATIONS.keys())
    stale = sorted(OPERATIONS.keys() - registered)
    problems = []
    if undocumented:
        problems.append("rotas sem documentação em chalicelib/openapi.py OPERATIONS: "
                        + ", ".join(f"{m} {p}" for m, p in undocumented))
    if stale:
        problems.append("operações documentadas sem rota registrada: "
                        + ", ".join(f"{m} {p}" for m, p in stale))
    if problems:
        raise OpenApiCoverageError("; ".join(problems))


def permission_text(permission: str) -> str:
    """How the route's permission reads in the document (Portuguese)."""
    if permission == PUBLIC:
        return "Rota pública: não exige token."
    if permission == AUTHENTICATED:
        return "Exige um token de acesso válido (qualquer usuário)."
    if permission == ADMIN_ONLY:
        return "Exige um token de acesso de um usuário administrador."
    if permission in ALL_PERMISSIONS:
        return f"Exige um token de acesso de um usuário com a permissão \"{permission}\" (ou administrador)."
    raise OpenApiCoverageError(f"permissão desconhecida na rota: {permission!r}")


def _operation(route: RouteInfo, operation: Operation) -> dict[str, Any]:
    access = permission_text(route.permission)
    description = f"{operation.description}\n\n**Acesso:** {access}" if operation.description else \
        f"**Acesso:** {access}"
    result: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": operation.summary,
        "description": description,
        "tags": [operation.tag],
        "x-permissao": route.permission if route.permission in ALL_PERMISSIONS else _access_kind(route.permission),
        "parameters": [*(_path_parameters(route.path) if not route.summary else
                         [_path_parameter(p.name, p.description, p.schema()) for p in route.path_params]),
                       *(_parameter(p) for p in operation.query),
                       {"$ref": "#/components/parameters/XRequestId"},
                       {"$ref": "#/components/parameters/XCorrelationId"}],
        "security": [] if route.permission == PUBLIC else SECURED,
        "responses": _responses(route, operation),
    }
    if operation.body:
        result["requestBody"] = {
            "required": operation.body_required,
            "description": "JSON ou formulário (campos também podem vir na query string).",
            "content": {
                "application/json": {"schema": ref(operation.body)},
                "application/x-www-form-urlencoded": {"schema": ref(operation.body)},
            },
        }
    return result


def _access_kind(permission: str) -> str:
    return {PUBLIC: "publica", AUTHENTICATED: "autenticado", ADMIN_ONLY: "administrador"}[permission]


def _path_parameters(path: str) -> list[Schema]:
    parameters = []
    for name in _PATH_PARAM.findall(path):
        if name not in PATH_PARAMETERS:
            raise OpenApiCoverageError(f"parâmetro de caminho sem documentação: {name} (em {path})")
        schema = TEXT_PATH_PARAMETERS.get(name, {"type": "integer", "minimum": 1})
        parameters.append({"name": name, "in": "path", "required": True, "description": PATH_PARAMETERS[name],
                           "schema": schema})
    return parameters


def _declared(route: RouteInfo) -> Operation:
    """A declared route's documentation, in the builder's terms."""
    return Operation(
        summary=route.summary, tag=route.tag, description=route.description,
        query=tuple(_query_parameter(i) for i in route.query),
        body=route.body.schema_name if route.body else None,
        body_required=route.body.required if route.body else True,
        result=route.result, raw=route.raw, extra_responses=route.extra_responses,
    )


def _query_parameter(field: Input) -> Parameter:
    schema = field.schema(query=True)
    description = schema.pop("description", "")
    return Parameter(field.name, description, schema, required=field.required)


def _path_parameter(name: str, description: str, schema: Schema) -> Schema:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


def _parameter(parameter: Parameter) -> Schema:
    return {"name": parameter.name, "in": parameter.location, "required": parameter.required,
            "description": parameter.description, "schema": parameter.schema}


def _responses(route: RouteInfo, operation: Operation) -> dict[str, Any]:
    if operation.raw is not None:
        ok: Schema = operation.raw
    else:
        success: Schema = ref("EnvelopeSucesso")
        if operation.result is not None:
            key, schema = operation.result
            success = {"allOf": [success, {"type": "object", "required": [key], "properties": {key: schema}}]}
        ok = {"oneOf": [success, ref("EnvelopeErro")]}
    responses: dict[str, Any] = {
        "200": {
            "description": "Sucesso" if operation.raw is not None else
            "Sucesso (`status: success`) ou erro de validação/regra de negócio (`status: error`)",
            "content": {"application/json": {"schema": ok}},
        },
    }
    if route.permission != PUBLIC:
        responses["401"] = {
            "description": "Token ausente, inválido, expirado ou revogado.",
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": ref("ErroNaoAutenticado")}},
        }
    if route.permission not in (PUBLIC, AUTHENTICATED):
        responses["403"] = {
            "description": NO_PERMISSION_MSG,
            "content": {"application/json": {"schema": ref("ErroPermissao")}},
        }
    responses.update(operation.extra_responses)
    return responses

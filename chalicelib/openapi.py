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

from chalicelib.agenda.api import (
    MAX_CAPACITY,
    MAX_CITIES,
    MAX_CLOSED_DATES,
    MAX_DESCRIPTION,
    MAX_SLOT_MINUTES,
    MAX_TECHNICIANS,
    MAX_WINDOWS,
    MIN_SLOT_MINUTES,
    WEEKDAY_NAMES,
)
from chalicelib.auth.model import ACCESS_TOKEN_SECONDS
from chalicelib.auth.permissions import ADMIN_ONLY, ALL_PERMISSIONS
from chalicelib.customers.api import DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, MAX_SERVICES_PER_REQUEST
from chalicelib.customers.model import UFS
from chalicelib.customers.service import SEARCH_KEYS
from chalicelib.input_rules import MAX_DATE, MIN_DATE
from chalicelib.notify.templates import EVENTS as NOTIFICATION_EVENTS
from chalicelib.service_orders.api import AVAILABILITIES as ORDER_AVAILABILITIES
from chalicelib.service_orders.api import BILLING_TYPES, DEFAULT_SERVICE_DESCRIPTION, PAYMENT_METHODS
from chalicelib.service_orders.api import MAX_TECHNICIANS as ORDER_MAX_TECHNICIANS
from chalicelib.service_orders.api import MAX_TEXT as ORDER_MAX_TEXT
from chalicelib.service_orders.api import MIN_NOTE as ORDER_MIN_NOTE
from chalicelib.service_orders.api import PRIORITIES as ORDER_PRIORITIES
from chalicelib.service_orders.listing import DATE_KINDS
from chalicelib.service_orders.listing_api import (
    CONSULT_RELATIONS,
    CUSTOMER_SEARCHES,
    LIST_RELATIONS,
    MAX_CONSULT_RESULTS,
)
from chalicelib.service_orders.model import AWAITING as ORDER_AWAITING
from chalicelib.service_orders.model import CLOSING_STATUSES
from chalicelib.service_orders.model import PENDING as ORDER_PENDING
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
    "TokenSenha": {
        "type": "object",
        "description": "Grant `password`: as quatro credenciais são criadas pelo administrador do provedor.",
        "required": ["grant_type", "client_id", "client_secret", "username", "password"],
        "properties": {
            "grant_type": {"const": "password"},
            "client_id": {"type": ["string", "integer"]},
            "client_secret": {"type": "string"},
            "username": {"type": "string"},
            "password": {"type": "string", "format": "password"},
        },
    },
    "TokenRenovacao": {
        "type": "object",
        "description": "Grant `refresh_token`: troca o refresh token (uso único) por um novo par de tokens. "
                       "Um refresh token usado pela segunda vez revela uma cópia: todos os tokens obtidos "
                       "daquele login deixam de valer.",
        "required": ["grant_type", "client_id", "client_secret", "refresh_token"],
        "properties": {
            "grant_type": {"const": "refresh_token"},
            "client_id": {"type": ["string", "integer"]},
            "client_secret": {"type": "string"},
            "refresh_token": {"type": "string"},
        },
    },
    "TokenRequisicao": {"oneOf": [ref("TokenSenha"), ref("TokenRenovacao")]},
    "TokenResposta": {
        "type": "object",
        "required": ["token_type", "expires_in", "access_token", "refresh_token"],
        "properties": {
            "token_type": {"const": "Bearer"},
            "expires_in": {"type": "integer", "examples": [ACCESS_TOKEN_SECONDS],
                           "description": "Validade do access token em segundos (1 hora, salvo a configuração "
                                          "ACCESS_TOKEN_MINUTES). Renove com o grant `refresh_token`."},
            "access_token": {"type": "string"},
            "refresh_token": {"type": "string"},
        },
    },
    "ErroOAuth": {
        "type": "object",
        "description": "Erro do endpoint de token no formato do Laravel Passport (não é o envelope).",
        "required": ["error", "error_description", "message"],
        "properties": {
            "error": {"type": "string", "enum": [
                "invalid_request", "invalid_client", "invalid_credentials", "invalid_grant",
                "unsupported_grant_type", "too_many_attempts",
            ]},
            "error_description": {"type": "string", "examples": ["The user credentials were incorrect."]},
            "message": {"type": "string", "examples": ["The user credentials were incorrect."]},
        },
    },
    "BloqueioLogin": {
        "type": "object",
        "description": "Um endereço de origem impedido de tentar o login deste usuário agora.",
        "required": ["endereco", "tentativas", "bloqueado_ate"],
        "properties": {
            "endereco": {"type": "string", "description": "IP de origem visto pelo API Gateway."},
            "tentativas": {"type": "integer", "description": "Tentativas na janela atual."},
            "bloqueado_ate": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "RevogarToken": {
        "type": "object",
        "properties": {
            "refresh_token": _text("Refresh token do mesmo usuário, revogado junto (opcional).", 200),
        },
    },
    # -- users ------------------------------------------------------------
    "Permissao": {"type": "string", "enum": list(ALL_PERMISSIONS)},
    "Usuario": {
        "type": "object",
        "required": ["id", "username", "nome", "admin", "permissoes", "id_tecnico", "ativo"],
        "properties": {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "nome": {"type": "string"},
            "admin": {"type": "boolean"},
            "permissoes": {**_list_of("Permissao"), "description": "Administradores têm todas."},
            "id_tecnico": {"type": ["integer", "null"]},
            "ativo": {"type": "boolean"},
        },
    },
    "UsuarioAtual": {
        "type": "object",
        "required": ["id", "username", "admin", "id_tecnico", "permissoes"],
        "properties": {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "admin": {"type": "boolean"},
            "id_tecnico": {"type": ["integer", "null"]},
            "permissoes": _list_of("Permissao"),
        },
    },
    "NovoUsuario": {
        "type": "object",
        "required": ["username", "password", "nome"],
        "properties": {
            "username": _text("De 3 a 100 caracteres: letras, números, ponto, @, +, - ou _ "
                              "(guardado em minúsculas).", 100, 3, pattern="^[A-Za-z0-9._@+-]{3,100}$"),
            "password": _text("Pelo menos 8 caracteres, diferente do username.", 200, 8, format="password"),
            "nome": _text("Nome de exibição.", 150),
            "permissoes": {
                "type": ["array", "string"], "items": ref("Permissao"),
                "description": "Nomes de permissão (GET configuracao/permissao); lista ou texto separado por "
                               "vírgulas.",
            },
            "admin": BOOL_INPUT,
            "id_tecnico": {**ID_INPUT, "description": "Técnico ligado ao usuário: ele verá só as próprias OS."},
        },
    },
    # -- technicians ------------------------------------------------------
    # -- customers and services -------------------------------------------
    "EnderecoInstalacao": {
        "type": "object",
        "required": ["logradouro", "numero", "complemento", "bairro", "cidade", "uf", "cep", "completo"],
        "properties": {
            "logradouro": {"type": "string"},
            "numero": {"type": "string"},
            "complemento": {"type": ["string", "null"]},
            "bairro": {"type": "string"},
            "cidade": {"type": "string"},
            "uf": {"type": "string", "enum": list(UFS)},
            "cep": {"type": "string", "pattern": "^[0-9]{8}$"},
            "completo": {"type": "string", "description": "Endereço numa linha, como o HubSoft o mostra.",
                         "examples": ["RUA X, 10 - CENTRO, CAMPINAS/SP | CEP: 13010-000"]},
        },
    },
    "Servico": {
        "type": "object",
        "required": ["id_cliente_servico", "id_cliente", "nome", "valor", "status", "id_perfil_suspensao",
                     "endereco_instalacao"],
        "properties": {
            "id_cliente_servico": {"type": "integer"},
            "id_cliente": {"type": "integer"},
            "nome": {"type": "string"},
            "valor": {"type": "number", "description": "Mensalidade em reais.", "examples": [99.9]},
            "status": {"type": "string", "examples": ["servico_habilitado", "servico_suspenso"]},
            "status_prefixo": {"type": "string", "description": "O mesmo `status`, com o nome do HubSoft."},
            "id_perfil_suspensao": {"type": ["integer", "null"],
                                    "description": "Nulo: o serviço segue o perfil de suspensão padrão."},
            "endereco_instalacao": ref("EnderecoInstalacao"),
        },
    },
    "Cliente": {
        "type": "object",
        "required": ["id_cliente", "codigo_cliente", "nome_razaosocial", "cpf_cnpj", "tipo_pessoa",
                     "telefone_primario", "email", "data_cadastro", "servicos"],
        "properties": {
            "id_cliente": {"type": "integer"},
            "codigo_cliente": {"type": "integer"},
            "nome_razaosocial": {"type": "string"},
            "cpf_cnpj": {"type": "string", "description": "Formatado (000.000.000-00 ou 00.000.000/0000-00)."},
            "tipo_pessoa": {"type": "string", "enum": ["pessoa_fisica", "pessoa_juridica"]},
            "telefone_primario": {"type": "string", "description": "Somente dígitos, com DDD."},
            "email": {"type": ["string", "null"]},
            "email_principal": {"type": ["string", "null"], "description": "O mesmo `email`, com o nome do HubSoft."},
            "data_cadastro": {"type": "string", "examples": ["2026-12-10 10:00:00"],
                              "description": "AAAA-MM-DD HH:MM:SS no fuso do provedor, como no HubSoft."},
            "servicos": _list_of("Servico"),
        },
    },
    "NovoEnderecoInstalacao": {
        "type": "object",
        "required": ["logradouro", "numero", "bairro", "cidade", "uf", "cep"],
        "properties": {
            "logradouro": _text("Rua, avenida...", 200),
            "numero": _text("Número.", 20),
            "complemento": _text("Complemento (opcional).", 100),
            "bairro": _text("Bairro.", 100),
            "cidade": _text("Cidade.", 100),
            "uf": {"type": "string", "enum": list(UFS), "description": "Sigla do estado (maiúsculas ou não)."},
            "cep": _text("CEP com 8 dígitos (pontuação ignorada).", 10),
        },
    },
    "NovoServico": {
        "type": "object",
        "required": ["nome", "valor", "endereco_instalacao"],
        "properties": {
            "nome": _text("Nome do plano/serviço.", 150),
            "valor": MONEY_INPUT,
            "endereco_instalacao": ref("NovoEnderecoInstalacao"),
            "id_perfil_suspensao": {**ID_INPUT, "description": "Perfil de suspensão (opcional)."},
        },
    },
    "NovoCliente": {
        "type": "object",
        "required": ["nome_razaosocial", "cpf_cnpj", "telefone_primario"],
        "properties": {
            "nome_razaosocial": _text("Nome ou razão social.", 150, 3),
            "cpf_cnpj": _text("CPF ou CNPJ, com ou sem pontuação; os dígitos verificadores são conferidos.", 20),
            "telefone_primario": _text("Telefone brasileiro com DDD (ex.: 11987654321).", 20),
            "email": _text("E-mail (opcional).", 254, format="email"),
            "servicos": {"type": "array", "items": ref("NovoServico"), "maxItems": MAX_SERVICES_PER_REQUEST},
        },
    },
    # -- agendas ------------------------------------------------------------
    "DiaSemana": {"type": "string", "enum": list(WEEKDAY_NAMES)},
    "CidadeAgenda": {
        "type": "object",
        "required": ["cidade", "uf"],
        "properties": {"cidade": {"type": "string"}, "uf": {"type": "string", "enum": list(UFS)}},
    },
    "TecnicoAgenda": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"},
                       "name": {"type": ["string", "null"], "description": "Nulo se o técnico não existe mais."}},
    },
    "HorarioAgenda": {
        "type": "object",
        "description": "Janela semanal de atendimento: nos dias listados, de hora_inicio a hora_termino, em "
                       "horários de duracao_minutos, cada um com no máximo `capacidade` OS sobrepostas.",
        "required": ["dias_semana", "hora_inicio", "hora_termino", "duracao_minutos", "capacidade"],
        "properties": {
            "dias_semana": {**_list_of("DiaSemana"), "description": "Em ordem de segunda a domingo."},
            "hora_inicio": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}:00$", "examples": ["08:00:00"]},
            "hora_termino": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}:00$", "examples": ["12:00:00"]},
            "duracao_minutos": {"type": "integer", "minimum": MIN_SLOT_MINUTES, "maximum": MAX_SLOT_MINUTES},
            "capacidade": {"type": "integer", "minimum": 1, "maximum": MAX_CAPACITY},
        },
    },
    "AgendaOrdemServico": {
        "type": "object",
        "required": ["id_agenda_ordem_servico", "descricao", "ativo", "cidades", "tecnicos", "horarios",
                     "limite_diario", "datas_bloqueadas", "bloquear_feriados_nacionais"],
        "properties": {
            "id_agenda_ordem_servico": {"type": "integer"},
            "descricao": {"type": "string"},
            "ativo": {"type": "boolean"},
            "cidades": {**_list_of("CidadeAgenda"), "description": "Vazia: atende qualquer cidade."},
            "tecnicos": _list_of("TecnicoAgenda"),
            "horarios": _list_of("HorarioAgenda"),
            "limite_diario": {"type": ["integer", "null"], "minimum": 1,
                              "description": "Máximo de OS por dia; nulo: sem limite além das capacidades."},
            "datas_bloqueadas": {"type": "array", "items": {"type": "string", "format": "date"},
                                 "description": "Em ordem crescente."},
            "bloquear_feriados_nacionais": {"type": "boolean"},
        },
    },
    "NovaCidadeAgenda": {
        "type": "object",
        "required": ["cidade", "uf"],
        "properties": {
            "cidade": _text("Cidade (comparada sem diferenciar maiúsculas nem acentos).", 100),
            "uf": {"type": "string", "enum": list(UFS), "description": "Sigla do estado (maiúsculas ou não)."},
        },
    },
    "NovoTecnicoAgenda": {
        "type": "object", "required": ["id"],
        "properties": {"id": {**ID_INPUT, "description": "ID do técnico (GET configuracao/tecnico)."}},
    },
    "NovoHorarioAgenda": {
        "type": "object",
        "required": ["dias_semana", "hora_inicio", "hora_termino", "duracao_minutos", "capacidade"],
        "properties": {
            "dias_semana": {
                "type": ["array", "string"], "items": ref("DiaSemana"), "minItems": 1,
                "description": "Lista ou texto separado por vírgulas; maiúsculas, acentos e o sufixo \"-feira\" "
                               "são ignorados.",
            },
            "hora_inicio": _text("Início, HH:MM:SS (HH:MM aceito).", 8, pattern="^[0-9]{2}:[0-9]{2}(:00)?$"),
            "hora_termino": _text("Término, posterior ao início; (término − início) deve ser múltiplo de "
                                  "duracao_minutos.", 8, pattern="^[0-9]{2}:[0-9]{2}(:00)?$"),
            "duracao_minutos": {"type": ["integer", "string"], "minimum": MIN_SLOT_MINUTES,
                                "maximum": MAX_SLOT_MINUTES, "description": "Duração de cada horário, em minutos."},
            "capacidade": {"type": ["integer", "string"], "minimum": 1, "maximum": MAX_CAPACITY,
                           "description": "Quantas OS podem se sobrepor num mesmo horário."},
        },
    },
    "NovaAgendaOrdemServico": {
        "type": "object",
        "description": "Os horários de um mesmo dia da semana não podem se sobrepor. Em formulário, listas usam "
                       "chaves no estilo PHP (`horarios[0][dias_semana][0]=segunda`, `tecnicos[0][id]=3`).",
        "required": ["descricao", "horarios"],
        "properties": {
            "descricao": _text("Nome da agenda.", MAX_DESCRIPTION),
            "ativo": {**BOOL_INPUT, "default": True},
            "cidades": {"type": "array", "items": ref("NovaCidadeAgenda"), "maxItems": MAX_CITIES,
                        "description": "Cidades atendidas; vazia ou ausente: qualquer cidade."},
            "tecnicos": {"type": "array", "items": ref("NovoTecnicoAgenda"), "maxItems": MAX_TECHNICIANS,
                         "description": "Lista ou objeto indexado (`{\"0\": {\"id\": 3}}`)."},
            "horarios": {"type": "array", "items": ref("NovoHorarioAgenda"), "minItems": 1,
                         "maxItems": MAX_WINDOWS},
            "limite_diario": {"type": ["integer", "string", "null"], "minimum": 1,
                              "description": "Máximo de OS por dia (opcional)."},
            "datas_bloqueadas": {
                "type": ["array", "string"], "items": {"type": "string", "format": "date"},
                "maxItems": MAX_CLOSED_DATES,
                "description": "Datas AAAA-MM-DD sem atendimento; lista ou texto separado por vírgulas.",
            },
            "bloquear_feriados_nacionais": {**BOOL_INPUT, "default": False},
        },
    },
}

# -- service orders (write side) --------------------------------------------
_ORDER_TECHNICIANS: Schema = {
    "type": ["array", "object", "string"], "items": {"oneOf": [ref("NovoTecnicoAgenda"), ID_INPUT]},
    "maxItems": ORDER_MAX_TECHNICIANS,
    "description": "Técnicos da OS: lista de `{id}` (ou de IDs), objeto indexado (`{\"0\": {\"id\": 5}}`) ou "
                   "chaves de formulário `tecnicos[0][id]=5`. Sem técnicos, a OS fica sem técnico (não há o "
                   "técnico \"SAC\" do HubSoft).",
}
CSV_INPUT: Schema = {"type": ["string", "array"], "examples": ["1,2"]}
_DATE_INPUT: Schema = {"type": "string", "format": "date",
                       "description": f"AAAA-MM-DD, de {MIN_DATE.isoformat()} a {MAX_DATE.isoformat()}."}
_TIME_INPUT: Schema = {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
                       "description": "HH:MM:SS (HH:MM aceito), horário local do provedor."}
_OS_DATE_BR: Schema = {"type": ["string", "null"], "examples": ["14/12/2026 09:00:00"]}
_OS_DATE: Schema = {"type": ["string", "null"], "examples": ["2026-12-14 09:00:00"]}
_ORDER_FIELDS: Schema = {
    "id_tipo_ordem_servico": {**ID_INPUT, "description": "Padrão: 1, \"ABERTURA VIA API\" "
                                                        "(GET configuracao/tipo_ordem_servico)."},
    "status": {"type": "string", "enum": [ORDER_AWAITING, ORDER_PENDING], "default": ORDER_AWAITING,
               "description": "`pendente` exige agenda e horário."},
    "prioridade": {"type": "string", "enum": list(ORDER_PRIORITIES), "default": "normal"},
    "descricao_servico": _text(f"Padrão: \"{DEFAULT_SERVICE_DESCRIPTION}\".", ORDER_MAX_TEXT),
    "id_agenda_ordem_servico": {
        **ID_INPUT, "description": "Agenda em que a OS é programada. Sem agenda a OS não tem horário "
                                   "programado (datas enviadas sem agenda são recusadas)."},
    "tecnicos": _ORDER_TECHNICIANS,
    "ids_tecnicos": {"type": ["array", "string"], "items": ID_INPUT,
                     "description": "Alternativa a `tecnicos`: lista de IDs ou texto separado por vírgulas."},
    "disponibilidade": {"type": ["array", "object", "string"], "items": {"enum": list(ORDER_AVAILABILITIES)},
                        "description": "Turnos do cliente; padrão manhã e tarde (`{\"0\": \"manha\", "
                                       "\"1\": \"tarde\"}`)."},
    "data_inicio_programado": {**_DATE_INPUT, "description": "Com agenda; padrão: hoje."},
    "hora_inicio_programado": {**_TIME_INPUT, "description": "Com agenda; padrão: agora + 1 h (no minuto)."},
    "data_termino_programado": {**_DATE_INPUT, "description": "Padrão: o dia do início (usado com "
                                                              "hora_termino_programado)."},
    "hora_termino_programado": {**_TIME_INPUT, "description": "Padrão: início + `duracao` (ou 1 h)."},
    "duracao": {"type": "string", "pattern": "^[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?$", "examples": ["01:30:00"],
                "description": "Duração quando hora_termino_programado não é enviado (padrão 01:00:00)."},
}
SCHEMAS.update({
    "NovaOrdemServicoAtendimento": {
        "type": "object",
        "description": "`parametros_ordem_servico` do atendimento: os campos de `abrir_os`.",
        "properties": _ORDER_FIELDS,
    },
    "NovoAtendimento": {
        "type": "object",
        "description": "Com `abrir_os` verdadeiro, o atendimento e a OS são gravados juntos: se a agenda recusar "
                       "a OS, nada é gravado. O campo livre `parametros` do HubSoft é aceito e ignorado.",
        "required": ["id_cliente_servico", "descricao", "nome", "telefone"],
        "properties": {
            "id_cliente_servico": ID_INPUT,
            "id_tipo_atendimento": {**ID_INPUT, "description": "Padrão: 1, \"SAC\". O tipo 4 (FINANCEIRO) não "
                                                               "abre OS."},
            "descricao": _text("Descrição do atendimento (vira a descrição de abertura da OS).", ORDER_MAX_TEXT),
            "nome": _text("Nome de quem pediu.", 150),
            "telefone": _text("Telefone com DDD (DDNNNNNNNNN).", 20),
            "email": _text("E-mail (opcional).", 254, format="email"),
            "abrir_os": {**BOOL_INPUT, "default": False,
                         "description": "Abre a OS junto; texto \"false\" na query string é lido como falso."},
            "parametros_ordem_servico": ref("NovaOrdemServicoAtendimento"),
        },
    },
    "NovaOrdemServico": {
        "type": "object",
        "required": ["id_atendimento"],
        "properties": {
            "id_atendimento": {**ID_INPUT, "description": "Atendimento de origem (pode vir na query string)."},
            **_ORDER_FIELDS,
        },
    },
    "IdOrdemServico": {
        "type": "object", "required": ["id_ordem_servico"],
        "properties": {"id_ordem_servico": ID_INPUT},
    },
    "Reagendamento": {
        "type": "object",
        "required": ["id_ordem_servico", "data_inicio_programado", "hora_inicio_programado",
                     "data_termino_programado", "hora_termino_programado"],
        "properties": {
            "id_ordem_servico": ID_INPUT,
            "data_inicio_programado": _DATE_INPUT, "hora_inicio_programado": _TIME_INPUT,
            "data_termino_programado": _DATE_INPUT, "hora_termino_programado": _TIME_INPUT,
            "id_usuario_antigo": {**ID_INPUT, "description": "Técnico a trocar (junto com id_usuario_novo)."},
            "id_usuario_novo": {**ID_INPUT, "description": "Técnico que entra (junto com id_usuario_antigo)."},
            "id_agenda_ordem_servico": {**ID_INPUT, "description": "Nossa extensão: muda também a agenda."},
        },
    },
    "RemocaoAgendamento": {
        "type": "object",
        "required": ["id_ordem_servico", "id_motivo_remocao_agendamento", "observacao"],
        "properties": {
            "id_ordem_servico": ID_INPUT,
            "id_motivo_remocao_agendamento": {**ID_INPUT, "description": "Um dos motivos de GET ordem_servico/create."},
            "observacao": _text("Pelo menos 10 caracteres.", ORDER_MAX_TEXT, ORDER_MIN_NOTE),
        },
    },
    "MotivoFechamentoEntrada": {
        "type": "object",
        "properties": {"id": {**ID_INPUT, "description": "Um dos motivos de GET ordem_servico/create."},
                       "id_motivo_fechamento": {**ID_INPUT, "description": "Sinônimo de `id`."}},
    },
    "Fechamento": {
        "type": "object",
        "description": "Campos de faturamento do HubSoft além de `tipo_faturamento` e `forma_pagamento` "
                       "(`caixa_financeiro`, `servicos_cobrados`, `data_vencimento`, `numero_total_parcelas`, "
                       "`movimento_produto_utilizado`) são aceitos e ignorados: nenhuma cobrança é gerada.",
        "required": ["id_ordem_servico", "data_inicio_executado", "hora_inicio_executado",
                     "data_termino_executado", "hora_termino_executado", "status_fechamento"],
        "properties": {
            "id_ordem_servico": ID_INPUT,
            "data_inicio_executado": _DATE_INPUT, "hora_inicio_executado": _TIME_INPUT,
            "data_termino_executado": _DATE_INPUT, "hora_termino_executado": _TIME_INPUT,
            "status_fechamento": {"type": "string", "enum": list(CLOSING_STATUSES)},
            "descricao_fechamento": _text("Relato do fechamento.", ORDER_MAX_TEXT),
            "motivo_fechamento": ref("MotivoFechamentoEntrada"),
            "tecnicos": {**_ORDER_TECHNICIANS, "description": "Quem executou; padrão: os técnicos da OS."},
            "gera_custo": BOOL_INPUT,
            "tipo_faturamento": {"type": "string", "enum": list(BILLING_TYPES),
                                 "description": "Guardado com o fechamento; não gera cobrança."},
            "forma_pagamento": {"type": "string", "enum": list(PAYMENT_METHODS),
                                "description": "Guardado com o fechamento; não gera cobrança."},
        },
    },
    "NovaMensagemOrdemServico": {
        "type": "object", "required": ["mensagem"],
        "properties": {"mensagem": _text("Texto da mensagem.", ORDER_MAX_TEXT)},
    },
    "EdicaoOrdemServico": {
        "type": "object",
        "description": "Ao menos um campo além do ID. Trocar a agenda de uma OS programada confere as regras da "
                       "nova agenda (cidade, horários, vagas).",
        "required": ["id_ordem_servico"],
        "properties": {
            "id_ordem_servico": ID_INPUT,
            "id_agenda_ordem_servico": ID_INPUT,
            "descricao_servico": _text("Nova descrição do serviço.", ORDER_MAX_TEXT),
            "prioridade": {"type": "string", "enum": list(ORDER_PRIORITIES)},
            "tecnicos": {**_ORDER_TECHNICIANS, "description": "Substitui os técnicos da OS."},
        },
    },
    "OrdemServicoCliente": {
        "type": "object",
        "description": "Formato 1 do HubSoft (`cliente/ordem_servico`): status em snake-case, datas "
                       "`dd/mm/AAAA HH:MM:SS`.",
        "required": ["id_ordem_servico", "numero_ordem_servico", "status", "data_cadastro", "cliente", "servico"],
        "properties": {
            "id_ordem_servico": {"type": "integer"},
            "numero_ordem_servico": {"type": "string"},
            "id_tipo_ordem_servico": {"type": ["integer", "null"]},
            "tipo": {"type": ["string", "null"]},
            "status": {"type": "string", "enum": ["aguardando_agendamento", "pendente", "finalizado", "cancelado"]},
            "status_fechamento": {"type": ["string", "null"]},
            "prioridade": {"type": "string"},
            "data_cadastro": _OS_DATE_BR,
            "data_inicio_programado": _OS_DATE_BR, "data_termino_programado": _OS_DATE_BR,
            "data_inicio_executado": _OS_DATE_BR, "data_termino_executado": _OS_DATE_BR,
            "descricao_abertura": {"type": "string"}, "descricao_servico": {"type": "string"},
            "descricao_fechamento": {"type": ["string", "null"]},
            "usuario_abertura": {"type": ["string", "null"]}, "usuario_fechamento": {"type": ["string", "null"]},
            "id_agenda_ordem_servico": {"type": ["integer", "null"]},
            "disponibilidade": {"type": "array", "items": {"enum": list(ORDER_AVAILABILITIES)}},
            "tecnicos": _list_of("TecnicoAgenda"),
            "atendimento": {"type": ["object", "null"]},
            "cliente": {"type": "object", "properties": {
                "codigo_cliente": {"type": "integer"}, "nome_razaosocial": {"type": "string"},
                "cpf_cnpj": {"type": "string"}}},
            "servico": {"type": "object", "properties": {
                "id_cliente_servico": {"type": "integer"},
                "numero_plano": {"type": "integer", "description": "O ID do serviço do cliente."},
                "nome": {"type": "string"}, "valor": {"type": "number"}, "status": {"type": "string"},
                "status_prefixo": {"type": "string"}}},
        },
    },
    "OrdemServicoAgenda": {
        "type": "object",
        "description": "Formato 2 do HubSoft (`agendar`, `reagendar`, `remove_agendamento`): status para "
                       "exibição, datas `AAAA-MM-DD HH:MM:SS` (`reagendar`: sem segundos), cliente, serviço e "
                       "endereço como texto.",
        "required": ["id_ordem_servico", "numero", "status", "cliente", "servico", "endereco_instalacao"],
        "properties": {
            "id_ordem_servico": {"type": "integer"},
            "numero": {"type": "string"},
            "id_atendimento": {"type": ["integer", "null"]},
            "id_tipo_ordem_servico": {"type": ["integer", "null"]},
            "tipo_ordem_servico": {"type": ["string", "null"]},
            "status": {"type": "string", "enum": ["Aguardando Agendamento", "Pendente", "Finalizado", "Cancelado"]},
            "prioridade": {"type": "string"},
            "data_cadastro": _OS_DATE,
            "data_inicio_programado": _OS_DATE, "data_termino_programado": _OS_DATE,
            "descricao_abertura": {"type": "string"}, "descricao_servico": {"type": "string"},
            "id_agenda_ordem_servico": {"type": ["integer", "null"]},
            "tecnicos": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "name": {"type": ["string", "null"]},
                "pivot": {"type": "object", "properties": {"id_ordem_servico": {"type": "integer"},
                                                           "id_usuario": {"type": "integer"}}}}}},
            "disponibilidade": {"type": "string", "examples": ["Manhã, Tarde", "Não Informada"]},
            "cliente": {"type": "string", "examples": ["(1395) MARIA DA SILVA"]},
            "servico": {"type": "string", "examples": ["(1) FIBRA 500MB"]},
            "endereco_instalacao": {"type": "string",
                                    "examples": ["RUA X, 10 - CENTRO, CAMPINAS/SP | CEP: 13010-000"]},
        },
    },
    "ConfiguracaoZapMe": {
        "type": "object", "required": ["ativo", "api"],
        "properties": {
            "ativo": BOOL_INPUT, "api": _text("Chave `api` da conta ZapMe.", 200, 1),
            "secret": _text("Chave `secret` (cifrada; nunca devolvida). Ausente: mantém a gravada, se a `url` não "
                            "mudar.", 500, 1),
            "url": _text("Endereço da API (ausente: mantém o atual; nunca informado: o da ZapMe). Só `https://` "
                         "num host permitido pela implantação (ZAPME_ALLOWED_HOSTS; padrão "
                         "`https://api.zapme.com.br`), sem usuário, porta diferente, parâmetros ou fragmento. "
                         "Mudá-la exige o `secret` na mesma requisição.", 300),
        },
    },
    "IntegracaoZapMe": {
        "type": "object",
        "properties": {"ativo": {"type": "boolean"}, "api": {"type": "string"}, "url": {"type": ["string", "null"]},
                       "secret_configurado": {"type": "boolean"}, "data_alteracao": {"type": "string"},
                       "usuario_alteracao": {"type": ["string", "null"]}},
    },
    "ModeloNotificacaoEntrada": {
        "type": "object",
        "properties": {"ativo": BOOL_INPUT,
                       "texto": _text("Texto com `{{variavel}}` (as variáveis do evento).", 1000, 1)},
    },
    "ModeloNotificacao": {
        "type": "object",
        "properties": {
            "evento": {"type": "string"}, "descricao": {"type": "string"}, "ativo": {"type": "boolean"},
            "texto": {"type": "string"}, "padrao": {"type": "boolean", "description": "O texto padrão do sistema."},
            "variaveis": {"type": "array", "items": {"type": "object", "properties": {
                "nome": {"type": "string"}, "descricao": {"type": "string"}}}},
        },
    },
    "PreferenciaNotificacaoEntrada": {
        "type": "object", "required": ["whatsapp"], "properties": {"whatsapp": BOOL_INPUT},
    },
    "PreferenciaNotificacao": {
        "type": "object", "properties": {"id_cliente": {"type": "integer"}, "whatsapp": {"type": "boolean"}},
    },
    "MensagemWhatsApp": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "description": "Id do evento (uma mensagem por evento)."},
            "evento": {"type": "string"}, "id_cliente": {"type": "integer"},
            "telefone": {"type": ["string", "null"], "examples": ["5511987654321"]},
            "texto": {"type": ["string", "null"]},
            "status": {"type": "string", "enum": ["enviando", "enviada", "falha_temporaria", "falha",
                                                  "falha_permanente", "ignorada"]},
            "motivo": {"type": ["string", "null"]}, "id_zapme": {"type": ["string", "null"]},
            "resposta": {"type": ["object", "null"], "description": "A última resposta da ZapMe."},
            "tentativas": {"type": "array", "items": {"type": "object", "properties": {
                "data": {"type": "string"}, "resultado": {"type": "string"}, "motivo": {"type": "string"}}}},
            "data": {"type": "string"}, "data_alteracao": {"type": "string"},
        },
    },
    "ConsultaOrdemServico": {
        "type": "object", "required": ["consulta"],
        "description": "Só `consulta` numérico: a OS desse número. Com `data_inicio`/`data_fim` (obrigatórios "
                       "quando `consulta` é um nome): OS do período cujo número ou nome do cliente confere.",
        "properties": {
            "consulta": {"type": ["integer", "string"], "description": "Número da OS ou nome do cliente."},
            "data_inicio": {"type": "string", "examples": ["2026-12-01", "2026-12-01 00:00:00"]},
            "data_fim": {"type": "string", "examples": ["2026-12-31", "2026-12-31 23:59:59"]},
            "tipo_data": {"type": "string", "enum": list(DATE_KINDS), "default": "data_inicio_programado"},
            "order_by": {"type": "string", "enum": list(DATE_KINDS), "default": "data_inicio_programado"},
            "order_by_key": {"type": "string", "enum": ["asc", "desc"], "default": "desc"},
            "status": {"type": ["string", "array"], "description": "Status (lista ou texto separado por vírgulas)."},
            "tecnicos": {"type": ["array", "object", "string"], "description": "`[{id}]` ou IDs."},
            "tipo_ordem_servicos": {"type": ["array", "object", "string"],
                                    "description": "`[{id_tipo_ordem_servico}]` ou IDs."},
            "relacoes": {"type": ["array", "string"], "items": {"type": "string", "enum": list(CONSULT_RELATIONS)}},
        },
    },
    "OrdemServicoConsulta": {
        "allOf": [ref("OrdemServicoAgenda"), {"type": "object", "properties": {
            "tipo": {"type": ["string", "null"]},
            "data_inicio_executado": _OS_DATE, "data_termino_executado": _OS_DATE,
            "descricao_fechamento": {"type": ["string", "null"]},
            "status_fechamento": {"type": ["string", "null"], "enum": ["concluido", "sem_conclusao", None]},
            "id_cliente_servico": {"type": "integer"},
        }}],
        "description": "Formato 2 do HubSoft com tipo, datas de execução e fechamento (`consultar`).",
    },
    "OrdemServicoLista": {
        "type": "object",
        "description": "Formato 3 do HubSoft (`todos`): como o de `consultar`, mas `numero` inteiro, técnicos com "
                       "`display` e o endereço também em campos (`dados_endereco_instalacao`).",
        "required": ["id_ordem_servico", "numero", "status", "tecnicos"],
        "properties": {
            "id_ordem_servico": {"type": "integer"}, "numero": {"type": "integer"},
            "status": {"type": "string", "enum": ["Aguardando Agendamento", "Pendente", "Finalizado", "Cancelado"]},
            "tipo": {"type": ["string", "null"]},
            "data_cadastro": _OS_DATE, "data_inicio_programado": _OS_DATE, "data_termino_programado": _OS_DATE,
            "data_inicio_executado": _OS_DATE, "data_termino_executado": _OS_DATE,
            "tecnicos": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "name": {"type": ["string", "null"]},
                "display": {"type": ["string", "null"]}}}},
            "cliente": {"type": ["string", "null"]}, "servico": {"type": ["string", "null"]},
            "endereco_instalacao": {"type": ["string", "null"]},
            "dados_endereco_instalacao": {"type": ["object", "null"], "properties": {
                "endereco": {"type": "string"}, "numero": {"type": "string"},
                "complemento": {"type": ["string", "null"]}, "bairro": {"type": "string"},
                "cidade": {"type": "string"}, "uf": {"type": "string"}, "cep": {"type": "string"}}},
            "agenda_ordem_servico": {"type": ["object", "null"], "description": "Com `relacoes=agenda_ordem_servico`."},
        },
    },
    "EventoCalendario": {
        "type": "object",
        "required": ["id_ordem_servico", "numero", "recursos", "inicio", "fim", "titulo", "status", "editavel"],
        "properties": {
            "id_ordem_servico": {"type": "integer"}, "numero": {"type": "integer"},
            "recursos": {"type": "array", "items": {"type": "integer"},
                         "description": "IDs das agendas ou técnicos em que o evento aparece."},
            "inicio": {"type": "string", "examples": ["2026-12-14T09:00:00"]},
            "fim": {"type": "string", "examples": ["2026-12-14T10:00:00"]},
            "titulo": {"type": "string"}, "tipo": {"type": ["string", "null"]},
            "status": {"type": "string", "enum": ["aguardando_agendamento", "pendente", "finalizado"]},
            "cliente": {"type": ["string", "null"]}, "cidade": {"type": ["string", "null"]},
            "tecnicos": {"type": "array", "items": {"type": "integer"}},
            "editavel": {"type": "boolean",
                         "description": "OS aberta e usuário com permissão de agendar: mover ou redimensionar "
                                        "com `reagendar`."},
        },
    },
    "OrdemServicoAberta": {
        "type": "object",
        "description": "A OS de `abrir_os`; datas `AAAA-MM-DD HH:MM:SS`, status em snake-case.",
        "required": ["id_ordem_servico", "id_atendimento", "numero_ordem_servico", "status", "cliente_servico"],
        "properties": {
            "id_ordem_servico": {"type": "integer"},
            "id_atendimento": {"type": ["integer", "null"]},
            "id_tipo_ordem_servico": {"type": ["integer", "null"]},
            "tipo_ordem_servico": {"type": "object"},
            "numero_ordem_servico": {"type": "string"},
            "descricao_abertura": {"type": "string"}, "descricao_servico": {"type": "string"},
            "status": {"type": "string"}, "prioridade": {"type": "string"},
            "data_cadastro": _OS_DATE,
            "data_inicio_programado": _OS_DATE, "data_termino_programado": _OS_DATE,
            "id_agenda_ordem_servico": {"type": ["integer", "null"]},
            "disponibilidade": {"type": "array", "items": {"type": "string"}},
            "tecnicos": _list_of("TecnicoAgenda"),
            "cliente_servico": {"type": "object", "properties": {
                "display": {"type": "string"}, "id_cliente_servico": {"type": "integer"},
                "cliente": {"type": "object"}}},
        },
    },
    "Atendimento": {
        "type": "object",
        "required": ["id_atendimento", "protocolo", "ordens_servico"],
        "properties": {
            "id_atendimento": {"type": "integer"},
            "protocolo": {"type": "string", "description": "AAAAMMDD + ID com 6 dígitos.",
                          "examples": ["20261210000001"]},
            "id_cliente_servico": {"type": "integer"}, "id_cliente": {"type": "integer"},
            "id_tipo_atendimento": {"type": "integer"}, "tipo_atendimento": {"type": ["string", "null"]},
            "descricao": {"type": "string"}, "nome": {"type": "string"}, "telefone": {"type": "string"},
            "email": {"type": ["string", "null"]}, "status": {"type": "string", "const": "aberto"},
            "data_cadastro": _OS_DATE, "usuario_abertura": {"type": ["string", "null"]},
            "ordens_servico": _list_of("OrdemServicoCliente"),
        },
    },
    "MensagemOrdemServico": {
        "type": "object",
        "properties": {
            "id_ordem_servico": {"type": "integer"}, "id_usuario": {"type": "integer"},
            "mensagem": {"type": "string"},
            "data_cadastro": {"type": "object", "properties": {
                "date": {"type": "string", "examples": ["2026-12-10 10:00:00.000000"]},
                "timezone_type": {"const": 3}, "timezone": {"type": "string", "examples": ["America/Sao_Paulo"]}}},
            "ip_cadastro": {"type": ["string", "null"]},
            "id_ordem_servico_mensagem": {"type": "integer"},
            "data_cadastro_br": {"type": "string", "examples": ["10/12/2026 10:00:00"]},
        },
    },
})

# ---------------------------------------------------------------- parameters
PATH_PARAMETERS: dict[str, str] = {
    "id_ordem_servico": "ID da ordem de serviço (`id_ordem_servico`).",
    "id_cliente": "ID do cliente (`id_cliente`).",
    "id_usuario": "ID do usuário da API.",
    "id_agenda_ordem_servico": "ID da agenda de ordem de serviço (`id_agenda_ordem_servico`).",
    "evento": "Evento de notificação (`os_agendada`, `pagamento_recusado`...).",
}
# Path parameters that are names, not ids.
TEXT_PATH_PARAMETERS: dict[str, Schema] = {
    "evento": {"type": "string", "enum": list(NOTIFICATION_EVENTS)},
}

AGENDA_FILTERS = (
    Parameter("ativo", "Somente agendas ativas (true) ou inativas (false); ausente: todas.", BOOL_INPUT),
)

SEARCH_PARAMETERS = (
    Parameter("busca", "Campo pelo qual buscar.", {"type": "string", "enum": list(SEARCH_KEYS)}, required=True),
    Parameter("termo_busca", "Valor buscado (nome: busca por palavras, sem acentos nem maiúsculas).",
              _text("Termo de busca.", 150), required=True),
    Parameter("limit", "Máximo de clientes na resposta.",
              {"type": "integer", "minimum": 1, "maximum": MAX_SEARCH_LIMIT, "default": DEFAULT_SEARCH_LIMIT}),
)

OAUTH_ERRORS: dict[str, Schema] = {
    "400": {"description": "Requisição de token incompleta ou grant não suportado.",
            "content": {"application/json": {"schema": ref("ErroOAuth")}}},
    "401": {"description": "Cliente, usuário/senha ou refresh token inválidos.",
            "content": {"application/json": {"schema": ref("ErroOAuth")}}},
    "429": {"description": "Login bloqueado após tentativas sem sucesso.",
            "headers": {"Retry-After": {"description": "Segundos até poder tentar de novo.",
                                        "schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": ref("ErroOAuth")}}},
}

# ---------------------------------------------------------------- operations
_SLOT: Schema = {"type": "object", "properties": {
    "data_inicio": {"type": "string"}, "hora_inicio": {"type": "string"},
    "data_termino": {"type": "string"}, "hora_termino": {"type": "string"},
    "duracao_minutos": {"type": "integer"}, "duracao_str": {"type": "string"},
    "disponiveis": {"type": "integer"},
    "tecnicos": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"}}}},
}}
_FREE_DAY: Schema = {"type": "object", "properties": {
    "disponiveis": {"type": "integer"}, "vagas": {"type": "integer"}, "motivo": {"type": "string"},
    "horarios": {"type": "object", "additionalProperties": _SLOT},
}}
FREE_SLOTS_ANSWER: Schema = {"type": "object", "required": ["status", "msg", "agenda", "horarios"], "properties": {
    "status": {"const": "success"}, "msg": {"type": "string"}, "agenda": {"type": "string"},
    "id_agenda_ordem_servico": {"type": "integer"},
    "horarios": {"type": "object", "properties": {"datas": {"type": "object", "additionalProperties": _FREE_DAY}}},
}}


# ``pagina`` and ``itens_por_pagina`` of our own paged lists (read by web.paging.read_page).
PAGING = (
    Parameter("pagina", "Página, a partir de 0.", {"type": ["integer", "string"], "minimum": 0}),
    Parameter("itens_por_pagina", f"1 a {MAX_PER_PAGE}.", {"type": ["integer", "string"], "minimum": 1,
                                                          "maximum": MAX_PER_PAGE}),
)

OPERATIONS: dict[tuple[str, str], Operation] = {
    ("POST", "/oauth/token"): Operation(
        summary="Obter token de acesso", tag="Autenticação",
        description="OAuth 2 com os grants `password` e `refresh_token`, como o HubSoft (Laravel Passport). "
                    "Aceita JSON ou formulário. Erros vêm no formato do Passport, não no envelope; apenas um "
                    "corpo ilegível (JSON inválido, acima de 1 MB) ou um segredo na query string (`password`, "
                    "`client_secret`, `refresh_token`) recebe o envelope de erro.",
        body="TokenRequisicao",
        raw={"oneOf": [ref("TokenResposta"), ref("EnvelopeErro")]},
        extra_responses=OAUTH_ERRORS,
    ),
    ("POST", "/oauth/revoke"): Operation(
        summary="Revogar o token atual (logout)", tag="Autenticação",
        description="O access token usado na chamada e todos os tokens obtidos do mesmo login deixam de valer.",
        body="RevogarToken", body_required=False,
    ),
    ("GET", f"{BASE}/usuario_atual"): Operation(
        summary="Usuário autenticado", tag="Usuários",
        description="Quem é o dono do token e quais permissões tem.",
        result=("usuario", ref("UsuarioAtual")),
    ),
    ("GET", f"{BASE}/configuracao/permissao"): Operation(
        summary="Listar permissões", tag="Usuários",
        description="Os nomes de permissão aceitos em `permissoes` ao cadastrar usuários.",
        result=("permissoes", _list_of("Permissao")),
    ),
    ("POST", f"{BASE}/configuracao/usuario"): Operation(
        summary="Cadastrar usuário da API", tag="Usuários",
        body="NovoUsuario", result=("usuario", ref("Usuario")),
    ),
    ("GET", f"{BASE}/configuracao/usuario"): Operation(
        summary="Listar usuários da API", tag="Usuários",
        result=("usuarios", _list_of("Usuario")),
    ),
    ("POST", f"{BASE}/configuracao/usuario/{{id_usuario}}/revogar_tokens"): Operation(
        summary="Revogar os tokens de um usuário", tag="Usuários",
        description="Todos os tokens do usuário deixam de valer; ele precisa obter um novo.",
    ),
    ("GET", f"{BASE}/configuracao/usuario/{{id_usuario}}/bloqueios_login"): Operation(
        summary="Bloqueios de login de um usuário", tag="Usuários",
        description="Os endereços de origem que erraram a senha deste usuário e esperam agora "
                    "(atraso progressivo, depois bloqueio). Um endereço bloqueado não bloqueia os outros.",
        result=("bloqueios", _list_of("BloqueioLogin")),
    ),
    ("POST", f"{BASE}/configuracao/usuario/{{id_usuario}}/desbloquear_login"): Operation(
        summary="Desbloquear o login de um usuário", tag="Usuários",
        description="Apaga as contagens de tentativas do usuário em todos os endereços: o login volta a ser "
                    "aceito na hora. Responde `enderecos_liberados`.",
        result=("enderecos_liberados", {"type": "integer"}),
    ),
    ("POST", f"{BASE}/configuracao/usuario/revogar_tokens"): Operation(
        summary="Revogar os tokens de todos os usuários", tag="Usuários",
        description="Após um vazamento ou atualização de segurança: todos precisam obter um novo token.",
    ),
    ("POST", f"{BASE}/cliente"): Operation(
        summary="Cadastrar cliente", tag="Clientes",
        description="Cadastra o cliente e, opcionalmente, seus serviços com endereço de instalação. "
                    "Em formulário, listas e objetos usam chaves no estilo PHP "
                    "(`servicos[0][endereco_instalacao][cidade]`).",
        body="NovoCliente", result=("cliente", ref("Cliente")),
    ),
    ("GET", f"{BASE}/cliente"): Operation(
        summary="Buscar clientes", tag="Clientes",
        description="Busca como o HubSoft: por CPF/CNPJ, código, ID do serviço, nome ou telefone. "
                    "Sem resultados, responde sucesso com a lista vazia.",
        query=SEARCH_PARAMETERS, result=("clientes", _list_of("Cliente")),
    ),
    ("POST", f"{BASE}/cliente/{{id_cliente}}/servico"): Operation(
        summary="Adicionar serviço ao cliente", tag="Clientes",
        body="NovoServico", result=("servico", ref("Servico")),
    ),
    ("POST", f"{BASE}/configuracao/agenda_ordem_servico"): Operation(
        summary="Cadastrar agenda de ordem de serviço", tag="Agendas",
        description="Define quando OS podem ser agendadas (horários semanais, capacidade por horário, limite "
                    "diário, datas bloqueadas, feriados) e para quais cidades.",
        body="NovaAgendaOrdemServico", result=("agenda_ordem_servico", ref("AgendaOrdemServico")),
    ),
    ("GET", f"{BASE}/configuracao/agenda_ordem_servico"): Operation(
        summary="Listar agendas de ordem de serviço", tag="Agendas",
        description="Todas as agendas, em ordem de ID.",
        query=AGENDA_FILTERS, result=("agendas_ordem_servico", _list_of("AgendaOrdemServico")),
    ),
    ("GET", f"{BASE}/configuracao/agenda_ordem_servico/{{id_agenda_ordem_servico}}"): Operation(
        summary="Consultar agenda de ordem de serviço", tag="Agendas",
        result=("agenda_ordem_servico", ref("AgendaOrdemServico")),
    ),
    ("PUT", f"{BASE}/configuracao/agenda_ordem_servico/{{id_agenda_ordem_servico}}"): Operation(
        summary="Substituir a configuração da agenda", tag="Agendas",
        description="Mesmo corpo do cadastro; a configuração inteira é substituída. As OS já agendadas "
                    "permanecem onde estão.",
        body="NovaAgendaOrdemServico", result=("agenda_ordem_servico", ref("AgendaOrdemServico")),
    ),
    ("DELETE", f"{BASE}/configuracao/agenda_ordem_servico/{{id_agenda_ordem_servico}}"): Operation(
        summary="Desativar agenda de ordem de serviço", tag="Agendas",
        description="A agenda passa a recusar novos agendamentos; continua consultável e pode ser reativada "
                    "com PUT (`ativo: true`).",
        result=("agenda_ordem_servico", ref("AgendaOrdemServico")),
    ),
    ("GET", f"{BASE}/ordem_servico/horarios_disponiveis_agenda"): Operation(
        summary="Horários disponíveis da agenda", tag="Agendas",
        description="Vagas por dia e horário (formato aninhado do HubSoft: "
                    "`horarios.datas.<data>.horarios.<HH:MM:SS>`). Só horários futuros com vaga são listados; "
                    "no dia, `disponiveis` conta os horários com vaga e `vagas` as vagas (limitadas pelo limite "
                    "diário). Dia fechado: `disponiveis` 0 e `motivo`. Sem `data_inicio` nem `dias`: só hoje.",
        query=(
            Parameter("id_agenda_ordem_servico", "ID da agenda (ou informe `descricao`).", ID_INPUT),
            Parameter("descricao", "Descrição da agenda (sem diferenciar maiúsculas e acentos).",
                      {"type": "string"}),
            Parameter("data_inicio", "Primeiro dia (AAAA-MM-DD); padrão: hoje no fuso do provedor.",
                      {"type": "string", "format": "date"}),
            Parameter("dias", "Quantos dias a partir de `data_inicio` (1 a 31; padrão 1).",
                      {"type": ["integer", "string"], "minimum": 1, "maximum": 31, "default": 1}),
        ),
        raw={"oneOf": [FREE_SLOTS_ANSWER, ref("EnvelopeErro")]},
    ),
    ("POST", f"{BASE}/atendimento"): Operation(
        summary="Abrir atendimento (e, opcionalmente, sua OS)", tag="Ordens de serviço",
        description="Cria o atendimento com protocolo. Com `abrir_os`, abre também a OS de "
                    "`parametros_ordem_servico` na mesma transação: se a agenda recusar a OS (cidade não "
                    "atendida, fora do horário, horário lotado, limite diário, data bloqueada, agenda inativa), "
                    "nada é gravado.",
        body="NovoAtendimento", result=("atendimento", ref("Atendimento")),
    ),
    ("POST", f"{BASE}/ordem_servico/abrir_os"): Operation(
        summary="Abrir OS a partir de um atendimento", tag="Ordens de serviço",
        description="Padrões do HubSoft: tipo \"ABERTURA VIA API\", status aguardando_agendamento, prioridade "
                    "normal, descrição \"O.S aberta via API.\", disponibilidade manhã e tarde. Com agenda e sem "
                    "datas: hoje, agora + 1 h, por 1 h (ou `duracao`). Sem agenda a OS não tem horário programado.",
        body="NovaOrdemServico", result=("ordem_servico", ref("OrdemServicoAberta")),
    ),
    ("POST", f"{BASE}/ordem_servico/agendar"): Operation(
        summary="Confirmar o agendamento da OS", tag="Ordens de serviço",
        description="A OS, que precisa ter data programada, passa a `Pendente`.",
        body="IdOrdemServico", result=("ordem_servico", ref("OrdemServicoAgenda")),
    ),
    ("POST", f"{BASE}/ordem_servico/reagendar"): Operation(
        summary="Reagendar a OS", tag="Ordens de serviço",
        description="Novo horário (mover ou redimensionar), conferido pelas regras da agenda; a OS passa a "
                    "`Pendente`. Usuário ligado a um técnico só reagenda OS em que o técnico está.",
        body="Reagendamento", result=("ordem_servico", ref("OrdemServicoAgenda")),
    ),
    ("POST", f"{BASE}/ordem_servico/remove_agendamento"): Operation(
        summary="Remover o agendamento da OS", tag="Ordens de serviço",
        description="A OS volta a `Aguardando Agendamento` e libera sua vaga na agenda.",
        body="RemocaoAgendamento", result=("ordem_servico", ref("OrdemServicoAgenda")),
    ),
    ("POST", f"{BASE}/ordem_servico/editar"): Operation(
        summary="Alterar OS aberta", tag="Ordens de serviço",
        description="Agenda, descrição, prioridade e técnicos de uma OS aberta.",
        body="EdicaoOrdemServico", result=("ordem_servico", ref("OrdemServicoAgenda")),
    ),
    ("POST", f"{BASE}/ordem_servico/fechar"): Operation(
        summary="Fechar (finalizar) a OS", tag="Ordens de serviço",
        description="Guarda os dados do fechamento, finaliza a OS e libera sua vaga na agenda. Usuário ligado a "
                    "um técnico só fecha OS em que o técnico está.",
        body="Fechamento", result=("ordem_servico", ref("OrdemServicoAgenda")),
    ),
    ("POST", f"{BASE}/ordem_servico/adicionar_mensagem/{{id_ordem_servico}}"): Operation(
        summary="Adicionar mensagem à OS", tag="Ordens de serviço",
        description="Usuário ligado a um técnico só escreve em OS em que o técnico está.",
        body="NovaMensagemOrdemServico", result=("ordem_servico_mensagem", ref("MensagemOrdemServico")),
    ),
    ("PUT", f"{BASE}/configuracao/integracao/zapme"): Operation(
        summary="Configurar a ZapMe", tag="Notificações",
        description="O `secret` é cifrado (KMS) e nunca devolvido. Ele só é enviado a uma `url` `https://` de host "
                    "permitido pela implantação (ZAPME_ALLOWED_HOSTS); trocar a `url` exige reenviar o `secret`.",
        body="ConfiguracaoZapMe", result=("zapme", ref("IntegracaoZapMe")),
    ),
    ("GET", f"{BASE}/configuracao/integracao/zapme"): Operation(
        summary="Integração com a ZapMe", tag="Notificações", result=("zapme", ref("IntegracaoZapMe")),
    ),
    ("GET", f"{BASE}/configuracao/notificacao/modelo"): Operation(
        summary="Modelos de mensagem por evento", tag="Notificações",
        description="Cada evento com seu texto (o padrão até ser editado) e as variáveis que aceita.",
        result=("modelos", _list_of("ModeloNotificacao")),
    ),
    ("PUT", f"{BASE}/configuracao/notificacao/modelo/{{evento}}"): Operation(
        summary="Editar o modelo de um evento", tag="Notificações",
        description="Eventos: `os_agendada`, `os_reagendada`, `os_cancelada`, `pagamento_aprovado`, "
                    "`pagamento_recusado`, `cartao_requer_acao`, `aviso_suspensao`, `servico_suspenso`. Texto "
                    "vazio, variável que o evento não tem ou evento desconhecido são recusados.",
        body="ModeloNotificacaoEntrada", result=("modelo", ref("ModeloNotificacao")),
    ),
    ("PUT", f"{BASE}/cliente/{{id_cliente}}/notificacao"): Operation(
        summary="Opt-out de WhatsApp do cliente", tag="Notificações",
        body="PreferenciaNotificacaoEntrada", result=("notificacao", ref("PreferenciaNotificacao")),
    ),
    ("GET", f"{BASE}/cliente/{{id_cliente}}/notificacao"): Operation(
        summary="Preferência de WhatsApp do cliente", tag="Notificações",
        result=("notificacao", ref("PreferenciaNotificacao")),
    ),
    ("GET", f"{BASE}/notificacao/mensagem"): Operation(
        summary="Registro de mensagens de WhatsApp", tag="Notificações",
        description="Da mais recente à mais antiga, com as tentativas e a resposta da ZapMe. Sem datas: os "
                    "últimos 31 dias.",
        query=(
            Parameter("id_cliente", "Cliente.", ID_INPUT),
            Parameter("evento", "Evento.", {"type": "string"}),
            Parameter("status", "Status da mensagem.", {"type": "string"}),
            Parameter("data_inicio", "AAAA-MM-DD.", {"type": "string"}),
            Parameter("data_fim", "AAAA-MM-DD.", {"type": "string"}),
            *PAGING,
        ),
        raw={"oneOf": [{"allOf": [ref("EnvelopeSucesso"), {
            "type": "object", "required": ["mensagens", "paginacao"],
            "properties": {"mensagens": _list_of("MensagemWhatsApp"), "paginacao": ref("Paginacao")}}]},
            ref("EnvelopeErro")]},
    ),
    ("GET", f"{BASE}/ordem_servico/todos"): Operation(
        summary="Listar ordens de serviço", tag="Ordens de serviço",
        description="Lista filtrada e paginada (`pagina` a partir de 0; uma página além da última vem vazia, "
                    "com o bloco `paginacao`). O período vale para a data de `tipo_data`; sem período: de 31 dias "
                    "antes a 31 dias depois de hoje; no máximo 10 anos. Ordem: a data de `tipo_data`, depois o "
                    "número. Usuário ligado a um técnico vê só as OS em que o técnico está.",
        query=(
            Parameter("pagina", "Página, a partir de 0.", {"type": ["integer", "string"], "minimum": 0}),
            Parameter("itens_por_pagina", f"1 a {MAX_PER_PAGE} (padrão 50).",
                      {"type": ["integer", "string"], "minimum": 1, "maximum": MAX_PER_PAGE}),
            Parameter("data_inicio", "AAAA-MM-DD ou AAAA-MM-DD HH:MM:SS.", {"type": "string"}),
            Parameter("data_fim", "AAAA-MM-DD (o dia inteiro) ou AAAA-MM-DD HH:MM:SS.", {"type": "string"}),
            Parameter("tipo_data", "A data filtrada e ordenada.",
                      {"type": "string", "enum": list(DATE_KINDS), "default": "data_inicio_programado"}),
            Parameter("status", "Status separados por vírgula.", CSV_INPUT),
            Parameter("tecnico", "IDs de técnicos separados por vírgula.", CSV_INPUT),
            Parameter("tipo_ordem_servico", "IDs de tipos separados por vírgula.", CSV_INPUT),
            Parameter("agenda_ordem_servico", "IDs de agendas separados por vírgula.", CSV_INPUT),
            Parameter("id_servico", "Serviço do cliente (id_cliente_servico).", ID_INPUT),
            Parameter("id_cliente_servico", "Serviço do cliente.", ID_INPUT),
            Parameter("destino", "Toda OS daqui é de `cliente_servico`.",
                      {"type": "string", "enum": ["cliente_servico", "pop", "prospecto"]}),
            Parameter("id_destino", "Com `destino=cliente_servico`: o serviço do cliente.", ID_INPUT),
            Parameter("disponibilidade", "manha, tarde, noite (separados por vírgula).", CSV_INPUT),
            Parameter("reservada", "Não há reserva de OS por aplicativo: `nao` lista todas, os demais nenhuma.",
                      {"type": "string", "enum": ["sim", "nao", "reservada_em_execucao", "reservada_sem_execucao"]}),
            Parameter("relacoes", "Relações a incluir, separadas por vírgula.",
                      {"type": ["string", "array"], "items": {"type": "string", "enum": list(LIST_RELATIONS)}}),
        ),
        raw={"oneOf": [{"allOf": [ref("EnvelopeSucesso"), {
            "type": "object", "required": ["ordens_servico", "paginacao"],
            "properties": {"ordens_servico": _list_of("OrdemServicoLista"), "paginacao": ref("Paginacao")}}]},
            ref("EnvelopeErro")]},
    ),
    ("POST", f"{BASE}/ordem_servico/consultar"): Operation(
        summary="Consultar ordens de serviço", tag="Ordens de serviço",
        description=f"Pelo número da OS ou, num período, pelo número ou nome do cliente (até "
                    f"{MAX_CONSULT_RESULTS} OS). Usuário ligado a um técnico vê só as OS em que o técnico está.",
        body="ConsultaOrdemServico", result=("ordens_servico", _list_of("OrdemServicoConsulta")),
    ),
    ("GET", f"{BASE}/cliente/ordem_servico"): Operation(
        summary="Ordens de serviço de um cliente", tag="Ordens de serviço",
        description="Formato 1 do HubSoft (datas `dd/mm/AAAA HH:MM:SS`, status em snake-case, `cliente` e "
                    "`servico` aninhados, `atendimento`). Cliente não encontrado: lista vazia.",
        query=(
            Parameter("busca", "Chave da busca.", {"type": "string", "enum": list(CUSTOMER_SEARCHES)},
                      required=True),
            Parameter("termo_busca", "Valor buscado.", {"type": "string"}, required=True),
            Parameter("limit", "1 a 50 (padrão 20).", {"type": ["integer", "string"], "minimum": 1, "maximum": 50}),
            Parameter("status", "Um status.", {"type": "string",
                                               "enum": ["pendente", "aguardando_agendamento", "finalizado",
                                                        "cancelado"]}),
            Parameter("order_by", "Ordenação.", {"type": "string", "enum": ["data_cadastro",
                                                                            "data_inicio_programado"]}),
            Parameter("order_type", "asc ou desc (padrão desc).", {"type": "string", "enum": ["asc", "desc"]}),
            Parameter("data_inicio", "Data de cadastro a partir de (AAAA-MM-DD).", {"type": "string"}),
            Parameter("data_fim", "Data de cadastro até (AAAA-MM-DD).", {"type": "string"}),
        ),
        result=("ordens_servico", _list_of("OrdemServicoCliente")),
    ),
    ("GET", f"{BASE}/ordem_servico/calendario"): Operation(
        summary="Calendário de OS por agenda ou técnico", tag="Ordens de serviço",
        description="Eventos (OS com horário programado, exceto canceladas) e recursos (agendas ou técnicos) "
                    "de um período de até 62 dias, para o calendário do console. Sem `ids`: as agendas ativas "
                    "ou os técnicos ativos. Mover ou redimensionar: `reagendar`.",
        query=(
            Parameter("data_inicio", "Primeiro dia (AAAA-MM-DD).", {"type": "string"}, required=True),
            Parameter("data_fim", "Último dia (AAAA-MM-DD).", {"type": "string"}, required=True),
            Parameter("ver_por", "Raias do calendário.", {"type": "string", "enum": ["agenda", "tecnico"],
                                                          "default": "agenda"}),
            Parameter("ids", "IDs das agendas ou técnicos, separados por vírgula.", CSV_INPUT),
        ),
        raw={"oneOf": [{"allOf": [ref("EnvelopeSucesso"), {
            "type": "object", "required": ["recursos", "eventos"],
            "properties": {"recursos": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "titulo": {"type": "string"}}}},
                "eventos": _list_of("EventoCalendario")}}]}, ref("EnvelopeErro")]},
    ),
    ("GET", f"{BASE}/ordem_servico/create"): Operation(
        summary="Catálogos de motivos da OS", tag="Ordens de serviço",
        description="Motivos de remoção de agendamento (`remove_agendamento`) e de fechamento (`fechar`).",
        result=("motivos_remocao_agendamento", {"type": "array", "items": {
            "type": "object", "properties": {"id_motivo_remocao_agendamento": {"type": "integer"},
                                             "descricao": {"type": "string"}}}}),
    ),
    ("GET", f"{BASE}/configuracao/tipo_ordem_servico"): Operation(
        summary="Listar tipos de ordem de serviço", tag="Ordens de serviço",
        result=("tipo_ordem_servicos", {"type": "array", "items": {
            "type": "object", "properties": {"id_tipo_ordem_servico": {"type": "integer"},
                                             "descricao": {"type": "string"},
                                             "destino": {"const": "cliente_servico"}}}}),
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

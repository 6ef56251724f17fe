"""The OpenAPI 3.1 document of the whole API (served at ``/api/v1/openapi.json``), generated.

Every route is declared once, next to its view (``web.routes``): its path,
method, permission, path parameters, the input fields its view reads (the
``web.schema`` objects that validate them), its answer and its words. This
module only turns those declarations, the component schemas their contexts
register and the envelope every answer shares into the document: it holds no
route path or field list of its own. Security comes from each route's
permission, so the document cannot drift from what the endpoint checks.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.auth.api import TOKEN_PATH
from chalicelib.auth.model import ACCESS_TOKEN_SECONDS
from chalicelib.auth.permissions import ADMIN_ONLY, ALL_PERMISSIONS
from chalicelib.input_rules import MAX_DATE, MIN_DATE
from chalicelib.web.endpoint import AUTHENTICATED, NO_PERMISSION_MSG, PUBLIC, Api
from chalicelib.web.inputs import CARD_NUMBER_FIELD, SECRET_QUERY_FIELDS
from chalicelib.web.paging import MAX_PER_PAGE
from chalicelib.web.routes import BASE, RouteInfo
from chalicelib.web.schema import Input, Schema, envelope, object_of, ref
from chalicelib.web.unavailable import ANY_METHOD, Unavailable
from chalicelib.web.unavailable import answer as unavailable_answer

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
SECURED: list[dict[str, list[str]]] = [{"bearer": []}, {"oauth2": []}]


class OpenApiCoverageError(RuntimeError):
    """A declaration the document cannot describe (an unknown permission)."""


# The envelope every answer shares, and the errors the endpoint answers itself.
ENVELOPE_SCHEMAS: dict[str, Schema] = {
    "EnvelopeSucesso": object_of({"status": {"const": "success"}, "msg": {"type": "string"}},
                                 description="Resposta de sucesso: a chave de conteúdo varia por rota."),
    "EnvelopeErro": object_of({
        "status": {"const": "error"},
        "msg": {"type": "string",
                "examples": ["Favor preencher os campos obrigatórios de acordo com as especificações"]},
        "errors": {"type": "array", "items": {"type": "string"},
                   "examples": [["O campo termo_busca é obrigatório."]]},
    }, optional={
        "correlation_id": {"type": "string",
                           "description": "Presente apenas em erros inesperados: informe-o ao suporte."},
    }, description="Erro de validação ou regra de negócio, respondido com HTTP 200 (como o HubSoft): "
                   "nada foi alterado."),
    "ErroNaoAutenticado": object_of({
        "status": {"const": "error"},
        "msg": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "string"}},
        "message": {"const": "Unauthenticated."},
    }),
    "ErroPermissao": object_of({
        "status": {"const": "error"},
        "msg": {"const": NO_PERMISSION_MSG},
        "errors": {"type": "array", "items": {"type": "string"},
                   "examples": [["Permissão necessária: Consultar clientes"]]},
    }),
    "Paginacao": object_of({
        "primeira_pagina": {"type": "integer", "const": 0},
        "ultima_pagina": {"type": "integer", "minimum": 0},
        "pagina_atual": {"type": "integer", "minimum": 0},
        "total_registros": {"type": "integer", "minimum": 0},
    }, description=f"Listas paginadas: `pagina` começa em 0; `itens_por_pagina` de 1 a {MAX_PER_PAGE}."),
}

_SECRETS = ", ".join(f"`{name}`" for name in sorted(SECRET_QUERY_FIELDS | {CARD_NUMBER_FIELD}))
DESCRIPTION = f"""API de integração do provedor, compatível com a API de integração do HubSoft.

* **Autenticação:** `POST {TOKEN_PATH}` (grant `password`) devolve um token; envie-o em
  `Authorization: Bearer <token>`. Tokens de acesso valem {ACCESS_TOKEN_SECONDS // 60} minutos (renove com o grant
  `refresh_token`) e podem ser revogados a qualquer momento: ao receber HTTP 401, obtenha um novo.
* **Envelope:** sucesso `{{"status": "success", "msg": ..., <chave>: ...}}`. Erros de validação e de
  regra de negócio respondem **HTTP 200** com `{{"status": "error", "msg": ..., "errors": [...]}}` e não
  alteram nada: leia `status`, não o código HTTP. Token ausente/inválido: 401. Sem permissão: 403
  com `msg` "{NO_PERMISSION_MSG}". Rotas do HubSoft que esta instalação não atende (`x-rotas-indisponiveis`):
  HTTP 200 com `status` `error` e `msg` "Rota ... não disponível nesta instalação.", em qualquer método.
  Outra rota inexistente sob `/api/v1/integracao/`: 404 com o mesmo envelope.
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
    return document(api.routes, api.schemas, api.tags, api.unavailable_routes)


def document(routes: Sequence[RouteInfo], schemas: Mapping[str, Schema] | None = None,
             tags: Mapping[str, str] | None = None,
             unavailable: Mapping[str, Unavailable] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes``, with the component ``schemas`` and ``tags`` their contexts own.
    HubSoft's routes not served here (``unavailable``) are no operations: listed apart, with why."""
    paths: dict[str, Any] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    all_tags = dict(tags or {})
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
        "x-rotas-indisponiveis": [{"caminho": path, "metodos": list(ANY_METHOD), "motivo": entry.why,
                                   "resposta": unavailable_answer("GET", path.removeprefix(BASE), entry.why)}
                                  for path, entry in (unavailable or {}).items()],
        "components": {
            "schemas": {**ENVELOPE_SCHEMAS, **(schemas or {})},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": f"Access token obtido em POST {TOKEN_PATH}."},
                "oauth2": {"type": "oauth2", "flows": {"password": {
                    "tokenUrl": TOKEN_PATH, "refreshUrl": TOKEN_PATH, "scopes": {},
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


def _operation(route: RouteInfo) -> dict[str, Any]:
    access = permission_text(route.permission)
    description = f"{route.description}\n\n**Acesso:** {access}" if route.description else f"**Acesso:** {access}"
    result: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "description": description,
        "tags": [route.tag],
        "x-permissao": route.permission if route.permission in ALL_PERMISSIONS else _access_kind(route.permission),
        "parameters": [*({"name": p.name, "in": "path", "required": True, "description": p.description,
                          "schema": p.schema()} for p in route.path_params),
                       *(_query_parameter(i) for i in route.query),
                       {"$ref": "#/components/parameters/XRequestId"},
                       {"$ref": "#/components/parameters/XCorrelationId"}],
        "security": [] if route.permission == PUBLIC else SECURED,
        "responses": _responses(route),
    }
    if route.body is not None:
        result["requestBody"] = {
            "required": route.body.required,
            "description": "JSON ou formulário (campos também podem vir na query string).",
            "content": {
                "application/json": {"schema": ref(route.body.schema_name)},
                "application/x-www-form-urlencoded": {"schema": ref(route.body.schema_name)},
            },
        }
    return result


def _access_kind(permission: str) -> str:
    return {PUBLIC: "publica", AUTHENTICATED: "autenticado", ADMIN_ONLY: "administrador"}[permission]


def _query_parameter(field: Input) -> Schema:
    schema = field.schema(query=True)
    description = schema.pop("description", "")
    return {"name": field.name, "in": "query", "required": field.required, "description": description,
            "schema": schema}


def _responses(route: RouteInfo) -> dict[str, Any]:
    ok = route.raw if route.raw is not None else envelope(dict([route.result]) if route.result else None)
    responses: dict[str, Any] = {
        "200": {
            "description": "Sucesso" if route.raw is not None else
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
    responses.update(route.extra_responses)
    return responses

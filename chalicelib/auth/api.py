"""The auth routes' edge: read the request's fields, call AuthService, shape the answer."""
from __future__ import annotations

from typing import Any

from chalicelib.auth.model import ACCESS_TOKEN_SECONDS, UNLINK_TECHNICIAN, NewUser, Principal, User, UserChange
from chalicelib.auth.permissions import ADMIN_ONLY, ALL_PERMISSIONS
from chalicelib.auth.service import TokenRequest, change_errors, user_errors
from chalicelib.web.endpoint import AUTHENTICATED, PUBLIC, ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Body, PathId, Routes
from chalicelib.web.schema import Bool, Id, Raw, Schema, Text, TextList, list_of, object_of, ref
from chalicelib.web.validation import Fields, parse_int

routes = Routes(__name__, tag="Usuários",
                tag_description="Usuários da API, permissões e revogação de tokens.")
routes.tags["Autenticação"] = "Tokens OAuth 2 (compatível com o HubSoft)."
routes.schemas({
    "TokenResposta": object_of({
        "token_type": {"const": "Bearer"},
        "expires_in": {"type": "integer", "examples": [ACCESS_TOKEN_SECONDS],
                       "description": "Validade do access token em segundos (1 hora, salvo a configuração "
                                      "ACCESS_TOKEN_MINUTES). Renove com o grant `refresh_token`."},
        "access_token": {"type": "string"},
        "refresh_token": {"type": "string"},
    }),
    "ErroOAuth": object_of({
        "error": {"type": "string", "enum": [
            "invalid_request", "invalid_client", "invalid_credentials", "invalid_grant",
            "unsupported_grant_type", "too_many_attempts",
        ]},
        "error_description": {"type": "string", "examples": ["The user credentials were incorrect."]},
        "message": {"type": "string", "examples": ["The user credentials were incorrect."]},
    }, description="Erro do endpoint de token no formato do Laravel Passport (não é o envelope)."),
    "BloqueioLogin": object_of({
        "endereco": {"type": "string", "description": "IP de origem visto pelo API Gateway."},
        "tentativas": {"type": "integer", "description": "Tentativas na janela atual."},
        "bloqueado_ate": {"type": ["string", "null"], "format": "date-time"},
    }, description="Um endereço de origem impedido de tentar o login deste usuário agora."),
    "Permissao": {"type": "string", "enum": list(ALL_PERMISSIONS)},
    "Usuario": object_of({
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "nome": {"type": "string"},
        "admin": {"type": "boolean"},
        "permissoes": {**list_of("Permissao"), "description": "Administradores têm todas."},
        "id_tecnico": {"type": ["integer", "null"]},
        "ativo": {"type": "boolean"},
    }),
    "UsuarioAtual": object_of({
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "admin": {"type": "boolean"},
        "id_tecnico": {"type": ["integer", "null"]},
        "permissoes": list_of("Permissao"),
    }),
})

_OAUTH_ERROR = {"application/json": {"schema": ref("ErroOAuth")}}
OAUTH_ERRORS: dict[str, Schema] = {
    "400": {"description": "Requisição de token incompleta ou grant não suportado.", "content": _OAUTH_ERROR},
    "401": {"description": "Cliente, usuário/senha ou refresh token inválidos.", "content": _OAUTH_ERROR},
    "429": {"description": "Login bloqueado após tentativas sem sucesso.",
            "headers": {"Retry-After": {"description": "Segundos até poder tentar de novo.",
                                        "schema": {"type": "integer"}}},
            "content": _OAUTH_ERROR},
}
# Laravel Passport's token route, where HubSoft clients get their tokens (the document's OAuth flow names it).
TOKEN_PATH = "/oauth/token"
USER = PathId("id_usuario", "ID do usuário da API.")
USERS = "/configuracao/usuario"

# The token grants (Laravel Passport's): read leniently, as Passport does, so their schemas are written out.
GRANT_TYPE = "grant_type"
CLIENT_ID = Raw("client_id", required=True, spec={"type": ["string", "integer"]})
CLIENT_SECRET = Raw("client_secret", required=True, spec={"type": "string"})
PASSWORD_GRANT = Body("TokenSenha", (
    Raw(GRANT_TYPE, required=True, spec={"const": "password"}), CLIENT_ID, CLIENT_SECRET,
    Raw("username", required=True, spec={"type": "string"}),
    Raw("password", required=True, spec={"type": "string", "format": "password"}),
), description="Grant `password`: as quatro credenciais são criadas pelo administrador do provedor.")
REFRESH_GRANT = Body("TokenRenovacao", (
    Raw(GRANT_TYPE, required=True, spec={"const": "refresh_token"}), CLIENT_ID, CLIENT_SECRET,
    Raw("refresh_token", required=True, spec={"type": "string"}),
), description="Grant `refresh_token`: troca o refresh token (uso único) por um novo par de tokens. Um refresh "
               "token usado pela segunda vez revela uma cópia: todos os tokens obtidos daquele login deixam de "
               "valer.")

REVOKED_REFRESH_TOKEN = Text("refresh_token", "Refresh token do mesmo usuário, revogado junto (opcional).",
                             max_len=200)
USERNAME = Text("username", "De 3 a 100 caracteres: letras, números, ponto, @, +, - ou _ (guardado em minúsculas).",
                required=True, min_len=3, max_len=100, pattern="^[A-Za-z0-9._@+-]{3,100}$")
PASSWORD = Raw("password", "Pelo menos 8 caracteres, diferente do username.", required=True,
               spec={"type": "string", "maxLength": 200, "minLength": 8, "format": "password"})
NAME = Text("nome", "Nome de exibição.", required=True, max_len=150)
PERMISSIONS = TextList("permissoes", "Nomes de permissão (GET configuracao/permissao).",
                       max_items=len(ALL_PERMISSIONS), item=ref("Permissao"))
ADMIN = Bool("admin")
TECHNICIAN = Id("id_tecnico", "Técnico (ativo) ligado ao usuário: ele verá só as próprias OS.")
NEW_NAME = Text("nome", "Nome de exibição.", max_len=150)
LINKED_TECHNICIAN = Raw("id_tecnico", "Técnico (ativo) ligado ao usuário: ele verá só as próprias OS; null ou 0 "
                        "desliga.", spec={"type": ["integer", "string", "null"], "pattern": "^[0-9]+$", "minimum": 0})
ACTIVE = Bool("ativo", "false desativa o usuário e revoga todos os seus tokens na hora; true reativa (os tokens "
                       "antigos continuam revogados).")


@routes.post(TOKEN_PATH, PUBLIC, prefix="", tag="Autenticação", summary="Obter token de acesso",
             operation_id="oauth_token",
             description="OAuth 2 com os grants `password` e `refresh_token`, como o HubSoft (Laravel Passport). "
                         "Aceita JSON ou formulário. Erros vêm no formato do Passport, não no envelope; apenas um "
                         "corpo ilegível (JSON inválido, acima de 1 MB) ou um segredo na query string (`password`, "
                         "`client_secret`, `refresh_token`) recebe o envelope de erro.",
             body=Body("TokenRequisicao", alternatives=(PASSWORD_GRANT, REFRESH_GRANT)),
             raw={"oneOf": [ref("TokenResposta"), ref("EnvelopeErro")]}, extra_responses=OAUTH_ERRORS)
def token(request: ApiRequest) -> Payload:
    fields = request.fields()

    def text(key: str) -> str:
        value = fields.raw(key)
        return str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""

    password = fields.raw("password")
    grant = request.container.auth.grant(TokenRequest(
        grant_type=text(GRANT_TYPE), client_id=text(CLIENT_ID.name), client_secret=text(CLIENT_SECRET.name),
        username=text("username"), password=password if isinstance(password, str) else "",
        refresh_token=text("refresh_token"), source_address=request.source_ip,
    ))
    return {
        "token_type": grant.token_type,
        "expires_in": grant.expires_in,
        "access_token": grant.access_token,
        "refresh_token": grant.refresh_token,
    }


@routes.post("/oauth/revoke", AUTHENTICATED, prefix="", tag="Autenticação", operation_id="oauth_revoke",
             summary="Revogar o token atual (logout)",
             description="O access token usado na chamada e todos os tokens obtidos do mesmo login deixam de valer.",
             body=Body("RevogarToken", (REVOKED_REFRESH_TOKEN,), required=False))
def revoke(request: ApiRequest) -> Payload:
    fields = request.fields()
    request.container.auth.revoke(request.user, REVOKED_REFRESH_TOKEN.read(fields))
    return success("Token revogado com sucesso.")


@routes.post(USERS, ADMIN_ONLY, summary="Cadastrar usuário da API",
             body=Body("NovoUsuario", (USERNAME, PASSWORD, NAME, PERMISSIONS, ADMIN, TECHNICIAN)),
             result=("usuario", ref("Usuario")))
def create_user(request: ApiRequest) -> Payload:
    fields = request.fields()
    new = NewUser(
        # Its length and characters are the domain's rules (user_errors), reported with the format errors.
        username=fields.text(USERNAME.name, required=True, max_len=USERNAME.max_len),
        password=_password(fields.raw(PASSWORD.name), fields.errors),
        name=NAME.read(fields),
        permissions=tuple(PERMISSIONS.read(fields)),
        is_admin=ADMIN.read(fields),
        technician_id=TECHNICIAN.read_optional(fields),
    )
    # Report the domain's rules together with the format errors, once per field.
    fields.add_rule_errors(user_errors(new))
    fields.check()
    user = request.container.auth.create_user(new)
    return success("Usuário cadastrado com sucesso.", usuario=render_user(user))


@routes.put(USERS + "/{id_usuario}", ADMIN_ONLY, path_params=(USER,), summary="Alterar usuário da API",
            description="Altera os campos enviados; `permissoes` substitui a lista. Desativar um usuário revoga "
                        "todos os seus tokens na hora: ele não consegue mais entrar nem renovar. Recusado, sem "
                        "alterar nada: desativar a si mesmo ou remover a própria permissão de administrador, e "
                        "qualquer alteração que deixaria o provedor sem administrador ativo.",
            body=Body("AlteracaoUsuario", (NEW_NAME, PERMISSIONS, ADMIN, LINKED_TECHNICIAN, ACTIVE),
                      description="Ao menos um campo."),
            result=("usuario", ref("Usuario")))
def change_user(request: ApiRequest, user_id: int) -> Payload:
    fields = request.fields()
    change = UserChange(
        name=NEW_NAME.read_changed(fields),
        # An empty list (or "", as a form sends it) takes every permission away.
        permissions=tuple(PERMISSIONS.read(fields)) if fields.sent(PERMISSIONS.name) else None,
        is_admin=ADMIN.read_optional(fields),
        technician_id=_technician_link(fields),
        active=ACTIVE.read_optional(fields),
    )
    fields.add_rule_errors(change_errors(change))
    fields.check()
    user = request.container.auth.change_user(user_id, change, request.user)
    return success("Usuário alterado com sucesso.", usuario=render_user(user))


@routes.get(USERS, ADMIN_ONLY, summary="Listar usuários da API", result=("usuarios", list_of("Usuario")))
def list_users(request: ApiRequest) -> Payload:
    users = request.container.auth.list_users()
    return success("Usuários consultados com sucesso.", usuarios=[render_user(u) for u in users])


@routes.get("/configuracao/permissao", AUTHENTICATED, summary="Listar permissões",
            description="Os nomes de permissão aceitos em `permissoes` ao cadastrar usuários.",
            result=("permissoes", list_of("Permissao")))
def list_permissions(request: ApiRequest) -> Payload:
    return success("Permissões consultadas com sucesso.", permissoes=list(ALL_PERMISSIONS))


@routes.get("/usuario_atual", AUTHENTICATED, summary="Usuário autenticado",
            description="Quem é o dono do token e quais permissões tem.", result=("usuario", ref("UsuarioAtual")))
def me(request: ApiRequest) -> Payload:
    principal: Principal = request.user
    return success("Usuário autenticado.", usuario={
        "id": principal.user_id, "username": principal.username, "admin": principal.is_admin,
        "id_tecnico": principal.technician_id, "permissoes": list(principal.effective_permissions),
    })


@routes.post(USERS + "/{id_usuario}/revogar_tokens", ADMIN_ONLY, path_params=(USER,),
             summary="Revogar os tokens de um usuário",
             description="Todos os tokens do usuário deixam de valer; ele precisa obter um novo.")
def revoke_user_tokens(request: ApiRequest, user_id: int) -> Payload:
    user = request.container.auth.revoke_user_tokens(user_id)
    return success(f"Todos os tokens do usuário {user.username} foram revogados.")


@routes.get(USERS + "/{id_usuario}/bloqueios_login", ADMIN_ONLY, path_params=(USER,),
            summary="Bloqueios de login de um usuário",
            description="Os endereços de origem que erraram a senha deste usuário e esperam agora (atraso "
                        "progressivo, depois bloqueio). Um endereço bloqueado não bloqueia os outros.",
            result=("bloqueios", list_of("BloqueioLogin")))
def login_blocks(request: ApiRequest, user_id: int) -> Payload:
    blocks = request.container.auth.login_blocks(user_id)
    return success("Bloqueios de login consultados com sucesso.", bloqueios=[
        {"endereco": block.address, "tentativas": block.attempts,
         "bloqueado_ate": block.not_before.isoformat() if block.not_before else None}
        for block in blocks
    ])


@routes.post(USERS + "/{id_usuario}/desbloquear_login", ADMIN_ONLY, path_params=(USER,),
             summary="Desbloquear o login de um usuário",
             description="Apaga as contagens de tentativas do usuário em todos os endereços: o login volta a ser "
                         "aceito na hora. Responde `enderecos_liberados`.",
             result=("enderecos_liberados", {"type": "integer"}))
def unlock_login(request: ApiRequest, user_id: int) -> Payload:
    user, cleared = request.container.auth.unlock_login(user_id)
    return success(f"Login do usuário {user.username} desbloqueado ({cleared} endereço(s) liberado(s)).",
                   enderecos_liberados=cleared)


@routes.post(USERS + "/revogar_tokens", ADMIN_ONLY, summary="Revogar os tokens de todos os usuários",
             description="Após um vazamento ou atualização de segurança: todos precisam obter um novo token.")
def revoke_all_tokens(request: ApiRequest) -> Payload:
    count = request.container.auth.revoke_all_tokens()
    return success(f"Tokens de {count} usuário(s) revogados. Todos devem obter um novo token.")


def render_user(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "nome": user.name,
        "admin": user.is_admin,
        "permissoes": list(ALL_PERMISSIONS if user.is_admin else user.permissions),
        "id_tecnico": user.technician_id,
        "ativo": user.active,
    }


def _technician_link(fields: Fields) -> int | None:
    """None when not sent; UNLINK_TECHNICIAN for null, 0 or ""; else the technician's id."""
    if not fields.sent(LINKED_TECHNICIAN.name):
        return None
    value = LINKED_TECHNICIAN.read(fields)
    if value is None or value == "" or (not isinstance(value, bool) and parse_int(value) == 0):
        return UNLINK_TECHNICIAN
    return fields.identifier(LINKED_TECHNICIAN.name)


def _password(value: Any, errors: list[str]) -> str:
    if value is None or value == "":
        errors.append("O campo password é obrigatório.")
        return ""
    if not isinstance(value, str):
        errors.append("O campo password deve ser um texto.")
        return ""
    if len(value) > 200:
        errors.append("O campo password não pode ser superior a 200 caracteres.")
        return ""
    return value

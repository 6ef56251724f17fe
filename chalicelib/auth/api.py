"""The auth routes' edge: read the request's fields, call AuthService, shape the answer."""
from __future__ import annotations

from typing import Any

from chalicelib.auth.model import NewUser, Principal, User
from chalicelib.auth.permissions import ALL_PERMISSIONS
from chalicelib.auth.service import TokenRequest, user_errors
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Routes

routes = Routes(__name__, tag="Usuários",
                tag_description="Usuários da API, permissões e revogação de tokens.")


def token(request: ApiRequest) -> Payload:
    data = request.input

    def text(key: str) -> str:
        value = data.get(key)
        return str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""

    grant = request.container.auth.grant(TokenRequest(
        grant_type=text("grant_type"), client_id=text("client_id"), client_secret=text("client_secret"),
        username=text("username"), password=str(data.get("password") or "") if isinstance(
            data.get("password"), str) else "",
        refresh_token=text("refresh_token"), source_address=request.source_ip,
    ))
    return {
        "token_type": grant.token_type,
        "expires_in": grant.expires_in,
        "access_token": grant.access_token,
        "refresh_token": grant.refresh_token,
    }


def revoke(request: ApiRequest) -> Payload:
    fields = request.fields()
    request.container.auth.revoke(request.user, fields.text("refresh_token", max_len=200))
    return success("Token revogado com sucesso.")


def create_user(request: ApiRequest) -> Payload:
    fields = request.fields()
    new = NewUser(
        username=fields.text("username", required=True, max_len=100),
        password=_password(request.input.get("password"), fields.errors),
        name=fields.text("nome", required=True, max_len=150),
        permissions=tuple(fields.text_list("permissoes", max_items=len(ALL_PERMISSIONS))),
        is_admin=fields.boolean("admin"),
        technician_id=fields.optional_identifier("id_tecnico"),
    )
    # Report the domain's rules together with the format errors, once per field.
    fields.add_rule_errors(user_errors(new))
    fields.check()
    user = request.container.auth.create_user(new)
    return success("Usuário cadastrado com sucesso.", usuario=render_user(user))


def list_users(request: ApiRequest) -> Payload:
    users = request.container.auth.list_users()
    return success("Usuários consultados com sucesso.", usuarios=[render_user(u) for u in users])


def list_permissions(request: ApiRequest) -> Payload:
    return success("Permissões consultadas com sucesso.", permissoes=list(ALL_PERMISSIONS))


def me(request: ApiRequest) -> Payload:
    principal: Principal = request.user
    return success("Usuário autenticado.", usuario={
        "id": principal.user_id, "username": principal.username, "admin": principal.is_admin,
        "id_tecnico": principal.technician_id, "permissoes": list(principal.effective_permissions),
    })


def revoke_user_tokens(request: ApiRequest, user_id: int) -> Payload:
    user = request.container.auth.revoke_user_tokens(user_id)
    return success(f"Todos os tokens do usuário {user.username} foram revogados.")


def login_blocks(request: ApiRequest, user_id: int) -> Payload:
    blocks = request.container.auth.login_blocks(user_id)
    return success("Bloqueios de login consultados com sucesso.", bloqueios=[
        {"endereco": block.address, "tentativas": block.attempts,
         "bloqueado_ate": block.not_before.isoformat() if block.not_before else None}
        for block in blocks
    ])


def unlock_login(request: ApiRequest, user_id: int) -> Payload:
    user, cleared = request.container.auth.unlock_login(user_id)
    return success(f"Login do usuário {user.username} desbloqueado ({cleared} endereço(s) liberado(s)).",
                   enderecos_liberados=cleared)


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

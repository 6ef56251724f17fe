"""Operator commands against a deployed stage's tables.

    python -m ops create-user --username joao --nome "João" --permissao "Consultar clientes"
    python -m ops create-client --client-id 1 --nome "Bot do WhatsApp" --gerar
    python -m ops revoke-tokens --username joao | --todos
    python -m ops unlock-login --username joao
    python -m ops list-users [--json]
    python -m ops set-gateway --gateway cielo --secret-id isp-backend/prod/cielo [--ativar] [--producao]
    python -m ops set-zapme --secret-id isp-backend/prod/zapme [--ativar]
    python -m ops record-technician-time [--desde 2026-12-01] [--dias 366]
    python -m ops count-profile-usage

AWS credentials come from the usual boto chain (environment, profile, SSO,
instance role); ``--region`` and ``--endpoint-url`` pick the stage (the
endpoint is for the local stack and tests). Secrets are never read from the
command line, where they would end up in the shell history and in ``ps``:
passwords come from ``getpass`` (or ``OPS_PASSWORD`` for automation) and client
secrets from ``getpass``, ``OPS_CLIENT_SECRET`` or ``--gerar``. Gateway and ZapMe
credentials come from a Secrets Manager secret (a JSON object) and go through
the same services as ``PUT configuracao/integracao/...``, which seal them with
KMS in the settings table; their values are never printed.

Success goes to stdout; refusals, in Portuguese, to stderr with exit code 1.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import TextIO

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from chalicelib.auth.model import NewUser, User
from chalicelib.auth.permissions import ALL_PERMISSIONS
from chalicelib.billing.gateways.registry import PRODUCTION, SANDBOX, registry
from chalicelib.billing.gateways.settings import GatewayChange
from chalicelib.clock import local
from chalicelib.config import ENV_ENDPOINT_URL, ENV_REGION, Settings, load_settings
from chalicelib.container import Container, build_container
from chalicelib.errors import ConfigurationError, DomainError
from chalicelib.notify.channels import WHATSAPP
from chalicelib.periods import MAX_PERIOD, Period
from chalicelib.service_orders.listing import OrderFilter
from chalicelib.service_orders.model import PENDING

ENV_PASSWORD = "OPS_PASSWORD"
ENV_CLIENT_SECRET = "OPS_CLIENT_SECRET"
GENERATED_SECRET_BYTES = 32  # 256 bits, URL-safe text of 43 characters

Prompt = Callable[[str], str]


class OpsError(Exception):
    """A refusal of the command itself (not of the domain): shown, exit 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ops",
        description="Comandos de operação para um estágio implantado: usuários da API, clientes OAuth, tokens "
                    "e credenciais das integrações (do Secrets Manager).",
    )
    parser.add_argument("--region", help="região AWS do estágio (padrão: AWS_REGION / AWS_DEFAULT_REGION)")
    parser.add_argument("--endpoint-url", help="endpoint AWS alternativo (pilha local, testes)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="comando")

    user = commands.add_parser(
        "create-user", help="cadastra um usuário da API",
        description=f"Cadastra um usuário da API. A senha é pedida no terminal (ou lida de {ENV_PASSWORD}).",
    )
    user.add_argument("--username", required=True)
    user.add_argument("--nome", required=True, help="nome de exibição")
    user.add_argument("--admin", action="store_true", help="administrador: todas as permissões")
    user.add_argument("--permissao", action="append", default=[], metavar="NOME",
                      help="permissão concedida (repita a opção); nomes: " + "; ".join(ALL_PERMISSIONS))
    user.add_argument("--id-tecnico", type=int, help="técnico ligado ao usuário (vê só as próprias OS)")

    client = commands.add_parser(
        "create-client", help="cadastra um cliente OAuth (client_id/client_secret)",
        description=f"Cadastra um cliente OAuth. O segredo é pedido no terminal (ou lido de {ENV_CLIENT_SECRET}); "
                    "com --gerar, um segredo forte é gerado e mostrado uma única vez.",
    )
    client.add_argument("--client-id", required=True)
    client.add_argument("--nome", required=True, help="nome da integração")
    client.add_argument("--gerar", action="store_true", help="gera o client_secret e o mostra uma única vez")

    revoke = commands.add_parser("revoke-tokens", help="revoga tokens: de um usuário ou de todos")
    who = revoke.add_mutually_exclusive_group(required=True)
    who.add_argument("--username", help="revoga todos os tokens deste usuário")
    who.add_argument("--todos", action="store_true", help="revoga os tokens de todos os usuários")

    unlock = commands.add_parser("unlock-login", help="libera o login de um usuário bloqueado por senhas erradas")
    unlock.add_argument("--username", required=True)

    listing = commands.add_parser("list-users", help="lista os usuários da API")
    listing.add_argument("--json", action="store_true", help="saída em JSON")

    busy = commands.add_parser(
        "record-technician-time", help="registra nas agendas dos técnicos as OS agendadas antes delas",
        description="Registra cada OS pendente com técnicos e início programado no período nas agendas diárias "
                    "dos seus técnicos (as OS agendadas antes de o sistema impedir um técnico em duas OS ao mesmo "
                    "tempo). Pode ser repetido. Lista as OS em conflito, que ficam de fora até serem "
                    "reagendadas (código de saída 1).",
    )
    busy.add_argument("--desde", type=date.fromisoformat, help="primeiro dia (AAAA-MM-DD; padrão: hoje)")
    busy.add_argument("--dias", type=int, default=366, help="quantos dias a partir dele (padrão: 366)")

    commands.add_parser(
        "count-profile-usage", help="conta nos perfis de suspensão os serviços que os escolheram antes da contagem",
        description="Uma vez, depois de implantar a contagem de uso dos perfis de suspensão: conta cada serviço "
                    "cujo perfil foi escolhido antes dela e então marca a contagem de cada perfil como completa "
                    "(até lá, um perfil anterior à contagem não pode ser excluído). Lê a tabela de clientes inteira. "
                    "Pode ser repetido e rodar com a API em uso. Lista os serviços cujo perfil não existe (código "
                    "de saída 1): eles seguem o perfil padrão até receberem um perfil existente.",
    )

    gateway = commands.add_parser(
        "set-gateway", help="grava as credenciais de um gateway de cartão lidas do Secrets Manager",
        description="Lê as credenciais do gateway de um segredo do Secrets Manager (JSON: "
                    f"{_fields()}) e as grava cifradas, como "
                    "PUT configuracao/integracao/cartao_credito/{gateway}. O que não for informado "
                    "mantém o valor atual (um gateway novo fica inativo, em produção, sem recorrência automática).",
    )
    gateway.add_argument("--gateway", required=True, choices=registry.names())
    gateway.add_argument("--secret-id", required=True, help="nome ou ARN do segredo")
    _add_activation(gateway, "ativa este gateway (o ativo até então deixa de sê-lo)")
    environment = gateway.add_mutually_exclusive_group()
    environment.add_argument("--sandbox", dest="ambiente", action="store_const", const=SANDBOX,
                             help="usa o ambiente de testes do gateway")
    environment.add_argument("--producao", dest="ambiente", action="store_const", const=PRODUCTION,
                             help="usa o ambiente de produção do gateway")
    recurrence = gateway.add_mutually_exclusive_group()
    recurrence.add_argument("--recorrencia-automatica", dest="recorrencia", action="store_const", const=True,
                            help="permite que a cobrança recorrente use a recorrência do gateway")
    recurrence.add_argument("--sem-recorrencia-automatica", dest="recorrencia", action="store_const", const=False)

    zapme = commands.add_parser(
        "set-zapme", help="grava as credenciais da ZapMe lidas do Secrets Manager",
        description="Lê as credenciais da ZapMe de um segredo do Secrets Manager (JSON: api, secret e, "
                    "opcionalmente, url) e as grava cifradas, como PUT configuracao/integracao/zapme. "
                    "Sem --ativar/--desativar mantém o estado atual (uma integração nova fica inativa).",
    )
    zapme.add_argument("--secret-id", required=True, help="nome ou ARN do segredo")
    _add_activation(zapme, "ativa o envio de notificações pela ZapMe")
    return parser


def _add_activation(parser: argparse.ArgumentParser, help_on: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--ativar", dest="ativo", action="store_const", const=True, help=help_on)
    group.add_argument("--desativar", dest="ativo", action="store_const", const=False)


def _fields() -> str:
    """``Cielo {merchant_id, merchant_key}; GetNet {...}``: each gateway's credential fields."""
    return "; ".join(f"{spec.label} {{{', '.join(spec.credential_fields)}}}" for spec in registry.specs())


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    prompt: Prompt = getpass.getpass,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    env = os.environ if environ is None else environ
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args, env, err)
        container = build_container(settings)
        if args.command == "set-gateway":
            return _set_gateway(args, container, _read_secret(settings, args.secret_id), out)
        if args.command == "set-zapme":
            return _set_zapme(args, container, _read_secret(settings, args.secret_id), out)
        return _run(args, container, env, prompt, out)
    except DomainError as exc:
        _print_refusal(exc.message, exc.errors, err)
    except (OpsError, ConfigurationError) as exc:
        _print_refusal(str(exc), [], err)
    except (BotoCoreError, ClientError, PynamoDBException) as exc:  # credentials, region, missing tables
        _print_refusal(f"Falha ao acessar a AWS: {type(exc).__name__}: {exc}", [], err)
    return 1


def _settings(args: argparse.Namespace, env: Mapping[str, str], err: TextIO) -> Settings:
    overrides = dict(env)
    if args.region:
        overrides[ENV_REGION] = args.region
    if args.endpoint_url:
        overrides[ENV_ENDPOINT_URL] = args.endpoint_url
    settings = load_settings(overrides)
    if settings.password_hash_profile != "standard" and not settings.endpoint_url:
        print("Aviso: PASSWORD_HASH_PROFILE não é 'standard': os hashes gravados serão fracos "
              "(use apenas em testes).", file=err)
    return settings


def _run(args: argparse.Namespace, container: Container, env: Mapping[str, str], prompt: Prompt,
         out: TextIO) -> int:
    if args.command == "create-user":
        return _create_user(args, container, env, prompt, out)
    if args.command == "create-client":
        return _create_client(args, container, env, prompt, out)
    if args.command == "revoke-tokens":
        return _revoke_tokens(args, container, out)
    if args.command == "unlock-login":
        return _unlock_login(args, container, out)
    if args.command == "record-technician-time":
        return _record_technician_time(args, container, out)
    if args.command == "count-profile-usage":
        return _count_profile_usage(container, out)
    return _list_users(args, container, out)


def _count_profile_usage(container: Container, out: TextIO) -> int:
    """The services first (each counted once, by a conditional write), then every profile's count is complete:
    from then on the deploy's code counts every change in the same write."""
    report = container.customers.count_profile_usage()
    finished = container.suspension_profiles.finish_usage_count()
    print(f"{report.counted} serviço(s) contados nos seus perfis de suspensão; {finished} perfil(is) com a contagem "
          "completa a partir de agora.", file=out)
    for service_id in report.missing_profile:
        print(f"Serviço {service_id}: o perfil de suspensão dele não existe; segue o perfil padrão até receber "
              f"outro (PUT cliente_servico/{service_id}/perfil_suspensao).", file=out)
    return 1 if report.missing_profile else 0


def _record_technician_time(args: argparse.Namespace, container: Container, out: TextIO) -> int:
    """Each pending OS with technicians whose programmed start is in the period, recorded in its technicians'
    days; a conflict is reported and the rest carry on (the operator reschedules one of the two)."""
    if not 1 <= args.dias <= MAX_PERIOD.days:
        raise OpsError(f"--dias deve estar entre 1 e {MAX_PERIOD.days}.")
    first = datetime.combine(args.desde or local(container.clock(), container.settings.zone).date(), time())
    period = Period(first, first + timedelta(days=args.dias) - timedelta(microseconds=1))
    recorded, conflicts = 0, 0
    for order in container.order_listing.find(OrderFilter(period=period, statuses=frozenset({PENDING}))):
        try:
            recorded += container.service_orders.record_technician_time(order.id)
        except DomainError as refused:
            conflicts += 1
            print(f"OS {order.number}: {refused.message}", file=out)
    print(f"{recorded} OS registradas nas agendas dos técnicos; {conflicts} em conflito.", file=out)
    return 1 if conflicts else 0


def _create_user(args: argparse.Namespace, container: Container, env: Mapping[str, str], prompt: Prompt,
                 out: TextIO) -> int:
    password = _secret(env, ENV_PASSWORD, prompt, f"Senha de {args.username}: ")
    user = container.auth.create_user(NewUser(
        username=args.username, password=password, name=args.nome, permissions=tuple(args.permissao),
        is_admin=args.admin, technician_id=args.id_tecnico,
    ))
    access = "administrador (todas as permissões)" if user.is_admin else (
        ", ".join(user.permissions) or "nenhuma permissão")
    print(f"Usuário {user.username} cadastrado com o ID {user.id}: {access}.", file=out)
    return 0


def _create_client(args: argparse.Namespace, container: Container, env: Mapping[str, str], prompt: Prompt,
                   out: TextIO) -> int:
    if args.gerar:
        secret = secrets.token_urlsafe(GENERATED_SECRET_BYTES)
    else:
        secret = _secret(env, ENV_CLIENT_SECRET, prompt, f"client_secret de {args.client_id}: ")
    if not container.auth.ensure_client(args.client_id, secret, args.nome):
        raise OpsError(f"O cliente OAuth {args.client_id.strip()} já existe; nada foi alterado.")
    print(f"Cliente OAuth {args.client_id.strip()} ({args.nome}) cadastrado.", file=out)
    if args.gerar:
        print(f"client_secret: {secret}", file=out)
        print("Guarde-o agora: ele não é armazenado e não poderá ser mostrado de novo.", file=out)
    return 0


def _revoke_tokens(args: argparse.Namespace, container: Container, out: TextIO) -> int:
    if args.todos:
        count = container.auth.revoke_all_tokens()
        print(f"Tokens de {count} usuário(s) revogados. Todos devem obter um novo token.", file=out)
        return 0
    user = _known_user(args.username, container)
    container.auth.revoke_user_tokens(user.id)
    print(f"Todos os tokens do usuário {user.username} foram revogados.", file=out)
    return 0


def _unlock_login(args: argparse.Namespace, container: Container, out: TextIO) -> int:
    user = _known_user(args.username, container)
    _, cleared = container.auth.unlock_login(user.id)
    print(f"Login do usuário {user.username} desbloqueado ({cleared} endereço(s) liberado(s)).", file=out)
    return 0


def _known_user(username: str, container: Container) -> User:
    wanted = username.strip().lower()
    user = next((u for u in container.auth.list_users() if u.username == wanted), None)
    if user is None:
        raise OpsError(f"Usuário {wanted} não encontrado.")
    return user


def _list_users(args: argparse.Namespace, container: Container, out: TextIO) -> int:
    users = container.auth.list_users()
    if args.json:
        print(json.dumps([_user_json(u) for u in users], ensure_ascii=False, indent=2), file=out)
        return 0
    if not users:
        print("Nenhum usuário cadastrado.", file=out)
        return 0
    rows = [("ID", "USERNAME", "NOME", "ADMIN", "ATIVO", "TÉCNICO", "PERMISSÕES")]
    for u in users:
        rows.append((str(u.id), u.username, u.name, "sim" if u.is_admin else "não", "sim" if u.active else "não",
                     str(u.technician_id or "-"), "todas" if u.is_admin else ", ".join(u.permissions) or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1],
              file=out)
    return 0


def _read_secret(settings: Settings, secret_id: str) -> dict[str, object]:
    """The secret's JSON object. Errors name the secret, never its content."""
    import boto3

    client = boto3.session.Session().client("secretsmanager", region_name=settings.region,
                                            endpoint_url=settings.endpoint_url)
    try:
        answer = client.get_secret_value(SecretId=secret_id)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            raise OpsError(f"Segredo {secret_id} não encontrado no Secrets Manager ({settings.region}).") from None
        if code in ("AccessDeniedException", "AccessDenied"):
            raise OpsError(f"Sem permissão para ler o segredo {secret_id}: o operador precisa de "
                           "secretsmanager:GetSecretValue nele (e kms:Decrypt, se ele usar uma chave própria).") \
                from None
        raise
    text = answer.get("SecretString")
    if text is None:
        raise OpsError(f"O segredo {secret_id} é binário; grave-o como texto JSON.")
    try:
        value = json.loads(text)
    except ValueError:
        value = None  # the parser's message would quote the secret
    if not isinstance(value, dict):
        raise OpsError(f"O segredo {secret_id} deve ser um objeto JSON (chave/valor).")
    return value


def _credentials(secret_id: str, value: Mapping[str, object], names: Sequence[str]) -> dict[str, str]:
    """The named fields, each a non-empty text; other keys of the secret are ignored."""
    missing = [n for n in names if not isinstance(value.get(n), str) or not str(value.get(n)).strip()]
    if missing:
        raise OpsError(f"O segredo {secret_id} não tem {', '.join(missing)} (texto não vazio). "
                       f"Campos esperados: {', '.join(names)}.")
    return {n: str(value[n]).strip() for n in names}


def _set_gateway(args: argparse.Namespace, container: Container, value: Mapping[str, object], out: TextIO) -> int:
    credentials = _credentials(args.secret_id, value, registry.get(args.gateway).credential_fields)
    # What is not given keeps its value (the service's rule); a new gateway set up here is in production.
    new = container.gateway_settings.config(args.gateway) is None
    config = container.gateway_settings.configure(GatewayChange(
        gateway=args.gateway, active=args.ativo, environment=args.ambiente or (PRODUCTION if new else None),
        allows_auto_recurrence=args.recorrencia, credentials=credentials,
    ), _operator(args.secret_id))
    state = "ativo" if config.active else "inativo (use --ativar para ativá-lo)"
    print(f"Gateway {config.gateway} configurado a partir do segredo {args.secret_id}: {state}, "
          f"ambiente {config.environment}, recorrência automática "
          f"{'permitida' if config.allows_auto_recurrence else 'não permitida'}.", file=out)
    print(f"Credenciais gravadas cifradas: {', '.join(credentials)} (valores não exibidos).", file=out)
    return 0


def _set_zapme(args: argparse.Namespace, container: Container, value: Mapping[str, object], out: TextIO) -> int:
    credentials = _credentials(args.secret_id, value, ("api", "secret"))
    url = value.get("url")
    # The service checks the address against ZAPME_ALLOWED_HOSTS, as for the API.
    if url is not None and not isinstance(url, str):
        raise OpsError(f"O campo url do segredo {args.secret_id} deve ser um texto (https://...).")
    current = container.notification_settings.config(WHATSAPP)
    active = args.ativo if args.ativo is not None else bool(current and current.active)
    config = container.notification_settings.configure(WHATSAPP, active, credentials["api"], credentials["secret"],
                                                        url, _operator(args.secret_id))
    state = "ativa" if config.active else "inativa (use --ativar para ativá-la)"
    print(f"Integração com a ZapMe configurada a partir do segredo {args.secret_id}: {state}"
          f"{', URL ' + config.url if config.url else ''}.", file=out)
    print("Credenciais gravadas cifradas: api, secret (valores não exibidos).", file=out)
    return 0


def _operator(secret_id: str) -> str:
    """Who changed the settings, as the API records its user: here, the command and its source."""
    return f"ops:{secret_id}"[:200]


def _user_json(user: User) -> dict[str, object]:
    return {
        "id": user.id, "username": user.username, "nome": user.name, "admin": user.is_admin,
        "permissoes": list(ALL_PERMISSIONS if user.is_admin else user.permissions),
        "id_tecnico": user.technician_id, "ativo": user.active,
    }


def _secret(env: Mapping[str, str], variable: str, prompt: Prompt, label: str) -> str:
    """From the environment (automation) or typed twice without echo."""
    value = env.get(variable)
    if value:
        return value
    first = prompt(label)
    if not first:
        raise OpsError(f"Nenhum segredo informado (digite-o ou defina {variable}).")
    if prompt("Repita para confirmar: ") != first:
        raise OpsError("Os valores digitados não conferem; nada foi alterado.")
    return first


def _print_refusal(message: str, errors: Sequence[str], err: TextIO) -> None:
    print(f"Erro: {message}", file=err)
    for error in errors:
        if error != message:
            print(f"  - {error}", file=err)

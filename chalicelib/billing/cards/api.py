"""The card panel's routes: card gateway settings and
customers' cards. A card number and CVV are read from the request, checked,
sent to the gateway's tokenization and forgotten: no response, log line or
stored item carries them.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.auth.permissions import Permission
from chalicelib.billing.cards.service import Card, NewCard, Wallet, unavailable
from chalicelib.billing.gateways.registry import ENVIRONMENTS, GatewaySpec, registry
from chalicelib.billing.gateways.settings import GatewayChange, GatewayConfig
from chalicelib.billing.recurring.choice import RecurringChoice
from chalicelib.clock import local
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.input_rules import is_digits
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.inputs import CARD_NUMBER_FIELD
from chalicelib.web.routes import Body, PathId, PathText, Routes
from chalicelib.web.schema import Bool, Choice, Id, Integer, Obj, Text, envelope, list_of, object_of, read, ref

routes = Routes(__name__, tag="Cartões",
                tag_description="Gateways de cartão e cartões dos clientes, guardados como tokens cifrados.")
routes.schemas({
    "IntegracaoCartao": object_of(optional={
        "gateway": {"type": "string", "enum": list(registry.names())}, "ativo": {"type": "boolean"},
        "ambiente": {"type": "string"}, "permite_recorrencia_automatica": {"type": "boolean"},
        "credenciais": {"type": "object", "description": "Só identificadores (merchant_id; client_id e "
                                                       "seller_id); chaves e segredos nunca."},
        "credenciais_configuradas": {"type": "boolean"},
        "data_alteracao": {"type": "string"}, "usuario_alteracao": {"type": ["string", "null"]},
    }),
    "Cartao": object_of(optional={
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
    }),
    "GatewayDisponivel": object_of({
        "gateway": {"type": "string", "enum": list(registry.names())}, "nome": {"type": "string"},
        "credenciais": {"type": "array", "items": {"type": "string"},
                        "description": "Os campos de `credenciais` que o gateway exige."},
        "credenciais_visiveis": {"type": "array", "items": {"type": "string"},
                                 "description": "Os identificadores entre elas, devolvidos em claro."},
        "ambientes": {"type": "array", "items": {"type": "string", "enum": list(ENVIRONMENTS)}},
    }),
    "CobrancaServico": object_of(optional={
        "id_cliente_servico": {"type": "integer"}, "pagamento_recorrente": {"type": "boolean"},
        "id_cartao": {"type": ["integer", "null"]}, "cartao_efetivo": {"oneOf": [ref("Cartao"), {"type": "null"}]},
    }),
})

NO_EDIT = "Não é possível editar os dados de cartão; remova-o e cadastre um novo."
MAX_HOLDER = 25  # Cielo's Holder limit; GetNet's is larger
CREDENTIAL_MAX = 200
# The gateways registered when the routes are declared (billing.gateways.registry): the document lists these.
GATEWAYS = registry.names()
CREDENTIAL_FIELDS = {spec.name: spec.credential_fields for spec in registry.specs()}
GATEWAY_NAMES = " ou ".join(f"`{gateway}`" for gateway in GATEWAYS)

GATEWAY = PathText("gateway", f"{GATEWAY_NAMES}.", options=GATEWAYS)
CUSTOMER = PathId("id_cliente", "ID do cliente (`id_cliente`).")
CARD = PathId("id_cartao", "ID do cartão (`id_cartao`).")
SERVICE = PathId("id_cliente_servico", "ID do serviço do cliente (`id_cliente_servico`).")

# -- gateway settings: a field left out keeps its value
ACTIVE = Bool("ativo", "Onde os cartões novos são cadastrados (um ativo por vez: ativar este desativa o outro). "
                       "Cada cartão continua cobrado no gateway em que foi cadastrado.")
ENVIRONMENT = Choice("ambiente", "Ausente: mantém o atual (integração nova: `sandbox`). Trocar o ambiente exige "
                                 "`credenciais` na mesma requisição: as gravadas não vão para o outro ambiente.",
                     options=ENVIRONMENTS)
AUTO_RECURRENCE = Bool("permite_recorrencia_automatica",
                       "Permite Recorrência Automática (Sim/Não) para os cartões deste gateway. Ausente: mantém o "
                       "valor atual (integração nova: não).")
# What ``credenciais`` must hold for each gateway, every field required; the document lists them all, each saying
# which gateways need it.
CREDENTIALS: Mapping[str, tuple[Text, ...]] = {
    gateway: tuple(Text(name, required=True, max_len=CREDENTIAL_MAX) for name in names)
    for gateway, names in CREDENTIAL_FIELDS.items()
}


def _credential_fields() -> tuple[Text, ...]:
    needed_by: dict[str, list[str]] = {}
    for gateway, names in CREDENTIAL_FIELDS.items():
        for name in names:
            needed_by.setdefault(name, []).append(gateway)
    return tuple(Text(name, f"Obrigatório para {' e '.join(f'`{g}`' for g in gateways)}.", max_len=CREDENTIAL_MAX)
                 for name, gateways in needed_by.items())


def _credentials_description() -> str:
    each = " ".join(f"`{gateway}`: {', '.join(names)}." for gateway, names in CREDENTIAL_FIELDS.items())
    return (f"{each} Guardadas cifradas; nunca devolvidas. Ausente: mantém as já guardadas (não ao trocar o "
            "`ambiente`).")


GIVEN_CREDENTIALS = Obj("credenciais", _credentials_description(), of=_credential_fields())

# -- a new card: number and CVV go to the gateway only (never stored, logged or accepted in the query string)
NUMBER = Text(CARD_NUMBER_FIELD, "Enviado só ao gateway ativo, que valida o cartão com o emissor (Zero Auth / "
                                 "verificação) e o tokeniza; nunca guardado. Cartão recusado pelo emissor: nada é "
                                 "gravado.", required=True, max_len=23)
HOLDER = Text("nome_titular", "Como impresso no cartão.", required=True, max_len=MAX_HOLDER)
EXPIRY_MONTH = Integer("mes_validade", required=True, minimum=1, maximum=12)
EXPIRY_YEAR = Integer("ano_validade", required=True, minimum=0, maximum=2200, extra={"examples": [2031, "31"]})
CVV = Text("cvv", "Enviado só à validação do cartão com o emissor e descartado (a cobrança recorrente não o usa).",
           max_len=4)
MAKE_DEFAULT = Bool("padrao", "O primeiro cartão é sempre o padrão.", extra={"default": False})

# -- recurring payment of a service
RECURRING = Bool("pagamento_recorrente", required=True)
CHOSEN_CARD = Id("id_cartao", "Nulo ou ausente: o cartão padrão do cliente.")


# -------------------------------------------------------- gateway settings
@routes.put("/configuracao/integracao/cartao_credito/{gateway}", Permission.CONFIGURAR_INTEGRACOES,
            summary="Configurar gateway de cartão de crédito",
            description=f"`gateway`: {GATEWAY_NAMES}; todas as integrações podem existir ao mesmo tempo. Credenciais "
                        "cifradas (KMS) e nunca devolvidas. O que não for enviado mantém o valor atual, exceto que "
                        "trocar o `ambiente` exige as `credenciais` na mesma requisição.",
            path_params=(GATEWAY,),
            body=Body("ConfiguracaoGatewayCartao", (ACTIVE, ENVIRONMENT, AUTO_RECURRENCE, GIVEN_CREDENTIALS),
                      description="Campo ausente: mantém o valor atual (integração nova: inativa, `sandbox`, sem "
                                  "recorrência automática; credenciais obrigatórias)."),
            result=("integracao", ref("IntegracaoCartao")))
def configure_gateway(request: ApiRequest, gateway: str) -> Payload:
    """A setting left out keeps its value."""
    if gateway not in GATEWAYS:
        raise NotFoundError(f"Gateway {gateway} não encontrado. Use: {', '.join(GATEWAYS)}.")
    fields = request.fields()
    active = ACTIVE.read_optional(fields)
    environment = ENVIRONMENT.read(fields) or None
    auto = AUTO_RECURRENCE.read_optional(fields)
    credentials = None
    if fields.has(GIVEN_CREDENTIALS.name):
        given = GIVEN_CREDENTIALS.read(fields)
        credentials = {credential.name: credential.read(given) for credential in CREDENTIALS[gateway]}
    fields.check()
    config = request.container.gateway_settings.configure(
        GatewayChange(gateway=gateway, active=active, environment=environment, allows_auto_recurrence=auto,
                      credentials=credentials), request.user.username)
    return success("Integração de cartão de crédito salva com sucesso.",
                   integracao=_config_shape(request, config))


@routes.delete("/configuracao/integracao/cartao_credito/{gateway}", Permission.CONFIGURAR_INTEGRACOES,
               summary="Remover integração de gateway de cartão",
               description="Apaga as credenciais. Os cartões cadastrados nesse gateway deixam de ser cobrados (o tick "
                           "não os envia a nenhum gateway; o cliente é avisado e os painéis dizem por quê) até a "
                           "integração voltar com a mesma conta.",
               path_params=(GATEWAY,), result=("integracoes", list_of("IntegracaoCartao")))
def remove_gateway(request: ApiRequest, gateway: str) -> Payload:
    """Its cards stop being charged anywhere."""
    request.container.gateway_settings.remove(gateway)
    return success("Integração de cartão de crédito removida; os cartões cadastrados nela não serão mais cobrados.",
                   integracoes=[_config_shape(request, c) for c in request.container.gateway_settings.list()])


@routes.get("/configuracao/integracao/cartao_credito", Permission.CONFIGURAR_INTEGRACOES,
            summary="Gateways de cartão configurados",
            description="`integracoes`: as configuradas, sem segredos; `gateways`: todos os que esta implantação "
                        "sabe usar, com as credenciais que cada um exige (o formulário do console é feito disso).",
            raw=envelope({"integracoes": list_of("IntegracaoCartao"), "gateways": list_of("GatewayDisponivel")}))
def list_gateways(request: ApiRequest) -> Payload:
    """Never the secrets."""
    return success("Dados consultados com sucesso.", integracoes=[
        _config_shape(request, c) for c in request.container.gateway_settings.list()],
        gateways=[_available_shape(spec) for spec in registry.specs()])


def _available_shape(spec: GatewaySpec) -> dict[str, Any]:
    return {"gateway": spec.name, "nome": spec.label, "credenciais": list(spec.credential_fields),
            "credenciais_visiveis": list(spec.shown_credentials), "ambientes": list(ENVIRONMENTS)}


# -------------------------------------------------------------------- cards
@routes.post("/cliente/{id_cliente}/cartao", Permission.GERENCIAR_CARTOES, summary="Cadastrar cartão do cliente",
             description="Número conferido (Luhn, bandeira, validade) antes de qualquer chamada ao gateway, "
                         "tokenizado no gateway ativo e esquecido: guardamos o token cifrado, a bandeira e os "
                         "últimos 4 dígitos.",
             path_params=(CUSTOMER,),
             body=Body("NovoCartao", (NUMBER, HOLDER, EXPIRY_MONTH, EXPIRY_YEAR, CVV, MAKE_DEFAULT)),
             result=("cartao", ref("Cartao")))
def add_card(request: ApiRequest, customer_id: int) -> Payload:
    """Checked, tokenized at the active gateway, sealed."""
    fields = request.fields()
    number, holder, month, year, cvv, make_default = read(
        fields, NUMBER, HOLDER, EXPIRY_MONTH, EXPIRY_YEAR, CVV, MAKE_DEFAULT)
    if cvv and not (is_digits(cvv) and len(cvv) in (3, 4)):
        fields.error("O campo cvv deve ter 3 ou 4 dígitos.")
    if year and year < 100:
        year += 2000  # "31" as cards print it
    elif year and year < 2000:
        fields.error("O campo ano_validade deve ter 4 dígitos (ex.: 2031).")
    fields.check()
    # The CVV goes to the issuer's validation of the card and is dropped: stored-card charges never send one.
    card, wallet = request.container.cards.add(customer_id, NewCard(
        number=number, holder=holder.upper(), expiry_month=month, expiry_year=year, make_default=make_default,
        security_code=cvv))
    return success("Cartão cadastrado com sucesso.", cartao=_card_shapes(request, wallet, card)[0])


@routes.get("/cliente/{id_cliente}/cartao", Permission.GERENCIAR_CARTOES, summary="Cartões do cliente",
            path_params=(CUSTOMER,), result=("cartoes", list_of("Cartao")))
def list_cards(request: ApiRequest, customer_id: int) -> Payload:
    wallet = request.container.cards.wallet(customer_id)
    return success("Dados consultados com sucesso.", cartoes=_card_shapes(request, wallet))


@routes.delete("/cliente/{id_cliente}/cartao/{id_cartao}", Permission.GERENCIAR_CARTOES, summary="Remover cartão",
               description="Removido o padrão, o cartão mais antigo restante passa a ser o padrão.",
               path_params=(CUSTOMER, CARD), result=("cartoes", list_of("Cartao")))
def remove_card(request: ApiRequest, customer_id: int, card_id: int) -> Payload:
    wallet = request.container.cards.remove(customer_id, card_id)
    return success("Cartão removido com sucesso.", cartoes=_card_shapes(request, wallet))


@routes.post("/cliente/{id_cliente}/cartao/{id_cartao}/padrao", Permission.GERENCIAR_CARTOES,
             summary="Tornar cartão padrão", path_params=(CUSTOMER, CARD), result=("cartao", ref("Cartao")))
def make_default(request: ApiRequest, customer_id: int, card_id: int) -> Payload:
    wallet = request.container.cards.make_default(customer_id, card_id)
    return success("Cartão padrão alterado com sucesso.", cartao=_card_shapes(request, wallet, wallet.card(card_id))[0])


@routes.put("/cliente/{id_cliente}/cartao/{id_cartao}", Permission.GERENCIAR_CARTOES,
            summary="Editar cartão (não permitido)", description="Sempre recusado: remova o cartão e cadastre um novo.",
            path_params=(CUSTOMER, CARD))
def edit_card(request: ApiRequest, customer_id: int, card_id: int) -> Payload:
    """Cards are never edited (the number is not ours to keep)."""
    raise ValidationError([NO_EDIT])


# ------------------------------------------------------ recurring payment
@routes.get("/cliente_servico/{id_cliente_servico}/cobranca", Permission.GERENCIAR_CARTOES,
            summary="Pagamento recorrente do serviço", path_params=(SERVICE,),
            result=("cobranca", ref("CobrancaServico")))
def recurring_payment(request: ApiRequest, service_id: int) -> Payload:
    choice, wallet = request.container.recurring.get(service_id)
    return success("Dados consultados com sucesso.", cobranca=_recurring_shape(request, choice, wallet))


@routes.put("/cliente_servico/{id_cliente_servico}/cobranca", Permission.GERENCIAR_CARTOES,
            summary="Ativar/desativar pagamento recorrente do serviço",
            description="Ativar exige ao menos um cartão; `id_cartao` nulo: o cartão padrão. Um cartão escolhido "
                        "que for removido cede lugar ao padrão (`cartao_efetivo`).",
            path_params=(SERVICE,), body=Body("EscolhaCobrancaServico", (RECURRING, CHOSEN_CARD)),
            result=("cobranca", ref("CobrancaServico")))
def choose_recurring_payment(request: ApiRequest, service_id: int) -> Payload:
    """On needs a card; ``id_cartao`` null is the default card."""
    fields = request.fields()
    recurring = RECURRING.read(fields)
    card_id = CHOSEN_CARD.read_optional(fields)
    fields.check()
    choice, wallet = request.container.recurring.choose(service_id, recurring, card_id)
    return success("Cobrança do serviço salva com sucesso.", cobranca=_recurring_shape(request, choice, wallet))


# ---------------------------------------------------------------- shapes
def _recurring_shape(request: ApiRequest, choice: RecurringChoice, wallet: Wallet) -> dict[str, Any]:
    card = choice.card_in(wallet)
    return {
        "id_cliente_servico": choice.service_id,
        "pagamento_recorrente": choice.recurring,
        "id_cartao": choice.card_id,
        "cartao_efetivo": _card_shapes(request, wallet, card)[0] if card else None,
    }


def _card_shapes(request: ApiRequest, wallet: Wallet, *only: Card) -> list[dict[str, Any]]:
    """The wallet's cards (or just ``only``) as the API shows them, with whether each can be charged now."""
    container = request.container
    configured = {c.gateway for c in container.gateway_settings.list()}
    today = local(container.clock(), container.settings.zone).date()
    return [_card_shape(request, card, wallet, unavailable(card, today, configured))
            for card in (only or wallet.cards)]


def _card_shape(request: ApiRequest, card: Card, wallet: Wallet, problem: str) -> dict[str, Any]:
    return {
        "id_cartao": card.id,
        "id_cliente": card.customer_id,
        "bandeira": card.brand,
        "ultimos_digitos": card.last_digits,
        "nome_titular": card.holder,
        "validade": f"{card.expiry_month:02d}/{card.expiry_year}",
        "padrao": card.id == wallet.default_card_id,
        "gateway": card.gateway,
        "recusado_pelo_emissor": card.refused_reason or None,  # never charged again: add another card
        "disponivel_para_cobranca": not problem,
        "motivo_indisponivel": problem or None,
        "data_cadastro": local(card.created_at, request.container.settings.zone).strftime("%Y-%m-%d %H:%M:%S"),
    }


def _config_shape(request: ApiRequest, config: GatewayConfig) -> dict[str, Any]:
    return {
        "gateway": config.gateway,
        "ativo": config.active,
        "ambiente": config.environment,
        "permite_recorrencia_automatica": config.allows_auto_recurrence,
        "credenciais": dict(config.credential_hint),  # identifiers only; keys and secrets never leave
        "credenciais_configuradas": True,
        "data_alteracao": local(config.updated_at, request.container.settings.zone).strftime("%Y-%m-%d %H:%M:%S"),
        "usuario_alteracao": config.updated_by or None,
    }

"""The card panel's routes: card gateway settings and
customers' cards. A card number and CVV are read from the request, checked,
sent to the gateway's tokenization and forgotten: no response, log line or
stored item carries them.
"""
from __future__ import annotations

from typing import Any

from chalicelib.billing.cards.service import Card, NewCard, Wallet, unavailable
from chalicelib.billing.gateways.settings import (
    CREDENTIAL_FIELDS,
    ENVIRONMENTS,
    GATEWAYS,
    GatewayChange,
    GatewayConfig,
)
from chalicelib.billing.recurring.choice import RecurringChoice
from chalicelib.clock import local
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.input_rules import is_digits
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Routes

routes = Routes(__name__, tag="Cartões",
                tag_description="Gateways de cartão e cartões dos clientes, guardados como tokens cifrados.")

NO_EDIT = "Não é possível editar os dados de cartão; remova-o e cadastre um novo."
MAX_HOLDER = 25  # Cielo's Holder limit; GetNet's is larger


# -------------------------------------------------------- gateway settings
def configure_gateway(request: ApiRequest, gateway: str) -> Payload:
    """``PUT configuracao/integracao/cartao_credito/{gateway}``: a setting left out keeps its value."""
    if gateway not in GATEWAYS:
        raise NotFoundError(f"Gateway {gateway} não encontrado. Use: {', '.join(GATEWAYS)}.")
    fields = request.fields()
    active = fields.optional_boolean("ativo")
    environment = fields.choice("ambiente", ENVIRONMENTS) or None
    auto = fields.optional_boolean("permite_recorrencia_automatica")
    credentials = None
    if fields.has("credenciais"):
        given = fields.obj("credenciais")
        credentials = {name: given.text(name, required=True, max_len=200) for name in CREDENTIAL_FIELDS[gateway]}
    fields.check()
    config = request.container.gateway_settings.configure(
        GatewayChange(gateway=gateway, active=active, environment=environment, allows_auto_recurrence=auto,
                      credentials=credentials), request.user.username)
    return success("Integração de cartão de crédito salva com sucesso.",
                   integracao=_config_shape(request, config))


def remove_gateway(request: ApiRequest, gateway: str) -> Payload:
    """``DELETE configuracao/integracao/cartao_credito/{gateway}``: its cards stop being charged anywhere."""
    request.container.gateway_settings.remove(gateway)
    return success("Integração de cartão de crédito removida; os cartões cadastrados nela não serão mais cobrados.",
                   integracoes=[_config_shape(request, c) for c in request.container.gateway_settings.list()])


def list_gateways(request: ApiRequest) -> Payload:
    """``GET configuracao/integracao/cartao_credito``: never the secrets."""
    return success("Dados consultados com sucesso.", integracoes=[
        _config_shape(request, c) for c in request.container.gateway_settings.list()])


# -------------------------------------------------------------------- cards
def add_card(request: ApiRequest, customer_id: int) -> Payload:
    """``POST cliente/{id_cliente}/cartao``: checked, tokenized at the active gateway, sealed."""
    fields = request.fields()
    number = fields.text("numero", required=True, max_len=23)
    holder = fields.text("nome_titular", required=True, max_len=MAX_HOLDER)
    month = fields.integer("mes_validade", required=True, minimum=1, maximum=12)
    year = fields.integer("ano_validade", required=True, minimum=0, maximum=2200)
    cvv = fields.text("cvv", max_len=4)
    make_default = fields.boolean("padrao")
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


def list_cards(request: ApiRequest, customer_id: int) -> Payload:
    wallet = request.container.cards.wallet(customer_id)
    return success("Dados consultados com sucesso.", cartoes=_card_shapes(request, wallet))


def remove_card(request: ApiRequest, customer_id: int, card_id: int) -> Payload:
    wallet = request.container.cards.remove(customer_id, card_id)
    return success("Cartão removido com sucesso.", cartoes=_card_shapes(request, wallet))


def make_default(request: ApiRequest, customer_id: int, card_id: int) -> Payload:
    wallet = request.container.cards.make_default(customer_id, card_id)
    return success("Cartão padrão alterado com sucesso.", cartao=_card_shapes(request, wallet, wallet.card(card_id))[0])


def edit_card(request: ApiRequest, customer_id: int, card_id: int) -> Payload:
    """``PUT`` on a card: cards are never edited (the number is not ours to keep)."""
    raise ValidationError([NO_EDIT])


# ------------------------------------------------------ recurring payment
def recurring_payment(request: ApiRequest, service_id: int) -> Payload:
    choice, wallet = request.container.recurring.get(service_id)
    return success("Dados consultados com sucesso.", cobranca=_recurring_shape(request, choice, wallet))


def choose_recurring_payment(request: ApiRequest, service_id: int) -> Payload:
    """``PUT cliente_servico/{id}/cobranca``: on needs a card; ``id_cartao`` null is the default card."""
    fields = request.fields()
    recurring = fields.boolean("pagamento_recorrente", required=True)
    card_id = fields.optional_identifier("id_cartao")
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

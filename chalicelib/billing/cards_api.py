"""The card panel's routes (contract Part B): card gateway settings and
customers' cards. A card number and CVV are read from the request, checked,
sent to the gateway's tokenization and forgotten: no response, log line or
stored item carries them.
"""
from __future__ import annotations

from typing import Any

from chalicelib.billing.cards import Card, NewCard, Wallet
from chalicelib.billing.gateway_settings import (
    CREDENTIAL_FIELDS,
    ENVIRONMENTS,
    GATEWAYS,
    SANDBOX,
    GatewayChange,
    GatewayConfig,
)
from chalicelib.billing.recurring import RecurringChoice
from chalicelib.clock import local
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success

NO_EDIT = "Não é possível editar os dados de cartão; remova-o e cadastre um novo."
MAX_HOLDER = 25  # Cielo's Holder limit; GetNet's is larger


# -------------------------------------------------------- gateway settings
def configure_gateway(request: ApiRequest, gateway: str) -> Payload:
    """``PUT configuracao/integracao/cartao_credito/{gateway}``."""
    if gateway not in GATEWAYS:
        raise NotFoundError(f"Gateway {gateway} não encontrado. Use: {', '.join(GATEWAYS)}.")
    fields = request.fields()
    active = fields.boolean("ativo", required=True)
    environment = fields.choice("ambiente", ENVIRONMENTS, default=SANDBOX)
    auto = fields.boolean("permite_recorrencia_automatica", default=False)
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
    if cvv and not (cvv.isdigit() and len(cvv) in (3, 4)):
        fields.error("O campo cvv deve ter 3 ou 4 dígitos.")
    if year and year < 100:
        year += 2000  # "31" as cards print it
    elif year and year < 2000:
        fields.error("O campo ano_validade deve ter 4 dígitos (ex.: 2031).")
    fields.check()
    # The CVV is checked and dropped: a stored-card charge never sends one (Recorrência Própria).
    card, wallet = request.container.cards.add(customer_id, NewCard(
        number=number, holder=holder.upper(), expiry_month=month, expiry_year=year, make_default=make_default))
    return success("Cartão cadastrado com sucesso.", cartao=_card_shape(request, card, wallet))


def list_cards(request: ApiRequest, customer_id: int) -> Payload:
    wallet = request.container.cards.wallet(customer_id)
    return success("Dados consultados com sucesso.", cartoes=[_card_shape(request, c, wallet) for c in wallet.cards])


def remove_card(request: ApiRequest, customer_id: int, card_id: int) -> Payload:
    wallet = request.container.cards.remove(customer_id, card_id)
    return success("Cartão removido com sucesso.", cartoes=[_card_shape(request, c, wallet) for c in wallet.cards])


def make_default(request: ApiRequest, customer_id: int, card_id: int) -> Payload:
    wallet = request.container.cards.make_default(customer_id, card_id)
    return success("Cartão padrão alterado com sucesso.",
                   cartao=_card_shape(request, wallet.card(card_id), wallet))


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
        "cartao_efetivo": _card_shape(request, card, wallet) if card else None,
    }


def _card_shape(request: ApiRequest, card: Card, wallet: Wallet) -> dict[str, Any]:
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

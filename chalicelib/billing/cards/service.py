"""Customers' credit cards (the card panel): the number goes to the active
gateway (the one new cards are stored at), which has the issuer validate the
card and then tokenizes it, and nowhere else; we keep the gateway's token
sealed (bound to the customer and card ids) and what it takes to show the
card. A card is charged, reconciled and removed at the gateway that holds it
(``Card.gateway``), whichever is active later.

Each card also keeps its stored-credential chain (``billing.gateways``): when
its first charge was approved and the issuer's transaction id of that charge,
which every later charge carries. It is written after the approval is
recorded, not with it: if it is lost the next charge simply goes out as a
first use again, which no issuer refuses.

A customer's cards and which one is the default live in one wallet the
store changes only in transactions conditioned on the wallet's version, so
concurrent adds, removals and "make default" serialize: a customer with
cards always has exactly one default (the wallet names it; removing it
promotes the oldest remaining card).

At most MAX_CARDS cards per customer: the store keeps a count of them that
the transaction adding a card increments only while it is below the limit
(and the one removing a card decrements), so racing adds can never pass it.
The count of a customer whose cards predate it is seeded by their next add or
removal from the cards read with the wallet, in a transaction conditioned on
that wallet's version and on the count's absence.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Protocol

from chalicelib.billing.cards.numbers import (
    brand_of,
    digits_only,
    expired,
    last_digits,
    luhn_ok,
    without_card_numbers,
)
from chalicelib.billing.gateways import CHAIN_ID_BRANDS, CardRefusedByIssuer, CardToTokenize, GatewayRefusal
from chalicelib.billing.gateways.settings import GatewayConfig, GatewaySettingsService, gateway_gone
from chalicelib.clock import Clock
from chalicelib.customers.model import Customer
from chalicelib.errors import (
    BusinessRuleError,
    ConflictError,
    DomainError,
    ValidationError,
    require_found,
)
from chalicelib.input_rules import is_digits
from chalicelib.ports import Sequences
from chalicelib.sealing import Sealed, Sealer

logger = logging.getLogger(__name__)
MAX_CARDS = 10
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Card:
    id: int
    customer_id: int
    brand: str
    last_digits: str
    holder: str
    expiry_month: int
    expiry_year: int
    gateway: str
    created_at: datetime
    token: Sealed = field(repr=False)
    refused_reason: str = ""  # the issuer said never to charge it again (code and message)
    chain_started_at: datetime | None = None  # its first approved charge: later ones are "used", not "first"
    issuer_transaction_id: str = ""  # the issuer's id of that charge, sent with every later one

    def __post_init__(self) -> None:
        # The issuer's words, shown on the card panel: masked even when stored before the mask widened.
        object.__setattr__(self, "refused_reason", without_card_numbers(self.refused_reason))

    def usable_on(self, today: date) -> bool:
        """Worth sending to the gateway: not refused for good, not expired."""
        return not self.problem_on(today)

    def problem_on(self, today: date) -> str:
        """Why the issuer would refuse a charge of this card today ("" when it would not)."""
        if self.refused_reason:
            return f"O emissor pediu para não cobrar mais este cartão ({self.refused_reason})."
        if expired(self.expiry_month, self.expiry_year, today):
            return f"O cartão está vencido ({self.expiry_month:02d}/{self.expiry_year})."
        return ""

    @property
    def first_use(self) -> bool:
        """No charge of it was approved yet (with the issuer's id, for the brands that give one)."""
        return self.chain_started_at is None


@dataclass(frozen=True)
class Wallet:
    customer_id: int
    cards: tuple[Card, ...] = ()  # oldest first
    default_card_id: int | None = None
    version: int = 0  # 0: no wallet stored yet
    # The store's count of the cards; None while it has none yet (cards added before it was kept): the next
    # add or removal seeds it from ``cards``, read at ``version``.
    card_count: int | None = None

    @property
    def count(self) -> int:
        return len(self.cards) if self.card_count is None else self.card_count

    @property
    def default(self) -> Card | None:
        return next((c for c in self.cards if c.id == self.default_card_id), None)

    def card(self, card_id: int) -> Card:
        return require_found(next((c for c in self.cards if c.id == card_id), None),
                             f"Cartão de ID {card_id} não encontrado para o cliente {self.customer_id}")


@dataclass(frozen=True)
class NewCard:
    number: str = field(repr=False)  # in memory for this request only
    holder: str
    expiry_month: int
    expiry_year: int
    make_default: bool = False
    security_code: str = field(default="", repr=False)  # the CVV, for the issuer's validation only


class WalletChangedError(Exception):
    """Another request changed the wallet since it was read; read again and retry."""


class CardLimitReachedError(Exception):
    """The store refused to count one more card: the customer already has MAX_CARDS."""


class WalletStore(Protocol):
    def wallet(self, customer_id: int) -> Wallet: ...
    def customer_and_wallet(self, customer_id: int) -> tuple[Customer, Wallet] | None: ...
    def add(self, wallet: Wallet, card: Card, default_card_id: int) -> None: ...
    def remove(self, wallet: Wallet, card: Card, default_card_id: int | None) -> None: ...
    def make_default(self, wallet: Wallet, card: Card) -> None: ...
    def flag(self, customer_id: int, card_id: int, reason: str) -> None: ...
    def start_chain(self, customer_id: int, card_id: int, started_at: datetime, issuer_transaction_id: str) -> None:
        ...


class CustomerLookup(Protocol):
    def get(self, customer_id: int) -> Customer: ...


class CardService:
    def __init__(self, store: WalletStore, customers: CustomerLookup, gateways: GatewaySettingsService,
                 sealer: Sealer, sequences: Sequences, clock: Clock, zone: tzinfo,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._store = store
        self._customers = customers
        self._gateways = gateways
        self._sealer = sealer
        self._sequences = sequences
        self._clock = clock
        self._zone = zone
        self._sleep = sleep

    def wallet(self, customer_id: int) -> Wallet:
        self._customers.get(customer_id)
        return self._store.wallet(customer_id)

    def customer_and_wallet(self, customer_id: int) -> tuple[Customer, Wallet]:
        """The customer and their wallet in one read (a charge needs both)."""
        return require_found(self._store.customer_and_wallet(customer_id),
                             f"Cliente de ID {customer_id} não encontrado")

    def add(self, customer_id: int, new: NewCard) -> tuple[Card, Wallet]:
        """Check the card, have the active gateway validate it with the issuer and tokenize it, keep the sealed
        token."""
        number = digits_only(new.number)
        brand = self._checked(number, new)
        customer = self._customers.get(customer_id)
        # Only spares the gateway a card we would refuse: the limit itself is the store's condition below.
        if self._store.wallet(customer_id).count >= MAX_CARDS:
            raise _limit_reached()
        config, gateway = self._gateways.active()
        try:
            token = gateway.tokenize(CardToTokenize(
                number=number, holder=new.holder, expiry_month=new.expiry_month, expiry_year=new.expiry_year,
                brand=brand, customer_name=customer.name, customer_ref=str(customer.id),
                security_code=new.security_code))
        except CardRefusedByIssuer as refused:
            raise BusinessRuleError(f"O emissor recusou o cartão na validação ({refused.code}: {refused.message}); "
                                    "nada foi gravado. Use outro cartão.") from refused
        except GatewayRefusal as refused:
            raise BusinessRuleError(f"O gateway {config.gateway} não cadastrou o cartão ({refused.code}: "
                                    f"{refused.message}); nada foi gravado.") from refused
        card_id = self._sequences.next_id("cartao")
        card = Card(id=card_id, customer_id=customer_id, brand=brand, last_digits=last_digits(number),
                    holder=new.holder, expiry_month=new.expiry_month, expiry_year=new.expiry_year,
                    gateway=config.gateway, created_at=self._clock(),
                    token=self._sealer.seal(token, card_context(customer_id, card_id)))

        def write(wallet: Wallet) -> None:
            if wallet.card_count is None and len(wallet.cards) >= MAX_CARDS:
                # Seeding the count (cards from before it): the seed carries no limit condition, this check on
                # the cards read at the wallet's version (the transaction's condition) is it.
                raise CardLimitReachedError()
            kept = wallet.default_card_id
            self._store.add(wallet, card, card.id if kept is None or new.make_default else kept)

        try:
            return card, self._changing(customer_id, write)
        except CardLimitReachedError:
            self._forget_token(config, token, card)
            raise _limit_reached() from None
        except DomainError:
            self._forget_token(config, token, card)
            raise

    def remove(self, customer_id: int, card_id: int) -> Wallet:
        """Remove the card here, then from the gateway's vault (best effort: it can charge nobody once we
        forget its token, so a gateway that does not answer does not keep the card on the panel)."""
        self._customers.get(customer_id)
        removed: list[Card] = []

        def write(wallet: Wallet) -> None:
            card = wallet.card(card_id)
            rest = [c for c in wallet.cards if c.id != card_id]
            default = wallet.default_card_id
            if default == card_id or default is None:
                default = rest[0].id if rest else None  # the oldest remaining card
            self._store.remove(wallet, card, default)
            removed[:] = [card]

        wallet = self._changing(customer_id, write)
        self._forget_at_gateway(removed[0])
        return wallet

    def _forget_at_gateway(self, card: Card) -> None:
        config = self._gateways.config(card.gateway)
        if config is None:
            return
        self._forget_token(config, self.token(card), card)

    def _forget_token(self, config: GatewayConfig, token: str, card: Card) -> None:
        """Best effort: a token we do not keep charges nobody, so a gateway that does not answer is only logged."""
        try:
            self._gateways.adapter(config).forget(token)
        except GatewayRefusal as refused:
            logger.warning("cartão %s do cliente %s não está guardado aqui; o gateway %s não o removeu do cofre (%s)",
                           card.id, card.customer_id, card.gateway, refused.code)

    def make_default(self, customer_id: int, card_id: int) -> Wallet:
        self._customers.get(customer_id)
        def write(wallet: Wallet) -> None:
            self._store.make_default(wallet, wallet.card(card_id))

        return self._changing(customer_id, write)

    def flag(self, customer_id: int, card_id: int, reason: str) -> None:
        """The issuer refused ``card`` for good: recurring charges stop using it (the panel shows why)."""
        self._store.flag(customer_id, card_id, reason)

    def start_chain(self, customer_id: int, card_id: int, approved_at: datetime, issuer_transaction_id: str) -> None:
        """A charge of the card was approved: unless its chain started already, later charges point at this one.
        Brands whose issuers give an id start it only with one (until then each charge is a first use)."""
        if not issuer_transaction_id:
            card = next((c for c in self._store.wallet(customer_id).cards if c.id == card_id), None)
            if card is None or card.brand in CHAIN_ID_BRANDS or not card.first_use:
                return
        self._store.start_chain(customer_id, card_id, approved_at, issuer_transaction_id)

    def token(self, card: Card) -> str:
        """The gateway token of ``card``, opened for a charge."""
        return self._sealer.open(card.token, card_context(card.customer_id, card.id))

    def _changing(self, customer_id: int, write: Callable[[Wallet], None]) -> Wallet:
        """Apply ``write`` to a fresh read of the wallet until no other change slipped in between."""
        for attempt in range(MAX_ATTEMPTS):
            wallet = self._store.wallet(customer_id)
            try:
                write(wallet)
            except WalletChangedError:
                self._sleep(0.01 * (attempt + 1))
                continue
            return self._store.wallet(customer_id)
        raise ConflictError("Os cartões do cliente estão sendo alterados por outra requisição; tente de novo.")

    def _checked(self, number: str, new: NewCard) -> str:
        errors = []
        brand = brand_of(number) if is_digits(number) else None
        if not is_digits(number) or not 12 <= len(number) <= 19:
            errors.append("O campo numero deve ter de 12 a 19 dígitos.")
        elif not luhn_ok(number):
            errors.append("O número do cartão é inválido (dígito verificador).")
        elif brand is None:
            errors.append("A bandeira do cartão não é aceita (Visa, Master, Elo, Amex, Hipercard, Diners, JCB, "
                          "Aura ou Discover).")
        today = self._clock().astimezone(self._zone).date()
        if expired(new.expiry_month, new.expiry_year, today):
            errors.append(f"O cartão está vencido ({new.expiry_month:02d}/{new.expiry_year}).")
        if errors:
            raise ValidationError(errors)
        assert brand is not None
        return brand


def _limit_reached() -> BusinessRuleError:
    return BusinessRuleError(f"O cliente já tem {MAX_CARDS} cartões: remova um antes de cadastrar outro.")


def unavailable(card: Card, today: date, configured: Collection[str]) -> str:
    """Why ``card`` cannot be charged now ("" when it can): held by a gateway that is no longer configured
    (``configured``: the gateways that are), refused for good, or expired."""
    if card.gateway not in configured:
        return gateway_gone(card.gateway)
    return card.problem_on(today)


def card_context(customer_id: int, card_id: int) -> dict[str, str]:
    """What a card token is sealed to: copied to another card or customer, it does not open."""
    return {"purpose": "card-token", "customer": str(customer_id), "card": str(card_id)}


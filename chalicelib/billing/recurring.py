"""Whether a customer's service pays its invoices by recurring card, and with
which card (``cliente_servico/{id}/cobranca``). No card chosen means the
customer's default card; a chosen card that was removed falls back to the
default (read each time, so removing a card needs no other write)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.billing.cards import Card, CardService
from chalicelib.customers.model import Service
from chalicelib.errors import BusinessRuleError


@dataclass(frozen=True)
class RecurringChoice:
    service_id: int
    recurring: bool = False
    card_id: int | None = None  # None: the default card


class RecurringStore(Protocol):
    def choice(self, service_id: int) -> RecurringChoice | None: ...
    def save(self, choice: RecurringChoice) -> None: ...


class ServiceLookup(Protocol):
    def service(self, service_id: int) -> Service: ...


class RecurringPayments:
    def __init__(self, store: RecurringStore, services: ServiceLookup, cards: CardService) -> None:
        self._store = store
        self._services = services
        self._cards = cards

    def get(self, service_id: int) -> tuple[RecurringChoice, Card | None]:
        service = self._services.service(service_id)
        choice = self._store.choice(service_id) or RecurringChoice(service_id)
        return choice, self.effective_card(service.customer_id, choice)

    def choose(self, service_id: int, recurring: bool, card_id: int | None) -> tuple[RecurringChoice, Card | None]:
        service = self._services.service(service_id)
        wallet = self._cards.wallet(service.customer_id)
        if card_id is not None:
            wallet.card(card_id)  # the customer's own card, or not found
        if recurring and not wallet.cards:
            raise BusinessRuleError("Cadastre um cartão do cliente antes de ativar o pagamento recorrente.")
        choice = RecurringChoice(service_id, recurring, card_id)
        self._store.save(choice)
        return choice, self.effective_card(service.customer_id, choice)

    def effective_card(self, customer_id: int, choice: RecurringChoice) -> Card | None:
        wallet = self._cards.wallet(customer_id)
        chosen = next((c for c in wallet.cards if c.id == choice.card_id), None)
        if chosen is not None:
            return chosen
        return next((c for c in wallet.cards if c.id == wallet.default_card_id), None)

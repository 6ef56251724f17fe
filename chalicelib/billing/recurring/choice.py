"""Whether a customer's service pays its invoices by recurring card, and with
which card (``cliente_servico/{id}/cobranca``). No card chosen means the
customer's default card; a chosen card that was removed falls back to the
default (read each time, so removing a card needs no other write)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.billing.cards.service import Card, CardService, Wallet
from chalicelib.billing.invoices.service import InvoiceService
from chalicelib.customers.model import Service
from chalicelib.errors import BusinessRuleError


@dataclass(frozen=True)
class RecurringChoice:
    service_id: int
    recurring: bool = False
    card_id: int | None = None  # None: the default card

    def card_in(self, wallet: Wallet) -> Card | None:
        """The card a charge would use: the chosen one while the customer has it, else the default."""
        return next((c for c in wallet.cards if c.id == self.card_id), None) or wallet.default


class RecurringStore(Protocol):
    def choice(self, service_id: int) -> RecurringChoice | None: ...
    def save(self, choice: RecurringChoice) -> None: ...


class ServiceLookup(Protocol):
    def service(self, service_id: int) -> Service: ...


class RecurringPayments:
    def __init__(self, store: RecurringStore, services: ServiceLookup, cards: CardService,
                 invoices: InvoiceService) -> None:
        self._store = store
        self._invoices = invoices
        self._services = services
        self._cards = cards

    def get(self, service_id: int) -> tuple[RecurringChoice, Wallet]:
        service = self._services.service(service_id)
        return self._store.choice(service_id) or RecurringChoice(service_id), self._cards.wallet(service.customer_id)

    def choose(self, service_id: int, recurring: bool, card_id: int | None) -> tuple[RecurringChoice, Wallet]:
        service = self._services.service(service_id)
        wallet = self._cards.wallet(service.customer_id)
        if card_id is not None:
            wallet.card(card_id)  # the customer's own card, or not found
        if recurring and not wallet.cards:
            raise BusinessRuleError("Cadastre um cartão do cliente antes de ativar o pagamento recorrente.")
        choice = RecurringChoice(service_id, recurring, card_id)
        self._store.save(choice)
        if recurring:
            self._invoices.resume_recurring(service_id)
        return choice, wallet

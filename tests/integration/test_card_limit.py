"""At most MAX_CARDS cards per customer, held by DynamoDB: the card count is incremented in the transaction that
stores the card, on the condition that it is below the limit (threads race against moto's server)."""
from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.billing.cards.service import MAX_CARDS, CardService, NewCard
from chalicelib.billing.gateways import CardToTokenize
from chalicelib.billing.gateways.settings import GatewayConfig, GatewaySettingsService
from chalicelib.container import Container
from chalicelib.customers.model import Address, NewCustomer, NewService
from chalicelib.errors import BusinessRuleError
from chalicelib.sealing import Sealed
from chalicelib.storage.cards import COUNT_SK, DynamoWalletStore
from chalicelib.storage.models import CardCountItem, CardItem, CustomerTableItem
from tests.conftest import MutableClock
from tests.integration.test_races import race

THREADS = 20
LIMIT_MESSAGE = f"O cliente já tem {MAX_CARDS} cartões: remova um antes de cadastrar outro."
VISA = "4024007197692931"


class Vault:
    """A gateway that tokenizes every card and records what it is told to forget."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.issued: list[str] = []
        self.forgotten: list[str] = []

    def tokenize(self, card: CardToTokenize) -> str:
        with self.lock:
            self.issued.append(f"token-{len(self.issued) + 1}")
            return self.issued[-1]

    def forget(self, card_token: str) -> None:
        with self.lock:
            self.forgotten.append(card_token)


class Configs:
    def all(self) -> list[GatewayConfig]:
        return [GatewayConfig("cielo", True, "sandbox", False, Sealed("c", "n", "k"), {},
                              datetime(2026, 12, 1, tzinfo=UTC))]


class Sealer:
    def seal(self, plaintext: str, context: Mapping[str, str]) -> Sealed:
        return Sealed(plaintext, "", "")

    def open(self, sealed: Sealed, context: Mapping[str, str]) -> str:
        return sealed.ciphertext if context.get("purpose") == "card-token" else "{}"


def card_service(container: Container, clock: MutableClock, vault: Vault) -> CardService:
    """The real wallet store on the container's tables; only the gateway and KMS are stand-ins."""
    sealer = Sealer()
    gateways = GatewaySettingsService(Configs(), sealer, clock, lambda name, env, creds: vault)  # type: ignore[arg-type,return-value]
    return CardService(DynamoWalletStore(), container.customers, gateways, sealer,  # type: ignore[arg-type]
                       container.sequences, clock, ZoneInfo("America/Sao_Paulo"))


def customer(container: Container) -> int:
    return container.customers.register(NewCustomer(
        name="Cliente Cartões", document="52998224725", phone="11987654321", email="",
        services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),))).id


def new_card() -> NewCard:
    return NewCard(number=VISA, holder="MARIA DA SILVA", expiry_month=12, expiry_year=2031)


def stored(customer_id: int) -> tuple[int | None, int]:
    """The stored count (None: no count item) and the number of card items."""
    items = list(CustomerTableItem.query(f"CUSTOMER#{customer_id}", consistent_read=True))
    count = next((int(i.card_count) for i in items if isinstance(i, CardCountItem)), None)
    return count, sum(isinstance(i, CardItem) for i in items)


def forget_the_count(customer_id: int) -> None:
    """What a customer whose cards were added before the count was kept looks like."""
    CardCountItem(f"CUSTOMER#{customer_id}", COUNT_SK).delete()


@pytest.mark.parametrize("counted", [True, False], ids=["count kept", "cards from before the count"])
def test_twenty_racing_adds_to_a_customer_with_eight_cards_store_two(server_stack: Container, clock: MutableClock,
                                                                     counted: bool) -> None:
    vault = Vault()
    cards = card_service(server_stack, clock, vault)
    customer_id = customer(server_stack)
    for _ in range(MAX_CARDS - 2):
        cards.add(customer_id, new_card())
    if not counted:
        forget_the_count(customer_id)
    assert stored(customer_id) == ((MAX_CARDS - 2) if counted else None, MAX_CARDS - 2)

    wins, losses = race(lambda i: cards.add(customer_id, new_card()), THREADS)

    assert len(wins) == 2, losses
    assert len(losses) == THREADS - 2
    assert all(isinstance(e, BusinessRuleError) and e.message == LIMIT_MESSAGE for e in losses), losses[:3]
    assert stored(customer_id) == (MAX_CARDS, MAX_CARDS)
    wallet = cards.wallet(customer_id)
    assert len(wallet.cards) == MAX_CARDS and wallet.default_card_id in {c.id for c in wallet.cards}
    # a card refused after the gateway stored it is forgotten there again
    kept = {c.token.ciphertext for c in wallet.cards}
    assert sorted(vault.forgotten) == sorted(t for t in vault.issued if t not in kept)


def test_removing_a_card_makes_room_for_one(server_stack: Container, clock: MutableClock) -> None:
    vault = Vault()
    cards = card_service(server_stack, clock, vault)
    customer_id = customer(server_stack)
    for _ in range(MAX_CARDS):
        cards.add(customer_id, new_card())
    with pytest.raises(BusinessRuleError, match=LIMIT_MESSAGE):
        cards.add(customer_id, new_card())
    oldest = cards.wallet(customer_id).cards[0]
    cards.remove(customer_id, oldest.id)
    assert stored(customer_id) == (MAX_CARDS - 1, MAX_CARDS - 1)

    wins, losses = race(lambda i: cards.add(customer_id, new_card()), 6)
    assert len(wins) == 1 and all(isinstance(e, BusinessRuleError) and e.message == LIMIT_MESSAGE for e in losses)
    assert stored(customer_id) == (MAX_CARDS, MAX_CARDS)


def test_racing_adds_and_removals_keep_the_count_equal_to_the_cards(server_stack: Container,
                                                                    clock: MutableClock) -> None:
    cards = card_service(server_stack, clock, Vault())
    customer_id = customer(server_stack)
    for _ in range(MAX_CARDS - 1):
        cards.add(customer_id, new_card())
    first_ids = [c.id for c in cards.wallet(customer_id).cards]

    def act(i: int) -> Any:
        return cards.remove(customer_id, first_ids[i // 2]) if i % 2 else cards.add(customer_id, new_card())

    race(act, 12)
    count, items = stored(customer_id)
    assert count == items <= MAX_CARDS


def test_the_count_of_cards_from_before_it_is_seeded_by_the_next_change(server_stack: Container,
                                                                        clock: MutableClock) -> None:
    cards = card_service(server_stack, clock, Vault())
    full, roomy = customer(server_stack), server_stack.customers.register(NewCustomer(
        name="Outro Cliente", document="11144477735", phone="11987654322", email="",
        services=(NewService("Fibra", 9990, Address("Rua A", "2", "Centro", "Campinas", "SP", "13010000")),))).id
    for _ in range(MAX_CARDS):
        cards.add(full, new_card())
    for _ in range(3):
        cards.add(roomy, new_card())
    forget_the_count(full)
    forget_the_count(roomy)

    with pytest.raises(BusinessRuleError, match=LIMIT_MESSAGE):
        cards.add(full, new_card())
    assert stored(full) == (None, MAX_CARDS)  # refused before any write
    cards.remove(full, cards.wallet(full).cards[0].id)
    assert stored(full) == (MAX_CARDS - 1, MAX_CARDS - 1)  # the removal seeded it

    cards.add(roomy, new_card())
    assert stored(roomy) == (4, 4)  # the add seeded it

"""A customer with cards always has exactly one default, even when "make
default" and "remove" race (threads against moto's server)."""
from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from chalicelib.billing.cards.service import Card
from chalicelib.container import Container
from chalicelib.customers.model import Address, NewCustomer, NewService
from chalicelib.errors import DomainError
from chalicelib.sealing import Sealed
from chalicelib.storage.cards import DynamoWalletStore
from tests.integration.test_races import race

CARDS = 6


def customer_with_cards(container: Container) -> int:
    customer = container.customers.register(NewCustomer(
        name="Cliente Cartões", document="52998224725", phone="11987654321", email="",
        services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),)))
    store = DynamoWalletStore()
    for card_id in range(1, CARDS + 1):
        # Written straight to the store: the race is about the wallet, not the gateway.
        card = Card(id=card_id, customer_id=customer.id, brand="Visa", last_digits=f"{card_id:04d}", holder="MARIA",
                    expiry_month=12, expiry_year=2031, gateway="cielo", created_at=datetime(2026, 12, 1, tzinfo=UTC),
                    token=Sealed("c", "n", "k"))
        store.add(store.wallet(customer.id), card, store.wallet(customer.id).default_card_id or card_id)
    return customer.id


def assert_one_default(container: Container, customer_id: int) -> None:
    wallet = container.cards.wallet(customer_id)
    if wallet.cards:
        assert wallet.default_card_id in {c.id for c in wallet.cards}, wallet
    else:
        assert wallet.default_card_id is None, wallet


def test_racing_make_default_and_remove_keep_exactly_one_default(server_stack: Container) -> None:
    customer_id = customer_with_cards(server_stack)
    cards = server_stack.cards

    def act(i: int) -> object:
        card_id = i % CARDS + 1
        return cards.remove(customer_id, card_id) if i % 2 else cards.make_default(customer_id, card_id)

    wins, losses = race(act)
    assert wins, losses
    # a loser lost to a removal (its card is gone) or to contention it reported; never a broken wallet
    assert all(isinstance(e, DomainError) for e in losses), losses
    assert_one_default(server_stack, customer_id)


def test_many_rounds_of_random_changes(server_stack: Container) -> None:
    customer_id = customer_with_cards(server_stack)
    cards = server_stack.cards
    rng = random.Random(7)
    plan = [(rng.choice(("remove", "default")), rng.randint(1, CARDS)) for _ in range(40)]

    def act(step: tuple[str, int]) -> None:
        kind, card_id = step
        try:
            if kind == "remove":
                cards.remove(customer_id, card_id)
            else:
                cards.make_default(customer_id, card_id)
        except DomainError:
            pass  # already removed, or contention reported to the caller
        assert_one_default(server_stack, customer_id)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(act, plan))
    assert_one_default(server_stack, customer_id)

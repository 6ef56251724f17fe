"""Invariants held by DynamoDB under real concurrency: threads race against
moto's server and exactly one of them may win."""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from chalicelib.auth.model import NewUser
from chalicelib.auth.service import TokenRequest
from chalicelib.container import Container
from chalicelib.customers.model import Address, NewCustomer, NewService
from chalicelib.errors import DomainError, OAuthError
from chalicelib.technicians.service import NewTechnician

T = TypeVar("T")
RACERS = 8


def race(action: Callable[[int], T], threads: int = RACERS) -> tuple[list[T], list[Exception]]:
    """Run ``action`` in ``threads`` threads released at the same instant."""
    start = threading.Barrier(threads)

    def run(index: int) -> T:
        start.wait()
        return action(index)

    wins: list[T] = []
    losses: list[Exception] = []
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(run, i) for i in range(threads)]:
            try:
                wins.append(future.result())
            except Exception as exc:  # noqa: BLE001 - we count losers
                losses.append(exc)
    return wins, losses


def test_same_cpf_registered_by_racing_requests_lands_once(server_stack: Container) -> None:
    address = Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")

    def register(i: int) -> int:
        customer = server_stack.customers.register(NewCustomer(
            name=f"Cliente {i}", document="52998224725", phone="11987654321", email="",
            services=(NewService("Fibra", 9990, address),)))
        return customer.id

    wins, losses = race(register)
    assert len(wins) == 1
    assert len(losses) == RACERS - 1 and all(isinstance(e, DomainError) for e in losses)
    found = server_stack.customers.search("cpf_cnpj", "52998224725", 5)
    assert [c.id for c in found] == wins
    # the losers' name entries were never written: only the winner is found by name
    assert [c.id for c in server_stack.customers.search("nome_razaosocial", "cliente", 50)] == wins


def test_sequences_never_hand_out_the_same_id(server_stack: Container) -> None:
    wins, losses = race(lambda i: [server_stack.sequences.next_id("corrida") for _ in range(10)])
    ids = [n for batch in wins for n in batch]
    assert not losses
    assert sorted(ids) == list(range(1, RACERS * 10 + 1))


def test_a_refresh_token_is_redeemed_once(server_stack: Container) -> None:
    auth = server_stack.auth
    auth.ensure_client("1", "segredo-do-cliente", "Bot")
    auth.create_user(NewUser("ana", "senha-forte-1", "Ana", ()))
    grant = auth.grant(TokenRequest("password", "1", "segredo-do-cliente", username="ana", password="senha-forte-1"))

    wins, losses = race(lambda i: auth.grant(TokenRequest("refresh_token", "1", "segredo-do-cliente",
                                                          refresh_token=grant.refresh_token)))
    assert len(wins) == 1
    assert all(isinstance(e, OAuthError) and e.error == "invalid_grant" for e in losses)


def test_same_username_created_twice_at_once_lands_once(server_stack: Container) -> None:
    wins, losses = race(lambda i: server_stack.auth.create_user(NewUser("bia", f"senha-forte-{i}", "Bia", ())))
    assert len(wins) == 1 and len(losses) == RACERS - 1
    assert [u.username for u in server_stack.auth.list_users()] == ["bia"]


def test_same_technician_email_lands_once(server_stack: Container) -> None:
    wins, losses = race(lambda i: server_stack.technicians.register(
        NewTechnician(name=f"Técnico {i}", email="tec@provedor.com.br")))
    assert len(wins) == 1 and all(isinstance(e, DomainError) for e in losses)
    assert [t.id for t in server_stack.technicians.list_active()] == [wins[0].id]

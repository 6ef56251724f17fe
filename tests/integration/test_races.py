"""Invariants held by DynamoDB under real concurrency: threads race against
moto's server and exactly one of them may win."""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

from chalicelib.auth.model import NewUser, Principal, User, UserChange
from chalicelib.auth.service import TokenRequest
from chalicelib.container import Container
from chalicelib.customers.model import Address, NewCustomer, NewService
from chalicelib.errors import BusinessRuleError, DomainError, OAuthError
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


class TestTheLastActiveAdmin:
    """An administrator is never removed unless another stays active: the write checks, in its own transaction,
    that the other administrator it names still is one (DynamoDB isolates transactions from one another)."""

    @staticmethod
    def admins(stack: Container, count: int) -> list[User]:
        return [stack.auth.create_user(NewUser(f"admin{i}", f"senha-do-admin-{i}", f"Admin {i}", (), is_admin=True))
                for i in range(count)]

    @staticmethod
    def active_admins(stack: Container) -> list[str]:
        return [u.username for u in stack.auth.list_users() if u.active and u.is_admin]

    @pytest.mark.parametrize("first, second", [
        (UserChange(active=False), UserChange(active=False)),
        (UserChange(is_admin=False), UserChange(is_admin=False)),
        (UserChange(active=False), UserChange(is_admin=False)),
    ], ids=["both-deactivate", "both-demote", "deactivate-and-demote"])
    def test_two_admins_removing_each_other_at_once_one_wins(self, server_stack: Container, first: UserChange,
                                                            second: UserChange) -> None:
        # GIVEN exactly two active administrators
        one, two = self.admins(server_stack, 2)
        changes = [(two.id, first, one), (one.id, second, two)]

        # WHEN each removes the other at the same instant
        wins, losses = race(lambda i: server_stack.auth.change_user(
            changes[i][0], changes[i][1], Principal(changes[i][2].id, changes[i][2].username, is_admin=True)),
            threads=2)

        # THEN exactly one succeeds, the other is refused as the last one, and one administrator is left
        assert len(wins) == 1 and len(losses) == 1
        assert isinstance(losses[0], BusinessRuleError) and "último administrador ativo" in losses[0].message
        assert self.active_admins(server_stack) == [u.username for u in (one, two) if u.id != wins[0].id]

    def test_a_ring_of_admins_each_removing_the_next_leaves_one(self, server_stack: Container) -> None:
        admins = self.admins(server_stack, RACERS)

        def remove_next(i: int) -> User:
            target = admins[(i + 1) % RACERS]
            return server_stack.auth.change_user(target.id, UserChange(active=False),
                                                 Principal(admins[i].id, admins[i].username, is_admin=True))

        wins, losses = race(remove_next)
        assert len(wins) == RACERS - 1 and len(losses) == 1
        assert isinstance(losses[0], BusinessRuleError)
        [left] = self.active_admins(server_stack)
        assert left not in {w.username for w in wins}

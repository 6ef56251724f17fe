"""Suspension profiles on DynamoDB (moto): the one default and the usage counts behave as the in-memory stores
do, hold under real threads racing against moto's server (a delete never leaves a service on a deleted profile;
racing defaults leave exactly one), and ``ops count-profile-usage`` counts the services from before the count."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from chalicelib.billing.suspension.service import ProfileChange, SuspensionProfile, SuspensionProfiles
from chalicelib.container import Container
from chalicelib.customers.model import Address, NewCustomer, NewService, Service
from chalicelib.customers.service import CustomerService, ProfileUsageCount
from chalicelib.errors import BusinessRuleError, ConflictError, NotFoundError
from chalicelib.storage.binding import LabelledTransaction, commit_labelled
from chalicelib.storage.errors import ITEM_CONFLICT
from chalicelib.storage.models import DefaultProfileItem, ServiceItem, SettingsItem, SuspensionProfileItem
from chalicelib.storage.settings import DEFAULT_SK, PROFILES, profile_item
from ops.cli import main
from tests.aws import moto_stack
from tests.conftest import MutableClock
from tests.fakes import InMemoryCustomerStore, InMemoryProfileStore, InMemorySequences
from tests.functional.billing.test_recurring_http import cpf
from tests.integration.test_races import RACERS, race

ADDRESS = Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")


def cancelled(code: str) -> TransactWriteError:
    """A TransactWriteItems cancellation of one item, as PynamoDB raises it."""
    cause = VerboseClientError({"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
                               "TransactWriteItems", cancellation_reasons=[CancellationReason(code=code)])
    return TransactWriteError("Failed to write transaction items", cause)


@dataclass
class World:
    profiles: SuspensionProfiles
    customers: CustomerService
    backend: str
    documents: Iterator[int]

    def service(self, profile_id: int | None = None) -> Service:
        customer = self.customers.register(NewCustomer(
            name="Maria da Silva", document=cpf(next(self.documents)), phone="11987654321", email="",
            services=(NewService("Fibra", 9990, ADDRESS, suspension_profile_id=profile_id),)))
        return customer.services[0]

    def used(self, profile_id: int) -> int | None:
        return self.profiles.get(profile_id).services

    def defaults(self) -> list[int]:
        return [p.id for p in self.profiles.list() if p.default]

    def legacy_profile(self, profile: SuspensionProfile) -> None:
        """A profile as stored before the count was kept (and the default only flagged on it)."""
        if self.backend == "memory":
            store = self.profiles._store
            assert isinstance(store, InMemoryProfileStore)
            store.legacy(profile)
            return
        SuspensionProfileItem(PROFILES, f"{profile.id:010d}", profile_id=profile.id, description=profile.description,
                              warning_days=profile.warning_days, suspension_days=profile.suspension_days,
                              default=profile.default).save()

    def flag_default_as_before(self, profile_id: int) -> None:
        """Make a profile the default as a release without the pointer did (e.g. after a rollback): flags only."""
        for profile in self.profiles.list():
            if self.backend == "memory":
                store = self.profiles._store
                assert isinstance(store, InMemoryProfileStore)
                store.profiles[profile.id] = SuspensionProfile(**{**store.profiles[profile.id].__dict__,
                                                                 "default": profile.id == profile_id})
            elif profile.id:
                profile_item(profile.id).update(actions=[SuspensionProfileItem.default.set(profile.id == profile_id)])

    def legacy_service(self, profile_id: int) -> Service:
        """A service whose profile was chosen before the count was kept: on it, not counted."""
        service = self.service()
        if self.backend == "memory":
            store = self.customers._store
            assert isinstance(store, InMemoryCustomerStore)
            store._replace(Service(**{**service.__dict__, "suspension_profile_id": profile_id}))
        else:
            for pk, sk in ((f"SERVICE#{service.id}", "SERVICE"),
                           (f"CUSTOMER#{service.customer_id}", f"SERVICE#{service.id:010d}")):
                ServiceItem(pk, sk).update(actions=[ServiceItem.suspension_profile_id.set(profile_id)])
        return self.customers.service(service.id)


def world_on(backend: str, container: Container | None = None) -> World:
    if container is not None:
        return World(container.suspension_profiles, container.customers, backend, iter(range(1, 10_000)))
    sequences = InMemorySequences()
    store = InMemoryProfileStore()
    profiles = SuspensionProfiles(store, sequences)
    customers = CustomerService(InMemoryCustomerStore(store), sequences, MutableClock(), profiles)
    return World(profiles, customers, backend, iter(range(1, 10_000)))


@pytest.fixture(params=["memory", "dynamodb"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    if request.param == "memory":
        yield world_on("memory")
    else:
        with moto_stack(MutableClock()) as container:
            yield world_on("dynamodb", container)


# ------------------------------------------------------------------ one contract, both stores
def test_counts_follow_services_created_and_moved(world: World) -> None:
    residential = world.profiles.create("Residencial", 2, 5, default=True)
    business = world.profiles.create("Empresarial", 0, 30, default=False)
    first, second = world.service(business.id), world.service()
    world.customers.register(NewCustomer(name="Empresa", document="11222333000181", phone="1932221111", email="",
                                         services=(NewService("A", 100, ADDRESS, business.id),
                                                   NewService("B", 100, ADDRESS, business.id))))
    assert (world.used(residential.id), world.used(business.id)) == (0, 3)
    assert world.customers.service(first.id).profile_counted and not world.customers.service(second.id).profile_counted

    moved, description = world.customers.change_profile(second.id, residential.id)
    assert (moved.suspension_profile_id, description) == (residential.id, "Residencial")
    world.customers.change_profile(first.id, residential.id)
    assert (world.used(residential.id), world.used(business.id)) == (2, 2)
    assert world.customers.service(first.id) == Service(**{**first.__dict__, "suspension_profile_id": residential.id})
    with pytest.raises(NotFoundError, match="Perfil de suspensão de ID 99 não encontrado"):
        world.service(99)
    with pytest.raises(NotFoundError, match="Perfil de suspensão de ID 99 não encontrado"):
        world.customers.change_profile(first.id, 99)
    assert (world.used(residential.id), world.used(business.id)) == (2, 2)


def test_delete_is_refused_while_used_or_default(world: World) -> None:
    residential = world.profiles.create("Residencial", 2, 5, default=True)
    business = world.profiles.create("Empresarial", 0, 30, default=False)
    service = world.service(business.id)
    with pytest.raises(BusinessRuleError, match="está em uso por 1 serviço"):
        world.profiles.delete(business.id)
    with pytest.raises(BusinessRuleError, match="é o padrão"):
        world.profiles.delete(residential.id)
    world.customers.change_profile(service.id, residential.id)
    assert [p.id for p in world.profiles.delete(business.id)] == [residential.id]
    with pytest.raises(NotFoundError):
        world.profiles.get(business.id)


def test_changes_keep_one_default_and_never_touch_the_count(world: World) -> None:
    first = world.profiles.create("Primeiro", 2, 5, default=True)
    second = world.profiles.create("Segundo", 2, 5, default=True)
    world.service(first.id)
    assert world.defaults() == [second.id]
    changed = world.profiles.change(first.id, ProfileChange(description="Primeiro!", suspension_days=9, default=True))
    assert (changed.description, changed.warning_days, changed.suspension_days, changed.default,
            changed.services) == ("Primeiro!", 2, 9, True, 1)
    assert world.defaults() == [first.id]
    with pytest.raises(BusinessRuleError, match="Escolha outro perfil como padrão"):
        world.profiles.change(first.id, ProfileChange(default=False))
    assert world.profiles.get(first.id) == changed


def test_a_default_flagged_before_the_pointer_existed_is_replaced(world: World) -> None:
    world.legacy_profile(SuspensionProfile(50, "Antigo padrão", 2, 5, default=True))
    assert world.defaults() == [50]
    new = world.profiles.create("Novo padrão", 3, 10, default=True)
    assert world.defaults() == [new.id]
    world.profiles.change(50, ProfileChange(default=True))
    assert world.defaults() == [50]
    world.flag_default_as_before(new.id)  # the pointer still says 50: a rollback and a roll forward
    assert world.defaults() == [new.id]
    later = world.profiles.create("Depois", 1, 3, default=True)
    assert world.defaults() == [later.id]


def test_the_one_off_count_and_the_profiles_from_before_it(world: World) -> None:
    world.legacy_profile(SuspensionProfile(50, "Antigo", 2, 5))
    world.legacy_profile(SuspensionProfile(51, "Antigo sem uso", 2, 5))
    older = [world.legacy_service(50), world.legacy_service(50), world.legacy_service(77)]
    world.service()
    assert world.used(50) is None
    with pytest.raises(BusinessRuleError, match="ainda não foram contados"):
        world.profiles.delete(51)  # no service may be on it, but nobody has counted yet

    assert world.customers.count_profile_usage() == ProfileUsageCount(2, (older[2].id,))
    assert world.profiles.finish_usage_count() == 2
    assert (world.used(50), world.used(51)) == (2, 0)
    assert world.customers.count_profile_usage() == ProfileUsageCount(0, (older[2].id,))
    assert world.profiles.finish_usage_count() == 0 and world.used(50) == 2
    world.profiles.delete(51)
    world.customers.change_profile(older[0].id, world.profiles.create("Novo", 0, 10, default=False).id)
    assert world.used(50) == 1


# ------------------------------------------------------------------ DynamoDB only
def test_ops_counts_the_services_from_before_the_count(stack: Container, capsys: pytest.CaptureFixture[str]) -> None:
    w = world_on("dynamodb", stack)
    w.legacy_profile(SuspensionProfile(50, "Antigo", 2, 5))
    w.legacy_service(50)
    lost = w.legacy_service(77)

    assert main(["count-profile-usage"]) == 1
    out = capsys.readouterr().out
    assert "1 serviço(s) contados nos seus perfis de suspensão; 1 perfil(is) com a contagem completa" in out
    assert f"Serviço {lost.id}: o perfil de suspensão dele não existe; segue o perfil padrão" in out
    assert w.used(50) == 1
    w.customers.change_profile(lost.id, 50)  # given an existing profile: nothing left to report
    assert main(["count-profile-usage"]) == 0
    assert "0 serviço(s) contados" in capsys.readouterr().out
    assert w.used(50) == 2


def test_a_transaction_that_collided_is_sent_again(stack: Container) -> None:
    sent: list[int] = []

    def write(txn: LabelledTransaction[str]) -> None:
        sent.append(len(sent))
        if len(sent) == 1:
            raise cancelled(ITEM_CONFLICT)  # as DynamoDB answers a collision with another transaction
        txn.save("x", DefaultProfileItem("TESTE", "X", profile_id=1), condition=SettingsItem.pk.does_not_exist())

    assert commit_labelled(write) == [] and sent == [0, 1]
    assert commit_labelled(write) == ["x"]  # a lost condition is answered, not retried
    assert sent == [0, 1, 2]

    def always_colliding(txn: LabelledTransaction[str]) -> None:
        raise cancelled(ITEM_CONFLICT)

    with pytest.raises(ConflictError, match="tente de novo"):
        commit_labelled(always_colliding)

    def throttled(txn: LabelledTransaction[str]) -> None:
        raise cancelled("ThrottlingError")

    with pytest.raises(TransactWriteError):
        commit_labelled(throttled)


# ------------------------------------------------------------------ races against moto's server
def pointed_default() -> int | None:
    try:
        return int(DefaultProfileItem.get(PROFILES, DEFAULT_SK, consistent_read=True).profile_id)
    except DefaultProfileItem.DoesNotExist:
        return None


def on_profile(customers: CustomerService, services: list[Service], profile_id: int) -> list[int]:
    return [s.id for s in services if customers.service(s.id).suspension_profile_id == profile_id]


def contend(w: World, profile_id: int, services: list[Service], created: list[Service],
            first: str) -> tuple[list[Any], list[Exception]]:
    """Racer 0 deletes the profile; each of the others moves one of ``services`` to it, or (once they are taken)
    creates a service with it, appended to ``created``. ``first`` holds the other side back until one side has
    landed (``together``: nobody waits)."""
    deleted, landed = threading.Event(), threading.Event()

    def act(i: int) -> Any:
        if i == 0:
            if first == "assign":
                landed.wait(30)
            try:
                return w.profiles.delete(profile_id)
            finally:
                deleted.set()
        if first == "delete":
            deleted.wait(30)
        if i <= len(services):
            result: Any = w.customers.change_profile(services[i - 1].id, profile_id)
        else:
            result = w.service(profile_id)
            created.append(result)
        landed.set()
        return result

    return race(act)


@pytest.mark.parametrize("first", ["delete", "assign", "together"])
def test_a_delete_racing_assignments_never_leaves_a_service_on_a_deleted_profile(server_stack: Container,
                                                                                 first: str) -> None:
    """One thread deletes a profile while the others move services to it or create services with it, in both
    orders and at once."""
    w = world_on("dynamodb", server_stack)
    parking = w.profiles.create("Estacionamento", 0, 30, default=False)
    services = [w.service(parking.id) for _ in range(RACERS // 2)]  # moved by half of the racers
    created: list[Service] = []  # by the other half
    for round_number in range(3):
        profile = w.profiles.create(f"Disputado {round_number}", 0, 30, default=False)
        wins, losses = contend(w, profile.id, services, created, first)
        assert all(isinstance(e, (NotFoundError, BusinessRuleError)) for e in losses), losses
        users = on_profile(w.customers, services + created, profile.id)
        try:
            remaining = w.profiles.get(profile.id)
        except NotFoundError:
            assert users == [], "a service points to a deleted profile"
            assert len(losses) == RACERS - 1  # every assignment and creation was refused
            assert first != "assign"
        else:
            assert remaining.services == len(users) > 0
            # the refused delete says how many services had landed when it was refused
            [refusal] = [str(e) for e in losses if "está em uso" in str(e)]
            found = re.fullmatch(rf"O perfil de suspensão {profile.id} \(Disputado {round_number}\) está em uso por "
                                 r"(\d+) serviços?; troque o perfil del(?:e|es) antes de excluí-lo\.", refusal)
            assert found and 1 <= int(found[1]) <= len(users), refusal
            assert first != "delete"
        for service in services:  # back to the parking profile for the next round
            w.customers.change_profile(service.id, parking.id)
    assert w.used(parking.id) == len(on_profile(w.customers, services + created, parking.id))


def test_racing_default_changes_leave_exactly_one_default(server_stack: Container) -> None:
    w = world_on("dynamodb", server_stack)
    w.profiles.create("Padrão", 2, 5, default=True)
    others = [w.profiles.create(f"Perfil {i}", 2, 5, default=False) for i in range(RACERS // 2)]

    def act(i: int) -> SuspensionProfile:
        if i % 2:
            return w.profiles.change(others[i // 2].id, ProfileChange(default=True))
        return w.profiles.create(f"Novo {i}", 2, 5, default=True)

    wins, losses = race(act)
    assert wins and all(isinstance(e, ConflictError) for e in losses), losses
    assert len(w.defaults()) == 1
    assert pointed_default() == w.defaults()[0]


def test_racing_moves_of_one_service_keep_every_count_true(server_stack: Container) -> None:
    w = world_on("dynamodb", server_stack)
    targets = [w.profiles.create(f"Perfil {i}", 0, 30, default=False) for i in range(3)]
    service = w.service(targets[0].id)

    wins, losses = race(lambda i: w.customers.change_profile(service.id, targets[i % 3].id))
    assert wins and all(isinstance(e, ConflictError) for e in losses), losses
    now = w.customers.service(service.id).suspension_profile_id
    assert [w.used(p.id) for p in targets] == [int(p.id == now) for p in targets]

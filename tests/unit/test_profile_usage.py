"""A service's suspension profile and the profiles' usage counts (over the in-memory stores): counted when a
service is created with a profile or moved to another one, never below zero, and the one-off count of services
whose profile was chosen before the count was kept."""
from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from chalicelib.billing.suspension.service import SuspensionProfile, SuspensionProfiles
from chalicelib.customers.model import Address, NewCustomer, NewService, Service
from chalicelib.customers.service import CustomerService, ProfileUsageCount
from chalicelib.errors import ConflictError, NotFoundError
from tests.conftest import MutableClock
from tests.fakes import InMemoryCustomerStore, InMemoryProfileStore, InMemorySequences

ADDRESS = Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")


@dataclass
class World:
    store: InMemoryProfileStore
    customer_store: InMemoryCustomerStore
    profiles: SuspensionProfiles
    customers: CustomerService

    def used(self, profile_id: int) -> int | None:
        return self.profiles.get(profile_id).services


@pytest.fixture
def world(clock: MutableClock) -> World:
    store = InMemoryProfileStore()
    sequences = InMemorySequences()
    profiles = SuspensionProfiles(store, sequences)
    customer_store = InMemoryCustomerStore(store)
    return World(store, customer_store, profiles, CustomerService(customer_store, sequences, clock, profiles))


def register(world: World, *profile_ids: int | None, document: str = "52998224725") -> list[Service]:
    customer = world.customers.register(NewCustomer(
        name="Maria da Silva", document=document, phone="11987654321", email="",
        services=tuple(NewService("Fibra", 9990, ADDRESS, suspension_profile_id=p) for p in profile_ids)))
    return list(customer.services)


def test_services_created_with_a_profile_are_counted_on_it(world: World) -> None:
    residential = world.profiles.create("Residencial", 2, 5, default=True)
    business = world.profiles.create("Empresarial", 0, 30, default=False)
    services = register(world, business.id, business.id, None)
    assert [s.profile_counted for s in services] == [True, True, False]
    world.customers.add_service(services[0].customer_id, NewService("Fibra 2", 9990, ADDRESS, business.id))
    # services without a profile follow the default and are not counted on it
    assert (world.used(residential.id), world.used(business.id)) == (0, 3)


def test_an_unknown_profile_refuses_the_whole_customer(world: World) -> None:
    business = world.profiles.create("Empresarial", 0, 30, default=False)
    with pytest.raises(NotFoundError, match="Perfil de suspensão de ID 9 não encontrado"):
        register(world, business.id, 9)
    assert world.used(business.id) == 0 and world.customer_store.customers == {}


def test_changing_the_profile_moves_the_counts(world: World) -> None:
    residential = world.profiles.create("Residencial", 2, 5, default=True)
    business = world.profiles.create("Empresarial", 0, 30, default=False)
    [service] = register(world, None)
    moved, description = world.customers.change_profile(service.id, business.id)
    assert (moved.suspension_profile_id, moved.profile_counted, description) == (business.id, True, "Empresarial")
    assert world.customers.service(service.id) == moved
    assert (world.used(residential.id), world.used(business.id)) == (0, 1)
    world.customers.change_profile(service.id, residential.id)
    assert (world.used(residential.id), world.used(business.id)) == (1, 0)
    again, _ = world.customers.change_profile(service.id, residential.id)  # already there: nothing moves
    assert again == world.customers.service(service.id) and world.used(residential.id) == 1


def test_unknown_service_or_profile_changes_nothing(world: World) -> None:
    business = world.profiles.create("Empresarial", 0, 30, default=False)
    [service] = register(world, business.id)
    with pytest.raises(NotFoundError, match="Serviço de cliente de ID 99 não encontrado"):
        world.customers.change_profile(99, business.id)
    with pytest.raises(NotFoundError, match="Perfil de suspensão de ID 7 não encontrado"):
        world.customers.change_profile(service.id, 7)
    assert world.customers.service(service.id) == service and world.used(business.id) == 1


def test_a_service_changed_since_it_was_read_is_a_conflict(world: World) -> None:
    business = world.profiles.create("Empresarial", 0, 30, default=False)
    other = world.profiles.create("Outro", 0, 30, default=False)
    [service] = register(world, None)
    world.customers.change_profile(service.id, business.id)
    with pytest.raises(ConflictError, match="O serviço foi alterado por outra requisição"):
        world.customer_store.change_profile(service, other.id, None)  # the service as read before that change
    assert (world.used(business.id), world.used(other.id)) == (1, 0)


def legacy_service(world: World, profile: SuspensionProfile, document: str) -> Service:
    """A service whose profile was chosen before the count was kept: not counted on it."""
    [service] = register(world, None, document=document)
    stored = replace(service, suspension_profile_id=profile.id, profile_counted=False)
    world.customer_store._replace(stored)
    return stored


def test_a_service_from_before_the_count_takes_nothing_off_its_old_profile(world: World) -> None:
    old = SuspensionProfile(50, "Antigo", 2, 5)
    world.store.legacy(old)
    business = world.profiles.create("Empresarial", 0, 30, default=False)
    service = legacy_service(world, old, "52998224725")
    world.customers.change_profile(service.id, business.id)
    assert world.store.counts[old.id] == 0 and world.used(business.id) == 1


def test_the_one_off_count_counts_each_older_service_once(world: World) -> None:
    old = SuspensionProfile(50, "Antigo", 2, 5)
    world.store.legacy(old)
    gone = SuspensionProfile(51, "Excluído", 2, 5)
    legacy_service(world, old, "52998224725")
    kept = legacy_service(world, old, "11144477735")
    lost = legacy_service(world, gone, "12345678909")  # its profile no longer exists
    register(world, None, document="39053344705")
    assert world.used(old.id) is None  # not known until counted

    assert world.customers.count_profile_usage() == ProfileUsageCount(2, (lost.id,))
    assert world.profiles.finish_usage_count() == 1
    assert world.used(old.id) == 2
    assert world.customers.count_profile_usage() == ProfileUsageCount(0, (lost.id,))  # counted once
    assert world.used(old.id) == 2
    world.customers.change_profile(kept.id, world.profiles.create("Novo", 0, 10, default=False).id)
    assert world.used(old.id) == 1  # counted now: moving it takes it off

"""Suspension profiles: their validation, the dates they give an invoice, editing and deleting them, and the one
default profile."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.billing.invoices.service import SUSPENSION, WARNING
from chalicelib.billing.suspension.service import (
    BUILT_IN,
    COUNT_COMMAND,
    DefaultAsRead,
    ProfileChange,
    SuspensionProfile,
    SuspensionProfiles,
)
from chalicelib.customers.model import Address, Service
from chalicelib.errors import BusinessRuleError, ConflictError, NotFoundError, ValidationError
from tests.fakes import InMemoryProfileStore, InMemorySequences

SERVICE = Service(1, 1, "Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000"))


@pytest.fixture
def store() -> InMemoryProfileStore:
    return InMemoryProfileStore()


@pytest.fixture
def profiles(store: InMemoryProfileStore) -> SuspensionProfiles:
    return SuspensionProfiles(store, InMemorySequences())


def defaults(profiles: SuspensionProfiles) -> list[int]:
    return [p.id for p in profiles.list() if p.default]


@pytest.mark.parametrize("warning, suspension, message", [
    (0, 0, "dias_bloqueio deve estar entre 1 e 365"),
    (5, 400, "dias_bloqueio deve estar entre 1 e 365"),
    (10, 10, "dias_aviso deve ser zero (sem aviso) ou menor que dias_bloqueio"),
    (-1, 10, "dias_aviso deve ser zero"),
])
def test_refusals(profiles: SuspensionProfiles, warning: int, suspension: int, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        profiles.create("X", warning, suspension, default=False)
    assert any(message in e for e in refused.value.errors)


def test_an_invoice_is_warned_then_suspended_from_its_due_date(profiles: SuspensionProfiles) -> None:
    plan = profiles.create("Residencial", 3, 10, default=False).plan
    assert plan.first_step(date(2026, 12, 10)) == (WARNING, date(2026, 12, 17))
    assert plan.suspension_day(date(2026, 12, 10)) == date(2026, 12, 20)
    no_warning = profiles.create("Empresarial", 0, 30, default=False).plan
    assert no_warning.first_step(date(2026, 12, 10)) == (SUSPENSION, date(2027, 1, 9))


def test_services_without_a_profile_follow_the_default(profiles: SuspensionProfiles) -> None:
    assert profiles.for_service(SERVICE) == BUILT_IN.plan
    assert profiles.list() == [BUILT_IN]
    mine = profiles.create("Padrão do provedor", 2, 5, default=True)
    assert profiles.for_service(SERVICE) == mine.plan
    assert profiles.list() == [mine]
    other = profiles.create("Outro", 1, 3, default=False)
    assert profiles.for_service(replace(SERVICE, suspension_profile_id=other.id)) == other.plan


def test_a_change_keeps_what_it_leaves_out(profiles: SuspensionProfiles) -> None:
    profile = profiles.create("Residencial", 3, 10, default=False)
    changed = profiles.change(profile.id, ProfileChange(suspension_days=20))
    assert changed == replace(profile, suspension_days=20)
    changed = profiles.change(profile.id, ProfileChange(description="Residencial 2", warning_days=0))
    assert (changed.description, changed.warning_days, changed.suspension_days) == ("Residencial 2", 0, 20)
    assert profiles.get(profile.id) == changed


@pytest.mark.parametrize("change, message", [
    (ProfileChange(warning_days=10), "dias_aviso deve ser zero (sem aviso) ou menor que dias_bloqueio"),
    (ProfileChange(suspension_days=3), "dias_aviso deve ser zero (sem aviso) ou menor que dias_bloqueio"),
    (ProfileChange(suspension_days=366), "dias_bloqueio deve estar entre 1 e 365"),
    (ProfileChange(), "Informe ao menos um dos campos"),
])
def test_a_change_is_checked_against_the_days_it_keeps(profiles: SuspensionProfiles, change: ProfileChange,
                                                       message: str) -> None:
    profile = profiles.create("Residencial", 3, 10, default=False)
    with pytest.raises(ValidationError) as refused:
        profiles.change(profile.id, change)
    assert any(message in e for e in refused.value.errors), refused.value.errors
    assert profiles.get(profile.id) == profile  # nothing changed


def test_unknown_and_built_in_profiles_are_not_changed_nor_deleted(profiles: SuspensionProfiles) -> None:
    for profile_id in (0, 9):
        with pytest.raises(NotFoundError, match=f"Perfil de suspensão de ID {profile_id} não encontrado"):
            profiles.change(profile_id, ProfileChange(description="X"))
        with pytest.raises(NotFoundError):
            profiles.delete(profile_id)


def test_there_is_always_exactly_one_default(profiles: SuspensionProfiles) -> None:
    assert defaults(profiles) == [BUILT_IN.id]
    first = profiles.create("Primeiro", 2, 5, default=True)
    second = profiles.create("Segundo", 2, 5, default=True)  # takes the default from the first
    assert defaults(profiles) == [second.id]
    profiles.change(first.id, ProfileChange(default=True))
    assert defaults(profiles) == [first.id]
    profiles.change(first.id, ProfileChange(default=True, description="Primeiro!"))  # already the default
    assert defaults(profiles) == [first.id]
    profiles.change(second.id, ProfileChange(default=False))  # not the default: nothing to give up
    assert defaults(profiles) == [first.id]
    assert profiles.for_service(SERVICE) == first.plan


def test_the_default_is_not_unset_but_replaced(profiles: SuspensionProfiles) -> None:
    default = profiles.create("Residencial", 2, 5, default=True)
    with pytest.raises(BusinessRuleError, match=r"Escolha outro perfil como padrão .* perfil de suspensão 1 "
                                                r"\(Residencial\) deixe de sê-lo"):
        profiles.change(default.id, ProfileChange(default=False, description="Outro nome"))
    assert profiles.get(default.id) == default  # nothing changed, the description neither


class StaleDefaults(InMemoryProfileStore):
    """A store whose default is read one write late, as by a request that lost a race to another one."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = DefaultAsRead(None, ())

    def current_default(self) -> DefaultAsRead:
        stale, self.seen = self.seen, super().current_default()
        return stale


def test_a_default_that_changed_since_it_was_read_is_a_conflict() -> None:
    store = StaleDefaults()
    profiles = SuspensionProfiles(store, InMemorySequences())
    first = profiles.create("Primeiro", 2, 5, default=True)  # read no default: right
    second = profiles.create("Segundo", 2, 5, default=False)
    with pytest.raises(ConflictError, match="Outro perfil passou a ser o padrão"):
        profiles.create("Terceiro", 2, 5, default=True)  # read the list before the first was the default
    store.seen = DefaultAsRead(None, ())  # again as before the first was the default
    with pytest.raises(ConflictError, match="Outro perfil passou a ser o padrão"):
        profiles.change(second.id, ProfileChange(default=True))
    assert [p.id for p in store.all() if p.default] == [first.id] and store.pointer == first.id
    assert [p.id for p in store.all()] == [first.id, second.id]


def test_a_profile_in_use_or_the_default_is_not_deleted(profiles: SuspensionProfiles,
                                                         store: InMemoryProfileStore) -> None:
    default = profiles.create("Residencial", 2, 5, default=True)
    used = profiles.create("Empresarial", 0, 30, default=False)
    store.count(used.id, 2)
    with pytest.raises(BusinessRuleError, match=r"perfil de suspensão 1 \(Residencial\) é o padrão; escolha outro"):
        profiles.delete(default.id)
    with pytest.raises(BusinessRuleError, match=r"\(Empresarial\) está em uso por 2 serviços; troque o perfil "
                                                "deles antes de excluí-lo"):
        profiles.delete(used.id)
    store.count(used.id, -1)
    with pytest.raises(BusinessRuleError, match="está em uso por 1 serviço; troque o perfil dele"):
        profiles.delete(used.id)
    store.count(used.id, -1)
    assert profiles.delete(used.id) == [default]
    with pytest.raises(NotFoundError):
        profiles.delete(used.id)


def test_a_profile_older_than_the_count_is_deleted_only_once_counted(profiles: SuspensionProfiles,
                                                                      store: InMemoryProfileStore) -> None:
    store.legacy(SuspensionProfile(5, "Antigo", 2, 5))
    assert profiles.get(5).services is None
    with pytest.raises(BusinessRuleError, match=f"ainda não foram contados; a operação precisa rodar "
                                                f"`{COUNT_COMMAND}`"):
        profiles.delete(5)
    assert profiles.finish_usage_count() == 1
    assert profiles.get(5).services == 0
    assert profiles.finish_usage_count() == 0
    assert profiles.delete(5) == [BUILT_IN]


class RacingDelete(InMemoryProfileStore):
    """A service is assigned between the delete's read and its conditional write."""

    def delete(self, profile_id: int) -> bool:
        self.count(profile_id, 1)
        return super().delete(profile_id)


def test_a_delete_losing_to_an_assignment_says_why() -> None:
    profiles = SuspensionProfiles(RacingDelete(), InMemorySequences())
    profile = profiles.create("Empresarial", 0, 30, default=False)
    with pytest.raises(BusinessRuleError, match="está em uso por 1 serviço"):
        profiles.delete(profile.id)
    assert profiles.get(profile.id).services == 1

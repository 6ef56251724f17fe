"""Suspension profiles: their validation, the dates they give an invoice, and the default profile."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.billing.invoices.service import SUSPENSION, WARNING
from chalicelib.billing.suspension.service import BUILT_IN, SuspensionProfile, SuspensionProfiles
from chalicelib.customers.model import Address, Service
from chalicelib.errors import ValidationError
from tests.fakes import InMemorySequences

SERVICE = Service(1, 1, "Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000"))


class Profiles:
    def __init__(self) -> None:
        self.profiles: dict[int, SuspensionProfile] = {}

    def add(self, profile: SuspensionProfile) -> None:
        if profile.default:
            self.profiles = {k: SuspensionProfile(p.id, p.description, p.warning_days, p.suspension_days)
                             for k, p in self.profiles.items()}
        self.profiles[profile.id] = profile

    def get(self, profile_id: int) -> SuspensionProfile | None:
        return self.profiles.get(profile_id)

    def all(self) -> list[SuspensionProfile]:
        return list(self.profiles.values())


@pytest.fixture
def profiles() -> SuspensionProfiles:
    return SuspensionProfiles(Profiles(), InMemorySequences())


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

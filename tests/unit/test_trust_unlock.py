"""Trust unlock rules with in-memory fakes: the profile's limits (days, unlocks a calendar month, 0: none), the
days in the provider's time zone, the event and its message, and the tick ending trusts (suspended again while
owing, only cleared once paid, missed days caught up)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.billing.invoices.service import OPEN, Invoice
from chalicelib.billing.suspension.service import (
    BUILT_IN,
    DEFAULT_TRUST_DAYS,
    DEFAULT_TRUST_PER_MONTH,
    SuspensionProfile,
    SuspensionProfiles,
)
from chalicelib.billing.suspension.trust import TrustUnlocks, allowed_days, until_day
from chalicelib.customers.model import Address, Service
from chalicelib.errors import BusinessRuleError, NotFoundError, ValidationError
from chalicelib.notify import templates
from tests.conftest import MutableClock
from tests.fakes import InMemoryProfileStore, InMemorySequences, InMemoryTrustStore

ZONE = ZoneInfo("America/Sao_Paulo")
SERVICE = Service(7, 3, "Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000"))
INVOICE = Invoice(41, 7, 3, 9990, date(2026, 12, 8), "", OPEN, datetime(2026, 12, 1, tzinfo=UTC), suspended=True)


class Profiles:
    def __init__(self, profile: SuspensionProfile) -> None:
        self.profile = profile

    def profile_of(self, service: Service) -> SuspensionProfile:
        return self.profile


class Invoices:
    def get(self, invoice_id: int) -> Invoice | None:
        return INVOICE if invoice_id == INVOICE.id else None


def profile(days: int = 3, per_month: int = 1) -> SuspensionProfile:
    return SuspensionProfile(5, "Residencial", 0, 1, trust_days=days, trust_per_month=per_month)


def unlocks(store: InMemoryTrustStore, clock: MutableClock, days: int = 3, per_month: int = 1) -> TrustUnlocks:
    ids = iter(range(1000))
    return TrustUnlocks(store, Profiles(profile(days, per_month)), Invoices(), clock, ZONE, lambda: f"e{next(ids)}")


@pytest.fixture
def store() -> InMemoryTrustStore:
    store = InMemoryTrustStore()
    store.suspend(SERVICE, INVOICE.id)
    return store


def test_defaults_and_the_built_in_profile() -> None:
    assert (DEFAULT_TRUST_DAYS, DEFAULT_TRUST_PER_MONTH) == (3, 1)
    assert (BUILT_IN.trust_days, BUILT_IN.trust_per_month) == (3, 1)


@pytest.mark.parametrize("today, days, until", [
    (date(2026, 12, 10), 1, date(2026, 12, 11)),  # HubSoft's default: until the next day
    (date(2026, 12, 10), 2, date(2026, 12, 12)),
    (date(2026, 12, 31), 1, date(2027, 1, 1)),
    (date(2028, 2, 28), 2, date(2028, 3, 1)),  # leap year
])
def test_until_day(today: date, days: int, until: date) -> None:
    assert until_day(today, days) == until


@pytest.mark.parametrize("days, per_month, asked, used, message", [
    (0, 1, 1, 0, "não permite desbloqueio em confiança"),
    (3, 0, 1, 0, "não permite desbloqueio em confiança"),
    (3, 1, 4, 0, "no máximo 3 dias pelo perfil de suspensão do serviço (Residencial); foram pedidos 4 dias"),
    (1, 1, 2, 0, "no máximo 1 dia"),
    (3, 1, 1, 1, "já teve 1 desbloqueio em confiança neste mês"),
    (3, 2, 1, 2, "já teve 2 desbloqueios em confiança neste mês"),
])
def test_the_profile_limits_refuse(days: int, per_month: int, asked: int, used: int, message: str) -> None:
    with pytest.raises(BusinessRuleError) as refused:
        allowed_days(profile(days, per_month), asked, used, 7)
    assert message in refused.value.message


def test_within_the_limits_is_allowed() -> None:
    allowed_days(profile(3, 2), 3, 1, 7)  # raises nothing


def test_profiles_validate_their_trust_limits() -> None:
    profiles = SuspensionProfiles(InMemoryProfileStore(), InMemorySequences())
    with pytest.raises(ValidationError) as refused:
        profiles.create("X", 0, 5, False, trust_days=31, trust_per_month=-1)
    assert any("dias_desbloqueio_confianca deve estar entre 0" in e for e in refused.value.errors)
    assert any("desbloqueios_confianca_mes deve estar entre 0" in e for e in refused.value.errors)
    created = profiles.create("Y", 0, 5, False)
    assert (created.trust_days, created.trust_per_month) == (DEFAULT_TRUST_DAYS, DEFAULT_TRUST_PER_MONTH)


def test_an_unlock_is_counted_in_the_local_month_and_raises_its_event(store: InMemoryTrustStore) -> None:
    clock = MutableClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # still 30/11 in São Paulo
    done = unlocks(store, clock).unlock(SERVICE.id, 2)
    assert done.until == date(2026, 12, 2)
    record = store.records[SERVICE.id]
    assert (record.trusted_until, record.month, record.count) == (date(2026, 12, 2), "2026-11", 1)
    [event] = store.events
    assert event["type"] == "desbloqueio_confianca"
    assert event["payload"] == {"id_cliente": 3, "id_cliente_servico": 7, "desbloqueio_ate": "2026-12-02",
                                "dias_desbloqueio": 2}


def test_refusals_write_nothing(store: InMemoryTrustStore, clock: MutableClock) -> None:
    service = unlocks(store, clock)
    with pytest.raises(NotFoundError):
        service.unlock(99)
    store.suspend(SERVICE)  # paid: nothing keeps it suspended
    with pytest.raises(BusinessRuleError, match="não está suspenso"):
        service.unlock(SERVICE.id)
    assert store.events == [] and store.ends == {}


def test_the_month_count_starts_again_next_month(store: InMemoryTrustStore) -> None:
    clock = MutableClock(datetime(2026, 12, 10, 13, 0, tzinfo=UTC))
    service = unlocks(store, clock, per_month=1)
    service.unlock(SERVICE.id)
    service.run(datetime(2026, 12, 11, 13, 0, tzinfo=UTC))  # suspended again
    with pytest.raises(BusinessRuleError, match="neste mês"):
        service.unlock(SERVICE.id)
    clock.advance(days=22)  # 2027-01-01
    assert service.unlock(SERVICE.id).until == date(2027, 1, 2)
    assert store.records[SERVICE.id].count == 1 and store.records[SERVICE.id].month == "2027-01"


def test_the_tick_suspends_again_on_the_end_day_and_catches_up_missed_days(store: InMemoryTrustStore,
                                                                           clock: MutableClock) -> None:
    service = unlocks(store, clock)
    service.unlock(SERVICE.id, 2)  # until 12/12
    assert service.run(datetime(2026, 12, 12, 2, 59, tzinfo=UTC)) == {"suspensos_novamente": 0,
                                                                       "encerrados_pagos": 0}  # 11/12 23:59
    assert store.records[SERVICE.id].trusted_until == date(2026, 12, 12)
    # The tick did not run for three days: the one of the 15th still ends it.
    assert service.run(datetime(2026, 12, 15, 13, 0, tzinfo=UTC))["suspensos_novamente"] == 1
    assert store.records[SERVICE.id].trusted_until is None
    suspended = store.events[-1]
    assert suspended["type"] == "servico_suspenso"
    assert (suspended["payload"]["id_fatura"], suspended["payload"]["data_bloqueio"],
            suspended["payload"]["fim_desbloqueio_confianca"]) == (41, "2026-12-15", "2026-12-12")
    assert service.run(datetime(2026, 12, 15, 14, 0, tzinfo=UTC))["suspensos_novamente"] == 0


def test_once_paid_the_tick_only_clears_it(store: InMemoryTrustStore, clock: MutableClock) -> None:
    service = unlocks(store, clock)
    service.unlock(SERVICE.id)
    store.suspend(SERVICE)  # the invoice was paid
    assert service.run(datetime(2026, 12, 11, 13, 0, tzinfo=UTC)) == {"suspensos_novamente": 0,
                                                                       "encerrados_pagos": 1}
    assert [e["type"] for e in store.events] == ["desbloqueio_confianca"]
    assert store.ends == {}


def test_the_default_message_names_the_day() -> None:
    kind = templates.kind_of("desbloqueio_confianca")
    values = templates.variables_of(kind, {"id_cliente": 3, "desbloqueio_ate": "2026-12-12", "dias_desbloqueio": 2},
                                    "MARIA DA SILVA", ZONE)
    assert templates.render(kind.default_text, values) == (
        "Olá, Maria! Seu serviço foi desbloqueado em confiança até 12/12/2026. Se a fatura em aberto não for paga "
        "até lá, ele será suspenso novamente.")
    templates.check(kind, kind.default_text)  # its own variables only

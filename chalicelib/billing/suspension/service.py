"""Suspension profiles (perfis de suspensão) and dunning: an open invoice
``dias_bloqueio`` days past due suspends its service, after a warning
``dias_aviso`` days before; paying or cancelling it lifts the suspension
once no other unpaid invoice keeps the service suspended.

Each open invoice carries its next dunning step and its day (set when the
invoice is created, from its service's profile or the default one); the
hourly tick reads the steps due today through an index and moves each
invoice on with a write conditioned on its version, the event for the
customer in the same transaction, so a tick re-run or overlapping another
warns and suspends once.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from chalicelib.billing import events
from chalicelib.billing.invoices.service import SUSPENSION, WARNING, DunningPlan, Invoice
from chalicelib.customers.model import Service
from chalicelib.errors import ValidationError, require_found
from chalicelib.ports import Sequences
from chalicelib.queues import Message

DEFAULT_PROFILE = 0  # built in until the provider marks one of theirs as the default
DEFAULT_WARNING_DAYS = 5
DEFAULT_SUSPENSION_DAYS = 15
MAX_DAYS = 365
LOOKBACK_DAYS = 7  # steps missed while the tick did not run are still taken


@dataclass(frozen=True)
class SuspensionProfile:
    id: int
    description: str
    warning_days: int  # 0: no warning
    suspension_days: int
    default: bool = False

    @property
    def plan(self) -> DunningPlan:
        warn_after = self.suspension_days - self.warning_days if self.warning_days else None
        return DunningPlan(warn_after=warn_after, suspend_after=self.suspension_days)


BUILT_IN = SuspensionProfile(DEFAULT_PROFILE, "Padrão", DEFAULT_WARNING_DAYS, DEFAULT_SUSPENSION_DAYS, True)


class ProfileStore(Protocol):
    def add(self, profile: SuspensionProfile) -> None: ...
    def get(self, profile_id: int) -> SuspensionProfile | None: ...
    def all(self) -> list[SuspensionProfile]: ...


class DunningStore(Protocol):
    def dunning_on(self, step: str, day: date) -> Iterable[Invoice]: ...
    def write(self, invoice: Invoice, expected_version: int, events: Sequence[Message] = ()) -> bool: ...


class SuspensionProfiles:
    def __init__(self, store: ProfileStore, sequences: Sequences) -> None:
        self._store = store
        self._sequences = sequences

    def create(self, description: str, warning_days: int, suspension_days: int, default: bool) -> SuspensionProfile:
        errors = []
        if not 1 <= suspension_days <= MAX_DAYS:
            errors.append(f"O campo dias_bloqueio deve estar entre 1 e {MAX_DAYS}.")
        if not 0 <= warning_days < max(suspension_days, 1):
            errors.append("O campo dias_aviso deve ser zero (sem aviso) ou menor que dias_bloqueio.")
        if errors:
            raise ValidationError(errors)
        profile = SuspensionProfile(self._sequences.next_id("perfil_suspensao"), description, warning_days,
                                    suspension_days, default)
        self._store.add(profile)
        return profile

    def list(self) -> list[SuspensionProfile]:
        mine = sorted(self._store.all(), key=lambda p: p.id)
        if not any(p.default for p in mine):
            return [BUILT_IN, *mine]
        return mine

    def exists(self, profile_id: int) -> bool:
        return self._store.get(profile_id) is not None

    def for_service(self, service: Service) -> DunningPlan:
        """The plan of the service's profile, else of the default one."""
        profile = self._store.get(service.suspension_profile_id) if service.suspension_profile_id else None
        if profile is None:
            profile = next((p for p in self._store.all() if p.default), BUILT_IN)
        return profile.plan

    def get(self, profile_id: int) -> SuspensionProfile:
        return require_found(BUILT_IN if profile_id == DEFAULT_PROFILE else self._store.get(profile_id),
                             f"Perfil de suspensão de ID {profile_id} não encontrado")


class Dunning:
    def __init__(self, store: DunningStore, zone: tzinfo, new_id: Callable[[], str]) -> None:
        self._store = store
        self._zone = zone
        self._new_id = new_id

    def run(self, at: datetime) -> Mapping[str, Any]:
        """The tick's job: warn and suspend what is due at ``at`` (and was missed in the last days)."""
        today = at.astimezone(self._zone).date()
        warned = suspended = 0
        for day in (today - timedelta(days=n) for n in range(LOOKBACK_DAYS, -1, -1)):
            for invoice in self._store.dunning_on(WARNING, day):
                warned += self._warn(invoice, today)
            for invoice in self._store.dunning_on(SUSPENSION, day):
                suspended += self._suspend(invoice)
        return {"avisos": warned, "suspensoes": suspended}

    def _warn(self, invoice: Invoice, today: date) -> int:
        if not invoice.owed or invoice.dunning_on is None:
            return 0
        suspend_on = _suspension_day(invoice)
        moved = replace(invoice, dunning_step=SUSPENSION, dunning_on=suspend_on, version=invoice.version + 1)
        raised = []
        if suspend_on > today:  # a warning after the suspension day would only confuse
            raised = [events.dunning(events.SUSPENSION_WARNING, invoice, suspend_on.isoformat(), self._new_id)]
            moved = replace(moved, warned_on=today)
        return int(self._store.write(moved, invoice.version, raised) and bool(raised))

    def _suspend(self, invoice: Invoice) -> int:
        if not invoice.owed or invoice.dunning_on is None:
            return 0
        done = replace(invoice, dunning_step=None, dunning_on=None, suspended=True, version=invoice.version + 1)
        raised = [events.dunning(events.SERVICE_SUSPENDED, invoice, invoice.dunning_on.isoformat(), self._new_id)]
        return int(self._store.write(done, invoice.version, raised))


def _suspension_day(invoice: Invoice) -> date:
    assert invoice.dunning_on is not None
    return invoice.suspend_on or invoice.dunning_on

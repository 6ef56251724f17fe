"""Suspension profiles (perfis de suspensão) and dunning: an open invoice
``dias_bloqueio`` days past due suspends its service, after a warning
``dias_aviso`` days before; paying or cancelling it lifts the suspension
once no other unpaid invoice keeps the service suspended.

Each open invoice carries its next dunning step and its day (set when the
invoice is created, from its service's profile or the default one); the
hourly tick reads the steps due today through an index and moves each
invoice on with a write conditioned on its version, the event for the
customer in the same transaction, so a tick re-run or overlapping another
warns and suspends once. Changing a profile, the default or a service's
profile therefore changes the invoices created afterwards, not the open ones.

There is always exactly one default profile (the built-in one until the
provider marks one of theirs): the store changes the default in one write
conditioned on the default as read. Each profile counts the services that
chose it (the customers' store moves the count in the service's own
transaction), and its delete is conditioned on that count being zero.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from chalicelib.billing import events
from chalicelib.billing.invoices.service import SUSPENSION, WARNING, DunningPlan, Invoice
from chalicelib.customers.model import Service
from chalicelib.errors import BusinessRuleError, ConflictError, ValidationError, require_found
from chalicelib.ports import Sequences
from chalicelib.queues import Message

DEFAULT_PROFILE = 0  # built in until the provider marks one of theirs as the default
DEFAULT_WARNING_DAYS = 5
DEFAULT_SUSPENSION_DAYS = 15
MAX_DAYS = 365
LOOKBACK_DAYS = 7  # steps missed while the tick did not run are still taken
COUNT_COMMAND = "python -m ops count-profile-usage"
# Trust unlock (desbloqueio em confiança, ``trust.py``): at most this many days per unlock and unlocks per calendar
# month; 0 in either: not allowed. Profiles stored before these limits existed have the defaults.
DEFAULT_TRUST_DAYS = 3
DEFAULT_TRUST_PER_MONTH = 1
MAX_TRUST_DAYS = 30
MAX_TRUST_PER_MONTH = 10
DEFAULT_CHANGED = "Outro perfil passou a ser o padrão ao mesmo tempo; consulte os perfis e tente de novo."


@dataclass(frozen=True)
class SuspensionProfile:
    id: int
    description: str
    warning_days: int  # 0: no warning
    suspension_days: int
    default: bool = False
    # Services that chose it (those without a profile follow the default and are not counted); None: not known,
    # for the built-in profile and for one created before the count was kept, until COUNT_COMMAND has run.
    services: int | None = 0
    trust_days: int = DEFAULT_TRUST_DAYS  # the most days one trust unlock may last (0: none allowed)
    trust_per_month: int = DEFAULT_TRUST_PER_MONTH  # trust unlocks per calendar month (0: none allowed)

    @property
    def plan(self) -> DunningPlan:
        warn_after = self.suspension_days - self.warning_days if self.warning_days else None
        return DunningPlan(warn_after=warn_after, suspend_after=self.suspension_days)


BUILT_IN = SuspensionProfile(DEFAULT_PROFILE, "Padrão", DEFAULT_WARNING_DAYS, DEFAULT_SUSPENSION_DAYS, True, None)


@dataclass(frozen=True)
class ProfileChange:
    """A ``PUT`` of a profile: None keeps the current value."""

    description: str | None = None
    warning_days: int | None = None
    suspension_days: int | None = None
    default: bool | None = None
    trust_days: int | None = None
    trust_per_month: int | None = None

    @property
    def empty(self) -> bool:
        return self == ProfileChange()


@dataclass(frozen=True)
class DefaultAsRead:
    """The default profile as read before replacing it: where the store's one pointer to it pointed (None: it
    did not exist yet) and the profiles flagged as the default (one; more, or one the pointer disagrees with, only
    in data written by a release that kept no pointer)."""

    pointer: int | None
    flagged: tuple[int, ...]


class ProfileStore(Protocol):
    """Profiles and the default one. ``replacing``: None leaves the default alone; a DefaultAsRead makes the
    written profile the default in place of that one in the same write, which fails (False, nothing written)
    if the pointer moved since it was read."""

    def add(self, profile: SuspensionProfile, replacing: DefaultAsRead | None) -> bool: ...
    def change(self, profile: SuspensionProfile, replacing: DefaultAsRead | None) -> bool:
        """Its description and days (never its count); False when it is gone or the default changed."""
        ...
    def delete(self, profile_id: int) -> bool:
        """Only when no service is counted on it, its count is complete and it is not the default."""
        ...
    def get(self, profile_id: int) -> SuspensionProfile | None: ...
    def all(self) -> list[SuspensionProfile]: ...
    def current_default(self) -> DefaultAsRead: ...
    def finish_usage_count(self) -> int:
        """Mark every profile's count complete (after the older services were counted); how many were not."""
        ...


class DunningStore(Protocol):
    def dunning_on(self, step: str, day: date) -> Iterable[Invoice]: ...
    def write(self, invoice: Invoice, expected_version: int, events: Sequence[Message] = ()) -> bool: ...


class SuspensionProfiles:
    def __init__(self, store: ProfileStore, sequences: Sequences) -> None:
        self._store = store
        self._sequences = sequences

    def create(self, description: str, warning_days: int, suspension_days: int, default: bool,
               trust_days: int = DEFAULT_TRUST_DAYS, trust_per_month: int = DEFAULT_TRUST_PER_MONTH,
               ) -> SuspensionProfile:
        """``default`` makes it the default in place of the current one, in the same write."""
        _check_days(warning_days, suspension_days)
        _check_trust(trust_days, trust_per_month)
        profile = SuspensionProfile(self._sequences.next_id("perfil_suspensao"), description, warning_days,
                                    suspension_days, default, trust_days=trust_days, trust_per_month=trust_per_month)
        if not self._store.add(profile, self._defaults(profile.id) if default else None):
            raise ConflictError(DEFAULT_CHANGED)
        return profile

    def change(self, profile_id: int, change: ProfileChange) -> SuspensionProfile:
        """Edit a profile. ``default`` true makes it the default in place of the current one; false on the
        default is refused: there is always exactly one default, so another one must be chosen instead."""
        if change.empty:
            raise ValidationError(["Informe ao menos um dos campos descricao, dias_aviso, dias_bloqueio, "
                                   "dias_desbloqueio_confianca, desbloqueios_confianca_mes ou padrao."])
        current = self.get_own(profile_id)
        if change.default is False and current.default:
            raise BusinessRuleError(f"Escolha outro perfil como padrão (padrao: true nele) para que o perfil "
                                    f"{_named(current)} deixe de sê-lo: sempre há um perfil padrão.")
        becomes_default = bool(change.default) and not current.default
        changed = replace(
            current,
            description=change.description or current.description,
            warning_days=current.warning_days if change.warning_days is None else change.warning_days,
            suspension_days=current.suspension_days if change.suspension_days is None else change.suspension_days,
            default=current.default or becomes_default,
            trust_days=current.trust_days if change.trust_days is None else change.trust_days,
            trust_per_month=current.trust_per_month if change.trust_per_month is None else change.trust_per_month)
        _check_days(changed.warning_days, changed.suspension_days)
        _check_trust(changed.trust_days, changed.trust_per_month)
        if not self._store.change(changed, self._defaults(profile_id) if becomes_default else None):
            self.get_own(profile_id)  # deleted meanwhile: not found
            raise ConflictError(DEFAULT_CHANGED)
        return self._store.get(profile_id) or changed

    def delete(self, profile_id: int) -> list[SuspensionProfile]:
        """Refused while a service uses it or while it is the default; the store's condition decides, so a
        service assigned at the same moment either lands first (and the delete is refused) or is refused.
        Returns the profiles left."""
        _refuse_deleting(self.get_own(profile_id))
        if not self._store.delete(profile_id):
            _refuse_deleting(self.get_own(profile_id))  # what changed since it was read
            raise ConflictError("O perfil foi alterado por outra requisição; consulte-o e tente de novo.")
        return self.list()

    def list(self) -> list[SuspensionProfile]:
        mine = sorted(self._store.all(), key=lambda p: p.id)
        if not any(p.default for p in mine):
            return [BUILT_IN, *mine]
        return mine

    def description(self, profile_id: int) -> str | None:
        """The description of one of the provider's profiles; None when there is no such profile."""
        profile = self._store.get(profile_id)
        return profile.description if profile else None

    def for_service(self, service: Service) -> DunningPlan:
        """The plan of the service's profile, else of the default one."""
        return self.profile_of(service).plan

    def profile_of(self, service: Service) -> SuspensionProfile:
        """The service's profile, else the default one."""
        profile = self._store.get(service.suspension_profile_id) if service.suspension_profile_id else None
        if profile is None:
            profile = next((p for p in self._store.all() if p.default), BUILT_IN)
        return profile

    def get(self, profile_id: int) -> SuspensionProfile:
        return require_found(BUILT_IN if profile_id == DEFAULT_PROFILE else self._store.get(profile_id),
                             _not_found(profile_id))

    def get_own(self, profile_id: int) -> SuspensionProfile:
        """One of the provider's profiles (the built-in one is neither edited nor deleted)."""
        return require_found(self._store.get(profile_id), _not_found(profile_id))

    def finish_usage_count(self) -> int:
        """After ``CustomerService.count_profile_usage`` (COUNT_COMMAND): every profile's count is complete."""
        return self._store.finish_usage_count()

    def _defaults(self, becoming: int) -> DefaultAsRead:
        """The default that ``becoming`` replaces (its own flag, if any, is not taken off)."""
        current = self._store.current_default()
        return replace(current, flagged=tuple(i for i in current.flagged if i != becoming))


def _check_days(warning_days: int, suspension_days: int) -> None:
    errors = []
    if not 1 <= suspension_days <= MAX_DAYS:
        errors.append(f"O campo dias_bloqueio deve estar entre 1 e {MAX_DAYS}.")
    if not 0 <= warning_days < max(suspension_days, 1):
        errors.append("O campo dias_aviso deve ser zero (sem aviso) ou menor que dias_bloqueio.")
    if errors:
        raise ValidationError(errors)


def _check_trust(trust_days: int, trust_per_month: int) -> None:
    errors = []
    if not 0 <= trust_days <= MAX_TRUST_DAYS:
        errors.append(f"O campo dias_desbloqueio_confianca deve estar entre 0 (não permite) e {MAX_TRUST_DAYS}.")
    if not 0 <= trust_per_month <= MAX_TRUST_PER_MONTH:
        errors.append(f"O campo desbloqueios_confianca_mes deve estar entre 0 (não permite) e {MAX_TRUST_PER_MONTH}.")
    if errors:
        raise ValidationError(errors)


def _refuse_deleting(profile: SuspensionProfile) -> None:
    if profile.default:
        raise BusinessRuleError(f"O perfil {_named(profile)} é o padrão; escolha outro perfil como padrão "
                                "antes de excluí-lo.")
    if profile.services is None:
        raise BusinessRuleError(f"Os serviços que usam o perfil {_named(profile)} desde antes da contagem de uso "
                                f"ainda não foram contados; a operação precisa rodar `{COUNT_COMMAND}` antes de "
                                "excluí-lo.")
    if profile.services:
        used_by = "1 serviço" if profile.services == 1 else f"{profile.services} serviços"
        raise BusinessRuleError(f"O perfil {_named(profile)} está em uso por {used_by}; troque o perfil "
                                f"{'dele' if profile.services == 1 else 'deles'} antes de excluí-lo.")


def _named(profile: SuspensionProfile) -> str:
    return f"de suspensão {profile.id} ({profile.description})"


def _not_found(profile_id: int) -> str:
    return f"Perfil de suspensão de ID {profile_id} não encontrado"


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

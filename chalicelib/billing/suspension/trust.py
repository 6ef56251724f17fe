"""Trust unlock (desbloqueio em confiança, HubSoft's ``cliente/desbloqueio_confianca``): the customer says they
paid, and a service suspended by its suspension profile is enabled for ``dias_desbloqueio`` days, within the
limits of that profile (days per unlock, unlocks per calendar month; 0: not allowed).

Unlocked for N days on day D, the service is enabled until the start of day D+N (the day the answer names: "até
D+N"); the first hourly tick of that day suspends it again if an invoice still keeps it suspended (event
``servico_suspenso`` again), found through the billing table's dunning index by that day. Paying (or cancelling)
the last invoice that keeps it suspended ends it for good: the service is enabled and the trust is moot (the tick
then only clears it, with no message). An invoice that suspends the service during the trust ends the trust.

The unlock is one conditional write on the service (it is suspended, not already unlocked, and its count of the
month is as read), with the ``desbloqueio_confianca`` event in the same transaction: of two concurrent unlocks of a
service allowed one a month, exactly one is written.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from chalicelib.billing import events
from chalicelib.billing.invoices.service import Invoice
from chalicelib.billing.suspension.service import LOOKBACK_DAYS, SuspensionProfile
from chalicelib.clock import Clock
from chalicelib.customers.model import Service
from chalicelib.errors import BusinessRuleError, ConflictError, require_found
from chalicelib.queues import Message

DEFAULT_UNLOCK_DAYS = 1  # HubSoft's default: until the next day


@dataclass(frozen=True)
class TrustRecord:
    """A service's trust unlock state as stored: the invoices that keep it suspended, the end of its trust (kept
    until the tick clears it, even once payment made it moot) and its unlocks counted in ``month``."""

    service: Service
    suspended_by: frozenset[int]
    trusted_until: date | None
    month: str | None
    count: int

    def used_in(self, month: str) -> int:
        return self.count if self.month == month else 0


@dataclass(frozen=True)
class TrustEnd:
    """An entry of the tick's list of trusts ending on a day."""

    service_id: int
    customer_id: int
    until: date


@dataclass(frozen=True)
class TrustUnlock:
    service_id: int
    until: date
    days: int


class TrustStore(Protocol):
    def trust_of(self, service_id: int) -> TrustRecord | None: ...
    def unlock(self, read: TrustRecord, until: date, month: str, count: int, event: Message) -> bool:
        """Unlock the service until ``until`` with ``count`` unlocks in ``month``, with the event; False (nothing
        written) unless it is still suspended, not unlocked and its count as ``read``."""
        ...
    def ending_on(self, day: date) -> Iterable[TrustEnd]: ...
    def end(self, ending: TrustEnd, suspended: bool | None, events: Sequence[Message] = ()) -> bool:
        """Take the entry off the tick's list and clear the service's trust if it ends on ``ending.until`` and
        ``suspended`` (whether an invoice still keeps it suspended) still holds; None: only the entry (the trust
        it listed is gone). False: nothing written."""
        ...


class ProfileOf(Protocol):
    def profile_of(self, service: Service) -> SuspensionProfile: ...


class InvoiceLookup(Protocol):
    def get(self, invoice_id: int) -> Invoice | None: ...


def allowed_days(profile: SuspensionProfile, days: int, used: int, service_id: int) -> None:
    """Refuse an unlock the profile does not allow: none at all, more days than its maximum, or one more than its
    unlocks a month (``used``: this month's so far)."""
    named = f"({profile.description})"
    if profile.trust_days == 0 or profile.trust_per_month == 0:
        raise BusinessRuleError(f"O perfil de suspensão do serviço {named} não permite desbloqueio em confiança.")
    if days > profile.trust_days:
        raise BusinessRuleError(f"O desbloqueio em confiança pode ser de no máximo {_days(profile.trust_days)} "
                                f"pelo perfil de suspensão do serviço {named}; foram pedidos {_days(days)}.")
    if used >= profile.trust_per_month:
        times = "1 desbloqueio" if used == 1 else f"{used} desbloqueios"
        raise BusinessRuleError(f"O serviço {service_id} já teve {times} em confiança neste mês, o máximo do perfil "
                                f"de suspensão {named}.")


def until_day(today: date, days: int) -> date:
    """Unlocked on ``today`` for ``days`` days: enabled until the start of this day (1: the next day)."""
    return today + timedelta(days=days)


def br_day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


class TrustUnlocks:
    def __init__(self, store: TrustStore, profiles: ProfileOf, invoices: InvoiceLookup, clock: Clock,
                 zone: tzinfo, new_id: Callable[[], str]) -> None:
        self._store = store
        self._profiles = profiles
        self._invoices = invoices
        self._clock = clock
        self._zone = zone
        self._new_id = new_id

    def unlock(self, service_id: int, days: int = DEFAULT_UNLOCK_DAYS) -> TrustUnlock:
        """Enable a suspended service for ``days`` days; refused (nothing written) beyond its profile's limits."""
        today = self._clock().astimezone(self._zone).date()
        month = today.strftime("%Y-%m")
        for _ in range(2):  # the second read explains why the write lost (unlocked meanwhile, count moved)
            record = self._allowed(service_id, days, month)
            until = until_day(today, days)
            event = events.trust_unlock(record.service.customer_id, service_id, until.isoformat(), days,
                                        self._new_id)
            if self._store.unlock(record, until, month, record.used_in(month) + 1, event):
                return TrustUnlock(service_id, until, days)
        raise ConflictError("O serviço foi alterado por outra requisição; consulte-o e tente de novo.")

    def run(self, at: datetime) -> Mapping[str, Any]:
        """The tick's job: trusts ending today (or in the last days, missed while the tick did not run) end; the
        services still owing are suspended again."""
        today = at.astimezone(self._zone).date()
        suspended = cleared = 0
        for day in (today - timedelta(days=n) for n in range(LOOKBACK_DAYS, -1, -1)):
            for ending in list(self._store.ending_on(day)):
                outcome = self._end(ending, today)
                suspended += outcome == "suspenso"
                cleared += outcome == "encerrado"
        return {"suspensos_novamente": suspended, "encerrados_pagos": cleared}

    def _allowed(self, service_id: int, days: int, month: str) -> TrustRecord:
        record = require_found(self._store.trust_of(service_id), f"Serviço de ID {service_id} não encontrado")
        if not record.suspended_by:
            raise BusinessRuleError(f"O serviço {service_id} não está suspenso por falta de pagamento: o desbloqueio "
                                    "em confiança é só para serviços suspensos pelo perfil de suspensão.")
        if record.trusted_until is not None:
            raise BusinessRuleError(f"O serviço {service_id} já está desbloqueado em confiança até "
                                    f"{br_day(record.trusted_until)}.")
        allowed_days(self._profiles.profile_of(record.service), days, record.used_in(month), service_id)
        return record

    def _end(self, ending: TrustEnd, today: date) -> str:
        for _ in range(2):  # a payment between the read and the write changes what ending means: read again
            record = self._store.trust_of(ending.service_id)
            if record is None or record.trusted_until != ending.until:
                self._store.end(ending, None)
                return "removido"
            if not record.suspended_by:
                if self._store.end(ending, False):
                    return "encerrado"
                continue
            invoice = self._invoices.get(min(record.suspended_by))
            raised = [] if invoice is None else [
                events.trust_ended(invoice, today.isoformat(), ending.until.isoformat(), self._new_id)]
            if self._store.end(ending, True, raised):
                return "suspenso"
        return "adiado"  # changed twice meanwhile: the next tick looks again


def _days(n: int) -> str:
    return "1 dia" if n == 1 else f"{n} dias"

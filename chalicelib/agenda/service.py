"""Agenda configuration: create, read, replace, deactivate, and free capacity."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Protocol

from chalicelib.agenda.model import Agenda, AgendaSpec, HolidayLookup, Slot, window_errors
from chalicelib.errors import ValidationError, require_found
from chalicelib.ports import Sequences

MAX_AVAILABILITY_DAYS = 31


@dataclass(frozen=True)
class SlotAvailability:
    slot: Slot
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.slot.capacity - self.booked)


@dataclass(frozen=True)
class DayAvailability:
    day: date
    closed_reason: str | None
    slots: tuple[SlotAvailability, ...]
    booked_today: int
    daily_limit: int | None

    @property
    def free(self) -> int:
        """Places left today: the slots' free places, capped by the daily limit."""
        if self.closed_reason:
            return 0
        total = sum(s.free for s in self.slots)
        if self.daily_limit is not None:
            total = min(total, max(0, self.daily_limit - self.booked_today))
        return total


class AgendaStore(Protocol):
    def add(self, agenda: Agenda) -> None: ...
    def get(self, agenda_id: int) -> Agenda | None: ...
    def list_all(self) -> list[Agenda]: ...
    def replace(self, agenda: Agenda, expected_version: int) -> None: ...
    def booked(self, agenda_id: int, first: date, last: date) -> dict[str, int]: ...


class TechnicianLookup(Protocol):
    def unassignable(self, technician_ids: Iterable[int], kept: Iterable[int] = ()) -> list[str]: ...


class AgendaService:
    def __init__(self, store: AgendaStore, sequences: Sequences, technicians: TechnicianLookup,
                 holiday: HolidayLookup) -> None:
        self._store = store
        self._sequences = sequences
        self._technicians = technicians
        self.holiday = holiday

    def create(self, spec: AgendaSpec) -> Agenda:
        self._validate(spec)
        agenda = _agenda(self._sequences.next_id("agenda_ordem_servico"), spec, version=1)
        self._store.add(agenda)
        return agenda

    def get(self, agenda_id: int) -> Agenda:
        return require_found(self._store.get(agenda_id), f"Agenda de ordem de serviço de ID {agenda_id} não encontrada")

    def list_all(self) -> list[Agenda]:
        return sorted(self._store.list_all(), key=lambda a: a.id)

    def replace(self, agenda_id: int, spec: AgendaSpec) -> Agenda:
        """Replace the configuration; OS already booked stay where they are.

        The write is conditional on the version read, so a concurrent edit or
        booking against the old configuration cannot be silently overwritten.
        """
        current = self.get(agenda_id)
        self._validate(spec, kept=current.technician_ids)
        updated = _agenda(agenda_id, spec, version=current.version + 1)
        self._store.replace(updated, expected_version=current.version)
        return updated

    def deactivate(self, agenda_id: int) -> Agenda:
        current = self.get(agenda_id)
        updated = replace(current, active=False, version=current.version + 1)
        self._store.replace(updated, expected_version=current.version)
        return updated

    def availability(self, agenda_id: int, first: date, days: int) -> tuple[Agenda, list[DayAvailability]]:
        """Free places per day and slot, from one read of the counters."""
        if not 1 <= days <= MAX_AVAILABILITY_DAYS:
            raise ValidationError([f"O campo dias deve estar entre 1 e {MAX_AVAILABILITY_DAYS}."])
        agenda = self.get(agenda_id)
        last = first + timedelta(days=days - 1)
        booked = self._store.booked(agenda_id, first, last)
        result = []
        for offset in range(days):
            day = first + timedelta(days=offset)
            slots = tuple(SlotAvailability(s, booked.get(s.key, 0)) for s in agenda.slots_on(day))
            result.append(DayAvailability(
                day=day, closed_reason=agenda.closed_reason(day, self.holiday), slots=slots,
                booked_today=booked.get(f"{day.isoformat()}#DIA", 0), daily_limit=agenda.daily_limit,
            ))
        return agenda, result

    def spec_errors(self, spec: AgendaSpec, window_labels: Sequence[str] | None = None,
                    agenda_id: int | None = None) -> list[str]:
        """Every rule ``spec`` breaks (schedule, description, technicians), without raising; ``agenda_id`` is the
        agenda it would replace (its inactive technicians may stay).

        The edge calls it on the parts of a request that parsed, to answer
        format and rule errors in one envelope.
        """
        current = self._store.get(agenda_id) if agenda_id is not None else None
        return self._rule_errors(spec, window_labels, current.technician_ids if current else ())

    def _rule_errors(self, spec: AgendaSpec, window_labels: Sequence[str] | None,
                     kept: Iterable[int]) -> list[str]:
        errors = window_errors(spec.windows, window_labels)
        if not spec.description.strip():
            errors.append("O campo descricao é obrigatório.")
        if not spec.windows:
            errors.append("O campo horarios deve ter ao menos um horário de atendimento.")
        # An inactive technician already on the agenda stays; it cannot be newly added.
        errors.extend(self._technicians.unassignable(spec.technician_ids, kept))
        return errors

    def _validate(self, spec: AgendaSpec, kept: Iterable[int] = ()) -> None:
        errors = self._rule_errors(spec, None, kept)
        if errors:
            raise ValidationError(errors)


def _agenda(agenda_id: int, spec: AgendaSpec, version: int) -> Agenda:
    return Agenda(
        id=agenda_id, description=spec.description.strip(), active=spec.active, windows=spec.windows,
        cities=spec.cities, technician_ids=tuple(dict.fromkeys(spec.technician_ids)), daily_limit=spec.daily_limit,
        closed_dates=spec.closed_dates, block_national_holidays=spec.block_national_holidays, version=version,
    )


def brazilian_holiday(day: date) -> str | None:
    """Brazil's national holidays, from the maintained ``holidays`` package."""
    return _holidays(day.year).get(day)


@lru_cache(maxsize=8)
def _holidays(year: int) -> dict[date, str]:
    import holidays  # imported on first use: it is not needed by most requests

    return dict(holidays.country_holidays("BR", years=[year], language="pt_BR").items())

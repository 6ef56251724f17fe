"""What an OS holds in an agenda, and the counter moves a change implies.

A booking is the set of slot counters (and the day counter) an OS occupies.
Changing an OS from one booking to another increments the counters only the
new booking has and decrements those only the old one had; the store applies
all of it with the OS write in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from chalicelib.agenda.model import Agenda, HolidayLookup, Interval, occupied_slots

# A DynamoDB transaction holds at most 100 items: the OS, the agenda check, its
# outbox event, its history entry, the ticket it is opened with, and the
# counters of both the old and the new booking (with the technicians' days) must fit.
MAX_COUNTERS_PER_CHANGE = 95


@dataclass(frozen=True)
class CounterKey:
    agenda_id: int
    key: str  # "<date>#<HH:MM>" or "<date>#DIA"


@dataclass(frozen=True)
class Booking:
    agenda_id: int
    agenda_version: int
    day: date
    # slot counter key -> the slot's capacity
    slots: dict[str, int] = field(default_factory=dict)
    daily_limit: int | None = None

    @property
    def day_key(self) -> str:
        return f"{self.day.isoformat()}#DIA"

    def counters(self) -> dict[CounterKey, int | None]:
        """Every counter held, with the limit it must respect (None: no limit)."""
        held: dict[CounterKey, int | None] = {CounterKey(self.agenda_id, k): c for k, c in self.slots.items()}
        held[CounterKey(self.agenda_id, self.day_key)] = self.daily_limit
        return held


@dataclass(frozen=True)
class CounterMoves:
    increments: dict[CounterKey, int | None]  # counter -> limit to respect
    decrements: tuple[CounterKey, ...]
    check_agenda: tuple[int, int] | None  # (agenda id, version) the increments were computed from

    @property
    def size(self) -> int:
        return len(self.increments) + len(self.decrements)


def book(agenda: Agenda, interval: Interval, city: str, uf: str, holiday: HolidayLookup) -> Booking:
    """Check the agenda's rules for ``interval`` and describe what it would hold."""
    slots = occupied_slots(agenda, interval, city, uf, holiday)
    return Booking(agenda_id=agenda.id, agenda_version=agenda.version, day=interval.day,
                   slots={s.key: s.capacity for s in slots}, daily_limit=agenda.daily_limit)


def moves(held: frozenset[CounterKey], new: Booking | None) -> CounterMoves:
    """The counter changes from what an OS ``held`` to ``new``; shared counters stay untouched.

    ``held`` comes from the OS as stored, not recomputed from the agenda: the
    agenda's windows may have been edited since, and releasing must undo
    exactly what was taken.
    """
    after = new.counters() if new else {}
    increments = {key: limit for key, limit in after.items() if key not in held}
    decrements = tuple(sorted((key for key in held if key not in after), key=lambda k: (k.agenda_id, k.key)))
    check = (new.agenda_id, new.agenda_version) if new and increments else None
    return CounterMoves(increments=increments, decrements=decrements, check_agenda=check)


class CapacityExhaustedError(Exception):
    """The store refused an increment: that slot (or day) has no room left."""

    def __init__(self, counter: CounterKey) -> None:
        super().__init__(counter.key)
        self.counter = counter

    @property
    def is_daily_limit(self) -> bool:
        return self.counter.key.endswith("#DIA")


class AgendaChangedError(Exception):
    """The agenda's configuration changed (or it was deactivated) since it was read."""

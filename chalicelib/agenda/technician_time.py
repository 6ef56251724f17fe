"""A technician is in at most one OS at a time, whatever agendas the OS are in.

Agenda counters are per agenda, so they cannot see a technician booked in two
agendas at once. Each technician instead has one record per day holding the
visits (scheduled OS they are on, see ServiceOrder.busy_interval) that touch
that day, and a version. A change of an OS's technicians or time rewrites the days it
leaves and enters, each conditioned on the version it was read at, in the same
transaction as the OS and its agenda counters: when another change wrote one
of those days in between, DynamoDB cancels the transaction and the change is
computed again from a fresh read. The overlap itself is checked here, on what
was read; the version condition is what makes that check hold at commit.

A visit is recorded with its whole interval in every day it touches (an OS
across midnight is in two), so two overlapping OS always share a day record.
Pure logic: no storage here.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from chalicelib.agenda.model import Interval

DayKey = tuple[int, date]  # (technician id, day)


@dataclass(frozen=True)
class Visit:
    """An OS in a technician's day."""

    order_id: int
    number: int
    interval: Interval

    def overlaps(self, other: Interval) -> bool:
        """Half-open intervals: an OS ending at 10:00 does not clash with one starting at 10:00."""
        return self.interval.start < other.end and other.start < self.interval.end


@dataclass(frozen=True)
class TechnicianDay:
    technician_id: int
    day: date
    visits: tuple[Visit, ...] = ()  # by start
    version: int = 0  # the version it was read at; 0: never written

    @property
    def key(self) -> DayKey:
        return self.technician_id, self.day


class TechnicianBusy(Exception):
    """The technician already has ``visit`` (another OS) overlapping the interval asked for."""

    def __init__(self, technician_id: int, visit: Visit) -> None:
        super().__init__(f"técnico {technician_id}: OS {visit.number}")
        self.technician_id = technician_id
        self.visit = visit


class TechnicianDayChangedError(Exception):
    """Another change wrote one of the technician days since it was read; read again and retry."""


def days_touched(interval: Interval) -> list[date]:
    """The days ``interval`` has time in; an interval ending at midnight does not touch the next day, and an
    empty or inverted one (possible for an OS without agenda) touches none."""
    if interval.end <= interval.start:
        return []
    first, last = interval.start.date(), (interval.end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def visits(order_id: int, number: int, technician_ids: Iterable[int], interval: Interval | None) -> dict[DayKey, Visit]:
    """Where an OS with these technicians and this interval is recorded (nothing without an interval)."""
    if interval is None:
        return {}
    visit = Visit(order_id, number, interval)
    return {(technician, day): visit for technician in technician_ids for day in days_touched(interval)}


def changed_days(before: Mapping[DayKey, Visit], after: Mapping[DayKey, Visit]) -> list[DayKey]:
    """The days whose record of the OS changes: left, entered, or kept with another interval.

    A day where the OS stays with the same interval is neither read nor
    written: it was checked when the OS entered it, and every OS that entered
    it since was checked against it.
    """
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))


def rewrite(order_id: int, after: Mapping[DayKey, Visit], read: Iterable[TechnicianDay]) -> tuple[TechnicianDay, ...]:
    """The ``read`` days with the OS's visit replaced by where it is ``after`` the change (removed where it is
    not), each keeping the version it was read at for the store's condition.

    Raises TechnicianBusy naming the first overlapping visit (by day, then start) when the OS enters a day where
    the technician is already busy at that time.
    """
    written = []
    for day in sorted(read, key=lambda d: d.key):
        others = tuple(v for v in day.visits if v.order_id != order_id)
        mine = after.get(day.key)
        if mine is not None:
            clash = next((v for v in sorted(others, key=_by_start) if v.overlaps(mine.interval)), None)
            if clash is not None:
                raise TechnicianBusy(day.technician_id, clash)
            others = tuple(sorted((*others, mine), key=_by_start))
        written.append(replace(day, visits=others))
    return tuple(written)


def _by_start(visit: Visit) -> tuple[object, ...]:
    return visit.interval.start, visit.order_id

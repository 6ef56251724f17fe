"""Agenda configurations and slot counters (``agendas`` table).

Keys:
- ``AGENDA`` / ``<id:010d>``                 one configuration (listing = one query)
- ``SLOTS#<agenda id>`` / ``<date>#<HH:MM>`` live OS overlapping that slot
- ``SLOTS#<agenda id>`` / ``<date>#DIA``     live OS on that day (daily limit)
- ``TECNICO#<technician id>`` / ``<date>``   the technician's visits touching that day, with a version
  (agenda.technician_time); written only in the OS transaction (storage.orders)

All counters of an agenda share a partition, so the free capacity of any
range of days is one query.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from chalicelib.agenda.model import Agenda, City, Interval, Window
from chalicelib.agenda.technician_time import DayKey, TechnicianDay, Visit
from chalicelib.errors import ConflictError
from chalicelib.storage.errors import written
from chalicelib.storage.models import AgendaConfigItem, CityMap, SlotCounterItem, TechnicianDayItem, VisitMap, WindowMap

LISTING = "AGENDA"


def counters_pk(agenda_id: int) -> str:
    return f"SLOTS#{agenda_id}"


def technician_days(keys: Sequence[DayKey]) -> list[TechnicianDay]:
    """The technicians' days of ``keys`` in one strongly consistent batch read (never written: empty, version 0)."""
    if not keys:
        return []
    found = {(int(i.technician_id), date.fromisoformat(i.day)): i for i in TechnicianDayItem.batch_get(
        [(f"TECNICO#{t}", d.isoformat()) for t, d in keys], consistent_read=True)}
    return [_technician_day(found[key]) if key in found else TechnicianDay(*key) for key in keys]


def technician_day_item(day: TechnicianDay) -> TechnicianDayItem:
    """``day`` as written by a change: its version is one past the version it was read at."""
    return TechnicianDayItem(
        f"TECNICO#{day.technician_id}", day.day.isoformat(), technician_id=day.technician_id,
        day=day.day.isoformat(), version=day.version + 1,
        visits=[VisitMap(order_id=v.order_id, number=v.number, start=v.interval.start.isoformat(),
                         end=v.interval.end.isoformat()) for v in day.visits])


def _technician_day(item: TechnicianDayItem) -> TechnicianDay:
    return TechnicianDay(
        technician_id=int(item.technician_id), day=date.fromisoformat(item.day), version=int(item.version),
        visits=tuple(Visit(int(v.order_id), int(v.number),
                           Interval(datetime.fromisoformat(v.start), datetime.fromisoformat(v.end)))
                     for v in item.visits or []))


class DynamoAgendaStore:
    def add(self, agenda: Agenda) -> None:
        _item(agenda).save(condition=AgendaConfigItem.pk.does_not_exist())

    def get(self, agenda_id: int) -> Agenda | None:
        try:
            return _agenda(AgendaConfigItem.get(LISTING, f"{agenda_id:010d}", consistent_read=True))
        except AgendaConfigItem.DoesNotExist:
            return None

    def list_all(self) -> list[Agenda]:
        return [_agenda(i) for i in AgendaConfigItem.query(LISTING)]

    def replace(self, agenda: Agenda, expected_version: int) -> None:
        if not written(lambda: _item(agenda).save(condition=AgendaConfigItem.version == expected_version)):
            raise ConflictError("A agenda foi alterada por outra requisição; consulte-a e tente de novo.")

    def booked(self, agenda_id: int, first: date, last: date) -> dict[str, int]:
        """Counters between ``first`` and ``last`` (inclusive), keyed ``<date>#<HH:MM>`` / ``<date>#DIA``."""
        condition = SlotCounterItem.sk.between(first.isoformat(), f"{last.isoformat()}#~")
        return {i.sk: int(i.booked) for i in SlotCounterItem.query(counters_pk(agenda_id), condition,
                                                                 consistent_read=True)}


def _item(agenda: Agenda) -> AgendaConfigItem:
    return AgendaConfigItem(
        LISTING, f"{agenda.id:010d}", agenda_id=agenda.id, description=agenda.description, active=agenda.active,
        windows=[WindowMap(weekdays=sorted(w.weekdays), start=w.start.strftime("%H:%M"),
                           end=w.end.strftime("%H:%M"), slot_minutes=w.slot_minutes, capacity=w.capacity)
                 for w in agenda.windows],
        cities=[CityMap(name=c.name, uf=c.uf) for c in agenda.cities],
        technician_ids=list(agenda.technician_ids), daily_limit=agenda.daily_limit,
        closed_dates=sorted(d.isoformat() for d in agenda.closed_dates),
        block_national_holidays=agenda.block_national_holidays, version=agenda.version,
    )


def _agenda(item: AgendaConfigItem) -> Agenda:
    return Agenda(
        id=int(item.agenda_id), description=item.description, active=bool(item.active),
        windows=tuple(Window(weekdays=frozenset(int(d) for d in w.weekdays), start=time.fromisoformat(w.start),
                             end=time.fromisoformat(w.end), slot_minutes=int(w.slot_minutes),
                             capacity=int(w.capacity)) for w in item.windows),
        cities=tuple(City(c.name, c.uf) for c in item.cities or []),
        technician_ids=tuple(int(t) for t in item.technician_ids or []),
        daily_limit=int(item.daily_limit) if item.daily_limit is not None else None,
        closed_dates=frozenset(date.fromisoformat(d) for d in item.closed_dates or []),
        block_national_holidays=bool(item.block_national_holidays), version=int(item.version),
    )

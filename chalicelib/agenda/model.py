"""Agendas, their weekly windows and slots, and the booking rules.

Pure logic: what an agenda allows and which slots an interval occupies. The
capacity itself is enforced by the store's conditional writes, never here.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from chalicelib.customers.model import fold
from chalicelib.errors import BusinessRuleError

# The contract's weekday names, indexed like ``date.weekday()`` (Monday = 0).
WEEKDAYS = ("segunda", "terca", "quarta", "quinta", "sexta", "sabado", "domingo")
WEEKDAY_TEXT = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo")

HolidayLookup = Callable[[date], str | None]


class AgendaRefusal(BusinessRuleError):
    """A booking the agenda's rules refuse; ``reason`` is a stable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class City:
    name: str
    uf: str

    @property
    def key(self) -> tuple[str, str]:
        return fold(self.name).strip(), self.uf.strip().upper()


@dataclass(frozen=True)
class Window:
    """On these weekdays, from ``start`` to ``end``, slots of ``slot_minutes``
    each holding at most ``capacity`` overlapping OS."""

    weekdays: frozenset[int]
    start: time
    end: time
    slot_minutes: int
    capacity: int

    def slot_starts(self) -> list[time]:
        starts = []
        moment = _minutes(self.start)
        while moment + self.slot_minutes <= _minutes(self.end):
            starts.append(_time(moment))
            moment += self.slot_minutes
        return starts


@dataclass(frozen=True)
class Slot:
    day: date
    start: time
    end: time
    capacity: int

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()}#{self.start.strftime('%H:%M')}"


@dataclass(frozen=True)
class AgendaSpec:
    """What a client sends to create or replace an agenda."""

    description: str
    active: bool
    windows: tuple[Window, ...]
    cities: tuple[City, ...] = ()
    technician_ids: tuple[int, ...] = ()
    daily_limit: int | None = None
    closed_dates: frozenset[date] = frozenset()
    block_national_holidays: bool = False


@dataclass(frozen=True)
class Agenda(AgendaSpec):
    """An agenda as stored: its spec, its id and the version its writes are conditioned on."""

    id: int = field(kw_only=True)
    version: int = field(default=1, kw_only=True)

    def serves(self, city: str, uf: str) -> bool:
        """Any city when none is listed; otherwise city + UF, ignoring case and accents."""
        if not self.cities:
            return True
        wanted = City(city, uf).key
        return any(c.key == wanted for c in self.cities)

    def windows_on(self, day: date) -> list[Window]:
        return sorted((w for w in self.windows if day.weekday() in w.weekdays), key=lambda w: w.start)

    def slots_on(self, day: date) -> list[Slot]:
        slots = []
        for window in self.windows_on(day):
            for start in window.slot_starts():
                end = _time(_minutes(start) + window.slot_minutes)
                slots.append(Slot(day, start, end, window.capacity))
        return slots

    def closed_reason(self, day: date, holiday: HolidayLookup) -> str | None:
        """Why ``day`` is closed, or None when it is open."""
        if day in self.closed_dates:
            return f"A data {day.strftime('%d/%m/%Y')} está bloqueada na agenda {self.description}."
        if self.block_national_holidays:
            name = holiday(day)
            if name:
                return f"A data {day.strftime('%d/%m/%Y')} é feriado nacional ({name})."
        if not self.windows_on(day):
            return f"A agenda {self.description} não atende em {WEEKDAY_TEXT[day.weekday()]}."
        return None


@dataclass(frozen=True)
class Interval:
    """An OS's programmed interval, in the provider's local time (naive)."""

    start: datetime
    end: datetime

    @property
    def day(self) -> date:
        return self.start.date()


def occupied_slots(agenda: Agenda, interval: Interval, city: str, uf: str, holiday: HolidayLookup) -> list[Slot]:
    """Check every rule of ``agenda`` for ``interval`` and return the slots it occupies.

    Raises AgendaRefusal naming the reason. Room in each slot and the daily
    limit are checked by the store, atomically with the write.
    """
    admit(agenda, city, uf)
    if interval.end <= interval.start:
        raise AgendaRefusal("intervalo_invalido", "O término programado deve ser posterior ao início.")
    if interval.end.date() != interval.day and interval.end.time() != time(0):
        raise AgendaRefusal("fora_do_horario", "A OS deve começar e terminar no mesmo dia.")
    closed = agenda.closed_reason(interval.day, holiday)
    if closed:
        raise AgendaRefusal("data_bloqueada", closed)
    start, end = _minutes(interval.start.time()), _day_minutes(interval)
    if not _covered(agenda.windows_on(interval.day), start, end):
        raise AgendaRefusal(
            "fora_do_horario",
            f"O horário {interval.start.strftime('%H:%M')}–{interval.end.strftime('%H:%M')} está fora dos horários "
            f"de atendimento da agenda {agenda.description}.",
        )
    return [s for s in agenda.slots_on(interval.day)
            if _minutes(s.start) < end and start < _minutes(s.start) + _length(s)]


def admit(agenda: Agenda, city: str, uf: str) -> None:
    """The rules an OS meets to be in ``agenda`` at all, dated or not: the agenda is active and serves the city
    of the customer's installation address. Raises AgendaRefusal naming the reason."""
    if not agenda.active:
        raise AgendaRefusal("agenda_inativa", f"A agenda {agenda.description} está inativa.")
    if not agenda.serves(city, uf):
        raise AgendaRefusal(
            "cidade_nao_atendida",
            f"A cidade {city}/{uf} do endereço de instalação não é atendida pela agenda {agenda.description}.",
        )


def window_errors(windows: Iterable[Window], labels: Sequence[str] | None = None) -> list[str]:
    """Problems of a weekly schedule: empty days, bad bounds, overlaps on a weekday.

    ``labels`` names each window in the messages (default ``horarios.<index>``);
    the edge passes the client's indexes when some windows failed to parse.
    """
    errors = []
    listed = list(windows)
    for index, window in enumerate(listed):
        label = labels[index] if labels is not None else f"horarios.{index}"
        if not window.weekdays:
            errors.append(f"O campo {label}.dias_semana deve ter ao menos um dia.")
        if window.end <= window.start:
            errors.append(f"O campo {label}.hora_termino deve ser posterior a hora_inicio.")
        elif not window.slot_starts():
            errors.append(f"O campo {label}.duracao_minutos é maior que o horário de atendimento.")
        elif (_minutes(window.end) - _minutes(window.start)) % window.slot_minutes:
            errors.append(f"O horário {label} não é múltiplo de duracao_minutos ({window.slot_minutes}).")
    errors.extend(_overlap_errors(listed))
    return errors


def _overlap_errors(windows: list[Window]) -> list[str]:
    """The first overlap of each weekday, one message per pair of windows (naming all its days)."""
    days_by_pair: dict[tuple[Window, Window], list[str]] = {}
    for day in range(7):
        todays = sorted((w for w in windows if day in w.weekdays), key=lambda w: w.start)
        for before, after in zip(todays, todays[1:], strict=False):
            if after.start < before.end:
                days_by_pair.setdefault((before, after), []).append(WEEKDAYS[day])
                break
    return [f"Os horários de {_join(days)} se sobrepõem "
            f"({before.start.strftime('%H:%M')}–{before.end.strftime('%H:%M')} e "
            f"{after.start.strftime('%H:%M')}–{after.end.strftime('%H:%M')})."
            for (before, after), days in days_by_pair.items()]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} e {names[-1]}"


def _covered(windows: list[Window], start: int, end: int) -> bool:
    """Whether [start, end) lies inside the union of the windows (adjacent ones join)."""
    cursor = start
    for window in windows:
        if _minutes(window.start) <= cursor < _minutes(window.end):
            cursor = _minutes(window.end)
        if cursor >= end:
            return True
    return cursor >= end


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _day_minutes(interval: Interval) -> int:
    if interval.end.date() != interval.day:  # ends at midnight
        return 24 * 60
    return _minutes(interval.end.time())


def _length(slot: Slot) -> int:
    end = _minutes(slot.end) or 24 * 60
    return end - _minutes(slot.start)


def _time(minutes: int) -> time:
    return (datetime.min + timedelta(minutes=minutes % (24 * 60))).time()

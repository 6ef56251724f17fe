"""A technician's time (``agenda.technician_time``): which days an OS is recorded in, which day records a change
rewrites, and the overlap check made on what was read."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from chalicelib.agenda.model import Interval
from chalicelib.agenda.technician_time import (
    TechnicianBusy,
    TechnicianDay,
    Visit,
    changed_days,
    days_touched,
    rewrite,
    visits,
)
from chalicelib.service_orders.model import AWAITING, CANCELLED, FINISHED, PENDING, ServiceOrder

MONDAY = date(2026, 12, 14)
TUESDAY = date(2026, 12, 15)


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time(hour, minute))


def span(start: datetime, end: datetime) -> Interval:
    return Interval(start, end)


def visit(order_id: int, start: datetime, end: datetime) -> Visit:
    return Visit(order_id, order_id, Interval(start, end))


@pytest.mark.parametrize(("a", "b", "clash"), [
    ((at(9), at(10)), (at(9, 30), at(10, 30)), True),
    ((at(9), at(10)), (at(10), at(11)), False),  # back to back
    ((at(10), at(11)), (at(9), at(10)), False),
    ((at(9), at(12)), (at(10), at(11)), True),  # inside
    ((at(10), at(11)), (at(9), at(12)), True),  # around
    ((at(9), at(10)), (at(9), at(10)), True),  # the same
    ((at(9), at(10)), (at(11), at(12)), False),
])
def test_visits_overlap_as_half_open_intervals(a: tuple[datetime, datetime], b: tuple[datetime, datetime],
                                               clash: bool) -> None:
    assert visit(1, *a).overlaps(span(*b)) is clash


def test_an_os_is_recorded_in_each_day_it_has_time_in() -> None:
    assert days_touched(span(at(9), at(10))) == [MONDAY]
    assert days_touched(span(at(22), at(0, day=TUESDAY))) == [MONDAY]  # ends at midnight
    assert days_touched(span(at(22), at(2, day=TUESDAY))) == [MONDAY, TUESDAY]
    assert days_touched(span(at(8), at(8, day=date(2026, 12, 17)))) == [MONDAY, TUESDAY, date(2026, 12, 16),
                                                                        date(2026, 12, 17)]


def test_an_empty_or_inverted_interval_takes_no_time() -> None:
    assert days_touched(span(at(9), at(9))) == []
    assert days_touched(span(at(10), at(9))) == []
    assert visits(1, 1, (5,), span(at(10), at(9))) == {}


def test_every_technician_of_the_os_is_taken_on_every_day() -> None:
    interval = span(at(23), at(1, day=TUESDAY))
    mine = Visit(7, 7, interval)
    assert visits(7, 7, (5, 6), interval) == {(5, MONDAY): mine, (5, TUESDAY): mine, (6, MONDAY): mine,
                                              (6, TUESDAY): mine}
    assert visits(7, 7, (5,), None) == {}
    assert visits(7, 7, (), interval) == {}


def test_only_the_days_whose_record_changes_are_rewritten() -> None:
    before = visits(7, 7, (5,), span(at(9), at(10)))
    assert changed_days(before, before) == []  # an edit of the description, a confirmation, a new agenda
    assert changed_days(before, visits(7, 7, (5,), span(at(9), at(11)))) == [(5, MONDAY)]  # resized
    assert changed_days(before, visits(7, 7, (6,), span(at(9), at(10)))) == [(5, MONDAY), (6, MONDAY)]  # reassigned
    assert changed_days(before, visits(7, 7, (5, 6), span(at(9), at(10)))) == [(6, MONDAY)]  # one more
    assert changed_days(before, {}) == [(5, MONDAY)]  # unscheduled, cancelled or closed
    assert changed_days({}, before) == [(5, MONDAY)]  # opened
    assert changed_days(before, visits(7, 7, (5,), span(at(9, day=TUESDAY), at(10, day=TUESDAY)))) == [
        (5, MONDAY), (5, TUESDAY)]  # moved to another day


def test_entering_a_day_adds_the_visit_in_order_and_keeps_the_version_read() -> None:
    read = TechnicianDay(5, MONDAY, (visit(1, at(8), at(9)), visit(2, at(11), at(12))), version=4)
    after = visits(7, 7, (5,), span(at(9), at(11)))
    assert rewrite(7, after, [read]) == (TechnicianDay(
        5, MONDAY, (visit(1, at(8), at(9)), Visit(7, 7, span(at(9), at(11))), visit(2, at(11), at(12))), version=4),)


def test_leaving_a_day_removes_only_this_os() -> None:
    read = TechnicianDay(5, MONDAY, (visit(1, at(8), at(9)), visit(7, at(9), at(10))), version=2)
    assert rewrite(7, {}, [read]) == (TechnicianDay(5, MONDAY, (visit(1, at(8), at(9)),), version=2),)


def test_an_os_never_clashes_with_its_own_earlier_interval() -> None:
    read = TechnicianDay(5, MONDAY, (visit(7, at(9), at(10)),), version=1)
    after = visits(7, 7, (5,), span(at(9, 30), at(10, 30)))
    assert rewrite(7, after, [read])[0].visits == (Visit(7, 7, span(at(9, 30), at(10, 30))),)


def test_entering_a_busy_time_names_the_first_os_in_the_way() -> None:
    read = TechnicianDay(5, MONDAY, (visit(3, at(10), at(11)), visit(2, at(9), at(10))), version=3)
    with pytest.raises(TechnicianBusy) as busy:
        rewrite(7, visits(7, 7, (5,), span(at(9, 30), at(10, 30))), [read])
    assert busy.value.technician_id == 5 and busy.value.visit == visit(2, at(9), at(10))


def test_any_technician_busy_refuses_the_whole_change() -> None:
    free = TechnicianDay(5, MONDAY)
    busy_day = TechnicianDay(6, MONDAY, (visit(2, at(9), at(10)),), version=1)
    with pytest.raises(TechnicianBusy) as busy:
        rewrite(7, visits(7, 7, (5, 6), span(at(9), at(10))), [free, busy_day])
    assert busy.value.technician_id == 6


def test_an_os_across_midnight_clashes_with_what_it_meets_on_the_second_day() -> None:
    tuesday = TechnicianDay(5, TUESDAY, (visit(2, at(1, day=TUESDAY), at(3, day=TUESDAY)),), version=1)
    after = visits(7, 7, (5,), span(at(22), at(2, day=TUESDAY)))
    with pytest.raises(TechnicianBusy):
        rewrite(7, after, [TechnicianDay(5, MONDAY), tuesday])


def test_a_day_never_written_is_written_from_version_zero() -> None:
    (written,) = rewrite(7, visits(7, 7, (5,), span(at(9), at(10))), [TechnicianDay(5, MONDAY)])
    assert written.version == 0 and written.visits == (visit(7, at(9), at(10)),)


def order(status: str, technicians: tuple[int, ...] = (5,), interval: Interval | None = span(at(9), at(10)),
          agenda_id: int | None = 1) -> ServiceOrder:
    return ServiceOrder(id=7, number=7, customer_service_id=1, customer_id=1, status=status,
                        created_at=datetime(2026, 12, 10, tzinfo=UTC), agenda_id=agenda_id, interval=interval,
                        technician_ids=technicians)


def test_a_scheduled_os_with_technicians_takes_their_time_with_or_without_an_agenda() -> None:
    assert order(PENDING).busy_interval == span(at(9), at(10))
    assert order(PENDING, agenda_id=None).busy_interval == span(at(9), at(10))


def test_an_os_awaiting_scheduling_takes_no_time_until_it_is_scheduled() -> None:
    assert order(AWAITING).busy_interval is None  # its dates are only a proposal (HubSoft: now + 1 h)
    assert order(AWAITING, interval=None).busy_interval is None


def test_no_technician_or_a_closed_os_takes_no_time() -> None:
    assert order(PENDING, technicians=()).busy_interval is None
    assert order(PENDING, interval=None).busy_interval is None
    assert order(CANCELLED).busy_interval is None
    assert order(FINISHED).busy_interval is None

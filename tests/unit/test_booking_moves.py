"""The counter moves of an OS change (``agenda.booking``): what a booking holds,
and which counters a change takes, gives back or leaves alone."""
from __future__ import annotations

from datetime import date

from chalicelib.agenda.booking import Booking, CapacityExhaustedError, CounterKey, CounterMoves, moves

MONDAY = date(2026, 12, 14)


def booking(*slots: str, agenda_id: int = 7, version: int = 3, daily_limit: int | None = 5,
            day: date = MONDAY, capacity: int = 2) -> Booking:
    return Booking(agenda_id=agenda_id, agenda_version=version, day=day,
                   slots={f"{day.isoformat()}#{slot}": capacity for slot in slots}, daily_limit=daily_limit)


def key(slot: str, agenda_id: int = 7, day: date = MONDAY) -> CounterKey:
    return CounterKey(agenda_id, f"{day.isoformat()}#{slot}")


def test_a_booking_holds_its_slots_with_their_capacity_and_its_day_with_the_daily_limit() -> None:
    assert booking("08:00", "09:00", capacity=3).counters() == {
        key("08:00"): 3, key("09:00"): 3, key("DIA"): 5}


def test_a_day_without_a_daily_limit_is_held_without_a_limit() -> None:
    assert booking("08:00", daily_limit=None).counters() == {key("08:00"): 2, key("DIA"): None}


def test_the_counters_are_the_booking_agendas() -> None:
    assert set(booking("08:00", agenda_id=9).counters()) == {key("08:00", 9), key("DIA", 9)}


def test_a_new_os_takes_every_counter_of_its_booking_and_checks_the_agenda_it_was_computed_from() -> None:
    change = moves(frozenset(), booking("08:00", "09:00"))
    assert change == CounterMoves(increments={key("08:00"): 2, key("09:00"): 2, key("DIA"): 5}, decrements=(),
                                  check_agenda=(7, 3))
    assert change.size == 3


def test_releasing_gives_back_everything_held_without_checking_the_agenda() -> None:
    held = frozenset(booking("08:00", "09:00").counters())
    change = moves(held, None)
    assert change == CounterMoves(increments={}, decrements=(key("08:00"), key("09:00"), key("DIA")),
                                  check_agenda=None)


def test_moving_within_the_day_takes_only_the_new_slots_and_gives_back_only_the_old_ones() -> None:
    held = frozenset(booking("08:00", "09:00").counters())
    change = moves(held, booking("09:00", "10:00"))
    assert change.increments == {key("10:00"): 2}
    assert change.decrements == (key("08:00"),)
    assert change.check_agenda == (7, 3)
    assert change.size == 2


def test_shrinking_takes_nothing_so_an_agenda_edited_or_deactivated_since_does_not_block_it() -> None:
    held = frozenset(booking("08:00", "09:00").counters())
    change = moves(held, booking("08:00", version=4))
    assert change == CounterMoves(increments={}, decrements=(key("09:00"),), check_agenda=None)


def test_an_unchanged_booking_moves_nothing() -> None:
    held = frozenset(booking("08:00").counters())
    assert moves(held, booking("08:00")) == CounterMoves(increments={}, decrements=(), check_agenda=None)


def test_what_is_given_back_is_what_was_held_not_what_the_agenda_says_now() -> None:
    # Taken under an agenda whose slots were edited since: the old keys are released exactly.
    held = frozenset({key("08:30"), key("DIA")})
    change = moves(held, booking("08:00", "09:00"))
    assert change.decrements == (key("08:30"),)
    assert set(change.increments) == {key("08:00"), key("09:00")}


def test_moving_to_another_agenda_swaps_every_counter_and_checks_the_new_agenda() -> None:
    held = frozenset(booking("08:00", agenda_id=7).counters())
    change = moves(held, booking("08:00", agenda_id=9, version=1))
    assert change.increments == {key("08:00", 9): 2, key("DIA", 9): 5}
    assert change.decrements == (key("08:00", 7), key("DIA", 7))
    assert change.check_agenda == (9, 1)


def test_counters_are_given_back_in_a_stable_order_agenda_then_key() -> None:
    days = [date(2026, 12, d) for d in (14, 15, 16)]
    held = frozenset(key(slot, agenda, day) for agenda in (9, 7) for day in days for slot in ("10:00", "08:00", "DIA"))
    change = moves(held, None)
    assert change.decrements == tuple(sorted(held, key=lambda k: (k.agenda_id, k.key)))
    assert change.decrements[:3] == (key("08:00", 7, days[0]), key("10:00", 7, days[0]), key("DIA", 7, days[0]))


def test_a_full_counter_says_which_one_and_whether_it_is_the_days_limit() -> None:
    slot = CapacityExhaustedError(key("08:00"))
    day = CapacityExhaustedError(key("DIA"))
    assert (slot.counter, slot.is_daily_limit, str(slot)) == (key("08:00"), False, "2026-12-14#08:00")
    assert (day.counter, day.is_daily_limit, str(day)) == (key("DIA"), True, "2026-12-14#DIA")

"""When recurring tries are due (``billing.recurring.try_schedule``), at its boundaries:
the day after a decline while tries remain, the backoff after technical
failures and its cap, the day's last tick as the latest retry, and the
provider's calendar day (not UTC's) deciding all of it."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.billing.invoices.service import CANCELLED, OPEN, PAID, Invoice
from chalicelib.billing.recurring.try_schedule import (
    MAX_RECURRING_TRIES,
    TryDay,
    after_decline,
    backoff,
    first_try,
    is_late,
    next_day,
    retry_after_failure,
    try_day,
)

SP = ZoneInfo("America/Sao_Paulo")  # UTC-3 all year
DUE = date(2026, 12, 10)


def sp(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SP)


def test_the_first_try_is_on_the_due_date() -> None:
    assert first_try(DUE) == DUE


def test_a_retryable_decline_moves_the_try_to_the_next_calendar_day_while_tries_remain() -> None:
    assert MAX_RECURRING_TRIES == 2  # what the release promises
    assert after_decline(DUE, 1, retry_allowed=True) == date(2026, 12, 11)
    assert after_decline(date(2026, 12, 31), MAX_RECURRING_TRIES - 1, retry_allowed=True) == date(2027, 1, 1)


@pytest.mark.parametrize("tries_made", [MAX_RECURRING_TRIES, MAX_RECURRING_TRIES + 1])
def test_no_try_after_the_last_one(tries_made: int) -> None:
    assert after_decline(DUE, tries_made, retry_allowed=True) is None


@pytest.mark.parametrize("tries_made", [0, 1])
def test_a_never_retry_decline_ends_the_schedule_even_with_tries_left(tries_made: int) -> None:
    assert after_decline(DUE, tries_made, retry_allowed=False) is None


@pytest.mark.parametrize(("failures", "hours"), [(0, 1), (1, 1), (2, 2), (3, 4), (4, 8), (5, 8), (12, 8)])
def test_backoff_doubles_from_one_hour_and_stops_at_eight(failures: int, hours: int) -> None:
    assert backoff(failures) == timedelta(hours=hours)


def test_a_failure_early_in_the_day_is_retried_after_the_backoff() -> None:
    moment = sp(10, 9, 15)
    assert retry_after_failure(1, moment, SP) == sp(10, 10, 15)
    assert retry_after_failure(3, moment, SP) == sp(10, 13, 15)


def test_a_failure_late_in_the_day_is_retried_at_the_days_last_tick_not_tomorrow() -> None:
    assert retry_after_failure(4, sp(10, 20, 0), SP) == sp(10, 23, 0)
    assert retry_after_failure(1, sp(10, 22, 30), SP) == sp(10, 23, 0)


def test_a_failure_at_the_days_last_tick_is_retried_at_once() -> None:
    assert retry_after_failure(1, sp(10, 23, 30), SP) == sp(10, 23, 30)


def test_the_day_is_the_providers_not_utcs() -> None:
    # 01:30 UTC on the 11th is 22:30 on the 10th in São Paulo: that day's last tick is 23:00 there.
    moment = datetime(2026, 12, 11, 1, 30, tzinfo=UTC)
    assert retry_after_failure(1, moment, SP) == sp(10, 23, 0)
    assert next_day(moment, SP) == sp(11, 0, 0)
    assert next_day(moment, UTC) == datetime(2026, 12, 12, tzinfo=UTC)


def test_next_day_is_the_local_midnight_that_starts_the_following_day() -> None:
    assert next_day(sp(10, 0, 0), SP) == sp(11, 0, 0)
    assert next_day(sp(31, 23, 59), SP) == datetime(2027, 1, 1, tzinfo=SP)


def test_a_try_is_late_only_when_made_after_its_day() -> None:
    assert is_late(DUE, DUE + timedelta(days=1)) is True
    assert is_late(DUE, DUE) is False
    assert is_late(DUE, DUE - timedelta(days=1)) is False
    assert is_late(None, DUE) is False  # no known due day: never shown as late



def test_a_pending_try_is_on_the_list_of_its_day_due_then_queued() -> None:
    invoice = Invoice(id=1, customer_service_id=1, customer_id=1, amount_cents=9990, due_date=DUE, description="",
                      status=OPEN, created_at=sp(1, 9), next_charge=DUE)
    assert try_day(invoice) == TryDay.due(DUE)
    # Claimed by a tick: on the day it was queued, whatever its due day, until the try is made.
    assert try_day(replace(invoice, queued_on=DUE + timedelta(days=2))) == TryDay.queued(DUE + timedelta(days=2))
    assert try_day(replace(invoice, next_charge=None)) is None
    for settled in (PAID, CANCELLED):
        assert try_day(replace(invoice, status=settled, queued_on=DUE)) is None

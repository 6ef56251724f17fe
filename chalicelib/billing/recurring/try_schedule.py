"""When the recurring card tries of an invoice are due: the one place this
policy lives (the charge service and the hourly tick apply it).

The release promises at most ``MAX_RECURRING_TRIES`` (two) tries per invoice,
counted in the provider's time zone:

1. the first try on the due date;
2. the second on the calendar day after the day the first was made, when the
   first was declined with a code that allows another try (a "never retry"
   code ends the schedule at once).

A technical failure (no answer, a 5xx, the key service unavailable: nothing
reached the issuer) gives the try back: it is made again the same day after
1 h, 2 h, 4 h... (``backoff``), never later than the day's last tick
(``LAST_TICK``), so a failure never pushes the try into the following day
while the day has ticks left.

A try that was not made on its day (the tick did not run, an outage; or every
attempt that day failed technically) is made at the next tick that runs
within ``LOOKBACK_DAYS`` of its day; the charge panel shows it as late
(``atrasada``, with the day it was due), and the next try is the day after
the day it was actually made. A try older than that is left to the operator.

A try queued by a tick but never turned into an attempt (the tick died before
sending, or its message was lost) is queued again after ``STALE_CLAIM``.

An open invoice's pending try waits on one of the tick's day lists
(``try_day``): due on a day (from that day on, a tick may queue it), or
queued on a day (a tick sent it to the charges queue).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import Enum

# Repeated here from billing.invoices.service (the invoice's own rule): how many tries may reach the issuer.
from chalicelib.billing.invoices.service import MAX_RECURRING_TRIES, Invoice

LOOKBACK_DAYS = 3
STALE_CLAIM = timedelta(hours=2)
BACKOFF_BASE = timedelta(hours=1)  # the tick runs hourly: a shorter wait would change nothing
MAX_BACKOFF = timedelta(hours=8)
# The tick runs once an hour, at any minute: one that runs between 23:00 and midnight is the day's last.
LAST_TICK = time(23, 0)

__all__ = ["LOOKBACK_DAYS", "MAX_RECURRING_TRIES", "STALE_CLAIM", "PendingTry", "TryDay", "TryStage", "after_decline",
           "backoff", "first_try", "is_late", "next_day", "retry_after_failure", "try_day"]


class TryStage(Enum):
    DUE = "due"  # a tick may queue it from its day on
    QUEUED = "queued"  # a tick sent it to the charges queue on its day


@dataclass(frozen=True)
class TryDay:
    """One of the tick's day lists: the tries due on ``day``, or those queued on it."""

    stage: TryStage
    day: date

    @classmethod
    def due(cls, day: date) -> TryDay:
        return cls(TryStage.DUE, day)

    @classmethod
    def queued(cls, day: date) -> TryDay:
        return cls(TryStage.QUEUED, day)


@dataclass(frozen=True, slots=True)
class PendingTry:
    """A try on a day list as the tick reads it: whose, not before when, and when it was queued."""

    invoice_id: int
    retry_at: datetime | None  # backoff after a technical failure
    queued_at: datetime | None


def try_day(invoice: Invoice) -> TryDay | None:
    """The list the invoice's pending try is on (None: no try pending: paid, cancelled or none scheduled). Once
    queued it stays on the day it was queued until it is made, so a lost message is found there again."""
    if not invoice.owed:
        return None
    if invoice.queued_on is not None:
        return TryDay.queued(invoice.queued_on)
    if invoice.next_charge is not None:
        return TryDay.due(invoice.next_charge)
    return None


def first_try(due_date: date) -> date:
    return due_date


def after_decline(made_on: date, tries_made: int, retry_allowed: bool) -> date | None:
    """The day of the next try after a decline on ``made_on`` (None: no more tries)."""
    if not retry_allowed or tries_made >= MAX_RECURRING_TRIES:
        return None
    return made_on + timedelta(days=1)


def backoff(failures: int) -> timedelta:
    """How long after the ``failures``-th technical failure in a row the try is made again."""
    return min(BACKOFF_BASE * 2 ** max(failures - 1, 0), MAX_BACKOFF)


def retry_after_failure(failures: int, moment: datetime, zone: tzinfo) -> datetime:
    """When a try that failed technically at ``moment`` (the tick's time) is made again: after the backoff, but
    no later than the last tick of the same local day."""
    day_end = datetime.combine(moment.astimezone(zone).date(), LAST_TICK, zone)
    return min(moment + backoff(failures), max(day_end, moment))


def next_day(moment: datetime, zone: tzinfo) -> datetime:
    """Midnight starting the local day after ``moment``."""
    return datetime.combine(moment.astimezone(zone).date() + timedelta(days=1), time(0), zone)


def is_late(due_on: date | None, made_on: date) -> bool:
    return due_on is not None and made_on > due_on

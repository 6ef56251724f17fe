"""Time as a dependency: services get a clock, never call ``datetime.now``."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, timezone-aware in UTC."""
    return datetime.now(UTC)


def fixed_clock(at: datetime) -> Clock:
    """A clock stopped at ``at`` (for replayable jobs and tests)."""
    if at.tzinfo is None:
        raise ValueError("fixed_clock needs an aware datetime")
    return lambda: at


def local(moment: datetime, zone: tzinfo) -> datetime:
    """A stored moment in the provider's time (naive): aware ones converted, naive ones are already local."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment.tzinfo else moment

"""The non-HTTP entry points app.py exposes: the hourly tick and the queue consumers."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from chalicelib.container import get_container
from chalicelib.outbox import events_from_stream
from chalicelib.queues import NOTIFICATIONS, dispatch
from chalicelib.tick import parse_event_time, run_tick

logger = logging.getLogger(__name__)


def hourly_tick(event_time: str) -> dict[str, Any]:
    """Run the tick with the scheduled event's time as "now" (replayable)."""
    container = get_container()
    report = run_tick(parse_event_time(event_time), container.settings.zone, container.tick_jobs,
                      container.tick_runs)
    return report.as_dict()


def consume(queue: str, records: Iterable[dict[str, Any]]) -> int:
    """Hand SQS records (Lambda's event shape) to the handlers registered for ``queue``.

    A failure raises, so SQS makes the message visible again and, after the
    queue's ``maxReceiveCount``, moves it to the dead-letter queue.
    """
    container = get_container()
    pairs = [
        (record["body"], int((record.get("attributes") or {}).get("ApproximateReceiveCount", 1)))
        for record in records
    ]
    try:
        return dispatch(pairs, container.handlers_for(queue))
    except Exception:
        logger.exception("message handling failed", extra={"queue": queue,
                                                            "message_ids": [r.get("messageId") for r in records]})
        raise


def relay_outbox(records: Iterable[dict[str, Any]]) -> int:
    """Publish the outbox events of a stream batch; raising makes Lambda retry the batch."""
    events = events_from_stream(records)
    if events:
        get_container().queues.publish(NOTIFICATIONS, events)
    return len(events)

"""The non-HTTP entry points app.py exposes: the hourly tick and the queue consumers."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from chalicelib.container import get_container
from chalicelib.outbox import events_from_stream
from chalicelib.queues import NOTIFICATIONS, handle_all
from chalicelib.tick import parse_event_time, run_tick

logger = logging.getLogger(__name__)


def hourly_tick(event_time: str) -> dict[str, Any]:
    """Run the tick with the scheduled event's time as "now" (replayable)."""
    container = get_container()
    report = run_tick(parse_event_time(event_time), container.settings.zone, container.tick_jobs,
                      container.tick_runs)
    return report.as_dict()


def consume(queue: str, records: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """Hand SQS records (Lambda's event shape) to the handlers registered for ``queue``, concurrently (a
    charge mostly waits for its gateway).

    Answers Lambda's partial batch response: only the failed messages become
    visible again and, after the queue's ``maxReceiveCount``, move to the
    dead-letter queue. When every message failed it raises instead (the same
    for SQS, and the error reaches the function's logs and metrics).
    """
    handlers = get_container().handlers_for(queue)
    pairs = [(record["body"], int((record.get("attributes") or {}).get("ApproximateReceiveCount", 1)))
             for record in records]
    errors = handle_all(pairs, handlers)
    for record, error in zip(records, errors, strict=True):
        if error is not None:
            logger.error("message handling failed", exc_info=error,
                         extra={"queue": queue, "message_id": record.get("messageId")})
    failed = [e for e in errors if e is not None]
    if failed and len(failed) == len(records):
        raise failed[0]
    return {"batchItemFailures": [{"itemIdentifier": str(r.get("messageId"))}
                                  for r, e in zip(records, errors, strict=True) if e is not None]}


def relay_outbox(records: Iterable[dict[str, Any]]) -> int:
    """Publish the outbox events of a stream batch; raising makes Lambda retry the batch."""
    events = events_from_stream(records)
    if events:
        get_container().queues.publish(NOTIFICATIONS, events)
    return len(events)

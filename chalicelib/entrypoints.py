"""The non-HTTP entry points app.py exposes: the hourly tick and the queue consumers.

Each gives its work a correlation id (the tick: EventBridge's event id; a
queue message: its producer's, else its messageId; an outbox event: that of
the request or message that wrote it, else its stream batch's first event
id), so its log lines and the messages it publishes can be found by it, and
publishes the business metrics it counted once, when done.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from chalicelib.container import get_container
from chalicelib.observability import correlated, message_correlation_id, new_correlation_id, valid_correlation_id
from chalicelib.outbox import correlated_events
from chalicelib.queues import NOTIFICATIONS, Message, handle_all
from chalicelib.tick import parse_event_time, run_tick

logger = logging.getLogger(__name__)


def hourly_tick(event_time: str, event_id: str | None = None) -> dict[str, Any]:
    """Run the tick with the scheduled event's time as "now" (replayable)."""
    container = get_container()
    with correlated(_or_new(event_id)):
        try:
            report = run_tick(parse_event_time(event_time), container.settings.zone, container.tick_jobs,
                              container.tick_runs)
        finally:
            container.metrics.flush()
    return report.as_dict()


def consume(queue: str, records: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """Hand SQS records (Lambda's event shape) to the handlers registered for ``queue``, concurrently (a
    charge mostly waits for its gateway).

    Answers Lambda's partial batch response: only the failed messages become
    visible again and, after the queue's ``maxReceiveCount``, move to the
    dead-letter queue. When every message failed it raises instead (the same
    for SQS, and the error reaches the function's logs and metrics).
    """
    container = get_container()
    pairs = [(record["body"], int((record.get("attributes") or {}).get("ApproximateReceiveCount", 1)))
             for record in records]
    ids = [message_correlation_id(record) for record in records]
    try:
        errors = handle_all(pairs, container.handlers_for(queue), ids)
    finally:
        container.metrics.flush()
    for record, cid, error in zip(records, ids, errors, strict=True):
        with correlated(cid):
            if error is not None:
                logger.error("message handling failed", exc_info=error,
                             extra={"queue": queue, "message_id": record.get("messageId")})
            else:
                logger.info("mensagem tratada", extra={"queue": queue, "message_id": record.get("messageId")})
    failed = [e for e in errors if e is not None]
    if failed and len(failed) == len(records):
        raise failed[0]
    return {"batchItemFailures": [{"itemIdentifier": str(r.get("messageId"))}
                                  for r, e in zip(records, errors, strict=True) if e is not None]}


def relay_outbox(records: Iterable[dict[str, Any]]) -> int:
    """Publish the outbox events of a stream batch, each under the correlation id of the work that wrote it
    (else the batch's own); raising makes Lambda retry the batch."""
    batch = list(records)
    own = _or_new(str(batch[0].get("eventID") or "") if batch else None)
    by_id: dict[str, list[Message]] = {}
    for cid, event in correlated_events(batch):
        by_id.setdefault(cid if cid is not None and valid_correlation_id(cid) else own, []).append(event)
    for cid, events in by_id.items():
        with correlated(cid):
            get_container().queues.publish(NOTIFICATIONS, events)
            logger.info("eventos do outbox publicados", extra={"events": len(events)})
    return sum(len(events) for events in by_id.values())


def _or_new(candidate: str | None) -> str:
    return str(candidate) if valid_correlation_id(candidate) else new_correlation_id()

"""The outbox relay: events written with a change (``OutboxItem`` rows)
reach their queue through the table's stream, off the request path.

The stream delivers at least once and Lambda retries a failing batch, so a
consumer may see an event twice; every event carries an ``id`` to dedupe on.
An outbox row keeps the correlation id of the request or message that wrote
it, and the relay publishes the event under that id.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib.queues import Message, decode

OUTBOX_KIND = "outbox"  # the outbox rows' ``kind`` (their models' discriminator; the stream filters on it)


def events_from_stream(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The event bodies (parsed JSON, as stored) of newly inserted outbox rows (other records are ignored:
    the event source filter already drops them in AWS, not in every emulator)."""
    return [json.loads(body) for _, body in _new_rows(records)]


def correlated_events(records: Iterable[Mapping[str, Any]]) -> list[tuple[str | None, Message]]:
    """Each new outbox row's correlation id (None: written outside any) and its message."""
    return [(cid, decode(body)) for cid, body in _new_rows(records)]


def _new_rows(records: Iterable[Mapping[str, Any]]) -> list[tuple[str | None, str]]:
    rows = []
    for record in records:
        if record.get("eventName") != "INSERT":
            continue
        image = (record.get("dynamodb") or {}).get("NewImage") or {}
        if (image.get("kind") or {}).get("S") != OUTBOX_KIND:
            continue
        rows.append(((image.get("correlation_id") or {}).get("S"), str(image["body"]["S"])))
    return rows

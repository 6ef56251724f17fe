"""Outbox rows: a message written in the transaction of the change that raised it (``OUTBOX`` /
``<written at>#<message id>``), which the table's stream carries to its queue (``chalicelib.outbox``)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from chalicelib.observability import correlation_id
from chalicelib.queues import Message
from chalicelib.storage.models import BillingOutboxItem, OutboxItem

OUTBOX_PK = "OUTBOX"
OUTBOX_RETENTION = timedelta(days=7)  # a record of what was sent, then TTL removes it

Row = TypeVar("Row", OutboxItem, BillingOutboxItem)


def outbox_row(model: type[Row], message: Message, written_at: datetime) -> Row:
    """``message`` as its table's outbox row; the body is the queue message's own JSON, so the relay sends it
    as written. It keeps the correlation id of the work that wrote it, for the relay to pass on."""
    return model(OUTBOX_PK, f"{written_at.isoformat()}#{message.id}", body=message.to_body(),
                 expires=written_at + OUTBOX_RETENTION, correlation_id=correlation_id())

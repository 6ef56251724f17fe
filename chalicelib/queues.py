"""The SQS queues: names, message envelope, publisher and consumer dispatch.

A message body is JSON ``{"type": ..., "id": ..., "payload": {...}}``; the
consumer finds the handler registered for ``type`` and calls it. A message no
handler knows is an error (it is retried and lands in the dead-letter queue)
rather than silently dropped.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.config import resource_name
from chalicelib.observability import CORRELATION_ATTRIBUTE, correlation_id, log_keys

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient  # pragma: no cover
else:
    SQSClient = Any

logger = logging.getLogger(__name__)

CHARGES = "charges"
NOTIFICATIONS = "notifications"
LOGICAL_QUEUES = (CHARGES, NOTIFICATIONS)
# Deliveries before SQS moves a message to its dead-letter queue (the queues' redrive policy).
MAX_RECEIVE_COUNT = 5
# Messages per consumer invocation (Lambda's BatchSize; the local pollers read as many).
QUEUE_BATCH = {CHARGES: 10, NOTIFICATIONS: 1}
SQS_BATCH_LIMIT = 10


def queue_name(logical: str) -> str:
    return resource_name(logical)


def dead_letter_queue_name(logical: str) -> str:
    return resource_name(f"{logical}-dlq")


@dataclass(frozen=True)
class Message:
    type: str
    id: str
    payload: Mapping[str, Any]
    receive_count: int = 1

    def to_body(self) -> str:
        return json.dumps({"type": self.type, "id": self.id, "payload": dict(self.payload)}, ensure_ascii=False)


class UnknownMessageError(Exception):
    """No handler for the message type (or a malformed body)."""


Handler = Callable[[Message], object]


def decode(body: str, receive_count: int = 1) -> Message:
    try:
        data = json.loads(body)
        return Message(type=str(data["type"]), id=str(data["id"]), payload=dict(data.get("payload") or {}),
                       receive_count=receive_count)
    except (ValueError, KeyError, TypeError) as exc:
        raise UnknownMessageError(f"corpo de mensagem inválido: {body[:200]!r}") from exc


def dispatch(records: Iterable[tuple[str, int]], handlers: Mapping[str, Handler]) -> int:
    """Handle each ``(body, receive_count)``; raise on the first failure so SQS retries."""
    handled = 0
    for body, receive_count in records:
        message = decode(body, receive_count)
        handler = handlers.get(message.type)
        if handler is None:
            raise UnknownMessageError(f"nenhum consumidor para mensagens do tipo {message.type!r}")
        handler(message)
        handled += 1
    return handled


def handle_all(records: Sequence[tuple[str, int]], handlers: Mapping[str, Handler],
               correlation_ids: Sequence[str] | None = None) -> list[Exception | None]:
    """Handle each ``(body, receive_count)`` on its own thread, under its correlation id (logs and the
    messages it publishes carry it); the error of each (None: handled)."""
    ids = list(correlation_ids) if correlation_ids is not None else [None] * len(records)

    def one(record: tuple[str, int], cid: str | None) -> Exception | None:
        # A pool thread starts with an empty context: the id is set here, on the thread that handles it.
        try:
            with log_keys(correlation_id=cid):
                dispatch([record], handlers)
        except Exception as exc:  # noqa: BLE001 - reported per message
            return exc
        return None

    if len(records) <= 1:
        return [one(r, c) for r, c in zip(records, ids, strict=True)]
    with ThreadPoolExecutor(max_workers=min(len(records), SQS_BATCH_LIMIT)) as pool:
        return list(pool.map(one, records, ids))


class SqsPublisher:
    """Publishes to SQS in batches of ten; the client is created on first use.

    Each message carries the correlation id of the work that sent it (a request, a tick, a stream batch,
    another message) as a message attribute, so the consumer's log lines can be found by it.
    """

    def __init__(self, client_factory: Callable[[], SQSClient]) -> None:
        self._client_factory = client_factory
        self._client: SQSClient | None = None
        self._urls: dict[str, str] = {}

    def publish(self, queue: str, messages: Sequence[Message]) -> None:
        client = self._sqs()
        url = self._url(queue)
        for start in range(0, len(messages), SQS_BATCH_LIMIT):
            chunk = messages[start:start + SQS_BATCH_LIMIT]
            entries: list[dict[str, Any]] = [{"Id": str(i), "MessageBody": m.to_body()} for i, m in enumerate(chunk)]
            cid = correlation_id()
            if cid is not None:
                for entry in entries:
                    entry["MessageAttributes"] = {CORRELATION_ATTRIBUTE: {"DataType": "String", "StringValue": cid}}
            answer = client.send_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]
            failed = answer.get("Failed") or []
            if failed:
                raise RuntimeError(f"SQS recusou {len(failed)} mensagem(ns) para {queue}: {failed[0]}")

    def _sqs(self) -> SQSClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def _url(self, queue: str) -> str:
        if queue not in self._urls:
            self._urls[queue] = self._sqs().get_queue_url(QueueName=queue_name(queue))["QueueUrl"]
        return self._urls[queue]

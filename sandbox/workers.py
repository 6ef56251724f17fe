"""Background work of the local stack: the hourly timer, the SQS pollers and the DynamoDB stream pollers."""
from __future__ import annotations

import json
import logging
import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from sandbox.errors import StartupError
from sandbox.lambda_events import context, now_utc, scheduled_event, sqs_event

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Any], Any]


DEFAULT_RETRY_SECONDS = 2.0
MAX_RETRY_SECONDS = 60


def retry_base_seconds() -> float:
    """``SANDBOX_RETRY_SECONDS``: the local wait before the first retry of a failed message.

    It doubles on every receive, up to a minute. Lambda instead leaves the
    message invisible for the queue's whole visibility timeout (6 minutes).
    """
    raw = os.environ.get("SANDBOX_RETRY_SECONDS", "").strip()
    if not raw:
        return DEFAULT_RETRY_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_RETRY_SECONDS:
        raise StartupError(f"SANDBOX_RETRY_SECONDS inválida: {raw!r}. Use um número de segundos entre 0 e 60.",
                           exit_code=2)
    return value


def next_top_of_hour(now: datetime) -> datetime:
    return (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)


class HourlyTimer(threading.Thread):
    """Calls the tick handler at the top of every hour, as EventBridge would."""

    def __init__(self, handler: Handler, stop: threading.Event) -> None:
        super().__init__(name="hourly-tick", daemon=True)
        self._handler = handler
        self._stop_event = stop
        self.next_run = next_top_of_hour(now_utc())

    def run(self) -> None:
        while not self._stop_event.wait(max(0.0, (self.next_run - now_utc()).total_seconds())):
            at, self.next_run = self.next_run, next_top_of_hour(self.next_run)
            try:
                report = self._handler(scheduled_event(at), context("hourly_tick"))
                logger.info("tick das %s: %s", at.isoformat(), json.dumps(report, ensure_ascii=False, default=str))
            except Exception:  # noqa: BLE001 - a failed tick must not stop the next ones
                logger.exception("o tick das %s falhou", at.isoformat())


class QueuePoller(threading.Thread):
    """Long-polls one queue and hands up to ``batch_size`` messages at a time to its consumer.

    Handled messages are deleted. A failed one (the consumer raised, or named
    it in its partial batch response) is left for SQS to deliver again;
    locally it comes back after a short backoff instead of the queue's
    visibility timeout, and after ``maxReceiveCount`` tries moto's redrive
    moves it to the dead-letter queue, as in AWS.
    """

    def __init__(self, sqs: Any, queue_url: str, queue_arn: str, function_name: str, handler: Handler,
                 stop: threading.Event, retry_base: float = DEFAULT_RETRY_SECONDS, batch_size: int = 1) -> None:
        super().__init__(name=f"poller-{function_name}", daemon=True)
        self._sqs = sqs
        self._url = queue_url
        self._arn = queue_arn
        self._function = function_name
        self._handler = handler
        self._stop_event = stop
        self._retry_base = retry_base
        self._batch_size = batch_size

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self._poll_once()
            except Exception:  # noqa: BLE001 - keep polling; moto may be stopping
                if not self._stop_event.is_set():
                    logger.exception("falha ao ler a fila %s", self._url)
                    self._stop_event.wait(1)

    def _poll_once(self) -> None:
        answer = self._sqs.receive_message(QueueUrl=self._url, MaxNumberOfMessages=self._batch_size,
                                           WaitTimeSeconds=1, AttributeNames=["All"], MessageAttributeNames=["All"])
        messages = answer.get("Messages", [])
        if not messages:
            return
        try:
            result = self._handler(sqs_event(messages, self._arn), context(self._function))
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            error: Exception | None = None
        except Exception as exc:  # noqa: BLE001 - the batch is retried, as Lambda would
            failed, error = {m["MessageId"] for m in messages}, exc
        for message in messages:
            if message["MessageId"] not in failed:
                self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])
                continue
            count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            delay = math.ceil(min(self._retry_base * 2 ** (count - 1), MAX_RETRY_SECONDS))
            # chalicelib.entrypoints.consume already logged the traceback.
            logger.warning("%s falhou com a mensagem %s (tentativa %d): %s; nova tentativa em %ds",
                           self._function, message["MessageId"], count, error or "ver o log acima", delay,
                           exc_info=logger.isEnabledFor(logging.DEBUG) and error is not None)
            self._sqs.change_message_visibility(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"],
                                                VisibilityTimeout=delay)


class StreamPoller(threading.Thread):
    """Reads a DynamoDB stream and hands each batch to its function, as a
    Lambda event source mapping would: a failing batch is retried (after a
    backoff) before the iterator moves on, so nothing is skipped.

    Every record of a committed write is delivered, in order, once; none of a
    cancelled transaction is, because the local AWS never lets one be read
    (``sandbox.aws.keep_streams_of_cancelled_transactions``). The poller
    remembers, per shard, the sequence number of the last record its function
    took, and never depends on an iterator staying valid: when one is refused
    (expired after 15 minutes, unknown after moto restarted its state) it opens
    a new one ``AFTER_SEQUENCE_NUMBER`` that record. A shard seen under a new
    starting sequence number, or a stream under a new label (table re-created),
    is new and read from its start; a record at or before the last one taken
    is never handed over again.
    """

    def __init__(self, streams: Any, stream_arn: str, function_name: str, handler: Handler,
                 stop: threading.Event, retry_base: float = DEFAULT_RETRY_SECONDS) -> None:
        super().__init__(name=f"stream-{function_name}", daemon=True)
        self._streams = streams
        self._arn = stream_arn
        self._function = function_name
        self._handler = handler
        self._stop_event = stop
        self._retry_base = retry_base
        self._label: str | None = None
        self._shards: dict[str, _ShardPosition] = {}

    def run(self) -> None:
        failures = 0
        while not self._stop_event.is_set():
            try:
                moved = self._poll_once()
                failures = 0
                if not moved:
                    self._stop_event.wait(0.5)
            except _HandlerFailed as failed:  # keep the batch and retry it, as Lambda does
                failures += 1
                self._back_off(failures, "%s falhou; o mesmo lote será reenviado em %.0fs", failed.__cause__)
            except Exception as exc:  # noqa: BLE001 - moto may be stopping or restarting; read again later
                failures += 1
                self._back_off(failures, "falha ao ler o stream de %s; nova leitura em %.0fs", exc)

    def _back_off(self, failures: int, message: str, error: BaseException | None) -> None:
        delay = min(self._retry_base * 2 ** (failures - 1), MAX_RETRY_SECONDS)
        if not self._stop_event.is_set():
            logger.warning(message, self._function, delay, exc_info=error)
            self._stop_event.wait(delay)

    def _poll_once(self) -> bool:
        description = self._describe()
        if description.get("StreamLabel") != self._label:
            if self._label is not None:
                logger.warning("o stream de %s foi recriado; lendo o novo desde o início", self._function)
            self._label, self._shards = description.get("StreamLabel"), {}
        listed = set()
        moved = False
        for shard in description["Shards"]:
            shard_id = shard["ShardId"]
            start = shard.get("SequenceNumberRange", {}).get("StartingSequenceNumber", "")
            listed.add(shard_id)
            position = self._shards.get(shard_id)
            if position is None or position.start != start:
                if position is not None:
                    logger.warning("o shard %s de %s foi substituído; lendo o novo desde o início", shard_id,
                                   self._function)
                position = self._shards[shard_id] = _ShardPosition(start)
            if not position.finished:
                moved = self._read(shard_id, position) or moved
        for gone in set(self._shards) - listed:  # trimmed away (24 h after it closed, in AWS)
            del self._shards[gone]
        return moved

    def _describe(self) -> dict[str, Any]:
        description: dict[str, Any] = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]
        shards = list(description.get("Shards", []))
        while description.get("LastEvaluatedShardId"):
            description = self._streams.describe_stream(
                StreamArn=self._arn, ExclusiveStartShardId=description["LastEvaluatedShardId"])["StreamDescription"]
            shards += description.get("Shards", [])
        return {**description, "Shards": shards}

    def _read(self, shard_id: str, position: _ShardPosition) -> bool:
        if position.iterator is None:
            position.iterator = self._open(shard_id, position)
        try:
            answer = self._streams.get_records(ShardIterator=position.iterator, Limit=100)
        except Exception as exc:
            position.iterator = None  # whatever went wrong, the next read starts after the last record taken
            code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None
            if code not in _REOPEN:
                raise
            logger.info("iterador do shard %s de %s recusado (%s); reaberto após o último registro entregue",
                        shard_id, self._function, code)
            return False
        records = [r for r in answer.get("Records", []) if position.is_new(r)]
        if records:
            for record in records:  # Lambda's event carries the source ARN on every record
                record.setdefault("eventSourceARN", self._arn)
            try:
                self._handler({"Records": _jsonable(records)}, context(self._function))
            except Exception as exc:
                raise _HandlerFailed() from exc
            position.last_sequence = records[-1]["dynamodb"]["SequenceNumber"]
        # Only now, after the handler succeeded: a failure re-reads the same batch.
        position.iterator = answer.get("NextShardIterator")
        position.finished = position.iterator is None  # a closed shard, read to its end
        return bool(records)

    def _open(self, shard_id: str, position: _ShardPosition) -> str:
        if position.last_sequence is None:
            return self._iterator(shard_id, "TRIM_HORIZON")
        try:
            return self._iterator(shard_id, "AFTER_SEQUENCE_NUMBER", position.last_sequence)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TrimmedDataAccessException":
                raise
            # Read again only after more than the stream's 24 hours: what was there is gone.
            logger.error("registros do shard %s de %s expiraram antes de serem lidos; lendo do mais antigo",
                         shard_id, self._function)
            return self._iterator(shard_id, "TRIM_HORIZON")

    def _iterator(self, shard_id: str, kind: str, after: str | None = None) -> str:
        where = {"SequenceNumber": after} if after is not None else {}
        return str(self._streams.get_shard_iterator(StreamArn=self._arn, ShardId=shard_id, ShardIteratorType=kind,
                                                    **where)["ShardIterator"])


# Refusals of an iterator that a new one, opened after the last record taken, answers.
_REOPEN = frozenset({"ExpiredIteratorException", "TrimmedDataAccessException", "ResourceNotFoundException"})


class _HandlerFailed(Exception):
    """The stream's function raised on a batch (the cause)."""


@dataclass
class _ShardPosition:
    start: str  # the shard's starting sequence number: another one under the same id is another shard
    last_sequence: str | None = None  # of the last record the function took
    iterator: str | None = None
    finished: bool = False

    def is_new(self, record: dict[str, Any]) -> bool:
        if self.last_sequence is None:
            return True
        return int(record["dynamodb"]["SequenceNumber"]) > int(self.last_sequence)


def _jsonable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """boto3 returns datetimes in stream records; Lambda's event is plain JSON."""
    return json.loads(json.dumps(records, default=str))

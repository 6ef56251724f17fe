"""moto's server on loopback standing in for AWS, and the process settings that point at it.

Where the product relies on a guarantee of DynamoDB that moto lacks, moto is
corrected here when the server starts (``LocalAws``): requests are isolated
from one another, a cancelled transaction streams nothing and leaves the
stream readable, and shard iterators expire as in DynamoDB Streams.
"""
from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
from collections import deque
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.models import DynamoDBStreamsBackend, ShardIterator
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.server import ThreadedMotoServer

from sandbox.errors import StartupError

LOCAL_REGION = "us-east-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
    "AWS_SESSION_TOKEN": "sandbox",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def requested_port(name: str) -> int | None:
    """The port asked for in the environment variable ``name``; None means "any free port"."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise StartupError(f"{name} inválida: {raw!r}. Use um número entre 1 e 65535.", exit_code=2)
    return int(raw)


def current_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or LOCAL_REGION


def point_environment_at(endpoint: str, region: str | None = None) -> None:
    """Make boto3, PynamoDB and ``load_settings`` talk to the local endpoint."""
    os.environ.update(FAKE_CREDENTIALS)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region or current_region()
    os.environ.setdefault("STAGE", "local")
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        os.environ.pop(name, None)
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_")]:
        os.environ.pop(name)  # a per-service endpoint would win over the local one


_DYNAMODB_REQUESTS = threading.Lock()


def serialize_dynamodb_requests() -> None:
    """Give moto's DynamoDB the isolation real DynamoDB guarantees.

    DynamoDB applies every request atomically and isolates transactions from
    one another; our capacity rules rely on that. moto's server answers
    requests on concurrent threads without a lock, and a TransactWriteItems
    whose condition fails restores a copy of the tables taken when it began,
    undoing what other threads wrote meanwhile (lost counter updates). One
    lock around each DynamoDB request restores the guarantee; racing threads
    still go through real HTTP and real conditional writes.

    DynamoDB Streams requests take the same lock: a transaction appends the
    stream record of each write as it goes and takes them back when it is
    cancelled (``keep_streams_of_cancelled_transactions``), so a stream read
    in between would see records of a write that never happened.
    """
    for handler in (DynamoHandler, DynamoDBStreamsHandler):
        if not getattr(handler.call_action, "_serialized", False):
            handler.call_action = _under_dynamodb_lock(handler.call_action)  # type: ignore[method-assign]


def _under_dynamodb_lock(unlocked: Any) -> Any:
    @functools.wraps(unlocked)
    def call_action(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _DYNAMODB_REQUESTS:
            return unlocked(self, *args, **kwargs)

    call_action._serialized = True  # type: ignore[attr-defined]
    return call_action


def keep_streams_of_cancelled_transactions() -> None:
    """A cancelled ``TransactWriteItems`` streams nothing and leaves the stream readable, as in DynamoDB.

    moto's ``DynamoDBBackend.transact_write_items`` (moto/dynamodb/models/__init__.py)
    deep-copies each table it touches, applies the writes one by one (each
    appending its record to the table's ``StreamShard``), and when one fails
    puts the copies in place of the tables. The copy carries a copy of the
    shard, under the same shard id and sequence numbers, so afterwards:

    - every shard iterator already handed out (moto/dynamodbstreams/models.py
      ``ShardIterator`` holds the shard object itself) reads the discarded
      shard, which holds the records of the cancelled writes (a customer got
      "OS 3 está agendada" for an OS that does not exist) and never receives
      another record: the table's stream poller went silent for good;
    - nothing a reader can see (``DescribeStream``, shard id, starting
      sequence number) changes, so no reader can tell.

    After a cancelled transaction this puts the original shard back on the
    restored table with the records of the cancelled writes removed: the
    iterators keep reading the live stream and no record of a refused write
    is ever readable (stream reads are serialized with DynamoDB requests, see
    ``serialize_dynamodb_requests``). The sequence numbers those records had
    are given to the next writes, which is safe because nobody could read them.
    """
    unpatched = DynamoDBBackend.transact_write_items
    if getattr(unpatched, "_keeps_streams", False):
        return

    @functools.wraps(unpatched)
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        streamed = {}
        for item in transact_items:
            operation = next(iter(item.values()), None) if isinstance(item, dict) else None
            name = operation.get("TableName") if isinstance(operation, dict) else None
            table = self.tables.get(name) if isinstance(name, str) else None
            if isinstance(name, str) and table is not None and table.stream_shard is not None:
                streamed[name] = (table, table.stream_shard, len(table.stream_shard.items))
        try:
            unpatched(self, transact_items)
        except Exception:
            for name, (table, shard, length) in streamed.items():
                restored = self.tables.get(name)
                if restored is None or restored is table:
                    continue  # not rolled back by moto: its writes (and their records) stand
                del shard.items[length:]
                shard.table = restored
                restored.stream_shard = shard
            raise

    transact_write_items._keeps_streams = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


SHARD_ITERATOR_LIFETIME_SECONDS = 15 * 60


class ExpiredIteratorException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("ExpiredIteratorException", "Iterator expired. The iterator was created more than "
                         "15 minutes ago, or is not known to this server.")


def expire_shard_iterators() -> None:
    """Shard iterators expire 15 minutes after they are handed out, as in DynamoDB Streams.

    moto keeps every iterator it ever created (one more per ``GetRecords``:
    hundreds of megabytes a day for the local stack's pollers) and answers an
    unknown one with an HTTP 500. Here old ones are forgotten and an unknown
    or forgotten one is refused with DynamoDB's ``ExpiredIteratorException``,
    which readers answer by opening a new iterator (``StreamPoller`` does so
    after the last record it delivered).
    """
    get_shard_iterator, get_records = DynamoDBStreamsBackend.get_shard_iterator, DynamoDBStreamsBackend.get_records
    if getattr(get_records, "_expires", False):
        return

    def forget_expired(backend: DynamoDBStreamsBackend) -> deque[tuple[float, str]]:
        born: deque[tuple[float, str]] = backend.__dict__.setdefault("_sandbox_iterators_born", deque())
        oldest = time.monotonic() - SHARD_ITERATOR_LIFETIME_SECONDS
        while born and born[0][0] < oldest:
            backend.shard_iterators.pop(born.popleft()[1], None)
        return born

    @functools.wraps(get_shard_iterator)
    def expiring_get_shard_iterator(self: DynamoDBStreamsBackend, *args: Any, **kwargs: Any) -> ShardIterator:
        born = forget_expired(self)
        iterator = get_shard_iterator(self, *args, **kwargs)
        born.append((time.monotonic(), iterator.arn))
        return iterator

    @functools.wraps(get_records)
    def expiring_get_records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> dict[str, Any]:
        born = forget_expired(self)
        if iterator_arn not in self.shard_iterators:
            raise ExpiredIteratorException()
        answer: dict[str, Any] = get_records(self, iterator_arn, limit)
        born.append((time.monotonic(), answer["NextShardIterator"]))
        return answer

    expiring_get_records._expires = True  # type: ignore[attr-defined]
    DynamoDBStreamsBackend.get_shard_iterator = expiring_get_shard_iterator  # type: ignore[method-assign]
    DynamoDBStreamsBackend.get_records = expiring_get_records  # type: ignore[method-assign]


class LocalAws:
    """moto's threaded server; every service on one endpoint (port 0: a free one)."""

    def __init__(self, port: int = 0) -> None:
        serialize_dynamodb_requests()
        keep_streams_of_cancelled_transactions()
        expire_shard_iterators()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.endpoint = ""

    def start(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

    def stop(self) -> None:
        if self.endpoint:
            self._server.stop()

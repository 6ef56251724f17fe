"""The local stack's DynamoDB stream poller against moto's server as the
local stack runs it: every record of a committed write is delivered once and
in order, none of a cancelled transaction, whatever moto does to shards and
iterators (``sandbox.aws.keep_streams_of_cancelled_transactions``,
``sandbox.aws.expire_shard_iterators``)."""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodbstreams.models import dynamodbstreams_backends

import sandbox.aws
from sandbox.aws import FAKE_CREDENTIALS
from sandbox.workers import StreamPoller

WAIT_SECONDS = 30


@dataclass
class Delivered:
    """What the poller handed to its function, batch by batch; ``fail`` makes the next calls raise."""
    batches: list[list[dict[str, Any]]] = field(default_factory=list)
    refused: list[list[dict[str, Any]]] = field(default_factory=list)
    fail: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: dict[str, Any], context: Any) -> None:
        with self.lock:
            if self.fail:
                self.fail -= 1
                self.refused.append(event["Records"])
                raise RuntimeError("falha simulada do lote")
            self.batches.append(event["Records"])

    def keys(self) -> list[str]:
        with self.lock:
            return [r["dynamodb"]["Keys"]["pk"]["S"] for batch in self.batches for r in batch]

    def sequence_numbers(self) -> list[int]:
        with self.lock:
            return [int(r["dynamodb"]["SequenceNumber"]) for batch in self.batches for r in batch]

    def wait_for(self, done: Callable[[list[str]], bool]) -> list[str]:
        deadline = time.monotonic() + WAIT_SECONDS
        while not done(keys := self.keys()):
            assert time.monotonic() < deadline, keys
            time.sleep(0.05)
        return keys


@dataclass
class Stream:
    endpoint: str
    table: str
    arn: str

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", endpoint_url=self.endpoint,
                            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    def put(self, key: str, dynamodb: Any = None) -> None:
        (dynamodb or self.client("dynamodb")).put_item(TableName=self.table, Item={"pk": {"S": key}})

    def cancelled_transaction(self, key: str, dynamodb: Any = None) -> None:
        """A new item and a change of an existing one, cancelled by a failing condition after both."""
        with pytest.raises(ClientError, match="TransactionCanceled"):
            (dynamodb or self.client("dynamodb")).transact_write_items(TransactItems=[
                {"Put": {"TableName": self.table, "Item": {"pk": {"S": key}}}},
                {"Update": {"TableName": self.table, "Key": {"pk": {"S": "existing"}},
                            "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                {"ConditionCheck": {"TableName": self.table, "Key": {"pk": {"S": "missing"}},
                                    "ConditionExpression": "attribute_exists(pk)"}},
            ])

    def keys_from_the_start(self) -> list[str]:
        """The stream as a new reader sees it: every record, from TRIM_HORIZON."""
        streams = self.client("dynamodbstreams")
        [shard] = streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        iterator = streams.get_shard_iterator(StreamArn=self.arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
        return [r["dynamodb"]["Keys"]["pk"]["S"] for r in records]


@pytest.fixture
def stream(moto_endpoint: str) -> Stream:
    table = f"stream-{uuid.uuid4().hex[:8]}"
    dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=moto_endpoint,
                            aws_access_key_id="x", aws_secret_access_key="x")
    arn = dynamodb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    return Stream(moto_endpoint, table, arn)


@pytest.fixture
def delivered(stream: Stream) -> Iterator[Delivered]:
    collected = Delivered()
    stop = threading.Event()
    poller = StreamPoller(stream.client("dynamodbstreams"), stream.arn, "relay_de_teste", collected, stop,
                          retry_base=0.05)
    poller.start()
    yield collected
    stop.set()
    poller.join(timeout=10)
    assert not poller.is_alive()


def test_the_write_after_a_cancelled_transaction_arrives_and_the_cancelled_one_never(
        stream: Stream, delivered: Delivered) -> None:
    stream.put("existing")
    delivered.wait_for(lambda keys: keys == ["existing"])  # the poller holds an iterator from here on
    stream.cancelled_transaction("refused")
    stream.put("after")
    assert delivered.wait_for(lambda keys: "after" in keys) == ["existing", "after"]
    assert stream.keys_from_the_start() == ["existing", "after"]
    numbers = delivered.sequence_numbers()
    assert numbers == sorted(set(numbers))


def test_cancelled_transactions_racing_committed_writes_stream_exactly_the_committed_ones(
        stream: Stream, delivered: Delivered) -> None:
    stream.put("existing")
    writers, rounds = 4, 25
    start = threading.Barrier(2 * writers)

    def commit(writer: int) -> None:
        dynamodb = stream.client("dynamodb")
        start.wait()
        for n in range(rounds):
            stream.put(f"w{writer}-{n}", dynamodb)

    def cancel(writer: int) -> None:
        dynamodb = stream.client("dynamodb")
        start.wait()
        for n in range(rounds):
            stream.cancelled_transaction(f"refused{writer}-{n}", dynamodb)

    with ThreadPoolExecutor(2 * writers) as pool:
        futures = [pool.submit(commit, w) for w in range(writers)] + [pool.submit(cancel, w) for w in range(writers)]
        for future in futures:
            future.result()

    committed = {"existing"} | {f"w{w}-{n}" for w in range(writers) for n in range(rounds)}
    keys = delivered.wait_for(lambda keys: committed <= set(keys))
    assert sorted(keys) == sorted(committed)  # each once, none refused
    assert sorted(stream.keys_from_the_start()) == sorted(committed)
    numbers = delivered.sequence_numbers()
    assert numbers == sorted(set(numbers))


def test_an_iterator_moto_forgot_is_reopened_after_the_last_record_delivered(
        stream: Stream, delivered: Delivered) -> None:
    stream.put("first")
    delivered.wait_for(lambda keys: keys == ["first"])
    # As after 15 minutes in AWS, or a restart of moto's state: every iterator handed out is unknown now.
    dynamodbstreams_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].shard_iterators.clear()
    stream.put("second")
    assert delivered.wait_for(lambda keys: "second" in keys) == ["first", "second"]


def test_a_re_created_table_is_read_from_the_start_of_its_new_stream(stream: Stream, delivered: Delivered) -> None:
    stream.put("old")
    delivered.wait_for(lambda keys: keys == ["old"])
    dynamodb = stream.client("dynamodb")
    dynamodb.delete_table(TableName=stream.table)
    dynamodb.create_table(  # moto answers the old stream ARN with the new table's stream, under a new label
        TableName=stream.table, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    stream.put("new")
    assert delivered.wait_for(lambda keys: "new" in keys) == ["old", "new"]


def test_a_failing_batch_is_retried_before_moving_on(stream: Stream, delivered: Delivered) -> None:
    delivered.fail = 2
    stream.put("first")
    delivered.wait_for(lambda keys: keys == ["first"])
    stream.put("second")
    assert delivered.wait_for(lambda keys: "second" in keys) == ["first", "second"]
    assert [[r["dynamodb"]["Keys"]["pk"]["S"] for r in batch] for batch in delivered.refused] == [["first"]] * 2


def test_an_expired_iterator_is_refused_as_dynamodb_streams_does(
        stream: Stream, monkeypatch: pytest.MonkeyPatch) -> None:
    streams = stream.client("dynamodbstreams")
    [shard] = streams.describe_stream(StreamArn=stream.arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=stream.arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="LATEST")["ShardIterator"]
    assert streams.get_records(ShardIterator=iterator)["Records"] == []  # still valid: reusable
    monkeypatch.setattr(sandbox.aws, "SHARD_ITERATOR_LIFETIME_SECONDS", -1)  # everything handed out is too old
    with pytest.raises(ClientError) as refused:
        streams.get_records(ShardIterator=iterator)
    assert refused.value.response["Error"]["Code"] == "ExpiredIteratorException"

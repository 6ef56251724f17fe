"""The AWS stand-in keeps the guarantee our capacity rules rely on: a
cancelled DynamoDB transaction never undoes writes other requests made while
it ran (moto alone restores a stale copy of the table; see
``sandbox.aws.serialize_dynamodb_requests``)."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox.aws import FAKE_CREDENTIALS

WRITERS = 6
CANCELLERS = 6
ROUNDS = 60


def test_cancelled_transactions_do_not_undo_concurrent_writes(moto_endpoint: str) -> None:
    def client():  # type: ignore[no-untyped-def]
        return boto3.client("dynamodb", region_name="us-east-1", endpoint_url=moto_endpoint,
                            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    table = f"isolation-{uuid.uuid4().hex[:8]}"
    setup = client()
    setup.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                       KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    start = threading.Barrier(WRITERS + CANCELLERS)

    def write() -> None:
        dynamodb = client()
        start.wait()
        for _ in range(ROUNDS):
            dynamodb.update_item(TableName=table, Key={"pk": {"S": "counter"}},
                                 UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}})

    def cancel() -> None:
        dynamodb = client()
        start.wait()
        for _ in range(ROUNDS):
            with pytest.raises(ClientError, match="TransactionCanceled"):
                dynamodb.transact_write_items(TransactItems=[
                    {"Update": {"TableName": table, "Key": {"pk": {"S": "other"}},
                                "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                    {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "missing"}},
                                        "ConditionExpression": "attribute_exists(pk)"}},
                ])

    with ThreadPoolExecutor(WRITERS + CANCELLERS) as pool:
        futures = [pool.submit(write) for _ in range(WRITERS)] + [pool.submit(cancel) for _ in range(CANCELLERS)]
        for future in futures:
            future.result()

    items = {item["pk"]["S"]: int(item["n"]["N"]) for item in
             [setup.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item")
              for key in ("counter", "other")] if item}
    assert items == {"counter": WRITERS * ROUNDS}

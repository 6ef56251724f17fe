"""The local stack and the cloud package agree: the resources ``create_resources`` makes on
moto's server (what ``python -m sandbox serve`` runs on) are described back through the AWS
APIs and compared with what ``chalice package`` would deploy. Same table names, keys, indexes,
streams and TTL; same queues, redrive, visibility and retention; same key alias."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from infra.definition import create_resources
from tests.integration.packaging import chalice_package, resources_of_type


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return chalice_package("prod", tmp_path_factory.mktemp("package"))


@pytest.fixture
def local(moto_endpoint: str) -> Iterator[boto3.session.Session]:
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    session = boto3.session.Session(region_name="us-east-1")
    create_resources(session, moto_endpoint)
    yield session
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()


def by_name(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


def keys_of(schema: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in schema]


def projection(value: dict[str, Any]) -> tuple[str, list[str]]:
    return value["ProjectionType"], sorted(value.get("NonKeyAttributes", []))


def described_table(dynamodb: Any, name: str) -> dict[str, Any]:
    """A table as DynamoDB describes it, in the template's terms."""
    table = dynamodb.describe_table(TableName=name)["Table"]
    ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    stream = table.get("StreamSpecification") or {}
    return {
        "keys": keys_of(table["KeySchema"]),
        "attributes": sorted((a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]),
        "indexes": {i["IndexName"]: (keys_of(i["KeySchema"]), projection(i["Projection"]))
                    for i in table.get("GlobalSecondaryIndexes", [])},
        "stream": stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
        "ttl": ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") else None,
        "billing": table.get("BillingModeSummary", {}).get("BillingMode"),
    }


def packaged_table(properties: dict[str, Any]) -> dict[str, Any]:
    ttl = properties.get("TimeToLiveSpecification") or {}
    return {
        "keys": keys_of(properties["KeySchema"]),
        "attributes": sorted((a["AttributeName"], a["AttributeType"]) for a in properties["AttributeDefinitions"]),
        "indexes": {i["IndexName"]: (keys_of(i["KeySchema"]), projection(i["Projection"]))
                    for i in properties.get("GlobalSecondaryIndexes", [])},
        "stream": (properties.get("StreamSpecification") or {}).get("StreamViewType"),
        "ttl": ttl.get("AttributeName") if ttl.get("Enabled") else None,
        "billing": properties["BillingMode"],
    }


def test_same_tables_keys_indexes_streams_and_ttl(local: boto3.session.Session, moto_endpoint: str,
                                                  package: dict[str, Any]) -> None:
    dynamodb = local.client("dynamodb", endpoint_url=moto_endpoint)
    packaged = {r["Properties"]["TableName"]: packaged_table(r["Properties"])
                for r in resources_of_type(package, "AWS::DynamoDB::Table").values()}
    names = dynamodb.list_tables()["TableNames"]
    assert sorted(names) == sorted(packaged)
    assert any(p["indexes"] for p in packaged.values()) and any(p["stream"] for p in packaged.values())
    for name in names:
        assert described_table(dynamodb, name) == packaged[name], name


def test_same_queues_redrive_visibility_and_retention(local: boto3.session.Session, moto_endpoint: str,
                                                      package: dict[str, Any]) -> None:
    sqs = local.client("sqs", endpoint_url=moto_endpoint)
    queues = resources_of_type(package, "AWS::SQS::Queue")

    def packaged(properties: dict[str, Any]) -> dict[str, Any]:
        redrive = properties.get("RedrivePolicy")
        return {
            # The template's DLQ is a GetAtt of its resource: compare by the queue's name.
            "dlq": queues[redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]]["Properties"]["QueueName"]
            if redrive else None,
            "max_receive": redrive["maxReceiveCount"] if redrive else None,
            "visibility": properties.get("VisibilityTimeout", 30),
            "retention": properties["MessageRetentionPeriod"],
        }

    def described(url: str) -> dict[str, Any]:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"]) if "RedrivePolicy" in attributes else None
        return {
            "dlq": redrive["deadLetterTargetArn"].rsplit(":", 1)[1] if redrive else None,
            "max_receive": int(redrive["maxReceiveCount"]) if redrive else None,
            "visibility": int(attributes["VisibilityTimeout"]),
            "retention": int(attributes["MessageRetentionPeriod"]),
        }

    expected = {r["Properties"]["QueueName"]: packaged(r["Properties"]) for r in queues.values()}
    urls = sqs.list_queues().get("QueueUrls", [])
    actual = {url.rsplit("/", 1)[1]: described(url) for url in urls}
    assert actual == expected
    assert sum(1 for q in actual.values() if q["dlq"]) == len(actual) // 2


def test_same_key_alias(local: boto3.session.Session, moto_endpoint: str, package: dict[str, Any]) -> None:
    kms = local.client("kms", endpoint_url=moto_endpoint)
    local_aliases = {a["AliasName"] for a in kms.list_aliases()["Aliases"]
                     if not a["AliasName"].startswith("alias/aws/")}
    packaged = {r["Properties"]["AliasName"] for r in resources_of_type(package, "AWS::KMS::Alias").values()}
    assert local_aliases == packaged and packaged

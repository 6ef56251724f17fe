"""Lambda's event and context shapes, so the local stack calls the app's
handlers exactly as AWS would."""
from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

from chalice.local import LambdaContext

from sandbox.aws import current_region

ACCOUNT = "123456789012"


def context(function_name: str, timeout_seconds: int = 60) -> LambdaContext:
    return LambdaContext(function_name=function_name, memory_size=512, max_runtime_ms=timeout_seconds * 1000)


def scheduled_event(at: datetime, rule: str = "hourly_tick") -> dict[str, Any]:
    """What EventBridge sends a ``rate(1 hour)`` target (``time`` in UTC)."""
    region = current_region()
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event an SQS event source mapping hands the consumer."""
    region = current_region()
    return {"Records": [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": _lambda_attributes(m.get("MessageAttributes") or {}),
            "md5OfBody": m.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        }
        for m in messages
    ]}


def _lambda_attributes(attributes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """SQS's ``{"StringValue", "DataType"}`` as Lambda spells it (``stringValue``, ``dataType``...)."""
    converted: dict[str, dict[str, Any]] = {}
    for name, value in attributes.items():
        entry: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value.get("DataType")}
        if "StringValue" in value:
            entry["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:  # boto3 gives bytes; Lambda gives base64 text
            entry["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
        converted[name] = entry
    return converted


def now_utc() -> datetime:
    return datetime.now(UTC)

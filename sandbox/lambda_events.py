"""Lambda's event and context shapes, so the local stack calls the app's
handlers exactly as AWS would."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from chalice.local import LambdaContext

from sandbox.aws import LOCAL_REGION

ACCOUNT = "123456789012"


def context(function_name: str, timeout_seconds: int = 60) -> LambdaContext:
    return LambdaContext(function_name=function_name, memory_size=512, max_runtime_ms=timeout_seconds * 1000)


def scheduled_event(at: datetime, rule: str = "hourly_tick") -> dict[str, Any]:
    """What EventBridge sends a ``rate(1 hour)`` target (``time`` in UTC)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": LOCAL_REGION,
        "resources": [f"arn:aws:events:{LOCAL_REGION}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event an SQS event source mapping hands the consumer."""
    return {"Records": [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": m.get("MessageAttributes", {}),
            "md5OfBody": m.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": LOCAL_REGION,
        }
        for m in messages
    ]}


def now_utc() -> datetime:
    return datetime.now(UTC)

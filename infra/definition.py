"""Every table, queue (each with its dead-letter queue), the KMS key and the alarms.

Both the local stack (``create_resources`` against moto's server) and the
cloud template (``cloudformation_resources``) come from the definitions here
and from the table schema of ``chalicelib.storage``. Alarms, the API's
throttling, API Gateway's own answers and the key's policy exist only in the
cloud template: the local stack has no CloudWatch nor API Gateway, and moto
does not evaluate key policies.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.billing.gateways.registry import registry as gateway_registry
from chalicelib.config import CARDS_KEY, RESOURCE_PREFIX, key_alias
from chalicelib.observability import NAMESPACE, SERVICE
from chalicelib.ports import CHARGES_ERRORED, MESSAGES_FAILED
from chalicelib.queues import LOGICAL_QUEUES, MAX_RECEIVE_COUNT, dead_letter_queue_name, queue_name
from chalicelib.storage.binding import TableDefinition, table_definitions
from chalicelib.web.security_headers import SECURITY_HEADERS
from chalicelib.web.unavailable import UNKNOWN_ROUTE_MSG

LAMBDA_TIMEOUT_SECONDS = 60

# The scheduled function of app.py (``@app.schedule(..., name="hourly_tick")``).
TICK_FUNCTION = "hourly_tick"
ALARM_TOPIC = "AlarmTopic"
ALARM_EMAIL_PARAMETER = "AlarmEmail"


# ----------------------------------------------------------------- API limits
@dataclass(frozen=True)
class Throttle:
    """API Gateway's token bucket: ``rate`` requests a second on average, ``burst`` at once."""

    rate: int
    burst: int


# The whole API, every method of the stage (both stages: the merge template is the same file).
# Each request takes well under a second, so the steady rate needs at most ``rate`` concurrent
# functions: within the API function's reserved concurrency of every stage (.chalice/config.json).
API_THROTTLE = Throttle(rate=50, burst=100)
# Public, and a password grant, or a client secret not seen yet, is an Argon2id hash with 64 MiB
# (a wrong one too): a flood is refused by the gateway before it takes more than a few of the
# API's functions.
TOKEN_ROUTE = "/oauth/token"
TOKEN_THROTTLE = Throttle(rate=10, burst=20)
# What the reserved concurrency of .chalice/config.json is weighed against: Lambda's default
# quota per account and region, and the part of it AWS refuses to let reservations take.
ACCOUNT_CONCURRENCY = 1000
UNRESERVED_MINIMUM = 100


def method_setting_path(route: str) -> str:
    """A route as a stage's MethodSettings name it: ``/oauth/token`` is ``/~1oauth~1token``."""
    return "/" + route.replace("/", "~1")


def method_settings() -> list[dict[str, Any]]:
    def setting(method: str, path: str, throttle: Throttle) -> dict[str, Any]:
        return {"HttpMethod": method, "ResourcePath": path,
                "ThrottlingRateLimit": throttle.rate, "ThrottlingBurstLimit": throttle.burst}

    return [setting("*", "/*", API_THROTTLE), setting("POST", method_setting_path(TOKEN_ROUTE), TOKEN_THROTTLE)]


@dataclass(frozen=True)
class QueueDefinition:
    logical_name: str
    consumer: str  # the app.py function that consumes it (``@app.on_sqs_message(name=...)``)
    # AWS: at least 6x the consumer's timeout, so a slow batch is not redelivered mid-flight.
    visibility_timeout: int = 6 * LAMBDA_TIMEOUT_SECONDS
    max_receive_count: int = MAX_RECEIVE_COUNT
    retention_seconds: int = 4 * 24 * 3600
    dlq_retention_seconds: int = 14 * 24 * 3600
    # Most batches Lambda runs at once (the event source's ScalingConfig). It bounds the
    # calls in flight to an outside service without throttling the function: a throttled
    # SQS batch counts as a receive and, five times over, would land in the DLQ, which is
    # why this is not done with reserved concurrency.
    max_concurrency: int = 5

    @property
    def name(self) -> str:
        return queue_name(self.logical_name)

    @property
    def dlq_name(self) -> str:
        return dead_letter_queue_name(self.logical_name)


@dataclass(frozen=True)
class SealingContext:
    """One kind of encryption context the application seals and opens values under
    (``chalicelib.sealing``); the key's policy admits these and no other."""

    name: str  # the key policy statement's Sid
    values: Mapping[str, tuple[str, ...]]  # keys that must be present with one of these values
    ids: tuple[str, ...] = ()  # keys that must be present with any value (the record's ids)

    @property
    def keys(self) -> tuple[str, ...]:
        return (*self.values, *self.ids)


class RegisteredGateways(Mapping[str, tuple[str, ...]]):
    """``{"gateway": <every registered card gateway>}``, read from the gateway registry whenever the policy is
    rendered, so a gateway added there (or registered by a test) is admitted with nothing else to edit."""

    def __getitem__(self, key: str) -> tuple[str, ...]:
        if key != "gateway":
            raise KeyError(key)
        return gateway_registry.names()

    def __iter__(self) -> Iterator[str]:
        return iter(("gateway",))

    def __len__(self) -> int:
        return 1


# What the application asks KMS for (data keys to seal, and opening them): nothing else.
SEALING_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
# Administering the key, for the account's IAM principals. Not kms:CreateGrant: a grant would
# hand out the sealing actions without the conditions below.
KEY_ADMIN_ACTIONS = (
    "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias", "kms:DescribeKey",
    "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription",
    "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:ListKeyPolicies",
    "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:RotateKeyOnDemand",
    "kms:ListKeyRotations", "kms:EnableKey", "kms:DisableKey", "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion", "kms:ListGrants", "kms:RevokeGrant", "kms:RetireGrant",
)


@dataclass(frozen=True)
class KeyDefinition:
    logical_name: str
    description: str
    contexts: tuple[SealingContext, ...]

    @property
    def alias(self) -> str:
        return key_alias(self.logical_name)

    @property
    def context_keys(self) -> tuple[str, ...]:
        """Every encryption context key the application sends with this key."""
        return tuple(sorted({key for context in self.contexts for key in context.keys}))


@dataclass(frozen=True)
class StreamConsumer:
    """A function fed by a table's stream (only the records its filter admits)."""

    table: str  # logical table name
    function: str  # the app.py function (``@app.lambda_function(name=...)``)
    record_kind: str  # the items' ``kind`` discriminator it wants
    failure_queue: str  # logical queue whose DLQ gets the metadata of batches that keep failing


STREAM_CONSUMERS = (
    StreamConsumer("service_orders", "outbox_relay", "outbox", "notifications"),
    StreamConsumer("billing", "billing_outbox_relay", "outbox", "notifications"),
)

QUEUES = (
    # 5 batches of up to 10 charges (each charge on its own thread): at most 50 calls to the gateway at once.
    QueueDefinition(LOGICAL_QUEUES[0], consumer="charge_consumer", max_concurrency=5),
    # One message per batch: at most 5 sends to ZapMe at once, which keeps a burst of the
    # tick's warnings from looking like spam to WhatsApp.
    QueueDefinition(LOGICAL_QUEUES[1], consumer="notification_consumer", max_concurrency=5),
)
KEYS = (KeyDefinition(CARDS_KEY, "Envelope key of stored card tokens (AES-GCM data keys)", contexts=(
    # chalicelib.billing.cards.service.card_context
    SealingContext("CardTokens", {"purpose": ("card-token",)}, ids=("customer", "card")),
    # chalicelib.billing.gateways.settings: a gateway's credentials, bound to its name
    SealingContext("GatewayCredentials", RegisteredGateways()),
    # chalicelib.notify.whatsapp.SECRET_CONTEXT: the WhatsApp channel's (each channel seals under its own)
    SealingContext("ZapmeSecret", {"purpose": ("zapme-secret",)}),
)),)


def tables() -> list[TableDefinition]:
    return table_definitions()


def create_resources(session: Any, endpoint_url: str | None = None) -> dict[str, Any]:
    """Create every resource through ``session`` (a boto3 Session); idempotent.

    Returns what was created: table names, queue URLs and key ids by alias.
    """
    dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
    sqs = session.client("sqs", endpoint_url=endpoint_url)
    kms = session.client("kms", endpoint_url=endpoint_url)
    existing = set(dynamodb.list_tables().get("TableNames", []))
    created: dict[str, Any] = {"tables": [], "queues": {}, "keys": {}, "streams": {}}
    for table in tables():
        if table.physical_name not in existing:
            params: dict[str, Any] = {
                "TableName": table.physical_name,
                "AttributeDefinitions": table.attribute_definitions,
                "KeySchema": table.key_schema,
                "BillingMode": "PAY_PER_REQUEST",
            }
            if table.global_secondary_indexes:
                params["GlobalSecondaryIndexes"] = table.global_secondary_indexes
            if table.stream_view_type:
                params["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": table.stream_view_type}
            dynamodb.create_table(**params)
            dynamodb.get_waiter("table_exists").wait(TableName=table.physical_name)
            if table.ttl_attribute:
                dynamodb.update_time_to_live(
                    TableName=table.physical_name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
                )
        created["tables"].append(table.physical_name)
        if table.stream_view_type:
            described = dynamodb.describe_table(TableName=table.physical_name)["Table"]
            created["streams"][table.logical_name] = described["LatestStreamArn"]
    for queue in QUEUES:
        dlq_url = sqs.create_queue(
            QueueName=queue.dlq_name,
            Attributes={"MessageRetentionPeriod": str(queue.dlq_retention_seconds)},
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(QueueName=queue.name, Attributes=_queue_attributes(queue, dlq_arn))["QueueUrl"]
        created["queues"][queue.logical_name] = {"url": url, "dlq_url": dlq_url}
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases().get("Aliases", [])}
    for key in KEYS:
        key_id = aliases.get(key.alias)
        if key_id is None:
            key_id = kms.create_key(Description=key.description, KeySpec="SYMMETRIC_DEFAULT",
                                    KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName=key.alias, TargetKeyId=key_id)
        created["keys"][key.alias] = key_id
    return created


def _queue_attributes(queue: QueueDefinition, dlq_arn: str) -> dict[str, str]:
    return {
        "VisibilityTimeout": str(queue.visibility_timeout),
        "MessageRetentionPeriod": str(queue.retention_seconds),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}),
    }


def cloudformation_resources() -> dict[str, Any]:
    """The same resources as CloudFormation, for ``chalice package --merge-template``."""
    resources: dict[str, Any] = {}
    for table in tables():
        properties: dict[str, Any] = {
            "TableName": table.physical_name,
            "AttributeDefinitions": table.attribute_definitions,
            "KeySchema": table.key_schema,
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
        }
        if table.global_secondary_indexes:
            properties["GlobalSecondaryIndexes"] = table.global_secondary_indexes
        if table.ttl_attribute:
            properties["TimeToLiveSpecification"] = {"Enabled": True, "AttributeName": table.ttl_attribute}
        if table.stream_view_type:
            properties["StreamSpecification"] = {"StreamViewType": table.stream_view_type}
        resources[_logical_id("Table", table.logical_name)] = {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": properties,
        }
    # Queues, dead-letter ones included, go with the stack: what they hold is a retry of work
    # whose outcome the tables record, and a kept queue would block recreating the stack.
    deleted = {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"}
    for queue in QUEUES:
        dlq_id = _logical_id("DeadLetterQueue", queue.logical_name)
        resources[dlq_id] = {
            "Type": "AWS::SQS::Queue",
            **deleted,
            "Properties": {"QueueName": queue.dlq_name, "MessageRetentionPeriod": queue.dlq_retention_seconds,
                           "SqsManagedSseEnabled": True},
        }
        resources[_logical_id("Queue", queue.logical_name)] = {
            "Type": "AWS::SQS::Queue",
            **deleted,
            "Properties": {
                "QueueName": queue.name,
                "VisibilityTimeout": queue.visibility_timeout,
                "MessageRetentionPeriod": queue.retention_seconds,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
                                  "maxReceiveCount": queue.max_receive_count},
            },
        }
        # Chalice points the event source at the queue by a built ARN, not a
        # Ref, so without this a first deploy may create the trigger first.
        # The consumers answer which messages of a batch failed (only those return to the queue).
        function = _logical_id("", queue.consumer)
        resources[function] = {
            "DependsOn": [_logical_id("Queue", queue.logical_name)],
            "Properties": {"Events": {f"{function}SqsEventSource": {"Properties": {
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "ScalingConfig": {"MaximumConcurrency": queue.max_concurrency}}}}},
        }
    for key in KEYS:
        key_id = _logical_id("Key", key.logical_name)
        resources[key_id] = {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": key.description,
                "EnableKeyRotation": True,
                "KeyPolicy": key_policy(key),
            },
        }
        # The role's policy and the sealer find the key by its alias: a retained key
        # without it could not open what it sealed.
        resources[_logical_id("KeyAlias", key.logical_name)] = {
            "Type": "AWS::KMS::Alias",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {"AliasName": key.alias, "TargetKeyId": {"Ref": key_id}},
        }
    for consumer in STREAM_CONSUMERS:
        pattern = {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": [consumer.record_kind]}}}}
        resources[_logical_id("", consumer.function) + "Stream"] = {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": {"Fn::GetAtt": [_logical_id("Table", consumer.table), "StreamArn"]},
                "FunctionName": {"Ref": _logical_id("", consumer.function)},
                "StartingPosition": "TRIM_HORIZON",
                "BatchSize": 100,
                "MaximumBatchingWindowInSeconds": 1,
                # Retry a failing batch for a day (halving it to isolate a bad
                # record); the outbox entries stay in the table meanwhile.
                "MaximumRetryAttempts": -1,
                "MaximumRecordAgeInSeconds": 24 * 3600,
                "BisectBatchOnFunctionError": True,
                "FilterCriteria": {"Filters": [{"Pattern": json.dumps(pattern)}]},
                "DestinationConfig": {"OnFailure": {"Destination": {
                    "Fn::GetAtt": [_logical_id("DeadLetterQueue", consumer.failure_queue), "Arn"]}}},
            },
        }
    # Chalice's RestAPI is an AWS::Serverless::Api. SAM hands MethodSettings to its stage, and writes
    # GatewayResponses into the API's definition, so a change to them comes with a new deployment
    # (an AWS::ApiGateway::GatewayResponse resource would wait for the next one, and SAM's
    # redeployment of a code change drops it).
    resources["RestAPI"] = {"Properties": {"MethodSettings": method_settings(),
                                           "GatewayResponses": gateway_responses()}}
    # Chalice 1.34 names the REST handler ``APIHandler`` but its log group (from the stages'
    # ``log_retention_in_days``) subs ``${ApiHandler}``, a resource that does not exist.
    resources["ApiHandlerLogGroup"] = {"Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${APIHandler}"}}}
    resources.update(_alarm_resources())
    return {
        "Parameters": {ALARM_EMAIL_PARAMETER: {
            "Type": "String",
            "Default": "",
            "Description": "E-mail que recebe os alarmes (vazio: assine o tópico depois)",
        }},
        "Conditions": {"HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": ALARM_EMAIL_PARAMETER}, ""]}]}},
        "Resources": resources,
        "Outputs": {"AlarmTopicArn": {
            "Description": "Tópico SNS dos alarmes: assine um e-mail ou um chat de plantão",
            "Value": {"Ref": ALARM_TOPIC},
        }},
    }


@dataclass(frozen=True)
class CustomMetricAlarm:
    """An alarm on a metric the application publishes (namespace ``NAMESPACE``, dimension ``service``: what
    chalicelib.observability publishes and .chalice/config.json sets for Powertools)."""

    metric: str
    threshold: int  # Sum over one hour at or above which it alarms
    description: str


CUSTOM_METRIC_ALARMS = (
    # A few errors an hour are gateways timing out; more means a gateway or its credentials are down.
    CustomMetricAlarm(CHARGES_ERRORED, 3, "3 ou mais cobranças com erro (não recusa) em 1 hora"),
    CustomMetricAlarm(MESSAGES_FAILED, 10, "10 ou mais mensagens de WhatsApp com falha em 1 hora"),
)


def _alarm_resources() -> dict[str, Any]:
    """The SNS topic and every CloudWatch alarm sent to it."""
    topic = {"Ref": ALARM_TOPIC}
    resources: dict[str, Any] = {
        ALARM_TOPIC: {"Type": "AWS::SNS::Topic", "Properties": {
            "TopicName": f"{RESOURCE_PREFIX}-alarms", "DisplayName": "Alarmes do back end do provedor"}},
        "AlarmEmailSubscription": {"Type": "AWS::SNS::Subscription", "Condition": "HasAlarmEmail", "Properties": {
            "TopicArn": topic, "Protocol": "email", "Endpoint": {"Ref": ALARM_EMAIL_PARAMETER}}},
    }

    def alarm(description: str, namespace: str, metric: str, dimensions: dict[str, Any], statistic: str,
              period: int, periods: int, comparison: str, threshold: float, missing: str) -> dict[str, Any]:
        return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            "Statistic": statistic,
            "Period": period,
            "EvaluationPeriods": periods,
            "DatapointsToAlarm": periods,
            "ComparisonOperator": comparison,
            "Threshold": threshold,
            "TreatMissingData": missing,
            "AlarmActions": [topic],
            "OKActions": [topic],
        }}

    def function(name: str) -> dict[str, Any]:
        return {"FunctionName": {"Ref": _logical_id("", name)}}  # Chalice's function, by its logical id

    for queue in QUEUES:
        # Anything in a DLQ is a charge or a message that failed five times: someone must look.
        resources[_logical_id("AlarmDeadLetters", queue.logical_name)] = alarm(
            f"Mensagens na fila morta {queue.dlq_name}: falharam {queue.max_receive_count} vezes",
            "AWS/SQS", "ApproximateNumberOfMessagesVisible",
            {"QueueName": {"Fn::GetAtt": [_logical_id("DeadLetterQueue", queue.logical_name), "QueueName"]}},
            "Maximum", 300, 1, "GreaterThanOrEqualToThreshold", 1, "notBreaching")
        # The function raises only when a whole batch failed (single failures go back to the queue).
        resources[_logical_id("AlarmErrors", queue.consumer)] = alarm(
            f"{queue.consumer}: lotes inteiros falhando (3 ou mais erros em 15 minutos)",
            "AWS/Lambda", "Errors", function(queue.consumer), "Sum", 900, 1,
            "GreaterThanOrEqualToThreshold", 3, "notBreaching")
    # No data is the failure: a schedule that stopped (disabled rule, broken deploy) sends nothing.
    resources["AlarmTickNotRunning"] = alarm(
        f"{TICK_FUNCTION} não rodou em 2 horas seguidas: cobranças recorrentes e suspensões paradas",
        "AWS/Lambda", "Invocations", function(TICK_FUNCTION), "Sum", 3600, 2, "LessThanThreshold", 1, "breaching")
    resources["AlarmTickErrors"] = alarm(
        f"{TICK_FUNCTION} falhou", "AWS/Lambda", "Errors", function(TICK_FUNCTION), "Sum", 3600, 1,
        "GreaterThanOrEqualToThreshold", 1, "notBreaching")
    for consumer in STREAM_CONSUMERS:
        # Records wait in the stream while the relay fails; 15 minutes late is a late notification.
        resources[_logical_id("AlarmIteratorAge", consumer.function)] = alarm(
            f"{consumer.function}: eventos do outbox de {consumer.table} com mais de 15 minutos de atraso",
            "AWS/Lambda", "IteratorAge", function(consumer.function), "Maximum", 300, 1,
            "GreaterThanOrEqualToThreshold", 15 * 60 * 1000, "notBreaching")
        resources[_logical_id("AlarmErrors", consumer.function)] = alarm(
            f"{consumer.function}: 3 ou mais erros em 15 minutos", "AWS/Lambda", "Errors", function(consumer.function),
            "Sum", 900, 1, "GreaterThanOrEqualToThreshold", 3, "notBreaching")
    for custom in CUSTOM_METRIC_ALARMS:
        # Hours without charges or messages publish nothing: that is quiet, not trouble.
        resources["Alarm" + custom.metric] = alarm(
            custom.description, NAMESPACE, custom.metric, {"service": SERVICE}, "Sum", 3600, 1,
            "GreaterThanOrEqualToThreshold", custom.threshold, "notBreaching")
    return resources


def key_policy(key: KeyDefinition) -> dict[str, Any]:
    """The account administers the key; its IAM principals (the functions' roles, an operator) may
    seal and open only under one of ``key.contexts``, keys and values as the application sends them."""
    account = {"AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}}
    statements: list[dict[str, Any]] = [{"Sid": "AccountAdministers", "Effect": "Allow", "Principal": account,
                                         "Action": list(KEY_ADMIN_ACTIONS), "Resource": "*"}]
    for context in key.contexts:
        condition: dict[str, Any] = {
            "StringEquals": {f"kms:EncryptionContext:{name}": list(allowed)
                             for name, allowed in context.values.items()},
            # With the checks above and below: exactly these keys, no more.
            "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": list(context.keys)},
        }
        if context.ids:
            condition["Null"] = {f"kms:EncryptionContext:{name}": "false" for name in context.ids}
        statements.append({"Sid": f"Seal{context.name}", "Effect": "Allow", "Principal": account,
                           "Action": list(SEALING_ACTIONS), "Resource": "*", "Condition": condition})
    return {"Version": "2012-10-17", "Statement": statements}


def gateway_responses() -> dict[str, Any]:
    """What API Gateway answers itself, without calling the function (SAM's ``GatewayResponses``, by
    response type): in the envelope, with the headers of every answer as static (quoted) values."""
    headers = {"Headers": {name: f"'{value}'" for name, value in SECURITY_HEADERS.items()}}

    def response(template: str, status: str | None = None) -> dict[str, Any]:
        answer: dict[str, Any] = {"ResponseParameters": headers, "ResponseTemplates": {"application/json": template}}
        if status:
            answer["StatusCode"] = status
        return answer

    def envelope(msg: str) -> str:
        return json.dumps({"status": "error", "msg": msg, "errors": []}, ensure_ascii=False)

    return {
        # Unknown routes are 403 "Missing Authentication Token"; the contract says 404 in the envelope (the
        # local gateway's message names the route too: chalicelib.web.unavailable).
        "MISSING_AUTHENTICATION_TOKEN": response(envelope(UNKNOWN_ROUTE_MSG), "404"),
        "THROTTLED": response(envelope("Muitas requisições: tente de novo em alguns segundos."), "429"),
        # The rest (a body over 10 MiB, the function throttled or timing out...) keep their status and
        # API Gateway's message, which is already a JSON string.
        "DEFAULT_4XX": response('{"status": "error", "msg": $context.error.messageString, "errors": []}'),
        "DEFAULT_5XX": response('{"status": "error", "msg": $context.error.messageString, "errors": []}'),
    }


def _logical_id(kind: str, name: str) -> str:
    return kind + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]", name) if part)

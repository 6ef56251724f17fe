"""The Lambda role's policies (``autogen_policy`` is off): least privilege, and
every table, queue and key that ``infra`` creates is reachable."""
from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from infra.definition import KEYS, QUEUES, STREAM_CONSUMERS, tables

CHALICE = Path(__file__).resolve().parents[2] / ".chalice"
STAGES = ("dev", "prod")

ALLOWED_ACTIONS = {
    "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
    # Transactions have no IAM action of their own: TransactWriteItems and
    # TransactGetItems are authorized per item by these.
    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
    "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
    "sqs:SendMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
    "kms:GenerateDataKey", "kms:Decrypt",
}
# Read by the stream event source mappings (the outbox relay), on stream ARNs only.
STREAM_ACTIONS = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                  "dynamodb:ListStreams"}

STREAM_FAILURE_QUEUES = {c.failure_queue for c in STREAM_CONSUMERS}


def load(stage: str) -> dict[str, Any]:
    return json.loads((CHALICE / f"policy-{stage}.json").read_text(encoding="utf-8"))


def statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return list(policy["Statement"])


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def granted(policy: dict[str, Any], action: str, resource: str) -> list[dict[str, Any]]:
    """The Allow statements that grant ``action`` on ``resource`` (wildcards in the policy expand)."""
    return [s for s in statements(policy) if s["Effect"] == "Allow"
            and action in as_list(s["Action"])
            and any(fnmatch.fnmatchcase(resource, pattern) for pattern in as_list(s["Resource"]))]


def actions(policy: dict[str, Any]) -> set[str]:
    return {a for s in statements(policy) for a in as_list(s["Action"])}


def test_config_uses_the_policy_files_without_autogen() -> None:
    config = json.loads((CHALICE / "config.json").read_text(encoding="utf-8"))
    assert config["autogen_policy"] is False
    for stage in STAGES:
        assert config["stages"][stage]["iam_policy_file"] == f"policy-{stage}.json"


@pytest.mark.parametrize("stage", STAGES)
def test_policy_is_least_privilege(stage: str) -> None:
    policy = load(stage)
    assert policy["Version"] == "2012-10-17"
    for statement in statements(policy):
        assert statement["Effect"] == "Allow" and "NotAction" not in statement and "NotResource" not in statement
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"ação com curinga em policy-{stage}.json: {action}"
        for resource in as_list(statement["Resource"]):
            assert resource != "*", f"recurso '*' em policy-{stage}.json"
    unexpected = actions(policy) - ALLOWED_ACTIONS - STREAM_ACTIONS
    assert not unexpected, f"ações além do necessário em policy-{stage}.json: {sorted(unexpected)}"
    assert "dynamodb:Scan" not in actions(policy)


@pytest.mark.parametrize("stage", STAGES)
def test_every_table_and_index_is_covered(stage: str) -> None:
    policy = load(stage)
    item_actions = sorted(a for a in ALLOWED_ACTIONS if a.startswith("dynamodb:"))
    for table in tables():
        arn = f"arn:aws:dynamodb:sa-east-1:123456789012:table/{table.physical_name}"
        for action in item_actions:
            assert granted(policy, action, arn), f"policy-{stage}.json não concede {action} em {arn}"
        for index in table.global_secondary_indexes:
            index_arn = f"{arn}/index/{index['IndexName']}"
            assert granted(policy, "dynamodb:Query", index_arn), f"policy-{stage}.json: Query em {index_arn}"
    # No table beyond infra's (a stale or mistyped name).
    names = {t.physical_name for t in tables()}
    for statement in statements(policy):
        for resource in as_list(statement["Resource"]):
            if resource.startswith("arn:aws:dynamodb:"):
                assert resource.split(":table/")[1].split("/")[0] in names, resource


@pytest.mark.parametrize("stage", STAGES)
def test_every_queue_is_covered_and_dead_letter_queues_are_not(stage: str) -> None:
    policy = load(stage)
    sqs_actions = sorted(a for a in ALLOWED_ACTIONS if a.startswith("sqs:"))
    for queue in QUEUES:
        arn = f"arn:aws:sqs:sa-east-1:123456789012:{queue.name}"
        for action in sqs_actions:
            assert granted(policy, action, arn), f"policy-{stage}.json não concede {action} em {arn}"
        dlq = f"arn:aws:sqs:sa-east-1:123456789012:{queue.dlq_name}"
        # SQS itself moves failed messages to a DLQ; the role only sends there the metadata of
        # stream batches that keep failing (the stream event sources' OnFailure destination).
        expected = {"sqs:SendMessage"} if queue.logical_name in STREAM_FAILURE_QUEUES else set()
        allowed = {a for a in sqs_actions if granted(policy, a, dlq)}
        assert allowed == expected, f"policy-{stage}.json em {dlq}: {sorted(allowed)} (esperado {sorted(expected)})"


@pytest.mark.parametrize("stage", STAGES)
def test_kms_is_limited_to_infra_key_aliases(stage: str) -> None:
    policy = load(stage)
    kms = [s for s in statements(policy) if any(a.startswith("kms:") for a in as_list(s["Action"]))]
    assert kms
    aliases = {key.alias for key in KEYS}
    for statement in kms:
        assert set(as_list(statement["Action"])) == {"kms:GenerateDataKey", "kms:Decrypt"}
        assert all(r.startswith("arn:aws:kms:") and ":key/" in r for r in as_list(statement["Resource"]))
        condition = statement["Condition"]["ForAnyValue:StringEquals"]
        assert set(as_list(condition["kms:ResourceAliases"])) == aliases


@pytest.mark.parametrize("stage", STAGES)
def test_kms_needs_an_encryption_context_of_the_keys_the_app_sends(stage: str) -> None:
    """The key's policy (infra.definition.key_policy) admits each kind of context exactly; the role's
    policy adds, on its side, that a call carries a context and only keys of those kinds."""
    kms = [s for s in statements(load(stage)) if any(a.startswith("kms:") for a in as_list(s["Action"]))]
    context_keys = {key for k in KEYS for key in k.context_keys}
    for statement in kms:
        condition = statement["Condition"]
        assert set(condition["ForAllValues:StringEquals"]["kms:EncryptionContextKeys"]) == context_keys
        # ForAllValues holds for a call without any context: this refuses it.
        assert condition["Null"] == {"kms:EncryptionContextKeys": "false"}


def test_dev_and_prod_grant_the_same() -> None:
    assert actions(load("dev")) == actions(load("prod"))
    assert load("dev")["Statement"] == load("prod")["Statement"]


@pytest.mark.parametrize("stage", STAGES)
def test_policy_passes_cfn_lint_iam_checks(stage: str) -> None:
    """cfn-lint knows every service's IAM actions: a mistyped or made-up action
    (``dynamodb:TransactWriteItems`` does not exist) fails here, offline."""
    from cfnlint.api import ManualArgs, lint

    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "app", "PolicyDocument": load(stage)}],
        }}},
    }
    problems = lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))
    assert not problems, [f"{p.rule.id}: {p.message}" for p in problems]


@pytest.mark.parametrize("stage", STAGES)
def test_stream_consumers_can_read_their_streams_and_nothing_else(stage: str) -> None:
    policy = load(stage)
    for consumer in STREAM_CONSUMERS:
        arn = f"arn:aws:dynamodb:sa-east-1:123456789012:table/isp-{consumer.table}/stream/2026-11-28T00:00:00.000"
        for action in STREAM_ACTIONS:
            assert granted(policy, action, arn), f"{action} em {arn} falta em policy-{stage}.json"
    for statement in statements(policy):
        if set(as_list(statement["Action"])) & STREAM_ACTIONS:
            assert all("/stream/" in r for r in as_list(statement["Resource"]))

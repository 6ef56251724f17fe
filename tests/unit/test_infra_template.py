"""The committed CloudFormation fragment (``infra/resources.json``) is the one
``infra.definition`` renders, and it keeps the data and the messages safe."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.__main__ import DEFAULT_OUTPUT, main, template_text
from infra.definition import KEYS, QUEUES, STREAM_CONSUMERS, cloudformation_resources, tables

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / DEFAULT_OUTPUT
REGENERATE = "python -m infra template --output infra/resources.json"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return dict(cloudformation_resources()["Resources"])


def by_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r.get("Type") == kind}


def test_committed_template_is_up_to_date() -> None:
    assert COMMITTED.exists(), f"{DEFAULT_OUTPUT} não existe: rode `{REGENERATE}`"
    assert COMMITTED.read_text(encoding="utf-8") == template_text(), (
        f"{DEFAULT_OUTPUT} está desatualizado em relação a infra/definition.py: rode `{REGENERATE}` e faça commit"
    )


def test_cli_prints_and_writes_the_same_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template"]) == 0
    printed = capsys.readouterr().out
    target = tmp_path / "out" / "resources.json"
    assert main(["template", "--output", str(target)]) == 0
    assert printed == target.read_text(encoding="utf-8") == template_text()
    assert json.loads(printed) == json.loads(json.dumps(cloudformation_resources()))


def test_every_table_is_in_the_template_with_pitr_and_retained(resources: dict[str, Any]) -> None:
    rendered = {r["Properties"]["TableName"]: r for r in by_type(resources, "AWS::DynamoDB::Table").values()}
    assert set(rendered) == {t.physical_name for t in tables()}
    for table in tables():
        resource = rendered[table.physical_name]
        properties = resource["Properties"]
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, \
            table.physical_name
        assert resource["DeletionPolicy"] == "Retain" and resource["UpdateReplacePolicy"] == "Retain"
        assert properties["BillingMode"] == "PAY_PER_REQUEST"
        assert properties.get("GlobalSecondaryIndexes", []) == table.global_secondary_indexes
        if table.ttl_attribute:
            assert properties["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": table.ttl_attribute}


def test_every_queue_redrives_to_its_own_dead_letter_queue(resources: dict[str, Any]) -> None:
    queues = {r["Properties"]["QueueName"]: (name, r) for name, r in by_type(resources, "AWS::SQS::Queue").items()}
    assert set(queues) == {q.name for q in QUEUES} | {q.dlq_name for q in QUEUES}
    for queue in QUEUES:
        _, resource = queues[queue.name]
        dlq_logical_id, dlq = queues[queue.dlq_name]
        redrive = resource["Properties"]["RedrivePolicy"]
        assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq_logical_id, "Arn"]}, queue.name
        assert redrive["maxReceiveCount"] == queue.max_receive_count >= 1
        assert "RedrivePolicy" not in dlq["Properties"]
        # The DLQ must outlive the messages it receives.
        assert dlq["Properties"]["MessageRetentionPeriod"] >= resource["Properties"]["MessageRetentionPeriod"]


def test_every_key_has_rotation_and_its_alias(resources: dict[str, Any]) -> None:
    keys = by_type(resources, "AWS::KMS::Key")
    aliases = {r["Properties"]["AliasName"]: r for r in by_type(resources, "AWS::KMS::Alias").values()}
    assert set(aliases) == {k.alias for k in KEYS}
    for alias in aliases.values():
        target = alias["Properties"]["TargetKeyId"]["Ref"]
        assert keys[target]["Properties"]["EnableKeyRotation"] is True


def test_template_passes_cfn_lint(resources: dict[str, Any]) -> None:
    from cfnlint.api import ManualArgs, lint

    # ``RestAPI`` is Chalice's. Entries without a Type only add DependsOn to
    # Chalice's functions when merged (test_consumers_wait_for_their_queues).
    own = {name: r for name, r in resources.items() if "Type" in r}
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        **own, "RestAPI": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "isp-backend"}},
        # Chalice's functions for the stream consumers (only their names are referenced).
        **{"".join(p.capitalize() for p in c.function.split("_")): {
            "Type": "AWS::Lambda::Function", "Properties": {
                "Role": "arn:aws:iam::123456789012:role/x", "Code": {"ZipFile": "x"}, "Runtime": "python3.11",
                "Handler": f"app.{c.function}"}} for c in STREAM_CONSUMERS}}}
    problems = lint(json.dumps(template), config=ManualArgs(regions=["us-east-1", "sa-east-1"]))
    assert not problems, [f"{p.rule.id} {p.path}: {p.message}" for p in problems]


def test_consumers_wait_for_their_queues(resources: dict[str, Any]) -> None:
    for queue in QUEUES:
        function = "".join(part.capitalize() for part in queue.consumer.split("_"))
        assert resources[function]["DependsOn"] == [f"Queue{queue.logical_name.capitalize()}"]
        events = resources[function]["Properties"]["Events"]
        assert events == {f"{function}SqsEventSource": {"Properties": {
            "FunctionResponseTypes": ["ReportBatchItemFailures"]}}}

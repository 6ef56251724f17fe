"""The committed CloudFormation fragment (``infra/resources.json``) is the one
``infra.definition`` renders, and it keeps the data and the messages safe."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.observability import NAMESPACE as METRICS_NAMESPACE
from chalicelib.observability import SERVICE as SERVICE_NAME
from chalicelib.web.security_headers import SECURITY_HEADERS
from infra.__main__ import DEFAULT_OUTPUT, main, template_text
from infra.definition import (
    ALARM_TOPIC,
    API_THROTTLE,
    KEYS,
    QUEUES,
    SEALING_ACTIONS,
    STREAM_CONSUMERS,
    TICK_FUNCTION,
    TOKEN_ROUTE,
    TOKEN_THROTTLE,
    cloudformation_resources,
    key_policy,
    method_setting_path,
    tables,
)
from tests import kms_policy

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
    assert set(json.loads(printed)) == {"Parameters", "Conditions", "Resources", "Outputs"}


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


def function_id(name: str) -> str:
    """Chalice's logical id of an app.py function."""
    return "".join(part.capitalize() for part in name.split("_"))


def test_template_passes_cfn_lint() -> None:
    """The fragment alone (the packaged whole is linted by tests/integration/test_package.py)."""
    from cfnlint.api import ManualArgs, lint

    fragment = cloudformation_resources()
    # ``RestAPI`` and the functions are Chalice's. Entries without a Type only add to
    # Chalice's resources when merged (test_consumers_wait_for_their_queues).
    own = {name: r for name, r in fragment["Resources"].items() if "Type" in r}
    functions = {TICK_FUNCTION} | {q.consumer for q in QUEUES} | {c.function for c in STREAM_CONSUMERS}
    template = {**fragment, "AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        **own, "RestAPI": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "isp-backend"}},
        # Only their names are referenced (alarms, stream event sources).
        **{function_id(name): {
            "Type": "AWS::Lambda::Function", "Properties": {
                "Role": "arn:aws:iam::123456789012:role/x", "Code": {"ZipFile": "x"}, "Runtime": "python3.11",
                "Handler": f"app.{name}"}} for name in functions}}}
    problems = lint(json.dumps(template), config=ManualArgs(regions=["us-east-1", "sa-east-1"]))
    assert not problems, [f"{p.rule.id} {p.path}: {p.message}" for p in problems]


def test_consumers_wait_for_their_queues(resources: dict[str, Any]) -> None:
    for queue in QUEUES:
        function = "".join(part.capitalize() for part in queue.consumer.split("_"))
        assert resources[function]["DependsOn"] == [f"Queue{queue.logical_name.capitalize()}"]
        events = resources[function]["Properties"]["Events"]
        assert events == {f"{function}SqsEventSource": {"Properties": {
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": {"MaximumConcurrency": queue.max_concurrency}}}}
        assert 2 <= queue.max_concurrency <= 1000  # the event source's allowed range


def test_teardown_keeps_the_data(resources: dict[str, Any]) -> None:
    """``aws cloudformation delete-stack`` leaves the tables, the key and its alias; the queues
    go (a DLQ keeps messages 14 days at most, and each failure is also recorded in the tables)."""
    kept = {name for name, r in resources.items()
            if r.get("DeletionPolicy") == "Retain" and r.get("UpdateReplacePolicy") == "Retain"}
    data = set(by_type(resources, "AWS::DynamoDB::Table")) | set(by_type(resources, "AWS::KMS::Key")) \
        | set(by_type(resources, "AWS::KMS::Alias"))
    assert len(data) == len(tables()) + 2 * len(KEYS)
    assert kept == data, f"retidos além dos dados: {sorted(kept - data)}; dados não retidos: {sorted(data - kept)}"
    for name in by_type(resources, "AWS::SQS::Queue"):
        assert (resources[name]["DeletionPolicy"], resources[name]["UpdateReplacePolicy"]) == ("Delete", "Delete")


def test_alarms_reach_the_topic_that_the_template_outputs() -> None:
    fragment = cloudformation_resources()
    resources = fragment["Resources"]
    alarms = by_type(resources, "AWS::CloudWatch::Alarm")
    assert resources[ALARM_TOPIC]["Type"] == "AWS::SNS::Topic"
    assert fragment["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": ALARM_TOPIC}
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": ALARM_TOPIC}], name
    # The e-mail subscription exists only when the stack's AlarmEmail parameter is not empty.
    subscription = resources["AlarmEmailSubscription"]
    assert subscription["Condition"] in fragment["Conditions"]
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert fragment["Parameters"]["AlarmEmail"]["Default"] == ""


def test_custom_metric_alarms_match_what_the_functions_are_told_to_publish(resources: dict[str, Any]) -> None:
    """Powertools takes namespace and service from the functions' environment: an alarm on another
    namespace or dimension would watch a metric nobody publishes."""
    config = json.loads((REPO / ".chalice" / "config.json").read_text(encoding="utf-8"))
    environment = config["environment_variables"]
    assert environment["POWERTOOLS_METRICS_NAMESPACE"] == METRICS_NAMESPACE
    assert environment["POWERTOOLS_SERVICE_NAME"] == SERVICE_NAME
    for stage in config["stages"].values():
        assert not {"POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME"} & set(stage["environment_variables"])
    custom = {a["Properties"]["MetricName"]: a["Properties"] for a in by_type(resources, "AWS::CloudWatch::Alarm")
              .values() if a["Properties"]["Namespace"] == METRICS_NAMESPACE}
    assert custom.keys() == {"CobrancasComErro", "MensagensComFalha"}
    for properties in custom.values():
        assert properties["Dimensions"] == [{"Name": "service", "Value": SERVICE_NAME}]
        assert (properties["Statistic"], properties["Period"], properties["TreatMissingData"]) == \
            ("Sum", 3600, "notBreaching")
    assert custom["CobrancasComErro"]["Threshold"] == 3 and custom["MensagensComFalha"]["Threshold"] == 10


# ----------------------------------------------------------------- API limits
def test_the_stage_throttles_the_api_and_the_token_route_harder(resources: dict[str, Any]) -> None:
    settings = resources["RestAPI"]["Properties"]["MethodSettings"]
    assert "Type" not in resources["RestAPI"]  # adds to Chalice's AWS::Serverless::Api when merged
    by_method = {(s["HttpMethod"], s["ResourcePath"]): s for s in settings}
    assert set(by_method) == {("*", "/*"), ("POST", "/~1oauth~1token")}
    for (method, path), throttle in ((("*", "/*"), API_THROTTLE),
                                     (("POST", method_setting_path(TOKEN_ROUTE)), TOKEN_THROTTLE)):
        setting = by_method[(method, path)]
        assert (setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]) == (throttle.rate, throttle.burst)
        assert 0 < throttle.rate <= throttle.burst
    assert TOKEN_THROTTLE.rate < API_THROTTLE.rate and TOKEN_THROTTLE.burst < API_THROTTLE.burst


def test_the_token_route_is_the_apps() -> None:
    import app

    assert [r.methods for r in app.api.routes if r.path == TOKEN_ROUTE] == [("POST",)]
    assert method_setting_path("/a/b") == "/~1a~1b"


# ------------------------------------------------------------- security headers
def test_every_answer_of_api_gateway_itself_has_the_security_headers_and_the_envelope(
        resources: dict[str, Any]) -> None:
    responses = resources["RestAPI"]["Properties"]["GatewayResponses"]
    assert set(responses) == {"MISSING_AUTHENTICATION_TOKEN", "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX"}
    assert not by_type(resources, "AWS::ApiGateway::GatewayResponse")  # they live in the API's definition
    for kind, response in responses.items():
        headers = response["ResponseParameters"]["Headers"]
        assert headers == {name: f"'{value}'" for name, value in SECURITY_HEADERS.items()}, kind
        template = response["ResponseTemplates"]["application/json"]
        rendered = json.loads(template.replace("$context.error.messageString", '"Too Many Requests"'))
        assert rendered["status"] == "error" and rendered["msg"] and rendered["errors"] == [], kind
    assert (responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"], responses["THROTTLED"]["StatusCode"]) == \
        ("404", "429")


def test_the_security_headers_can_be_static_gateway_values() -> None:
    """API Gateway quotes a static value with ``'`` and has no escape for one inside it."""
    assert SECURITY_HEADERS["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert not [value for value in SECURITY_HEADERS.values() if "'" in value]


# ------------------------------------------------------------------ key policy
def key_policies(resources: dict[str, Any]) -> list[dict[str, Any]]:
    return [k["Properties"]["KeyPolicy"] for k in by_type(resources, "AWS::KMS::Key").values()]


def app_contexts() -> list[dict[str, str]]:
    """Every encryption context the application seals under."""
    from chalicelib.billing.cards.service import card_context
    from chalicelib.billing.gateways.settings import GATEWAYS
    from chalicelib.config import Settings
    from chalicelib.notify.registry import channels

    return [card_context(12, 345), *(dict(c.secret_context) for c in channels(Settings("r", "s", "UTC", "INFO"))),
            *({"gateway": g} for g in GATEWAYS)]


def test_the_key_policy_is_rendered_from_the_key_definition(resources: dict[str, Any]) -> None:
    assert key_policies(resources) == [key_policy(key) for key in KEYS]


def test_the_key_seals_and_opens_under_every_context_the_app_sends() -> None:
    for key in KEYS:
        for context in app_contexts():
            for action in SEALING_ACTIONS:
                assert kms_policy.sealing_allowed(key, action, context), (action, context)


@pytest.mark.parametrize("context", [
    {},
    {"purpose": "card-token", "customer": "1", "card": "2", "extra": "x"},
    {"purpose": "card-token", "customer": "1"},
    {"purpose": "card-token", "card": "2"},
    {"purpose": "zapme-secret", "customer": "1"},
    {"purpose": "other"},
    {"customer": "1", "card": "2"},
    {"gateway": "rede"},
    {"gateway": "cielo", "purpose": "card-token"},
])
def test_the_key_refuses_any_other_context(context: dict[str, str]) -> None:
    for key in KEYS:
        for action in SEALING_ACTIONS:
            assert not kms_policy.allows(key_policy(key), action, kms_policy.request_values(context, [key.alias]))


def test_the_account_administers_the_key_but_uses_it_only_through_the_sealing_statements() -> None:
    for key in KEYS:
        policy = key_policy(key)
        [admin] = [s for s in policy["Statement"] if s["Sid"] == "AccountAdministers"]
        actions = set(admin["Action"])
        # Without a grant or a crypto action here, the sealing statements' conditions cannot be bypassed.
        assert not actions & {"kms:*", "kms:CreateGrant", "kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
                              "kms:GenerateDataKeyWithoutPlaintext", *SEALING_ACTIONS}
        assert "kms:PutKeyPolicy" in actions  # the account can always change the policy: no lock-out
        for action in ("kms:Encrypt", "kms:CreateGrant", "kms:ReEncryptFrom", "kms:GenerateDataKeyWithoutPlaintext"):
            assert not kms_policy.allows(policy, action, kms_policy.request_values(app_contexts()[0]))
        sealing = [s for s in policy["Statement"] if s["Sid"] != "AccountAdministers"]
        assert [s["Sid"] for s in sealing] == [f"Seal{c.name}" for c in key.contexts]
        for statement in sealing:
            assert statement["Action"] == list(SEALING_ACTIONS) and statement["Effect"] == "Allow"
            assert statement["Principal"] == admin["Principal"]

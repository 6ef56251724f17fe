"""What ``chalice package --stage <stage> --merge-template infra/resources.json`` produces, as a
whole: the template CloudFormation would deploy, linted, and its resources checked against
``infra.definition`` and ``app.py``."""
from __future__ import annotations

import fnmatch
import json
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chalicelib.queues import MAX_RECEIVE_COUNT, QUEUE_BATCH
from chalicelib.web.security_headers import SECURITY_HEADERS
from infra.definition import (
    ACCOUNT_CONCURRENCY,
    ALARM_TOPIC,
    API_THROTTLE,
    KEYS,
    QUEUES,
    STREAM_CONSUMERS,
    TICK_FUNCTION,
    TOKEN_ROUTE,
    TOKEN_THROTTLE,
    UNRESERVED_MINIMUM,
    key_policy,
    tables,
)
from tests.integration.packaging import REPO, SAM_TRANSFORM, chalice_package, function_id, resources_of_type

STAGES = ("dev", "prod")
# Services whose data a wildcard action would expose.
DATA_SERVICES = ("dynamodb", "sqs", "kms", "secretsmanager", "ssm", "s3")
FUNCTION = "AWS::Serverless::Function"
ALARM = "AWS::CloudWatch::Alarm"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {stage: tmp_path_factory.mktemp(f"package-{stage}") for stage in STAGES}


@pytest.fixture(scope="module")
def packages(outputs: dict[str, Path]) -> dict[str, dict[str, Any]]:
    return {stage: chalice_package(stage, output) for stage, output in outputs.items()}


@pytest.fixture(scope="module")
def prod(packages: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return packages["prod"]


def config() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPO / ".chalice" / "config.json").read_text(encoding="utf-8"))
    return loaded


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def get_att(resource_id: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [resource_id, attribute]}


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources_of_type(template, FUNCTION)


def events_of(template: dict[str, Any], kind: str) -> list[tuple[str, dict[str, Any]]]:
    """``(function logical id, event properties)`` of every SAM event of ``kind`` (Schedule, SQS...)."""
    return [(name, event["Properties"]) for name, function in functions(template).items()
            for event in function["Properties"].get("Events", {}).values() if event["Type"] == kind]


def alarms(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["Properties"] for a in resources_of_type(template, ALARM).values()]


def dimension(alarm: dict[str, Any], name: str) -> Any:
    return next((d["Value"] for d in alarm["Dimensions"] if d["Name"] == name), None)


# ------------------------------------------------------------------------- lint
@pytest.mark.parametrize("stage", STAGES)
def test_packaged_template_passes_cfn_lint(packages: dict[str, dict[str, Any]], stage: str) -> None:
    from cfnlint.api import ManualArgs, lint

    template = packages[stage]
    # cfn-lint validates SAM resources (Serverless::Function, its events) with SAM's schemas.
    assert template["Transform"] == SAM_TRANSFORM
    problems = lint(json.dumps(template), config=ManualArgs(regions=["sa-east-1", "us-east-1"]))
    errors = [f"{p.rule.id} {'/'.join(map(str, p.path))}: {p.message}" for p in problems if p.rule.id[0] == "E"]
    for problem in problems:
        if problem.rule.id[0] != "E":
            warnings.warn(f"cfn-lint ({stage}) {problem.rule.id}: {problem.message}", stacklevel=1)
    assert not errors, f"cfn-lint encontrou erros no pacote de {stage}:\n" + "\n".join(errors)


def test_lint_would_catch_a_broken_reference(prod: dict[str, Any]) -> None:
    """The lint above is not vacuous: a reference to a resource the package lacks is an error."""
    from cfnlint.api import ManualArgs, lint

    broken = json.loads(json.dumps(prod))
    broken["Resources"]["AlarmTickNotRunning"]["Properties"]["Dimensions"][0]["Value"] = {"Ref": "NoSuchFunction"}
    problems = lint(json.dumps(broken), config=ManualArgs(regions=["sa-east-1"]))
    assert any(p.rule.id[0] == "E" for p in problems)


# ----------------------------------------------------------------------- tables
def test_every_table_with_its_keys_indexes_stream_and_recovery(prod: dict[str, Any]) -> None:
    packaged = {r["Properties"]["TableName"]: r for r in resources_of_type(prod, "AWS::DynamoDB::Table").values()}
    assert set(packaged) == {t.physical_name for t in tables()}
    for table in tables():
        resource = packaged[table.physical_name]
        properties = resource["Properties"]
        name = table.physical_name
        assert properties["KeySchema"] == table.key_schema, name
        assert sorted(properties["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == \
            sorted(table.attribute_definitions, key=lambda a: a["AttributeName"]), name
        indexes = {i["IndexName"]: i for i in properties.get("GlobalSecondaryIndexes", [])}
        assert indexes == {i["IndexName"]: i for i in table.global_secondary_indexes}, name
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain"), name
        assert properties["BillingMode"] == "PAY_PER_REQUEST", name
        if table.stream_view_type:
            assert properties["StreamSpecification"] == {"StreamViewType": table.stream_view_type}, name
        else:
            assert "StreamSpecification" not in properties, name
        if table.ttl_attribute:
            assert properties["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": table.ttl_attribute}
        else:
            assert "TimeToLiveSpecification" not in properties, name


def test_the_card_key_and_its_alias_outlive_the_stack(prod: dict[str, Any]) -> None:
    keys = resources_of_type(prod, "AWS::KMS::Key")
    aliases = {r["Properties"]["AliasName"]: r for r in resources_of_type(prod, "AWS::KMS::Alias").values()}
    assert set(aliases) == {k.alias for k in KEYS}
    for alias in aliases.values():
        key = keys[alias["Properties"]["TargetKeyId"]["Ref"]]
        for resource in (key, alias):
            assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
        assert key["Properties"]["EnableKeyRotation"] is True


def test_the_card_key_admits_only_the_contexts_the_app_seals_under(packages: dict[str, dict[str, Any]]) -> None:
    """What the merge leaves of the key policy that tests/unit/test_infra_template.py checks."""
    for template in packages.values():
        keys = resources_of_type(template, "AWS::KMS::Key")
        assert [k["Properties"]["KeyPolicy"] for k in keys.values()] == [key_policy(key) for key in KEYS]


# ----------------------------------------------------------------------- queues
def test_every_queue_redrives_to_its_dead_letter_queue_and_outlasts_its_consumer(prod: dict[str, Any]) -> None:
    queues = {r["Properties"]["QueueName"]: (name, r) for name, r in resources_of_type(prod, "AWS::SQS::Queue").items()}
    assert set(queues) == {q.name for q in QUEUES} | {q.dlq_name for q in QUEUES}
    consumers = {source["Queue"]["Fn::Sub"].rsplit(":", 1)[1]: name for name, source in events_of(prod, "SQS")}
    for queue in QUEUES:
        properties = queues[queue.name][1]["Properties"]
        dlq_id, dlq = queues[queue.dlq_name]
        assert properties["RedrivePolicy"] == {"deadLetterTargetArn": get_att(dlq_id, "Arn"),
                                               "maxReceiveCount": MAX_RECEIVE_COUNT}, queue.name
        assert "RedrivePolicy" not in dlq["Properties"]
        assert dlq["Properties"]["MessageRetentionPeriod"] >= properties["MessageRetentionPeriod"]
        # The packaged function's timeout, whatever config.json makes it: a batch still running
        # when its messages become visible again would be handled twice.
        timeout = functions(prod)[consumers[queue.name]]["Properties"]["Timeout"]
        assert properties["VisibilityTimeout"] >= 6 * timeout, (
            f"{queue.name}: VisibilityTimeout {properties['VisibilityTimeout']} s < 6 x {timeout} s "
            f"(timeout de {consumers[queue.name]})")


# ----------------------------------------------------------- schedule and events
def test_the_hourly_tick_is_the_only_schedule(prod: dict[str, Any]) -> None:
    schedules = events_of(prod, "Schedule")
    assert [(name, source["Schedule"]) for name, source in schedules] == [(function_id(TICK_FUNCTION), "rate(1 hour)")]
    assert functions(prod)[function_id(TICK_FUNCTION)]["Properties"]["Handler"] == f"app.{TICK_FUNCTION}"


def test_each_queue_feeds_its_consumer_with_partial_batch_failures(prod: dict[str, Any]) -> None:
    sources = events_of(prod, "SQS")
    assert len(sources) == len(QUEUES)
    for queue in QUEUES:
        function = function_id(queue.consumer)
        found = [source for name, source in sources if name == function]
        assert len(found) == 1, f"{function}: {len(found)} filas como origem"
        source = found[0]
        assert source["Queue"] == {"Fn::Sub": f"arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:"
                                              f"{queue.name}"}
        assert source["BatchSize"] == QUEUE_BATCH[queue.logical_name]
        assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert source["ScalingConfig"] == {"MaximumConcurrency": queue.max_concurrency}
        # The event source names the queue by a built ARN: without this the trigger could come first.
        assert f"Queue{queue.logical_name.capitalize()}" in as_list(functions(prod)[function]["DependsOn"])
        assert functions(prod)[function]["Properties"]["Handler"] == f"app.{queue.consumer}"


def test_stream_consumers_get_only_outbox_inserts_of_their_table(prod: dict[str, Any]) -> None:
    mappings = resources_of_type(prod, "AWS::Lambda::EventSourceMapping")
    assert len(mappings) == len(STREAM_CONSUMERS)
    tables_by_name = {r["Properties"]["TableName"]: name
                      for name, r in resources_of_type(prod, "AWS::DynamoDB::Table").items()}
    for consumer in STREAM_CONSUMERS:
        function = function_id(consumer.function)
        assert function in functions(prod)
        mapping = next(m["Properties"] for m in mappings.values()
                       if m["Properties"]["FunctionName"] == {"Ref": function})
        table_id = tables_by_name[f"isp-{consumer.table}"]
        assert mapping["EventSourceArn"] == get_att(table_id, "StreamArn")
        assert "StreamSpecification" in prod["Resources"][table_id]["Properties"]
        [criteria] = mapping["FilterCriteria"]["Filters"]
        assert json.loads(criteria["Pattern"]) == {
            "eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": [consumer.record_kind]}}}}
        dlq = next(q for q in QUEUES if q.logical_name == consumer.failure_queue)
        destination = mapping["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        assert prod["Resources"][destination]["Properties"]["QueueName"] == dlq.dlq_name


# -------------------------------------------------------------------------- IAM
def role_policy(template: dict[str, Any], function: str) -> dict[str, Any]:
    role_id = functions(template)[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    role = template["Resources"][role_id]["Properties"]
    assert "ManagedPolicyArns" not in role, f"{role_id}: políticas gerenciadas concedem mais que o necessário"
    [policy] = role["Policies"]
    document: dict[str, Any] = policy["PolicyDocument"]
    return document


def allows(policy: dict[str, Any], action: str, resource: str) -> bool:
    return any(s["Effect"] == "Allow" and action in as_list(s["Action"])
               and any(fnmatch.fnmatchcase(resource, pattern) for pattern in as_list(s["Resource"]))
               for s in policy["Statement"])


@pytest.mark.parametrize("stage", STAGES)
def test_every_function_runs_with_the_stage_policy_file(packages: dict[str, dict[str, Any]], stage: str) -> None:
    """The unit tests of .chalice/policy-<stage>.json (tests/unit/test_iam_policy.py) hold for what is deployed."""
    expected = json.loads((REPO / ".chalice" / f"policy-{stage}.json").read_text(encoding="utf-8"))
    template = packages[stage]
    assert len(functions(template)) == 6
    for function in functions(template):
        assert role_policy(template, function) == expected, function


def test_packaged_policy_has_no_wildcard_action_and_names_only_our_resources(prod: dict[str, Any]) -> None:
    table_names = {t.physical_name for t in tables()}
    queue_names = {q.name for q in QUEUES} | {q.dlq_name for q in QUEUES}
    aliases = {k.alias for k in KEYS}
    for function in functions(prod):
        for statement in role_policy(prod, function)["Statement"]:
            assert "NotAction" not in statement and "NotResource" not in statement
            for action in as_list(statement["Action"]):
                service, _, name = action.partition(":")
                assert action != "*" and name != "*", f"{function}: ação curinga {action}"
                assert not (service in DATA_SERVICES and "*" in name), f"{function}: {action} em serviço de dados"
            for resource in as_list(statement["Resource"]):
                assert resource != "*"
                if resource.startswith("arn:aws:dynamodb:"):
                    assert resource.split(":table/")[1].split("/")[0] in table_names, resource
                elif resource.startswith("arn:aws:sqs:"):
                    assert resource.rsplit(":", 1)[1] in queue_names, resource
                elif resource.startswith("arn:aws:kms:"):
                    assert set(statement["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"]) == aliases
                else:
                    assert resource.startswith("arn:aws:logs:"), resource


def test_each_function_may_do_what_its_event_sources_need(prod: dict[str, Any]) -> None:
    """Derived from the package itself: Lambda polls queues and streams with the function's role,
    and sends a failing stream batch's metadata to its OnFailure destination with it too."""
    account = "arn:aws:sqs:sa-east-1:123456789012"
    for function, source in events_of(prod, "SQS"):
        queue_arn = f"{account}:{source['Queue']['Fn::Sub'].rsplit(':', 1)[1]}"
        for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
            assert allows(role_policy(prod, function), action, queue_arn), f"{function}: {action} em {queue_arn}"
    for mapping in resources_of_type(prod, "AWS::Lambda::EventSourceMapping").values():
        properties = mapping["Properties"]
        function = properties["FunctionName"]["Ref"]
        policy = role_policy(prod, function)
        table = prod["Resources"][properties["EventSourceArn"]["Fn::GetAtt"][0]]["Properties"]["TableName"]
        stream = f"arn:aws:dynamodb:sa-east-1:123456789012:table/{table}/stream/2026-11-29T00:00:00.000"
        for action in ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                       "dynamodb:ListStreams"):
            assert allows(policy, action, stream), f"{function}: {action} em {stream}"
        destination = properties["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        dlq = f"{account}:{prod['Resources'][destination]['Properties']['QueueName']}"
        assert allows(policy, "sqs:SendMessage", dlq), f"{function}: sqs:SendMessage em {dlq}"
    # What the code does with the tables, the queues and the key (any function may do it).
    api = role_policy(prod, "APIHandler")
    for table in tables():
        arn = f"arn:aws:dynamodb:sa-east-1:123456789012:table/{table.physical_name}"
        for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "BatchGetItem",
                       "BatchWriteItem", "ConditionCheckItem"):
            assert allows(api, f"dynamodb:{action}", arn), f"dynamodb:{action} em {arn}"
    for queue in QUEUES:
        for action in ("sqs:SendMessage", "sqs:GetQueueUrl"):
            assert allows(api, action, f"{account}:{queue.name}"), f"{action} em {queue.name}"
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        assert allows(api, action, "arn:aws:kms:sa-east-1:123456789012:key/1234abcd"), action


# ----------------------------------------------------------------------- alarms
def test_every_dead_letter_queue_has_a_depth_alarm(prod: dict[str, Any]) -> None:
    dlq_ids = {name for name, r in resources_of_type(prod, "AWS::SQS::Queue").items()
               if r["Properties"]["QueueName"].endswith("-dlq")}
    assert len(dlq_ids) == len(QUEUES)
    for dlq_id in dlq_ids:
        found = [a for a in alarms(prod) if a["Namespace"] == "AWS/SQS"
                 and a["MetricName"] == "ApproximateNumberOfMessagesVisible"
                 and dimension(a, "QueueName") == get_att(dlq_id, "QueueName")]
        assert len(found) == 1, f"{dlq_id}: {len(found)} alarmes de profundidade"
        alarm = found[0]
        assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
        assert alarm["AlarmActions"] == [{"Ref": ALARM_TOPIC}]


def test_the_tick_not_running_and_failing_alarm(prod: dict[str, Any]) -> None:
    [(tick, _)] = events_of(prod, "Schedule")
    on_tick = {a["MetricName"]: a for a in alarms(prod)
               if a["Namespace"] == "AWS/Lambda" and dimension(a, "FunctionName") == {"Ref": tick}}
    silent = on_tick["Invocations"]
    assert (silent["Statistic"], silent["Period"], silent["EvaluationPeriods"], silent["DatapointsToAlarm"]) == \
        ("Sum", 3600, 2, 2)
    assert (silent["ComparisonOperator"], silent["Threshold"]) == ("LessThanThreshold", 1)
    # A stopped schedule publishes no datapoints at all: missing data must count as "not running".
    assert silent["TreatMissingData"] == "breaching"
    errors = on_tick["Errors"]
    assert (errors["ComparisonOperator"], errors["Threshold"], errors["Statistic"]) == \
        ("GreaterThanOrEqualToThreshold", 1, "Sum")
    for alarm in on_tick.values():
        assert alarm["AlarmActions"] == [{"Ref": ALARM_TOPIC}]


def test_consumers_and_relays_have_error_and_delay_alarms(prod: dict[str, Any]) -> None:
    watched: dict[str, set[str]] = {}
    for alarm in alarms(prod):
        function = dimension(alarm, "FunctionName")
        if alarm["Namespace"] == "AWS/Lambda" and function:
            watched.setdefault(function["Ref"], set()).add(alarm["MetricName"])
    for function, _ in events_of(prod, "SQS"):
        assert "Errors" in watched.get(function, set()), function
    for mapping in resources_of_type(prod, "AWS::Lambda::EventSourceMapping").values():
        function = mapping["Properties"]["FunctionName"]["Ref"]
        assert {"Errors", "IteratorAge"} <= watched.get(function, set()), function


def test_the_alarm_topic_is_an_output_and_an_email_can_subscribe(prod: dict[str, Any]) -> None:
    """Chalice's merge keeps the fragment's Parameters, Conditions and Outputs next to its own."""
    assert prod["Resources"][ALARM_TOPIC]["Type"] == "AWS::SNS::Topic"
    assert prod["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": ALARM_TOPIC}
    assert "EndpointURL" in prod["Outputs"]  # Chalice's
    assert prod["Parameters"]["AlarmEmail"]["Default"] == ""
    subscription = prod["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] in prod["Conditions"]
    assert subscription["Properties"]["TopicArn"] == {"Ref": ALARM_TOPIC}


# ------------------------------------------------------------------ stage config
@pytest.mark.parametrize("stage", STAGES)
def test_every_function_log_group_has_the_stage_retention(packages: dict[str, dict[str, Any]], stage: str) -> None:
    template = packages[stage]
    retention = config()["stages"][stage]["log_retention_in_days"]
    groups = {r["Properties"]["LogGroupName"]["Fn::Sub"]: r["Properties"]["RetentionInDays"]
              for r in resources_of_type(template, "AWS::Logs::LogGroup").values()}
    assert groups == {f"/aws/lambda/${{{function}}}": retention for function in functions(template)}


@pytest.mark.parametrize("stage", STAGES)
def test_functions_get_the_stage_environment(packages: dict[str, dict[str, Any]], stage: str) -> None:
    for name, function in functions(packages[stage]).items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["STAGE"] == stage, name
        assert variables["POWERTOOLS_SERVICE_NAME"] == "isp-backend", name
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "IspBackend", name
        assert variables["PROVIDER_TIMEZONE"] == "America/Sao_Paulo", name
        assert variables["LOG_LEVEL"] in ("DEBUG", "INFO", "WARNING"), name
        # Secrets live sealed in the settings table (python -m ops set-gateway / set-zapme).
        assert not any("SECRET" in key or "KEY" in key for key in variables), name


def test_the_lambda_bundle_has_the_app_and_linux_wheels_only(packages: dict[str, dict[str, Any]],
                                                              outputs: dict[str, Path]) -> None:
    assert packages["prod"]["Resources"]["APIHandler"]["Properties"]["CodeUri"] == "./deployment.zip"
    with zipfile.ZipFile(outputs["prod"] / "deployment.zip") as bundle:
        names = set(bundle.namelist())
    assert {"app.py", "chalicelib/config.py", "chalicelib/web/console.py", "pynamodb/__init__.py"} <= names
    # Compiled for Lambda (manylinux x86_64, CPython 3.11), not whatever the build machine has.
    assert any(n.startswith("cryptography/hazmat/bindings/_rust") and n.endswith(".so") for n in names)
    assert any(n.startswith("_argon2_cffi_bindings/") and n.endswith(".so") for n in names)
    # The local stack, simulators, tests and operator tools are never deployed.
    assert not {n.split("/")[0] for n in names} & {"sandbox", "tests", "ops", "infra", "bench", "console"}


# ------------------------------------------------------------------------ limits
def rest_api(template: dict[str, Any]) -> dict[str, Any]:
    [api] = resources_of_type(template, "AWS::Serverless::Api").values()
    properties: dict[str, Any] = api["Properties"]
    return properties


def reserved_concurrency(stage: str) -> int:
    """The API function's, as .chalice/config.json sets it for ``stage``."""
    value: int = config()["stages"][stage]["lambda_functions"]["api_handler"]["reserved_concurrency"]
    return value


@pytest.mark.parametrize("stage", STAGES)
def test_the_stage_throttles_the_api_and_the_token_route_harder(packages: dict[str, dict[str, Any]],
                                                                stage: str) -> None:
    api = rest_api(packages[stage])
    settings = {(s["HttpMethod"], s["ResourcePath"]): (s["ThrottlingRateLimit"], s["ThrottlingBurstLimit"])
                for s in api["MethodSettings"]}
    assert settings == {("*", "/*"): (API_THROTTLE.rate, API_THROTTLE.burst),
                        ("POST", "/~1oauth~1token"): (TOKEN_THROTTLE.rate, TOKEN_THROTTLE.burst)}
    # The setting names a method the API has (API Gateway writes each "/" of the path as "~1").
    paths = api["DefinitionBody"]["paths"]
    [(method, path)] = [key for key in settings if key[0] != "*"]
    assert path.replace("~1", "/")[1:] == TOKEN_ROUTE and method.lower() in paths[TOKEN_ROUTE]


@pytest.mark.parametrize("stage", STAGES)
def test_only_the_api_function_reserves_concurrency_and_the_consumers_keep_room(
        packages: dict[str, dict[str, Any]], stage: str) -> None:
    template = packages[stage]
    reserved = {name: f["Properties"]["ReservedConcurrentExecutions"] for name, f in functions(template).items()
                if "ReservedConcurrentExecutions" in f["Properties"]}
    # The consumers are bounded by their event sources' MaximumConcurrency instead (infra.definition).
    assert reserved == {"APIHandler": reserved_concurrency(stage)}
    api = reserved["APIHandler"]
    # Requests take under a second: the steady rate the stage lets through fits in the reservation,
    # and a burst at the token route leaves at least half of it to the other routes.
    assert api >= API_THROTTLE.rate
    assert api >= 2 * TOKEN_THROTTLE.burst
    # AWS refuses a reservation that leaves the account fewer than UNRESERVED_MINIMUM unreserved;
    # the queue consumers, the tick and the relays (one per stream shard) run in that pool.
    assert ACCOUNT_CONCURRENCY - sum(reserved.values()) >= UNRESERVED_MINIMUM
    consumers = sum(source["ScalingConfig"]["MaximumConcurrency"] for _, source in events_of(template, "SQS"))
    relays = len(resources_of_type(template, "AWS::Lambda::EventSourceMapping"))
    assert consumers + relays + 1 <= UNRESERVED_MINIMUM


@pytest.mark.parametrize("stage", STAGES)
def test_api_gateways_own_answers_have_the_security_headers(packages: dict[str, dict[str, Any]],
                                                            stage: str) -> None:
    responses = rest_api(packages[stage])["GatewayResponses"]
    assert {"MISSING_AUTHENTICATION_TOKEN", "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    for kind, response in responses.items():
        assert response["ResponseParameters"]["Headers"] == \
            {name: f"'{value}'" for name, value in SECURITY_HEADERS.items()}, kind
    assert not resources_of_type(packages[stage], "AWS::ApiGateway::GatewayResponse")

"""The AWS deployment, checked without an AWS account: Chalice's merged SAM template of every stage
(cfn-lint, and what it must contain for the code to work) and the IAM policy of every stage against
the AWS calls the code makes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib import departements
from chalicelib.auth import ADMIN, CORG_PREFIX, OPP
from chalicelib.config import Settings
from tools import iam_actions, iam_policies, infra_gen
from tools.package import stage_config, template_only
from tools.stage_secrets import vapid_parameters

PROJECT = Path(__file__).parent.parent
STAGES = ("dev", "prod")
# What Settings names a resource, as CloudFormation writes it (`!Sub "${ResourcePrefix}-..."`).
CFN_NAMES = Settings(prefix="${ResourcePrefix}")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The merged SAM template of each stage, built by Chalice's packager without the zip."""
    root = tmp_path_factory.mktemp("sam")
    return {stage: template_only(stage, root / stage) for stage in STAGES}


@pytest.fixture(scope="module")
def template(templates: dict[str, Path]) -> dict[str, Any]:
    return dict(yaml.safe_load(templates["dev"].read_text()))


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r.get("Type") == kind}


def sub(value: Any) -> Any:
    """`{"Fn::Sub": "x"}` → `"x"` (the names this template builds from the prefix)."""
    return value["Fn::Sub"] if isinstance(value, dict) and "Fn::Sub" in value else value


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources(template, "AWS::Serverless::Function")


# --- The template ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_the_merged_template_of_every_stage_passes_cfn_lint(templates: dict[str, Path], stage: str) -> None:
    from cfnlint.api import ManualArgs, lint_file

    problems = lint_file(templates[stage], config=ManualArgs(regions=["eu-west-3"]))
    assert [str(p) for p in problems] == []


def test_the_generated_blocks_of_the_template_are_up_to_date() -> None:
    text = infra_gen.TEMPLATE.read_text()
    assert infra_gen.render(text) == text, "run: python -m tools.infra_gen"


@pytest.mark.parametrize("stage", STAGES)
def test_no_name_of_the_local_stage_reaches_a_deployed_template(templates: dict[str, Path], stage: str) -> None:
    assert "stopcamb-local" not in templates[stage].read_text()
    assert stage_config(stage)["prefix"] in templates[stage].read_text()


@pytest.mark.parametrize("stage", STAGES)
def test_a_stack_takes_only_its_stage_prefix(templates: dict[str, Path], stage: str) -> None:
    parameter = yaml.safe_load(templates[stage].read_text())["Parameters"]["ResourcePrefix"]
    prefix = stage_config(stage)["prefix"]
    assert (parameter["Default"], parameter["AllowedValues"]) == (prefix, [prefix])


def test_every_table_matches_its_model(template: dict[str, Any]) -> None:
    from chalicelib.models import ALL_MODELS

    tables = {
        sub(t["Properties"]["TableName"]): t["Properties"] for t in resources(template, "AWS::DynamoDB::Table").values()
    }
    assert set(tables) == {CFN_NAMES.table_name(infra_gen.table_suffix(m)) for m in ALL_MODELS}
    for model in ALL_MODELS:
        schema = model._get_schema()
        table = tables[CFN_NAMES.table_name(infra_gen.table_suffix(model))]
        assert _sorted(table["AttributeDefinitions"]) == _sorted(schema["attribute_definitions"]), model
        assert _sorted(table["KeySchema"]) == _sorted(schema["key_schema"]), model
        expected_indexes = {
            i["index_name"]: (_sorted(i["key_schema"]), i["projection"]) for i in schema["global_secondary_indexes"]
        }
        indexes = {
            i["IndexName"]: (_sorted(i["KeySchema"]), i["Projection"]) for i in table.get("GlobalSecondaryIndexes", [])
        }
        assert indexes == expected_indexes, model
        ttl = infra_gen.ttl_attribute(model)
        assert table.get("TimeToLiveSpecification") == ({"AttributeName": ttl, "Enabled": True} if ttl else None)
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert table["SSESpecification"] == {"SSEEnabled": True}


def _sorted(items: list[dict[str, str]]) -> list[tuple[tuple[str, str], ...]]:
    return sorted(tuple(sorted(item.items())) for item in items)


def test_every_table_and_the_user_pool_survive_a_stack_deletion(template: dict[str, Any]) -> None:
    kept = [
        *resources(template, "AWS::DynamoDB::Table").values(),
        *resources(template, "AWS::Cognito::UserPool").values(),
    ]
    assert kept
    for resource in kept:
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_there_is_a_topic_for_the_nation_and_each_departement(template: dict[str, Any]) -> None:
    topics = {sub(t["Properties"]["TopicName"]) for t in resources(template, "AWS::SNS::Topic").values()}
    expected = {CFN_NAMES.topic_name(code) for code in (None, *departements.CODES)}
    assert topics - {"${ResourcePrefix}-alarms"} == expected
    assert len(expected) == 102


def test_the_operator_groups_are_those_authorize_knows(template: dict[str, Any]) -> None:
    groups = resources(template, "AWS::Cognito::UserPoolGroup").values()
    assert {g["Properties"]["GroupName"] for g in groups} == {
        *(f"{CORG_PREFIX}{code.lower()}" for code in departements.CODES),
        OPP,
        ADMIN,
    }
    assert all(g["Properties"]["UserPoolId"] == {"Ref": "UserPool"} for g in groups)


def test_operators_log_in_with_a_password_and_may_add_totp(template: dict[str, Any]) -> None:
    pool = template["Resources"]["UserPool"]["Properties"]
    client = template["Resources"]["UserPoolClient"]["Properties"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    assert (pool["MfaConfiguration"], pool["EnabledMfas"]) == ("OPTIONAL", ["SOFTWARE_TOKEN_MFA"])
    assert pool["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert "ALLOW_USER_PASSWORD_AUTH" in client["ExplicitAuthFlows"]
    assert client["GenerateSecret"] is False  # auth.login sends no SECRET_HASH


def test_the_web_push_queue_has_its_dead_letter_queue_and_outlasts_its_workers(template: dict[str, Any]) -> None:
    queues = {
        sub(q["Properties"]["QueueName"]): (name, q["Properties"])
        for name, q in resources(template, "AWS::SQS::Queue").items()
    }
    _, queue = queues[CFN_NAMES.webpush_queue_name]
    dead_letters, _ = queues[CFN_NAMES.webpush_dead_letter_queue_name]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dead_letters, "Arn"]},
        "maxReceiveCount": 5,
    }
    for function in functions(template).values():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                assert sub(event["Properties"]["Queue"]).endswith(f":{stage_config('dev')['prefix']}-webpush")
                assert queue["VisibilityTimeout"] >= 6 * function["Properties"]["Timeout"]


def test_every_function_finds_the_stage_resources_in_its_environment(template: dict[str, Any]) -> None:
    shared = template["Globals"]["Function"]["Environment"]["Variables"]
    assert shared["COGNITO_USER_POOL_ID"] == {"Ref": "UserPool"}
    assert shared["COGNITO_CLIENT_ID"] == {"Ref": "UserPoolClient"}
    assert shared["WEBPUSH_QUEUE_URL"] == {"Ref": "WebPushQueue"}
    assert shared["APNS_PLATFORM_APPLICATION_ARN"] == {"Ref": "ApnsApplication"}
    assert shared["GCM_PLATFORM_APPLICATION_ARN"] == {"Ref": "FcmApplication"}
    assert shared["AWS_ACCOUNT_ID"] == {"Ref": "AWS::AccountId"}
    private_key, public_key = vapid_parameters("${ResourcePrefix}")  # where tools.stage_secrets puts them
    assert sub(shared["VAPID_PRIVATE_KEY_PARAMETER"]) == private_key
    assert sub(shared["VAPID_PUBLIC_KEY"]) == "{{resolve:ssm:" + public_key + "}}"
    assert "VAPID_PRIVATE_KEY" not in shared
    assert functions(template)
    for function in functions(template).values():
        own = function["Properties"]["Environment"]["Variables"]
        assert own["RESOURCE_PREFIX"] == stage_config("dev")["prefix"]
        assert own["DATA_DIR"] == "chalicelib/data"
        assert not set(own) & set(shared), "a function value would hide the stack's"


def test_the_platform_applications_get_the_names_the_app_derives(template: dict[str, Any]) -> None:
    applications = resources(template, "Custom::SnsPlatformApplication")
    names = {sub(a["Properties"]["Name"]): sub(a["Properties"]["SecretId"]) for a in applications.values()}
    assert names == {
        CFN_NAMES.platform_application_name("ios"): "${ResourcePrefix}/apns",
        CFN_NAMES.platform_application_name("android"): "${ResourcePrefix}/fcm",
    }


def test_the_platform_application_code_fits_cloudformation_inline_limit(template: dict[str, Any]) -> None:
    code = template["Resources"]["PlatformApplicationFunction"]["Properties"]["Code"]["ZipFile"]
    assert code == infra_gen.FUNCTION_SOURCE.read_text()
    assert len(code) <= 4096


def test_no_secret_value_is_written_in_the_template(templates: dict[str, Path]) -> None:
    text = templates["dev"].read_text()
    for leak in ("PRIVATE KEY-----", "private_key_id", "signing_key:", "{{resolve:secretsmanager", "ssm-secure"):
        assert leak not in text


def test_every_function_keeps_its_logs_twelve_months_at_most(template: dict[str, Any]) -> None:
    groups = resources(template, "AWS::Logs::LogGroup").values()

    def days(value: Any) -> int:  # a number, or a parameter whose allowed values are numbers
        if isinstance(value, dict):
            parameter = template["Parameters"][value["Ref"]]
            return max(int(v) for v in parameter.get("AllowedValues", [parameter["Default"]]))
        return int(value)

    assert all(1 <= days(g["Properties"]["RetentionInDays"]) <= 365 for g in groups)
    named = {sub(g["Properties"]["LogGroupName"]) for g in groups}
    for name in functions(template):
        assert f"/aws/lambda/${{{name}}}" in named, f"{name} has no log group with a retention"


def test_the_api_is_throttled_and_login_more_strictly(template: dict[str, Any]) -> None:
    settings = {
        (s["ResourcePath"], s["HttpMethod"]): s
        for s in template["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    }
    assert settings[("/*", "*")]["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert settings[("/~1auth~1login", "POST")]["ThrottlingRateLimit"] == {"Ref": "LoginRateLimit"}
    swagger_paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert "post" in swagger_paths["/auth/login"]
    parameters = template["Parameters"]
    assert parameters["LoginRateLimit"]["Default"] < parameters["ApiRateLimit"]["Default"]


def test_alarms_watch_dead_letters_api_errors_and_push_failures(template: dict[str, Any]) -> None:
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    watched = {
        (m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"])
        for a in alarms
        for m in a["Properties"].get("Metrics", [])
        if "MetricStat" in m
    }
    watched |= {
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms if "MetricName" in a["Properties"]
    }
    assert {
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/SNS", "NumberOfNotificationsFailed"),
    } <= watched
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)


def test_every_function_and_the_api_stage_are_traced_by_x_ray(template: dict[str, Any]) -> None:
    assert functions(template)
    for name, function in functions(template).items():
        assert function["Properties"]["Tracing"] == "Active", name
    assert template["Resources"]["RestAPI"]["Properties"]["TracingEnabled"] is True


def _dashboard(template: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's JSON with the stack's substitutions replaced by their names."""
    import re

    (dashboard,) = resources(template, "AWS::CloudWatch::Dashboard").values()
    assert sub(dashboard["Properties"]["DashboardName"]) == "${ResourcePrefix}-operations"
    body = sub(dashboard["Properties"]["DashboardBody"])
    return dict(json.loads(re.sub(r"\$\{([\w.:]+)\}", r"<\1>", body)))


def test_the_dashboard_shows_the_product_metrics_the_code_writes_and_the_aws_ones(template: dict[str, Any]) -> None:
    from chalicelib.observability import METRICS, NAMESPACE

    widgets = _dashboard(template)["widgets"]
    metrics = [m for w in widgets for m in w["properties"]["metrics"]]
    ours = {m[1] for m in metrics if m[0] == NAMESPACE}
    assert ours <= set(METRICS)
    assert {"AlertsSent", "AlertsRefused", "AlertsRetracted", "WebPushSent", "WebPushFailed", "HandoverLatency"} <= ours
    assert all(m[2:4] == ["service", "<ResourcePrefix>"] for m in metrics if m[0] == NAMESPACE)
    watched = {(m[0], m[1]) for m in metrics}
    assert {
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/ApiGateway", "Latency"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/SNS", "NumberOfNotificationsFailed"),
    } <= watched
    latency = [m for m in metrics if m[1] == "Latency"]
    assert {m[-1]["stat"] for m in latency} == {"p95"} and ("POST", "/corg/alerts") in {(m[7], m[9]) for m in latency}
    logical = set(template["Resources"]) | {"ResourcePrefix", "AWS::Region"}
    names = {n.split(".")[0] for n in __import__("re").findall(r"<([\w.:]+)>", json.dumps(widgets))}
    assert names <= logical, "the dashboard names resources the stack does not have"


def test_alarms_watch_refusal_bursts_and_hand_over_failures_of_the_stage(template: dict[str, Any]) -> None:
    from chalicelib.observability import METRICS, NAMESPACE

    alarms = {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in resources(template, "AWS::CloudWatch::Alarm").values()
        if "MetricName" in a["Properties"]
    }
    for name in ("AlertsRefused", "HandoverFailures"):
        alarm = alarms[name]
        assert name in METRICS and alarm["Namespace"] == NAMESPACE
        assert alarm["Dimensions"] == [{"Name": "service", "Value": {"Ref": "ResourcePrefix"}}]
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}] and alarm["TreatMissingData"] == "notBreaching"


def test_every_alarm_has_its_section_in_the_runbook(template: dict[str, Any]) -> None:
    runbook = (PROJECT / "docs" / "runbook.md").read_text()
    for alarm in resources(template, "AWS::CloudWatch::Alarm").values():
        suffix = sub(alarm["Properties"]["AlarmName"]).removeprefix("${ResourcePrefix}-")
        assert f"### `{suffix}`" in runbook, f"docs/runbook.md has no section for the alarm {suffix}"


# --- IAM --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def used() -> dict[str, list[str]]:
    return iam_actions.used_actions()


def _policies(stage: str) -> dict[str, dict[str, Any]]:
    """Each deployed function's policy file for `stage`."""
    return {f: json.loads(iam_policies.policy_file(stage, f).read_text()) for f in iam_policies.functions()}


def test_every_function_of_every_deployed_stage_has_its_own_policy_file() -> None:
    config = json.loads((PROJECT / ".chalice" / "config.json").read_text())
    assert iam_actions.stages() == sorted(STAGES)
    assert set(iam_policies.functions()) == {
        iam_policies.API,
        "webpush_worker",
        "retry_alert_deliveries",
        "sweep_expired_subscriptions",
        "sweep_disabled_endpoints",
        "otv_reminders",
    }
    for stage in STAGES:
        assert config["stages"][stage]["autogen_policy"] is False
        files = {name: f["iam_policy_file"] for name, f in config["stages"][stage]["lambda_functions"].items()}
        assert files == {f: iam_policies.policy_file(stage, f).name for f in iam_policies.functions()}
        assert len(set(files.values())) == len(files)


@pytest.mark.parametrize("stage", STAGES)
def test_each_policy_file_is_what_its_functions_code_needs(stage: str) -> None:
    """The drift test, per function: rewrite with `python -m tools.iam_policies --write`."""
    prefix = stage_config(stage)["prefix"]
    for function, document in _policies(stage).items():
        assert document == iam_policies.policy(function, prefix), f"{function}: python -m tools.iam_policies --write"


def test_together_the_functions_allow_every_action_the_code_calls(used: dict[str, list[str]]) -> None:
    allowed = set().union(*(iam_actions.policy_actions(p) for p in _policies("dev").values()))
    assert allowed == set(used)


def test_every_function_role_in_the_template_carries_its_own_policy(template: dict[str, Any]) -> None:
    deployed = functions(template)
    prefix = stage_config("dev")["prefix"]
    assert set(deployed) == {iam_policies.logical_id(f) for f in iam_policies.functions()}
    roles = set()
    for function, document in _policies("dev").items():
        role = deployed[iam_policies.logical_id(function)]["Properties"]["Role"]["Fn::GetAtt"][0]
        roles.add(role)
        [inline] = template["Resources"][role]["Properties"]["Policies"]
        assert inline["PolicyDocument"] == document
        logs = next(s for s in document["Statement"] if s["Sid"] == "OwnLogs")
        assert all(f"/aws/lambda/{prefix}-{iam_policies.logical_id(function)}-*" in arn for arn in logs["Resource"])
    assert len(roles) == len(deployed)


@pytest.mark.parametrize("stage", STAGES)
def test_the_policies_name_only_the_stage_resources(stage: str) -> None:
    known = _iam_reference()
    prefix = stage_config(stage)["prefix"]
    for function, document in _policies(stage).items():
        for statement in document["Statement"]:
            actions, arns = statement["Action"], statement["Resource"]
            scoped = {a for a in actions if known[a]}
            if arns == "*":
                assert scoped == set(), f"{function} {statement['Sid']}: {scoped} can be limited to resources"
                continue
            assert scoped == set(actions), f"{function}: IAM needs Resource * for {set(actions) - scoped}"
            for arn in arns:
                assert arn.split(":")[3:5] == ["*", "*"], f"{arn}: region and account come from the stack"
                assert f":{prefix}-" in arn or f"/{prefix}-" in arn or f"/{prefix}/" in arn, arn


def _iam_reference() -> dict[str, list[str]]:
    """IAM action → the resource types it can be limited to (cfn-lint's copy of the Service
    Authorization Reference); an unknown action raises KeyError."""
    import cfnlint

    data = json.loads((Path(cfnlint.__file__).parent / "data" / "AdditionalSpecs" / "Policies.json").read_text())

    class Reference(dict[str, list[str]]):
        def __missing__(self, action: str) -> list[str]:
            service, name = action.split(":")
            return list(data[service]["Actions"][name.lower()].get("Resources", []))

    return Reference()


@pytest.mark.parametrize("stage", STAGES)
def test_the_policies_reach_only_tables_of_the_models_and_together_all_of_them(stage: str) -> None:
    from chalicelib.models import ALL_MODELS

    prefix = stage_config(stage)["prefix"]
    tables = {f"arn:aws:dynamodb:*:*:table/{prefix}-{infra_gen.table_suffix(m)}" for m in ALL_MODELS}
    indexes = {
        f"arn:aws:dynamodb:*:*:table/{prefix}-{infra_gen.table_suffix(m)}/index/*"
        for m in ALL_MODELS
        if m._get_schema()["global_secondary_indexes"]
    }
    named = {
        arn
        for document in _policies(stage).values()
        for statement in document["Statement"]
        if any(a.startswith("dynamodb:") for a in statement["Action"])
        for arn in statement["Resource"]
    }
    assert named <= tables | indexes
    assert tables <= named


def test_the_prod_policies_are_the_dev_policies_for_the_prod_prefix() -> None:
    dev, prod = stage_config("dev")["prefix"], stage_config("prod")["prefix"]
    for function, document in _policies("dev").items():
        assert json.loads(json.dumps(document).replace(dev, prod)) == _policies("prod")[function]


# --- The scan itself ------------------------------------------------------------------------------

SAMPLE = """
from chalicelib import aws
from chalicelib.models import Marker, Subscription
from pynamodb.transactions import TransactWrite


def _queue():
    return aws.client("sqs")


def _fetch(key) -> Marker:
    return Marker.get(key)


def calls(subscription: Subscription | None, connection):
    sns = aws.client("sns")
    sns.publish(TopicArn="t", Message="m")
    aws.client("cognito-idp").initiate_auth(ClientId="c", AuthFlow="USER_PASSWORD_AUTH")
    _queue().send_message_batch(QueueUrl="u", Entries=[])
    for page in sns.get_paginator("list_endpoints_by_platform_application").paginate():
        pass
    subscription.delete()
    _fetch("k").refresh()
    for item in Marker.query("k"):
        item.update(actions=[])
    Subscription.by_token.count("h")
    Marker.count()
    with TransactWrite(connection=connection) as transaction:
        transaction.condition_check(Marker, "k", condition=None)
        transaction.save(Marker("k"))
    answer = {}
    answer.update({"a": 1})
    answer.get("a")
    unknown.save(condition=None)
"""


@pytest.fixture
def sample(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "sample.py"
    path.write_text(SAMPLE)
    yield path


def test_the_scan_follows_clients_models_indexes_helpers_and_transactions(sample: Path) -> None:
    found = {action for action, _ in iam_actions.actions_in(sample)}
    assert found == {
        "sns:Publish",
        "cognito-idp:InitiateAuth",
        "sqs:SendMessage",
        "sns:ListEndpointsByPlatformApplication",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "dynamodb:DescribeTable",
        "dynamodb:ConditionCheckItem",
        "dynamodb:PutItem",
    }


def test_the_scan_says_where_each_call_is(sample: Path) -> None:
    lines = {action: where for action, where in iam_actions.actions_in(sample)}
    line = next(n for n, text in enumerate(SAMPLE.splitlines(), 1) if "sns.publish(" in text)
    assert lines["sns:Publish"] == f"{sample}:{line}"


def test_the_scan_refuses_a_client_it_cannot_name(tmp_path: Path) -> None:
    path = tmp_path / "dynamic.py"
    path.write_text("from chalicelib import aws\n\ndef f(name):\n    aws.client(name).publish()\n")
    with pytest.raises(iam_actions.ScanError, match="literal service name"):
        iam_actions.actions_in(path)


def test_the_scan_counts_what_lambda_does_with_the_role(used: dict[str, list[str]]) -> None:
    assert {"logs:CreateLogStream", "logs:PutLogEvents"} <= set(used)


def test_the_gateway_own_answers_are_french_problems_with_the_security_headers(template: dict[str, Any]) -> None:
    from chalicelib.routes import PROBLEM, SECURITY_HEADERS

    answers = template["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    assert {"MISSING_AUTHENTICATION_TOKEN", "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(answers)
    assert answers["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    for answer in answers.values():
        headers = {name: value.strip("'") for name, value in answer["ResponseParameters"]["Headers"].items()}
        assert headers == {**SECURITY_HEADERS, "Content-Security-Policy": "sandbox", "Content-Type": PROBLEM}
        problem = json.loads(answer["ResponseTemplates"]["application/json"])
        assert problem["detail"] and "Missing Authentication Token" not in problem["detail"]
        assert problem["status"] == int(answer.get("StatusCode", problem["status"]))


# --- AWS WAF ---------------------------------------------------------------------------------------


def _web_acl(template: dict[str, Any]) -> dict[str, Any]:
    [acl] = resources(template, "AWS::WAFv2::WebACL").values()
    return dict(acl["Properties"])


def _matches(statement: dict[str, Any], method: str, path: str) -> bool:
    """What the scope-down statements of this template mean for one request (the subset they use)."""
    if "AndStatement" in statement:
        return all(_matches(s, method, path) for s in statement["AndStatement"]["Statements"])
    if "OrStatement" in statement:
        return any(_matches(s, method, path) for s in statement["OrStatement"]["Statements"])
    match = statement["ByteMatchStatement"]
    value = method if "Method" in match["FieldToMatch"] else path
    needle, where = match["SearchString"], match["PositionalConstraint"]
    return {
        "EXACTLY": value == needle,
        "ENDS_WITH": value.endswith(needle),
        "CONTAINS": needle in value,
        "STARTS_WITH": value.startswith(needle),
    }[where]


def _rate_rules_counting(acl: dict[str, Any], method: str, path: str) -> set[str]:
    counted = set()
    for rule in acl["Rules"]:
        rate = rule["Statement"].get("RateBasedStatement")
        if rate and ("ScopeDownStatement" not in rate or _matches(rate["ScopeDownStatement"], method, path)):
            counted.add(rule["Name"])
    return counted


def test_a_web_acl_guards_the_api_stage(template: dict[str, Any]) -> None:
    acl = _web_acl(template)
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    [association] = resources(template, "AWS::WAFv2::WebACLAssociation").values()
    target = association["Properties"]["ResourceArn"]["Fn::Join"][1]
    assert {"Ref": "RestAPI"} in target and {"Ref": "RestAPI.Stage"} in target
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}


@pytest.mark.parametrize(
    ("method", "path", "rules"),
    [
        ("POST", "/api/subscriptions", {"RegistrationsPerIp"}),
        ("PUT", "/api/subscriptions/Zx8_abc", {"SubscriptionChangesPerIp"}),
        ("DELETE", "/api/subscriptions/Zx8_abc", {"SubscriptionChangesPerIp"}),
        ("POST", "/api/auth/login", {"AuthPerIp"}),
        ("POST", "/auth/login", {"AuthPerIp"}),  # a custom domain without the stage prefix
        ("GET", "/api/feed", set()),
        ("GET", "/api/alerts/34", set()),
        ("POST", "/api/corg/alerts", set()),
    ],
)
def test_rate_limits_per_ip_count_each_route_family_and_everything_under_a_general_cap(
    template: dict[str, Any], method: str, path: str, rules: set[str]
) -> None:
    assert _rate_rules_counting(_web_acl(template), method, path) == rules | {"AllRequestsPerIp"}


def test_every_rate_limit_is_a_parameter_per_ip_over_five_minutes_answered_in_french(
    template: dict[str, Any],
) -> None:
    acl = _web_acl(template)
    parameters = template["Parameters"]
    rates = {r["Name"]: r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]}
    assert len(rates) == 4
    limits = {}
    for name, rule in rates.items():
        statement = rule["Statement"]["RateBasedStatement"]
        assert (statement["AggregateKeyType"], statement["EvaluationWindowSec"]) == ("IP", 300)
        limits[name] = parameters[statement["Limit"]["Ref"]]["Default"]
        response = rule["Action"]["Block"]["CustomResponse"]
        assert response["ResponseCode"] == 429
        assert {"Name": "Retry-After", "Value": "300"} in response["ResponseHeaders"]
        problem = json.loads(acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
        assert problem["status"] == 429 and "réessayez" in problem["detail"]
    assert limits["AllRequestsPerIp"] > max(v for k, v in limits.items() if k != "AllRequestsPerIp")
    # the app's own limit is per minute: five of its minutes hold more than the WAF lets through
    assert limits["RegistrationsPerIp"] <= 5 * Settings().registrations_per_minute


def test_the_managed_rule_groups_run_after_the_rate_limits_with_the_body_size_reviewed(
    template: dict[str, Any],
) -> None:
    from chalicelib.validation import MAX_BODY_BYTES

    acl = _web_acl(template)
    groups = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]: r
        for r in acl["Rules"]
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert set(groups) == {
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesCommonRuleSet",
    }
    assert all(g["OverrideAction"] == {"None": {}} for g in groups.values())
    common = groups["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert common["RuleActionOverrides"] == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]
    [oversized] = [r for r in acl["Rules"] if r["Name"] == "OversizedBody"]
    size = oversized["Statement"]["SizeConstraintStatement"]
    # a feed item (2,000 characters, each up to 6 bytes once JSON-escaped) must pass
    assert 2_000 * 6 + 120 * 6 < size["Size"] <= MAX_BODY_BYTES
    assert acl["AssociationConfig"]["RequestBody"]["API_GATEWAY"]["DefaultSizeInspectionLimit"] == "KB_16"
    priorities = [r["Priority"] for r in acl["Rules"]]
    assert len(set(priorities)) == len(priorities)
    rate_last = max(r["Priority"] for r in acl["Rules"] if "RateBasedStatement" in r["Statement"])
    assert all(g["Priority"] > rate_last for g in groups.values())


def test_the_waf_logs_blocked_requests_only_without_tokens_or_positions_for_as_long_as_the_functions(
    template: dict[str, Any],
) -> None:
    config = json.loads((PROJECT / ".chalice" / "config.json").read_text())
    [logging_config] = resources(template, "AWS::WAFv2::LoggingConfiguration").values()
    properties = logging_config["Properties"]
    groups = {
        sub(g["Properties"]["LogGroupName"]): g["Properties"]
        for g in resources(template, "AWS::Logs::LogGroup").values()
    }
    waf_group = groups["aws-waf-logs-${ResourcePrefix}"]
    assert waf_group["RetentionInDays"] == config["log_retention_in_days"]
    [destination] = properties["LogDestinationConfigs"]
    assert sub(destination).endswith(":log-group:aws-waf-logs-${ResourcePrefix}")
    assert {"SingleHeader": {"Name": "authorization"}} in properties["RedactedFields"]
    assert {"QueryString": {}} in properties["RedactedFields"]
    assert properties["LoggingFilter"]["DefaultBehavior"] == "DROP"

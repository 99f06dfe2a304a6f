"""What CloudFormation really builds: the merged template of every stage run through AWS's own SAM
transform (`tools/sam_transform.py`), then cfn-lint and checkov on the result, and assertions on the
translated resources (one stage, its throttles, logs and alarms, the permissions scoped to it,
concurrency by design)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tools import infra_tools
from tools.package import template_only

STAGES = ("dev", "prod")
ACCOUNT_CONCURRENCY = 1000  # the regional default the reservations are sized for (docs/deployment.md)
UNRESERVED_MINIMUM = 100  # Lambda refuses a reservation that leaves less than this unreserved


@pytest.fixture(scope="module")
def translated_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("translated")
    paths = {}
    for stage in STAGES:
        sam = template_only(stage, root / stage)
        paths[stage] = root / stage / "cloudformation.json"
        infra_tools.translate(sam, paths[stage])
    return paths


@pytest.fixture(scope="module", params=STAGES)
def translated(request: pytest.FixtureRequest, translated_paths: dict[str, Path]) -> dict[str, Any]:
    return dict(json.loads(translated_paths[request.param].read_text()))


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def the_stage(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    stages = of_type(template, "AWS::ApiGateway::Stage")
    assert len(stages) == 1, sorted(stages)
    return next(iter(stages.items()))


def test_the_transform_leaves_no_serverless_resource_and_no_transform(translated: dict[str, Any]) -> None:
    assert "Transform" not in translated
    assert not [r for r in translated["Resources"].values() if r["Type"].startswith("AWS::Serverless::")]
    codes = [f["Properties"]["Code"] for f in of_type(translated, "AWS::Lambda::Function").values()]
    assert {"S3Bucket": "stopcamb-deploy-artifacts", "S3Key": "deployment.zip"} in codes


@pytest.mark.parametrize("stage", STAGES)
def test_the_translated_template_of_every_stage_passes_cfn_lint(translated_paths: dict[str, Path], stage: str) -> None:
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(translated_paths[stage], config=ManualArgs(regions=["eu-west-3"]))
    assert [str(m) for m in matches] == []


def test_only_the_api_stage_exists_and_no_deployment_makes_another(translated: dict[str, Any]) -> None:
    _, stage = the_stage(translated)
    assert stage["Properties"]["StageName"] == "api"
    for deployment in of_type(translated, "AWS::ApiGateway::Deployment").values():
        assert "StageName" not in deployment["Properties"]  # SAM's default `Stage` would be created here


def test_the_stage_carries_the_throttles_and_metrics(translated: dict[str, Any]) -> None:
    _, stage = the_stage(translated)
    settings = {(s["ResourcePath"], s["HttpMethod"]): s for s in stage["Properties"]["MethodSettings"]}
    assert settings[("/*", "*")]["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert settings[("/~1auth~1login", "POST")]["ThrottlingRateLimit"] == {"Ref": "LoginRateLimit"}
    assert all(s["MetricsEnabled"] for s in settings.values())
    assert stage["Properties"]["TracingEnabled"] is True


def test_the_stage_writes_json_access_logs_without_ip_token_or_query(translated: dict[str, Any]) -> None:
    _, stage = the_stage(translated)
    setting = stage["Properties"]["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    line = json.loads(re.sub(r"\$context\.[A-Za-z.]+", "x", setting["Format"]))
    assert {"requestId", "route", "method", "status", "latencyMs", "integrationLatencyMs"} <= set(line)
    for private in ("sourceIp", "userAgent", "Authorization", "querystring", "requestOverride", "user"):
        assert private.lower() not in setting["Format"].lower()
    group = translated["Resources"]["ApiAccessLogGroup"]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "AccessLogRetentionDays"}
    assert translated["Parameters"]["AccessLogRetentionDays"]["Default"] <= 365
    # API Gateway writes through the account's CloudWatch role, set before the stage exists.
    account = translated["Resources"]["ApiGatewayAccount"]
    assert account["Properties"]["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayLoggingRole", "Arn"]}
    assert translated["Resources"]["RestAPI"]["DependsOn"] == "ApiGatewayAccount"


def test_only_the_api_stage_may_invoke_the_api_function(translated: dict[str, Any]) -> None:
    from_gateway = [
        p["Properties"]
        for p in of_type(translated, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    assert from_gateway, "the API function must be invokable by API Gateway"
    for permission in from_gateway:
        source = json.dumps(permission["SourceArn"])
        assert re.search(r"\$\{RestAPI\}/api/\*", source), source


def test_the_alarms_watch_the_one_stage_that_exists(translated: dict[str, Any]) -> None:
    stage_name, _ = the_stage(translated)
    dimensions = [
        d
        for alarm in of_type(translated, "AWS::CloudWatch::Alarm").values()
        for metric in alarm["Properties"].get("Metrics", [])
        if "MetricStat" in metric
        for d in metric["MetricStat"]["Metric"].get("Dimensions", [])
        if d["Name"] == "Stage"
    ]
    assert dimensions, "the API 5xx alarm watches the stage"
    assert all(d["Value"] in ({"Ref": stage_name}, "api") for d in dimensions), dimensions


def test_the_web_acl_protects_the_one_stage_that_exists(translated: dict[str, Any]) -> None:
    stage_name, _ = the_stage(translated)
    [association] = of_type(translated, "AWS::WAFv2::WebACLAssociation").values()
    target = json.dumps(association["Properties"]["ResourceArn"])
    assert '{"Ref": "RestAPI"}' in target and "/stages/" in target
    assert f'{{"Ref": "{stage_name}"}}' in target  # the translated stage, not SAM's default
    acl = association["Properties"]["WebACLArn"]["Fn::GetAtt"][0]
    assert translated["Resources"][acl]["Properties"]["Scope"] == "REGIONAL"


def test_concurrency_keeps_the_api_its_own_instances_and_bounds_the_worker(translated: dict[str, Any]) -> None:
    functions = of_type(translated, "AWS::Lambda::Function")
    parameters = translated["Parameters"]
    assert functions["APIHandler"]["Properties"]["ReservedConcurrentExecutions"] == {"Ref": "ApiReservedConcurrency"}
    mapping = next(iter(of_type(translated, "AWS::Lambda::EventSourceMapping").values()))["Properties"]
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "WebPushMaxConcurrency"}
    assert functions["WebpushWorker"]["Properties"]["ReservedConcurrentExecutions"] == {"Ref": "WebPushMaxConcurrency"}

    def reserved(function: dict[str, Any]) -> int:
        value = function["Properties"]["ReservedConcurrentExecutions"]
        return int(parameters[value["Ref"]]["Default"]) if isinstance(value, dict) else int(value)

    assert all("ReservedConcurrentExecutions" in f["Properties"] for f in functions.values()), "every function"
    assert sum(reserved(f) for f in functions.values()) <= ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM
    assert reserved(functions["APIHandler"]) > reserved(functions["WebpushWorker"])


def test_every_checkov_skip_has_a_reason(translated: dict[str, Any]) -> None:
    skips = infra_tools.checkov_skips(translated)
    assert skips, "the skips live in the template's Metadata"
    for check, reason in skips.items():
        assert re.fullmatch(r"CKV2?_AWS_\d+", check), check
        assert len(reason.split()) >= 12, f"{check}: a reason, not a word"


@pytest.mark.parametrize("stage", STAGES)
def test_checkov_finds_nothing_beyond_the_justified_skips(translated_paths: dict[str, Path], stage: str) -> None:
    template = json.loads(translated_paths[stage].read_text())
    report = infra_tools.checkov(translated_paths[stage], infra_tools.checkov_skips(template))
    assert infra_tools.failed_checks(report) == []
    assert report["summary"]["passed"] > 50  # it did scan the stack


def test_a_finding_is_reported_when_a_check_fails(tmp_path: Path) -> None:
    """The scan can fail: a bucket without any protection is flagged."""
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Bare": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "bare"}}},
    }
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(template))
    assert any(line.startswith("CKV_AWS_27 ") for line in infra_tools.failed_checks(infra_tools.checkov(path, {})))


def test_a_missing_infra_virtualenv_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(infra_tools, "INFRA_VENV", tmp_path / "absent")
    with pytest.raises(infra_tools.InfraToolError, match="make infra-tools"):
        infra_tools.infra_bin("checkov")

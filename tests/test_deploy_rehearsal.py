"""`make deploy-rehearsal`: the whole stack created on an embedded AWS from the real package, with
stand-ins for what moto cannot build, then every handler imported from the zip."""

from __future__ import annotations

from typing import Any

import pytest

from tools import deploy_rehearsal
from tools.deploy_rehearsal import Rehearsal, RehearsalError, Resolver, references


def test_intrinsics_resolve_with_what_is_known() -> None:
    resolver = Resolver({"ResourcePrefix": "stopcamb-dev", "AWS::Region": "eu-west-3", "Email": ""}, {})
    resolver.values["Queue"] = "https://sqs/queue"
    resolver.attributes[("Queue", "Arn")] = "arn:aws:sqs:eu-west-3:1:queue"
    resolver.condition_source = {"HasEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Email"}, ""]}]}}
    assert resolver.resolve({"Fn::Sub": "${ResourcePrefix}-x-${AWS::Region}"}) == "stopcamb-dev-x-eu-west-3"
    assert resolver.resolve({"Fn::Sub": ["${Q}/z", {"Q": {"Fn::GetAtt": ["Queue", "Arn"]}}]}).endswith("queue/z")
    assert resolver.resolve({"Fn::Sub": "${Queue.Arn}"}) == "arn:aws:sqs:eu-west-3:1:queue"
    assert resolver.resolve({"Fn::If": ["HasEmail", "yes", {"Ref": "AWS::NoValue"}]}) is not None
    assert resolver.resolve({"A": {"Fn::If": ["HasEmail", "yes", {"Ref": "AWS::NoValue"}]}}) == {}
    with pytest.raises(deploy_rehearsal.Unresolved):
        resolver.resolve({"Ref": "NotYetCreated"})


def test_references_are_found_in_ref_getatt_and_sub() -> None:
    node = {
        "a": [{"Ref": "A"}, {"Fn::GetAtt": "B.Arn"}],
        "b": {"Fn::Sub": ["${C}-${D.Name}-${AWS::Region}-${L}", {"L": 1}]},
    }
    assert references(node) == {"A", "B", "C", "D"}


def test_a_stack_resource_reading_a_late_stand_in_is_stood_in_too() -> None:
    resources: dict[str, dict[str, Any]] = {
        "Function": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {"Fn::Sub": "${Function.Arn}"}}},
        "Permission": {"Type": "AWS::Lambda::Permission", "Properties": {"SourceArn": {"Fn::Sub": "${Api}/api/*"}}},
        "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {}},
        "Reader": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": {"Ref": "Pool"}}},
    }
    standing = {n: resources[n] for n in ("Api", "Pool")}
    Rehearsal.stand_in_dependents(resources, standing)
    assert set(standing) == {"Api", "Pool", "Permission"}  # Reader only reads a stand-in made first


def test_a_cloudfront_property_cloudfront_would_refuse_fails_the_rehearsal() -> None:
    import boto3

    def aws(service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")

    stand_in = deploy_rehearsal.STAND_INS["AWS::CloudFront::CachePolicy"]
    good = {"CachePolicyConfig": {"Name": "p", "MinTTL": 0, "ParametersInCacheKeyAndForwardedToOrigin": {
        "EnableAcceptEncodingGzip": True, "CookiesConfig": {"CookieBehavior": "none"},
        "HeadersConfig": {"HeaderBehavior": "none"}, "QueryStringsConfig": {"QueryStringBehavior": "whitelist",
        "QueryStrings": ["q", "limit"]}}}}  # fmt: skip
    physical, _ = stand_in(aws, "Policy", good)
    assert physical
    with pytest.raises(RehearsalError, match="MinTTL"):
        stand_in(aws, "Policy", {"CachePolicyConfig": {"Name": "p", "MinTTL": "zero"}})


def test_an_unknown_resource_type_stops_the_rehearsal_before_any_call() -> None:
    template = {"Resources": {"Thing": {"Type": "AWS::Made::Up", "Properties": {}}}}
    rehearsal = Rehearsal("dev", template, "http://127.0.0.1:9")  # nothing listens: no call is made
    with pytest.raises(RehearsalError, match="AWS::Made::Up"):
        rehearsal.deploy()


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return deploy_rehearsal.rehearse("dev")


def test_the_whole_stack_is_created_on_the_embedded_aws(report: dict[str, Any]) -> None:
    assert report["stack_status"] == "CREATE_COMPLETE"
    assert report["stack_resources"] > 100  # 102 topics, 6 tables, functions, queues, roles...
    assert report["template_bytes"] > deploy_rehearsal.CFN_TEMPLATE_BODY_LIMIT  # hence the S3 URL
    assert report["dynamic_references"] == ["/stopcamb-dev/vapid-public-key"]


def test_what_moto_cannot_build_is_stood_in_for_and_listed(report: dict[str, Any]) -> None:
    stood_in = report["stand_ins"]
    assert stood_in["AWS::ApiGateway::Stage"] == ["RestAPIapiStage"]
    from chalicelib.departements import CODES

    assert len(stood_in["AWS::Cognito::UserPoolGroup"]) == 2 * len(CODES) + 2  # corg-, corg-…-chef, opp, admin
    assert {"AWS::Cognito::UserPool", "AWS::CloudWatch::Alarm", "Custom::SnsPlatformApplication"} <= set(stood_in)
    assert {"AWS::CloudFront::Distribution", "AWS::WAFv2::WebACLAssociation"} <= set(stood_in)


def test_every_handler_imports_from_the_zip_and_the_api_answers_health(report: dict[str, Any]) -> None:
    functions = report["functions"]
    handlers = {f["handler"] for f in functions.values()}
    assert "app.app" in handlers and "app.webpush_worker" in handlers
    assert len(handlers) >= 6
    assert all(f["imported"] for f in functions.values())
    assert [f["health"] for f in functions.values() if f["handler"] == "app.app"] == [200]

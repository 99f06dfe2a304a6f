"""Injected AWS failures (DynamoDB, SNS, SQS, Cognito): a clear 503 problem+json, never a 500 with
internals; nothing accepted is lost and nothing is left half-created."""

import json
from typing import Any

import pytest

from chalicelib.config import get_settings
from tests.conftest import DEMO_PASSWORD, AwsFaults

INTERNALS = ("amazonaws", "aws.example", "botocore", "Exception", "Error", "injected", "Traceback", "arn:aws")
KINDS = ("down", "internal", "throttled", "timeout", "unreachable")


def assert_unavailable(response: Any) -> None:
    """A French 503 problem+json that says to retry and shows nothing of the failure itself."""
    assert response.status_code == 503, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json_body["code"] == "service_unavailable"
    assert "indisponible" in response.json_body["detail"]
    assert response.headers["Retry-After"] == "5"
    assert not [word for word in INTERNALS if word in response.body.decode()]


def login(client: Any, username: str = "corg-34", password: str = DEMO_PASSWORD) -> Any:
    body = json.dumps({"username": username, "password": password})
    return client.http.post("/auth/login", headers={"Content-Type": "application/json"}, body=body)


@pytest.mark.parametrize("kind", KINDS)
def test_login_with_cognito_failing_is_a_503(client: Any, aws_faults: AwsFaults, kind: str) -> None:
    aws_faults.fail("cognito-idp", "InitiateAuth", kind)
    assert_unavailable(login(client))
    assert aws_faults.failed == ["cognito-idp:InitiateAuth"]


@pytest.mark.parametrize("kind", ("down", "timeout"))
def test_login_with_dynamodb_failing_is_a_503(client: Any, aws_faults: AwsFaults, kind: str) -> None:
    aws_faults.fail("dynamodb", "*", kind)
    assert_unavailable(login(client))


def test_a_cognito_failure_does_not_count_as_a_failed_login(client: Any, aws_faults: AwsFaults) -> None:
    aws_faults.fail("cognito-idp", "InitiateAuth", "down")
    for _ in range(6):
        assert login(client).status_code == 503
    aws_faults.heal()
    assert login(client).status_code == 200


def test_every_503_tells_when_to_retry_even_when_raised_by_domain_code(client: Any, monkeypatch: Any) -> None:
    import requests

    def jwks_unreachable(*_: Any, **__: Any) -> None:
        raise requests.ConnectionError("injected")

    monkeypatch.setattr(requests, "get", jwks_unreachable)
    response = client.http.post("/opp/feed", headers={"Authorization": f"Bearer {forged()}"}, body="{}")
    assert_unavailable(response)


def forged() -> str:
    """A token whose signature is never checked here: the keys cannot even be fetched."""
    import base64

    header = base64.urlsafe_b64encode(b'{"alg":"RS256","kid":"k1"}').rstrip(b"=").decode()
    return f"{header}.e30.c2ln"


# --- Subscriptions: a failure at any step leaves nothing behind ------------------------------------

SUBSCRIBE = {"platform": "android", "token": "fcm-token-under-test-0123456789", "department": "34"}


def subscribe(client: Any) -> Any:
    body = json.dumps({**SUBSCRIBE, "accept_notifications": True})
    return client.http.post("/subscriptions", headers={"Content-Type": "application/json"}, body=body)


def sns_traces() -> dict[str, int]:
    """Endpoints of the FCM application and subscriptions of the topics a device joins."""
    from chalicelib import aws

    sns, settings = aws.client("sns"), get_settings()
    application = settings.platform_application_arn("android")
    endpoints = sns.list_endpoints_by_platform_application(PlatformApplicationArn=application)["Endpoints"]
    topics = {
        name: sns.list_subscriptions_by_topic(TopicArn=settings.topic_arn(code))["Subscriptions"]
        for name, code in (("department", "34"), ("national", None))
    }
    return {"endpoints": len(endpoints), **{name: len(subscribed) for name, subscribed in topics.items()}}


def stored_subscriptions() -> int:
    from chalicelib.models import Subscription

    return Subscription.count()


NOTHING = {"endpoints": 0, "department": 0, "national": 0}


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("dynamodb", "Query"),  # looking for an earlier registration of the token
        ("sns", "CreatePlatformEndpoint"),
        ("sns", "Subscribe"),
        ("dynamodb", "PutItem"),
    ],
)
@pytest.mark.parametrize("kind", ("down", "timeout"))
def test_a_failed_subscription_is_a_503_and_leaves_no_trace(
    client: Any, aws_faults: AwsFaults, service: str, operation: str, kind: str
) -> None:
    aws_faults.fail(service, operation, kind)
    assert_unavailable(subscribe(client))
    assert aws_faults.failed
    aws_faults.heal()
    assert sns_traces() == NOTHING
    assert stored_subscriptions() == 0
    assert subscribe(client).status_code == 201  # and the citizen's retry works
    assert sns_traces() == {"endpoints": 1, "department": 1, "national": 1}


@pytest.mark.parametrize(
    ("service", "operation"), [("sns", "Unsubscribe"), ("sns", "DeleteEndpoint"), ("dynamodb", "DeleteItem")]
)
def test_a_failed_unsubscription_is_a_503_and_its_retry_removes_every_trace(
    client: Any, aws_faults: AwsFaults, service: str, operation: str
) -> None:
    subscription_id = subscribe(client).json_body["id"]
    aws_faults.fail(service, operation, "timeout")
    assert_unavailable(client.http.delete(f"/subscriptions/{subscription_id}"))
    aws_faults.heal()
    assert stored_subscriptions() == 1  # the handle still works, so the citizen can retry
    assert client.http.delete(f"/subscriptions/{subscription_id}").status_code == 204
    assert sns_traces() == NOTHING
    assert stored_subscriptions() == 0


# --- Feed ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_reading_the_feed_with_dynamodb_failing_is_a_503(client: Any, aws_faults: AwsFaults, kind: str) -> None:
    aws_faults.fail("dynamodb", "Query", kind)
    assert_unavailable(client.http.get("/feed"))


def test_a_feed_item_that_could_not_be_stored_is_not_published(
    client: Any, aws_faults: AwsFaults, auth_header: Any
) -> None:
    headers = auth_header("opp-ggd34")
    aws_faults.fail("dynamodb", "PutItem", "throttled")
    body = json.dumps({"title": "Vacances", "body": "Pensez à l'OTV avant de partir.", "kind": "otv"})
    assert_unavailable(client.http.post("/opp/feed", headers=headers, body=body))
    aws_faults.heal()
    assert client.http.get("/feed").json_body == {"items": [], "next_cursor": None}


# --- Alerts: an accepted alert is never lost ----------------------------------------------------

ALERT = {
    "department": "34",
    "text": "Lodève : cambriolages de maisons cette nuit, fermez portes et volets.",
    "offence_type": "cambriolage_habitation",
    "offence_established": True,
}


def send_alert(client: Any, headers: dict[str, str], key: str | None = None) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    return client.http.post("/corg/alerts", headers={**headers, **extra}, body=json.dumps(ALERT))


def run_the_retry_schedule(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fire the app's every-minute retry as EventBridge would, a minute later than the send."""
    from datetime import timedelta

    from chalicelib import alerts

    monkeypatch.setattr(alerts, "RETRY_AFTER", timedelta(0))
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])
    client.lambda_.invoke("retry_alert_deliveries", event)


def logged(department: str = "34") -> list[dict[str, Any]]:
    from chalicelib import alerts

    return alerts.history(department, 100)


def queued_web_batches() -> int:
    from chalicelib import aws
    from chalicelib.push.webpush import queue_url

    url = queue_url(get_settings().webpush_queue_name)
    attributes = aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


@pytest.mark.parametrize("kind", ("down", "timeout", "throttled"))
def test_an_alert_sent_while_sns_fails_is_recorded_failed_then_delivered_by_the_schedule(
    client: Any, aws_faults: AwsFaults, auth_header: Any, published: Any, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    headers = auth_header("corg-34")
    aws_faults.fail("sns", "Publish", kind)
    response = send_alert(client, headers)
    assert response.status_code == 201  # accepted: recorded before delivery
    assert response.json_body["delivery"]["status"] == "failed"
    assert "renvoyé automatiquement" in response.json_body["delivery"]["message"]
    alert = response.json_body["alert"]
    assert client.http.get("/alerts/34").json_body["alert"] == alert
    [entry] = logged()
    assert (entry["alert_id"], entry["delivery"]["status"]) == (alert["id"], "failed")

    run_the_retry_schedule(client, monkeypatch)  # still failing: still recorded, still pending
    assert logged()[0]["delivery"]["status"] == "failed"
    aws_faults.heal()
    run_the_retry_schedule(client, monkeypatch)
    [sent] = published("34")
    assert sent["message"]["APNS"]["alert_id"] == alert["id"]
    assert logged()[0]["delivery"]["status"] == "published"


def test_a_web_fan_out_that_cannot_reach_sqs_is_retried_without_sending_twice_to_phones(
    client: Any,
    aws_faults: AwsFaults,
    auth_header: Any,
    published: Any,
    push_service: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = {"platform": "web", "web_push": push_service.subscribe(), "department": "34", "accept_notifications": True}
    assert (
        client.http.post(
            "/subscriptions", headers={"Content-Type": "application/json"}, body=json.dumps(body)
        ).status_code
        == 201
    )
    headers = auth_header("corg-34")
    aws_faults.fail("sqs", "SendMessageBatch", "timeout")
    delivery = send_alert(client, headers).json_body["delivery"]
    assert delivery == {
        "status": "failed",
        "channels": {"sns": {"ok": True}, "web": {"ok": False}},
        "message": delivery["message"],
    }
    aws_faults.heal()
    run_the_retry_schedule(client, monkeypatch)
    assert logged()[0]["delivery"]["status"] == "published"
    assert queued_web_batches() == 1
    assert len(published("34")) == 1  # SNS had delivered: the retry skipped it


@pytest.mark.parametrize("kind", ("down", "timeout"))
def test_an_alert_that_cannot_be_recorded_is_a_503_and_nothing_is_pushed(
    client: Any, aws_faults: AwsFaults, auth_header: Any, published: Any, kind: str
) -> None:
    headers = auth_header("corg-34")
    aws_faults.fail("dynamodb", "TransactWriteItems", kind)
    assert_unavailable(send_alert(client, headers, key="retry-me"))
    assert not [call for call in aws_faults.calls if call.startswith(("sns:", "sqs:"))]
    assert client.http.get("/alerts/34").json_body == {"alert": None}
    aws_faults.heal()
    assert send_alert(client, headers, key="retry-me").status_code == 201  # the key was released
    assert len(published("34")) == 1


@pytest.mark.parametrize(("service", "operation"), [("dynamodb", "GetItem"), ("dynamodb", "Query")])
def test_citizens_and_operators_reading_alerts_with_dynamodb_down_get_a_503(
    client: Any, aws_faults: AwsFaults, auth_header: Any, service: str, operation: str
) -> None:
    headers = auth_header("corg-34")
    aws_faults.fail(service, operation, "unreachable")
    path = "/alerts/34" if operation == "GetItem" else "/corg/alerts?department=34"
    assert_unavailable(client.http.get(path, headers=headers))

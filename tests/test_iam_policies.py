"""One role per function, checked with moto's IAM policy evaluator: the calls each function really
makes (recorded while it runs on moto) are allowed by its own dev policy, and calls it must not make
are refused (the API cannot read the VAPID key nor consume the queue, the worker cannot log in to
Cognito nor publish to the topics, no function writes another's logs)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from chalicelib.config import get_settings
from tools import iam_actions, iam_policies
from tools.push_service import PushService

JSON = {"Content-Type": "application/json"}
LOCAL, DEV = "stopcamb-local", "stopcamb-dev"
TEXT = "Cambriolage d'une maison rue des Lilas ce matin : fermez portes et fenêtres."
TRANSACT = {"Put": "PutItem", "Delete": "DeleteItem", "Update": "UpdateItem", "ConditionCheck": "ConditionCheckItem"}


def permitted(function: str, action: str, resource: str) -> bool:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    document = iam_policies.policy_file("dev", function).read_text()
    return bool(IAMPolicy(document).is_action_permitted(action, resource) == PermissionResult.PERMITTED)


# --- What a function must not do ----------------------------------------------------------------------

REGION_ACCOUNT = "eu-west-3:123456789012"
VAPID_PARAMETER = f"arn:aws:ssm:{REGION_ACCOUNT}:parameter/{DEV}/vapid-private-key"
QUEUE = f"arn:aws:sqs:{REGION_ACCOUNT}:{DEV}-webpush"
DEAD_LETTERS = f"arn:aws:sqs:{REGION_ACCOUNT}:{DEV}-webpush-dlq"
TOPIC = f"arn:aws:sns:{REGION_ACCOUNT}:{DEV}-dept-34"
POOL = f"arn:aws:cognito-idp:{REGION_ACCOUNT}:userpool/eu-west-3_abc"


def table(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION_ACCOUNT}:table/{DEV}-{name}"


SCHEDULES = ("retry_alert_deliveries", "sweep_expired_subscriptions", "sweep_disabled_endpoints", "otv_reminders")


@pytest.mark.parametrize(
    ("function", "action", "resource", "allowed"),
    [
        ("api_handler", "ssm:GetParameter", VAPID_PARAMETER, False),  # the public API cannot read the VAPID key
        ("api_handler", "sqs:ReceiveMessage", QUEUE, False),  # nor consume the web-push queue
        ("api_handler", "sqs:DeleteMessage", QUEUE, False),
        ("api_handler", "sqs:SendMessage", DEAD_LETTERS, False),
        ("api_handler", "sqs:SendMessage", QUEUE, True),
        ("api_handler", "cognito-idp:InitiateAuth", POOL, True),
        ("webpush_worker", "cognito-idp:InitiateAuth", POOL, False),  # the worker cannot log in
        ("webpush_worker", "sns:Publish", TOPIC, False),
        ("webpush_worker", "dynamodb:PutItem", table("subscriptions"), False),
        ("webpush_worker", "dynamodb:UpdateItem", table("current-alerts"), False),
        ("webpush_worker", "sqs:SendMessage", DEAD_LETTERS, True),  # the move to the DLQ (was refused)
        ("webpush_worker", "sqs:ReceiveMessage", QUEUE, True),
        ("webpush_worker", "sqs:ReceiveMessage", DEAD_LETTERS, False),
        ("webpush_worker", "ssm:GetParameter", VAPID_PARAMETER, True),
        *((schedule, "ssm:GetParameter", VAPID_PARAMETER, False) for schedule in SCHEDULES),
        *((schedule, "cognito-idp:InitiateAuth", POOL, False) for schedule in SCHEDULES),
        ("sweep_expired_subscriptions", "sns:Publish", TOPIC, False),
        ("sweep_expired_subscriptions", "sqs:SendMessage", QUEUE, False),
        ("sweep_disabled_endpoints", "dynamodb:PutItem", table("alert-log"), False),
    ],
)
def test_what_each_function_may_and_may_not_do(function: str, action: str, resource: str, allowed: bool) -> None:
    assert permitted(function, action, resource) is allowed


def test_no_function_writes_another_functions_logs() -> None:
    names = list(iam_policies.functions())
    for function in names:
        for other in names:
            group = f"arn:aws:logs:{REGION_ACCOUNT}:log-group:/aws/lambda/{DEV}-{iam_policies.logical_id(other)}-AbC123"
            assert permitted(function, "logs:PutLogEvents", f"{group}:log-stream:x") is (function == other)


# --- What each function really calls ------------------------------------------------------------------


def _resources(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) of one AWS call, as IAM authorises it."""
    from botocore import xform_name

    action = iam_actions.iam_action(service, xform_name(operation))
    region_account = REGION_ACCOUNT
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            return [
                (f"dynamodb:{TRANSACT[kind]}", _table_arn(item[kind]["TableName"]))
                for item in params["TransactItems"]
                for kind in item
            ]
        if operation == "BatchWriteItem":
            return [(action, _table_arn(name)) for name in params["RequestItems"]]
        arn = _table_arn(params["TableName"])
        return [(action, f"{arn}/index/{params['IndexName']}" if params.get("IndexName") else arn)]
    if service == "sqs":
        name = params.get("QueueName") or urlsplit(params["QueueUrl"]).path.rsplit("/", 1)[1]
        return [(action, f"arn:aws:sqs:{region_account}:{name}")]
    if service == "sns":
        arn = params.get("TopicArn") or params.get("TargetArn") or params.get("EndpointArn")
        arn = arn or params.get("PlatformApplicationArn")
        if operation == "Unsubscribe":  # IAM checks the topic of the subscription
            arn = params["SubscriptionArn"].rsplit(":", 1)[0]
        return [(action, str(arn))]
    if service == "ssm":
        return [(action, f"arn:aws:ssm:{region_account}:parameter{params['Name']}")]
    if service == "cognito-idp" and "UserPoolId" in params:  # the admin actions name their pool
        return [(action, f"arn:aws:cognito-idp:{region_account}:userpool/{params['UserPoolId']}")]
    return [(action, "*")]


def _table_arn(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION_ACCOUNT}:table/{name}"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []


@contextmanager
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    """Every AWS call (boto3 and PynamoDB alike) made inside the block, as (action, resource)."""
    from botocore.client import BaseClient

    original = BaseClient._make_api_call
    recorder = Recorder()

    def make_api_call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        for action, resource in _resources(service, operation, params):
            recorder.calls.append((action, resource.replace(LOCAL, DEV)))
        return original(self, operation, params)

    with monkeypatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", make_api_call)
        yield recorder


def refused(function: str, calls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    assert calls, "the scenario made no AWS call: it proves nothing"
    return sorted({call for call in calls if not permitted(function, *call)})


def test_the_api_policy_allows_every_call_the_api_makes(
    client: Any, push_service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    with recording(monkeypatch) as api:
        login = client.http.post("/auth/login", headers=JSON, body=json.dumps({"username": "admin", "password": _pw()}))
        headers = {**JSON, "Authorization": f"Bearer {login.json_body['id_token']}"}
        phone = {"platform": "ios", "token": "a1" * 32, "department": "34", "accept_notifications": True}
        browser = {"platform": "web", "web_push": push_service.subscribe(), "department": "34"}
        browser["accept_notifications"] = True
        for body in (phone, phone, browser, browser):
            assert client.http.post("/subscriptions", headers=JSON, body=json.dumps(body)).status_code == 201
        subscription_id = client.http.post("/subscriptions", headers=JSON, body=json.dumps(phone)).json_body["id"]
        put = client.http.put(f"/subscriptions/{subscription_id}", headers=JSON, body=json.dumps({"department": "74"}))
        assert put.status_code == 200
        assert client.http.get("/corg/subscribers?department=34", headers=headers).status_code == 200
        alert = {
            "department": "34",
            "text": TEXT,
            "offence_type": "cambriolage_habitation",
            "offence_established": True,
        }
        sent = client.http.post("/corg/alerts", headers={**headers, "Idempotency-Key": "k-1"}, body=json.dumps(alert))
        assert sent.status_code == 201
        assert client.http.get("/corg/alerts?department=34", headers=headers).status_code == 200
        assert client.http.get("/alerts/34").status_code == 200
        assert client.http.delete("/corg/alerts/34", headers=headers).status_code == 200
        item = {"title": "Vacances", "body": "Pensez à l'Opération Tranquillité Vacances.", "kind": "otv"}
        published = client.http.post("/opp/feed", headers=headers, body=json.dumps(item))
        assert published.status_code == 201
        assert client.http.get("/feed").status_code == 200
        assert client.http.delete(f"/opp/feed/{published.json_body['id']}", headers=headers).status_code == 204
        push = {"text": "Fermez vos portes et fenêtres, même pour une courte absence."}
        assert client.http.post("/opp/prevention-push", headers=headers, body=json.dumps(push)).status_code == 201
        assert client.http.delete(f"/subscriptions/{subscription_id}").status_code == 204
    assert refused(iam_policies.API, api.calls) == []


def _pw() -> str:
    from tests.conftest import DEMO_PASSWORD

    return DEMO_PASSWORD


def test_the_worker_policy_allows_every_call_the_worker_makes_vapid_key_and_dead_letters_included(
    client: Any, push_service: PushService, monkeypatch: pytest.MonkeyPatch, vapid: dict[str, str]
) -> None:
    from chalicelib import aws
    from chalicelib.config import secure_parameter
    from chalicelib.push import Notification, webpush
    from chalicelib.push.webpush_sender import Policy

    parameter = f"/{LOCAL}/vapid-private-key"
    aws.client("ssm").put_parameter(Name=parameter, Value=vapid["private_key"], Type="SecureString", Overwrite=True)
    monkeypatch.delenv("VAPID_PRIVATE_KEY")
    monkeypatch.setenv("VAPID_PRIVATE_KEY_PARAMETER", parameter)
    monkeypatch.setattr(webpush, "POLICY", Policy(tries=1, backoff_seconds=0.01, timeout_seconds=2))
    monkeypatch.setattr(webpush, "REDELIVERY_DELAYS", ())  # what fails goes to the dead letters at once
    get_settings.cache_clear()
    secure_parameter.cache_clear()
    webpush._signer_for.cache_clear()
    sent, gone, broken = push_service.subscribe(), push_service.subscribe(), push_service.subscribe()
    for subscription in (sent, gone, broken):
        body = {"platform": "web", "web_push": subscription, "department": "34", "accept_notifications": True}
        client.http.post("/subscriptions", headers=JSON, body=json.dumps(body))
    push_service.unsubscribe(gone)
    push_service.answer(500, endpoint=broken["endpoint"])
    webpush.CHANNEL.deliver(Notification("34", "Alerte", TEXT, "alert", "a-1", 1, 3600, None))
    queue = aws.client("sqs").get_queue_url(QueueName=get_settings().webpush_queue_name)["QueueUrl"]
    bodies = [m["Body"] for m in aws.client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]]

    with recording(monkeypatch) as worker:
        event = client.events.generate_sqs_event(message_bodies=bodies, queue_name=get_settings().webpush_queue_name)
        client.lambda_.invoke("webpush_worker", event)

    actions = {action for action, _ in worker.calls}
    assert {"ssm:GetParameter", "sqs:SendMessage", "dynamodb:BatchWriteItem"} <= actions
    assert refused("webpush_worker", worker.calls) == []
    secure_parameter.cache_clear()
    webpush._signer_for.cache_clear()
    get_settings.cache_clear()


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_each_schedule_policy_allows_every_call_its_schedule_makes(
    client: Any, schedule: str, monkeypatch: pytest.MonkeyPatch, prepare: Callable[[str], None]
) -> None:
    prepare(schedule)
    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
    event["time"] = f"{_reminder_day().isoformat()}T06:00:00Z"  # a day the OTV reminders have work
    with recording(monkeypatch) as run:
        client.lambda_.invoke(schedule, event)
    assert refused(schedule, run.calls) == []


def _reminder_day() -> Any:
    from chalicelib import holidays

    period = next(p for p in holidays.calendar() if not p.to_confirm)
    return period.start - timedelta(days=2)


@pytest.fixture
def prepare(client: Any) -> Callable[[str], None]:
    """Something for each schedule to act on."""

    def setup(schedule: str) -> None:
        from chalicelib import aws
        from chalicelib.models import Subscription

        phone = {"platform": "android", "token": "fcm:" + "b" * 40, "department": "34", "accept_notifications": True}
        client.http.post("/subscriptions", headers=JSON, body=json.dumps(phone))
        [item] = Subscription.scan()
        if schedule == "sweep_expired_subscriptions":
            item.update(actions=[Subscription.expires_at.set(datetime.now(UTC) + timedelta(minutes=5))])
            soon = (datetime.now(UTC) + timedelta(minutes=5)).date().isoformat()
            item.update(actions=[Subscription.expiry_day.set(soon)])
        if schedule == "sweep_disabled_endpoints":
            attributes = {"Enabled": "false"}
            aws.client("sns").set_endpoint_attributes(EndpointArn=item.endpoint_arn, Attributes=attributes)

    return setup

"""The mobile channel: one topic publish per notification, collapse keys, TTLs, endpoint helpers."""

from collections.abc import Callable
from typing import Any

import pytest

from chalicelib import aws, push
from chalicelib.config import get_settings
from chalicelib.push import Notification, sns

ALERT = Notification(
    department="34",
    title="Stop Cambriolages – Hérault",
    body="Lodève : cambriolages de maisons cette nuit, fermez portes et volets.",
    kind="alert",
    alert_id="a1b2",
    revision=7,
    ttl_seconds=86_400,
)


def test_an_alert_is_one_publish_to_the_department_topic(aws: Any, published: Callable[..., Any]) -> None:
    result = sns.CHANNEL.deliver(ALERT)
    assert result.ok and result.channel == "sns"
    sent = published("34")
    assert len(sent) == 1
    assert sent[0]["message_id"] == result.detail["message_id"]
    assert published("74") == [] and published(None) == []


def test_every_platform_gets_its_payload_with_the_collapse_key(aws: Any, published: Callable[..., Any]) -> None:
    sns.CHANNEL.deliver(ALERT)
    message = published("34")[0]["message"]
    assert message["default"] == ALERT.body
    assert message["APNS"] == message["APNS_SANDBOX"]
    aps = message["APNS"]["aps"]
    assert aps["alert"] == {"title": ALERT.title, "body": ALERT.body}
    assert aps["thread-id"] == "alerte-34"
    assert (message["APNS"]["alert_id"], message["APNS"]["revision"], message["APNS"]["kind"]) == ("a1b2", 7, "alert")
    fcm = message["GCM"]["fcmV1Message"]["message"]
    assert fcm["notification"] == {"title": ALERT.title, "body": ALERT.body}
    assert fcm["android"]["collapse_key"] == "alerte-34"
    assert fcm["android"]["notification"]["tag"] == "alerte-34"
    assert fcm["android"]["ttl"] == "86400s"
    assert fcm["android"]["priority"] == "high"
    assert fcm["data"] == {"alert_id": "a1b2", "revision": "7", "kind": "alert", "department": "34"}


def test_collapse_id_ttl_and_push_type_travel_as_sns_message_attributes(
    aws: Any, published: Callable[..., Any]
) -> None:
    sns.CHANNEL.deliver(ALERT)
    assert published("34")[0]["attributes"] == {
        "AWS.SNS.MOBILE.APNS.COLLAPSE_ID": "alerte-34",
        "AWS.SNS.MOBILE.APNS.PUSH_TYPE": "alert",
        "AWS.SNS.MOBILE.APNS.PRIORITY": "10",
        "AWS.SNS.MOBILE.APNS.TTL": "86400",
        "AWS.SNS.MOBILE.APNS_SANDBOX.TTL": "86400",
        "AWS.SNS.MOBILE.FCM.TTL": "86400",
    }


def test_a_national_push_goes_to_the_national_topic_with_its_own_key(aws: Any, published: Callable[..., Any]) -> None:
    notice = Notification(None, "Prévention", "Pensez à l'OTV", "prevention", "p1", 1, 3600)
    sns.CHANNEL.deliver(notice)
    sent = published(None)
    assert len(sent) == 1
    assert sent[0]["attributes"]["AWS.SNS.MOBILE.APNS.COLLAPSE_ID"] == push.NATIONAL_COLLAPSE_KEY
    assert sent[0]["attributes"]["AWS.SNS.MOBILE.FCM.TTL"] == "3600"
    assert sent[0]["message"]["GCM"]["fcmV1Message"]["message"]["data"]["department"] == ""


def test_the_sns_channel_is_registered(aws: Any) -> None:
    assert "sns" in [channel.name for channel in push.channels()]


def test_a_failing_channel_is_reported_not_raised(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(**_: Any) -> None:
        raise RuntimeError("SNS down")

    monkeypatch.setattr(aws_sns(), "publish", down)
    results = push.deliver(ALERT)
    assert results["sns"].ok is False
    assert results["sns"].detail == {"error": "RuntimeError"}
    assert push.deliver(ALERT, skip=frozenset({"sns"})).get("sns") is None


def aws_sns() -> Any:
    return aws.client("sns")


def test_the_same_token_reuses_the_same_endpoint(aws: Any) -> None:
    first = sns.register_endpoint("ios", "a" * 64)
    assert sns.register_endpoint("ios", "a" * 64) == first
    assert sns.register_endpoint("ios", "b" * 64) != first
    assert ":endpoint/APNS/" in first
    assert ":endpoint/GCM/" in sns.register_endpoint("android", "fcm-token-1234567890")


def test_a_disabled_endpoint_is_enabled_again_when_its_token_registers(aws: Any) -> None:
    arn = sns.register_endpoint("android", "fcm-token-1234567890")
    aws_sns().set_endpoint_attributes(EndpointArn=arn, Attributes={"Enabled": "false"})
    assert sns.endpoint_enabled(arn) is False
    assert sns.register_endpoint("android", "fcm-token-1234567890") == arn
    assert sns.endpoint_enabled(arn) is True


def test_subscriptions_are_not_duplicated_and_unsubscribe_is_idempotent(aws: Any) -> None:
    arn = sns.register_endpoint("ios", "c" * 64)
    first = sns.subscribe(arn, "34")
    assert sns.subscribe(arn, "34") == first
    national = sns.subscribe(arn, None)
    topic = aws_sns().get_subscription_attributes(SubscriptionArn=national)["Attributes"]["TopicArn"]
    assert topic == get_settings().topic_arn(None)
    sns.unsubscribe(first)
    sns.unsubscribe(first)
    sns.unsubscribe(None)
    subscribed = aws_sns().list_subscriptions_by_topic(TopicArn=get_settings().topic_arn("34"))["Subscriptions"]
    assert subscribed == []


def test_a_deleted_endpoint_counts_as_disabled(aws: Any) -> None:
    arn = sns.register_endpoint("ios", "d" * 64)
    sns.delete_endpoint(arn)
    sns.delete_endpoint(arn)
    sns.delete_endpoint(None)
    assert sns.endpoint_enabled(arn) is False


def test_disabled_endpoints_are_listed_with_their_token(aws: Any) -> None:
    alive = sns.register_endpoint("ios", "e" * 64)
    dead = sns.register_endpoint("ios", "f" * 64)
    aws_sns().set_endpoint_attributes(EndpointArn=dead, Attributes={"Enabled": "false"})
    assert list(sns.disabled_endpoints("ios")) == [(dead, "f" * 64)]
    assert alive not in dict(sns.disabled_endpoints("ios"))
    assert list(sns.disabled_endpoints("android")) == []

"""Mobile channel: iOS (APNs) and Android (FCM) through SNS.

Delivery is ONE topic publish per notification, to the département's topic (or the national one):
SNS fans out to every subscribed platform endpoint, so the number of AWS calls does not grow with
the audience. The payload is `MessageStructure=json` with one entry per platform; the collapse key
of the département is on every platform so that a push replaces the previous one on the phone.

The endpoint helpers below are what `chalicelib.subscriptions` uses to register a device: one
platform endpoint per push token, subscribed to its département's topic and the national topic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from chalicelib import aws
from chalicelib.config import get_settings
from chalicelib.observability import traced
from chalicelib.push import DeliveryResult, Notification

_EXISTING_ENDPOINT = re.compile(r"Endpoint (arn:aws[\w-]*:sns:\S+) already exists")


class SnsChannel:
    name = "sns"

    @traced
    def deliver(self, notification: Notification) -> DeliveryResult:
        answer = aws.client("sns").publish(
            TopicArn=get_settings().topic_arn(notification.department),
            MessageStructure="json",
            Message=message(notification),
            MessageAttributes=message_attributes(notification),
        )
        return DeliveryResult(self.name, True, {"message_id": answer["MessageId"]})


CHANNEL = SnsChannel()


# --- Payloads ----------------------------------------------------------------------------------


def message(notification: Notification) -> str:
    """The `MessageStructure=json` document: `default` plus one JSON string per platform."""
    apns = json.dumps(_apns_payload(notification), ensure_ascii=False)
    return json.dumps(
        {
            "default": notification.body,
            "APNS": apns,
            "APNS_SANDBOX": apns,
            "GCM": json.dumps(_fcm_payload(notification), ensure_ascii=False),
        },
        ensure_ascii=False,
    )


def message_attributes(notification: Notification) -> dict[str, dict[str, str]]:
    """SNS's reserved attributes: APNs collapse id (`apns-collapse-id`), push type and priority, and
    the time to live on every platform (a phone offline gets the latest push when it reconnects)."""
    ttl = str(notification.ttl_seconds)
    values = {
        "AWS.SNS.MOBILE.APNS.COLLAPSE_ID": notification.collapse_key,
        "AWS.SNS.MOBILE.APNS.PUSH_TYPE": "alert",
        "AWS.SNS.MOBILE.APNS.PRIORITY": "10",
        "AWS.SNS.MOBILE.APNS.TTL": ttl,
        "AWS.SNS.MOBILE.APNS_SANDBOX.TTL": ttl,
        "AWS.SNS.MOBILE.FCM.TTL": ttl,
    }
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}


def _reference(notification: Notification) -> dict[str, Any]:
    """What the app reads to know which alert this is: it ignores a revision older than the one
    it shows (two pushes may cross on the way)."""
    return {
        "alert_id": notification.alert_id,
        "revision": notification.revision,
        "kind": notification.kind,
        "department": notification.department,
    }


def _apns_payload(notification: Notification) -> dict[str, Any]:
    return {
        "aps": {
            "alert": {"title": notification.title, "body": notification.body},
            "sound": "default",
            "thread-id": notification.collapse_key,
        },
        **_reference(notification),
    }


def _fcm_payload(notification: Notification) -> dict[str, Any]:
    """FCM HTTP v1 message (`fcmV1Message`): the legacy `collapse_key`/`time_to_live` are
    `android.collapse_key`/`android.ttl` there, and `android.notification.tag` replaces the
    notification shown on the phone."""
    return {
        "fcmV1Message": {
            "message": {
                "notification": {"title": notification.title, "body": notification.body},
                "data": {key: "" if value is None else str(value) for key, value in _reference(notification).items()},
                "android": {
                    "collapse_key": notification.collapse_key,
                    "priority": "high",
                    "ttl": f"{notification.ttl_seconds}s",
                    "notification": {"tag": notification.collapse_key},
                },
            }
        }
    }


# --- Endpoints and topic subscriptions -----------------------------------------------------------


def register_endpoint(platform: str, token: str) -> str:
    """The platform endpoint of a push token, created or reused, enabled and carrying that token.

    SNS returns the existing endpoint for a known token, unless its attributes differ (a disabled
    endpoint, for instance): then it names that endpoint in its error, and we re-enable it.
    """
    sns = aws.client("sns")
    try:
        arn = str(
            sns.create_platform_endpoint(
                PlatformApplicationArn=get_settings().platform_application_arn(platform), Token=token
            )["EndpointArn"]
        )
    except Exception as exc:
        existing = _EXISTING_ENDPOINT.search(str(exc)) if aws.error_code(exc) == "InvalidParameter" else None
        if existing is None:
            raise
        arn = existing.group(1)
    attributes = sns.get_endpoint_attributes(EndpointArn=arn)["Attributes"]
    if attributes.get("Enabled") != "true" or attributes.get("Token") != token:
        sns.set_endpoint_attributes(EndpointArn=arn, Attributes={"Token": token, "Enabled": "true"})
    return arn


def subscribe(endpoint_arn: str, department: str | None) -> str:
    """Subscribe an endpoint to a département's topic (None: the national topic); SNS does not
    duplicate an existing subscription, it returns it."""
    answer = aws.client("sns").subscribe(
        TopicArn=get_settings().topic_arn(department),
        Protocol="application",
        Endpoint=endpoint_arn,
        ReturnSubscriptionArn=True,
    )
    return str(answer["SubscriptionArn"])


def unsubscribe(subscription_arn: str | None) -> None:
    """Remove a topic subscription; one already gone is not an error."""
    if not subscription_arn:
        return
    try:
        aws.client("sns").unsubscribe(SubscriptionArn=subscription_arn)
    except Exception as exc:
        if aws.error_code(exc) != "NotFound":
            raise


def delete_endpoint(endpoint_arn: str | None) -> None:
    """Delete a platform endpoint (idempotent in SNS)."""
    if endpoint_arn:
        aws.client("sns").delete_endpoint(EndpointArn=endpoint_arn)


def endpoint_enabled(endpoint_arn: str) -> bool:
    """False when SNS disabled the endpoint (APNs/FCM rejected its token) or it no longer exists."""
    try:
        attributes = aws.client("sns").get_endpoint_attributes(EndpointArn=endpoint_arn)["Attributes"]
    except Exception as exc:
        if aws.error_code(exc) == "NotFound":
            return False
        raise
    return bool(attributes.get("Enabled") == "true")


def disabled_endpoints(platform: str) -> Iterator[tuple[str, str]]:
    """(endpoint ARN, token) of every endpoint SNS has disabled on a platform application, page by
    page: the sweep removes the subscriptions behind them."""
    paginator = aws.client("sns").get_paginator("list_endpoints_by_platform_application")
    pages = paginator.paginate(PlatformApplicationArn=get_settings().platform_application_arn(platform))
    for page in pages:
        for endpoint in page["Endpoints"]:
            attributes = endpoint.get("Attributes", {})
            if attributes.get("Enabled") != "true":
                yield endpoint["EndpointArn"], attributes.get("Token", "")

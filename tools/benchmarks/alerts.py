"""Alerts: AWS calls per alert for 10 and 10,000 devices in one département, and the in-process
latency of `POST /corg/alerts` against moto.

The call count must not grow with the audience (one SNS topic publish fans out server-side). Every
botocore call is counted by wrapping `BaseClient._make_api_call`, which boto3 and PynamoDB share.
The devices are written straight into moto's SNS backend (endpoints and topic subscriptions) and
into DynamoDB, which is much faster than 20,000 API calls and changes nothing for the send path.
Latency includes moto's own in-process simulation of the fan-out (it walks the topic's
subscriptions on each publish), which real SNS does asynchronously.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

AUDIENCES = (10, 10_000)
LATENCY_SENDS = 50
# "A handful", whatever the audience: GetItem + 2 TransactWriteItems (record, delivery status) + one SNS
# Publish + the web channel's first Query page (plus one SendMessage per 250 web subscribers, none
# here); an Idempotency-Key adds its PutItem and UpdateItem.
MAX_CALLS = 8
PASSWORD = "Bench-Gendarmerie-2026!"
LOCAL_AWS = {
    "STAGE": "local",
    "RESOURCE_PREFIX": "stopcamb-local",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "eu-west-3",
    "AWS_REGION": "eu-west-3",
}


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    counts: dict[int, int] = {}
    for devices in AUDIENCES:
        with _embedded_aws() as http:
            _subscribe_devices(devices)
            headers = _operator_headers()
            _check_audience(http, headers, devices)
            _post(http, headers)  # warm-up: JWKS, connections, imports
            calls = _calls(_post, http, headers)
            keyed = _calls(_post, http, {**headers, "Idempotency-Key": f"bench-{devices}"})
            counts[devices] = sum(calls.values())
            rows.append(_calls_row(devices, calls, "aws_calls_per_alert"))
            rows.append(_calls_row(devices, keyed, "aws_calls_per_alert_with_idempotency_key"))
            rows.extend(_latency_rows(http, headers, devices))
    rows.append(
        {
            "benchmark": "alerts",
            "metric": "aws_calls_independent_of_audience",
            "value": counts[AUDIENCES[0]] == counts[AUDIENCES[-1]],
            "unit": "bool",
            "target": f"{AUDIENCES[0]} devices = {AUDIENCES[-1]:,} devices",
            "ok": counts[AUDIENCES[0]] == counts[AUDIENCES[-1]],
        }
    )
    return rows


@contextmanager
def _embedded_aws() -> Iterator[Any]:
    """A fresh in-process moto with every resource bootstrapped, and the app's test client."""
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib import aws
    from chalicelib.auth import KEYS
    from chalicelib.config import get_settings
    from tools.bootstrap import create_all

    environment = {**LOCAL_AWS, "AWS_ENDPOINT_URL": ""}
    with mock.patch.dict(os.environ, environment), mock_aws():
        del os.environ["AWS_ENDPOINT_URL"]
        aws.reset()
        get_settings.cache_clear()
        KEYS.clear()
        os.environ.update(create_all(PASSWORD))
        get_settings.cache_clear()
        from app import app

        project = str(Path(__file__).resolve().parents[2])
        with Client(app, stage_name="local", project_dir=project) as client:
            yield client.http
    aws.reset()
    get_settings.cache_clear()
    KEYS.clear()


def _subscribe_devices(count: int) -> None:
    """`count` iOS devices of the Hérault: endpoint + topic subscriptions in moto, items in DynamoDB."""
    from datetime import UTC, datetime, timedelta

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns import sns_backends
    from moto.sns.models import PlatformEndpoint
    from moto.sns.models import Subscription as TopicSubscription

    from chalicelib.config import get_settings
    from chalicelib.models import Subscription

    settings = get_settings()
    backend = sns_backends[DEFAULT_ACCOUNT_ID][settings.region]
    application = backend.get_application(settings.platform_application_arn("ios"))
    topics = [backend.get_topic(settings.topic_arn(code)) for code in ("34", None)]
    now = datetime.now(UTC)
    with Subscription.batch_write() as batch:
        for index in range(count):
            endpoint = PlatformEndpoint(DEFAULT_ACCOUNT_ID, settings.region, application, "", f"{index:064x}", {})
            backend.platform_endpoints[endpoint.arn] = endpoint
            arns = []
            for topic in topics:
                subscription = TopicSubscription(DEFAULT_ACCOUNT_ID, topic, endpoint.arn, "application")
                subscription.attributes = {"Endpoint": endpoint.arn, "Protocol": "application", "TopicArn": topic.arn}
                backend.subscriptions[subscription.arn] = subscription
                arns.append(subscription.arn)
            batch.save(
                Subscription(
                    f"bench-device-{index:08d}-000000000000",
                    platform="ios",
                    department="34",
                    audience="34#ios",
                    token_hash=f"{index:064x}",
                    endpoint_arn=endpoint.arn,
                    department_subscription_arn=arns[0],
                    national_subscription_arn=arns[1],
                    created_at=now,
                    refreshed_at=now,
                    expires_at=now + timedelta(days=60),
                    expiry_day=(now + timedelta(days=60)).date().isoformat(),
                )
            )


def _operator_headers() -> dict[str, str]:
    from chalicelib.login import login

    token = login("corg-34", PASSWORD)["id_token"]
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _check_audience(http: Any, headers: dict[str, str], devices: int) -> None:
    """The console's subscriber count and moto's topic both see every device."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns import sns_backends

    from chalicelib.config import get_settings

    settings = get_settings()
    backend = sns_backends[DEFAULT_ACCOUNT_ID][settings.region]
    topic = settings.topic_arn("34")
    on_topic = sum(1 for subscription in backend.subscriptions.values() if subscription.topic.arn == topic)
    counted = http.get("/corg/subscribers?department=34", headers=headers).json_body["count"]
    if on_topic != devices or counted != devices:
        raise RuntimeError(f"audience not set up: {on_topic} on the topic, {counted} counted, {devices} expected")


def _post(http: Any, headers: dict[str, str]) -> None:
    body = {
        "department": "34",
        "text": "Lodève : cambriolages de maisons cette nuit, fermez portes et volets.",
        "offence_type": "cambriolage_habitation",
        "offence_established": True,
    }
    response = http.post("/corg/alerts", headers=headers, body=json.dumps(body))
    if response.status_code != 201 or response.json_body["delivery"]["status"] != "published":
        raise RuntimeError(f"alert not sent: {response.status_code} {response.body[:300]!r}")


def _calls(action: Any, *args: Any) -> Counter[str]:
    """Every AWS API call made while `action(*args)` runs, as "service.Operation" counts."""
    from botocore.client import BaseClient

    seen: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(client: Any, operation: str, params: Any) -> Any:
        seen[f"{client.meta.service_model.service_name}.{operation}"] += 1
        return original(client, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", counted):
        action(*args)
    return seen


def _calls_row(devices: int, calls: Counter[str], metric: str) -> dict[str, Any]:
    total = sum(calls.values())
    return {
        "benchmark": "alerts",
        "metric": f"{metric}[{devices} devices]",
        "value": total,
        "unit": "calls",
        "target": f"<= {MAX_CALLS}, same for every audience",
        "ok": total <= MAX_CALLS,
        "calls": dict(sorted(calls.items())),
    }


def _latency_rows(http: Any, headers: dict[str, str], devices: int) -> list[dict[str, Any]]:
    timings = []
    for _ in range(LATENCY_SENDS):
        started = time.perf_counter()
        _post(http, headers)
        timings.append((time.perf_counter() - started) * 1000)
    quantiles = statistics.quantiles(timings, n=20)
    return [
        {
            "benchmark": "alerts",
            "metric": f"post_alert_latency_{name}[{devices} devices]",
            "value": round(value, 2),
            "unit": "ms",
            "target": "",
            "ok": None,
        }
        for name, value in (("p50", statistics.median(timings)), ("p95", quantiles[18]))
    ]

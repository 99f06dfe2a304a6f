"""Capacity model (issue 16): how long a push takes to reach 10k, 100k, 1M and 10M devices of one
département or of the nation, measured where it can be, on paper where it cannot.

Measured here, with the real code on moto (in process):
- the hand-over to SNS: one topic `Publish` whatever the audience (moto's topic has no subscriber
  here: real SNS fans out asynchronously, after the call returns);
- the web-push enqueue: `WebPushChannel.deliver()` paging the audience index and sending SQS
  batches, for `MEASURED` browsers of one département and of the nation (spread over the 101
  départements), every AWS call counted; the time and the calls grow linearly with the browsers
  (one Query page and one message per 250, SendMessageBatch calls of ≤ 250 kB), so larger
  audiences are extrapolated linearly from these measured pages;
- one web-push worker's deliveries per second at 50 ms of push-service latency (the loopback push
  service in another process, 4 messages of 250 per invocation as Lambda gives them).

On paper (constants below, each with its source or stated as an assumption): the share of browsers
in the audience, SNS's delivery rate to APNs/FCM, the per-call latency of DynamoDB and SQS on AWS,
the quotas that bound each step. `docs/capacity.md` explains the model and what changes at 10M.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from unittest import mock

SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
MEASURED = 2_500  # browsers really written and enqueued (10 pages of 250)
REPEATS = 3
WORKER_SAMPLE = 2_000  # deliveries timed through the worker at 50 ms of latency

# --- Assumptions and quotas (docs/capacity.md) --------------------------------------------------------
WEB_SHARE = 0.25  # browsers among the devices (assumption: the apps are the main channel)
SNS_DELIVERIES_PER_SECOND = 10_000  # assumed rate at which SNS hands a topic's messages to APNs/FCM
SNS_SUBSCRIPTIONS_PER_TOPIC = 12_500_000  # SNS quota (standard topic), soft
API_TIMEOUT_SECONDS = 29  # API Gateway's integration timeout: the send request must end before it
AWS_QUERY_MS = 10  # typical DynamoDB Query page of 250 items from Lambda in the region (assumed)
AWS_SEND_BATCH_MS = 20  # typical SQS SendMessageBatch of ≤ 250 kB from Lambda (assumed)
GSI_PARTITION_RCU = 3_000  # DynamoDB: read units per second of one partition key (of the audience index)
ITEM_BYTES = 450  # one web subscription item as the index projects it (measured size order)
ACCOUNT_CONCURRENCY = 1_000  # Lambda's default regional concurrency (docs/deployment.md)
UNRESERVED_MINIMUM = 100  # Lambda keeps this much unreserved
LAMBDA_GB_SECOND_EUR = 0.0000166667  # eu-west-3 x86 price per GB-second (USD, same order in EUR)
WORKER_MEMORY_GB = 1.769


@dataclass
class Measured:
    per_browser_ms: float  # enqueue time per browser (one département), moto's own time included
    own_per_browser_ms: float  # the same without the time spent inside AWS calls: our code's share
    national_fixed_ms: float  # the 101 audience queries of a national push, without browsers
    national_per_browser_ms: float
    calls_per_browser: dict[str, float]  # one département: AWS operation → calls per browser
    national_fixed_calls: dict[str, float]
    sns_publish_ms: float
    worker_rate: float  # deliveries/s of one worker at 50 ms of push-service latency
    worker_concurrency: int
    max_worker_concurrency: int


def run() -> list[dict[str, Any]]:
    measured = measure()
    rows, table = model(measured)
    _print(measured, table)
    return rows


# --- Measurement -------------------------------------------------------------------------------------------


def measure() -> Measured:
    from moto import mock_aws

    from tools.benchmarks.webpush import _environment
    from tools.run_local import generate_vapid_keys

    keys = generate_vapid_keys()
    with _environment(keys), mock_aws():
        from chalicelib.config import get_settings
        from tools.bootstrap import create_queues, create_tables, create_topics

        create_tables()
        create_topics(get_settings())
        create_queues(get_settings())
        sns_ms = _sns_publish_ms()
        fixed_ms, _, fixed_calls = _enqueue(department=None, browsers=0)
        dept_ms, dept_own_ms, dept_calls = _enqueue(department="34", browsers=MEASURED)
        national_ms, _, _ = _enqueue(department=None, browsers=MEASURED)
        rate = _worker_rate(keys)
    reserved, maximum = _worker_concurrency()
    return Measured(
        per_browser_ms=dept_ms / MEASURED,
        own_per_browser_ms=dept_own_ms / MEASURED,
        national_fixed_ms=fixed_ms,
        national_per_browser_ms=max(0.0, national_ms - fixed_ms) / MEASURED,
        calls_per_browser={op: n / MEASURED for op, n in dept_calls.items()},
        national_fixed_calls=dict(fixed_calls),
        sns_publish_ms=sns_ms,
        worker_rate=rate,
        worker_concurrency=reserved,
        max_worker_concurrency=maximum,
    )


def _notification(department: str | None) -> Any:
    from chalicelib.push import Notification

    kind = "prevention" if department is None else "alert"
    return Notification(department, "Alerte cambriolages - Hérault", "x" * 160, kind, "capacity", 1, 3600, None)


def _sns_publish_ms() -> float:
    from chalicelib.push import sns

    timings = []
    for _ in range(20):
        started = time.perf_counter()
        sns.CHANNEL.deliver(_notification("34"))
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _fill(department: str | None, browsers: int) -> None:
    """`browsers` web subscriptions with endpoints and keys of real lengths (FCM), in one département
    or spread over all of them."""
    import secrets
    from datetime import UTC, datetime, timedelta

    from chalicelib import departements
    from chalicelib.models import Subscription

    codes = departements.CODES if department is None else (department,)
    now = datetime.now(UTC)
    with Subscription.batch_write() as batch:
        for index in range(browsers):
            code = codes[index % len(codes)]
            endpoint = "https://fcm.googleapis.com/fcm/send/" + secrets.token_urlsafe(114)
            keys = {"p256dh": "B" + secrets.token_urlsafe(64)[:86], "auth": secrets.token_urlsafe(16)[:22]}
            batch.save(
                Subscription(
                    secrets.token_urlsafe(24),
                    platform="web",
                    department=code,
                    audience=f"{code}#web",
                    token_hash=secrets.token_hex(32),
                    web_push={"endpoint": endpoint, "keys": keys},
                    created_at=now,
                    refreshed_at=now,
                    expires_at=now + timedelta(days=60),
                    expiry_day=(now + timedelta(days=60)).date().isoformat(),
                )
            )


def _clear() -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs import sqs_backends

    from chalicelib.config import get_settings
    from chalicelib.models import Subscription

    with Subscription.batch_write() as batch:
        for item in Subscription.scan():
            batch.delete(item)
    for queue in sqs_backends[DEFAULT_ACCOUNT_ID][get_settings().region].queues.values():
        queue._messages.clear()


def _enqueue(*, department: str | None, browsers: int) -> tuple[float, float, Counter[str]]:
    """Median time (ms) of the web channel's hand-over for this audience, the part of it spent
    outside AWS calls (our code), and its AWS calls."""
    from botocore.client import BaseClient

    from chalicelib.push import webpush

    _clear()
    _fill(department, browsers)
    original = BaseClient._make_api_call
    calls: Counter[str] = Counter()
    inside = [0.0]

    def counted(client: Any, operation: str, params: Any) -> Any:
        calls[operation] += 1
        started = time.perf_counter()
        try:
            return original(client, operation, params)
        finally:
            inside[0] += time.perf_counter() - started

    timings, own = [], []
    for _ in range(REPEATS):
        calls.clear()
        inside[0] = 0.0
        with mock.patch.object(BaseClient, "_make_api_call", counted):
            started = time.perf_counter()
            result = webpush.CHANNEL.deliver(_notification(department))
            elapsed = time.perf_counter() - started
        timings.append(elapsed * 1000)
        own.append((elapsed - inside[0]) * 1000)
        if not result.ok or result.detail["subscriptions"] != browsers:
            raise RuntimeError(f"enqueue incomplete: {result}")
    return statistics.median(timings), statistics.median(own), calls


def _worker_rate(keys: dict[str, str]) -> float:
    """Deliveries/s of one worker process at 50 ms of push-service latency (best of 2)."""
    from tools.benchmarks.webpush import _push_service, _setup_aws, _worker

    log_key = _setup_aws()
    with _push_service(0.05, keys["public_key"]) as (_, subscriptions):
        from tools.benchmarks import webpush as bench

        with mock.patch.object(bench, "REPEATS", 2):
            rate, _ = _worker(subscriptions[:WORKER_SAMPLE], log_key)
    return rate


def _worker_concurrency() -> tuple[int, int]:
    """The worker's concurrency in the template (parameter default) and the most the account allows
    beside the API's reservation and the schedules'."""
    import yaml

    from tools.infra_gen import TEMPLATE

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda *_: None)
    parameters = yaml.load(TEMPLATE.read_text(), Loader=Loader)["Parameters"]
    workers = int(parameters["WebPushMaxConcurrency"]["Default"])
    api = int(parameters["ApiReservedConcurrency"]["Default"])
    schedules = 5
    return workers, ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM - api - schedules


# --- The model ------------------------------------------------------------------------------------------------


def model(m: Measured) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One line per audience: calls, hand-over and enqueue times, time to the last device, binding quota."""
    table = []
    for scope in ("département", "national"):
        for devices in SIZES:
            web = round(devices * WEB_SHARE)
            mobile = devices - web
            national = scope == "national"
            pages = m.calls_per_browser.get("Query", 0) * web + (
                m.national_fixed_calls.get("Query", 0) if national else 0
            )
            batches = m.calls_per_browser.get("SendMessageBatch", 0) * web
            enqueue_moto = (m.national_fixed_ms if national else 0) + web * (
                m.national_per_browser_ms if national else m.per_browser_ms
            )
            enqueue_aws = (web * m.own_per_browser_ms + pages * AWS_QUERY_MS + batches * AWS_SEND_BATCH_MS) / 1000
            # the whole département's browsers share one partition key of the audience index
            partition_items = web / (101 if national else 1)
            read_floor = partition_items * ITEM_BYTES / 8192 / GSI_PARTITION_RCU  # eventually consistent: 8 kB/RCU
            enqueue = max(enqueue_aws, read_floor)
            mobile_s = mobile / SNS_DELIVERIES_PER_SECOND
            web_s = max(enqueue, web / (m.worker_concurrency * m.worker_rate))
            web_max_s = max(enqueue, web / (m.max_worker_concurrency * m.worker_rate))
            table.append(
                {
                    "scope": scope,
                    "devices": devices,
                    "mobile": mobile,
                    "web": web,
                    "aws_calls": round(3 + 1 + pages + batches),
                    "sns_handover_ms": m.sns_publish_ms,
                    "enqueue_moto_s": enqueue_moto / 1000,
                    "enqueue_aws_s": enqueue,
                    "last_mobile_s": mobile_s,
                    "last_browser_s": web_s,
                    "last_browser_max_workers_s": web_max_s,
                    "binding": _binding(scope, devices, mobile, enqueue, mobile_s, web_s, web, m),
                }
            )
    rows = [
        _row("SNS hand-over (one Publish, any audience)", m.sns_publish_ms, "ms"),
        _row("web enqueue per browser, one département (moto)", m.per_browser_ms * 1000, "µs"),
        _row("  of which our code (outside AWS calls)", m.own_per_browser_ms * 1000, "µs"),
        _row("web enqueue, national fixed part: 101 audience queries (moto)", m.national_fixed_ms, "ms"),
        _row(
            "AWS calls per 1,000 browsers (Query + SendMessageBatch)", 1000 * sum(m.calls_per_browser.values()), "calls"
        ),
        _row("web-push deliveries/s per worker, 50 ms latency", m.worker_rate, "/s"),
        _row("web-push workers (template) / most the account allows", m.worker_concurrency, "workers"),
    ]
    for line in table:
        rows.append(
            _row(
                f"time to last device, {line['scope']} {line['devices']:,} devices",
                max(line["last_mobile_s"], line["last_browser_s"]),
                "s",
                note=line["binding"],
            )
        )
    return rows, table


def _binding(
    scope: str, devices: int, mobile: int, enqueue: float, mobile_s: float, web_s: float, web: int, m: Measured
) -> str:
    """The quota or limit that binds first for this audience."""
    if mobile > SNS_SUBSCRIPTIONS_PER_TOPIC * 0.8 and scope == "national":
        return "SNS subscriptions per topic (12.5M): national topic near full"
    if enqueue > API_TIMEOUT_SECONDS:
        return f"API Gateway 29 s timeout: web enqueue takes {enqueue:.0f} s in the send request"
    if mobile_s >= web_s:
        return f"SNS delivery rate ({SNS_DELIVERIES_PER_SECOND:,}/s, assumed)"
    if enqueue >= web / (m.worker_concurrency * m.worker_rate):
        return "web enqueue in the send request (one Lambda pages the audience)"
    return f"web-push worker concurrency ({m.worker_concurrency} × {m.worker_rate:,.0f}/s)"


def _row(metric: str, value: float, unit: str, note: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {"benchmark": "capacity", "metric": metric, "value": round(value, 3), "unit": unit}
    if note:
        row["target"] = note
    return row


def _print(m: Measured, table: list[dict[str, Any]]) -> None:
    print(
        f"capacity model: {WEB_SHARE:.0%} browsers; SNS {SNS_DELIVERIES_PER_SECOND:,} deliveries/s (assumed); "
        f"{m.worker_concurrency} web-push workers × {m.worker_rate:,.0f}/s (measured), at most "
        f"{m.max_worker_concurrency} in the account"
    )
    header = (
        "scope", "devices", "AWS calls", "SNS hand-over", "enqueue moto", "enqueue AWS",
        "last phone", "last browser", f"…{m.max_worker_concurrency} workers", "binds first",
    )  # fmt: skip
    lines = [header]
    for t in table:
        lines.append(
            (
                t["scope"],
                f"{t['devices']:,}",
                f"{t['aws_calls']:,}",
                f"{t['sns_handover_ms']:.1f} ms",
                _duration(t["enqueue_moto_s"]),
                _duration(t["enqueue_aws_s"]),
                _duration(t["last_mobile_s"]),
                _duration(t["last_browser_s"]),
                _duration(t["last_browser_max_workers_s"]),
                t["binding"],
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for i, line in enumerate(lines):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"

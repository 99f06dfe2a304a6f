"""The read storm: one million installs of a département opening the app within ten minutes of an
alert, each open reading `GET /alerts/{department}` and `GET /feed`. What reaches API Gateway,
Lambda and DynamoDB without a cache and with the CDN of infra/ (chalicelib/caching.py), from the
handler times and DynamoDB reads measured here (the app in process on moto) and the cache rules.

Model (docs/read-storm.md):
- opens after the push decay exponentially with a time constant of `TAU` (half of the installs in
  83 s, 99.3 % within ten minutes); the peak rate is `INSTALLS / TAU` opens per second;
- without a cache, every read is an API Gateway request and a Lambda invocation lasting the
  measured handler time plus `LAMBDA_OVERHEAD_MS`; concurrency is rate × duration (Little's law);
  DynamoDB read units per read are counted from the items each answer reads (4 KB units, strongly
  consistent GetItem, eventually consistent index Query);
- with the CDN, each cache key is fetched from the origin at most once per `s-maxage` by Origin
  Shield (CloudFront collapses simultaneous misses), plus one background refresh in its
  stale-while-revalidate window; devices revalidate with their ETag and get a 304 from the edge.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

INSTALLS = 1_000_000
WINDOW_SECONDS = 600
TAU_SECONDS = 120
READS_PER_OPEN = ("/alerts/34", "/feed")
FEED_ITEMS = 30
ROUNDS = 200
LAMBDA_OVERHEAD_MS = 5.0  # API Gateway integration and Lambda invoke, on top of the handler
STAGE_THROTTLE_RPS = 100  # infra/resources.yaml: ApiRateLimit
ORIGIN_SHIELDS = 1  # one Origin Shield in the API's region; without it, one per regional edge cache
ALERT = "Cambriolages de maisons à Lodève cette nuit : fermez portes et fenêtres, signalez au 17."


def run() -> list[dict[str, Any]]:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("STAGE", "local")
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from moto import mock_aws

    from chalicelib import aws
    from chalicelib.config import get_settings

    with mock_aws():
        aws.reset()
        get_settings.cache_clear()
        from tools.bootstrap import create_all

        create_all("Demo-Gendarmerie-2026!")
        measured = {path: _measure(path) for path in READS_PER_OPEN}
    aws.reset()
    return _rows(measured, model(measured))


def _measure(path: str) -> dict[str, float]:
    """Handler time of a full answer and of a 304, the DynamoDB read units and the bytes sent."""
    from chalice.test import Client

    from app import app

    _seed()
    with Client(app, stage_name="local", project_dir=str(Path(__file__).resolve().parents[2])) as client:
        first = client.http.get(path)
        assert first.status_code == 200, first.body
        tag = first.headers["ETag"]
        full_ms = _median_ms(lambda: client.http.get(path))
        revalidated_ms = _median_ms(lambda: client.http.get(path, headers={"If-None-Match": tag}))
        with _dynamodb_reads() as reads:
            client.http.get(path)
    import gzip

    return {
        "full_ms": full_ms,
        "not_modified_ms": revalidated_ms,
        "rcu": reads["rcu"],
        "calls": reads["calls"],
        "bytes": len(first.body),
        "gzip_bytes": len(gzip.compress(first.body)),
        "s_maxage": _directive(first.headers["Cache-Control"], "s-maxage"),
        "swr": _directive(first.headers["Cache-Control"], "stale-while-revalidate"),
    }


def model(measured: dict[str, dict[str, float]]) -> dict[str, float]:
    """The storm's figures without a cache and with the CDN (see the module's docstring)."""
    peak_opens = INSTALLS / TAU_SECONDS
    opened = INSTALLS * (1 - math.exp(-WINDOW_SECONDS / TAU_SECONDS))
    reads = len(measured)
    duration_s = {p: (m["full_ms"] + LAMBDA_OVERHEAD_MS) / 1000 for p, m in measured.items()}
    no_cache = {
        "peak_rps": peak_opens * reads,
        "mean_rps": opened * reads / WINDOW_SECONDS,
        "requests": opened * reads,
        "lambda_concurrency": sum(peak_opens * d for d in duration_s.values()),
        "rcu_per_s": sum(peak_opens * m["rcu"] for m in measured.values()),
        "throttled_share": max(0.0, 1 - STAGE_THROTTLE_RPS / (peak_opens * reads)),
    }
    # With the CDN: per key, one fetch per s-maxage and one background refresh when it goes stale.
    fetches = {
        p: ORIGIN_SHIELDS * math.ceil(WINDOW_SECONDS / m["s_maxage"]) * (2 if m["swr"] else 1)
        for p, m in measured.items()
    }
    origin_requests = sum(fetches.values())
    cdn = {
        "origin_requests": origin_requests,
        "origin_peak_rps": sum(ORIGIN_SHIELDS * 2 / m["s_maxage"] for m in measured.values()),
        "lambda_concurrency": max(
            1.0, sum(ORIGIN_SHIELDS * 2 / measured[p]["s_maxage"] * d for p, d in duration_s.items())
        ),
        "rcu_total": sum(fetches[p] * m["rcu"] for p, m in measured.items()),
        "hit_ratio": 1 - origin_requests / (opened * reads),
    }
    return {**{f"no_cache_{k}": v for k, v in no_cache.items()}, **{f"cdn_{k}": v for k, v in cdn.items()}}


def _rows(measured: dict[str, dict[str, float]], figures: dict[str, float]) -> list[dict[str, Any]]:
    rows = []
    for path, m in measured.items():
        rows += [
            _row(f"GET {path}", "handler time, full answer (median, moto)", m["full_ms"], "ms"),
            _row(f"GET {path}", "handler time, 304 (median, moto)", m["not_modified_ms"], "ms"),
            _row(f"GET {path}", "DynamoDB calls / read units per request", f"{m['calls']:.0f} / {m['rcu']:g}", ""),
            _row(f"GET {path}", "answer size / gzipped", f"{m['bytes']:.0f} / {m['gzip_bytes']:.0f}", "B"),
        ]
    storm = f"storm: {INSTALLS:,} opens, τ {TAU_SECONDS} s"
    hit = figures["cdn_hit_ratio"]
    rows += [
        _row(storm, "no cache: peak requests", figures["no_cache_peak_rps"], "req/s"),
        _row(storm, "no cache: requests in 10 min", figures["no_cache_requests"], "req"),
        _row(storm, "no cache: Lambda concurrency at peak", figures["no_cache_lambda_concurrency"], "instances"),
        _row(storm, "no cache: DynamoDB reads at peak", figures["no_cache_rcu_per_s"], "RCU/s"),
        _row(storm, "no cache: share over the stage throttle", 100 * figures["no_cache_throttled_share"], "%"),
        _row(storm, "CDN: origin requests in 10 min", figures["cdn_origin_requests"], "req"),
        _row(storm, "CDN: origin requests at peak", figures["cdn_origin_peak_rps"], "req/s"),
        _row(storm, "CDN: Lambda concurrency", figures["cdn_lambda_concurrency"], "instances"),
        _row(storm, "CDN: DynamoDB read units in 10 min", figures["cdn_rcu_total"], "RCU"),
        _row(storm, "CDN: edge hit ratio", 100 * figures["cdn_hit_ratio"], "%", target="≥ 99.9", ok=hit >= 0.999),
    ]  # fmt: skip
    return rows


def _seed() -> None:
    """The state of a storm: the département's current alert, and a feed longer than a page."""
    from chalicelib import alerts, feed
    from chalicelib.models import CurrentAlert

    try:
        CurrentAlert.get("34")
        return
    except CurrentAlert.DoesNotExist:
        pass
    body = alerts.AlertBody(
        department="34", text=ALERT, offence_type="cambriolage_habitation", offence_established=True
    )
    alerts.send(department="34", body=body, sender="bench")
    for index in range(FEED_ITEMS):
        text = "Inscrivez-vous à l'opération Tranquillité Vacances avant de partir : gendarmes et policiers "
        feed.publish(feed.FeedItemBody(title=f"Conseil {index + 1}", body=text * 3, kind="prevention"), author="bench")


class _dynamodb_reads:
    """DynamoDB calls and read units of what runs inside: 4 KB units of the items read, halved for
    eventually consistent reads (botocore patched below its retries, as tests/conftest.py does)."""

    def __enter__(self) -> dict[str, float]:
        from botocore.client import BaseClient

        self.original = BaseClient._make_api_call
        self.figures: dict[str, float] = {"calls": 0, "rcu": 0.0}
        self.operations: Counter[str] = Counter()
        original, figures = self.original, self.figures

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            answer = original(client, operation, params)
            if client.meta.service_model.service_name == "dynamodb" and operation in ("GetItem", "Query"):
                items = [answer["Item"]] if "Item" in answer else answer.get("Items", [])
                size = sum(len(json.dumps(item)) for item in items)
                consistent = params.get("ConsistentRead", False) and "IndexName" not in params
                figures["calls"] += 1
                figures["rcu"] += max(1, math.ceil(size / 4096)) * (1 if consistent else 0.5)
            return answer

        BaseClient._make_api_call = counted  # type: ignore[method-assign]
        return figures

    def __exit__(self, *_: Any) -> None:
        from botocore.client import BaseClient

        BaseClient._make_api_call = self.original  # type: ignore[method-assign]


def _directive(cache_control: str, name: str) -> float:
    for part in cache_control.split(","):
        key, _, value = part.strip().partition("=")
        if key == name:
            return float(value)
    return 0.0


def _median_ms(action: Any, rounds: int = ROUNDS) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _row(benchmark: str, metric: str, value: Any, unit: str, **extra: Any) -> dict[str, Any]:
    return {"benchmark": benchmark, "metric": metric, "value": value, "unit": unit, **extra}

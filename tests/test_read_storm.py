"""The read-storm model of `make bench` (tools/benchmarks/read_storm.py): its arithmetic, on chosen
handler figures, and the cache rules it reads from the app."""

import math

import pytest

from chalicelib import caching
from tools.benchmarks import read_storm

MEASURED = {
    "/alerts/34": {"full_ms": 15.0, "rcu": 1.0, "s_maxage": 30.0, "swr": 15.0},
    "/feed": {"full_ms": 45.0, "rcu": 2.0, "s_maxage": 30.0, "swr": 15.0},
}


def test_without_a_cache_every_open_reaches_lambda_and_dynamodb() -> None:
    figures = read_storm.model(MEASURED)
    peak_opens = read_storm.INSTALLS / read_storm.TAU_SECONDS  # 8,333 opens/s right after the push
    assert figures["no_cache_peak_rps"] == pytest.approx(2 * peak_opens)
    # Little's law: (15 + 5) ms and (45 + 5) ms at 8,333/s each
    assert figures["no_cache_lambda_concurrency"] == pytest.approx(peak_opens * 0.070)
    assert figures["no_cache_rcu_per_s"] == pytest.approx(peak_opens * 3)
    opened = read_storm.INSTALLS * (1 - math.exp(-600 / 120))
    assert figures["no_cache_requests"] == pytest.approx(2 * opened)
    assert figures["no_cache_throttled_share"] > 0.99


def test_with_the_cdn_the_origin_sees_a_few_requests_per_key_and_ttl() -> None:
    figures = read_storm.model(MEASURED)
    # 2 keys × 20 windows of 30 s × (fetch + stale-while-revalidate refresh)
    assert figures["cdn_origin_requests"] == 80
    assert figures["cdn_rcu_total"] == 40 * 1 + 40 * 2
    assert figures["cdn_hit_ratio"] > 0.9999
    assert figures["cdn_lambda_concurrency"] == 1


def test_the_storm_reads_are_the_ones_the_cdn_keeps_seconds() -> None:
    for path in read_storm.READS_PER_OPEN:
        route = "/alerts/{department}" if path.startswith("/alerts/") else path
        assert caching.POLICIES[route] is caching.LIVE

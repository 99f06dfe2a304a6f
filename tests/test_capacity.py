"""The capacity model of `make bench` (tools/benchmarks/capacity.py) on given measurements: linear in
the browsers, the right quota named at each size."""

from __future__ import annotations

from tools.benchmarks.capacity import API_TIMEOUT_SECONDS, SIZES, WEB_SHARE, Measured, model


def measured(**overrides: float) -> Measured:
    values = {
        "per_browser_ms": 5.0,
        "own_per_browser_ms": 0.05,
        "national_fixed_ms": 900.0,
        "national_per_browser_ms": 5.0,
        "calls_per_browser": {"Query": 1 / 250, "SendMessageBatch": 1 / 500},
        "national_fixed_calls": {"Query": 101},
        "sns_publish_ms": 12.0,
        "worker_rate": 1_000.0,
        "worker_concurrency": 20,
        "max_worker_concurrency": 695,
    }
    return Measured(**{**values, **overrides})  # type: ignore[arg-type]


def test_calls_and_enqueue_time_grow_linearly_with_the_browsers_and_sns_is_one_call() -> None:
    _, table = model(measured())
    by = {(t["scope"], t["devices"]): t for t in table}
    small, large = by[("département", SIZES[0])], by[("département", SIZES[1])]
    assert small["web"] == round(SIZES[0] * WEB_SHARE)
    ratio = SIZES[1] / SIZES[0]
    assert large["aws_calls"] - 4 == round((small["aws_calls"] - 4) * ratio)  # 3 to record + 1 Publish
    assert large["enqueue_moto_s"] == small["enqueue_moto_s"] * ratio
    assert {t["sns_handover_ms"] for t in table} == {12.0}
    national = by[("national", SIZES[0])]
    assert national["aws_calls"] == small["aws_calls"] + 101  # every département's audience is queried


def test_the_binding_quota_follows_the_slowest_step() -> None:
    rows, table = model(measured())
    by = {(t["scope"], t["devices"]): t for t in table}
    assert by[("département", 10_000)]["binding"].startswith("SNS delivery rate")
    huge = by[("département", 10_000_000)]
    assert huge["enqueue_aws_s"] > API_TIMEOUT_SECONDS and huge["binding"].startswith("API Gateway 29 s")
    slow_workers = model(measured(worker_rate=10.0))[1][1]
    assert slow_workers["binding"].startswith("web-push worker concurrency")
    assert slow_workers["last_browser_max_workers_s"] < slow_workers["last_browser_s"]
    assert len([r for r in rows if r["metric"].startswith("time to last device")]) == 2 * len(SIZES)

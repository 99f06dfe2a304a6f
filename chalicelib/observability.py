"""Metrics, structured logs and traces with Powertools for AWS Lambda (Python).

`import app` must stay fast, so nothing here imports Powertools (≈ 60–90 ms) or the X-Ray SDK at
module level: they load on the first invocation that needs them.

- **Metrics** (`metric()`): every figure the product reports is declared in `METRICS` (name, unit,
  dimensions). Figures of one invocation (one thread) are gathered and written when it ends
  (`invocation()`), as CloudWatch embedded-metric-format records built by Powertools' EMF provider:
  one JSON line on stdout per dimension set, which CloudWatch Logs turns into metrics on AWS and
  which `make run` prints in its log. Every record publishes its figures for the stage alone
  (dimension `service` = RESOURCE_PREFIX, what the alarms and the dashboard read) and, when the
  metric has dimensions, per dimension value too. Dimensions are bounded: a département (101),
  a content rule, a channel, a platform; never a person, a device or a text.
- **Logs** (`configure_logging()`): on Lambda (or with `LOG_FORMAT=json`) every record of every
  logger is one JSON object (Powertools' formatter) carrying the function name, the request id,
  cold start and the X-Ray trace id. The modules log what they logged before (the privacy guard of
  the tests reads the same records): no position, token, endpoint, IP or alert text.
- **Traces** (`traced()`, `invocation()`): on Lambda with active tracing, Powertools' tracer patches
  botocore, so every DynamoDB, SNS and SQS call (boto3 and PynamoDB alike) is an X-Ray subsegment,
  inside a subsegment per traced domain function. Off locally unless `TRACING=1` (which needs an
  X-Ray daemon, `AWS_XRAY_DAEMON_ADDRESS`); `POWERTOOLS_TRACE_DISABLED=true` turns it off on AWS.
- **Recent figures** (`recent()`): what this process wrote in the last hour, summed: the local
  stage's admin endpoint reads it (`make run` is one process); deployed stages have the dashboard.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

NAMESPACE = "StopCambriolages"
SERVICE_DIMENSION = "service"
# EMF takes at most 100 values of one metric per record, and Powertools' provider prints a record by
# itself (past our sink) when a metric reaches 100: records are cut at 99.
MAX_VALUES = 99
RECENT_SECONDS = 3_600
RECENT_CAPACITY = 100_000  # figures kept for `recent()` (a few MB at most)

COUNT = "Count"
MILLISECONDS = "Milliseconds"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Spec:
    unit: str
    dimensions: tuple[str, ...]
    description: str


# Every metric of the product. The dashboard, the alarms (infra/resources.yaml) and the runbook use
# these names; tests/test_observability.py reads them from the EMF records of real flows.
METRICS: dict[str, Spec] = {
    "AlertsSent": Spec(COUNT, ("Department",), "alerts recorded and handed to the channels"),
    "AlertsRefused": Spec(COUNT, ("Department",), "alerts refused by the content rules"),
    "AlertRefusalFindings": Spec(COUNT, ("Rule",), "rules that refused an alert (one per rule and refusal)"),
    "AlertsRetracted": Spec(COUNT, ("Department",), "alerts retracted"),
    "PreventionPushesSent": Spec(COUNT, (), "national and zone prevention pushes recorded"),
    "RemindersSent": Spec(COUNT, (), "seasonal OTV reminder pushes sent"),
    "HandoverLatency": Spec(MILLISECONDS, ("Channel",), "from the send to the channel's hand-over (SNS, SQS)"),
    "HandoverFailures": Spec(COUNT, ("Channel",), "notifications a channel could not take (retried every minute)"),
    "WebPushSent": Spec(COUNT, (), "web pushes the push services accepted"),
    "WebPushFailed": Spec(COUNT, (), "web pushes refused for good or dead-lettered"),
    "WebPushPruned": Spec(COUNT, (), "browser subscriptions deleted on a 404/410"),
    "WebPushRedelivered": Spec(COUNT, (), "web pushes handed back to SQS for a later try"),
    "WebPushDeadLettered": Spec(COUNT, (), "web pushes moved to the dead-letter queue"),
    "WebPushDropped": Spec(COUNT, (), "web pushes not sent: late, superseded or retracted"),
    "WebPushDisabled": Spec(COUNT, (), "browsers disabled after failing consecutive alerts (issue 15)"),
    "WebPushBatchDuration": Spec(MILLISECONDS, (), "one worker invocation's sending time"),
    "SubscriptionsCreated": Spec(COUNT, ("Platform",), "devices and browsers registered"),
    "SubscriptionsRemoved": Spec(COUNT, ("Platform",), "unsubscriptions and disabled endpoints removed"),
    "SubscriptionsExpired": Spec(COUNT, ("Platform",), "subscriptions removed after 60 days without refresh"),
    "LoginFailures": Spec(COUNT, (), "wrong username or password"),
    "LoginThrottled": Spec(COUNT, (), "logins refused while a username is locked"),
}
BOUNDED_VALUES = {"Platform": ("ios", "android", "web")}
CODE_VALUES = ("Rule", "Channel")  # ids from our own tables (rules, push channels), never from a request

log = logging.getLogger(__name__)


# --- Metrics ------------------------------------------------------------------------------------


class _Invocation(threading.local):
    pending: list[tuple[str, float, tuple[tuple[str, str], ...]]] | None = None
    context: Any = None


_current = _Invocation()
_recent: deque[tuple[float, str, float, tuple[tuple[str, str], ...]]] = deque(maxlen=RECENT_CAPACITY)
_recent_lock = threading.Lock()
_sink: Callable[[str], None] | None = None  # tests and tools may redirect the EMF lines


def metric(name: str, value: float = 1, **dimensions: str) -> None:
    """Record one figure of `METRICS`; written when the invocation ends (at once outside one)."""
    spec = METRICS[name]
    if set(dimensions) != set(spec.dimensions):
        raise ValueError(f"{name} takes the dimensions {spec.dimensions}, not {tuple(dimensions)}")
    for dimension, dimension_value in dimensions.items():
        _check_bounded(dimension, dimension_value)
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name}: {value!r} is not a number")
    if spec.unit == MILLISECONDS:
        value = round(value, 2)  # 10 µs is precise enough, and lists of durations never look like positions
    entry = (name, float(value), tuple(sorted(dimensions.items())))
    if _current.pending is None:
        _write([entry])
    else:
        _current.pending.append(entry)


def _check_bounded(dimension: str, value: str) -> None:
    if dimension == "Department":
        from chalicelib import departements

        allowed: tuple[str, ...] | frozenset[str] = departements.CODES
    elif dimension in CODE_VALUES:
        return
    else:
        allowed = BOUNDED_VALUES[dimension]
    if value not in allowed:
        raise ValueError(f"{value!r} is not a bounded value of the dimension {dimension}")


@contextlib.contextmanager
def timer(name: str, **dimensions: str) -> Iterator[None]:
    """Record the time the block took, in milliseconds."""
    started = time.perf_counter()
    try:
        yield
    finally:
        metric(name, (time.perf_counter() - started) * 1000, **dimensions)


def flush() -> None:
    """Write the figures gathered so far in this invocation."""
    pending = _current.pending
    if pending:
        _current.pending = []
        _write(pending)


def _write(entries: list[tuple[str, float, tuple[tuple[str, str], ...]]]) -> None:
    """EMF records through Powertools' provider: one per dimension set, ≤ 99 values a metric."""
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    groups: dict[tuple[tuple[str, str], ...], dict[str, list[float]]] = {}
    for name, value, dimensions in entries:
        values = groups.setdefault(dimensions, {}).setdefault(name, [])
        if METRICS[name].unit == COUNT and values:
            values[0] += value  # counts add up: one value per record
        else:
            values.append(value)
    service = _service()
    context = _current.context
    now = time.time()
    for dimensions, metrics in groups.items():
        for chunk in range(0, max(len(v) for v in metrics.values()), MAX_VALUES):
            provider = AmazonCloudWatchEMFProvider(namespace=NAMESPACE, default_dimensions={SERVICE_DIMENSION: service})
            if dimensions:
                provider.add_dimensions(**dict(dimensions))
            for name, values in metrics.items():
                for value in values[chunk : chunk + MAX_VALUES]:
                    provider.add_metric(name=name, unit=METRICS[name].unit, value=value)
            if not provider.metric_set:
                continue
            record = dict(provider.serialize_metric_set())
            if context is not None:  # EMF metadata: searchable in the logs, not a dimension
                record["function_name"] = getattr(context, "function_name", None)
                record["function_request_id"] = getattr(context, "aws_request_id", None)
            _output(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
            with _recent_lock:
                for name, values in metrics.items():
                    _recent.extend((now, name, v, dimensions) for v in values[chunk : chunk + MAX_VALUES])


def _output(line: str) -> None:
    if _sink is not None:
        _sink(line)
        return
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("1", "true"):
        return
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def capture() -> Iterator[list[dict[str, Any]]]:
    """The EMF records written while the block runs, decoded (tests, benchmarks)."""
    global _sink
    records: list[dict[str, Any]] = []
    previous = _sink
    _sink = lambda line: records.append(json.loads(line))  # noqa: E731
    try:
        yield records
    finally:
        _sink = previous


def _service() -> str:
    from chalicelib.config import get_settings

    return get_settings().prefix


def recent(seconds: float = RECENT_SECONDS, *, now: float | None = None) -> list[dict[str, Any]]:
    """What this process wrote in the last `seconds`: per metric, its total (counts) or count, mean,
    p95 and maximum (durations), and the same per dimension value."""
    since = (now if now is not None else time.time()) - seconds
    with _recent_lock:
        rows = [r for r in _recent if r[0] >= since]
    by_metric: dict[str, dict[tuple[tuple[str, str], ...], list[float]]] = {}
    for _, name, value, dimensions in rows:
        by_metric.setdefault(name, {}).setdefault(dimensions, []).append(value)
    summary = []
    for name in METRICS:
        if name not in by_metric:
            continue
        unit = METRICS[name].unit
        every = [v for values in by_metric[name].values() for v in values]
        entry: dict[str, Any] = {"name": name, "unit": unit, **_summarise(unit, every)}
        if METRICS[name].dimensions:
            entry["by"] = [
                {"dimensions": dict(dimensions), **_summarise(unit, values)}
                for dimensions, values in sorted(by_metric[name].items())
            ]
        summary.append(entry)
    return summary


def _summarise(unit: str, values: list[float]) -> dict[str, Any]:
    if unit == COUNT:
        return {"sum": round(sum(values), 3)}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "count": len(ordered),
        "mean": round(sum(ordered) / len(ordered), 3),
        "p95": round(p95, 3),
        "max": round(ordered[-1], 3),
    }


def summary(seconds: float = RECENT_SECONDS) -> dict[str, Any]:
    """The admin endpoint's answer: this process's figures of the window (`make run` is one process:
    API, worker and schedules). A deployed stage has a container per concurrent request, so its
    figures are read on the CloudWatch dashboard instead (404 here)."""
    from chalicelib.config import get_settings
    from chalicelib.errors import AppError

    if not get_settings().is_local:
        dashboard = f"{get_settings().prefix}-operations"
        raise AppError("not_found", f"Sur AWS, les indicateurs sont sur le tableau de bord CloudWatch « {dashboard} ».")
    now = time.time()
    return {"source": "process", "since": _iso(now - seconds), "until": _iso(now), "metrics": recent(seconds, now=now)}


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def forget_recent() -> None:
    with _recent_lock:
        _recent.clear()


# --- One invocation -------------------------------------------------------------------------------


_cold_start = True


@contextlib.contextmanager
def invocation(context: Any, name: str | None = None) -> Iterator[None]:
    """Around each handler (app.py's middleware): log keys, a trace segment, the metrics flushed.

    Nested calls (a handler invoking another in the same thread) join the outer invocation.
    """
    global _cold_start
    if _current.pending is not None:
        yield
        return
    _current.pending, _current.context = [], context
    cold, _cold_start = _cold_start, False
    configure_logging()
    _append_log_keys(context, name, cold)
    try:
        with _segment(name or getattr(context, "function_name", None) or "invocation"):
            yield
    finally:
        try:
            flush()
        except Exception as exc:  # metrics must never fail a request
            log.error("metrics not written: %s", type(exc).__name__)
        _current.pending, _current.context = None, None


# --- Logs -------------------------------------------------------------------------------------------


_formatter: Any = None
_logging_lock = threading.Lock()


def json_logs_wanted() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) or os.environ.get("LOG_FORMAT", "").lower() == "json"


def configure_logging(handlers: list[logging.Handler] | None = None, *, force: bool = False) -> Any:
    """Powertools' JSON formatter on the root logger's handlers (Lambda's own handler there), once.

    Returns the formatter, or None when JSON logs are not wanted (local runs keep plain lines).
    """
    global _formatter
    if _formatter is not None and not force:
        return _formatter
    if not force and not json_logs_wanted():
        return None
    with _logging_lock:
        from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

        formatter = LambdaPowertoolsFormatter(service=_service(), name="%(name)s", utc=True, use_rfc3339=True)
        root = logging.getLogger()
        targets = handlers if handlers is not None else root.handlers
        if handlers is None and not targets:
            stream: logging.Handler = logging.StreamHandler(sys.stdout)
            root.addHandler(stream)
            targets = [stream]
        for handler in targets:
            handler.setFormatter(formatter)
        if handlers is None:
            root.setLevel(os.environ.get("POWERTOOLS_LOG_LEVEL") or os.environ.get("LOG_LEVEL") or "INFO")
        _formatter = formatter
    return formatter


def reset_logging() -> None:
    global _formatter
    _formatter = None


def _append_log_keys(context: Any, name: str | None, cold: bool) -> None:
    if _formatter is None:
        return
    keys = {
        "function_name": getattr(context, "function_name", None) or name,
        "function_request_id": getattr(context, "aws_request_id", None),
        "function_memory_size": getattr(context, "memory_limit_in_mb", None),
        "cold_start": cold,
    }
    _formatter.thread_safe_append_keys(**{k: v for k, v in keys.items() if v is not None})


# --- Traces -------------------------------------------------------------------------------------------


_tracer: Any = None
_tracer_checked = False


def tracing_wanted() -> bool:
    """On Lambda unless POWERTOOLS_TRACE_DISABLED; locally only with TRACING=1."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in ("1", "true"):
        return False
    if os.environ.get("TRACING", "").lower() in ("1", "true", "xray"):
        return True
    return bool(os.environ.get("LAMBDA_TASK_ROOT")) and not os.environ.get("AWS_CHALICE_CLI_MODE")


def tracer() -> Any:
    """Powertools' Tracer (botocore patched: DynamoDB, SNS, SQS calls are subsegments), or None."""
    global _tracer, _tracer_checked
    if not _tracer_checked:
        with _logging_lock:
            if not _tracer_checked and tracing_wanted():
                from aws_lambda_powertools import Tracer

                _tracer = Tracer(service=_service(), disabled=False, patch_modules=("botocore",))
            _tracer_checked = True
    return _tracer


def reset_tracing() -> None:
    global _tracer, _tracer_checked
    _tracer, _tracer_checked = None, False


@contextlib.contextmanager
def _segment(name: str) -> Iterator[None]:
    """On Lambda, X-Ray's facade segment is already open; elsewhere (TRACING=1) open one."""
    active = tracer()
    if active is None or os.environ.get("LAMBDA_TASK_ROOT"):
        yield
        return
    active.provider.begin_segment(name)
    try:
        yield
    finally:
        active.provider.end_segment()


def traced(function: F) -> F:
    """An X-Ray subsegment `## module.function` around each call, when tracing is on."""
    label = f"## {function.__module__.rsplit('.', 1)[-1]}.{function.__qualname__}"

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        active = tracer()
        if active is None:
            return function(*args, **kwargs)
        with active.provider.in_subsegment(label):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]

"""Metrics, logs and traces (chalicelib/observability.py): the CloudWatch EMF records that real flows
write on stdout, the JSON log lines with the request id, X-Ray subsegments around AWS calls, and
the administrators' summary of the last hour."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import observability
from chalicelib.observability import METRICS, NAMESPACE
from tests.privacy_plugin import find_leaks, sensitive_values
from tests.test_webpush import run_worker
from tools.push_service import PushService

JSON = {"Content-Type": "application/json"}
SERVICE = "stopcamb-local"
ALERT = {
    "department": "34",
    "text": "Lodève : cambriolages de maisons cette nuit, fermez portes et volets.",
    "offence_type": "cambriolage_habitation",
    "offence_established": True,
}


def emf_records(text: str) -> list[dict[str, Any]]:
    """The EMF records among the lines a function printed (what CloudWatch Logs extracts)."""
    records = []
    for line in text.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            records.append(json.loads(line))
    return records


def check_emf(record: dict[str, Any]) -> None:
    """The rules of the embedded metric format that CloudWatch enforces (else it drops the record)."""
    directive = record["_aws"]
    assert isinstance(directive["Timestamp"], int)
    for metrics in directive["CloudWatchMetrics"]:
        assert metrics["Namespace"] == NAMESPACE
        assert 1 <= len(metrics["Metrics"]) <= 100
        for dimension_set in metrics["Dimensions"]:
            assert 1 <= len(dimension_set) <= 30
            assert all(isinstance(record[name], str) for name in dimension_set)
        for definition in metrics["Metrics"]:
            values = record[definition["Name"]]
            values = values if isinstance(values, list) else [values]
            assert 1 <= len(values) <= 100 and all(isinstance(v, int | float) for v in values)


def figures(records: list[dict[str, Any]]) -> dict[str, list[tuple[str, list[list[str]], dict[str, str], float]]]:
    """metric name → (unit, dimension sets, dimension values, total) of every record holding it."""
    found: dict[str, list[tuple[str, list[list[str]], dict[str, str], float]]] = {}
    for record in records:
        for metrics in record["_aws"]["CloudWatchMetrics"]:
            names = {name for dimension_set in metrics["Dimensions"] for name in dimension_set}
            for definition in metrics["Metrics"]:
                value = record[definition["Name"]]
                total = sum(value) if isinstance(value, list) else value
                entry = (definition["Unit"], metrics["Dimensions"], {n: record[n] for n in names}, total)
                found.setdefault(definition["Name"], []).append(entry)
    return found


@pytest.fixture(autouse=True)
def fresh_figures() -> Iterator[None]:
    observability.forget_recent()
    yield
    observability.forget_recent()


def test_a_send_a_refusal_and_a_web_push_batch_write_emf_records_with_names_units_and_dimensions(
    client: Any, push_service: PushService, auth_header: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    browser = {
        "platform": "web",
        "web_push": push_service.subscribe(),
        "department": "34",
        "accept_notifications": True,
    }
    assert client.http.post("/subscriptions", headers=JSON, body=json.dumps(browser)).status_code == 201
    headers = auth_header("corg-34")
    assert client.http.post("/corg/alerts", headers=headers, body=json.dumps(ALERT)).status_code == 201
    refused = {**ALERT, "text": "Appelez le 06 12 34 56 78 " + "x" * 160}
    assert client.http.post("/corg/alerts", headers=headers, body=json.dumps(refused)).status_code == 422
    capsys.readouterr()  # the requests' own records: see the next test
    assert run_worker(client) == []
    worker_records = emf_records(capsys.readouterr().out)

    assert worker_records, "the worker's invocation printed its EMF record"
    for record in worker_records:
        check_emf(record)
    worker = figures(worker_records)
    assert worker["WebPushSent"] == [("Count", [["service"]], {"service": SERVICE}, 1.0)]
    assert worker["WebPushBatchDuration"][0][:3] == ("Milliseconds", [["service"]], {"service": SERVICE})
    assert "WebPushFailed" not in worker and "WebPushPruned" not in worker  # zero figures are left out
    assert {r["function_name"] for r in worker_records} == {"webpush_worker"}
    assert all(r["function_request_id"] for r in worker_records)


def test_each_request_writes_its_own_records_when_it_ends(
    client: Any, push_service: PushService, auth_header: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    browser = {
        "platform": "web",
        "web_push": push_service.subscribe(),
        "department": "34",
        "accept_notifications": True,
    }
    headers = auth_header("corg-34")
    capsys.readouterr()

    assert client.http.post("/subscriptions", headers=JSON, body=json.dumps(browser)).status_code == 201
    created = emf_records(capsys.readouterr().out)
    assert client.http.post("/corg/alerts", headers=headers, body=json.dumps(ALERT)).status_code == 201
    sent = emf_records(capsys.readouterr().out)
    refused = {**ALERT, "text": "Appelez le 06 12 34 56 78 " + "x" * 160}
    assert client.http.post("/corg/alerts", headers=headers, body=json.dumps(refused)).status_code == 422
    refusal = emf_records(capsys.readouterr().out)

    for record in created + sent + refusal:
        check_emf(record)
        assert record["service"] == SERVICE and record["function_request_id"]
        assert find_leaks(json.dumps(record), set(sensitive_values(browser))) == []
    assert figures(created)["SubscriptionsCreated"] == [
        ("Count", [["service"], ["service", "Platform"]], {"service": SERVICE, "Platform": "web"}, 1.0)
    ]

    by_name = figures(sent)
    assert by_name["AlertsSent"] == [
        ("Count", [["service"], ["service", "Department"]], {"service": SERVICE, "Department": "34"}, 1.0)
    ]
    latencies = {entry[2]["Channel"]: entry for entry in by_name["HandoverLatency"]}
    assert set(latencies) == {"sns", "web"}
    for channel, (unit, dimension_sets, _, total) in latencies.items():
        assert (unit, dimension_sets) == ("Milliseconds", [["service"], ["service", "Channel"]]), channel
        assert 0 < total < 30_000
    assert latencies["web"][3] >= latencies["sns"][3]  # channels hand over one after the other
    assert "HandoverFailures" not in by_name
    assert len({r["function_request_id"] for r in sent}) == 1, "one request, one request id"

    refusals = figures(refusal)
    assert refusals["AlertsRefused"] == [
        ("Count", [["service"], ["service", "Department"]], {"service": SERVICE, "Department": "34"}, 1.0)
    ]
    rules = {entry[2]["Rule"]: entry for entry in refusals["AlertRefusalFindings"]}
    assert set(rules) == {"length", "phone_number"}
    assert all(e[:2] == ("Count", [["service"], ["service", "Rule"]]) and e[3] == 1.0 for e in rules.values())
    assert "AlertsSent" not in refusals


def test_a_channel_that_cannot_take_the_alert_counts_a_hand_over_failure(
    client: Any, auth_header: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.push import sns

    def down(_: Any) -> Any:
        raise ConnectionError("SNS unreachable")

    monkeypatch.setattr(sns.CHANNEL, "deliver", down)
    with observability.capture() as records:
        response = client.http.post("/corg/alerts", headers=auth_header("corg-34"), body=json.dumps(ALERT))
    assert response.json_body["delivery"]["status"] == "failed"
    by_name = figures(records)
    assert [e[2]["Channel"] for e in by_name["HandoverFailures"]] == ["sns"]
    assert [e[2]["Channel"] for e in by_name["HandoverLatency"]] == ["web"]


def test_logins_that_fail_then_are_throttled_are_counted(client: Any) -> None:
    from chalicelib.config import get_settings

    free = get_settings().login_free_attempts  # then this client waits (chalicelib/throttle.py)
    wrong = json.dumps({"username": "corg-34", "password": "not-the-password-1A!"})
    with observability.capture() as records:
        statuses = [client.http.post("/auth/login", headers=JSON, body=wrong).status_code for _ in range(free + 1)]
    assert statuses[-1] == 429 and statuses.count(401) == free
    by_name = figures(records)
    assert sum(e[3] for e in by_name["LoginFailures"]) == free
    assert sum(e[3] for e in by_name["LoginThrottled"]) == 1


def test_an_unsubscription_and_an_expiry_are_counted_per_platform(client: Any) -> None:
    from datetime import timedelta

    from chalicelib import subscriptions

    device = {"platform": "android", "token": "c4" * 40, "department": "74", "accept_notifications": True}
    other = {"platform": "ios", "token": "d5" * 32, "department": "74", "accept_notifications": True}
    first = client.http.post("/subscriptions", headers=JSON, body=json.dumps(device)).json_body["id"]
    client.http.post("/subscriptions", headers=JSON, body=json.dumps(other))
    with observability.capture() as records:
        assert client.http.delete(f"/subscriptions/{first}").status_code == 204
        swept = subscriptions.sweep_expired(subscriptions._now() + timedelta(days=61))
    assert swept == 1
    by_name = figures(records)
    assert [(e[2]["Platform"], e[3]) for e in by_name["SubscriptionsRemoved"]] == [("android", 1.0)]
    assert [(e[2]["Platform"], e[3]) for e in by_name["SubscriptionsExpired"]] == [("ios", 1.0)]


# --- The metric catalogue ---------------------------------------------------------------------------


def test_a_metric_outside_the_catalogue_or_with_unbounded_dimensions_is_refused() -> None:
    with pytest.raises(KeyError):
        observability.metric("AlertSent", Department="34")
    with pytest.raises(ValueError, match="dimensions"):
        observability.metric("AlertsSent")
    with pytest.raises(ValueError, match="bounded"):
        observability.metric("AlertsSent", Department="99")  # not a département: unbounded values
    with pytest.raises(ValueError, match="bounded"):
        observability.metric("SubscriptionsCreated", Platform="blackberry")
    with pytest.raises(ValueError, match="number"):
        observability.metric("WebPushSent", float("nan"))


def test_counts_of_one_invocation_add_up_and_durations_keep_every_value_99_per_record() -> None:
    with observability.capture() as records, observability.invocation(None, "test"):
        for _ in range(3):
            observability.metric("WebPushSent", 250)
        for value in range(150):
            observability.metric("WebPushBatchDuration", float(value))
    for record in records:
        check_emf(record)
    by_name = figures(records)
    assert [e[3] for e in by_name["WebPushSent"]] == [750.0]
    assert [len(r["WebPushBatchDuration"]) for r in records if "WebPushBatchDuration" in r] == [99, 51]
    assert sum(e[3] for e in by_name["WebPushBatchDuration"]) == sum(range(150))


def test_every_metric_has_a_cloudwatch_unit_and_bounded_dimensions() -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    units = {unit.value for unit in MetricUnit}
    for name, spec in METRICS.items():
        assert spec.unit in units, name
        assert set(spec.dimensions) <= {"Department", "Rule", "Channel", "Platform"}, name
        assert len(name) <= 255 and name.isidentifier()


# --- The administrators' summary ---------------------------------------------------------------------


def test_the_last_hour_is_summed_for_administrators_only(client: Any, auth_header: Any) -> None:
    for _ in range(2):
        assert (
            client.http.post("/corg/alerts", headers=auth_header("corg-34"), body=json.dumps(ALERT)).status_code == 201
        )
    assert client.http.get("/admin/metrics", headers=auth_header("corg-34")).status_code == 403
    assert client.http.get("/admin/metrics", headers=auth_header("opp-ggd34")).status_code == 403
    assert client.http.get("/admin/metrics").status_code == 401

    answer = client.http.get("/admin/metrics", headers=auth_header("admin"))
    assert answer.status_code == 200
    body = answer.json_body
    assert body["source"] == "process"
    metrics = {m["name"]: m for m in body["metrics"]}
    assert metrics["AlertsSent"]["sum"] == 2
    assert metrics["AlertsSent"]["by"] == [{"dimensions": {"Department": "34"}, "sum": 2}]
    latency = metrics["HandoverLatency"]
    assert latency["unit"] == "Milliseconds" and latency["count"] == 4
    assert 0 < latency["mean"] <= latency["p95"] <= latency["max"]
    assert client.http.get("/admin/metrics?minutes=0", headers=auth_header("admin")).status_code == 400


def test_figures_older_than_the_window_are_left_out() -> None:
    observability.metric("RemindersSent")
    import time

    later = time.time() + 3_601
    assert observability.recent(now=later) == []
    assert [m["name"] for m in observability.recent()] == ["RemindersSent"]


def test_a_deployed_stage_points_to_its_dashboard(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Lambda container sees only its own invocations: on AWS the figures are on the dashboard."""
    from chalicelib.config import get_settings
    from chalicelib.errors import AppError

    monkeypatch.setenv("STAGE", "dev")
    monkeypatch.setenv("RESOURCE_PREFIX", "stopcamb-dev")
    get_settings.cache_clear()
    try:
        with pytest.raises(AppError) as refused:
            observability.summary()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert refused.value.status == 404
    assert "stopcamb-dev-operations" in refused.value.to_problem()["detail"]


# --- Logs and traces -----------------------------------------------------------------------------------


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Powertools' formatter on a handler of the root logger, as on Lambda."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    observability.configure_logging([handler], force=True)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)
        observability.reset_logging()


def test_logs_are_json_with_the_request_id_and_function_name_and_nothing_sensitive(
    client: Any, push_service: PushService, auth_header: Any, json_logs: io.StringIO
) -> None:
    browser = {
        "platform": "web",
        "web_push": push_service.subscribe(),
        "department": "34",
        "accept_notifications": True,
    }
    client.http.post("/subscriptions", headers=JSON, body=json.dumps(browser))
    client.http.post("/corg/alerts", headers=auth_header("corg-34"), body=json.dumps(ALERT))
    client.http.get("/brigades/nearest?lat=43.61093&lon=3.87723")
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines() if line.strip()]

    ours = [line for line in lines if line.get("name", "").startswith("chalicelib.")]
    assert ours, "the flows logged through the JSON formatter"
    messages = {line["message"] for line in ours}
    assert {"subscription registered", "alert sent"} <= messages
    for line in ours:
        assert line["level"] in ("DEBUG", "INFO", "WARNING", "ERROR")
        assert line["service"] == SERVICE and line["function_name"] == "api_handler"
        assert len(line["function_request_id"]) >= 32 and "timestamp" in line
    sent = next(line for line in ours if line["message"] == "alert sent")
    assert (sent["department"], sent["revision"]) == ("34", 1)
    secrets = set(sensitive_values(browser)) | {ALERT["text"], "Lodève", "127.0.0.1"}
    text = json_logs.getvalue()
    assert find_leaks(text, secrets) == []
    assert "43.61" not in text and "3.877" not in text


def test_with_tracing_on_every_dynamodb_sns_and_sqs_call_is_a_subsegment(
    client: Any, push_service: PushService, auth_header: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_xray_sdk import global_sdk_config
    from aws_xray_sdk.core import xray_recorder

    class Emitter:
        def __init__(self) -> None:
            self.documents: list[dict[str, Any]] = []

        def send_entity(self, entity: Any) -> None:
            self.documents.append(json.loads(entity.serialize()))

        def set_daemon_address(self, address: Any) -> None:
            pass

        @property
        def ip(self) -> str:
            return "127.0.0.1"

        @property
        def port(self) -> int:
            return 2000

    browser = {
        "platform": "web",
        "web_push": push_service.subscribe(),
        "department": "34",
        "accept_notifications": True,
    }
    client.http.post("/subscriptions", headers=JSON, body=json.dumps(browser))
    headers = auth_header("corg-34")
    emitter = Emitter()
    monkeypatch.setenv("TRACING", "1")
    observability.reset_tracing()
    global_sdk_config.set_sdk_enabled(True)
    try:
        observability.tracer()
        xray_recorder.configure(emitter=emitter, sampling=False, context_missing="IGNORE_ERROR")
        assert client.http.post("/corg/alerts", headers=headers, body=json.dumps(ALERT)).status_code == 201
    finally:
        observability.reset_tracing()
        # botocore stays patched for the rest of the run: a disabled SDK makes the patch a pass-through
        global_sdk_config.set_sdk_enabled(False)

    def names(document: dict[str, Any]) -> Iterator[str]:
        yield document["name"]
        for child in document.get("subsegments", []):
            yield from names(child)

    segments = [d for d in emitter.documents if d.get("type") != "subsegment"]
    assert [s["name"] for s in segments] == ["api_handler"]
    trace = segments[0]["trace_id"]
    streamed = [d for d in emitter.documents if d.get("type") == "subsegment"]  # Powertools streams them
    assert streamed and all(d["trace_id"] == trace for d in streamed)
    found = [name for document in emitter.documents for name in names(document)]
    assert {"## alerts.send", "## sns.SnsChannel.deliver", "## webpush.WebPushChannel.deliver"} <= set(found)
    assert {"dynamodb", "sns", "sqs"} <= set(found), found


def test_tracing_is_off_locally_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRACING", "LAMBDA_TASK_ROOT", "POWERTOOLS_TRACE_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    assert observability.tracing_wanted() is False
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    assert observability.tracing_wanted() is True
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    assert observability.tracing_wanted() is False

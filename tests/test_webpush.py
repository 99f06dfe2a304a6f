"""The Web Push channel end to end: subscriptions at the loopback push service, fan-out to SQS,
the worker run as Lambda runs it, and what the browser's push service received."""

from __future__ import annotations

import hashlib
import itertools
import json
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.config import get_settings
from chalicelib.push import Notification, webpush
from chalicelib.push.webpush import CHANNEL, Batch
from chalicelib.push.webpush_sender import Policy, Target, VapidSigner
from tools.push_service import PushService

TEXT = "Cambriolage d'une maison rue des Lilas ce matin : fermez portes et fenêtres."


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webpush, "POLICY", Policy(backoff_seconds=0.01, max_retry_after_seconds=2, timeout_seconds=2))


def add_subscription(subscription: dict[str, Any], department: str = "34", platform: str = "web") -> str:
    """A stored subscription as POST /subscriptions leaves it."""
    from chalicelib.models import Subscription

    now = datetime.now(UTC)
    item = Subscription(
        secrets.token_urlsafe(16),
        platform=platform,
        department=department,
        audience=f"{department}#{platform}",
        token_hash=hashlib.sha256(subscription["endpoint"].encode()).hexdigest(),
        web_push={"endpoint": subscription["endpoint"], "keys": subscription["keys"]} if platform == "web" else None,
        created_at=now,
        refreshed_at=now,
        expires_at=now + timedelta(days=60),
        expiry_day=(now + timedelta(days=60)).date().isoformat(),
    )
    item.save()
    return str(item.id)


def subscribe_browser(client: Any, subscription: dict[str, Any], department: str = "34") -> None:
    """What the web app does: POST /subscriptions with `PushSubscription.toJSON()`."""
    body = {"platform": "web", "web_push": subscription, "department": department, "accept_notifications": True}
    response = client.http.post("/subscriptions", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 201


def record_alert(department: str = "34", *, revision: int = 1, status: str = "active") -> str:
    """The current alert and its log entry, as alerts.py records them before delivery; the log key."""
    from chalicelib.models import AlertLogEntry, CurrentAlert

    now = datetime.now(UTC)
    log_key = f"{now.isoformat()}#{secrets.token_hex(4)}"
    CurrentAlert(department, revision=revision, alert_id=f"alert-{revision}", status=status, log_key=log_key).save()
    AlertLogEntry(department, log_key, kind="sent", revision=revision, sent_by="corg-34", created_at=now).save()
    return log_key


def notification(**overrides: Any) -> Notification:
    fields: dict[str, Any] = {
        "department": "34",
        "title": "Alerte cambriolage - Hérault",
        "body": TEXT,
        "kind": "alert",
        "alert_id": "alert-1",
        "revision": 1,
        "ttl_seconds": 86_400,
        "log_key": None,
    }
    return Notification(**{**fields, **overrides})


def take(queue: str) -> list[tuple[Batch, int]]:
    """Every message of a queue (delayed ones too) with its delay, removing them."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs import sqs_backends

    messages = sqs_backends[DEFAULT_ACCOUNT_ID][get_settings().region].queues[queue]._messages
    taken = [(Batch.decode(m.body), max(0, round(m.delayed_until / 1000 - time.time()))) for m in messages]
    messages.clear()
    return taken


def run_worker(client: Any) -> list[tuple[Batch, int]]:
    """Feed the queued batches to the Lambda handler, 4 per invocation as SQS would; what it requeued."""
    queue = get_settings().webpush_queue_name
    bodies = [batch.body for batch, _ in take(queue)]
    for start in range(0, len(bodies), 4):
        event = client.events.generate_sqs_event(message_bodies=bodies[start : start + 4], queue_name=queue)
        client.lambda_.invoke("webpush_worker", event)
    return take(queue)


def target(subscription: dict[str, Any]) -> Target:
    keys = subscription["keys"]
    return Target(secrets.token_urlsafe(8), subscription["endpoint"], keys["p256dh"], keys["auth"])


def counts(department: str, log_key: str) -> dict[str, int] | None:
    from chalicelib.models import AlertLogEntry

    web = AlertLogEntry.get(department, log_key).web
    return None if web is None else {"sent": web.sent, "failed": web.failed, "pruned": web.pruned}


def stored(subscription_id: str) -> bool:
    from chalicelib.models import Subscription

    return Subscription.count(subscription_id) == 1


# -- fan-out -----------------------------------------------------------------------------------------


def test_deliver_queues_the_departments_web_subscriptions_in_batches_without_a_scan(
    aws: Any, push_service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.models import Subscription

    monkeypatch.setattr(webpush, "BATCH_SUBSCRIPTIONS", 2)
    monkeypatch.setattr(Subscription, "scan", classmethod(lambda *a, **k: pytest.fail("a table scan")))
    ids = {add_subscription(push_service.subscribe()) for _ in range(5)}
    add_subscription(push_service.subscribe(), department="74")
    add_subscription(push_service.subscribe(), platform="ios")

    result = CHANNEL.deliver(notification())

    assert (result.channel, result.ok, result.detail) == ("web", True, {"batches": 3, "subscriptions": 5})
    batches = [batch for batch, _ in take(get_settings().webpush_queue_name)]
    assert sorted(len(batch.targets) for batch in batches) == [1, 2, 2]
    assert {target.id for batch in batches for target in batch.targets} == ids
    assert all(batch.notification == notification() and batch.attempt == 0 for batch in batches)


def test_messages_stay_under_the_sqs_size_limit_and_calls_carry_ten_at_most(
    aws: Any, push_service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import aws as aws_clients

    monkeypatch.setattr(webpush, "BATCH_MAX_BYTES", 100)  # one subscription per message
    sqs = aws_clients.client("sqs")
    calls: list[int] = []
    real = sqs.send_message_batch
    monkeypatch.setattr(sqs, "send_message_batch", lambda **kw: calls.append(len(kw["Entries"])) or real(**kw))
    for _ in range(12):
        add_subscription(push_service.subscribe())

    assert CHANNEL.deliver(notification()).detail == {"batches": 12, "subscriptions": 12}
    assert calls == [10, 2]


def test_a_queue_failure_raises_if_nothing_was_queued_and_is_reported_after_some_was(
    aws: Any, push_service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    monkeypatch.setattr(webpush, "BATCH_MAX_BYTES", 100)  # one subscription per message
    monkeypatch.setattr(webpush, "CALL_MAX_BYTES", 100)  # one message per call
    for _ in range(3):
        add_subscription(push_service.subscribe())
    calls: list[int] = []
    real = webpush._enqueue

    def flaky(url: str, batches: list[Batch], **kwargs: Any) -> None:
        calls.append(len(batches))
        if len(calls) >= fail_from:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "SendMessageBatch")
        real(url, batches, **kwargs)

    monkeypatch.setattr(webpush, "_enqueue", flaky)
    fail_from = 1
    with pytest.raises(ClientError):
        CHANNEL.deliver(notification())
    calls.clear()
    fail_from = 3
    result = CHANNEL.deliver(notification())
    assert (result.ok, result.detail) == (False, {"batches": 2, "subscriptions": 2})


def test_a_department_without_web_subscribers_queues_nothing(aws: Any, vapid: Any) -> None:
    result = CHANNEL.deliver(notification(department="2A"))
    assert (result.ok, result.detail) == (True, {"batches": 0, "subscriptions": 0})
    assert take(get_settings().webpush_queue_name) == []


def test_a_national_push_reaches_web_subscribers_of_every_department(aws: Any, push_service: PushService) -> None:
    ids = {add_subscription(push_service.subscribe(), department=code) for code in ("01", "2A", "34", "976")}
    result = CHANNEL.deliver(notification(department=None, kind="prevention", alert_id="prev-1"))
    assert result.detail == {"batches": 1, "subscriptions": 4}
    ((batch, _),) = take(get_settings().webpush_queue_name)
    assert {target.id for target in batch.targets} == ids


# -- the worker ---------------------------------------------------------------------------------------


def test_an_alert_reaches_the_browser_encrypted_with_its_topic_ttl_and_urgency(
    client: Any, push_service: PushService
) -> None:
    subscription = push_service.subscribe()
    subscribe_browser(client, subscription)
    log_key = record_alert(revision=1)

    CHANNEL.deliver(notification(log_key=log_key))
    assert run_worker(client) == []

    (delivery,) = push_service.deliveries(subscription["endpoint"])
    assert delivery.json() == {
        "title": "Alerte cambriolage - Hérault",
        "body": TEXT,
        "tag": "alerte-34",
        "alert_id": "alert-1",
        "revision": 1,
        "kind": "alert",
        "department": "34",
        "url": "/?departement=34",
    }
    assert (delivery.topic, delivery.urgency) == ("alerte-34", "high")
    assert 86_300 < delivery.ttl <= 86_400
    assert delivery.vapid["aud"] == push_service.origin
    assert counts("34", log_key) == {"sent": 1, "failed": 0, "pruned": 0}


def test_an_operators_alert_then_its_retraction_reach_a_subscribed_browser(
    client: Any, push_service: PushService, auth_header: Callable[[str], dict[str, str]]
) -> None:
    subscription = push_service.subscribe()
    subscribe_browser(client, subscription)
    headers = auth_header("corg-34")
    alert = {"department": "34", "text": TEXT, "offence_type": "cambriolage_habitation", "offence_established": True}

    sent = client.http.post("/corg/alerts", headers=headers, body=json.dumps(alert))
    assert sent.json_body["delivery"]["channels"]["web"] == {"ok": True}
    run_worker(client)
    assert client.http.delete("/corg/alerts/34", headers=headers).status_code == 200
    run_worker(client)

    first, second = (d.json() for d in push_service.deliveries(subscription["endpoint"]))
    assert (first["kind"], first["body"], first["revision"]) == ("alert", TEXT, 1)
    assert (second["kind"], second["revision"]) == ("retraction", 2)
    assert first["tag"] == second["tag"] == "alerte-34"
    log = client.http.get("/corg/alerts?department=34", headers=headers).json_body["entries"]
    assert [entry["delivery"]["web"] for entry in log] == [{"sent": 1, "failed": 0, "pruned": 0}] * 2


def test_a_national_prevention_push_reaches_browsers_of_every_department_under_its_own_topic(
    client: Any, push_service: PushService, auth_header: Callable[[str], dict[str, str]]
) -> None:
    from chalicelib.models import AlertLogEntry

    subscriptions = [push_service.subscribe() for _ in range(2)]
    for subscription, department in zip(subscriptions, ("34", "974"), strict=True):
        subscribe_browser(client, subscription, department)
    text = "Vacances : pensez à l'Opération Tranquillité Vacances avant de partir."

    response = client.http.post(
        "/opp/prevention-push", headers=auth_header("opp-ggd34"), body=json.dumps({"text": text})
    )
    assert response.status_code == 201
    run_worker(client)

    deliveries = push_service.deliveries()
    assert sorted(d.endpoint for d in deliveries) == sorted(s["endpoint"] for s in subscriptions)
    assert {(d.topic, d.json()["tag"], d.json()["kind"], d.json()["url"]) for d in deliveries} == {
        ("prevention-nationale", "prevention-nationale", "prevention", "/")
    }
    (entry,) = AlertLogEntry.query("national")
    assert (entry.web.sent, entry.web.failed, entry.web.pruned) == (2, 0, 0)


def test_a_new_alert_replaces_the_previous_one_whose_pending_batch_is_dropped(
    client: Any, push_service: PushService
) -> None:
    subscription = push_service.subscribe()
    add_subscription(subscription)
    first = record_alert(revision=1)
    CHANNEL.deliver(notification(log_key=first))
    second = record_alert(revision=2)  # sent before the worker ran the first batch
    CHANNEL.deliver(notification(revision=2, alert_id="alert-2", body="Nouvelle alerte", log_key=second))

    run_worker(client)

    (delivery,) = push_service.deliveries()
    assert (delivery.json()["revision"], delivery.json()["tag"], delivery.topic) == (2, "alerte-34", "alerte-34")
    assert counts("34", first) is None
    assert counts("34", second) == {"sent": 1, "failed": 0, "pruned": 0}


def test_a_retracted_alert_is_not_sent_late_but_its_retraction_is(client: Any, push_service: PushService) -> None:
    add_subscription(push_service.subscribe())
    record_alert(revision=3)
    CHANNEL.deliver(notification(revision=3))
    record_alert(revision=3, status="retracted")
    CHANNEL.deliver(notification(revision=3, kind="retraction", body="Message précédent annulé"))

    run_worker(client)

    assert [d.json()["kind"] for d in push_service.deliveries()] == ["retraction"]


def test_a_prevention_push_to_a_department_is_not_taken_for_a_superseded_alert(
    client: Any, push_service: PushService
) -> None:
    add_subscription(push_service.subscribe())
    record_alert(revision=4)
    CHANNEL.deliver(notification(kind="prevention", alert_id="prevention-1", revision=0))

    run_worker(client)

    assert [d.json()["kind"] for d in push_service.deliveries()] == ["prevention"]


def test_a_batch_past_its_ttl_is_dropped(aws: Any, push_service: PushService) -> None:
    late = Batch(notification(), expires_at=time.time() - 1, targets=(target(push_service.subscribe()),))

    report = webpush.send_batches([late.body])

    assert (report.dropped, report.dropped_batches, report.sent) == (1, ["late"], 0)
    assert push_service.attempts() == []


def test_subscriptions_answered_404_or_410_are_deleted_and_counted(client: Any, push_service: PushService) -> None:
    gone, unknown, alive = push_service.subscribe(), push_service.subscribe(), push_service.subscribe()
    ids = [add_subscription(s) for s in (gone, unknown, alive)]
    push_service.unsubscribe(gone)
    push_service.answer(404, endpoint=unknown["endpoint"])
    log_key = record_alert()

    CHANNEL.deliver(notification(log_key=log_key))
    assert run_worker(client) == []

    assert [stored(i) for i in ids] == [False, False, True]
    assert counts("34", log_key) == {"sent": 1, "failed": 0, "pruned": 2}


def test_server_errors_are_retried_with_growing_backoff_until_sent(
    client: Any, push_service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webpush, "POLICY", Policy(backoff_seconds=0.1))  # gaps of ~0.1, 0.2, 0.4 s
    subscription = push_service.subscribe()
    add_subscription(subscription)
    push_service.answer(503, endpoint=subscription["endpoint"], times=3)
    log_key = record_alert()

    CHANNEL.deliver(notification(log_key=log_key))
    assert run_worker(client) == []

    attempts = push_service.attempts(subscription["endpoint"])
    assert [a.status for a in attempts] == [503, 503, 503, 201]
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(attempts)]
    assert gaps[0] < gaps[2]
    assert counts("34", log_key) == {"sent": 1, "failed": 0, "pruned": 0}


def test_a_429_retry_after_pauses_every_send_to_that_push_service(
    aws: Any, push_service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webpush, "POLICY", Policy(backoff_seconds=0.01, max_retry_after_seconds=2, concurrency=2))
    limited, slow, queued = (push_service.subscribe() for _ in range(3))
    push_service.answer(429, endpoint=limited["endpoint"], retry_after=1, times=1)
    push_service.delay(0.2, endpoint=slow["endpoint"])
    batch = Batch(notification(), time.time() + 60, (target(limited), target(slow), target(queued)))

    report = webpush.send_batches([batch.body])

    assert report.sent == 3
    refused, retried = push_service.attempts(limited["endpoint"])
    (after_slow,) = push_service.attempts(queued["endpoint"])  # its sender was free after 0.2 s
    assert (refused.status, retried.status, after_slow.status) == (429, 201, 201)
    assert retried.at - refused.at >= 1.0
    assert after_slow.at - refused.at >= 1.0


def test_a_retry_after_beyond_the_bound_is_left_to_a_later_redelivery(aws: Any, push_service: PushService) -> None:
    subscription = push_service.subscribe()
    subscription_id = add_subscription(subscription)
    push_service.answer(429, retry_after=3600)
    CHANNEL.deliver(notification())

    report = webpush.send_batches([batch.body for batch, _ in take(get_settings().webpush_queue_name)])

    assert (report.sent, report.redelivered) == (0, 1)
    assert len(push_service.attempts()) == 1
    ((again, delay),) = take(get_settings().webpush_queue_name)
    assert ([t.id for t in again.targets], again.attempt, delay) == ([subscription_id], 1, 30)


def test_still_failing_subscriptions_are_redelivered_later_then_dead_lettered_and_counted(
    client: Any, push_service: PushService
) -> None:
    healthy, broken = push_service.subscribe(), push_service.subscribe()
    add_subscription(healthy)
    broken_id = add_subscription(broken)
    push_service.answer(500, endpoint=broken["endpoint"])
    log_key = record_alert()
    CHANNEL.deliver(notification(log_key=log_key))

    delays = []
    requeued = run_worker(client)
    while requeued:
        ((batch, delay),) = requeued
        assert [t.id for t in batch.targets] == [broken_id]
        delays.append(delay)
        event = client.events.generate_sqs_event(message_bodies=[batch.body], queue_name="q")
        client.lambda_.invoke("webpush_worker", event)
        requeued = take(get_settings().webpush_queue_name)

    assert delays == [30, 60, 120, 240]
    assert len(push_service.attempts(broken["endpoint"])) == 5 * webpush.POLICY.tries
    ((dead, _),) = take(get_settings().webpush_dead_letter_queue_name)
    assert ([t.id for t in dead.targets], dead.attempt) == ([broken_id], 0)
    assert stored(broken_id)
    assert counts("34", log_key) == {"sent": 1, "failed": 1, "pruned": 0}


def test_a_refusal_that_retrying_cannot_fix_is_counted_failed_at_once(client: Any, push_service: PushService) -> None:
    subscription = push_service.subscribe()
    subscription_id = add_subscription(subscription)
    push_service.answer(413, endpoint=subscription["endpoint"])
    log_key = record_alert()

    CHANNEL.deliver(notification(log_key=log_key))
    assert run_worker(client) == []

    assert len(push_service.attempts()) == 1
    assert stored(subscription_id)
    assert counts("34", log_key) == {"sent": 0, "failed": 1, "pruned": 0}


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_and_counts_as_a_logged_failure(
    client: Any, push_service: PushService, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    redirected, elsewhere = push_service.subscribe(), push_service.subscribe()
    subscription_id = add_subscription(redirected)
    push_service.answer(status, endpoint=redirected["endpoint"], location=elsewhere["endpoint"])
    log_key = record_alert()

    CHANNEL.deliver(notification(log_key=log_key))
    assert run_worker(client) == []

    assert push_service.attempts(elsewhere["endpoint"]) == []  # nothing posted where the redirect pointed
    assert [a.status for a in push_service.attempts(redirected["endpoint"])] == [status]
    assert counts("34", log_key) == {"sent": 0, "failed": 1, "pruned": 0}
    assert stored(subscription_id)
    assert f"redirect ({status})" in caplog.text


def test_an_unreachable_push_service_is_retried_then_redelivered(aws: Any, vapid: Any) -> None:
    with PushService(vapid_public_key=vapid["public_key"]) as service:
        subscription = service.subscribe()  # the service is gone when the worker sends
    add_subscription(subscription)
    CHANNEL.deliver(notification())

    report = webpush.send_batches([batch.body for batch, _ in take(get_settings().webpush_queue_name)])

    assert (report.sent, report.redelivered) == (0, 1)


def test_a_push_service_too_slow_to_answer_is_retried_then_redelivered(
    aws: Any, push_service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webpush, "POLICY", Policy(tries=2, backoff_seconds=0.01, timeout_seconds=0.2))
    subscription = push_service.subscribe()
    push_service.delay(0.5, endpoint=subscription["endpoint"])
    batch = Batch(notification(), time.time() + 60, (target(subscription),))

    report = webpush.send_batches([batch.body])

    assert (report.sent, report.redelivered) == (0, 1)
    time.sleep(0.5)  # the service records an attempt when it answers
    assert len(push_service.attempts(subscription["endpoint"])) == 2


def test_counts_of_several_batches_and_workers_add_up(
    client: Any, push_service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webpush, "BATCH_SUBSCRIPTIONS", 2)
    subscriptions = [push_service.subscribe() for _ in range(9)]
    for subscription in subscriptions:
        add_subscription(subscription)
    push_service.unsubscribe(subscriptions[0])
    log_key = record_alert()

    CHANNEL.deliver(notification(log_key=log_key))
    run_worker(client)  # 5 batches: two invocations

    assert counts("34", log_key) == {"sent": 8, "failed": 0, "pruned": 1}


def test_each_push_service_gets_its_own_audience_and_one_token_an_hour(
    client: Any, push_service: PushService, vapid: Any
) -> None:
    with PushService(vapid_public_key=vapid["public_key"]) as other:
        for service in (push_service, other, push_service, other):
            add_subscription(service.subscribe())
        CHANNEL.deliver(notification())
        run_worker(client)
        CHANNEL.deliver(notification())
        run_worker(client)
        theirs = other.deliveries()
    ours = push_service.deliveries()

    assert len(ours) == len(theirs) == 4
    assert {d.vapid["aud"] for d in ours} == {push_service.origin}
    assert {d.vapid["aud"] for d in theirs} == {other.origin}
    assert len({d.vapid["exp"] for d in ours}) == len({d.vapid["exp"] for d in theirs}) == 1


def test_a_vapid_token_is_signed_again_after_an_hour(vapid_keys: dict[str, str]) -> None:
    now = [1_800_000_000.0]
    signer = VapidSigner(vapid_keys["private_key"], "mailto:opp@example.fr", clock=lambda: now[0])
    first = signer.authorization("https://fcm.googleapis.com")
    now[0] += 3_599
    assert signer.authorization("https://fcm.googleapis.com") == first
    assert signer.authorization("https://web.push.apple.com") != first
    now[0] += 1
    assert signer.authorization("https://fcm.googleapis.com") != first


def test_the_worker_refuses_to_send_without_a_vapid_key(
    aws: Any, push_service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_subscription(push_service.subscribe())
    CHANNEL.deliver(notification())
    monkeypatch.setenv("VAPID_PRIVATE_KEY", "")
    get_settings.cache_clear()
    bodies = [batch.body for batch, _ in take(get_settings().webpush_queue_name)]

    with pytest.raises(RuntimeError, match="VAPID_PRIVATE_KEY"):
        webpush.send_batches(bodies)
    assert push_service.attempts() == []


def test_the_worker_is_wired_to_the_web_push_queue() -> None:
    from chalice.app import SQSEventConfig

    from app import app

    (source,) = [s for s in app.event_sources if isinstance(s, SQSEventConfig)]
    assert (source.name, source.queue) == ("webpush_worker", get_settings().webpush_queue_name)


# -- dead endpoints are disabled, not retried forever ------------------------------------------------


def send_alert(client: Any, revision: int) -> str:
    log_key = record_alert(revision=revision)
    CHANNEL.deliver(notification(log_key=log_key, revision=revision, alert_id=f"alert-{revision}"))
    return log_key


def requeue_everything(client: Any) -> int:
    """Like `drain`, but feeding the redelivered batches back; how many times something was requeued."""
    rounds = 0
    requeued = run_worker(client)
    while requeued:
        rounds += 1
        bodies = [batch.body for batch, _ in requeued]
        event = client.events.generate_sqs_event(message_bodies=bodies, queue_name="q")
        client.lambda_.invoke("webpush_worker", event)
        requeued = take(get_settings().webpush_queue_name)
    return rounds


def subscription(subscription_id: str) -> Any:
    from chalicelib.models import Subscription

    return Subscription.get(subscription_id)


def test_a_push_service_failing_a_browser_on_consecutive_alerts_disables_it_and_keeps_the_dlq_for_real_faults(
    client: Any, push_service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import subscriptions

    monkeypatch.setenv("WEBPUSH_MAX_FAILURES", "3")
    get_settings.cache_clear()
    healthy, dead = push_service.subscribe(), push_service.subscribe()
    healthy_id, dead_id = add_subscription(healthy), add_subscription(dead)
    push_service.answer(503, endpoint=dead["endpoint"])

    requeue_everything_rounds = [requeue_everything_alert(client, revision) for revision in (1, 2, 3)]

    assert requeue_everything_rounds == [4, 0, 0]  # only the first failure is retried by SQS
    dead_letters = take(get_settings().webpush_dead_letter_queue_name)
    assert [[t.id for t in batch.targets] for batch, _ in dead_letters] == [[dead_id]]
    item = subscription(dead_id)
    assert (item.failures, item.audience, item.disabled_at is not None) == (3, "disabled#web", True)
    assert subscriptions.count("34") == 1  # the console counts the healthy browser only
    attempts = len(push_service.attempts(dead["endpoint"]))
    requeue_everything_alert(client, 4)
    assert len(push_service.attempts(dead["endpoint"])) == attempts  # a disabled browser is not sent to
    assert len(push_service.deliveries(healthy["endpoint"])) == 4
    assert subscription(healthy_id).failures is None

    assert subscriptions.sweep_disabled() == 1
    assert not stored(dead_id) and stored(healthy_id)
    get_settings.cache_clear()


def requeue_everything_alert(client: Any, revision: int) -> int:
    send_alert(client, revision)
    return requeue_everything(client)


@pytest.mark.parametrize("status", [400, 403, 413, 500, 307])
def test_every_refusal_but_404_410_429_counts_toward_disabling(
    client: Any, push_service: PushService, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBPUSH_MAX_FAILURES", "2")
    get_settings.cache_clear()
    dead = push_service.subscribe()
    dead_id = add_subscription(dead)
    push_service.answer(status, endpoint=dead["endpoint"])
    for revision in (1, 2):
        requeue_everything_alert(client, revision)
    take(get_settings().webpush_dead_letter_queue_name)
    assert subscription(dead_id).audience == "disabled#web"
    get_settings.cache_clear()


def test_a_throttled_push_service_and_a_success_never_disable(
    client: Any, push_service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBPUSH_MAX_FAILURES", "2")
    get_settings.cache_clear()
    flaky, throttled = push_service.subscribe(), push_service.subscribe()
    flaky_id, throttled_id = add_subscription(flaky), add_subscription(throttled)
    push_service.answer(429, endpoint=throttled["endpoint"], retry_after=3600)
    push_service.answer(500, endpoint=flaky["endpoint"], times=webpush.POLICY.tries)  # fails one alert
    requeue_everything_alert(client, 1)  # flaky: sent on a redelivery
    push_service.answer(500, endpoint=flaky["endpoint"], times=webpush.POLICY.tries * 5)
    requeue_everything_alert(client, 2)  # flaky: fails the whole alert (1 in a row)
    take(get_settings().webpush_dead_letter_queue_name)
    push_service.reset()
    push_service.answer(429, endpoint=throttled["endpoint"], retry_after=3600)
    requeue_everything_alert(client, 3)  # flaky: sent, its streak ends
    assert (subscription(flaky_id).failures, subscription(flaky_id).audience) == (None, "34#web")
    assert (subscription(throttled_id).failures, subscription(throttled_id).audience) == (None, "34#web")
    get_settings.cache_clear()


def test_pruned_browsers_free_their_push_services_count(client: Any, push_service: PushService) -> None:
    from chalicelib import limits
    from chalicelib.push.push_services import LOOPBACK

    gone = push_service.subscribe()
    subscribe_browser(client, gone)
    subscribe_browser(client, push_service.subscribe())
    assert limits.counted(f"push-service#{LOOPBACK}") == 2
    push_service.unsubscribe(gone)
    requeue_everything_alert(client, 1)
    assert limits.counted(f"push-service#{LOOPBACK}") == 1

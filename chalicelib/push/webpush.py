"""The Web Push channel: a notification fans out to browsers through SQS and a worker.

- `deliver()` (called by alerts and the feed after recording a push) pages through the target's
  web subscriptions on the `by-audience` index (never a scan) and enqueues messages of at most
  `BATCH_SUBSCRIPTIONS` subscriptions, each carrying what the worker needs to send (endpoint and
  keys) so that sending reads nothing but the département's current alert.
- `send_batches()` (the `@app.on_sqs_message` worker) drops batches that are late or whose alert
  was superseded, sends the rest concurrently (`webpush_sender`), deletes subscriptions the push
  service says are gone, hands the ones still failing back to SQS with a growing delay and, after
  `len(REDELIVERY_DELAYS)` redeliveries, to the dead-letter queue; sent, failed and pruned counts
  are added to the alert's log entry.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from functools import cache, cached_property, lru_cache
from typing import Any

from chalicelib import aws
from chalicelib.config import get_settings
from chalicelib.observability import metric, traced
from chalicelib.push import DeliveryResult, Notification
from chalicelib.push.webpush_sender import Job, Outcome, Policy, Push, Target, VapidSigner, send

log = logging.getLogger(__name__)

BATCH_SUBSCRIPTIONS = 250
BATCH_MAX_BYTES = 120_000  # SQS refuses messages (and SendMessageBatch calls) over 256 KiB
CALL_MAX_BYTES = 250_000
REDELIVERY_DELAYS = (30, 60, 120, 240)  # seconds before each new try of what still fails
POLICY = Policy()
LAMBDA_MARGIN_SECONDS = 10.0  # stop sending this long (at most a fifth) before the Lambda times out
DEFAULT_BUDGET_SECONDS = 60.0
NATIONAL_LOG_PARTITION = "national"  # alert-log partition of national (department None) pushes
REVISED_KINDS = ("alert", "retraction")  # revisions of a département's current alert


@dataclass(frozen=True)
class Batch:
    """One SQS message: a notification and the subscriptions it still has to reach."""

    notification: Notification
    expires_at: float  # epoch seconds: from then on the push is late and is dropped
    targets: tuple[Target, ...]
    attempt: int = 0

    @cached_property
    def body(self) -> str:
        """The message body (computed once: its size decides how batches are grouped)."""
        return json.dumps(
            {
                "notification": asdict(self.notification),
                "expires_at": self.expires_at,
                "attempt": self.attempt,
                "subscriptions": [[t.id, t.endpoint, t.p256dh, t.auth] for t in self.targets],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, body: str) -> Batch:
        document = json.loads(body)
        return cls(
            notification=Notification(**document["notification"]),
            expires_at=float(document["expires_at"]),
            targets=tuple(Target(*row) for row in document["subscriptions"]),
            attempt=int(document["attempt"]),
        )


@dataclass
class Counts:
    """Deliveries of one notification, as its log entry adds them up."""

    sent: int = 0
    failed: int = 0
    pruned: int = 0


@dataclass
class Report(Counts):
    """What one invocation of the worker did, in subscriptions."""

    redelivered: int = 0
    dead_lettered: int = 0
    dropped: int = 0
    dropped_batches: list[str] = field(default_factory=list)  # why each dropped batch was dropped

    def add(self, counts: Counts) -> None:
        self.sent += counts.sent
        self.failed += counts.failed
        self.pruned += counts.pruned


class WebPushChannel:
    name = "web"

    @traced
    def deliver(self, notification: Notification) -> DeliveryResult:
        """Enqueue the notification for every web subscription of its audience."""
        expires_at = time.time() + notification.ttl_seconds
        batches = subscriptions = 0
        try:
            for group in _calls(Batch(notification, expires_at, chunk) for chunk in _audience(notification.department)):
                _enqueue(queue_url(get_settings().webpush_queue_name), group)
                batches += len(group)
                subscriptions += sum(len(batch.targets) for batch in group)
        except Exception:
            if not batches:
                raise
            log.exception("web push: only %d batches enqueued for %s", batches, notification.alert_id)
            return DeliveryResult(self.name, False, {"batches": batches, "subscriptions": subscriptions})
        return DeliveryResult(self.name, True, {"batches": batches, "subscriptions": subscriptions})


CHANNEL = WebPushChannel()


# -- fan-out ----------------------------------------------------------------------------------------


def _audience(department: str | None) -> Iterator[tuple[Target, ...]]:
    """The web subscriptions of a département (of all when None), in batches sized for SQS."""
    from chalicelib import departements
    from chalicelib.models import Subscription

    chunk: list[Target] = []
    size = 0
    for code in departements.CODES if department is None else (department,):
        # only the two attributes sending needs: PynamoDB then builds no dates nor the rest
        # (≈ 0.2 ms saved per browser on a national push; docs/capacity.md)
        pages = Subscription.by_audience.query(
            f"{code}#web", page_size=BATCH_SUBSCRIPTIONS, attributes_to_get=["id", "web_push"]
        )
        for item in pages:
            if not item.web_push:
                continue
            keys = item.web_push["keys"]
            target = Target(item.id, item.web_push["endpoint"], keys["p256dh"], keys["auth"])
            chunk.append(target)
            size += len(target.id) + len(target.endpoint) + len(target.p256dh) + len(target.auth) + 12
            if len(chunk) == BATCH_SUBSCRIPTIONS or size >= BATCH_MAX_BYTES:
                yield tuple(chunk)
                chunk, size = [], 0
    if chunk:
        yield tuple(chunk)


def _calls(batches: Iterable[Batch]) -> Iterator[list[Batch]]:
    """Batches grouped for SendMessageBatch: at most 10 messages and CALL_MAX_BYTES per call."""
    group: list[Batch] = []
    size = 0
    for batch in batches:
        length = len(batch.body.encode())
        if group and (len(group) == 10 or size + length > CALL_MAX_BYTES):
            yield group
            group, size = [], 0
        group.append(batch)
        size += length
    if group:
        yield group


def _enqueue(url: str, batches: list[Batch], *, delay: int = 0) -> None:
    entries = [{"Id": str(i), "MessageBody": b.body, "DelaySeconds": delay} for i, b in enumerate(batches)]
    answer = aws.client("sqs").send_message_batch(QueueUrl=url, Entries=entries)
    if answer.get("Failed"):
        raise RuntimeError(f"SQS refused {len(answer['Failed'])} web-push batches: {answer['Failed'][0].get('Code')}")


@cache
def queue_url(name: str) -> str:
    """The URL of a queue of this deployment: from the environment (bootstrap, infra) or SQS."""
    settings = get_settings()
    known = {
        settings.webpush_queue_name: os.environ.get("WEBPUSH_QUEUE_URL"),
        settings.webpush_dead_letter_queue_name: os.environ.get("WEBPUSH_DLQ_URL"),
    }
    return known.get(name) or str(aws.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


# -- the worker ---------------------------------------------------------------------------------------


@traced
def send_batches(bodies: Iterable[str], *, context: Any = None) -> Report:
    """Send the batches of one worker invocation (the SQS records' bodies) together.

    DynamoDB is read once per département and written once per notification, however many
    batches the invocation holds. An exception (DynamoDB or SQS unavailable, an unreadable message)
    fails the invocation: SQS delivers the messages again and, after the queue's maxReceiveCount,
    moves them to the DLQ.
    """
    report = Report()
    now = time.time()
    currents: dict[str, Any] = {}
    live: list[Batch] = []
    for batch in map(Batch.decode, bodies):
        reason = _stale(batch, now, currents)
        if reason:
            report.dropped += len(batch.targets)
            report.dropped_batches.append(reason)
            log.info("web push: batch of %s dropped (%s)", batch.notification.alert_id, reason)
        else:
            live.append(batch)
    jobs = [Job(_push(batch, now), batch.targets) for batch in live]
    if jobs:
        started = time.perf_counter()
        send(jobs, signer=signer(), policy=POLICY, deadline=_deadline(context))
        metric("WebPushBatchDuration", (time.perf_counter() - started) * 1000)
    tallies: dict[Notification, Counts] = {}
    gone: list[str] = []
    for batch, job in zip(live, jobs, strict=True):
        gone += _settle(batch, job.outcomes, tallies.setdefault(batch.notification, Counts()), report)
    _prune(gone)
    for notification, counts in tallies.items():
        _count(notification, counts)
        report.add(counts)
    _measure(report)
    return report


def _measure(report: Report) -> None:
    """The invocation's figures as metrics (counts of subscriptions, zero ones left out)."""
    for name, value in (
        ("WebPushSent", report.sent),
        ("WebPushFailed", report.failed),
        ("WebPushPruned", report.pruned),
        ("WebPushRedelivered", report.redelivered),
        ("WebPushDeadLettered", report.dead_lettered),
        ("WebPushDropped", report.dropped),
    ):
        if value:
            metric(name, value)


def _stale(batch: Batch, now: float, currents: dict[str, Any]) -> str | None:
    """Why a batch must not be sent any more: late, or its alert superseded or retracted."""
    if now >= batch.expires_at:
        return "late"
    notification = batch.notification
    if notification.department is None or notification.kind not in REVISED_KINDS:
        return None  # prevention pushes are not revisions of the département's alert
    if notification.department not in currents:
        currents[notification.department] = _current_alert(notification.department)
    current = currents[notification.department]
    if current is None:
        return None
    if int(current.revision) > notification.revision:
        return "superseded"
    if notification.kind == "alert" and current.status == "retracted":
        return "retracted"
    return None


def _current_alert(department: str) -> Any:
    from chalicelib.models import CurrentAlert

    try:
        return CurrentAlert.get(department, consistent_read=True)
    except CurrentAlert.DoesNotExist:
        return None


def payload(notification: Notification) -> dict[str, Any]:
    """What the service worker receives and shows; `tag` makes a new push replace the previous one."""
    department = notification.department
    return {
        "title": notification.title,
        "body": notification.body,
        "tag": notification.collapse_key,
        "alert_id": notification.alert_id,
        "revision": notification.revision,
        "kind": notification.kind,
        "department": department,
        "url": "/" if department is None else f"/?departement={department}",
    }


def _push(batch: Batch, now: float) -> Push:
    """TTL counts from the first enqueue: a redelivered batch does not live longer."""
    body = json.dumps(payload(batch.notification), ensure_ascii=False, separators=(",", ":")).encode()
    return Push(body, topic=batch.notification.collapse_key, ttl=max(0, int(batch.expires_at - now)))


@lru_cache(maxsize=2)
def _signer_for(private_key: str, subject: str) -> VapidSigner:
    return VapidSigner(private_key, subject)


def signer() -> VapidSigner:
    """The VAPID signer of this process (its per-origin tokens survive between invocations)."""
    settings = get_settings()
    if not settings.vapid_private_key:
        raise RuntimeError("VAPID_PRIVATE_KEY is not configured: web push cannot be signed")
    return _signer_for(settings.vapid_private_key, settings.vapid_subject)


def _deadline(context: Any) -> float:
    """When to stop sending (monotonic clock): before the Lambda's own timeout."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return time.monotonic() + DEFAULT_BUDGET_SECONDS
    seconds = float(remaining()) / 1000
    return time.monotonic() + seconds - min(LAMBDA_MARGIN_SECONDS, seconds / 5)


def _settle(batch: Batch, outcomes: dict[str, Outcome], counts: Counts, report: Report) -> list[str]:
    """Count the outcomes, hand back the retryable to SQS; the ids of the gone, to prune."""
    gone = [t.id for t in batch.targets if outcomes[t.id] is Outcome.GONE]
    retry = tuple(t for t in batch.targets if outcomes[t.id] is Outcome.RETRY)
    counts.sent += sum(1 for outcome in outcomes.values() if outcome is Outcome.SENT)
    counts.failed += sum(1 for outcome in outcomes.values() if outcome is Outcome.FAILED)
    counts.pruned += len(gone)
    if retry and batch.attempt < len(REDELIVERY_DELAYS):
        again = replace(batch, targets=retry, attempt=batch.attempt + 1)
        _enqueue(queue_url(get_settings().webpush_queue_name), [again], delay=REDELIVERY_DELAYS[batch.attempt])
        report.redelivered += len(retry)
    elif retry:
        dead = replace(batch, targets=retry, attempt=0)  # a redrive to the main queue starts afresh
        _enqueue(queue_url(get_settings().webpush_dead_letter_queue_name), [dead])
        log.warning("web push: %d subscriptions still failing, moved to the dead-letter queue", len(retry))
        counts.failed += len(retry)
        report.dead_lettered += len(retry)
    return gone


def _prune(ids: list[str]) -> None:
    """Delete subscriptions whose push service answered 404/410: the browser dropped them."""
    if not ids:
        return
    from chalicelib.models import Subscription

    with Subscription.batch_write() as batch:
        for subscription_id in ids:
            batch.delete(Subscription(subscription_id))


def _count(notification: Notification, counts: Counts) -> None:
    """Add to the `web` counts of the alert's log entry (atomic: workers run concurrently).

    DynamoDB cannot ADD into a nested map that does not exist yet, so the first worker to count
    creates the map and the others add to it.
    """
    sent, failed, pruned = counts.sent, counts.failed, counts.pruned
    if not notification.log_key or not (sent or failed or pruned):
        return
    from pynamodb.exceptions import UpdateError

    from chalicelib.models import AlertLogEntry, DeliveryCounts

    entry = AlertLogEntry(notification.department or NATIONAL_LOG_PARTITION, notification.log_key)
    web: Any = AlertLogEntry.web  # typed as its value by PynamoDB; here the attribute path
    increments = [web.sent.set(web.sent + sent), web.failed.set(web.failed + failed)]
    increments.append(web.pruned.set(web.pruned + pruned))
    first = web.set(DeliveryCounts(sent=sent, failed=failed, pruned=pruned))  # type: ignore[no-untyped-call]
    for _ in range(2):
        try:
            entry.update(actions=increments, condition=web.exists())
            return
        except UpdateError as error:
            if not _condition_failed(error):
                raise
        try:
            entry.update(actions=[first], condition=AlertLogEntry.log_key.exists() & web.does_not_exist())
            return
        except UpdateError as error:
            if not _condition_failed(error):
                raise
    log.warning("web push: no log entry %s to count deliveries on", notification.log_key)


def _condition_failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"

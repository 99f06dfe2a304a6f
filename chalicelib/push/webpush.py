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

A push service that fails a subscription with anything but 2xx/404/410/429 (another 4xx, a 5xx,
a redirect, no answer) on `WEBPUSH_MAX_FAILURES` consecutive alerts gets it disabled (audience
`disabled#web`: not sent to, not counted; `subscriptions.sweep_disabled` removes it), as SNS
disables dead mobile endpoints. A subscription already failing on the previous alert is not
retried again: only failures of healthy subscriptions (a push-service outage) reach the
dead-letter queue.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import cache, cached_property, lru_cache
from typing import Any

from chalicelib import aws, limits
from chalicelib.config import get_settings
from chalicelib.observability import metric, traced
from chalicelib.push import DeliveryResult, Notification
from chalicelib.push.push_services import push_service
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
    failing: Mapping[str, int] = field(default_factory=dict)  # targets the previous alerts failed

    @cached_property
    def body(self) -> str:
        """The message body (computed once: its size decides how batches are grouped)."""
        document: dict[str, Any] = {
            "notification": asdict(self.notification),
            "expires_at": self.expires_at,
            "attempt": self.attempt,
            "subscriptions": [[t.id, t.endpoint, t.p256dh, t.auth] for t in self.targets],
        }
        if self.failing:
            document["failing"] = dict(self.failing)
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def decode(cls, body: str) -> Batch:
        document = json.loads(body)
        return cls(
            notification=Notification(**document["notification"]),
            expires_at=float(document["expires_at"]),
            targets=tuple(Target(*row) for row in document["subscriptions"]),
            attempt=int(document["attempt"]),
            failing={str(k): int(v) for k, v in (document.get("failing") or {}).items()},
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
    disabled: int = 0
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
            chunks = _audience(notification.department)
            for group in _calls(Batch(notification, expires_at, chunk, failing=failing) for chunk, failing in chunks):
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


def _audience(department: str | None) -> Iterator[tuple[tuple[Target, ...], dict[str, int]]]:
    """The web subscriptions of a département (of all when None), in batches sized for SQS, with
    the consecutive failures of those that have some."""
    from chalicelib import departements
    from chalicelib.models import Subscription

    chunk: list[Target] = []
    failing: dict[str, int] = {}
    size = 0
    for code in departements.CODES if department is None else (department,):
        # only the attributes sending needs: PynamoDB then builds no dates nor the rest
        # (≈ 0.1 ms saved per browser; docs/capacity.md)
        pages = Subscription.by_audience.query(
            f"{code}#web", page_size=BATCH_SUBSCRIPTIONS, attributes_to_get=["id", "web_push", "failures"]
        )
        for item in pages:
            if not item.web_push:
                continue
            keys = item.web_push["keys"]
            target = Target(item.id, item.web_push["endpoint"], keys["p256dh"], keys["auth"])
            chunk.append(target)
            if item.failures:
                failing[item.id] = int(item.failures)
            size += len(target.id) + len(target.endpoint) + len(target.p256dh) + len(target.auth) + 12
            if len(chunk) == BATCH_SUBSCRIPTIONS or size >= BATCH_MAX_BYTES:
                yield tuple(chunk), failing
                chunk, failing, size = [], {}, 0
    if chunk:
        yield tuple(chunk), failing


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


def queue_url(name: str) -> str:
    """The web-push queue's URL (`name` is its name: tests pass it)."""
    return _queue_url(name, "WEBPUSH_QUEUE_URL")


def dead_letter_queue_url() -> str:
    """Only the worker names the dead-letter queue: its role alone may send there."""
    return _queue_url(get_settings().webpush_dead_letter_queue_name, "WEBPUSH_DLQ_URL")


@cache
def _queue_url(name: str, variable: str) -> str:
    """A queue's URL: from the environment (bootstrap, infra) or asked of SQS."""
    return os.environ.get(variable) or str(aws.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


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
    gone: list[Target] = []
    for batch, job in zip(live, jobs, strict=True):
        gone += _settle(batch, job, tallies.setdefault(batch.notification, Counts()), report)
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
        ("WebPushDisabled", report.disabled),
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


def _settle(batch: Batch, job: Job, counts: Counts, report: Report) -> list[Target]:
    """Count the outcomes, keep each subscription's failure streak, hand back what may still go
    through to SQS; the targets that are gone, to prune."""
    outcomes = job.outcomes
    gone = [t for t in batch.targets if outcomes[t.id] is Outcome.GONE]
    healed = [t.id for t in batch.targets if outcomes[t.id] is Outcome.SENT and t.id in batch.failing]
    failed = [t.id for t in batch.targets if outcomes[t.id] is Outcome.FAILED]
    retry: list[Target] = []
    for t in batch.targets:
        if outcomes[t.id] is not Outcome.RETRY:
            continue
        if t.id in batch.failing and _refused(job.statuses, t.id):
            failed.append(t.id)  # failing on the previous alert too: no new retries, no dead letter
        else:
            retry.append(t)
    exhausted = bool(retry) and batch.attempt >= len(REDELIVERY_DELAYS)
    streaks = failed + ([t.id for t in retry if _refused(job.statuses, t.id)] if exhausted else [])
    disabled = _record_failures(streaks)
    _reset_failures(healed)
    counts.sent += sum(1 for outcome in outcomes.values() if outcome is Outcome.SENT)
    counts.failed += len(failed)
    counts.pruned += len(gone)
    report.disabled += len(disabled)
    if retry and not exhausted:
        again = replace(batch, targets=tuple(retry), attempt=batch.attempt + 1)
        _enqueue(queue_url(get_settings().webpush_queue_name), [again], delay=REDELIVERY_DELAYS[batch.attempt])
        report.redelivered += len(retry)
    elif retry:
        counts.failed += len(retry)
        dead_letters = tuple(t for t in retry if t.id not in disabled)
        if dead_letters:
            dead = replace(batch, targets=dead_letters, attempt=0)  # a redrive to the main queue starts afresh
            _enqueue(dead_letter_queue_url(), [dead])
            log.warning("web push: %d subscriptions still failing, moved to the dead-letter queue", len(dead_letters))
            report.dead_lettered += len(dead_letters)
    return gone


def _refused(statuses: Mapping[str, int | None], target_id: str) -> bool:
    """Whether the push service was reached (or tried) and failed it with anything but
    2xx/404/410/429. A target never tried (out of time) or paused by a 429 is not the browser's fault."""
    if target_id not in statuses:
        return False
    status = statuses[target_id]
    return status is None or not (200 <= status < 300 or status in (404, 410, 429))


def _record_failures(ids: list[str]) -> set[str]:
    """One more failed alert for each subscription; those reaching the limit are disabled."""
    from pynamodb.exceptions import UpdateError

    from chalicelib.models import DISABLED_WEB_AUDIENCE, Subscription

    limit = get_settings().webpush_max_failures
    disabled: set[str] = set()
    for subscription_id in ids:
        item = Subscription(subscription_id)
        try:
            item.update(actions=[Subscription.failures.add(1)], condition=Subscription.id.exists())
            if (item.failures or 0) >= limit:
                now = datetime.now(UTC)
                item.update(
                    actions=[Subscription.audience.set(DISABLED_WEB_AUDIENCE), Subscription.disabled_at.set(now)],
                    condition=Subscription.id.exists(),
                )
                disabled.add(subscription_id)
        except UpdateError as error:
            if not _condition_failed(error):
                raise
    if disabled:
        log.warning("web push: %d subscriptions disabled after %d failed alerts in a row", len(disabled), limit)
    return disabled


def _reset_failures(ids: list[str]) -> None:
    from pynamodb.exceptions import UpdateError

    from chalicelib.models import Subscription

    for subscription_id in ids:
        try:
            Subscription(subscription_id).update(
                actions=[Subscription.failures.remove()], condition=Subscription.id.exists()
            )
        except UpdateError as error:
            if not _condition_failed(error):
                raise


def _prune(targets: list[Target]) -> None:
    """Delete subscriptions whose push service answered 404/410: the browser dropped them; their
    push services count them no more."""
    if not targets:
        return
    from chalicelib.models import Subscription

    with Subscription.batch_write() as batch:
        for target in targets:
            batch.delete(Subscription(target.id))
    services: dict[str, int] = {}
    for target in targets:
        service = push_service(target.endpoint) or "unknown"
        services[service] = services.get(service, 0) + 1
    for service, count in services.items():
        limits.release(f"push-service#{service}", count)


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

"""Push channels behind one small interface (one module per channel, as ntfy lays them out).

- `sns.py`: iOS and Android through SNS platform endpoints: one topic publish per notification.
- `webpush.py`: browsers through Web Push: batches queued on SQS, sent by a worker.

An alert (or retraction) for a département always carries that département's collapse key, so on
every channel a new push replaces the previous one. Prevention pushes (national, or seasonal OTV
reminders sent to the départements of one school zone) carry the prevention key instead: a newer
prevention message may replace an older one, never a département's operational alert.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from importlib import import_module
from typing import Protocol

log = logging.getLogger(__name__)

NATIONAL_COLLAPSE_KEY = "prevention-nationale"
CHANNEL_MODULES = ("chalicelib.push.sns", "chalicelib.push.webpush")


def collapse_key(department: str | None) -> str:
    """Same key for every push of a département (≤ 32 chars, URL-safe base64 alphabet: a Web Push
    `Topic`, an APNs collapse id and an FCM collapse key/tag at once)."""
    return NATIONAL_COLLAPSE_KEY if department is None else f"alerte-{department}"


@dataclass(frozen=True)
class Notification:
    """What every channel delivers. `department` None means the national audience."""

    department: str | None
    title: str
    body: str
    kind: str  # "alert" | "retraction" | "prevention"
    alert_id: str
    revision: int
    ttl_seconds: int
    log_key: str | None = None  # the alert log entry (department, log_key) that counts deliveries

    @property
    def collapse_key(self) -> str:
        return collapse_key(None if self.kind == "prevention" else self.department)


@dataclass
class DeliveryResult:
    channel: str
    ok: bool
    detail: dict[str, object] = field(default_factory=dict)


class Channel(Protocol):
    name: str

    def deliver(self, notification: Notification) -> DeliveryResult:
        """Hand the notification to the channel; raise only if nothing could be handed over."""
        ...


def deliver(
    notification: Notification, *, skip: frozenset[str] = frozenset(), since: float | None = None
) -> dict[str, DeliveryResult]:
    """Hand a notification to every channel (but those in `skip`, already done); a channel that
    raises is reported as failed, never stops the others.

    Metrics: `HandoverLatency` per channel, from `since` (a `time.monotonic()` value: when the send
    began; now by default) to the channel's hand-over; `HandoverFailures` per channel that failed.
    """
    from chalicelib.observability import metric

    since = time.monotonic() if since is None else since
    results: dict[str, DeliveryResult] = {}
    for channel in channels():
        if channel.name in skip:
            continue
        try:
            results[channel.name] = channel.deliver(notification)
        except Exception as exc:
            log.warning("push channel %s failed: %s", channel.name, type(exc).__name__)
            results[channel.name] = DeliveryResult(channel.name, False, {"error": type(exc).__name__})
        if results[channel.name].ok:
            metric("HandoverLatency", (time.monotonic() - since) * 1000, Channel=channel.name)
        else:
            metric("HandoverFailures", Channel=channel.name)
    return results


def channels() -> list[Channel]:
    """Every channel (each module exposes `CHANNEL`), imported on first use: cold start."""
    return [import_module(name).CHANNEL for name in CHANNEL_MODULES]

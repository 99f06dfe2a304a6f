"""Sends one notification to many browsers at once: the HTTP half of the Web Push worker (no AWS).

Measured costs (STACK-NOTES) shape it: encryption is per subscription (≈ 90 µs, unavoidable), a
VAPID signature per request would add ≈ 33 µs and a connection per request far more, and a push
service answers in tens of milliseconds. So every send of an invocation shares one aiohttp session
(pooled keep-alive connections), up to `concurrency` requests are in flight, and the VAPID header
is signed once per push-service origin and reused for up to an hour.

Each subscription ends in one `Outcome`: sent; gone (404/410: the browser unsubscribed); failed
(a refusal that retrying cannot fix); or retry (5xx, timeouts, long 429 pauses: still failing after
a few tries with backoff, or out of time), which the caller hands back to SQS. Redirects are not
followed (a push service never redirects; following one would post to an address nobody checked
against the allow-list): a 3xx is a failure, logged with its status.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from enum import StrEnum
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

VAPID_REUSE_SECONDS = 3_600
VAPID_LIFETIME_SECONDS = 12 * 3_600  # RFC 8292 allows up to 24 h


class Outcome(StrEnum):
    SENT = "sent"
    GONE = "gone"
    FAILED = "failed"
    RETRY = "retry"


@dataclass(frozen=True)
class Target:
    """One browser subscription: where to post and the keys to encrypt for."""

    id: str
    endpoint: str
    p256dh: str
    auth: str

    @cached_property
    def origin(self) -> str:
        url = urlsplit(self.endpoint)
        return f"{url.scheme}://{url.netloc}"


@dataclass(frozen=True)
class Push:
    """What every target of a job receives."""

    payload: bytes
    topic: str
    ttl: int
    urgency: str = "high"


@dataclass(frozen=True)
class Policy:
    """Bounds on waiting: tries per subscription, backoff, the longest `Retry-After` honoured."""

    tries: int = 4
    backoff_seconds: float = 0.25  # then 0.5, 1 s (with jitter)
    max_retry_after_seconds: float = 10.0
    timeout_seconds: float = 10.0
    concurrency: int = 100


class VapidSigner:
    """One `Authorization: vapid t=…, k=…` header per push-service origin, re-signed hourly.

    Claims are built here, per origin: pywebpush's `webpush()` writes `aud` into the claims dict it
    is given, so a shared dict would send one service's audience to another.
    """

    def __init__(self, private_key: str, subject: str, *, clock: Callable[[], float] = time.time) -> None:
        from py_vapid import Vapid

        self._vapid = Vapid.from_raw(private_key.encode())
        self._subject = subject
        self._clock = clock
        self._headers: dict[str, tuple[float, str]] = {}

    def authorization(self, origin: str) -> str:
        now = self._clock()
        signed_at, header = self._headers.get(origin, (0.0, ""))
        if now - signed_at >= VAPID_REUSE_SECONDS:
            claims = {"aud": origin, "sub": self._subject, "exp": int(now) + VAPID_LIFETIME_SECONDS}
            header = str(self._vapid.sign(claims)["Authorization"])
            self._headers[origin] = (now, header)
        return header


@dataclass
class Job:
    push: Push
    targets: Sequence[Target]
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    statuses: dict[str, int | None] = field(default_factory=dict)  # last answer of each tried target


def send(jobs: Sequence[Job], *, signer: VapidSigner, policy: Policy, deadline: float) -> None:
    """Send every job's push to its targets; fills `job.outcomes` (target id → outcome).

    `deadline` is a `time.monotonic()` value: what is not done by then is left as `RETRY`.
    """
    asyncio.run(_send(jobs, signer=signer, policy=policy, deadline=deadline))


async def _send(jobs: Sequence[Job], *, signer: VapidSigner, policy: Policy, deadline: float) -> None:
    """`concurrency` workers share one pooled session and take the next (job, target) in turn."""
    import aiohttp

    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=policy.concurrency, ttl_dns_cache=300),
        timeout=aiohttp.ClientTimeout(total=policy.timeout_seconds),
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent"),
    )
    async with session:
        sender = _Sender(session, signer, policy, deadline)
        work = iter([(job, target) for job in jobs for target in job.targets])
        await asyncio.gather(*(sender.work(work) for _ in range(policy.concurrency)))


class _Sender:
    def __init__(self, session: Any, signer: VapidSigner, policy: Policy, deadline: float) -> None:
        self.session, self.signer, self.policy, self.deadline = session, signer, policy, deadline
        self.paused_until: dict[str, float] = {}  # origin → monotonic time its 429 pause ends

    async def work(self, work: Iterator[tuple[Job, Target]]) -> None:
        for job, target in work:
            job.outcomes[target.id] = await self._deliver(job.push, target, job.statuses)

    async def _deliver(self, push: Push, target: Target, statuses: dict[str, int | None]) -> Outcome:
        for attempt in range(self.policy.tries):
            if not await self._wait(self.paused_until.get(target.origin, 0.0)):
                return Outcome.RETRY
            status, retry_after = await self._post(push, target)
            statuses[target.id] = status
            outcome = _classify(status)
            if outcome is not Outcome.RETRY or attempt + 1 == self.policy.tries:
                return outcome
            if status == 429:
                pause = _seconds(retry_after, default=self._backoff(attempt))
                if pause > self.policy.max_retry_after_seconds:
                    return Outcome.RETRY
                resume = time.monotonic() + pause
                self.paused_until[target.origin] = max(resume, self.paused_until.get(target.origin, 0.0))
            elif not await self._wait(time.monotonic() + self._backoff(attempt)):
                return Outcome.RETRY
        return Outcome.RETRY

    def _backoff(self, attempt: int) -> float:
        return float(self.policy.backoff_seconds * 2**attempt * random.uniform(0.75, 1.25))

    async def _wait(self, until: float) -> bool:
        """Sleep until `until`; False (without sleeping) if that is past the deadline."""
        if until >= self.deadline:
            return False
        delay = until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        return True

    async def _post(self, push: Push, target: Target) -> tuple[int | None, str | None]:
        """The push service's status and `Retry-After`; (None, None) when it could not be reached.

        pywebpush encrypts (aes128gcm, RFC 8291); the request itself goes through the shared
        session, with the headers built here (VAPID reused per origin, `Topic`, `Urgency`, `TTL`).
        """
        import aiohttp
        from pywebpush import WebPusher, WebPushException

        info = {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}}
        try:
            body = WebPusher(info).encode(push.payload)["body"]
        except (WebPushException, ValueError):  # keys that do not make a P-256 point
            return 400, None
        headers = {
            "Authorization": self.signer.authorization(target.origin),
            "Content-Encoding": "aes128gcm",
            "TTL": str(push.ttl),
            "Topic": push.topic,
            "Urgency": push.urgency,
        }
        try:
            async with self.session.post(
                target.endpoint, data=body, headers=headers, allow_redirects=False
            ) as response:
                await response.read()
                status = int(response.status)
        except (aiohttp.ClientError, TimeoutError):
            return None, None
        if 300 <= status < 400:
            log.warning("web push: %s answered a redirect (%d), counted as a failure", target.origin, status)
        return status, response.headers.get("Retry-After")


def _classify(status: int | None) -> Outcome:
    if status is not None and 200 <= status < 300:
        return Outcome.SENT
    if status in (404, 410):
        return Outcome.GONE
    if status is None or status == 429 or status >= 500:
        return Outcome.RETRY
    return Outcome.FAILED


def _seconds(retry_after: str | None, *, default: float) -> float:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date (RFC 9110)."""
    if not retry_after:
        return default
    if retry_after.strip().isdigit():
        return float(retry_after)
    try:
        return max(0.0, parsedate_to_datetime(retry_after).timestamp() - time.time())
    except (TypeError, ValueError):
        return default

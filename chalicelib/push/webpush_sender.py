"""Sends one notification to many browsers at once: the HTTP half of the Web Push worker (no AWS).

Measured costs (STACK-NOTES, README) shape it: encryption is per subscription (one key pair, one
ECDH, one AES-GCM record: `webpush_crypto`, ≈ 125 µs, unavoidable), a VAPID signature per request
would add ≈ 33 µs and a connection per request far more, and a push service answers in tens of
milliseconds. So every send of an invocation shares one pool of keep-alive connections
(`webpush_http`, a lean HTTP/1.1 client: aiohttp cost three times as much CPU per request), up to
`concurrency` requests are in flight, and the VAPID header is signed once per push-service origin
and reused for up to an hour.

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
from urllib.parse import urlsplit

from chalicelib.push.webpush_crypto import encrypt
from chalicelib.push.webpush_http import Endpoint, Pool

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
        """`scheme://host[:port]`: the push service (VAPID's audience, the 429 pauses)."""
        address = self.address
        if address is not None:
            return f"{address.scheme}://{address.authority}"
        url = urlsplit(self.endpoint)
        return f"{url.scheme}://{url.netloc}"

    @cached_property
    def address(self) -> Endpoint | None:
        """The endpoint split for the HTTP client; None if it cannot be posted to."""
        try:
            return Endpoint.parse(self.endpoint)
        except ValueError:
            return None


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
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_send(jobs, signer=signer, policy=policy, deadline=deadline))


async def _send(jobs: Sequence[Job], *, signer: VapidSigner, policy: Policy, deadline: float) -> None:
    """`concurrency` workers share one connection pool and take the next (job, target) in turn."""
    pool = Pool(idle_limit=policy.concurrency)
    try:
        sender = _Sender(pool, signer, policy, deadline)
        work = iter([(job, target) for job in jobs for target in job.targets])
        await asyncio.gather(*(sender.work(work) for _ in range(policy.concurrency)))
    finally:
        await pool.close()


class _Sender:
    def __init__(self, pool: Pool, signer: VapidSigner, policy: Policy, deadline: float) -> None:
        self.pool, self.signer, self.policy, self.deadline = pool, signer, policy, deadline
        self.paused_until: dict[str, float] = {}  # origin → monotonic time its 429 pause ends
        self.fixed_headers: dict[Push, bytes] = {}  # the header lines every target of a push gets
        self.authorizations: dict[str, tuple[str, bytes]] = {}  # origin → (token, its header line)

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

    def _authorization(self, origin: str) -> bytes:
        """The VAPID header line of a push service, encoded once per token (re-signed hourly)."""
        token = self.signer.authorization(origin)
        known = self.authorizations.get(origin)
        if known is None or known[0] != token:
            known = self.authorizations[origin] = (token, f"Authorization: {token}\r\n".encode("ascii"))
        return known[1]

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

        The body is encrypted for this subscription (aes128gcm, RFC 8291); the headers are the
        push's own (`TTL`, `Topic`, `Urgency`, built once per push) and the VAPID `Authorization`
        of the target's push service (signed once an hour per origin).
        """
        address = target.address
        try:
            if address is None:
                raise ValueError("unusable endpoint")
            body = encrypt(push.payload, target.p256dh, target.auth)
        except ValueError:  # keys that do not make a P-256 point, an endpoint that is not a URL
            return 400, None
        headers = self.fixed_headers.get(push)
        if headers is None:
            headers = self.fixed_headers[push] = (
                f"Content-Encoding: aes128gcm\r\nContent-Type: application/octet-stream\r\n"
                f"TTL: {push.ttl}\r\nTopic: {push.topic}\r\nUrgency: {push.urgency}\r\n"
            ).encode("ascii")
        authorization = self._authorization(target.origin)
        try:
            async with asyncio.timeout(self.policy.timeout_seconds):
                status, retry_after = await self.pool.post(address, authorization + headers, body)
        except (OSError, EOFError, TimeoutError, ValueError):  # refused, reset, TLS, timeout, garbled
            return None, None
        if 300 <= status < 400:
            log.warning("web push: %s answered a redirect (%d), counted as a failure", target.origin, status)
        return status, retry_after


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

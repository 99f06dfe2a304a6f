"""Login throttling that a stranger cannot turn against the operator.

Three limits, each counted and checked in ONE conditional DynamoDB update before Cognito is asked,
so parallel guesses cannot slip past a limit between a read and a write:

- per (username, client): `login_free_attempts` tries, then each try waits twice as long as the
  one before (2 s, 4 s, 8 s… up to `login_max_delay_seconds`). A stranger's guesses from his client
  delay only his own client: the operator, from hers, is not slowed. A success from a client clears
  that client's record.
- per client, across usernames: at most `login_client_cap` unsuccessful tries per window (a
  success gives its slot back), against one client spraying many usernames.
- everyone together: at most `login_global_cap` unsuccessful tries per minute, against a spray
  from many clients; it protects Cognito's quota, and is far above what operators produce.

The client is the source IP API Gateway saw (locally, the socket's peer). Keys are hashed: the
markers table stores no address and no username in clear.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from chalicelib.config import get_settings
from chalicelib.errors import AppError

log = logging.getLogger(__name__)

_RACE_RETRIES = 4


class Attempt:
    """A reserved login try; `succeeded()` gives the slots back and clears the client's delays."""

    def __init__(self, pair_key: str, counters: list[str]) -> None:
        self.pair_key = pair_key
        self.counters = counters
        self.done = False

    def succeeded(self) -> None:
        from chalicelib.models import Marker

        self.done = True
        for key in self.counters:
            _give_back(key)
        Marker(self.pair_key).delete()

    def not_counted(self) -> None:
        """The try was right (a password or code Cognito accepted, with a further step to come) or
        failed for a reason that is not the caller's (AWS down): give every slot back."""
        self.done = True
        for key in self.counters:
            _give_back(key)
        _forget_last_try(self.pair_key)


@contextmanager
def attempt(username: str, client: str) -> Iterator[Attempt]:
    """Reserve a login try for `username` from `client` (429 with Retry-After when a limit holds).
    A wrong password or code keeps the try counted; `Attempt.succeeded()` releases it (and
    `Attempt.not_counted()` for a step Cognito accepted); any error
    other than an `AppError` of the caller (AWS unreachable…) gives it back."""
    settings = get_settings()
    now = int(clock())
    global_key = f"login#all#{now // settings.login_global_window_seconds}"
    client_key = f"login#client#{_digest(client)}#{now // settings.login_window_seconds}"
    pair_key = f"login#pair#{_digest(username.strip().lower() + chr(0) + client)}"
    taken: list[str] = []
    try:
        _take(global_key, settings.login_global_cap, now + settings.login_global_window_seconds, "global")
        taken.append(global_key)
        _take(client_key, settings.login_client_cap, now + settings.login_window_seconds, "client")
        taken.append(client_key)
        _reserve_pair(pair_key, now)
    except AppError:
        for key in taken:
            _give_back(key)
        raise
    reserved = Attempt(pair_key, taken)
    try:
        yield reserved
    except AppError:
        raise
    except Exception:
        if not reserved.done:
            reserved.not_counted()
        raise


def clock() -> float:
    """Seconds since the epoch (a function of its own, so tests can move the throttle's time alone)."""
    return time.time()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _expiry(when: int) -> datetime:
    return datetime.fromtimestamp(when, tz=UTC)


def _take(key: str, cap: int, expires: int, scope: str) -> None:
    """One slot of a capped counter: increment only while below the cap (one conditional update)."""
    from pynamodb.exceptions import UpdateError

    from chalicelib.models import Marker

    try:
        Marker(key).update(
            actions=[Marker.hits.add(1), Marker.expires_at.set(_expiry(expires + 3600))],
            condition=Marker.hits.does_not_exist() | (Marker.hits < cap),
        )
    except UpdateError as error:
        if not _condition_failed(error):
            raise
        log.warning("login refused: %s cap reached", scope)
        wait = max(1, expires - int(clock()))
        raise _too_many(wait) from None


def _give_back(key: str) -> None:
    from pynamodb.exceptions import UpdateError

    from chalicelib.models import Marker

    try:
        Marker(key).update(actions=[Marker.hits.add(-1)], condition=Marker.hits > 0)
    except UpdateError as error:
        if not _condition_failed(error):
            raise


def _delay(tries: int) -> int:
    """Seconds to wait after the `tries`-th unsuccessful try in a row from one client."""
    settings = get_settings()
    if tries < settings.login_free_attempts:
        return 0
    return int(min(2 ** (tries - settings.login_free_attempts + 1), settings.login_max_delay_seconds))


def _reserve_pair(key: str, now: int) -> None:
    """Count a try for (username, client) unless its delay is still running. The read only tells
    what to write; the write is conditioned on the count read, so of parallel tries exactly one
    moves the count from n to n+1 and the others read again (and then meet the delay)."""
    from pynamodb.exceptions import UpdateError

    from chalicelib.models import Marker

    settings = get_settings()
    keep = settings.login_window_seconds + settings.login_max_delay_seconds
    for _ in range(_RACE_RETRIES):
        try:
            marker: Marker | None = Marker.get(key, consistent_read=True)
        except Marker.DoesNotExist:
            marker = None
        fresh = marker is None or marker.first_at <= now - settings.login_window_seconds
        tries = 0 if fresh or marker is None else int(marker.hits)
        next_at = 0 if fresh or marker is None else int(marker.next_at or 0)
        if now < next_at:
            raise _too_many(next_at - now)
        condition = Marker.key.does_not_exist() if marker is None else (Marker.hits == marker.hits)
        first_at = now if fresh or marker is None else int(marker.first_at)
        try:
            Marker(key).update(
                actions=[
                    Marker.hits.set(tries + 1),
                    Marker.first_at.set(first_at),
                    Marker.next_at.set(now + _delay(tries + 1)),
                    Marker.expires_at.set(_expiry(now + keep)),
                ],
                condition=condition,
            )
            return
        except UpdateError as error:
            if not _condition_failed(error):
                raise
    raise _too_many(1)  # lost every race: many tries at once for this account from this client


def _forget_last_try(key: str) -> None:
    from pynamodb.exceptions import UpdateError

    from chalicelib.models import Marker

    try:
        Marker(key).update(actions=[Marker.hits.add(-1), Marker.next_at.set(0)], condition=Marker.hits > 0)
    except UpdateError as error:
        if not _condition_failed(error):
            raise


def _condition_failed(error: Exception) -> bool:
    cause = getattr(error, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


def _too_many(wait: int) -> AppError:
    from chalicelib.observability import metric

    metric("LoginThrottled")
    wait = max(1, int(wait))
    when = f"{wait} seconde{'s' if wait > 1 else ''}" if wait < 120 else f"{(wait + 59) // 60} minutes"
    return AppError(
        "too_many_attempts",
        f"Trop de tentatives de connexion depuis cet appareil : réessayez dans {when}.",
        headers={"Retry-After": str(wait)},
    )

"""Counters that cap anonymous traffic in the app itself, so a flood is bounded even without the WAF.

They are items of the markers table, changed by one conditional `UpdateItem` each (atomic across
concurrent Lambdas, no read first):
- `take_rate(name, client, limit)`: at most `limit` calls a minute per client (a fixed window of
  60 s; the item expires with DynamoDB's TTL). The client is hashed: no address is stored.
- `reserve(name, limit)` / `release(name, count)`: a count of things that exist (subscriptions of a
  push service), refused beyond `limit`; every removal releases what its creation reserved.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime

from chalicelib.errors import AppError

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60


def client_key(client: str) -> str:
    """An address as counters store it: a hash, never the address."""
    return hashlib.sha256(f"client#{client}".encode()).hexdigest()[:32]


def take_rate(name: str, client: str, *, limit: int, now: float | None = None) -> None:
    """Count one call of `client` to `name` in the current minute; a French 429 beyond `limit`."""
    from pynamodb.exceptions import UpdateError

    from chalicelib.models import Marker

    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
    marker = Marker(f"rate#{name}#{client_key(client)}#{window}")
    expires = datetime.fromtimestamp(window + 2 * WINDOW_SECONDS, tz=UTC)
    try:
        marker.update(
            actions=[Marker.hits.add(1), Marker.first_at.set(window), Marker.expires_at.set(expires)],
            condition=Marker.hits.does_not_exist() | (Marker.hits < limit),
        )
    except UpdateError as error:
        if getattr(error, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
        wait = max(1, int(window + WINDOW_SECONDS - now) + 1)
        log.info("rate limit reached", extra={"limit_name": name})
        raise AppError("too_many_registrations", headers={"Retry-After": str(wait)}) from None


def reserve(name: str, *, limit: int) -> bool:
    """Count one more of `name` unless `limit` are already counted; False (nothing counted) then."""
    from pynamodb.exceptions import UpdateError

    from chalicelib.models import Marker

    try:
        Marker(f"count#{name}").update(
            actions=[Marker.hits.add(1)], condition=Marker.hits.does_not_exist() | (Marker.hits < limit)
        )
    except UpdateError as error:
        if getattr(error, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
        return False
    return True


def release(name: str, count: int = 1) -> None:
    """Count `count` fewer of `name` (never below zero)."""
    from pynamodb.exceptions import UpdateError

    from chalicelib.models import Marker

    if count <= 0:
        return
    try:
        Marker(f"count#{name}").update(actions=[Marker.hits.add(-count)], condition=Marker.hits >= count)
    except UpdateError as error:
        if getattr(error, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
        Marker(f"count#{name}").update(actions=[Marker.hits.set(0)])  # counted fewer than existed: floor at 0


def counted(name: str) -> int:
    """What `reserve` has counted for `name` (0 when nothing)."""
    from chalicelib.models import Marker

    try:
        return int(Marker.get(f"count#{name}", consistent_read=True).hits)
    except Marker.DoesNotExist:
        return 0

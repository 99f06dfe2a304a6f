"""HTTP caching of the public reads, so that the CDN in front of the API (CloudFront, infra/), the
apps and browsers absorb a read storm (every install of a département opening the app minutes after
an alert) instead of Lambda and DynamoDB.

One table says, per route, how long a shared cache (`s-maxage`) and a device (`max-age`) may keep
the answer, and how long a stale copy may be served while it is fetched again
(`stale-while-revalidate`). Every answer of a listed route carries a weak ETag (a hash of its body);
a request whose `If-None-Match` names it gets a 304 without a body. Routes not listed (operators,
positions, writes, errors) are `no-store`: nothing is cached unless this table says so.

Freshness bound of the live routes (the current alert and the feed): a new alert, a retraction or a
feed change reaches a reader at most `s-maxage` + 2 × `stale-while-revalidate` = 60 s after it is
written (the CDN's copy, served stale once while it is refreshed, then the device's copy, served
stale once while it revalidates); the push notification itself is not delayed. Reference data
(départements, communes, units, texts, the blank form) changes only with a deployment, after which
the distribution is invalidated (docs/read-storm.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    max_age: int  # seconds a device keeps the answer before revalidating
    s_maxage: int  # seconds a shared cache (CloudFront) keeps it
    stale_while_revalidate: int

    @property
    def header(self) -> str:
        return (
            f"public, max-age={self.max_age}, s-maxage={self.s_maxage}, "
            f"stale-while-revalidate={self.stale_while_revalidate}"
        )


LIVE = Policy(max_age=0, s_maxage=30, stale_while_revalidate=15)
REFERENCE = Policy(max_age=3600, s_maxage=6 * 3600, stale_while_revalidate=24 * 3600)
DOCUMENT = Policy(max_age=86400, s_maxage=86400, stale_while_revalidate=86400)
DESCRIPTION = Policy(max_age=300, s_maxage=300, stale_while_revalidate=300)
NO_STORE = "no-store"

# GET routes (Chalice's templates) whose 200 answers may be cached, and for how long.
POLICIES: dict[str, Policy] = {
    "/alerts/{department}": LIVE,
    "/feed": LIVE,
    "/departments": REFERENCE,
    "/communes": REFERENCE,
    "/brigades/{unit_id}": REFERENCE,
    "/content/prevention": REFERENCE,
    "/content/victim": REFERENCE,
    "/content/otv": REFERENCE,
    "/webpush/public-key": REFERENCE,
    "/otv/form.pdf": DOCUMENT,
    "/openapi.json": DESCRIPTION,
}
# Never cached by anyone, whatever else changes: a position (`/brigades/nearest`), operators' routes.
NEVER_CACHED = ("/brigades/nearest", "/corg/", "/opp/", "/admin/", "/auth/", "/subscriptions")
# The limit of the bound stated above, checked by the tests.
LIVE_BOUND_SECONDS = 60


def policy(method: str, route: str) -> Policy | None:
    if method != "GET" or route.startswith(NEVER_CACHED):
        return None
    return POLICIES.get(route)


def etag(body: bytes) -> str:
    """A weak validator: the same bytes before compression, whatever encoding the CDN applies."""
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison against each listed tag, or `*`."""
    if not if_none_match:
        return False
    wanted = tag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False

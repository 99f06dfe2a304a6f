"""Citizens' subscriptions: register, refresh, move, unsubscribe, expire, count.

A subscription stores only the platform, a hash of the push token (to find it again), what delivery
needs (the SNS endpoint and topic subscriptions for iOS/Android, the PushSubscription for the web),
the département and timestamps. Its id (192 random bits) is the client's only handle.

Mobile: the token becomes an SNS platform endpoint subscribed to the département's topic and to the
national topic. The same token registered again reuses the same item, endpoint and subscriptions.
A registration that fails half-way undoes what it created (no endpoint left behind).

Clean-up (`app.py` schedules both):
- `sweep_expired()`, hourly: subscriptions not refreshed for `SUBSCRIPTION_TTL_DAYS` (60) are
  removed with their endpoint before DynamoDB's TTL would delete the bare item;
- `sweep_disabled()`, daily: endpoints SNS disabled because APNs/FCM rejected the token are removed
  with their subscription. A refresh (PUT) also checks its own endpoint and answers 410 if it was
  disabled, so the app registers again with its current token.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import Field

from chalicelib import departements
from chalicelib.config import get_settings
from chalicelib.errors import AppError, field_error
from chalicelib.models import Subscription
from chalicelib.observability import metric
from chalicelib.push import sns
from chalicelib.push.webpush_subscription import WebPushSubscription
from chalicelib.validation import Body

log = logging.getLogger(__name__)

PLATFORMS = ("ios", "android", "web")
MOBILE_PLATFORMS = ("ios", "android")
SWEEP_AHEAD = timedelta(hours=2)  # the hourly sweep always runs before DynamoDB's TTL could
SWEEP_BEHIND_DAYS = 3  # expiry days looked at again, in case some sweeps did not run
_ID = re.compile(r"[A-Za-z0-9_-]{22,64}")


class SubscriptionBody(Body):
    platform: Literal["ios", "android", "web"]
    token: str | None = Field(default=None, min_length=16, max_length=4096, pattern=r"^[A-Za-z0-9:_.\-]+$")
    web_push: WebPushSubscription | None = None
    department: str = Field(max_length=10)
    accept_notifications: bool


class SubscriptionUpdate(Body):
    department: str | None = Field(default=None, max_length=10)
    accept_notifications: bool | None = None


# --- Citizens' operations ----------------------------------------------------------------------


def register(body: SubscriptionBody) -> dict[str, str]:
    """Subscribe a device to its département (and the national messages), or refresh the existing
    subscription of the same token."""
    department = departements.normalize(body.department)
    if not body.accept_notifications:
        raise AppError("consent_required")
    token = _credential(body)
    token_hash = _hash(token)
    subscription = _find_by_token(token_hash)
    created = subscription is None
    if subscription is None:
        subscription = Subscription(
            id=secrets.token_urlsafe(24), platform=body.platform, token_hash=token_hash, created_at=_now()
        )
    if body.web_push is not None:
        _attach_web(subscription, web_push=body.web_push, department=department)
    else:
        _attach_mobile(subscription, token=token, department=department)
    log.info("subscription registered", extra={"platform": body.platform, "department": department})
    if created:
        metric("SubscriptionsCreated", Platform=body.platform)
    return _public(subscription)


def update(subscription_id: str, body: SubscriptionUpdate) -> dict[str, Any]:
    """Refresh (the apps call it at each launch), move to another département, or withdraw consent."""
    subscription = _get(subscription_id)
    if body.accept_notifications is False:
        _remove(subscription)
        return {**_public(subscription), "subscribed": False}
    if subscription.platform in MOBILE_PLATFORMS and not sns.endpoint_enabled(subscription.endpoint_arn or ""):
        _remove(subscription)
        raise AppError("subscription_gone")
    department = departements.normalize(body.department) if body.department is not None else subscription.department
    if department != subscription.department:
        _move(subscription, department)
    else:
        _save(subscription, must_exist=True)
    return {**_public(subscription), "subscribed": True}


def unsubscribe(subscription_id: str) -> None:
    """Remove every trace: topic subscriptions, endpoint, item."""
    _remove(_get(subscription_id))
    log.info("subscription removed")


def count(department: str) -> int:
    """Subscribed devices and browsers of a département: COUNT queries on the audience index, one
    per platform (no scan, no item read back)."""
    return sum(Subscription.by_audience.count(_audience(department, platform)) for platform in PLATFORMS)


# --- Sweeps ------------------------------------------------------------------------------------


def sweep_expired(now: datetime | None = None) -> int:
    """Remove subscriptions that expire within `SWEEP_AHEAD`, endpoint included; returns how many."""
    cutoff = (now or _now()) + SWEEP_AHEAD
    first = cutoff.date() - timedelta(days=SWEEP_BEHIND_DAYS)
    removed = 0
    for offset in range((cutoff.date() - first).days + 1):
        day = (first + timedelta(days=offset)).isoformat()
        for key in Subscription.by_expiry.query(day):
            removed += _remove_if_expired(key.id, cutoff)
    if removed:
        log.info("expired subscriptions removed: %d", removed)
    return removed


def sweep_disabled() -> int:
    """Remove the subscriptions whose endpoint SNS disabled, and orphan disabled endpoints."""
    removed = 0
    for platform in MOBILE_PLATFORMS:
        for endpoint_arn, token in sns.disabled_endpoints(platform):
            try:  # one endpoint that cannot be removed now must not keep the others: the next sweep retries it
                _remove_disabled(endpoint_arn, token)
            except Exception as exc:
                log.error("disabled endpoint not removed: %s", type(exc).__name__)
                continue
            removed += 1
    if removed:
        log.info("disabled endpoints removed: %d", removed)
    return removed


def _remove_disabled(endpoint_arn: str, token: str) -> None:
    """The subscription of a disabled endpoint with it, or the endpoint alone if none uses it."""
    subscription = _find_by_token(_hash(token)) if token else None
    if subscription is not None and subscription.endpoint_arn == endpoint_arn:
        _remove(subscription)
    else:
        sns.delete_endpoint(endpoint_arn)


def _remove_if_expired(subscription_id: str, cutoff: datetime) -> int:
    """The item goes first, on condition it was not refreshed meanwhile; then its SNS resources."""
    from pynamodb.exceptions import DeleteError

    try:
        subscription = Subscription.get(subscription_id, consistent_read=True)
        subscription.delete(condition=Subscription.expires_at <= cutoff)
    except (Subscription.DoesNotExist, DeleteError):
        return 0
    _quietly(_release, subscription)
    metric("SubscriptionsExpired", Platform=subscription.platform)
    return 1


# --- Internals ---------------------------------------------------------------------------------


def _credential(body: SubscriptionBody) -> str:
    """The secret that identifies the device or browser: the push token for iOS/Android, the
    push-service endpoint for the web."""
    if body.platform == "web":
        if body.token is not None:
            raise field_error("token", "Ce champ est réservé aux plateformes iOS et Android.")
        if body.web_push is None:
            raise field_error("web_push", "L'abonnement du navigateur (« web_push ») est obligatoire pour le web.")
        return body.web_push.endpoint
    if body.web_push is not None:
        raise field_error("web_push", "Ce champ est réservé à la plateforme web.")
    if body.token is None:
        raise field_error("token", "Le jeton de notification (« token ») est obligatoire pour iOS et Android.")
    return body.token


def _attach_mobile(subscription: Subscription, *, token: str, department: str) -> None:
    """Endpoint and topic subscriptions for this token, then the item; undone if anything fails.

    Re-registering calls SNS again on purpose: it returns the same endpoint and subscriptions, and
    repairs an endpoint that was disabled or deleted meanwhile. What the item no longer uses
    afterwards (the old département's subscription) is released.
    """
    old = _sns_resources(subscription)
    new: dict[str, str] = {}
    undo = ExitStack()

    def create(role: str, arn: str) -> str:
        if arn != old[role]:
            undo.callback(_quietly, _RELEASE[role], arn)
        new[role] = arn
        return arn

    with undo:
        endpoint_arn = create("endpoint", sns.register_endpoint(subscription.platform, token))
        create("department", sns.subscribe(endpoint_arn, department))
        create("national", sns.subscribe(endpoint_arn, None))
        subscription.endpoint_arn = new["endpoint"]
        subscription.department_subscription_arn = new["department"]
        subscription.national_subscription_arn = new["national"]
        subscription.department = department
        _save(subscription)
        undo.pop_all()
    for role, stale in old.items():
        if stale and stale != new[role]:
            _quietly(_RELEASE[role], stale)


def _attach_web(subscription: Subscription, *, web_push: WebPushSubscription, department: str) -> None:
    """A browser needs no SNS resource: the item (audience `<dept>#web`) is what the fan-out reads."""
    subscription.web_push = web_push.stored()
    subscription.department = department
    _save(subscription)


def _move(subscription: Subscription, department: str) -> None:
    """Subscribe to the new département's topic, save, then leave the old topic."""
    if subscription.platform not in MOBILE_PLATFORMS:
        subscription.department = department
        _save(subscription, must_exist=True)
        return
    old = subscription.department_subscription_arn
    with ExitStack() as undo:
        new = sns.subscribe(subscription.endpoint_arn or "", department)
        undo.callback(_quietly, sns.unsubscribe, new)
        subscription.department_subscription_arn = new
        subscription.department = department
        _save(subscription, must_exist=True)
        undo.pop_all()
    _quietly(sns.unsubscribe, old)


def _remove(subscription: Subscription) -> None:
    """SNS resources first, item last: if SNS fails, the item remains and a retry finishes the job."""
    _release(subscription)
    subscription.delete()
    metric("SubscriptionsRemoved", Platform=subscription.platform)


def _release(subscription: Subscription) -> None:
    for role, arn in _sns_resources(subscription).items():
        _RELEASE[role](arn)


def _sns_resources(subscription: Subscription) -> dict[str, str | None]:
    """Topic subscriptions before the endpoint: the order in which they are released."""
    return {
        "department": subscription.department_subscription_arn,
        "national": subscription.national_subscription_arn,
        "endpoint": subscription.endpoint_arn,
    }


_RELEASE: dict[str, Callable[[str | None], None]] = {
    "department": sns.unsubscribe,
    "national": sns.unsubscribe,
    "endpoint": sns.delete_endpoint,
}


def _save(subscription: Subscription, *, must_exist: bool = False) -> None:
    """Stamp the refresh and expiry, then write; `must_exist` keeps a concurrent DELETE final."""
    from pynamodb.exceptions import PutError

    now = _now()
    expires = now + timedelta(days=get_settings().subscription_ttl_days)
    subscription.audience = _audience(subscription.department, subscription.platform)
    subscription.refreshed_at = now
    subscription.expires_at = expires
    subscription.expiry_day = expires.date().isoformat()
    try:
        subscription.save(condition=Subscription.id.exists() if must_exist else None)
    except PutError as exc:
        if must_exist and exc.cause_response_code == "ConditionalCheckFailedException":
            raise _not_found() from None
        raise


def _get(subscription_id: str) -> Subscription:
    if not _ID.fullmatch(subscription_id):
        raise _not_found()
    try:
        return Subscription.get(subscription_id, consistent_read=True)
    except Subscription.DoesNotExist:
        raise _not_found() from None


def _find_by_token(token_hash: str) -> Subscription | None:
    for key in Subscription.by_token.query(token_hash, limit=1):
        try:
            return Subscription.get(key.id, consistent_read=True)
        except Subscription.DoesNotExist:
            return None
    return None


def _not_found() -> AppError:
    return AppError("not_found", "Abonnement inconnu : il a peut-être expiré ou été supprimé.")


def _public(subscription: Subscription) -> dict[str, str]:
    return {"id": subscription.id, "department": subscription.department}


def _audience(department: str, platform: str) -> str:
    return f"{department}#{platform}"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _quietly(step: Callable[..., Any], *args: Any) -> None:
    """Run a clean-up step whose failure must not hide the original outcome (logged, not raised)."""
    try:
        step(*args)
    except Exception as exc:
        log.error("subscription clean-up step %s failed: %s", step.__name__, type(exc).__name__)

"""Citizens' subscriptions: register, refresh, move, unsubscribe, expire, count.

A subscription stores only the platform, a hash of the push token (to find it again), what delivery
needs (the SNS endpoint and topic subscriptions for iOS/Android, the PushSubscription for the web),
the département and timestamps. Its id (192 random bits) is the client's only handle.

Mobile: the token becomes an SNS platform endpoint subscribed to the département's topic and to the
national topic. A registration that fails half-way undoes what it created (no endpoint left behind).

No takeover: a registration never answers an id that already exists. The same token (or browser
endpoint) registered again **rotates the handle**: a new id, the same SNS endpoint, and the old item
is deleted in the same transaction, so whoever held the old id (the app, or someone who learnt the
token) gets 404 and the app registers again. Stored web-push keys are never overwritten: new keys
make a new item, and the old one is retired with its id.

Flood limits (`limits.py`, values in `config.py`): registrations per client and minute, browser
subscriptions per p256dh key and per push service (allow-list entry). Browsers whose push service
fails them on `WEBPUSH_MAX_FAILURES` consecutive alerts are disabled by the worker (audience
`disabled#web`: no longer sent to nor counted) and removed by `sweep_disabled()`.

Clean-up (`app.py` schedules both):
- `sweep_expired()`, hourly: subscriptions not refreshed for `SUBSCRIPTION_TTL_DAYS` (60) are
  removed with their endpoint before DynamoDB's TTL would delete the bare item;
- `sweep_disabled()`, daily: endpoints SNS disabled because APNs/FCM rejected the token are removed
  with their subscription, and so are browsers the web-push worker disabled. A refresh (PUT) also
  checks its own subscription and answers 410 if it was disabled, so the app registers again.
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

from chalicelib import departements, limits
from chalicelib.config import get_settings
from chalicelib.errors import AppError, field_error
from chalicelib.models import DISABLED_WEB_AUDIENCE, Subscription
from chalicelib.observability import metric
from chalicelib.push import sns
from chalicelib.push.push_services import push_service
from chalicelib.push.webpush_subscription import WebPushSubscription
from chalicelib.validation import Body

log = logging.getLogger(__name__)

PLATFORMS = ("ios", "android", "web")
MOBILE_PLATFORMS = ("ios", "android")
SWEEP_AHEAD = timedelta(hours=2)  # the hourly sweep always runs before DynamoDB's TTL could
SWEEP_BEHIND_DAYS = 3  # expiry days looked at again, in case some sweeps did not run
REGISTRATION_LIMIT = "register"
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


def register(body: SubscriptionBody, *, client: str) -> dict[str, str]:
    """Subscribe a device or browser to its département (and the national messages). A token or
    endpoint already registered gets a new id and its old one stops working (no takeover).
    `client` is the caller's address, for the per-minute limit."""
    department = departements.normalize(body.department)
    if not body.accept_notifications:
        raise AppError("consent_required")
    token = _credential(body)
    limits.take_rate(REGISTRATION_LIMIT, client, limit=get_settings().registrations_per_minute)
    token_hash = _hash(token)
    previous = _find_by_token(token_hash)
    subscription = Subscription(
        id=secrets.token_urlsafe(24), platform=body.platform, token_hash=token_hash, created_at=_now()
    )
    if body.web_push is not None:
        _attach_web(subscription, web_push=body.web_push, department=department, previous=previous)
    else:
        _attach_mobile(subscription, token=token, department=department, previous=previous)
    log.info(
        "subscription registered",
        extra={"platform": body.platform, "department": department, "rotated": previous is not None},
    )
    if previous is None:  # a rotation replaces a subscription, it adds none
        metric("SubscriptionsCreated", Platform=body.platform)
    return _public(subscription)


def update(subscription_id: str, body: SubscriptionUpdate) -> dict[str, Any]:
    """Refresh (the apps call it at each launch), move to another département, or withdraw consent."""
    subscription = _get(subscription_id)
    if body.accept_notifications is False:
        _remove(subscription)
        return {**_public(subscription), "subscribed": False}
    if subscription.disabled_at is not None or (
        subscription.platform in MOBILE_PLATFORMS and not sns.endpoint_enabled(subscription.endpoint_arn or "")
    ):
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
    """Active devices and browsers of a département: COUNT queries on the audience index, one per
    platform (no scan, no item read back). Disabled browsers are in another audience; subscriptions
    past their expiry that no sweep removed yet are filtered out (a COUNT reads them anyway)."""
    active = Subscription.expires_at > _now()
    return sum(
        Subscription.by_audience.count(_audience(department, platform), filter_condition=active)
        for platform in PLATFORMS
    )


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
    """Remove the subscriptions whose endpoint SNS disabled, orphan disabled endpoints, and the
    browsers the web-push worker disabled."""
    removed = 0
    for key in Subscription.by_audience.query(DISABLED_WEB_AUDIENCE):
        try:
            _remove(Subscription.get(key.id, consistent_read=True))
        except Subscription.DoesNotExist:
            continue
        removed += 1
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
    _quietly(_release_push_service, subscription)
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


def _attach_mobile(subscription: Subscription, *, token: str, department: str, previous: Subscription | None) -> None:
    """Endpoint and topic subscriptions for this token, then the item (replacing `previous`, the
    item of the same token); undone if anything fails.

    Re-registering calls SNS again on purpose: it returns the same endpoint and subscriptions, and
    repairs an endpoint that was disabled or deleted meanwhile. What the new item no longer uses
    afterwards (the old département's subscription) is released.
    """
    old = _sns_resources(previous) if previous is not None else dict.fromkeys(_RELEASE)
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
        _replace(previous, subscription)
        undo.pop_all()
    for role, stale in old.items():
        if stale and stale != new[role]:
            _quietly(_RELEASE[role], stale)


def _attach_web(
    subscription: Subscription, *, web_push: WebPushSubscription, department: str, previous: Subscription | None
) -> None:
    """A browser needs no SNS resource: the item (audience `<dept>#web`) is what the fan-out reads.

    The keys are those of this registration: `previous` (the same endpoint) is retired, never
    updated. A new browser counts against its p256dh key and its push service; a rotation takes
    the place of the item it retires.
    """
    settings = get_settings()
    stored = web_push.stored()
    key_hash = _hash(stored["keys"]["p256dh"])
    service = push_service(web_push.endpoint) or "unknown"
    sharing = Subscription.by_key.count(key_hash)
    if previous is not None and previous.key_hash == key_hash:
        sharing -= 1
    if sharing >= settings.webpush_max_per_key:
        raise AppError(
            "subscription_limit", "Ces clés de chiffrement servent déjà à un autre abonnement : abonnez-vous à nouveau."
        )
    reserved = previous is None or previous.push_service != service
    if reserved and not limits.reserve(f"push-service#{service}", limit=settings.webpush_max_per_push_service):
        log.warning("push service at its subscription limit", extra={"push_service": service})
        raise AppError("subscription_limit")
    subscription.web_push = stored
    subscription.key_hash = key_hash
    subscription.push_service = service
    subscription.department = department
    try:
        _replace(previous, subscription)
    except Exception:
        if reserved:
            _quietly(limits.release, f"push-service#{service}")
        raise
    if previous is not None and reserved:
        _quietly(_release_push_service, previous)


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
    from pynamodb.exceptions import DeleteError

    _release(subscription)
    try:
        subscription.delete(condition=Subscription.id.exists())
    except DeleteError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return  # removed meanwhile (by a concurrent request or a sweep), which released its count
    metric("SubscriptionsRemoved", Platform=subscription.platform)
    _quietly(_release_push_service, subscription)


def _release_push_service(subscription: Subscription) -> None:
    if subscription.push_service:
        limits.release(f"push-service#{subscription.push_service}")


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


def _replace(previous: Subscription | None, subscription: Subscription) -> None:
    """Write a new item and delete `previous` in one transaction: the old id stops working the
    moment the new one exists. Two registrations of one token racing: one wins, the other is a 409."""
    from pynamodb.connection import Connection
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    if previous is None:
        _save(subscription, must_be_new=True)
        return
    _stamp(subscription)
    try:
        with TransactWrite(connection=Connection(region=get_settings().region)) as transaction:
            transaction.delete(previous, condition=Subscription.id.exists())
            transaction.save(subscription, condition=Subscription.id.does_not_exist())
    except TransactWriteError as exc:
        if exc.cause_response_code == "TransactionCanceledException":
            raise AppError("conflict", "Cet appareil s'inscrit déjà dans une autre requête : réessayez.") from None
        raise


def _stamp(subscription: Subscription) -> None:
    """The refresh and expiry of a write now."""
    now = _now()
    expires = now + timedelta(days=get_settings().subscription_ttl_days)
    subscription.audience = _audience(subscription.department, subscription.platform)
    subscription.refreshed_at = now
    subscription.expires_at = expires
    subscription.expiry_day = expires.date().isoformat()


def _save(subscription: Subscription, *, must_exist: bool = False, must_be_new: bool = False) -> None:
    """Stamp the refresh and expiry, then write; `must_exist` keeps a concurrent DELETE final."""
    from pynamodb.exceptions import PutError

    _stamp(subscription)
    condition: Any = Subscription.id.exists() if must_exist else None
    if must_be_new:
        condition = Subscription.id.does_not_exist()
    try:
        subscription.save(condition=condition)
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

"""PynamoDB models, one per table, with their indexes declared beside them.

Table names come from the settings (`RESOURCE_PREFIX`), read when this module is imported.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.config import get_settings

_settings = get_settings()

DISABLED_WEB_AUDIENCE = "disabled#web"  # browsers the web-push worker disabled: not sent to, not counted


class SubscriptionsByTokenIndex(GlobalSecondaryIndex["Subscription"]):
    """Finds the subscription of a push token (by its hash) so a re-registration reuses it."""

    class Meta:
        index_name = "by-token"
        projection = KeysOnlyProjection()

    token_hash = UnicodeAttribute(hash_key=True)


class SubscriptionsByKeyIndex(GlobalSecondaryIndex["Subscription"]):
    """Sparse (browsers only): the subscriptions sharing a p256dh key, counted to cap key reuse."""

    class Meta:
        index_name = "by-key"
        projection = KeysOnlyProjection()

    key_hash = UnicodeAttribute(hash_key=True)


class SubscriptionsByAudienceIndex(GlobalSecondaryIndex["Subscription"]):
    """Pages through the subscriptions of one audience (`34#web`) for the web-push fan-out."""

    class Meta:
        index_name = "by-audience"
        projection = AllProjection()

    audience = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class SubscriptionsByExpiryIndex(GlobalSecondaryIndex["Subscription"]):
    """Finds the subscriptions expiring on a day, so the sweep releases their SNS endpoint before
    DynamoDB's TTL deletes the item (TTL alone would leave the endpoint subscribed)."""

    class Meta:
        index_name = "by-expiry"
        projection = KeysOnlyProjection()

    expiry_day = UnicodeAttribute(hash_key=True)  # "YYYY-MM-DD" of expires_at
    id = UnicodeAttribute(range_key=True)


class Subscription(Model):
    """A citizen's device or browser: no name, no location, only what delivery needs."""

    class Meta:
        table_name = _settings.table_name("subscriptions")
        region = _settings.region
        billing_mode = "PAY_PER_REQUEST"

    id = UnicodeAttribute(hash_key=True)
    platform = UnicodeAttribute()  # ios | android | web
    department = UnicodeAttribute()
    audience = UnicodeAttribute()  # "<department>#<platform>", DISABLED_WEB_AUDIENCE once disabled
    token_hash = UnicodeAttribute()  # sha256 of the token or web-push endpoint
    endpoint_arn = UnicodeAttribute(null=True)  # SNS platform endpoint (mobile)
    department_subscription_arn = UnicodeAttribute(null=True)
    national_subscription_arn = UnicodeAttribute(null=True)
    web_push = JSONAttribute(null=True)  # {"endpoint", "keys": {"p256dh", "auth"}} (web)
    key_hash = UnicodeAttribute(null=True)  # sha256 of the p256dh key (web)
    push_service = UnicodeAttribute(null=True)  # the allow-list entry its endpoint matches (web)
    failures = NumberAttribute(null=True)  # consecutive alerts its push service refused (web)
    disabled_at = UTCDateTimeAttribute(null=True)  # set with audience "disabled#web"; swept daily
    created_at = UTCDateTimeAttribute()
    refreshed_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
    expiry_day = UnicodeAttribute()

    by_token = SubscriptionsByTokenIndex()
    by_key = SubscriptionsByKeyIndex()
    by_audience = SubscriptionsByAudienceIndex()
    by_expiry = SubscriptionsByExpiryIndex()


class CurrentAlert(Model):
    """The one current alert of a département; `revision` only grows (conditional writes)."""

    class Meta:
        table_name = _settings.table_name("current-alerts")
        region = _settings.region
        billing_mode = "PAY_PER_REQUEST"

    department = UnicodeAttribute(hash_key=True)
    revision = NumberAttribute(default=0)
    alert_id = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    offence_type = UnicodeAttribute(null=True)
    sent_by = UnicodeAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    status = UnicodeAttribute(default="active")  # active | retracted
    retracted_at = UTCDateTimeAttribute(null=True)
    log_key = UnicodeAttribute(null=True)  # sort key of the log entry of this revision
    delivery_status = UnicodeAttribute(null=True)  # pending | retrying | published | failed | expired
    delivery_attempted_at = UTCDateTimeAttribute(null=True)


class DeliveryCounts(MapAttribute[str, int]):
    sent = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    pruned = NumberAttribute(default=0)


class UndeliveredPreventionIndex(GlobalSecondaryIndex["AlertLogEntry"]):
    """Sparse: only the prevention pushes not yet delivered carry `retry_queue`, so the per-minute
    retry reads these few entries instead of scanning the whole log."""

    class Meta:
        index_name = "undelivered-prevention"
        projection = AllProjection()

    retry_queue = UnicodeAttribute(hash_key=True)  # "prevention" while undelivered, removed after
    log_key = UnicodeAttribute(range_key=True)


class AlertLogEntry(Model):
    """Append-only audit trail of sends, retractions and refusals, newest first per département."""

    class Meta:
        table_name = _settings.table_name("alert-log")
        region = _settings.region
        billing_mode = "PAY_PER_REQUEST"

    department = UnicodeAttribute(hash_key=True)
    log_key = UnicodeAttribute(range_key=True)  # "<ISO time>#<id>": sorts by time
    kind = UnicodeAttribute()  # sent | retracted | refused | prevention | feed_published | feed_removed
    alert_id = UnicodeAttribute(null=True)
    revision = NumberAttribute(null=True)
    text = UnicodeAttribute(null=True)
    offence_type = UnicodeAttribute(null=True)
    sent_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    findings = JSONAttribute(null=True)
    composition = JSONAttribute(null=True)  # a composed alert: the fields it was written from
    delivery_status = UnicodeAttribute(null=True)  # pending | retrying | published | failed | superseded | expired
    delivery_attempts = NumberAttribute(default=0)
    delivery_attempted_at = UTCDateTimeAttribute(null=True)  # prevention pushes: when the last try began
    channels = JSONAttribute(null=True)  # {channel name: {"ok": bool, ...}} from chalicelib.push.deliver
    web = DeliveryCounts(null=True)
    expires_at = TTLAttribute(null=True)  # kept one year (CNIL: logs 6 to 12 months)
    retry_queue = UnicodeAttribute(null=True)

    undelivered_prevention = UndeliveredPreventionIndex()


class FeedByTimeIndex(GlobalSecondaryIndex["FeedItem"]):
    """All published items on one partition, sorted by publication time (the feed is small)."""

    class Meta:
        index_name = "by-time"
        projection = AllProjection()

    feed = UnicodeAttribute(hash_key=True)
    published_at = UnicodeAttribute(range_key=True)  # "<ISO time>#<id>"


class FeedItem(Model):
    """A national feed item published by the OPP of GGD34."""

    class Meta:
        table_name = _settings.table_name("feed")
        region = _settings.region
        billing_mode = "PAY_PER_REQUEST"

    id = UnicodeAttribute(hash_key=True)
    feed = UnicodeAttribute(default="national")
    published_at = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    kind = UnicodeAttribute()
    link = UnicodeAttribute(null=True)
    author = UnicodeAttribute()

    by_time = FeedByTimeIndex()


class IdempotencyRecord(Model):
    """The first answer to a POST carrying an `Idempotency-Key`, replayed on retries."""

    class Meta:
        table_name = _settings.table_name("idempotency")
        region = _settings.region
        billing_mode = "PAY_PER_REQUEST"

    key = UnicodeAttribute(hash_key=True)  # "<user>#<route>#<Idempotency-Key>"
    fingerprint = UnicodeAttribute()  # hash of the request body
    status_code = NumberAttribute(null=True)
    response = JSONAttribute(null=True)
    completed = BooleanAttribute(default=False)
    expires_at = TTLAttribute()


class Marker(Model):
    """Small counters and once-only markers: login failures, seasonal reminders already sent."""

    class Meta:
        table_name = _settings.table_name("markers")
        region = _settings.region
        billing_mode = "PAY_PER_REQUEST"

    key = UnicodeAttribute(hash_key=True)
    hits = NumberAttribute(default=0)
    first_at = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)


class ContentDocument(Model):
    """Content the OPP edits at run time (the alert composer's advice list), one item per document;
    `revision` grows by one with each edit (conditional writes: two editors cannot overwrite each other)."""

    class Meta:
        table_name = _settings.table_name("content")
        region = _settings.region
        billing_mode = "PAY_PER_REQUEST"

    name = UnicodeAttribute(hash_key=True)
    document = JSONAttribute()
    revision = NumberAttribute()
    updated_by = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()


ALL_MODELS: tuple[type[Model], ...] = (
    Subscription,
    CurrentAlert,
    AlertLogEntry,
    FeedItem,
    IdempotencyRecord,
    Marker,
    ContentDocument,
)

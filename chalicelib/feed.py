"""The national feed and the prevention pushes, published by the OPP of GGD34 alone (DESIGN §6).

Every publication, removal and refusal is written, with its author, to the append-only alert log:
partition `feed` for feed items, `national` for national prevention pushes and the département's
own partition for a seasonal reminder sent to it (its CORG sees what its users received).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from chalicelib import rules
from chalicelib.config import get_settings
from chalicelib.errors import AppError, field_error
from chalicelib.observability import metric
from chalicelib.validation import Body, clean_text

if TYPE_CHECKING:
    from chalicelib import push
    from chalicelib.models import AlertLogEntry

log = logging.getLogger(__name__)

FEED = "national"  # the one partition of the feed's `by-time` index
FEED_LOG = "feed"  # alert-log partition of feed publications and removals
NATIONAL_LOG = "national"  # alert-log partition of national prevention pushes
PUSH_TITLE = "Stop Cambriolages : prévention"
RETRY_QUEUE = "prevention"  # `retry_queue` of the prevention pushes not yet delivered (a sparse index)
STALE_AFTER = timedelta(minutes=2)  # a push pending (or retrying) this long was cut short: send it again
MAX_CURSOR = 200
BAD_CURSOR = "Curseur de pagination invalide : reprenez depuis la première page."

_HTML_TAG = re.compile(r"<\s*[A-Za-z/!?]")
_HOST = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ID = re.compile(r"^[0-9a-f]{32}$")
_SORT_KEY = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)#([0-9a-f]{32})$")


# --- Request bodies -----------------------------------------------------------------------------


class FeedItemBody(Body):
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(min_length=1, max_length=2000)
    kind: Literal["prevention", "information", "otv"]
    link: str | None = Field(default=None, max_length=500)

    @field_validator("title", "link", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> object:
        return clean_text(value)

    @field_validator("body", mode="before")
    @classmethod
    def _paragraphs(cls, value: object) -> object:
        return clean_text(value, multiline=True)

    @field_validator("title", "body")
    @classmethod
    def _plain_text(cls, value: str) -> str:
        if _HTML_TAG.search(value):
            raise ValueError("Texte brut attendu : les balises HTML ne sont pas acceptées.")
        return value

    @field_validator("link")
    @classmethod
    def _https_link(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not is_https_url(value):
            raise ValueError("Lien invalide : une adresse complète en https:// est attendue.")
        return value


def is_https_url(value: str) -> bool:
    """An absolute https URL to a named host (no credentials, no other port, no spaces)."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return False
    return (
        parts.scheme == "https"
        and bool(_HOST.match(parts.hostname or ""))
        and parts.username is None
        and port in (None, 443)
        and not any(c.isspace() for c in value)
    )


class PreventionPushBody(Body):
    text: str

    _one_line = field_validator("text", mode="before")(clean_text)

    @field_validator("text")
    @classmethod
    def _length(cls, value: str) -> str:
        return rules.counted_text(value, rules.MAX_LENGTH, rules.RULES_BY_ID["length"].message)


# --- Feed ---------------------------------------------------------------------------------------


def publish(item: FeedItemBody, *, author: str) -> dict[str, Any]:
    """Publish a feed item (off-topic ones are refused and logged); returns the public FeedItem."""
    from chalicelib.models import FeedItem

    _refuse_off_topic({"title": item.title, "body": item.body}, partition=FEED_LOG, author=author)
    item_id, now = uuid.uuid4().hex, _now()
    stored = FeedItem(
        item_id,
        feed=FEED,
        published_at=f"{_iso(now)}#{item_id}",
        title=item.title,
        body=item.body,
        kind=item.kind,
        link=item.link,
        author=author,
    )
    stored.save()
    try:
        _audit(FEED_LOG, "feed_published", author=author, text=item.title, ref=item_id, at=now)
    except Exception:
        stored.delete()  # the OPP is told to try again: the retry must not publish the item twice
        raise
    log.info("feed item published", extra={"item": item_id, "operator": author, "kind": item.kind})
    return shown(stored)


def remove(item_id: str, *, author: str) -> None:
    """Unpublish an item; an unknown (or already removed) one is a 404."""
    from pynamodb.exceptions import DeleteError

    from chalicelib.models import FeedItem

    gone = AppError("not_found", "Cette actualité n'existe pas ou a déjà été retirée.")
    if not _ID.match(item_id):
        raise gone
    try:
        item = FeedItem.get(item_id, consistent_read=True)
        item.delete(condition=FeedItem.id.exists())
    except FeedItem.DoesNotExist:
        raise gone from None
    except DeleteError as exc:
        if "ConditionalCheckFailed" in str(exc.cause_response_code):
            raise gone from None
        raise
    _audit(FEED_LOG, "feed_removed", author=author, text=item.title, ref=item_id, at=_now())
    log.info("feed item removed", extra={"item": item_id, "operator": author})


def page(*, limit: int, cursor: str | None) -> dict[str, Any]:
    """Newest items first; `next_cursor` is null on the last page."""
    from chalicelib.models import FeedItem

    start = decode_cursor(cursor) if cursor else None
    found = list(FeedItem.by_time.query(FEED, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start))
    items = found[:limit]
    more = len(found) > limit
    return {"items": [shown(i) for i in items], "next_cursor": encode_cursor(items[-1]) if more else None}


def shown(item: Any) -> dict[str, Any]:
    """The public FeedItem (the author stays in the audit log)."""
    return {
        "id": item.id,
        "title": item.title,
        "body": item.body,
        "kind": item.kind,
        "link": item.link,
        "published_at": _to_second(item.published_at),
    }


def encode_cursor(item: Any) -> str:
    raw = json.dumps({"k": item.published_at}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> dict[str, dict[str, str]]:
    """The index position a cursor stands for; anything not made by `encode_cursor` is a 400."""
    invalid = field_error("cursor", BAD_CURSOR, "invalid_parameter")
    if len(cursor) > MAX_CURSOR or not re.fullmatch(r"[A-Za-z0-9_-]+", cursor):
        raise invalid
    try:
        document = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise invalid from None
    key = document.get("k") if isinstance(document, dict) and set(document) == {"k"} else None
    if not isinstance(key, str) or not (match := _SORT_KEY.match(key)):
        raise invalid
    try:
        datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        raise invalid from None
    return {"feed": {"S": FEED}, "published_at": {"S": key}, "id": {"S": match.group(2)}}


# --- Prevention pushes --------------------------------------------------------------------------


def push_prevention(
    text: str, *, author: str, departments: Sequence[str] | None = None, push_id: str | None = None
) -> dict[str, Any]:
    """Send a prevention push to the national topic, or to each of `departments`; each send is logged
    before delivery and marked with its outcome (a failed one is sent again by
    `retry_prevention_pushes`). Off-topic texts are refused (422) and logged. `push_id` names the
    push (a seasonal reminder sent in several runs keeps one id); a new one by default."""
    targets: Sequence[str | None] = list(departments) if departments is not None else [None]
    text = rules.normalize_text(text)
    _refuse_off_topic({"text": text}, partition=NATIONAL_LOG, author=author)
    push_id, now = push_id or uuid.uuid4().hex, _now()
    delivered: dict[str, str] = {}
    for department in targets:
        entry = _audit(
            department or NATIONAL_LOG, "prevention", author=author, text=text, ref=push_id, at=now, status="pending"
        )
        delivered[department or NATIONAL_LOG] = _deliver(entry)
    log.info("prevention push sent", extra={"push": push_id, "operator": author, "audiences": len(targets)})
    metric("PreventionPushesSent", len(targets))
    return {"id": push_id, "text": text, "sent_at": _to_second(_iso(now)), "delivery": delivered}


def retry_prevention_pushes(now: datetime | None = None) -> int:
    """Deliver again, within the push TTL, the prevention pushes whose delivery failed or was cut
    short (pending or retrying for `STALE_AFTER`: a crash); past the TTL, mark them expired. Reads
    the sparse `undelivered-prevention` index, never the whole log. Returns how many were retried."""
    from chalicelib.models import AlertLogEntry

    now = now or _now()
    retried = 0
    for entry in AlertLogEntry.undelivered_prevention.query(RETRY_QUEUE):
        try:  # one entry's failure must not hold back the others (the next run retries it)
            retried += _retry(entry, now)
        except Exception as exc:
            log.error("prevention push retry failed: %s", type(exc).__name__, extra={"push": entry.alert_id})
    return retried


def _retry(entry: AlertLogEntry, now: datetime) -> int:
    """Deliver one undelivered push again to the channels that failed, or expire it; 1 if retried."""
    if entry.delivery_status != "failed" and now - (entry.delivery_attempted_at or entry.created_at) < STALE_AFTER:
        return 0  # may still be in flight
    if now - entry.created_at > timedelta(seconds=get_settings().alert_ttl_seconds):
        if _claim(entry, now, status="expired"):
            log.error("prevention push never delivered, past its TTL", extra={"push": entry.alert_id})
        return 0
    if not _claim(entry, now, status="retrying"):
        return 0
    status = _deliver(entry, entry.channels)
    log.warning("prevention push retried: %s", status, extra={"push": entry.alert_id})
    return 1


def _claim(entry: AlertLogEntry, now: datetime, *, status: str) -> bool:
    """Move the entry to `status` unless another run changed it since it was read (every change of
    its delivery changes its status or its attempt time): overlapping schedules send once."""
    from pynamodb.exceptions import UpdateError
    from pynamodb.expressions.update import Action

    from chalicelib.models import AlertLogEntry

    actions: list[Action] = [AlertLogEntry.delivery_status.set(status), AlertLogEntry.delivery_attempted_at.set(now)]
    if status == "expired":
        actions.append(AlertLogEntry.retry_queue.remove())
    seen = (AlertLogEntry.delivery_status == entry.delivery_status) & (
        AlertLogEntry.delivery_attempted_at == entry.delivery_attempted_at
    )
    try:
        entry.update(actions=actions, condition=seen)
    except UpdateError as exc:
        if "ConditionalCheckFailed" in str(exc.cause_response_code):
            return False
        raise
    return True


def _deliver(entry: AlertLogEntry, done: dict[str, Any] | None = None) -> str:
    """Hand the logged push to the channels not yet done and record the outcome (a push delivered
    everywhere leaves the retry queue); returns the status. Never raises: the push has left, and a
    failure here must not make the OPP (or the scheduler) send it again."""
    from pynamodb.expressions.update import Action

    from chalicelib import push
    from chalicelib.models import AlertLogEntry

    done = dict(done or {})
    results = push.deliver(_notification(entry), skip=frozenset(n for n, r in done.items() if r.get("ok")))
    done.update({name: {"ok": r.ok, **r.detail} for name, r in results.items()})
    status = "published" if done and all(r.get("ok") for r in done.values()) else "failed"
    actions: list[Action] = [
        AlertLogEntry.delivery_status.set(status),
        AlertLogEntry.channels.set(done),
        AlertLogEntry.delivery_attempts.add(1),
    ]
    if status == "published":
        actions.append(AlertLogEntry.retry_queue.remove())
    try:
        entry.update(actions=actions)
    except Exception as exc:
        log.error("prevention push outcome not recorded: %s", type(exc).__name__)
    return status


def _notification(entry: AlertLogEntry) -> push.Notification:
    """The same push on every try: its id, text, audience and the prevention collapse key."""
    from chalicelib import push

    return push.Notification(
        department=None if entry.department == NATIONAL_LOG else entry.department,
        title=PUSH_TITLE,
        body=entry.text or "",
        kind="prevention",
        alert_id=entry.alert_id or "",
        revision=0,
        ttl_seconds=get_settings().alert_ttl_seconds,
        log_key=entry.log_key,
    )


# --- Audit --------------------------------------------------------------------------------------


def _refuse_off_topic(fields: dict[str, str], *, partition: str, author: str) -> None:
    """A 422 naming each field out of the app's scope, as alerts answer; the refusal is logged."""
    found = [(name, f) for name, text in fields.items() for f in rules.check_topic(text)]
    if not found:
        return
    findings = [f for _, f in found]
    first_text = next(iter(fields.values()))
    _audit(
        partition,
        "refused",
        author=author,
        text=rules.redact(first_text)[:500],
        ref=None,
        at=_now(),
        findings=[f.as_dict(with_excerpt=False) for f in findings],
    )
    log.info("publication refused", extra={"operator": author, "rules": sorted({f.rule for f in findings})})
    raise AppError(
        "content_rejected",
        "Ce contenu sort du champ de l'application : " + findings[0].message,
        errors=[{"field": name, "message": f.message} for name, f in found],
        extra={"findings": [f.as_dict() for f in findings]},
    )


def _audit(
    partition: str,
    kind: str,
    *,
    author: str,
    text: str,
    ref: str | None,
    at: datetime,
    status: str | None = None,
    findings: list[dict[str, str]] | None = None,
) -> Any:
    """Append one entry to the alert log (never updated, but for its delivery outcome), kept as long
    as the alerts' entries. An entry with a delivery `status` waits in the retry queue until delivered."""
    from chalicelib.alerts import LOG_RETENTION
    from chalicelib.models import AlertLogEntry

    entry = AlertLogEntry(
        partition,
        f"{_iso(at)}#{uuid.uuid4().hex}",
        kind=kind,
        alert_id=ref,
        text=text,
        sent_by=author,
        created_at=at,
        findings=findings,
        delivery_status=status,
        delivery_attempted_at=at if status else None,
        retry_queue=RETRY_QUEUE if status else None,
        expires_at=at + LOG_RETENTION,
    )
    entry.save()
    return entry


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _to_second(iso: str) -> str:
    """`2026-12-09T06:00:00Z` from a stored `2026-12-09T06:00:00.123456Z…` (what the API shows)."""
    return iso[:19] + "Z"

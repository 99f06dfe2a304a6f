"""CORG alerts: check, send, replace, retract, log, deliver, retry.

A département has one current alert (a `CurrentAlert` item). Sending or retracting writes the next
revision of that item, on condition that it still holds the revision just read, together with the
log entry, in ONE DynamoDB transaction: two concurrent sends both succeed with distinct, contiguous
revisions and the item holds the later one (the loser of a race reads again and retries).

Only then is the notification handed to the push channels (`chalicelib.push`), so that nothing is
lost: if delivery fails, the alert stays recorded with a `failed` status, the answer says so, and
`retry_deliveries()` (scheduled every minute) delivers it again while it is still the newest
revision of its département and younger than its push TTL. Refusals are logged too, with their
findings and with what identifies a person masked.

Pushes of a département share one collapse key, so each replaces the previous one on the phone; the
payload carries the revision, and the apps ignore a revision older than the one they show (two
pushes sent a few milliseconds apart may cross on the way).
"""

from __future__ import annotations

import contextlib
import logging
import random
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from pydantic import Field, model_validator

from chalicelib import composer, departements, push, rules
from chalicelib.config import get_settings
from chalicelib.errors import AppError
from chalicelib.models import AlertLogEntry, CurrentAlert
from chalicelib.observability import metric, traced
from chalicelib.validation import Body

log = logging.getLogger(__name__)

COMMIT_BUDGET_SECONDS = 10.0  # concurrent senders of one département retry their write this long
LOG_RETENTION = timedelta(days=365)
RETRY_AFTER = timedelta(seconds=30)  # a delivery this recent may still be in flight: leave it alone
RETRACTION_TEXT = "Message précédent annulé par la gendarmerie\u202f: aucune alerte cambriolages en cours."
UNDELIVERED = ("pending", "retrying", "failed")
_FIELDS = {"offence_type": "offence_type", "offence_not_established": "offence_established"}


_TEXT_OR_COMPOSITION = "Envoyez soit le texte (« text »), soit les champs de l'alerte (« composition »), l'un des deux."


class AlertBody(Body):
    """An alert typed (`text`) or composed from fields (`composition`): exactly one of the two."""

    department: str = Field(max_length=10)
    text: str | None = Field(default=None, max_length=2000)  # 160 characters is a rule with a finding
    composition: composer.Composition | None = None
    offence_type: str = Field(max_length=64)
    offence_established: bool

    @model_validator(mode="after")
    def _text_or_composition(self) -> AlertBody:
        if (self.text is None) == (self.composition is None):
            raise ValueError(_TEXT_OR_COMPOSITION)
        return self


class CheckBody(Body):
    """What the console sends while the operator types: the same fields, all but the text or the
    composition optional (a composition needs the département, where its communes must be)."""

    department: str | None = Field(default=None, max_length=10)
    text: str | None = Field(default=None, max_length=2000)
    composition: composer.Composition | None = None
    offence_type: str | None = Field(default=None, max_length=64)
    offence_established: bool | None = None

    @model_validator(mode="after")
    def _text_or_composition(self) -> CheckBody:
        if (self.text is None) == (self.composition is None):
            raise ValueError(_TEXT_OR_COMPOSITION)
        if self.composition is not None and self.department is None:
            raise ValueError("Indiquez le département (« department ») : les communes doivent en faire partie.")
        return self


# --- Rules -------------------------------------------------------------------------------------


def check(body: CheckBody) -> dict[str, Any]:
    """The rule findings for a draft (the console's live check); for a composition, also the text
    it makes and the field of each finding. Nothing is logged."""
    department = departements.normalize(body.department) if body.department is not None else None
    composed = _compose(department, body.offence_type, body.composition)
    text = composed.text if composed is not None else rules.normalize_text(body.text or "")
    findings = rules.check_alert(
        text=text, offence_type=body.offence_type, offence_established=body.offence_established
    )
    answer: dict[str, Any] = {
        "ok": not findings,
        "length": rules.length(text),
        "findings": [f.as_dict() for f in findings],
    }
    if composed is not None:  # what the fields make, and which field each finding is about
        answer["text"] = text
        answer["findings"] = [{**f.as_dict(), "field": _field(f, composed)} for f in findings]
    return answer


def _compose(
    department: str | None, offence_type: str | None, composition: composer.Composition | None
) -> composer.Composed | None:
    if composition is None or department is None:
        return None
    return composer.compose(department=department, offence_type=offence_type, composition=composition)


def _field(finding: rules.Finding, composed: composer.Composed | None) -> str:
    """The request field a finding is about (the console shows it next to that control)."""
    if finding.rule in _FIELDS:
        return _FIELDS[finding.rule]
    return "text" if composed is None else composer.sentence_field(finding, composed)


# --- Send and retract ----------------------------------------------------------------------------


@traced
def send(*, department: str, body: AlertBody, sender: str) -> dict[str, Any]:
    """Compose if need be, check, record (current item + log entry), then deliver. A refusal is
    logged, then a 422."""
    started = time.monotonic()
    composed = _compose(department, body.offence_type, body.composition)
    text = composed.text if composed is not None else rules.normalize_text(body.text or "")
    findings = rules.check_alert(
        text=text, offence_type=body.offence_type, offence_established=body.offence_established
    )
    if findings:
        _log_refusal(department=department, text=text, composed=composed, body=body, sender=sender, findings=findings)
        raise _rejected(text, findings, composed)

    def replace(previous: CurrentAlert | None, now: datetime) -> CurrentAlert:
        return CurrentAlert(
            department,
            alert_id=secrets.token_urlsafe(12),
            text=text,
            offence_type=body.offence_type,
            sent_by=sender,
            sent_at=now,
            status="active",
        )

    composition = composed.record if composed is not None else None
    previous, current = _commit(department, kind="sent", sender=sender, change=replace, composition=composition)
    replaced = previous.alert_id if previous is not None and previous.status == "active" else None
    log.info("alert sent", extra={"department": department, "revision": current.revision, "operator": sender})
    metric("AlertsSent", Department=department)
    return {"alert": _public(current), "replaced": replaced, "delivery": _deliver(current, since=started)}


@traced
def retract(*, department: str, sender: str) -> dict[str, Any]:
    """Clear the current alert and push a notice that replaces it on the phones; 404 if none."""
    started = time.monotonic()

    def clear(previous: CurrentAlert | None, now: datetime) -> CurrentAlert:
        if previous is None or previous.status != "active":
            raise AppError("not_found", "Aucune alerte en cours pour ce département.")
        return CurrentAlert(
            department,
            alert_id=previous.alert_id,
            text=previous.text,
            offence_type=previous.offence_type,
            sent_by=previous.sent_by,
            sent_at=previous.sent_at,
            status="retracted",
            retracted_at=now,
        )

    _, current = _commit(department, kind="retracted", sender=sender, change=clear)
    log.info("alert retracted", extra={"department": department, "revision": current.revision, "operator": sender})
    metric("AlertsRetracted", Department=department)
    return {"alert": _public(current), "delivery": _deliver(current, since=started)}


def _commit(
    department: str,
    *,
    kind: str,
    sender: str,
    change: Callable[[CurrentAlert | None, datetime], CurrentAlert],
    composition: dict[str, Any] | None = None,
) -> tuple[CurrentAlert | None, CurrentAlert]:
    """Write the next revision and its log entry in one transaction, conditioned on the revision
    read; on a lost race, read again and retry (jittered back-off) within `COMMIT_BUDGET_SECONDS`."""
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    deadline = time.monotonic() + COMMIT_BUDGET_SECONDS
    attempt = 0
    while True:
        previous = _current(department)
        now = _now()
        current: CurrentAlert = change(previous, now)
        current.revision = (previous.revision if previous is not None else 0) + 1
        entry = _log_entry(current, kind=kind, sender=sender, now=now)
        entry.composition = composition
        current.log_key = entry.log_key
        current.delivery_status = entry.delivery_status = "pending"
        current.delivery_attempted_at = now
        unchanged = (
            CurrentAlert.department.does_not_exist() if previous is None else CurrentAlert.revision == previous.revision
        )
        try:
            with TransactWrite(connection=_connection()) as transaction:
                transaction.save(current, condition=unchanged)
                transaction.save(entry, condition=AlertLogEntry.log_key.does_not_exist())
        except TransactWriteError as exc:
            if not _lost_race(exc):
                raise
            if time.monotonic() > deadline:
                raise _busy() from None
            time.sleep(random.uniform(0, min(1.0, 0.02 * 2**attempt)))
            attempt += 1
            continue
        if previous is not None and previous.delivery_status in UNDELIVERED:
            _mark_superseded(previous)
        return previous, current


def _lost_race(exc: Exception) -> bool:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(r is not None and r.code in ("ConditionalCheckFailed", "TransactionConflict") for r in reasons)


def _busy() -> AppError:
    return AppError("conflict", "Trop d'envois simultanés pour ce département : réessayez dans un instant.")


def _log_entry(current: CurrentAlert, *, kind: str, sender: str, now: datetime) -> AlertLogEntry:
    return AlertLogEntry(
        current.department,
        _log_key(now),
        kind=kind,
        alert_id=current.alert_id,
        revision=current.revision,
        text=current.text,
        offence_type=current.offence_type,
        sent_by=sender,
        created_at=now,
        expires_at=now + LOG_RETENTION,
    )


def _log_key(now: datetime) -> str:
    """Sort key of a log entry: time first (newest-first queries), then a random suffix."""
    return f"{_iso(now, precise=True)}#{secrets.token_hex(6)}"


def _log_refusal(
    *,
    department: str,
    text: str,
    composed: composer.Composed | None,
    body: AlertBody,
    sender: str,
    findings: list[rules.Finding],
) -> None:
    """The audit trail of who tried to send what, without the personal data that was refused."""
    now = _now()
    composition = None
    if composed is not None:
        sentence = composed.record["sentence"]
        composition = {**composed.record, "sentence": rules.redact(sentence) if sentence else None}
    AlertLogEntry(
        department,
        _log_key(now),
        kind="refused",
        text=rules.redact(text)[:500],
        offence_type=body.offence_type,
        sent_by=sender,
        created_at=now,
        findings=[f.as_dict(with_excerpt=False) for f in findings],
        composition=composition,
        expires_at=now + LOG_RETENTION,
    ).save()
    log.info("alert refused", extra={"department": department, "operator": sender, "rules": [f.rule for f in findings]})
    metric("AlertsRefused", Department=department)
    for rule in sorted({f.rule for f in findings}):
        metric("AlertRefusalFindings", Rule=rule)


def _rejected(text: str, findings: list[rules.Finding], composed: composer.Composed | None) -> AppError:
    extra = {"length": rules.length(text), "findings": [f.as_dict() for f in findings]}
    return AppError(
        "content_rejected",
        "Le message ne respecte pas les règles de diffusion : " + " ".join(f.message for f in findings),
        errors=[{"field": _field(f, composed), "message": f.message} for f in findings],
        extra=extra,
    )


# --- Delivery --------------------------------------------------------------------------------------


def _deliver(
    current: CurrentAlert, done: dict[str, Any] | None = None, *, since: float | None = None
) -> dict[str, Any]:
    """Hand the current revision to the channels not yet done, then record the outcome; never raises
    (the alert is already recorded: a failure here is for the retry to mend). `since` (monotonic)
    is when the send began: the hand-over latency of each channel counts from there."""
    done = dict(done or {})
    skip = frozenset(n for n, r in done.items() if r.get("ok"))
    results = push.deliver(_notification(current), skip=skip, since=since)
    done.update({name: {"ok": r.ok, **r.detail} for name, r in results.items()})
    status = "published" if all(r.get("ok") for r in done.values()) else "failed"
    try:
        _record_delivery(current, status=status, channels=done)
    except Exception as exc:
        log.error("delivery outcome not recorded: %s", type(exc).__name__)
    answer: dict[str, Any] = {"status": status, "channels": {n: {"ok": r["ok"]} for n, r in done.items()}}
    if status == "failed":
        answer["message"] = "La diffusion a échoué : le message est enregistré et sera renvoyé automatiquement."
    return answer


def _record_delivery(current: CurrentAlert, *, status: str, channels: dict[str, Any]) -> None:
    """Status on the log entry, and on the current item if it still holds this revision."""
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.expressions.update import Action
    from pynamodb.transactions import TransactWrite

    now = _now()
    entry = AlertLogEntry(current.department, current.log_key)
    entry_actions: list[Action] = [
        AlertLogEntry.delivery_status.set(status),
        AlertLogEntry.channels.set(channels),
        AlertLogEntry.delivery_attempts.add(1),
    ]
    try:
        with TransactWrite(connection=_connection()) as transaction:
            transaction.update(entry, actions=entry_actions)
            transaction.update(
                current,
                actions=[CurrentAlert.delivery_status.set(status), CurrentAlert.delivery_attempted_at.set(now)],
                condition=CurrentAlert.revision == current.revision,
            )
    except TransactWriteError as exc:
        if not _lost_race(exc):
            raise
        entry.update(actions=entry_actions)  # a newer revision is current: it has its own status
    current.delivery_status = status


def _mark_superseded(previous: CurrentAlert) -> None:
    """The previous revision was never delivered and never will be: say so in its log entry."""
    from pynamodb.exceptions import UpdateError

    with contextlib.suppress(UpdateError):  # delivered after all, meanwhile
        AlertLogEntry(previous.department, previous.log_key).update(
            actions=[AlertLogEntry.delivery_status.set("superseded")],
            condition=AlertLogEntry.delivery_status.is_in(*UNDELIVERED),
        )


def retry_deliveries(now: datetime | None = None) -> int:
    """Deliver again the current alerts whose delivery failed or never finished (the scan reads at
    most one item per département). Returns how many were retried."""
    now = now or _now()
    retried = 0
    for current in CurrentAlert.scan(filter_condition=CurrentAlert.delivery_status.is_in(*UNDELIVERED)):
        try:  # one département's failure must not hold back the others' alerts (next run retries it)
            retried += _retry(current, now)
        except Exception as exc:
            log.error("alert delivery retry failed: %s", type(exc).__name__, extra={"department": current.department})
    return retried


def _retry(current: CurrentAlert, now: datetime) -> int:
    """Deliver one undelivered current alert again, or mark it expired; 1 if it was retried."""
    if current.delivery_attempted_at is not None and now - current.delivery_attempted_at < RETRY_AFTER:
        return 0
    if now - (current.retracted_at or current.sent_at or now) > timedelta(seconds=get_settings().alert_ttl_seconds):
        _record_delivery(current, status="expired", channels=_channels_of(current))
        log.error("alert never delivered, past its TTL", extra={"department": current.department})
        return 0
    if not _claim_retry(current, now):
        return 0
    outcome = _deliver(current, _channels_of(current))
    log.warning("alert delivery retried: %s", outcome["status"], extra={"department": current.department})
    return 1


def _claim_retry(current: CurrentAlert, now: datetime) -> bool:
    """Only one retry at a time, and only of the revision seen (overlapping schedules, new sends)."""
    from pynamodb.exceptions import UpdateError

    try:
        current.update(
            actions=[CurrentAlert.delivery_status.set("retrying"), CurrentAlert.delivery_attempted_at.set(now)],
            condition=(CurrentAlert.revision == current.revision)
            & (CurrentAlert.delivery_attempted_at == current.delivery_attempted_at),
        )
    except UpdateError:
        return False
    return True


def _channels_of(current: CurrentAlert) -> dict[str, Any]:
    try:
        entry = AlertLogEntry.get(current.department, current.log_key, consistent_read=True)
    except AlertLogEntry.DoesNotExist:
        return {}
    return dict(entry.channels or {})


def _notification(current: CurrentAlert) -> push.Notification:
    name = departements.name(current.department)
    retracted = current.status == "retracted"
    return push.Notification(
        department=current.department,
        title=f"Alerte annulée – {name}" if retracted else f"Alerte cambriolages – {name}",
        body=RETRACTION_TEXT if retracted else current.text or "",
        kind="retraction" if retracted else "alert",
        alert_id=current.alert_id or "",
        revision=int(current.revision),
        ttl_seconds=get_settings().alert_ttl_seconds,
        log_key=current.log_key,
    )


# --- Reading -------------------------------------------------------------------------------------


def current_alert(department: str) -> dict[str, Any] | None:
    """The alert citizens see (None once retracted)."""
    current = _current(department)
    if current is None or current.status != "active":
        return None
    return _public(current)


def history(department: str, limit: int) -> list[dict[str, Any]]:
    """The log of a département, newest first."""
    entries = AlertLogEntry.query(department, scan_index_forward=False, limit=limit)
    return [_logged(entry) for entry in entries]


def _current(department: str) -> CurrentAlert | None:
    try:
        return CurrentAlert.get(department, consistent_read=True)
    except CurrentAlert.DoesNotExist:
        return None


def _public(current: CurrentAlert) -> dict[str, Any]:
    return {
        "id": current.alert_id,
        "department": current.department,
        "text": current.text,
        "offence_type": current.offence_type,
        "revision": int(current.revision),
        "sent_at": _iso(current.sent_at),
        "status": current.status,
    }


def _logged(entry: AlertLogEntry) -> dict[str, Any]:
    web = entry.web
    return {
        "id": entry.log_key.rsplit("#", 1)[-1],
        "kind": entry.kind,
        "department": entry.department,
        "alert_id": entry.alert_id,
        "revision": int(entry.revision) if entry.revision is not None else None,
        "text": entry.text,
        "offence_type": entry.offence_type,
        "sent_by": entry.sent_by,
        "created_at": _iso(entry.created_at),
        "findings": entry.findings,
        "composition": entry.composition,
        "delivery": None
        if entry.kind == "refused"
        else {
            "status": entry.delivery_status,
            "attempts": int(entry.delivery_attempts or 0),
            "channels": entry.channels or {},
            "web": None if web is None else {"sent": web.sent, "failed": web.failed, "pruned": web.pruned},
        },
    }


# --- Helpers -------------------------------------------------------------------------------------


@cache
def _connection() -> Any:
    from pynamodb.connection import Connection

    return Connection(region=get_settings().region)


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None, *, precise: bool = False) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="microseconds" if precise else "seconds").replace("+00:00", "Z")

"""`Idempotency-Key` on POST: a retried request gets the first answer and does nothing twice.

The first request claims the key with a conditional write, runs, then stores its answer (success or
a client error such as a refusal). A retry with the same key and the same body replays that answer;
the same key with another body is a 422; a retry while the first is still running is a 409.
Server failures, and refusals that ask to try again (409, 429), release the claim so that the retry
runs again: the operations protected here record nothing before the point after which they can no
longer fail (see `alerts.send`).

A refusal is stored without the excerpts of its findings (the refused plate, phone number or name:
personal data that must not be kept); its replay names the same rules with the same messages.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.errors import AppError, field_error
from chalicelib.validation import Body

log = logging.getLogger(__name__)

RETENTION = timedelta(hours=24)
LEASE = timedelta(seconds=60)  # longer than any request may run (API Gateway stops at 29 s)
HEADER = "Idempotency-Key"
RETRYABLE = (409, 429)  # refusals that say « réessayez »: the retry with the same key runs again
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def once(*, scope: str, key: str | None, request: Body, status: int, run: Callable[[], dict[str, Any]]) -> Reply:
    """Run `run` once per (`scope`, `key`); without a key, simply run it."""
    if key is None:
        return Reply(status, run())
    if not _KEY.fullmatch(key):
        raise field_error(HEADER, f"L'en-tête {HEADER} doit compter de 1 à 255 caractères visibles (ASCII).")
    record_key = f"{scope}#{key}"
    fingerprint = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
    replay = _claim(record_key, fingerprint)
    if replay is not None:
        return replay
    try:
        body = run()
    except AppError as error:
        if error.status < 500 and error.status not in RETRYABLE:
            _complete(record_key, error.status, error.to_problem())
        else:
            _release(record_key)
        raise
    except Exception:
        _release(record_key)
        raise
    _complete(record_key, status, body)
    return Reply(status, body)


def _claim(record_key: str, fingerprint: str) -> Reply | None:
    """Claim the key, or return the stored answer of the first request."""
    from pynamodb.exceptions import PutError

    from chalicelib.models import IdempotencyRecord

    now = _now()
    record = IdempotencyRecord(record_key, fingerprint=fingerprint, expires_at=now + RETENTION)
    # DynamoDB's TTL deletes expired records up to days late: one past its retention counts as gone
    free = IdempotencyRecord.key.does_not_exist() | (IdempotencyRecord.expires_at < now)
    try:
        record.save(condition=free)
        return None
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    try:
        first = IdempotencyRecord.get(record_key, consistent_read=True)
    except IdempotencyRecord.DoesNotExist:  # the first request failed and released the key just now
        raise _in_progress() from None
    if first.fingerprint != fingerprint:
        raise AppError("idempotency_key_reused")
    if not first.completed:
        started = first.expires_at - RETENTION
        if _now() - started < LEASE:
            raise _in_progress()
        raise AppError(
            "request_in_progress",
            "La première requête avec cette clé a été interrompue : consultez le journal avant de renvoyer "
            "le message avec une nouvelle clé.",
        )
    return Reply(int(first.status_code or 200), dict(first.response or {}), replayed=True)


def _in_progress() -> AppError:
    return AppError("request_in_progress", headers={"Retry-After": "2"})


def _complete(record_key: str, status: int, body: dict[str, Any]) -> None:
    """Store the answer for replays. The work is done: if storing fails, the answer is still given
    (a 500 would invite a second send) and the key stays claimed, so a retry is held back."""
    from chalicelib.models import IdempotencyRecord

    try:
        IdempotencyRecord(record_key).update(
            actions=[
                IdempotencyRecord.status_code.set(status),
                IdempotencyRecord.response.set(storable(body)),
                IdempotencyRecord.completed.set(True),
            ]
        )
    except Exception as exc:
        log.error("idempotent answer not stored: %s", type(exc).__name__)


def storable(body: dict[str, Any]) -> dict[str, Any]:
    """The answer as kept for replays: the findings of a refusal lose their `excerpt`."""
    findings = body.get("findings")
    if not isinstance(findings, list):
        return body
    kept = [{k: v for k, v in f.items() if k != "excerpt"} if isinstance(f, dict) else f for f in findings]
    return {**body, "findings": kept}


def _release(record_key: str) -> None:
    from chalicelib.models import IdempotencyRecord

    IdempotencyRecord(record_key).delete()


def _now() -> datetime:
    return datetime.now(UTC)

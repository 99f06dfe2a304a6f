"""The vetted advice sentences of the alert composer: a list the OPP of GGD34 keeps.

The list starts as `content/alert_advice.json` (like the prevention pages, with its sources); once
the OPP saves its own version (`PUT /opp/alert-advice`), that version, stored in the `content`
table, is the one in service. Each sentence has a stable id: the composer picks one by id, and an
alert's log entry keeps the sentence as it was sent, so editing or removing one later changes no
past record. Every sentence passes the same content guard as an alert, and each edit is logged.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field, field_validator

from chalicelib import content, rules
from chalicelib.errors import AppError
from chalicelib.validation import Body, clean_text

log = logging.getLogger(__name__)

DOCUMENT = "alert-advice"
LOG_PARTITION = "advice"
LOG_RETENTION = timedelta(days=365)
MAX_ITEMS = 30
MAX_LENGTH = 100  # graphemes: leaves room for the offence, the time and the communes in 160
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# The guard judges a whole alert; an advice sentence is checked as the part of one it will be.
_CHECKED_AS = "cambriolage_habitation"


class AdviceItem(Body):
    id: str = Field(min_length=1, max_length=40)
    text: str = Field(max_length=400)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise ValueError(
                "Identifiant invalide : lettres minuscules sans accent, chiffres et tirets (« fermer-volets »)."
            )
        return value

    _one_line = field_validator("text", mode="before")(clean_text)

    @field_validator("text")
    @classmethod
    def _length(cls, value: str) -> str:
        return rules.counted_text(value, MAX_LENGTH, "Un conseil compte de 1 à {max} caractères (ici {length}).")


class AdviceListBody(Body):
    """The whole list, as the OPP saves it; `revision` is the one it edited (0: the initial list)."""

    items: list[AdviceItem] = Field(min_length=1, max_length=MAX_ITEMS)
    revision: int = Field(ge=0)


def current() -> dict[str, Any]:
    """The list in service: `{"items": [{"id", "text"}], "revision", "updated_by", "updated_at"}`."""
    from chalicelib.models import ContentDocument

    try:
        stored = ContentDocument.get(DOCUMENT, consistent_read=True)
    except ContentDocument.DoesNotExist:
        initial = content.load("alert_advice")
        return {"items": initial["items"], "revision": 0, "updated_by": None, "updated_at": None}
    return {
        "items": stored.document["items"],
        "revision": int(stored.revision),
        "updated_by": stored.updated_by,
        "updated_at": _iso(stored.updated_at),
    }


def find(advice_id: str) -> dict[str, str] | None:
    """The sentence of that id in the list in service, or None."""
    return next((item for item in current()["items"] if item["id"] == advice_id), None)


def replace(body: AdviceListBody, *, author: str) -> dict[str, Any]:
    """Save a new version of the list; 400 for duplicate ids or a sentence the guard refuses, 409 if
    someone saved another version since `body.revision` was read."""
    from pynamodb.exceptions import PutError

    from chalicelib.models import ContentDocument

    _refuse_invalid(body.items)
    now = datetime.now(UTC)
    items = [{"id": item.id, "text": item.text} for item in body.items]
    stored = ContentDocument(
        DOCUMENT, document={"items": items}, revision=body.revision + 1, updated_by=author, updated_at=now
    )
    unchanged = (
        ContentDocument.name.does_not_exist() if body.revision == 0 else ContentDocument.revision == body.revision
    )
    try:
        stored.save(condition=unchanged)
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise AppError(
            "conflict", "La liste des conseils a été modifiée entre-temps : rechargez-la avant de l'enregistrer."
        ) from None
    _audit(items, revision=body.revision + 1, author=author, now=now)
    log.info("alert advice saved", extra={"operator": author, "revision": body.revision + 1})
    return current()


def _refuse_invalid(items: list[AdviceItem]) -> None:
    errors: list[dict[str, str]] = []
    seen: set[str] = set()
    for position, item in enumerate(items):
        if item.id in seen:
            errors.append({"field": f"items.{position}.id", "message": f"L'identifiant « {item.id} » est déjà pris."})
        seen.add(item.id)
        findings = rules.check_alert(text=item.text, offence_type=_CHECKED_AS, offence_established=True)
        errors += [{"field": f"items.{position}.text", "message": f.message} for f in findings]
    if errors:
        raise AppError("validation_error", "Certains conseils ne peuvent pas être enregistrés.", errors=errors)


def _audit(items: list[dict[str, str]], *, revision: int, author: str, now: datetime) -> None:
    """Who saved which list, beside the alerts and feed publications in the alert log."""
    from chalicelib.models import AlertLogEntry

    AlertLogEntry(
        LOG_PARTITION,
        f"{_iso(now, precise=True)}#{secrets.token_hex(6)}",
        kind="advice_updated",
        revision=revision,
        sent_by=author,
        created_at=now,
        composition={"advice": items},
        expires_at=now + LOG_RETENTION,
    ).save()


def _iso(moment: datetime | None, *, precise: bool = False) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="microseconds" if precise else "seconds").replace("+00:00", "Z")

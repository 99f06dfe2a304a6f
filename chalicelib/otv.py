"""Opération tranquillité vacances: the registration form (blank or pre-filled PDF, never stored).

The form asks what CONTENT.md lists: identity and contact details, the home's address and type,
the dates of absence, the alarm, key holders, a contact person, how to reach the applicant, remarks.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import cache, partial
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator
from pydantic_core.core_schema import ValidationInfo

from chalicelib import otv_pdf
from chalicelib.observability import metric
from chalicelib.validation import Body, clean_text

if TYPE_CHECKING:
    from chalicelib import feed, holidays

log = logging.getLogger(__name__)

MAX_ABSENCE_MONTHS = 12
# Mainland 0X XX XX XX XX, or international +33 / 0033 and the overseas country codes.
_PHONE = re.compile(r"^(?:(?:\+|00)(33|262|269|508|590|594|596)|0)([1-9]\d{8})$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_POSTAL_CODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-5])\d{3}$|^97[1-6]\d{2}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def french_phone(value: str) -> str:
    """A French phone number written as `06 12 34 56 78` (or `+262 6 92 ...` abroad), else ValueError."""
    match = _PHONE.match(_PHONE_SEPARATORS.sub("", value))
    if not match:
        raise ValueError("Numéro de téléphone invalide : 10 chiffres attendus (ex. 06 12 34 56 78).")
    country, digits = match.groups()
    pairs = " ".join(digits[i : i + 2] for i in range(1, 9, 2))
    return f"+{country} {digits[0]} {pairs}" if country else f"0{digits[0]} {pairs}"


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the month's end (31 March + 11 months = 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has at least 28 days")


def today() -> date:
    """The current date (UTC: a Paris evening may already count as tomorrow, never the reverse)."""
    return datetime.now(UTC).date()


class Person(Body):
    name: str = Field(min_length=1, max_length=80)
    phone: str = Field(min_length=1, max_length=25)

    _clean = field_validator("name", mode="before")(clean_text)
    _phone = field_validator("phone")(french_phone)


class OtvForm(Body):
    """What a citizen types into the OTV form; validated, turned into a PDF, then forgotten."""

    last_name: str = Field(min_length=1, max_length=60)
    first_name: str = Field(min_length=1, max_length=60)
    phone: str = Field(min_length=1, max_length=25)
    email: str | None = Field(default=None, max_length=254)
    address: str = Field(min_length=1, max_length=200)
    postal_code: str
    commune: str = Field(min_length=1, max_length=80)
    home_type: Literal["maison", "appartement", "commerce"]
    residence: Literal["principale", "secondaire"] | None = None
    departure_date: date
    return_date: date
    alarm: bool = False
    key_holders: list[Person] = Field(default_factory=list, max_length=3)
    contact_during_absence: Person | None = None
    reachable_during_absence: str | None = Field(default=None, max_length=200)
    vehicle_left: bool = False
    animals: bool = False
    light_timers: bool = False
    remarks: str | None = Field(default=None, max_length=500)

    _clean = field_validator(
        "last_name", "first_name", "email", "address", "commune", "reachable_during_absence", mode="before"
    )(clean_text)
    _phone = field_validator("phone")(french_phone)

    @field_validator("remarks", mode="before")
    @classmethod
    def _multiline(cls, value: object) -> object:
        return clean_text(value, multiline=True)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value and not _EMAIL.match(value):
            raise ValueError("Adresse électronique invalide (ex. nom@exemple.fr).")
        return value or None

    @field_validator("postal_code")
    @classmethod
    def _postal_code(cls, value: str) -> str:
        if not _POSTAL_CODE.match(value):
            raise ValueError("Code postal invalide : 5 chiffres attendus (ex. 34000).")
        return value

    @field_validator("departure_date")
    @classmethod
    def _future(cls, value: date) -> date:
        if value <= today():
            raise ValueError("La date de départ doit être postérieure à aujourd'hui.")
        return value

    @field_validator("return_date")
    @classmethod
    def _after_departure(cls, value: date, info: ValidationInfo) -> date:
        departure = info.data.get("departure_date")
        if departure is None:
            return value
        if value <= departure:
            raise ValueError("La date de retour doit être postérieure à la date de départ.")
        if value > add_months(departure, MAX_ABSENCE_MONTHS):
            raise ValueError(f"L'absence ne peut pas dépasser {MAX_ABSENCE_MONTHS} mois.")
        return value


# --- PDFs ----------------------------------------------------------------------------------------


@cache
def blank_form() -> bytes:
    """The printable form, to fill in by hand (drawn once per container)."""
    return otv_pdf.form(None, None)


def filled_form(form: OtvForm) -> bytes:
    """The form pre-filled with what the citizen typed, with the rules of the commune's zone and the
    unit serving it. Premises or dates the zone's rules refuse are a 400 naming the field (zone
    unknown: what either rule set allows passes)."""
    from chalicelib import otv_rules
    from chalicelib.errors import AppError

    commune = commune_of(form)
    zone = commune["zone"] if commune else otv_rules.UNKNOWN
    problems = otv_rules.premises_problems(zone, home_type=form.home_type, residence=form.residence)
    problems += otv_rules.date_problems(
        zone, departure=form.departure_date, return_date=form.return_date, today=today()
    )
    if problems:
        raise AppError("validation_error", problems[0]["message"], errors=problems)
    return otv_pdf.form(form, commune)


def commune_of(form: OtvForm) -> dict[str, Any] | None:
    """The form's commune as the API describes it (zone, competent unit, nearest units). Commune
    names repeat across France (dozens of Saint-Martin): the one named with that postal code wins,
    else the best commune of the postal code alone; in Paris, Lyon and Marseille the postal code
    names the arrondissement, whose police station serves it. The lookup is a convenience: if it
    fails, the form is produced without it (zone unknown)."""
    from chalicelib import brigades

    try:
        named = brigades.search_communes(form.commune, limit=50)
        commune = next((c for c in named if form.postal_code in c["postal_codes"]), None)
        by_code = next(iter(brigades.search_communes(form.postal_code, limit=1)), None)
        if commune is not None and commune["insee"] in brigades.PARIS_LYON_MARSEILLE and by_code is not None:
            arrondissement = by_code["department"] == commune["department"] and by_code["insee"] != commune["insee"]
            return by_code if arrondissement else commune
        return commune or by_code
    except Exception:
        log.exception("commune lookup failed: the OTV form is produced without it")
        return None


# --- Seasonal reminders ---------------------------------------------------------------------------

DATASET_WARNING_DAYS = 180  # warn this long before the school calendar's data runs out
REMINDER_AUTHOR = "planificateur-otv"  # the author the alert log and the feed record
ONLINE_PROCEDURE_URL = "https://www.service-public.fr/particuliers/vosdroits/R43241"
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def send_due_reminders(*, today: date) -> list[str]:
    """Send the OTV reminder of every period starting in `OTV_REMINDER_DAYS` days or less, once per
    period: a prevention push (national, or to each département of the period's zone, each once)
    and a feed item. Returns the ids of the periods reminded now. Periods whose dates are still to confirm
    are skipped with a warning (hand-added periods only: the official dataset's are confirmed)."""
    from chalicelib import holidays
    from chalicelib.config import get_settings

    if holidays.dataset_end() < today + timedelta(days=DATASET_WARNING_DAYS):
        log.warning(
            "OTV reminders: the school calendar ends on %s: upgrade vacances-scolaires-france", holidays.dataset_end()
        )
    sent = []
    for period in holidays.due(holidays.calendar(), today=today, days_before=get_settings().otv_reminder_days):
        if period.to_confirm:
            log.warning("OTV reminder not sent: dates of %s are to confirm in otv_calendar.json", period.id)
        elif _remind(period):
            sent.append(period.id)
    return sent


def event_date(timestamp: str) -> date:
    """The date of a scheduled event's `time` (`2026-12-09T06:00:00Z`)."""
    return date.fromisoformat(timestamp[:10])


def reminder_push_text(period: holidays.Period) -> str:
    from chalicelib.typography import french

    return french(
        f"{period.name}{_zone_suffix(period)} le {french_day(period.start)} : pensez à l'Opération "
        "tranquillité vacances, en ligne, à la brigade ou au commissariat."
    )


def reminder_feed_item(period: holidays.Period) -> feed.FeedItemBody:
    from chalicelib import feed
    from chalicelib.typography import french

    name = period.name[0].lower() + period.name[1:]
    body = (
        f"Les {name} commencent le {french_day(period.start, year=True)}{_zone_suffix(period, long=True)}. "
        "Pendant votre absence, gendarmes ou policiers peuvent surveiller gratuitement votre logement ou votre "
        "commerce. Inscrivez-vous en ligne sur service-public.fr, à la brigade ou au commissariat : en "
        "zone gendarmerie jusqu'à la veille du départ, en zone police au plus tard 3 jours avant. Et n'annoncez "
        "pas votre départ sur les réseaux sociaux."
    )
    title = f"{period.name}{_zone_suffix(period)} : pensez à l'Opération tranquillité vacances"
    return feed.FeedItemBody(title=french(title), body=french(body), kind="otv", link=ONLINE_PROCEDURE_URL)


def french_day(day: date, *, year: bool = False) -> str:
    """`samedi 19 décembre` (`1er` for the first of the month), with the year if asked."""
    number = "1er" if day.day == 1 else str(day.day)
    text = f"{_WEEKDAYS[day.weekday()]} {number} {_MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def _zone_suffix(period: holidays.Period, *, long: bool = False) -> str:
    if period.zone in (None, "all"):
        return ""
    zones = "zones" if " et " in period.zone else "zone"
    return f" pour la {zones} {period.zone}".replace("la zones", "les zones") if long else f" ({zones} {period.zone})"


def _remind(period: holidays.Period) -> bool:
    """Push to each audience, then publish the feed item, each part once: a part claims its own
    marker before it is sent and releases it if sending fails (raised: the next daily run retries),
    so a run after a partial failure, or two runs at once, send only what is missing. No marker
    for the whole period: a run that saw a part claimed cannot know it will succeed. True if
    anything was sent now."""
    from chalicelib import feed

    key, text = f"otv-reminder#{period.id}", reminder_push_text(period)
    push_id = uuid.uuid5(uuid.NAMESPACE_URL, key).hex  # one id for every audience and run of the period
    sent = False
    for code in [None] if period.national else period.departments:
        push = partial(
            feed.push_prevention,
            text,
            author=REMINDER_AUTHOR,
            departments=None if code is None else [code],
            push_id=push_id,
        )
        if _once(f"{key}#{code or feed.NATIONAL_LOG}", period, push):
            metric("RemindersSent")
            sent = True
    sent |= _once(f"{key}#feed", period, partial(feed.publish, reminder_feed_item(period), author=REMINDER_AUTHOR))
    if sent:
        log.info("OTV reminder sent", extra={"period": period.id, "audiences": len(period.departments) or "national"})
    return sent


def _once(key: str, period: holidays.Period, send: Callable[[], object]) -> bool:
    """Run `send` unless its marker is already set; if it fails, release the marker and raise."""
    from chalicelib.models import Marker

    if not _claim(key, period):
        return False
    try:
        send()
    except Exception:
        Marker(key).delete()
        raise
    return True


def _claim(key: str, period: holidays.Period) -> bool:
    """Set a once-only marker (kept past the period); False if it already was (conditional write)."""
    from pynamodb.exceptions import PutError

    from chalicelib.models import Marker

    expires = datetime.combine(period.start, datetime.min.time(), tzinfo=UTC) + timedelta(days=400)
    marker = Marker(key, hits=1, first_at=int(datetime.now(UTC).timestamp()), expires_at=expires)
    try:
        marker.save(condition=Marker.key.does_not_exist())
    except PutError as exc:
        if "ConditionalCheckFailed" in str(exc.cause_response_code):
            return False
        raise
    return True

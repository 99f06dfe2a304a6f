"""The alert composer: an alert written from fields, so that the lawful alert is the easy one.

The operator picks the offence (the closed list of `rules.OFFENCE_TYPES`), one or more communes of
the département, when it happened, and one of the vetted advice sentences the OPP keeps
(`chalicelib.advice`), plus an optional free sentence. The server writes the French text itself:

    « Cambriolage d'habitation constaté cette nuit à Lattes et au Crès. Fermez portes, fenêtres et
    volets, même pour une courte absence. »

The composed text then goes through the same content guard as a typed one (the free sentence is
the only part the guard can object to, the length the only limit the fields can exceed), and the
alert's log entry keeps the fields it was written from (`Composed.record`).

Typography follows ../shared/CONTENT.md: a no-break space between a number and its unit
(« 14 h 30 », « 1er décembre »).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from chalicelib import advice, departements, rules
from chalicelib.errors import AppError
from chalicelib.validation import Body, clean_text

MAX_COMMUNES = 5
MAX_AGE_DAYS = 30  # an alert is about recent facts
NBSP = "\u00a0"

# How each offence opens the alert: the established fact, never a suspicion ("constaté").
OFFENCE_PHRASES: dict[str, str] = {
    "cambriolage_habitation": "Cambriolage d'habitation constaté",
    "cambriolage_commerce": "Cambriolage de commerce constaté",
    "tentative_cambriolage": "Tentative de cambriolage constatée",
    "serie_cambriolages": "Plusieurs cambriolages constatés",
}
WHEN_KINDS: dict[str, str] = {
    "night": "cette nuit",
    "today": "ce jour",
    "hours": "entre … h et … h",
    "date": "le (date)",
}
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
TIME_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "976": "Indian/Mayotte",
}
_HOUR = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
# Names that start with an article take the contracted preposition: « au Crès », « aux Matelles ».
_CONTRACTED = (("Le ", "au "), ("Les ", "aux "))


class When(Body):
    """When the offence was established: `night` (« cette nuit »), `today` (« ce jour »), `hours`
    (« entre 14 h et 16 h 30 »: `start` and `end` as HH:MM) or `date` (`date`: AAAA-MM-JJ)."""

    kind: Literal["night", "today", "hours", "date"]
    start: str | None = Field(default=None, max_length=5, description="HH:MM, pour « hours »")
    end: str | None = Field(default=None, max_length=5, description="HH:MM, pour « hours »")
    date: str | None = Field(default=None, max_length=10, description="AAAA-MM-JJ, pour « date »")


class Composition(Body):
    """The fields of a composed alert (instead of `text`); the offence is the body's `offence_type`."""

    communes: list[str] = Field(min_length=1, max_length=MAX_COMMUNES, description="Codes INSEE")
    when: When
    advice_id: str = Field(min_length=1, max_length=40, description="Identifiant d'un conseil de la liste de l'OPP")
    sentence: str | None = Field(default=None, max_length=400, description="Phrase libre facultative")

    @field_validator("sentence", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> object:
        return clean_text(value)


@dataclass(frozen=True)
class Composed:
    text: str
    record: dict[str, Any]  # what the log keeps: the fields, with the names and sentence as sent


def compose(
    *, department: str, offence_type: str | None, composition: Composition, today: date | None = None
) -> Composed:
    """The French text of a composed alert and the record of its fields; a 400 naming every field
    that is wrong (unknown offence, commune outside the département, invalid time, unknown advice)."""
    errors: list[dict[str, str]] = []

    def wrong(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    opening = OFFENCE_PHRASES.get(offence_type or "")
    if opening is None:
        wrong("offence_type", "Choisissez le type d'infraction dans la liste : " + ", ".join(OFFENCE_PHRASES) + ".")
    communes = _communes(department, composition.communes, wrong)
    moment = _moment(composition.when, today or local_today(department), wrong)
    chosen = advice.find(composition.advice_id)
    if chosen is None:
        wrong("composition.advice_id", f"Conseil inconnu (« {composition.advice_id} ») : choisissez-en un de la liste.")
    if errors:
        raise AppError("validation_error", "Certains champs de l'alerte sont invalides.", errors=errors)
    assert opening is not None and chosen is not None
    sentence = rules.normalize_text(composition.sentence or "") or None
    parts = [f"{opening} {moment} {_places([name for _, name in communes])}.", chosen["text"]]
    if sentence:
        parts.append(sentence)
    record = {
        "offence_type": offence_type,
        "communes": [{"insee": insee, "name": name} for insee, name in communes],
        "when": composition.when.model_dump(exclude_none=True),
        "advice": {"id": chosen["id"], "text": chosen["text"]},
        "sentence": sentence,
    }
    return Composed(text=rules.normalize_text(" ".join(parts)), record=record)


def local_today(department: str) -> date:
    """Today where the département is (Paris time, or the time of its overseas territory)."""
    try:
        zone: Any = ZoneInfo(TIME_ZONES.get(department, "Europe/Paris"))
    except ZoneInfoNotFoundError:  # no time-zone database: UTC is at most a few hours off
        zone = UTC
    return datetime.now(zone).date()


def sentence_field(finding: rules.Finding, composed: Composed) -> str:
    """The field a content finding points to: the free sentence if it is there, else the whole."""
    sentence = composed.record.get("sentence")
    if sentence and (finding.excerpt is None or finding.excerpt in sentence) and finding.rule != "length":
        return "composition.sentence"
    return "composition"


# --- The parts --------------------------------------------------------------------------------------


def _communes(department: str, codes: list[str], wrong: Any) -> list[tuple[str, str]]:
    from chalicelib import brigades

    found: list[tuple[str, str]] = []
    where = f"{departements.name(department)} ({department})"
    for position, raw in enumerate(codes):
        field, code = f"composition.communes.{position}", raw.strip().upper()
        known = brigades.commune_name(code)
        if known is None:
            wrong(field, f"Code INSEE inconnu : « {raw} ».")
        elif known[1] != department:
            wrong(field, f"{known[0]} ({code}) n'est pas dans le département {where} : une alerte ne concerne que lui.")
        elif any(insee == code for insee, _ in found):
            wrong(field, f"{known[0]} est déjà dans la liste.")
        else:
            found.append((code, known[0]))
    return found


def _moment(when: When, today: date, wrong: Any) -> str:
    extra = [name for name in ("start", "end", "date") if getattr(when, name) is not None]
    expected = {"night": [], "today": [], "hours": ["start", "end"], "date": ["date"]}[when.kind]
    for name in extra:
        if name not in expected:
            wrong(f"composition.when.{name}", f"Ce champ ne s'emploie pas avec « {when.kind} ».")
    if when.kind == "hours":
        return _hours(when, wrong)
    if when.kind == "date":
        return _date(when.date, today, wrong)
    return WHEN_KINDS[when.kind]


def _hours(when: When, wrong: Any) -> str:
    times = []
    for name in ("start", "end"):
        value = getattr(when, name)
        match = _HOUR.fullmatch(value or "")
        if match is None:
            wrong(f"composition.when.{name}", "Heure attendue au format HH:MM, de 00:00 à 23:59 (par exemple 14:30).")
        else:
            times.append((int(match[1]), int(match[2])))
    if len(times) != 2:
        return ""
    if times[0] == times[1]:
        wrong("composition.when.end", "L'heure de fin doit différer de l'heure de début.")
    return f"entre {_hour(*times[0])} et {_hour(*times[1])}"


def _hour(hour: int, minute: int) -> str:
    return f"{hour}{NBSP}h{NBSP}{minute:02d}" if minute else f"{hour}{NBSP}h"


def _date(value: str | None, today: date, wrong: Any) -> str:
    field = "composition.when.date"
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        wrong(field, "Date attendue au format AAAA-MM-JJ.")
        return ""
    if day > today:
        wrong(field, "La date ne peut pas être à venir : seule une infraction déjà constatée peut être annoncée.")
    elif today - day > timedelta(days=MAX_AGE_DAYS):
        wrong(field, f"La date remonte à plus de {MAX_AGE_DAYS} jours : une alerte porte sur des faits récents.")
    number = "1er" if day.day == 1 else str(day.day)
    year = "" if day.year == today.year else f" {day.year}"
    return f"le {number}{NBSP}{MONTHS[day.month - 1]}{year}"


def _places(names: list[str]) -> str:
    """« à Lattes », « à Lattes et au Crès », « à Agde, à Sète et aux Matelles »."""
    places = [_at(name) for name in names]
    if len(places) == 1:
        return places[0]
    return ", ".join(places[:-1]) + " et " + places[-1]


def _at(name: str) -> str:
    for article, preposition in _CONTRACTED:
        if name.startswith(article):
            return preposition + name[len(article) :]
    return f"à {name}"

"""The school-holiday calendar behind the seasonal OTV reminders (`content/otv_calendar.json`).

The file is meant to be edited by hand (new school years, dates confirmed): it is checked strictly
when read, so a typo fails loudly in the tests and the schedule's log instead of silently skipping
a reminder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chalicelib import content, departements

CALENDAR = "otv_calendar"
ZONES = ("all", *departements.SCHOOL_ZONES)
_FIELDS = {"id", "name", "start", "end", "to_confirm"}
_ID = re.compile(r"^[a-z0-9-]{1,64}$")


@dataclass(frozen=True)
class Period:
    id: str
    name: str
    start: date
    end: date | None  # the day classes resume, if known
    zone: str | None  # "all", "A", "B" or "C"; None when `departments` are listed instead
    departments: tuple[str, ...]  # explicit audience (Corsica, DROM), else the zone's départements
    to_confirm: bool

    @property
    def national(self) -> bool:
        return self.zone == "all"


def calendar() -> list[Period]:
    """Every period of the calendar file, in start order."""
    document = content.load(CALENDAR)
    periods = [parse_period(raw) for raw in document["periods"]]
    ids = [p.id for p in periods]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{CALENDAR}.json: the same id appears twice")
    return sorted(periods, key=lambda p: p.start)


def due(periods: list[Period], *, today: date, days_before: int) -> list[Period]:
    """Periods whose reminder is due today: from `days_before` days before the start until the day
    before it, so a day the schedule missed is caught up (the marker keeps it to one sending)."""
    return [p for p in periods if p.start - timedelta(days=days_before) <= today < p.start]


def parse_period(raw: Any) -> Period:
    """One calendar entry, or a ValueError saying what is wrong with it."""
    if not isinstance(raw, dict):
        raise ValueError(f"{CALENDAR}.json: each period must be an object")
    where = f"{CALENDAR}.json, period {raw.get('id')!r}"
    keys = set(raw)
    audience = keys - _FIELDS
    if not keys >= _FIELDS or audience not in ({"zone"}, {"departments"}):
        raise ValueError(f"{where}: fields {sorted(_FIELDS)} and either 'zone' or 'departments' are expected")
    if not isinstance(raw["id"], str) or not _ID.match(raw["id"]):
        raise ValueError(f"{where}: the id must be lower-case letters, digits and hyphens")
    if not isinstance(raw["name"], str) or not raw["name"].strip() or not isinstance(raw["to_confirm"], bool):
        raise ValueError(f"{where}: 'name' must be a text and 'to_confirm' true or false")
    start = _date(raw["start"], where)
    end = None if raw["end"] is None else _date(raw["end"], where)
    if end is not None and end <= start:
        raise ValueError(f"{where}: 'end' must come after 'start'")
    zone, codes = _audience(raw, where)
    return Period(raw["id"], raw["name"].strip(), start, end, zone, codes, raw["to_confirm"])


def _audience(raw: dict[str, Any], where: str) -> tuple[str | None, tuple[str, ...]]:
    if "zone" in raw:
        if raw["zone"] not in ZONES:
            raise ValueError(f"{where}: 'zone' must be one of {', '.join(ZONES)}")
        zone = str(raw["zone"])
        return zone, () if zone == "all" else tuple(departements.in_school_zone(zone))
    listed = raw["departments"]
    if not isinstance(listed, list) or not listed or any(code not in departements.NAMES for code in listed):
        raise ValueError(f'{where}: \'departments\' must list département codes (e.g. "2A", "974")')
    return None, tuple(dict.fromkeys(listed))


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: dates are written YYYY-MM-DD, not {value!r}") from None

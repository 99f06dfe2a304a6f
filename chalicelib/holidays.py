"""The school-holiday calendar behind the seasonal OTV reminders.

The dates come from the Ministry of Education's open dataset « Calendrier scolaire », as the PyPI
package `vacances-scolaires-france` bundles and keeps it current (one row per day: holidays of zones
A, B and C, and their name): nothing is typed by hand, nothing is « to confirm ». Upgrading the
package (pinned in requirements.txt) brings the next school years. The dataset covers metropolitan
zones A, B and C only: Corsica and the overseas départements, which set their own calendars, get a
reminder only for periods listed in `content/otv_calendar.json` (`periods`, with their
`departments`), checked strictly when read.

`content/otv_calendar.json` also says which holidays trigger a reminder (`holidays`: the dataset's
name and the id used in the reminders' markers).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from chalicelib import content, departements

CALENDAR = "otv_calendar"
DATASET_PACKAGE = "vacances_scolaires_france"
DATASET_FILE = "data/data.csv"
ZONES = ("all", *departements.SCHOOL_ZONES)
_FIELDS = {"id", "name", "start", "end", "to_confirm"}
_ID = re.compile(r"^[a-z0-9-]{1,64}$")


@dataclass(frozen=True)
class Period:
    id: str
    name: str
    start: date
    end: date | None  # the day classes resume, if known
    # "all" (national), a zone label ("C", "A et B"), or None (all three zones, or listed départements)
    zone: str | None
    departments: tuple[str, ...]  # the audience when not national
    to_confirm: bool

    @property
    def national(self) -> bool:
        return self.zone == "all"


def calendar() -> list[Period]:
    """Every period: the official dataset's, then the file's own (Corsica, DROM), in start order."""
    document = content.load(CALENDAR)
    periods = official_periods(_reminded(document)) + [parse_period(raw) for raw in document.get("periods", [])]
    ids = [p.id for p in periods]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{CALENDAR}.json: the same id appears twice")
    return sorted(periods, key=lambda p: (p.start, p.id))


def due(periods: list[Period], *, today: date, days_before: int) -> list[Period]:
    """Periods whose reminder is due today: from `days_before` days before the start until the day
    before it, so a day the schedule missed is caught up (the marker keeps it to one sending)."""
    return [p for p in periods if p.start - timedelta(days=days_before) <= today < p.start]


def dataset_end() -> date:
    """The last day the official dataset covers (upgrade the package before it comes)."""
    return max(_dataset_days())[0]


@cache
def official_periods(reminded: tuple[tuple[str, str], ...]) -> list[Period]:
    """The dataset's holiday periods whose name is in `reminded` ((dataset name, id) pairs): one per
    run of consecutive days of one name in one zone; zones sharing the same dates form one period
    (its id ends with their letters, none when all three share it)."""
    ids = dict(reminded)
    runs: dict[tuple[str, date, date], list[str]] = {}
    for zone_index, zone in enumerate(departements.SCHOOL_ZONES):
        current: tuple[str, date, date] | None = None
        for day, flags, name in _dataset_days():
            if flags[zone_index] and name in ids and current and current[0] == name and current[2] == day:
                current = (name, current[1], day + timedelta(days=1))
                continue
            if current:
                runs.setdefault(current, []).append(zone)
            current = (name, day, day + timedelta(days=1)) if flags[zone_index] and name in ids else None
        if current:
            runs.setdefault(current, []).append(zone)
    last = max(_dataset_days())[0]
    periods = [
        _period(name, ids[name], start, None if end > last else end, zones)  # cut by the dataset's end
        for (name, start, end), zones in runs.items()
    ]
    return sorted(periods, key=lambda p: (p.start, p.id))


def _period(name: str, ident: str, start: date, end: date | None, zones: list[str]) -> Period:
    every = len(zones) == len(departements.SCHOOL_ZONES)
    suffix = "" if every else "-" + "".join(zones).lower()
    audience = {code for zone in zones for code in departements.in_school_zone(zone)}
    label = None if every else " et ".join(zones)
    codes = tuple(code for code in departements.CODES if code in audience)
    return Period(f"{ident}-{start.year}{suffix}", name, start, end, label, codes, False)


@cache
def _dataset_days() -> list[tuple[date, tuple[bool, ...], str]]:
    """(day, holiday in zones A, B, C, name) for each day of the dataset, in order."""
    from importlib.resources import files

    text = (files(DATASET_PACKAGE) / DATASET_FILE).read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    keys = [f"vacances_zone_{zone.lower()}" for zone in departements.SCHOOL_ZONES]
    days = [
        (date.fromisoformat(row["date"]), tuple(row[key] == "True" for key in keys), row["nom_vacances"].strip())
        for row in rows
    ]
    return sorted(days)


def _reminded(document: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    listed = document.get("holidays")
    if not isinstance(listed, list) or not all(
        isinstance(h, dict) and isinstance(h.get("name"), str) and _ID.match(str(h.get("id", ""))) for h in listed
    ):
        raise ValueError(f'{CALENDAR}.json: \'holidays\' must list {{"name", "id"}} pairs (id: a-z, 0-9, -)')
    return tuple((h["name"], h["id"]) for h in listed)


def parse_period(raw: Any) -> Period:
    """One calendar entry of the file, or a ValueError saying what is wrong with it."""
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

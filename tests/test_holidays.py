"""The editable holiday calendar: the shipped file, its strict checks, and which periods are due."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from chalicelib import departements, holidays


def entry(**overrides: Any) -> dict[str, Any]:
    raw = {"id": "noel-2030", "name": "Vacances de Noël", "zone": "all", "start": "2030-12-21", "end": None}
    raw["to_confirm"] = False
    raw.update(overrides)
    return {k: v for k, v in raw.items() if v != "<absent>"}


METROPOLITAN = tuple(code for zone in "ABC" for code in departements.in_school_zone(zone))


def test_the_calendar_has_the_official_2026_2027_dates_and_nothing_to_confirm() -> None:
    periods = {p.id: p for p in holidays.calendar()}
    noel = periods["noel-2026"]
    assert (noel.start, noel.end, noel.zone, noel.to_confirm) == (date(2026, 12, 19), date(2027, 1, 4), None, False)
    assert noel.start.strftime("%A") == "Saturday" and noel.end.strftime("%A") == "Monday"
    assert sorted(noel.departments) == sorted(METROPOLITAN) and not noel.national
    assert (periods["ete-2027"].start, periods["toussaint-2027"].start) == (date(2027, 7, 3), date(2027, 10, 23))
    school_year = [p for p in periods.values() if date(2026, 9, 1) <= p.start <= date(2027, 7, 3)]
    assert not [p.id for p in school_year if p.to_confirm]
    assert holidays.dataset_end() >= date(2027, 9, 1)


@pytest.mark.parametrize(
    ("ident", "start", "end"),
    [
        ("hiver-2027-c", date(2027, 2, 6), date(2027, 2, 22)),
        ("hiver-2027-a", date(2027, 2, 13), date(2027, 3, 1)),
        ("hiver-2027-b", date(2027, 2, 20), date(2027, 3, 8)),
        ("printemps-2027-c", date(2027, 4, 3), date(2027, 4, 19)),
        ("printemps-2027-a", date(2027, 4, 10), date(2027, 4, 26)),
        ("printemps-2027-b", date(2027, 4, 17), date(2027, 5, 3)),
    ],
)
def test_winter_and_spring_2027_are_per_zone_with_the_ministrys_dates(ident: str, start: date, end: date) -> None:
    period = {p.id: p for p in holidays.calendar()}[ident]
    zone = ident[-1].upper()
    assert (period.start, period.end, period.zone, period.to_confirm) == (start, end, zone, False)
    assert period.departments == tuple(departements.in_school_zone(zone))


def test_the_datasets_days_become_one_period_per_run_zones_with_the_same_dates_sharing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def day(text: str, zones: str, name: str) -> tuple[date, tuple[bool, ...], str]:
        return date.fromisoformat(text), tuple(z in zones for z in "ABC"), name

    days = [
        day("2031-02-07", "", ""),
        day("2031-02-08", "AB", "Vacances d'hiver"),
        day("2031-02-09", "AB", "Vacances d'hiver"),
        day("2031-02-10", "", ""),
        day("2031-02-15", "C", "Vacances d'hiver"),
        day("2031-02-16", "C", "Vacances d'hiver"),
        day("2031-05-01", "ABC", "Pont de l'Ascension"),  # not a reminded holiday
        day("2031-07-05", "ABC", "Vacances d'été"),
    ]
    monkeypatch.setattr(holidays, "_dataset_days", lambda: days)
    found = holidays.official_periods.__wrapped__((("Vacances d'hiver", "hiver"), ("Vacances d'été", "ete")))
    summary = [(p.id, p.start, p.end, p.zone, len(p.departments)) for p in found]
    assert summary == [
        (
            "hiver-2031-ab",
            date(2031, 2, 8),
            date(2031, 2, 10),
            "A et B",
            len(departements.in_school_zone("A")) + len(departements.in_school_zone("B")),
        ),
        ("hiver-2031-c", date(2031, 2, 15), date(2031, 2, 17), "C", len(departements.in_school_zone("C"))),
        ("ete-2031", date(2031, 7, 5), None, None, len(METROPOLITAN)),  # runs past the data: end unknown
    ]


def test_a_zone_period_targets_exactly_that_zones_departements() -> None:
    period = holidays.parse_period(entry(zone="C"))
    assert period.departments == tuple(departements.in_school_zone("C"))
    assert "34" in period.departments and "2A" not in period.departments and "974" not in period.departments
    assert not period.national


def test_corsica_or_the_drom_get_a_reminder_only_when_listed() -> None:
    period = holidays.parse_period(entry(zone="<absent>", departments=["2A", "2B", "2A"]))
    assert (period.zone, period.departments, period.national) == (None, ("2A", "2B"), False)


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"zone": "D"}, "'zone' must be one of"),
        ({"zone": "<absent>"}, "either 'zone' or 'departments'"),
        ({"departments": ["34"]}, "either 'zone' or 'departments'"),
        ({"zone": "<absent>", "departments": ["20"]}, "département codes"),
        ({"zone": "<absent>", "departments": []}, "département codes"),
        ({"start": "19/12/2026"}, "YYYY-MM-DD"),
        ({"end": "2030-12-20"}, "'end' must come after 'start'"),
        ({"id": "Noël 2030"}, "lower-case letters"),
        ({"to_confirm": "non"}, "'to_confirm' true or false"),
        ({"extra": 1}, "fields"),
    ],
)
def test_a_mistyped_entry_is_refused_loudly(overrides: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        holidays.parse_period(entry(**overrides))


def test_a_reminder_is_due_from_n_days_before_the_start_until_the_day_before() -> None:
    period = holidays.parse_period(entry())  # starts 2030-12-21
    due = [day for day in range(1, 31) if holidays.due([period], today=date(2030, 12, day), days_before=10)]
    assert due == list(range(11, 21))

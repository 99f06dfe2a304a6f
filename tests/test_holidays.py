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


def test_the_shipped_calendar_has_the_official_2026_2027_dates() -> None:
    periods = {p.id: p for p in holidays.calendar()}
    noel = periods["noel-2026"]
    assert (noel.start, noel.end, noel.national, noel.to_confirm) == (date(2026, 12, 19), date(2027, 1, 4), True, False)
    assert noel.start.strftime("%A") == "Saturday" and noel.end.strftime("%A") == "Monday"
    summer = periods["ete-2027"]
    assert (summer.start, summer.national, summer.to_confirm) == (date(2027, 7, 3), True, False)


def test_winter_and_spring_2027_are_per_zone_zone_c_first_and_marked_to_confirm() -> None:
    periods = holidays.calendar()
    for season in ("hiver-2027", "printemps-2027"):
        entries = [p for p in periods if p.id.startswith(season)]
        assert sorted(p.zone for p in entries if p.zone) == ["A", "B", "C"]
        assert all(p.to_confirm for p in entries)
        assert min(entries, key=lambda p: p.start).zone == "C"


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

"""The OTV rules of each zone, read from `content/otv.json` (one entry per zone: texts and date limits).

Gendarmerie zone: register up to the day before departure, 45 days ahead at most, absence up to
12 months. Police zone: register between 45 and 3 days before departure, absence of 3 days to
3 months (CONTENT.md). The numbers live in the data file beside the texts that state them, so both
change together; when the zone is unknown, both rule sets apply: dates pass if either set allows
them, and the citizen is told to check with the unit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

ZONES = ("gendarmerie", "police")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class RuleSet:
    zone: str
    title: str
    rules: tuple[str, ...]
    earliest_days_before: int  # registration opens this many days before departure
    latest_days_before: int  # and closes this many days before it (1: the day before)
    min_absence_days: int
    max_absence_months: int
    home_types: tuple[str, ...] = ("maison", "appartement", "commerce")
    residences: tuple[str, ...] = ("principale", "secondaire")

    def premises_problems(self, *, home_type: str, residence: str | None) -> list[dict[str, str]]:
        """What these rules refuse in the premises: in the police zone OTV is for the main home only,
        and a closed shop goes to « Opération tranquillité entreprises et commerces »."""
        where = "En zone police" if self.zone == "police" else "En zone gendarmerie"
        found = []
        if home_type not in self.home_types:
            found.append(
                _problem(
                    "home_type",
                    f"{where}, l'Opération tranquillité vacances concerne les logements : pour un commerce fermé, "
                    "demandez l'« Opération tranquillité entreprises et commerces » "
                    + ("au commissariat." if self.zone == "police" else "à la brigade."),
                )
            )
        if residence is not None and residence not in self.residences:
            found.append(
                _problem(
                    "residence",
                    f"{where}, l'Opération tranquillité vacances ne concerne que la résidence "
                    + " ou la résidence ".join(self.residences)
                    + ".",
                )
            )
        return found

    def problems(self, *, departure: date, return_date: date, today: date) -> list[dict[str, str]]:
        """What these rules refuse in the dates, one `{"field", "message"}` per problem."""
        from chalicelib.otv import add_months

        where = "En zone police" if self.zone == "police" else "En zone gendarmerie"
        found = []
        days_before = (departure - today).days
        if days_before < self.latest_days_before:
            first = today + timedelta(days=self.latest_days_before)
            limit = "la veille" if self.latest_days_before == 1 else f"{self.latest_days_before} jours avant"
            found.append(
                _problem(
                    "departure_date",
                    f"{where}, l'inscription se fait au plus tard {limit} du départ : "
                    f"départ possible à partir du {first:%d/%m/%Y}.",
                )
            )
        elif days_before > self.earliest_days_before:
            opens = departure - timedelta(days=self.earliest_days_before)
            found.append(
                _problem(
                    "departure_date",
                    f"L'inscription est possible au plus tôt {self.earliest_days_before} jours avant le départ : "
                    f"revenez à partir du {opens:%d/%m/%Y}.",
                )
            )
        absence = (return_date - departure).days
        if absence < self.min_absence_days:
            found.append(
                _problem("return_date", f"{where}, l'absence doit durer au moins {self.min_absence_days} jours.")
            )
        elif return_date > add_months(departure, self.max_absence_months):
            found.append(
                _problem("return_date", f"{where}, l'absence ne peut pas dépasser {self.max_absence_months} mois.")
            )
        return found


def rule_sets() -> dict[str, RuleSet]:
    """The rule set of each zone, from the OTV page's data file (checked: a typo fails loudly)."""
    from chalicelib import content

    sets = {}
    for raw in content.otv()["zones"]:
        sets[raw["zone"]] = _parse(raw)
    if set(sets) != set(ZONES):
        raise ValueError(f"otv.json: one rule set per zone is expected ({', '.join(ZONES)})")
    return sets


def applicable(zone: str) -> list[RuleSet]:
    """The rule sets that apply in a zone: its own, or both when the zone is unknown."""
    sets = rule_sets()
    return [sets[zone]] if zone in sets else [sets[z] for z in ZONES]


def date_problems(zone: str, *, departure: date, return_date: date, today: date) -> list[dict[str, str]]:
    """Nothing when the dates suit the zone's rules (for an unknown zone: either set); else the
    problems of the set that comes closest."""
    found = [s.problems(departure=departure, return_date=return_date, today=today) for s in applicable(zone)]
    return [] if any(not problems for problems in found) else min(found, key=len)


def premises_problems(zone: str, *, home_type: str, residence: str | None) -> list[dict[str, str]]:
    """Nothing when the premises suit the zone's rules (for an unknown zone: either set)."""
    found = [s.premises_problems(home_type=home_type, residence=residence) for s in applicable(zone)]
    return [] if any(not problems for problems in found) else min(found, key=len)


def _parse(raw: dict[str, Any]) -> RuleSet:
    limits = raw.get("limits")
    names = ("earliest_days_before", "latest_days_before", "min_absence_days", "max_absence_months")
    if not isinstance(limits, dict) or any(not isinstance(limits.get(n), int) or limits[n] < 0 for n in names):
        raise ValueError(f"otv.json, zone {raw.get('zone')!r}: 'limits' needs {', '.join(names)} (whole numbers)")
    rule_set = RuleSet(raw["zone"], raw["title"], tuple(raw["rules"]), *(limits[n] for n in names))
    if "home_types" in limits:
        rule_set = replace(rule_set, home_types=tuple(limits["home_types"]))
    if "residences" in limits:
        rule_set = replace(rule_set, residences=tuple(limits["residences"]))
    return rule_set


def _problem(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}

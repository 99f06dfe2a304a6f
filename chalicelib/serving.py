"""Who serves a commune: its zone (police, gendarmerie or unknown) and its competent unit, said honestly.

Sources, strongest first (DESIGN §7):
1. the Ministry's competence file (`competence.csv`), when present: zone and unit are official;
2. `zones_police_gendarmerie.csv` (official arrêtés): the zone is official. In the police zone the
   competent service is the circonscription's police station (the `csp` column matched to
   `commissariats.csv`: the station in the commune itself if the circonscription has one there, else
   the station named after the circonscription, else its nearest station), or, under the préfecture
   de police (75, 92, 93, 94), the commissariat of the arrondissement or commune: `official`. Where
   no such station exists in the directory, the nearest police station: `nearest`. In the
   gendarmerie zone, the nearest brigade of the département: `nearest` (no official brigade list);
3. elsewhere the zone is `unknown` (`zone_basis: "estimated"`): a commune with a police station is
   *probably* in the police zone (`zone_estimate`), never stated as fact; the nearest brigade and the
   nearest police station are both given, and the `competent` unit is the nearest one of the
   estimated force (`nearest`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib import competence, geo, zones

Unit = dict[str, Any]
NEAREST_MAX_KM = 200.0


@dataclass(frozen=True)
class Serving:
    """What the API says about who serves a commune."""

    zone: str  # "police", "gendarmerie" or "unknown"
    zone_basis: str  # "official" or "estimated"
    zone_estimate: str | None  # for an unknown zone: "police" when the commune has a police station
    district: str | None  # the circonscription de sécurité publique (police zone of 77, 95…)
    unit: Unit | None
    basis: str  # "official" or "nearest"
    nearest_brigade: Unit | None  # for an unknown zone: both forces' nearest units
    nearest_police_station: Unit | None

    def view(self) -> dict[str, Any]:
        """The fields of the API's `Commune` (units are copies: callers may change theirs)."""
        return {
            "zone": self.zone,
            "zone_basis": self.zone_basis,
            "zone_estimate": self.zone_estimate,
            "police_zone": self.zone == "police",
            "police_district": self.district,
            "competent": _copy(self.unit),
            "competent_basis": self.basis,
            "nearest_brigade": _copy(self.nearest_brigade),
            "nearest_police_station": _copy(self.nearest_police_station),
        }


@dataclass(frozen=True)
class Place:
    """A commune as the resolver sees it."""

    insee: str
    city: str  # the commune itself, or the city of an arrondissement (75056, 69123, 13055)
    department: str
    lat: float | None
    lon: float | None


class Resolver:
    """Works out `Serving` for communes from the loaded units and the official files."""

    def __init__(
        self,
        *,
        brigades: list[Unit],
        stations: list[Unit],
        public: Callable[[Unit], Unit],
        official_zones: dict[str, zones.OfficialZone],
        assignments: dict[str, competence.Assignment],
        official_unit: Callable[[competence.Assignment, Place], Unit],
    ):
        self.public, self.official_zones, self.assignments = public, official_zones, assignments
        self.official_unit = official_unit
        self.stations_by_commune: dict[str, list[Unit]] = {}
        for station in stations:
            self.stations_by_commune.setdefault(station["insee"], []).append(station)
        self.brigade_grids = _grids(brigades, by_department=True)
        self.station_grid = _grids(stations, by_department=False)[""]
        self.stations_by_id = {station["id"]: station for station in stations}
        self.brigades_by_id = {brigade["id"]: brigade for brigade in brigades}
        self.district_stations = self._district_stations()

    # -- the answer ------------------------------------------------------------------------------

    def serving(self, place: Place, *, has_police_station: bool) -> Serving:
        assignment = self.assignments.get(place.insee) or self.assignments.get(place.city)
        official = self.official_zones.get(place.insee) or self.official_zones.get(place.city)
        if assignment is not None:
            district = official.district if official and official.zone == assignment.institution else None
            station = (
                self._ministry_station(assignment, place, district) if assignment.institution == "police" else None
            )
            named = station or self.official_unit(assignment, place)
            return Serving(assignment.institution, "official", None, district, named, "official", None, None)
        if official is not None and official.zone == "police":
            unit, basis = self._police_unit(place, official.district)
            district = None if zones.is_prefecture_de_police(official.district) else official.district
            return Serving("police", "official", None, district, unit, basis, None, None)
        if official is not None:
            return Serving("gendarmerie", "official", None, None, self._nearest_brigade(place), "nearest", None, None)
        brigade, station = self._nearest_brigade(place), self._nearest_station(place)
        estimate = "police" if has_police_station else None
        unit = (station or brigade) if estimate == "police" else brigade
        return Serving(
            "unknown", "estimated", estimate, None, unit, "nearest", _away(place, brigade), _away(place, station)
        )

    # -- police zone -------------------------------------------------------------------------------

    def _police_unit(self, place: Place, district: str | None) -> tuple[Unit | None, str]:
        """The circonscription's station (official), else the nearest police station (nearest)."""
        if zones.is_prefecture_de_police(district):
            candidates = self.stations_by_commune.get(place.insee, [])
        else:
            members = self.district_stations.get(zones.key(district or ""), [])
            candidates = [s for s in members if s["insee"] == place.insee] or members[:1]
        if candidates:
            return self.public(min(candidates, key=lambda s: distance_km(place, s))), "official"
        return self._nearest_station(place), "nearest"

    def _ministry_station(self, assignment: competence.Assignment, place: Place, district: str | None) -> Unit | None:
        """The police station of a service the Ministry names (« CSP de Fontainebleau »): the
        commune's own, else its circonscription's (zones file), else one in the town the service is
        named after."""
        candidates = self.stations_by_commune.get(place.insee, [])
        if not candidates and district and not zones.is_prefecture_de_police(district):
            candidates = self.district_stations.get(zones.key(district), [])[:1]
        if not candidates:
            service = f" {zones.key(assignment.service)} "
            candidates = [s for s in self.stations_by_id.values() if f" {zones.key(s['commune'] or '')} " in service]
        if not candidates:
            return None
        return self.public(min(candidates, key=lambda s: distance_km(place, s)))

    def _district_stations(self) -> dict[str, list[Unit]]:
        """The police stations located in each circonscription's communes, its head first: the
        station named after the circonscription (`Commissariat de police d'Orvanne`), or located in
        the commune it is named after (Melun for `Melun-Val-de-Seine`)."""
        members: dict[str, list[Unit]] = {}
        for code, official in self.official_zones.items():
            if official.zone == "police" and not zones.is_prefecture_de_police(official.district):
                district = zones.key(official.district or "")
                members.setdefault(district, []).extend(self.stations_by_commune.get(code, []))
        return {district: sorted(stations, key=_head_rank(district)) for district, stations in members.items()}

    # -- nearest units -------------------------------------------------------------------------------

    def _nearest_brigade(self, place: Place) -> Unit | None:
        """The nearest brigade of the commune's own département (its brigades serve it)."""
        grid = self.brigade_grids.get(place.department)
        return self._nearest(place, grid, self.brigades_by_id)

    def _nearest_station(self, place: Place) -> Unit | None:
        return self._nearest(place, self.station_grid, self.stations_by_id)

    def _nearest(self, place: Place, grid: geo.PointGrid[str] | None, units: dict[str, Unit]) -> Unit | None:
        if place.lat is None or place.lon is None or grid is None:
            return None
        found = grid.nearest(place.lat, place.lon, max_km=NEAREST_MAX_KM)
        return self.public(units[found[0][1]]) if found else None


def _head_rank(district: str) -> Callable[[Unit], tuple[int, str]]:
    words = district.split()

    def rank(station: Unit) -> tuple[int, str]:
        name, town = zones.key(station["name"]).split(), zones.key(station["commune"] or "").split()
        if _contains(name, words):
            return 0, station["id"]
        if town and (words[: len(town)] == town or town[: len(words)] == words):
            return 1, station["id"]
        return 2, station["id"]

    return rank


def _contains(words: list[str], part: list[str]) -> bool:
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


def _grids(units: Iterable[Unit], *, by_department: bool) -> dict[str, geo.PointGrid[str]]:
    members: dict[str, list[tuple[float, float, str]]] = {}
    for unit in units:
        if unit["lat"] is not None and unit["lon"] is not None:
            key = unit["department"] if by_department else ""
            members.setdefault(key, []).append((unit["lat"], unit["lon"], unit["id"]))
    grids = {key: geo.PointGrid(points, cell_degrees=0.2) for key, points in members.items()}
    return grids if by_department else {"": grids.get("") or geo.PointGrid([], cell_degrees=0.2)}


def distance_km(place: Place, unit: Unit) -> float:
    if place.lat is None or place.lon is None or unit["lat"] is None or unit["lon"] is None:
        return math.inf
    return geo.geodesic_km(place.lat, place.lon, unit["lat"], unit["lon"])


def _away(place: Place, unit: Unit | None) -> Unit | None:
    """The unit with its geodesic distance from the commune's centre."""
    return None if unit is None else {**unit, "distance_km": round(distance_km(place, unit), 2)}


def _copy(unit: Unit | None) -> Unit | None:
    return dict(unit) if unit is not None else None

"""Brigade search: communes by name, postal or INSEE code; the units serving a commune or a position.

The data (DESIGN §7, data/README.md) is read from `DATA_DIR` on first use and kept for the life of
the process (a Lambda container): communes as columns, units by id, and indexes built when first
needed: names (`names.NameIndex`), postal codes (same structure), commune centres and brigades
(`geo.PointGrid`). Nothing is read at `import app`.

The zone of a commune and its competent unit (`serving.py`) come from the official files when
they speak (`zones_police_gendarmerie.csv`, the Ministry's `competence.csv`), and are otherwise said
to be unknown or the nearest, never stated as fact. Positions are never logged.
"""

from __future__ import annotations

import csv
import functools
import gc
import io
import re
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from chalicelib import commune_search, competence, geo, names, serving, snapshot, zones
from chalicelib.config import get_settings
from chalicelib.errors import AppError

# A position farther than this from every commune centre is not in France. Communes of French
# Guiana are vast (up to 18,000 km²): their centres can lie 100 km from their edges.
REACH_KM = 30.0
WIDE_REACH_KM = 150.0
WIDE_COMMUNE_DEPARTMENTS = frozenset({"973"})
NEAREST_MAX_KM = 200.0  # brigades farther than this are not offered as "nearest"
PARIS_LYON_MARSEILLE = frozenset({"75056", "69123", "13055"})  # a position lands in an arrondissement
ARRONDISSEMENT = 10**9  # ranks an arrondissement above its city for a shared postal code
_CODE = re.compile(r"\d{5}|2[AB]\d{3}")
CODE_SEARCH_WIDTH = 1000  # a 2-digit postal prefix covers a few hundred communes of its département

Unit = dict[str, Any]
Built = TypeVar("Built")
Found = commune_search.Found


# -- what the routes and other domain modules call ---------------------------------------------------


def search_communes(text: str, *, limit: int = 10, department: str | None = None) -> list[dict[str, Any]]:
    """Communes matching a name as people type it (hints, abbreviations, typos, sound), a postal
    code or an INSEE code, only those of `department` when it is given; each says how it matched
    (`match`) and which hints were ignored."""
    found = directory()
    hits = found.search(text, limit) if department is None else found.search_in_department(text, department, limit)
    views = []
    for hit in hits:
        view = found.commune_view(hit.commune, hit.matched_name)
        view["match"] = list(hit.match)
        if hit.ignored_hints:
            view["ignored_hints"] = list(hit.ignored_hints)
        views.append(view)
    return views


def commune_name(insee: str) -> tuple[str, str] | None:
    """`(name, département)` of the commune of that current INSEE code, or None."""
    return directory().commune_name(insee)


def nearest(*, lat: float, lon: float, limit: int = 3) -> dict[str, Any]:
    """The commune where a position lies, its competent unit and the nearest brigades.

    A position far from every commune of metropolitan France and the DROM is a 400.
    """
    found = directory()
    commune = found.commune_view(found.locate(lat, lon), None)
    return {"commune": commune, "competent": commune["competent"], "nearest": found.nearest_units(lat, lon, limit)}


def commune(code: str) -> dict[str, Any]:
    """A commune (or municipal arrondissement) by its current INSEE code; unknown → 404."""
    found = directory()
    index = found.by_insee.get(code.strip().upper())
    if index is None:
        raise AppError("not_found", "Aucune commune ne porte ce code INSEE.")
    return found.commune_view(index, None)


def unit(unit_id: str) -> Unit:
    """A brigade (or police station) by its id; unknown → 404."""
    found = directory().units.get(unit_id)
    if found is None:
        raise AppError("not_found", "Aucune brigade ni aucun commissariat ne porte cet identifiant.")
    return dict(found)


# -- the loaded data ---------------------------------------------------------------------------------

_directories: dict[Path, Directory] = {}
_loading = threading.Lock()


def directory(data_dir: Path | None = None) -> Directory:
    """The data of `data_dir` (default: the settings'), read once per process."""
    path = data_dir or get_settings().data_dir
    if path not in _directories:
        with _loading:
            if path not in _directories:
                _directories[path] = Directory.load(path)
    return _directories[path]


def _paused_collector(build: Callable[..., Built]) -> Callable[..., Built]:
    """Run a build with the cycle collector paused, then move what exists to the collector's
    permanent generation (`gc.freeze`): the hundreds of thousands of objects of the indexes live as
    long as the process, and scanning them again and again cost a quarter of the build time (and
    would lengthen every later full collection)."""

    @functools.wraps(build)
    def paused(*args: Any, **kwargs: Any) -> Built:
        if not gc.isenabled():
            return build(*args, **kwargs)
        gc.disable()
        try:
            return build(*args, **kwargs)
        finally:
            gc.freeze()
            gc.enable()

    return paused


class Directory:
    """Communes (one column per field, one row per commune or arrondissement) and units."""

    @_paused_collector
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        columns = _columns(
            data_dir / "communes.csv",
            "code_insee", "nom", "departement", "codes_postaux", "population", "latitude", "longitude",
            "commune_parent", "anciens_codes",
        )  # fmt: skip
        self.insee, self.name = columns[:2]
        # 101 départements and ≈ 6,000 postal codes for 35,000 rows: one string object per value
        # (≈ 3 MB less for the process, and for the snapshot that keeps them shared)
        shared: dict[str, str] = {}
        self.department, self.postal_codes = ([shared.setdefault(v, v) for v in c] for c in columns[2:4])
        self.population = [int(p or 0) for p in columns[4]]
        self.lat = [float(x) if x else None for x in columns[5]]
        self.lon = [float(x) if x else None for x in columns[6]]
        self.parent, self.former_codes = columns[7:]
        self.by_insee = dict(zip(self.insee, range(len(self.insee)), strict=True))
        self.brigades = _units(data_dir / "brigades.csv", "gendarmerie")
        self.stations = _units(data_dir / "commissariats.csv", "police")
        # what the API answers, shared by every answer that names the unit
        self.units: dict[str, Unit] = {u["id"]: _public(u) for u in self.brigades + self.stations}
        self.police_by_city: dict[str, list[Unit]] = {}
        for station in self.stations:
            commune = self.by_insee.get(station["insee"])
            city = station["insee"] if commune is None else self.city(commune)
            self.police_by_city.setdefault(city, []).append(station)
        self.official = competence.load(data_dir / competence.FILE_NAME)
        self.official_zones = zones.load(data_dir / zones.FILE_NAME)
        self._serving: dict[int, serving.Serving] = {}

    # what a snapshot leaves out: where the files are, a memo filled by requests, and the resolver
    # (its callbacks are closures; it builds in ≈ 15 ms)
    UNSAVED = frozenset({"data_dir", "_serving", "resolver"})

    @classmethod
    def load(cls, data_dir: Path) -> Directory:
        """The folder's data with its indexes from its snapshot (`snapshot.py`), or from its files."""
        state = _paused_collector(snapshot.load)(data_dir)
        if state is None:
            return cls(data_dir)
        found = cls.__new__(cls)
        found.__dict__.update(state)
        found.data_dir, found._serving = data_dir, {}
        return found

    def save_snapshot(self) -> Path:
        """Build every index and save them beside the files, for the cold starts to come."""
        self.build_all()
        return snapshot.save(self.data_dir, {k: v for k, v in vars(self).items() if k not in self.UNSAVED})

    def city(self, commune: int) -> str:
        """The commune itself, or the city of an arrondissement (Paris, Lyon, Marseille)."""
        return self.parent[commune] or self.insee[commune]

    def build_all(self) -> Directory:
        """Build every index now (the routes build each one when first needed)."""
        for index in (
            "name_search",
            "postal_index",
            "former",
            "commune_grid",
            "wide_commune_grid",
            "brigade_grid",
            "resolver",
        ):
            getattr(self, index)
        return self

    # -- indexes, built on first use -----------------------------------------------------------------

    @cached_property
    @_paused_collector
    def former(self) -> tuple[dict[str, int], dict[str, str], list[tuple[str, int]]]:
        """Former communes: commune by former INSEE code, name by former code, (name, commune)."""
        by_code = {code: i for i, codes in enumerate(self.former_codes) if codes for code in codes.split("|")}
        codes, old_names, currents = _columns(
            self.data_dir / "communes_deleguees.csv", "code_insee", "nom", "commune_code_insee"
        )
        named = [(name, self.by_insee[current]) for name, current in zip(old_names, currents, strict=True)]
        return by_code, dict(zip(codes, old_names, strict=True)), [(n, c) for n, c in named if n != self.name[c]]

    @cached_property
    @_paused_collector
    def name_search(self) -> commune_search.CommuneSearch:
        """Names, former names (Meythet → Annecy), names without their article (Havre → Le Havre),
        their phonetic keys, and the hints a query may add (`commune_search`)."""
        return commune_search.CommuneSearch(
            names_of=self.name,
            insee=self.insee,
            department=self.department,
            postal_codes=self.postal_codes,
            population=self.population,
            parent=self.parent,
            former=self.former[2],
        )

    @cached_property
    @_paused_collector
    def postal_index(self) -> names.NameIndex:
        codes_of = self.postal_codes  # most communes have a single code: split only the others
        pairs = [(codes, c) for c, codes in enumerate(codes_of) if codes and "|" not in codes]
        pairs += [(code, c) for c, codes in enumerate(codes_of) if "|" in codes for code in codes.split("|")]
        communes = [c for _, c in pairs]
        scores = [self.population[c] + (ARRONDISSEMENT if self.parent[c] else 0) for c in communes]
        return names.NameIndex([code for code, _ in pairs], communes, communes, scores)

    @cached_property
    @_paused_collector
    def brigades_by_service_id(self) -> dict[str, list[Unit]]:
        """Brigades by the Ministry's unit id (`identifiant_unite`; three ids are shared by two)."""
        found: dict[str, list[Unit]] = {}
        for brigade in self.brigades:
            if brigade["service_id"]:
                found.setdefault(brigade["service_id"], []).append(brigade)
        return found

    @cached_property
    @_paused_collector
    def commune_grid(self) -> geo.PointGrid[int]:
        """Commune centres; Paris, Lyon and Marseille are left out for their arrondissements."""
        return geo.PointGrid(
            (
                (lat, lon, commune)
                for commune, (lat, lon, code) in enumerate(zip(self.lat, self.lon, self.insee, strict=True))
                if lat is not None and lon is not None and code not in PARIS_LYON_MARSEILLE
            ),
            cell_degrees=0.05,
        )

    @cached_property
    @_paused_collector
    def wide_commune_grid(self) -> geo.PointGrid[int]:
        """The few communes whose territory reaches far beyond `REACH_KM` from their centre."""
        return geo.PointGrid(
            (
                (lat, lon, commune)
                for commune, (lat, lon, department) in enumerate(zip(self.lat, self.lon, self.department, strict=True))
                if lat is not None and lon is not None and department in WIDE_COMMUNE_DEPARTMENTS
            ),
            cell_degrees=1.0,
        )

    @cached_property
    @_paused_collector
    def resolver(self) -> serving.Resolver:
        """Zones and competent units (`serving.py`), with their own indexes of units."""
        return serving.Resolver(
            brigades=self.brigades,
            stations=self.stations,
            public=lambda u: self.units[u["id"]],
            official_zones=self.official_zones,
            assignments=self.official,
            official_unit=self._official_unit,
        )

    @cached_property
    @_paused_collector
    def brigade_grid(self) -> geo.PointGrid[str]:
        return geo.PointGrid(
            ((b["lat"], b["lon"], b["id"]) for b in self.brigades if b["lat"] is not None), cell_degrees=0.2
        )

    # -- lookups -------------------------------------------------------------------------------------

    def search(self, text: str, limit: int) -> list[Found]:
        """Communes for a query, best first."""
        compact = "".join(text.split()).upper()
        if _CODE.fullmatch(compact):
            return self._by_code(compact, limit)
        if compact.isdigit():  # the start of a postal code
            found = self.postal_index.search([compact], limit, typo_min_length=None)
            return [Found(c, None, ("postal_code",)) for c, _ in found]
        return self.name_search.search(text, limit)

    def search_in_department(self, text: str, department: str, limit: int) -> list[Found]:
        """Communes of one département for a query, best first (codes: the national answer, filtered)."""
        compact = "".join(text.split()).upper()
        if _CODE.fullmatch(compact) or compact.isdigit():
            hits = self.search(text, CODE_SEARCH_WIDTH)
            return [hit for hit in hits if self.department[hit.commune] == department][:limit]
        return self.name_search.search(text, limit, within=department)

    def commune_name(self, insee: str) -> tuple[str, str] | None:
        """`(name, département)` of a commune (or arrondissement) by its current INSEE code."""
        commune = self.by_insee.get(insee)
        return None if commune is None else (self.name[commune], self.department[commune])

    def _by_code(self, code: str, limit: int) -> list[Found]:
        """Postal code first (what people type), then INSEE code; else a former INSEE code (old Seine
        codes 75xxx, for instance, would otherwise mix suburbs into Paris postal codes)."""
        postal = self.postal_index.search([code], limit, typo_min_length=None)
        hits = [Found(c, None, ("postal_code",)) for c, _ in postal]
        by_former_code, former_names, _ = self.former
        if code in self.by_insee:
            hits.append(Found(self.by_insee[code], None, ("insee_code",)))
        if not hits and code in by_former_code:
            hits.append(Found(by_former_code[code], former_names.get(code), ("insee_code", "former_name")))
        unique: dict[int, Found] = {}
        for hit in hits:
            unique.setdefault(hit.commune, hit)
        return list(unique.values())[:limit]

    def locate(self, lat: float, lon: float) -> int:
        """The commune whose centre is nearest to a position in France or a DROM; else a 400."""
        found = self.commune_grid.nearest(lat, lon, max_km=REACH_KM) or self.wide_commune_grid.nearest(
            lat, lon, max_km=WIDE_REACH_KM
        )
        if not found:
            raise AppError("outside_territory")
        return found[0][1]

    def nearest_units(self, lat: float, lon: float, limit: int) -> list[Unit]:
        """The `limit` nearest brigades with their geodesic distance, nearest first."""
        answers = []
        for _, unit_id in self.brigade_grid.nearest(lat, lon, count=limit, max_km=NEAREST_MAX_KM):
            brigade = self.units[unit_id]
            distance = geo.geodesic_km(lat, lon, brigade["lat"], brigade["lon"])
            answers.append({**brigade, "distance_km": round(distance, 2)})
        answers.sort(key=lambda u: u["distance_km"])
        return answers

    def served(self, commune: int) -> serving.Serving:
        """Zone and competent unit of a commune (worked out once per commune)."""
        known = self._serving.get(commune)
        if known is None:
            known = self._serving[commune] = self.resolver.serving(
                self.place(commune), has_police_station=self.city(commune) in self.police_by_city
            )
        return known

    def competent(self, commune: int) -> tuple[Unit | None, str]:
        """The competent unit of a commune and the basis of that answer."""
        found = self.served(commune)
        return found.unit, found.basis

    def place(self, commune: int) -> serving.Place:
        return serving.Place(
            self.insee[commune], self.city(commune), self.department[commune], self.lat[commune], self.lon[commune]
        )

    def _official_unit(self, assignment: competence.Assignment, place: serving.Place) -> Unit:
        """The unit the Ministry names: the brigade with that id, the city's police station, or a unit
        known by its name only (then also served by `GET /brigades/{id}`)."""
        if assignment.institution == "gendarmerie":
            candidates = self.brigades_by_service_id.get(assignment.service_id, [])
        else:
            candidates = self.police_by_city.get(place.city, [])
        if candidates:
            return self.units[min(candidates, key=lambda u: serving.distance_km(place, u))["id"]]
        unit_id = f"service-{assignment.service_id or '-'.join(names.fold(assignment.service).split())}"
        named = {field: None for field in UNIT_FIELDS} | {
            "id": unit_id,
            "kind": assignment.institution,
            "name": assignment.service,
        }
        return self.units.setdefault(unit_id, named)

    def commune_view(self, commune: int, matched_name: str | None) -> dict[str, Any]:
        """The API's `Commune`."""
        view: dict[str, Any] = {
            "insee": self.insee[commune],
            "name": self.name[commune],
            "department": self.department[commune],
            "postal_codes": self.postal_codes[commune].split("|") if self.postal_codes[commune] else [],
            "lat": self.lat[commune],
            "lon": self.lon[commune],
            **self.served(commune).view(),
        }
        if matched_name is not None:
            view["matched_name"] = matched_name
        return view


# -- reading the files ---------------------------------------------------------------------------------

UNIT_FIELDS = ("id", "kind", "name", "address", "postal_code", "commune", "department", "phone", "lat", "lon", "hours")


def _columns(path: Path, *names: str) -> list[Sequence[str]]:
    """The named columns of a CSV file.

    A file without quotes, carriage returns or ragged rows (the files of data/README.md) is split on
    commas and newlines in one pass, twice as fast as the csv module; without quotes no field can
    hold a comma or a newline, so both read the same. Any other file goes through the csv module.
    """
    text = path.read_text(encoding="utf-8")
    first_line, _, body = text.partition("\n")
    header = first_line.split(",")
    body = body.rstrip("\n")
    width = len(header)
    if '"' in text or "\r" in text or any(line.count(",") != width - 1 for line in body.split("\n")):
        rows = list(csv.reader(io.StringIO(text)))
        header, every = rows[0], list(zip(*rows[1:], strict=True))
        return [every[header.index(name)] for name in names]
    fields = body.replace("\n", ",").split(",")
    return [fields[header.index(name) :: width] for name in names]


def _units(path: Path, kind: str) -> list[Unit]:
    """Rows of brigades.csv or commissariats.csv as the API's `Unit`, plus two private join keys
    (`insee`, `service_id`) that `_public` drops."""
    fields = ("id", "nom", "adresse", "code_postal", "commune", "departement", "telephone", "latitude", "longitude")
    extra = ("horaires", "horaires_note", "code_insee", "identifiant_unite")
    units = []
    for row in zip(*_columns(path, *fields, *extra), strict=True):
        ident, name, address, postal_code, town, department, phone, lat, lon, hours, note, insee, service_id = row
        units.append(
            {
                "id": ident,
                "kind": kind,
                "name": name,
                "address": address or None,
                "postal_code": postal_code or None,
                "commune": town or None,
                "department": department,
                "phone": phone or None,
                "lat": float(lat) if lat else None,
                "lon": float(lon) if lon else None,
                "hours": "; ".join(part for part in (hours, note) if part) or None,
                "insee": insee,
                "service_id": service_id,
            }
        )
    return units


def _public(unit: Unit) -> Unit:
    return {field: unit[field] for field in UNIT_FIELDS}

"""Zone and competent unit of a commune (serving.py): official where the official files speak, said to be
unknown or the nearest everywhere else, checked over every commune of the zones file and of France."""

import csv
from pathlib import Path
from typing import Any

import pytest

from chalicelib import brigades, serving, zones
from chalicelib.config import get_settings

FORCES = {"ZPN": "police", "ZGN": "gendarmerie"}


def data_rows(name: str) -> list[dict[str, str]]:
    with (get_settings().data_dir / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def official() -> dict[str, dict[str, str]]:
    return {row["code_insee"]: row for row in data_rows(zones.FILE_NAME)}


@pytest.fixture(scope="module")
def acceptable_stations(official: dict[str, dict[str, str]]) -> dict[str, set[str]]:
    """For each police-zone commune, the stations that may be called official, worked out from the
    files alone: a station located in a commune of the same circonscription (77, 95), or in the
    commune or arrondissement itself (préfecture de police: 75, 92, 93, 94)."""
    stations_in: dict[str, set[str]] = {}
    for station in data_rows("commissariats.csv"):
        stations_in.setdefault(station["code_insee"], set()).add(station["id"])
    district_of = {code: zones.key(row["csp"]) for code, row in official.items() if row["zone"] == "ZPN"}
    by_district: dict[str, set[str]] = {}
    for code, district in district_of.items():
        by_district.setdefault(district, set()).update(stations_in.get(code, set()))
    return {
        code: stations_in.get(code, set()) if district == zones.PREFECTURE_DE_POLICE else by_district[district]
        for code, district in district_of.items()
    }


def commune_by_code(client: Any, code: str) -> dict[str, Any]:
    results = client.http.get(f"/communes?q={code}&limit=50").json_body["results"]
    return next(c for c in results if c["insee"] == code)


def test_every_commune_of_the_zones_file_gets_its_official_zone_and_a_unit_of_that_force(
    client: Any, official: dict[str, dict[str, str]], acceptable_stations: dict[str, set[str]]
) -> None:
    assert {row["departement"] for row in official.values()} == {"75", "77", "92", "93", "94", "95"}
    for code, row in official.items():
        commune = commune_by_code(client, code)
        force = FORCES[row["zone"]]
        assert (commune["zone"], commune["zone_basis"]) == (force, "official"), code
        assert commune["police_zone"] is (force == "police")
        unit = commune["competent"]
        assert unit is not None and unit["kind"] == force, code
        assert commune["nearest_brigade"] is None and commune["nearest_police_station"] is None
        if force == "gendarmerie":
            assert commune["competent_basis"] == "nearest", code  # no official brigade list
            assert unit["department"] == row["departement"]
        else:
            allowed = acceptable_stations[code]
            assert commune["competent_basis"] == ("official" if allowed else "nearest"), code
            if commune["competent_basis"] == "official":
                assert unit["id"] in allowed, code
            own = [s for s in allowed if brigades.directory().units[s]["id"] in _stations_of(code)]
            if own:
                assert unit["id"] in own, code  # the station of the commune itself, when it has one
        if row["zone"] == "ZPN" and row["departement"] in {"77", "95"}:
            assert commune["police_district"] == row["csp"]


def _stations_of(code: str) -> set[str]:
    return {s["id"] for s in brigades.directory().stations if s["insee"] == code}


def test_a_position_gives_the_same_official_answer_as_the_commune(
    client: Any, official: dict[str, dict[str, str]]
) -> None:
    directory = brigades.directory()
    for code in official:
        commune = directory.by_insee[code]
        lat, lon = directory.lat[commune], directory.lon[commune]
        if code in brigades.PARIS_LYON_MARSEILLE or lat is None or lon is None:
            continue  # a position in Paris lands in an arrondissement (also in the file)
        answer = client.http.get(f"/brigades/nearest?lat={lat}&lon={lon}&limit=1").json_body
        assert answer["commune"]["insee"] == code
        assert answer["commune"]["zone_basis"] == "official"
        assert answer["competent"] == answer["commune"]["competent"]
        assert answer["competent"]["kind"] == FORCES[official[code]["zone"]]


def test_nowhere_else_is_a_zone_or_a_unit_said_to_be_official(official: dict[str, dict[str, str]]) -> None:
    directory = brigades.directory()
    assert not directory.official, "this check is about the shipped data, without the Ministry's file"
    for commune, code in enumerate(directory.insee):
        if code in official or directory.parent[commune] in official:
            continue
        found = directory.served(commune)
        assert (found.zone, found.zone_basis, found.basis) == ("unknown", "estimated", "nearest"), code
        assert found.view()["police_zone"] is False
        if found.zone_estimate is not None:
            assert found.zone_estimate == "police"
            assert directory.city(commune) in directory.police_by_city  # the estimate's only ground


@pytest.mark.parametrize(
    ("code", "station"),
    [
        ("77014", "Commissariat de police de Fontainebleau"),  # Avon: circonscription of Fontainebleau
        ("77468", "Commissariat de police de Noisiel"),  # Torcy: circonscription of Noisiel
        ("77288", "Commissariat de police de Melun"),  # head of Melun-Val-de-Seine
        ("75115", "Commissariat central de police de Paris 15e arrondissement"),
    ],
)
def test_police_zone_communes_named_in_the_issue_get_their_station(client: Any, code: str, station: str) -> None:
    commune = commune_by_code(client, code)
    assert (commune["zone"], commune["competent_basis"], commune["competent"]["name"]) == (
        "police",
        "official",
        station,
    )


def test_an_unknown_zone_gives_both_the_nearest_brigade_and_the_nearest_police_station() -> None:
    directory = brigades.directory()
    lyon = directory.served(directory.by_insee["69383"])  # Lyon 3e: no official list for the Rhône
    assert lyon.zone == "unknown" and lyon.zone_estimate == "police"
    assert lyon.nearest_brigade is not None and lyon.nearest_brigade["kind"] == "gendarmerie"
    assert lyon.nearest_police_station is not None and lyon.nearest_police_station["kind"] == "police"
    assert lyon.nearest_police_station["distance_km"] < lyon.nearest_brigade["distance_km"] + 50


# -- the circonscription's station, on small files --------------------------------------------------------


def unit(ident: str, kind: str, name: str, town: str, insee: str, lat: float, lon: float) -> dict[str, Any]:
    return {
        "id": ident, "kind": kind, "name": name, "address": None, "postal_code": None, "commune": town,
        "department": insee[:2], "phone": None, "lat": lat, "lon": lon, "hours": None, "insee": insee,
    }  # fmt: skip


def resolver(zone_rows: str) -> serving.Resolver:
    stations = [
        unit("p-a", "police", "Commissariat de police de Bourg-Nord", "Bourg", "77001", 48.0, 2.0),
        unit("p-b", "police", "Commissariat de police de Ville-Haute", "Ville-Haute", "77002", 48.1, 2.0),
        unit("p-c", "police", "Bureau de police de Hameau", "Hameau", "77003", 48.2, 2.0),
    ]
    brigade = unit("g-a", "gendarmerie", "Brigade de gendarmerie - Champ", "Champ", "77004", 48.3, 2.0)
    header = "code_insee,nom,departement,zone,csp,name_in_text,source\n"
    return serving.Resolver(
        brigades=[brigade],
        stations=stations,
        public=lambda u: u,
        official_zones=zones.parse(header + zone_rows),
        assignments={},
        official_unit=lambda assignment, place: {},
    )


def place(code: str, lat: float = 48.05) -> serving.Place:
    return serving.Place(code, code, code[:2], lat, 2.0)


def test_the_circonscription_station_is_the_one_named_after_it_or_in_its_namesake_commune() -> None:
    rows = (
        "77001,Bourg,77,ZPN,Ville-Haute-Agglomération,Bourg,a\n"
        "77002,Ville-Haute,77,ZPN,Ville-Haute-Agglomération,Ville-Haute,a\n"
        "77005,Plaine,77,ZPN,Ville-Haute-Agglomération,Plaine,a\n"
        "77004,Champ,77,ZGN,,,a\n"
    )
    found = resolver(rows)
    plain = found.serving(place("77005", lat=48.0), has_police_station=False)
    assert (plain.zone, plain.unit and plain.unit["id"], plain.basis) == ("police", "p-b", "official")
    own = found.serving(place("77001"), has_police_station=True)
    assert own.unit is not None and own.unit["id"] == "p-a"  # the commune's own station of the district
    field = found.serving(place("77004"), has_police_station=False)
    assert (field.zone, field.unit and field.unit["id"], field.basis) == ("gendarmerie", "g-a", "nearest")


def test_a_circonscription_without_a_known_station_gets_the_nearest_one_said_so() -> None:
    found = resolver("77006,Lointain,77,ZPN,Disparue,Lointain,a\n")
    answer = found.serving(place("77006", lat=48.19), has_police_station=False)
    assert (answer.zone, answer.zone_basis, answer.basis) == ("police", "official", "nearest")
    assert answer.unit is not None and answer.unit["id"] == "p-c"


def test_a_commune_absent_from_the_file_has_an_unknown_zone() -> None:
    answer = resolver("77001,Bourg,77,ZPN,Bourg,Bourg,a\n").serving(place("78001"), has_police_station=True)
    assert (answer.zone, answer.zone_basis, answer.zone_estimate, answer.basis) == (
        "unknown",
        "estimated",
        "police",
        "nearest",
    )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("7700,Court,77,ZPN,X,,a\n", "code INSEE invalide"),
        ("77001,Bourg,77,ZXX,X,,a\n", "ZPN ou ZGN"),
        ("77001,Bourg,77,ZPN,X,,a\n77001,Bourg,77,ZPN,X,,a\n", "deux fois"),
    ],
)
def test_a_malformed_zones_file_is_refused_with_its_line(rows: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        zones.parse("code_insee,nom,departement,zone,csp,name_in_text,source\n" + rows)


def test_a_missing_zones_file_means_no_official_zone(tmp_path: Path) -> None:
    assert zones.load(tmp_path / zones.FILE_NAME) == {}

"""Brigade search on the real data of DATA_DIR: communes by name or code, units by position or id."""

import shutil
from pathlib import Path
from typing import Any

import pytest
from geographiclib.geodesic import Geodesic

from chalicelib import brigades
from chalicelib.errors import AppError

COMMUNE_FIELDS = {
    "insee", "name", "department", "postal_codes", "lat", "lon", "competent", "competent_basis", "police_zone",
    "zone", "zone_basis", "zone_estimate", "police_district", "nearest_brigade", "nearest_police_station",
}  # fmt: skip
SEARCH_FIELDS = COMMUNE_FIELDS | {"match"}  # a search answer also says how it matched
UNIT_FIELDS = {"id", "kind", "name", "address", "postal_code", "commune", "department", "phone", "lat", "lon", "hours"}


def first(text: str, limit: int = 10) -> dict[str, Any]:
    return brigades.search_communes(text, limit=limit)[0]


def named(text: str, limit: int = 10) -> list[tuple[str, str]]:
    return [(c["name"], c["department"]) for c in brigades.search_communes(text, limit=limit)]


# -- by name ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["beziers", "BÉZIERS", "Béziers", " béziers  ", "bezier", "bexiers"])
def test_accents_case_spaces_and_one_typo_find_beziers(typed: str) -> None:
    assert (first(typed)["name"], first(typed)["insee"]) == ("Béziers", "34032")


@pytest.mark.parametrize("typed", ["saint etienne", "Saint-Étienne", "st etienne", "St-Etienne", "saintetienne"])
def test_saint_etienne_is_found_however_it_is_typed(typed: str) -> None:
    assert first(typed)["insee"] == "42218"


def test_apostrophes_are_spaces_and_the_article_may_be_omitted() -> None:
    found = named("l abergement")
    assert ("L'Abergement-Clémenciat", "01") in found
    assert ("L'Abergement-de-Varey", "01") in found
    assert first("l'abergement clemenciat")["insee"] == "01001"
    assert first("abergement clemenciat")["insee"] == "01001"
    assert first("havre")["name"] == "Le Havre"


def test_ste_stands_for_sainte() -> None:
    assert all(name.startswith("Sainte") for name, _ in named("ste", limit=5))
    assert first("ste maxime")["name"] == "Sainte-Maxime"


def test_type_ahead_prefix_ranks_the_biggest_commune_first() -> None:
    found = named("montp", limit=5)
    assert found[0] == ("Montpellier", "34")
    assert all(name.lower().startswith("montp") for name, _ in found)


def test_one_typo_still_finds_montpellier() -> None:
    assert first("montpelier")["insee"] == "34172"
    assert first("monptellier")["insee"] == "34172"


def test_exact_name_ranks_before_longer_names_even_more_populous() -> None:
    found = named("saint denis", limit=4)
    assert {dept for name, dept in found[:2]} == {"93", "974"}  # the two exact Saint-Denis, biggest first
    assert all(name == "Saint-Denis" for name, _ in found[:2])


def test_homonyms_are_told_apart_by_their_department() -> None:
    found = brigades.search_communes("saint martin", limit=10)
    exact = [c for c in found if c["name"] == "Saint-Martin"]
    assert len(exact) >= 2  # the big communes starting so come between the namesakes (issue 18)
    assert len({c["department"] for c in exact}) == len(exact)
    assert exact[0]["insee"] == "97801"  # Saint-Martin (collectivité), the most populous
    every = brigades.directory()
    namesakes = [i for i, name in enumerate(every.name) if name == "Saint-Martin"]
    assert len(namesakes) >= 5
    for commune in namesakes:  # the département typed after the name picks each one
        department = every.department[commune]
        assert first(f"saint martin {department}")["insee"] == every.insee[commune]


def test_limit_caps_the_answers() -> None:
    assert len(brigades.search_communes("saint", limit=50)) == 50
    assert len(brigades.search_communes("saint", limit=1)) == 1


def test_a_name_matching_nothing_gives_no_answer() -> None:
    assert brigades.search_communes("xqzwv", limit=10) == []
    assert brigades.search_communes("?!", limit=10) == []


# -- by code ---------------------------------------------------------------------------------------


def test_a_postal_code_finds_every_commune_it_covers_then_the_insee_code() -> None:
    *by_postal_code, by_insee_code = brigades.search_communes("01400", limit=50)
    assert len(by_postal_code) == 10
    assert all(c["postal_codes"] == ["01400"] for c in by_postal_code)
    assert "L'Abergement-Clémenciat" in [c["name"] for c in by_postal_code]
    assert (by_insee_code["insee"], by_insee_code["name"]) == ("01400", "Seillonnaz")
    assert first("34000")["name"] == "Montpellier"
    assert first("34 000")["name"] == "Montpellier"


def test_the_start_of_a_postal_code_lists_communes_for_type_ahead() -> None:
    found = brigades.search_communes("3450", limit=5)
    assert found[0]["name"] == "Béziers"
    assert all(any(code.startswith("3450") for code in c["postal_codes"]) for c in found)


def test_an_insee_code_finds_its_commune() -> None:
    assert first("34172")["name"] == "Montpellier"


@pytest.mark.parametrize(("code", "name", "department"), [("2A004", "Ajaccio", "2A"), ("2b033", "Bastia", "2B")])
def test_corsican_codes_and_departments(code: str, name: str, department: str) -> None:
    commune = first(code)
    assert (commune["name"], commune["department"]) == (name, department)
    assert first(name)["department"] == department
    assert first("20000")["name"] == "Ajaccio"


@pytest.mark.parametrize(
    ("query", "name", "department"),
    [
        ("97400", "Saint-Denis", "974"),
        ("fort de france", "Fort-de-France", "972"),
        ("pointe a pitre", "Pointe-à-Pitre", "971"),
        ("cayenne", "Cayenne", "973"),
        ("mamoudzou", "Mamoudzou", "976"),
    ],
)
def test_overseas_departments_are_searchable(query: str, name: str, department: str) -> None:
    commune = first(query)
    assert (commune["name"], commune["department"]) == (name, department)
    assert (commune["zone"], commune["zone_basis"]) == ("unknown", "estimated")  # no official list there
    assert commune["nearest_brigade"]["kind"] == "gendarmerie"
    assert commune["nearest_brigade"]["department"] == department


def test_the_arrondissements_of_paris_lyon_and_marseille() -> None:
    assert first("paris 15")["name"] == "Paris 15e Arrondissement"
    assert first("lyon 3")["name"] == "Lyon 3e Arrondissement"
    assert first("marseille 1er")["name"] == "Marseille 1er Arrondissement"
    assert first("75115")["name"] == "Paris 15e Arrondissement"
    # 75015 is also the former INSEE code of Bry-sur-Marne (Seine, before 1968): not shown
    assert [c["name"] for c in brigades.search_communes("75015")] == ["Paris 15e Arrondissement", "Paris"]
    # 13001 is the postal code of Marseille 1er and the INSEE code of Aix-en-Provence
    assert [c["name"] for c in brigades.search_communes("13001")] == [
        "Marseille 1er Arrondissement",
        "Marseille",
        "Aix-en-Provence",
    ]


def test_a_former_commune_is_found_by_its_old_name_and_old_code() -> None:
    by_name = first("Meythet")
    assert (by_name["name"], by_name["insee"], by_name["matched_name"]) == ("Annecy", "74010", "Meythet")
    by_code = first("74182")
    assert (by_code["insee"], by_code["matched_name"]) == ("74010", "Meythet")
    assert "matched_name" not in first("Annecy")


def test_a_commune_under_its_current_name_ranks_before_a_former_commune() -> None:
    found = brigades.search_communes("annecy", limit=10)
    assert found[0]["insee"] == "74010"
    assert [c["insee"] for c in found].count("74010") == 1


# -- the Commune answer ------------------------------------------------------------------------------


def test_a_commune_has_the_contract_fields_and_its_estimated_competent_brigade() -> None:
    commune = first("Lodève")
    assert set(commune) == SEARCH_FIELDS
    assert commune["match"] == ["name"]
    assert commune["postal_codes"] == ["34700"]
    assert commune["zone_estimate"] is None  # no police station in Lodève: no estimate either
    assert commune["competent_basis"] == "nearest"
    assert set(commune["competent"]) == UNIT_FIELDS
    assert commune["competent"]["kind"] == "gendarmerie"
    assert commune["competent"]["department"] == "34"


def test_the_estimated_competent_brigade_is_the_nearest_of_the_department() -> None:
    commune = first("L'Abergement-Clémenciat")
    competent = commune["competent"]
    near = brigades.directory().brigade_grid.nearest(commune["lat"], commune["lon"], count=20, max_km=100)
    same_department = [i for _, i in near if brigades.unit(i)["department"] == "01"]
    assert competent["id"] == same_department[0]


def test_a_police_station_makes_the_police_zone_an_estimate_never_a_fact() -> None:
    montpellier = first("Montpellier")
    assert (montpellier["zone"], montpellier["zone_basis"], montpellier["zone_estimate"]) == (
        "unknown",
        "estimated",
        "police",
    )
    assert montpellier["police_zone"] is False  # true only for an official police zone
    assert montpellier["competent_basis"] == "nearest"
    assert first("L'Abergement-Clémenciat")["police_zone"] is False
    assert first("Paris 15e")["police_zone"] is True


def test_paris_as_a_whole_is_police_zone_and_gets_the_nearest_arrondissement_station() -> None:
    paris = first("Paris")
    assert (paris["zone"], paris["zone_basis"], paris["police_zone"]) == ("police", "official", True)
    assert paris["competent"]["kind"] == "police"
    assert paris["competent_basis"] == "nearest"  # no station is Paris's own: the nearest is not official


# -- by position --------------------------------------------------------------------------------------


def test_a_position_gives_its_commune_competent_unit_and_nearest_brigades() -> None:
    answer = brigades.nearest(lat=43.6108, lon=3.8767, limit=3)
    assert answer["commune"]["name"] == "Montpellier"
    assert answer["competent"] == answer["commune"]["competent"]
    assert len(answer["nearest"]) == 3
    distances = [u["distance_km"] for u in answer["nearest"]]
    assert distances == sorted(distances)
    for unit in answer["nearest"]:
        assert set(unit) == UNIT_FIELDS | {"distance_km"}
        expected = Geodesic.WGS84.Inverse(43.6108, 3.8767, unit["lat"], unit["lon"])["s12"] / 1000
        assert unit["distance_km"] == pytest.approx(expected, abs=0.005)


def test_the_nearest_brigades_are_those_a_full_geodesic_scan_finds() -> None:
    everyone = [b for b in brigades.directory().brigades if b["lat"] is not None]
    for lat, lon in [(45.19, 5.72), (48.11, -1.68), (43.30, 5.37), (-21.0, 55.5), (47.0, 2.0)]:
        by_scan = sorted(everyone, key=lambda b: Geodesic.WGS84.Inverse(lat, lon, b["lat"], b["lon"])["s12"])
        found = brigades.nearest(lat=lat, lon=lon, limit=5)["nearest"]
        assert [u["id"] for u in found] == [b["id"] for b in by_scan[:5]]


def test_a_position_in_paris_lands_in_its_arrondissement() -> None:
    answer = brigades.nearest(lat=48.8412, lon=2.3003, limit=3)
    assert answer["commune"]["name"] == "Paris 15e Arrondissement"
    assert answer["commune"]["police_zone"] is True
    assert answer["competent"]["name"] == "Commissariat central de police de Paris 15e arrondissement"
    assert answer["commune"]["competent_basis"] == "official"
    assert len(answer["nearest"]) == 3  # brigades of the suburbs, still offered


@pytest.mark.parametrize(
    ("lat", "lon", "department"),
    [(-21.1151, 55.5364, "974"), (14.6161, -61.0588, "972"), (16.2411, -61.5331, "971"), (-12.78, 45.23, "976"),
     (3.0, -53.5, "973"), (41.9192, 8.7386, "2A"), (42.6973, 9.4509, "2B")],
)  # fmt: skip
def test_positions_overseas_and_in_corsica_are_in_france(lat: float, lon: float, department: str) -> None:
    answer = brigades.nearest(lat=lat, lon=lon, limit=3)
    assert answer["commune"]["department"] == department
    assert answer["nearest"]


@pytest.mark.parametrize(
    ("lat", "lon"), [(45.0, -30.0), (52.52, 13.405), (40.4168, -3.7038), (89.9, 0.0), (-89.9, 179.9), (0.0, 0.0)]
)
def test_a_position_far_from_every_french_commune_is_refused(lat: float, lon: float) -> None:
    with pytest.raises(AppError) as refused:
        brigades.nearest(lat=lat, lon=lon, limit=3)
    assert refused.value.status == 400
    assert refused.value.code == "outside_territory"
    assert "France" in refused.value.detail


# -- units by id ---------------------------------------------------------------------------------------


def test_a_brigade_by_id_has_every_detail() -> None:
    unit = brigades.unit("gendarmerie-01004-01")
    assert unit == {
        "id": "gendarmerie-01004-01",
        "kind": "gendarmerie",
        "name": "Brigade de gendarmerie - Ambérieu-en-Bugey",
        "address": "14 Rue Jean Mermoz",
        "postal_code": "01500",
        "commune": "Ambérieu-en-Bugey",
        "department": "01",
        "phone": "04 74 38 00 35",
        "lat": 45.95979,
        "lon": 5.33857,
        "hours": None,
    }


def test_a_police_station_by_id_is_of_kind_police() -> None:
    station = brigades.unit("commissariat_police-01053-01")
    assert (station["kind"], station["commune"]) == ("police", "Bourg-en-Bresse")


def test_a_unit_without_a_published_position_has_none() -> None:
    genolhac = brigades.unit("gendarmerie-30130-01")
    assert (genolhac["lat"], genolhac["lon"]) == (None, None)


def test_published_hours_and_their_note_are_given() -> None:
    with_hours = [u for u in brigades.directory().brigades if u["hours"]]
    assert with_hours
    assert any(";" in u["hours"] for u in with_hours)


def test_an_unknown_unit_is_a_404() -> None:
    with pytest.raises(AppError) as missing:
        brigades.unit("gendarmerie-00000-00")
    assert missing.value.status == 404


# -- the official competence file ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_competence(tmp_path_factory: pytest.TempPathFactory) -> brigades.Directory:
    """The real data plus the fixture competence.csv, in a directory of its own."""
    data_dir = tmp_path_factory.mktemp("data")
    real = brigades.directory().data_dir
    for name in ("communes.csv", "communes_deleguees.csv", "brigades.csv", "commissariats.csv"):
        (data_dir / name).symlink_to(real / name)
    shutil.copy(Path(__file__).parent / "fixtures" / "competence.csv", data_dir / "competence.csv")
    return brigades.Directory(data_dir)


def test_an_official_competence_file_overrides_the_estimate(with_competence: brigades.Directory) -> None:
    commune = with_competence.by_insee["01001"]
    unit, basis = with_competence.competent(commune)
    assert basis == "official"
    assert unit is not None and unit["id"] == "gendarmerie-01004-01"  # Ambérieu, not the nearest
    assert brigades.directory().competent(commune)[0]["id"] != "gendarmerie-01004-01"


def test_official_police_competence_points_to_the_city_station(with_competence: brigades.Directory) -> None:
    unit, basis = with_competence.competent(with_competence.by_insee["01053"])
    assert (basis, unit and unit["id"]) == ("official", "commissariat_police-01053-01")
    paris_15, _ = with_competence.competent(with_competence.by_insee["75115"])
    assert paris_15 is not None and paris_15["kind"] == "police" and paris_15["commune"].startswith("Paris")


def test_an_official_service_unknown_to_the_directory_is_given_by_name(with_competence: brigades.Directory) -> None:
    unit, basis = with_competence.competent(with_competence.by_insee["01002"])
    assert basis == "official"
    assert unit is not None
    assert (unit["id"], unit["name"], unit["kind"], unit["phone"]) == (
        "service-9999999",
        "BRIGADE DE PROXIMITÉ DE TEST",
        "gendarmerie",
        None,
    )
    assert with_competence.units["service-9999999"] == unit


def test_communes_absent_from_the_file_keep_the_estimate(with_competence: brigades.Directory) -> None:
    _, basis = with_competence.competent(with_competence.by_insee["34172"])
    assert basis == "nearest"


# -- reading the files ---------------------------------------------------------------------------------------


def test_plain_and_quoted_csv_files_read_the_same_columns(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b,c\n1,x,\n2,y,z\n", encoding="utf-8")
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('a,b,c\n1,x,\n2,"y, with a comma",z\n', encoding="utf-8")
    assert [list(c) for c in brigades._columns(plain, "c", "a")] == [["", "z"], ["1", "2"]]
    assert [list(c) for c in brigades._columns(quoted, "b")] == [["x", "y, with a comma"]]


def test_a_ragged_csv_file_is_refused(tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2,3\n4\n", encoding="utf-8")
    with pytest.raises(ValueError):
        brigades._columns(ragged, "a")

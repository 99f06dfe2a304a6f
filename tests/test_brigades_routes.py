"""The HTTP contract of GET /communes, /brigades/nearest and /brigades/{id} (API.md)."""

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib.caching import REFERENCE
from chalicelib.typography import plain

PROJECT = Path(__file__).parent.parent


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json_body
    assert body["status"] == status
    assert body["detail"]
    if field is not None:
        assert [e["field"] for e in body["errors"]] == [field]
    return body


# -- GET /communes ---------------------------------------------------------------------------------


def test_communes_answers_type_ahead_results(client: Any) -> None:
    response = client.http.get("/communes?q=montp&limit=3")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    results = response.json_body["results"]
    assert len(results) == 3
    assert results[0]["name"] == "Montpellier"
    assert (results[0]["zone"], results[0]["zone_basis"]) == ("unknown", "estimated")
    assert results[0]["competent_basis"] == "nearest"
    assert results[0]["nearest_brigade"]["kind"] == "gendarmerie"
    assert results[0]["nearest_police_station"]["kind"] == "police"


def test_communes_finds_a_former_commune_with_the_name_matched(client: Any) -> None:
    results = client.http.get("/communes?q=Meythet").json_body["results"]
    assert (results[0]["name"], results[0]["matched_name"]) == ("Annecy", "Meythet")


def test_communes_says_how_each_commune_matched_and_which_hint_was_ignored(client: Any) -> None:
    results = client.http.get("/communes?q=toulon%2083000&limit=3").json_body["results"]
    assert (results[0]["name"], results[0]["match"]) == ("Toulon", ["name", "postal_code"])
    assert "ignored_hints" not in results[0]
    results = client.http.get("/communes?q=cholet%20(75)&limit=3").json_body["results"]
    assert (results[0]["name"], results[0]["ignored_hints"]) == ("Cholet", ["75"])
    results = client.http.get("/communes?q=cholais&limit=3").json_body["results"]
    assert (results[0]["name"], results[0]["match"]) == ("Cholet", ["phonetic"])


def test_communes_reads_accents_and_spaces_from_the_query_string(client: Any) -> None:
    results = client.http.get("/communes?q=B%C3%89ZIERS").json_body["results"]
    assert results[0]["name"] == "Béziers"
    results = client.http.get("/communes?q=saint+etienne").json_body["results"]
    assert results[0]["name"] == "Saint-Étienne"


def test_communes_default_limit_is_ten(client: Any) -> None:
    assert len(client.http.get("/communes?q=saint").json_body["results"]) == 10


@pytest.mark.parametrize("query", ["", "?q=", "?q=%20%20", "?limit=3"])
def test_communes_needs_a_query(client: Any, query: str) -> None:
    body = assert_problem(client.http.get(f"/communes{query}"), 400, "q")
    assert "obligatoire" in body["detail"]


def test_communes_refuses_a_query_over_100_characters(client: Any) -> None:
    assert client.http.get("/communes?q=" + "a" * 100).status_code == 200
    body = assert_problem(client.http.get("/communes?q=" + "a" * 101), 400, "q")
    assert plain(body["detail"]) == "« q » dépasse 100 caractères."


@pytest.mark.parametrize("limit", ["0", "51", "-1", "dix", "2.5"])
def test_communes_refuses_a_limit_out_of_range(client: Any, limit: str) -> None:
    assert_problem(client.http.get(f"/communes?q=paris&limit={limit}"), 400, "limit")


# -- GET /brigades/nearest ---------------------------------------------------------------------------


def test_nearest_answers_commune_competent_unit_and_brigades(client: Any) -> None:
    response = client.http.get("/brigades/nearest?lat=43.6108&lon=3.8767")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json_body
    assert set(body) == {"commune", "competent", "nearest"}
    assert body["commune"]["name"] == "Montpellier"
    assert body["competent"] == body["commune"]["competent"]
    assert len(body["nearest"]) == 3
    assert all(u["distance_km"] > 0 and u["kind"] == "gendarmerie" for u in body["nearest"])


def test_nearest_honours_limit(client: Any) -> None:
    body = client.http.get("/brigades/nearest?lat=45.19&lon=5.72&limit=20").json_body
    assert len(body["nearest"]) == 20
    assert_problem(client.http.get("/brigades/nearest?lat=45.19&lon=5.72&limit=21"), 400, "limit")
    assert_problem(client.http.get("/brigades/nearest?lat=45.19&lon=5.72&limit=0"), 400, "limit")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lon=3.87", "lat"),
        ("lat=43.6", "lon"),
        ("lat=abc&lon=3.87", "lat"),
        ("lat=43.6&lon=3,87", "lon"),
        ("lat=nan&lon=3.87", "lat"),
        ("lat=43.6&lon=inf", "lon"),
        ("lat=-Infinity&lon=3.87", "lat"),
        ("lat=1e1&lon=3.87", "lat"),
        ("lat=4_3.6&lon=3.87", "lat"),
        ("lat=90.5&lon=3.87", "lat"),
        ("lat=43.6&lon=-180.01", "lon"),
    ],
)
def test_nearest_refuses_invalid_coordinates_in_french(client: Any, query: str, field: str) -> None:
    body = assert_problem(client.http.get(f"/brigades/nearest?{query}"), 400, field)
    assert plain(body["detail"]).startswith(f"« {field} »")


@pytest.mark.parametrize(("lat", "lon"), [("45.0", "-30.0"), ("52.52", "13.405")])  # mid-Atlantic, Berlin
def test_nearest_refuses_a_position_outside_france(client: Any, lat: str, lon: str) -> None:
    body = assert_problem(client.http.get(f"/brigades/nearest?lat={lat}&lon={lon}"), 400)
    assert body["code"] == "outside_territory"
    assert "France" in body["detail"]


def test_no_position_is_ever_logged(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client.http.get("/brigades/nearest?lat=43.61234&lon=3.87654")
    client.http.get("/brigades/nearest?lat=45.01234&lon=-30.01234")
    client.http.get("/brigades/nearest?lat=43.61234&lon=oops")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for fragment in ("43.61234", "3.87654", "45.01234", "30.01234"):
        assert fragment not in logged


# -- GET /brigades/{id} ----------------------------------------------------------------------------


def test_a_brigade_by_id(client: Any) -> None:
    response = client.http.get("/brigades/gendarmerie-34069-01")
    assert response.status_code == 200
    unit = response.json_body
    # the town as the directory writes it
    assert (unit["kind"], unit["department"], unit["commune"]) == ("gendarmerie", "34", "Cazouls Les Beziers")
    assert response.headers["Cache-Control"] == REFERENCE.header


def test_a_police_station_by_id(client: Any) -> None:
    assert client.http.get("/brigades/commissariat_police-34032-01").json_body["kind"] == "police"


def test_an_unknown_brigade_is_a_404_problem(client: Any) -> None:
    body = assert_problem(client.http.get("/brigades/gendarmerie-99999-99"), 404)
    assert "identifiant" in body["detail"]


def test_importing_the_app_loads_no_brigade_data_nor_geodesy() -> None:
    probe = (
        "import sys, app; "
        "loaded = [m for m in ('chalicelib.brigades', 'chalicelib.names', 'chalicelib.commune_search', "
        "'chalicelib.place_query', 'geographiclib', 'rapidfuzz') "
        "if m in sys.modules]; print(','.join(loaded))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""

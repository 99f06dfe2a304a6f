"""The reading pages: structure, the facts CONTENT.md fixes, and the audience parameter."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib import content


@pytest.mark.parametrize("name", ["prevention_particulier", "prevention_commercant", "victim", "otv"])
def test_every_page_cites_its_https_sources(name: str) -> None:
    page = content.load(name)
    assert page["sources"]
    for source in page["sources"]:
        assert source["title"] and source["publisher"]
        assert source["url"].startswith("https://")


@pytest.mark.parametrize("audience", ["particulier", "commercant"])
def test_prevention_is_served_per_audience_as_sections_of_items(client: Any, audience: str) -> None:
    response = client.http.get(f"/content/prevention?audience={audience}")
    assert response.status_code == 200
    page = response.json_body
    assert page["audience"] == audience
    assert page["sections"]
    for section in page["sections"]:
        assert section["title"]
        assert section["items"] and all(isinstance(item, str) and item for item in section["items"])
    assert response.headers["Cache-Control"] == "public, max-age=3600"


def test_individuals_are_told_to_double_lock_and_register_for_otv(client: Any) -> None:
    text = json.dumps(client.http.get("/content/prevention?audience=particulier").json_body, ensure_ascii=False)
    for fact in ("double tour", "paillasson", "numéros de série", "réseaux sociaux", "Tranquillité Vacances", "17"):
        assert fact in text


def test_shopkeepers_are_told_about_shutters_safes_and_the_prefecture(client: Any) -> None:
    text = json.dumps(client.http.get("/content/prevention?audience=commercant").json_body, ensure_ascii=False)
    for fact in ("anti-soulèvement", "coffre-fort certifié", "préfecture", "référents sûreté", "télésurveillance"):
        assert fact in text


@pytest.mark.parametrize("query", ["", "?audience=", "?audience=entreprise", "?audience=Particulier"])
def test_a_wrong_or_missing_audience_is_a_400_listing_the_valid_ones(client: Any, query: str) -> None:
    response = client.http.get(f"/content/prevention{query}")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json_body
    assert problem["valid_audiences"] == ["particulier", "commercant"]
    assert "particulier ou commercant" in problem["detail"]
    assert problem["errors"][0]["field"] == "audience"


def test_victim_page_gives_17_112_and_114_with_the_right_links(client: Any) -> None:
    response = client.http.get("/content/victim")
    assert response.status_code == 200
    numbers = {n["number"]: n for n in response.json_body["numbers"]}
    assert list(numbers) == ["17", "112", "114"]
    assert numbers["17"]["href"] == "tel:17"
    assert numbers["112"]["href"] == "tel:112"
    assert numbers["114"]["href"] == "sms:114"
    assert numbers["114"]["channel"] == "sms"
    assert "ne répond pas aux appels vocaux" in numbers["114"]["description"]


def test_victim_steps_keep_the_official_numbers_and_deadlines(client: Any) -> None:
    page = client.http.get("/content/victim").json_body
    text = json.dumps(page, ensure_ascii=False)
    assert page["steps"][0]["text"].startswith("Appelez le 17 (ou le 112)")
    for fact in ("0 892 705 705", "IMEI", "15 octobre 2024", "FranceConnect", "2 jours ouvrés", "L113-2"):
        assert fact in text
    card_line = next(s["number"] for s in page["steps"] if "number" in s)
    assert card_line["href"] == "tel:+33892705705"


def test_otv_page_gives_the_rules_of_each_zone_and_the_links(client: Any) -> None:
    page = client.http.get("/content/otv").json_body
    zones = {z["zone"]: " ".join(z["rules"]) for z in page["zones"]}
    assert set(zones) == {"gendarmerie", "police"}
    assert "secondaire" in zones["gendarmerie"] and "12 mois" in zones["gendarmerie"]
    assert "la veille du départ" in zones["gendarmerie"] and "45 jours" in zones["gendarmerie"]
    assert "secondaire" not in zones["police"]
    assert "de 3 jours à 3 mois" in zones["police"] and "entre 45 jours et 3 jours" in zones["police"]
    assert page["online_procedure"]["url"].startswith("https://www.service-public.fr/")
    assert page["form"]["url"] == "/otv/form.pdf"
    assert "juin 2022" in json.dumps(page, ensure_ascii=False)


@pytest.mark.parametrize(
    ("code", "station"),
    [("77014", "Commissariat de police de Fontainebleau"), ("77468", "Commissariat de police de Noisiel"),
     ("75118", "Commissariat central de police de Paris 18e arrondissement")],
)  # fmt: skip
def test_the_otv_page_of_an_official_police_zone_commune_gives_the_police_rules_and_its_station(
    client: Any, code: str, station: str
) -> None:
    page = client.http.get(f"/content/otv?commune={code}").json_body
    assert [z["zone"] for z in page["zones"]] == ["police"]
    assert page["unknown_zone"] is None
    commune = page["commune"]
    assert (commune["insee"], commune["zone"], commune["zone_basis"]) == (code, "police", "official")
    assert (commune["competent"]["name"], commune["competent_basis"]) == (station, "official")


def test_the_otv_page_of_a_gendarmerie_zone_commune_gives_its_rules_only(client: Any) -> None:
    page = client.http.get("/content/otv?commune=77212").json_body  # Gravon
    assert [z["zone"] for z in page["zones"]] == ["gendarmerie"]
    assert page["commune"]["competent"]["kind"] == "gendarmerie"


def test_the_otv_page_of_a_commune_whose_zone_is_unknown_gives_both_rule_sets_and_a_warning(client: Any) -> None:
    page = client.http.get("/content/otv?commune=34172").json_body  # Montpellier: no official list in 34
    assert [z["zone"] for z in page["zones"]] == ["gendarmerie", "police"]
    assert "vérifiez" in page["unknown_zone"].lower()
    assert page["commune"]["nearest_brigade"]["kind"] == "gendarmerie"
    assert page["commune"]["nearest_police_station"]["kind"] == "police"


def test_the_otv_page_of_an_unknown_commune_is_a_404(client: Any) -> None:
    response = client.http.get("/content/otv?commune=99999")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def test_each_zones_date_limits_are_the_numbers_its_rules_state(client: Any) -> None:
    for rules in client.http.get("/content/otv").json_body["zones"]:
        text, limits = " ".join(rules["rules"]), rules["limits"]
        assert f"{limits['earliest_days_before']} jours" in text
        assert f"{limits['max_absence_months']} mois" in text
        if limits["latest_days_before"] == 1:
            assert "la veille" in text
        else:
            assert f"{limits['latest_days_before']} jours avant" in text

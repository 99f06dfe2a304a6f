"""The reading pages: structure, the facts CONTENT.md fixes, and the audience parameter."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from chalicelib import content
from chalicelib.caching import REFERENCE
from chalicelib.typography import plain


@pytest.mark.parametrize("name", ["prevention_particulier", "prevention_commercant", "victim", "otv"])
def test_every_page_cites_its_https_sources(name: str) -> None:
    page = content.load(name)
    assert page["sources"]
    for source in page["sources"]:
        assert source["title"] and source["publisher"]
        assert source["url"].startswith("https://")


@pytest.mark.parametrize("name", ["prevention_particulier", "prevention_commercant", "victim", "otv"])
def test_every_source_is_a_deep_link_with_the_date_it_was_checked(name: str) -> None:
    for source in content.load(name)["sources"]:
        assert not content.bare_domain(source["url"]), f"{source['url']}: link the page that says it"
        assert date.fromisoformat(source["checked"]) <= date.today()


@pytest.mark.parametrize(
    "url", ["https://www.gendarmerie.interieur.gouv.fr", "https://www.legifrance.gouv.fr/", "https://x.fr/fr"]
)
def test_a_bare_domain_is_not_a_source(url: str) -> None:
    assert content.bare_domain(url)


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
    assert response.headers["Cache-Control"] == REFERENCE.header


def served_text(client: Any, path: str) -> str:
    """A page as served, its no-break spaces as plain ones (to search it by its words)."""
    return plain(json.dumps(client.http.get(path).json_body, ensure_ascii=False))


def test_individuals_are_told_to_double_lock_and_register_for_otv(client: Any) -> None:
    text = served_text(client, "/content/prevention?audience=particulier")
    for fact in ("double tour", "paillasson", "numéros de série", "réseaux sociaux", "Opération tranquillité vacances"):
        assert fact in text


def test_individuals_learn_to_call_17_and_about_ma_securite_and_participation_citoyenne(client: Any) -> None:
    text = served_text(client, "/content/prevention?audience=particulier")
    for fact in ("Cambriolage en cours", "immatriculation", "17", "Ma Sécurité", "24 h/24", "Participation citoyenne"):
        assert fact in text
    assert "signalent des faits, jamais des personnes" in text
    assert "hors de votre domicile" in text  # photos and invoices kept away from home


def test_shopkeepers_are_told_about_shutters_safes_and_the_prefect(client: Any) -> None:
    text = served_text(client, "/content/prevention?audience=commercant")
    for fact in ("anti-soulèvement", "coffre-fort certifié", "scellé", "temporisation", "préfet", "télésurveillance"):
        assert fact in text


def test_shopkeepers_get_the_cnil_video_rules_and_the_closure_scheme(client: Any) -> None:
    page = client.http.get("/content/prevention?audience=commercant").json_body
    text = plain(json.dumps(page, ensure_ascii=False))
    for fact in (
        "pictogramme",
        "un mois au plus",
        "toilettes",
        "cabines d'essayage",
        "la caisse plutôt que la personne",
    ):
        assert fact in text
    assert "Opération tranquillité entreprises et commerces" in text
    after = next(s for s in page["sections"] if s["title"] == "Après un cambriolage")
    assert not any("sûreté" in item for item in after["items"]), "the security consultation is prevention"
    assert any("correspondant sûreté" in plain(item) for s in page["sections"] for item in s["items"])
    assert "Soyez vigilant" not in text  # wording that does not assume the reader's gender


@pytest.mark.parametrize("query", ["", "?audience=", "?audience=entreprise", "?audience=Particulier"])
def test_a_wrong_or_missing_audience_is_a_400_listing_the_valid_ones(client: Any, query: str) -> None:
    response = client.http.get(f"/content/prevention{query}")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json_body
    assert problem["valid_audiences"] == ["particulier", "commercant"]
    assert "particulier ou commercant" in problem["detail"]
    assert problem["errors"][0]["field"] == "audience"


def test_victim_page_gives_the_emergency_and_help_numbers_with_the_right_links(client: Any) -> None:
    response = client.http.get("/content/victim")
    assert response.status_code == 200
    numbers = {plain(n["number"]): n for n in response.json_body["numbers"]}
    assert list(numbers) == ["17", "112", "114", "116 006", "0 892 705 705"]
    assert numbers["17"]["href"] == "tel:17"
    assert numbers["112"]["href"] == "tel:112"
    assert numbers["114"]["href"] == "sms:114"
    assert numbers["114"]["channel"] == "sms"
    assert "ne répond pas aux appels vocaux" in numbers["114"]["description"]
    assert numbers["116 006"]["href"] == "tel:116006" and "France Victimes" in numbers["116 006"]["label"]
    card = numbers["0 892 705 705"]
    assert "cartes" in card["label"] and "surtaxé" in card["label"] and "banque" in card["description"]


def test_victim_steps_follow_the_official_order(client: Any) -> None:
    titles = [plain(s["title"]) for s in client.http.get("/content/victim").json_body["steps"]]
    order = ["Alertez", "Ne touchez à rien", "opposition", "liste des biens", "plainte", "assureur"]
    assert [next(i for i, t in enumerate(titles) if word in t) for word in order] == list(range(len(order)))


def test_victim_steps_keep_the_official_numbers_and_deadlines(client: Any) -> None:
    page = client.http.get("/content/victim").json_body
    text = plain(json.dumps(page, ensure_ascii=False))
    assert plain(page["steps"][0]["text"]).startswith("Appelez le 17 (ou le 112)")
    for fact in (
        "0 892 705 705",
        "IMEI",
        "15 octobre 2024",
        "FranceConnect est facultatif",
        "2 jours ouvrés",
        "L113-2",
    ):
        assert fact in text
    for fact in ("ne peut pas être refusée", "représentant légal", "propriétaire", "Photographiez les dégâts"):
        assert fact in text
    for fact in ("Papiers d'identité", "peut être remise après la plainte", "peuvent suivre"):
        assert fact in text
    opposition = plain(next(s["text"] for s in page["steps"] if "number" in s))
    cheques = opposition[opposition.index("Chéquiers") :]
    assert "banque" in cheques.split(".")[0] and "0 892" not in cheques  # chequebooks: the bank, not the card line
    card_line = next(s["number"] for s in page["steps"] if "number" in s)
    assert card_line["href"] == "tel:+33892705705"


def test_otv_page_gives_the_rules_of_each_zone_and_the_links(client: Any) -> None:
    page = client.http.get("/content/otv").json_body
    zones = {z["zone"]: plain(" ".join(z["rules"])) for z in page["zones"]}
    assert set(zones) == {"gendarmerie", "police"}
    assert "secondaire" in zones["gendarmerie"] and "12 mois" in zones["gendarmerie"]
    assert "la veille du départ" in zones["gendarmerie"] and "45 jours" in zones["gendarmerie"]
    assert "secondaire" not in zones["police"]
    assert "de 3 jours à 3 mois" in zones["police"] and "entre 45 jours et 3 jours" in zones["police"]
    assert page["online_procedure"]["url"].startswith("https://www.service-public.fr/")
    assert page["form"]["url"] == "/otv/form.pdf"
    assert "juin 2022" in json.dumps(page, ensure_ascii=False)
    assert "Opération tranquillité entreprises et commerces" in zones["police"]


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
        text, limits = plain(" ".join(rules["rules"])), rules["limits"]
        assert f"{limits['earliest_days_before']} jours" in text
        assert f"{limits['max_absence_months']} mois" in text
        if limits["latest_days_before"] == 1:
            assert "la veille" in text
        else:
            assert f"{limits['latest_days_before']} jours avant" in text

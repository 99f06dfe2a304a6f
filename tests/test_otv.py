"""OTV form: the blank and pre-filled PDFs (opened with pypdf) and the validation of each field."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from chalicelib import otv

PDF_HEADERS = {"Content-Type": "application/json", "Accept": "application/pdf"}


def pdf_text(body: bytes) -> str:
    """The text of every page, whitespace collapsed (lines wrap anywhere)."""
    reader = PdfReader(io.BytesIO(body))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def a_form(**overrides: Any) -> dict[str, Any]:
    departure = date.today() + timedelta(days=20)
    form = {
        "last_name": "Dupont",
        "first_name": "Zoé",
        "phone": "06.12.34.56.78",
        "email": "zoe.dupont@exemple.fr",
        "address": "3 rue des Lilas",
        "postal_code": "34000",
        "commune": "Montpellier",
        "home_type": "appartement",
        "residence": "principale",
        "departure_date": departure.isoformat(),
        "return_date": (departure + timedelta(days=14)).isoformat(),
        "alarm": True,
        "key_holders": [{"name": "Jean Martin", "phone": "04 67 11 22 33"}],
        "contact_during_absence": {"name": "Léa Cœurdevey", "phone": "+33 7 01 02 03 04"},
        "reachable_during_absence": "Camping des Flots bleus, Agde",
        "animals": True,
        "remarks": "Voiture grise garée devant.\nVolets programmés.",
    }
    form.update(overrides)
    return form


def post_form(client: Any, form: dict[str, Any], headers: dict[str, str] = PDF_HEADERS) -> Any:
    return client.http.post("/otv/form", headers=headers, body=json.dumps(form))


def test_the_blank_form_is_a_searchable_a4_pdf_with_every_field(client: Any) -> None:
    response = client.http.get("/otv/form.pdf", headers={"Accept": "application/pdf"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.body.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.body))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    text = pdf_text(response.body)
    for label in (
        "Opération Tranquillité Vacances", "Nom :", "Prénom :", "Téléphone :", "Adresse :", "Code postal :",
        "Maison", "Appartement", "Commerce", "Date de départ :", "Date de retour :", "alarme",
        "Personnes ayant les clés ou autorisées à entrer", "Personne à contacter", "Pour vous joindre",
        "Véhicule laissé sur place", "Animaux", "Lumières sur programmateur", "Autres remarques",
        "la veille", "de 3 jours à 3 mois", "pièce d'identité", "Signature",
    ):  # fmt: skip
        assert label in text, label


def test_a_browser_accepting_anything_gets_the_pdf(client: Any) -> None:
    response = client.http.get("/otv/form.pdf", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.body.startswith(b"%PDF-")


def test_a_client_that_does_not_accept_pdf_is_told_so_in_french(client: Any) -> None:
    response = client.http.get("/otv/form.pdf", headers={"Accept": "application/json"})
    assert response.status_code == 406
    assert "Accept: application/pdf" in response.json_body["detail"]


def test_the_filled_form_carries_what_was_typed(client: Any) -> None:
    form = a_form()
    response = post_form(client, form)
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.body)
    departure = date.fromisoformat(form["departure_date"])
    for value in (
        "Dupont", "Zoé", "06 12 34 56 78", "zoe.dupont@exemple.fr", "3 rue des Lilas", "34000", "Montpellier",
        departure.strftime("%d/%m/%Y"), (departure + timedelta(days=14)).strftime("%d/%m/%Y"), "Jean Martin",
        "04 67 11 22 33", "Léa Cœurdevey", "+33 7 01 02 03 04", "Camping des Flots bleus, Agde",
        "Voiture grise garée devant.", "Volets programmés.",
    ):  # fmt: skip
        assert value in text, value
    assert "X Appartement" in text and "X Principale" in text and "X Oui" in text and "X Animaux" in text
    assert "X Maison" not in text and "X Véhicule" not in text


def test_characters_helvetica_cannot_print_are_transliterated() -> None:
    from chalicelib.otv_pdf import printable

    assert printable("Cœur d’Ā“x” €") == "Cœur d’A“x” €"
    assert printable("emoji 🙂") == "emoji ?"


def test_nothing_typed_is_stored(client: Any) -> None:
    from chalicelib.models import ALL_MODELS

    assert post_form(client, a_form()).status_code == 200
    assert all(model.count() == 0 for model in ALL_MODELS)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("departure_date", date.today().isoformat(), "postérieure à aujourd'hui"),
        ("departure_date", "2020-01-01", "postérieure à aujourd'hui"),
        ("departure_date", "demain", "AAAA-MM-JJ"),
        ("phone", "12345", "Numéro de téléphone invalide"),
        ("phone", "+44 20 7946 0958", "Numéro de téléphone invalide"),
        ("postal_code", "3400", "Code postal invalide"),
        ("postal_code", "96000", "Code postal invalide"),
        ("postal_code", "ABCDE", "Code postal invalide"),
        ("email", "pas-une-adresse", "Adresse électronique invalide"),
        ("home_type", "chateau", "Valeur non autorisée"),
        ("last_name", "Du\npont", "retours à la ligne"),
        ("last_name", "", "ne peut pas être vide"),
        ("remarks", "x" * 501, "500 caractères"),
        ("key_holders", [{"name": "A", "phone": "0612345678"}] * 4, "Valeur invalide"),
        ("unexpected", 1, "n'est pas attendu"),
    ],
)
def test_each_invalid_field_is_a_400_naming_it(client: Any, field: str, value: Any, message: str) -> None:
    response = post_form(client, a_form(**{field: value}))
    assert response.status_code == 400
    errors = response.json_body["errors"]
    assert any(e["field"] == field and message in e["message"] for e in errors), errors


def test_return_must_follow_departure(client: Any) -> None:
    form = a_form()
    response = post_form(client, a_form(return_date=form["departure_date"]))
    assert response.status_code == 400
    assert response.json_body["errors"] == [
        {"field": "return_date", "message": "La date de retour doit être postérieure à la date de départ."}
    ]


def test_an_absence_may_last_12_months_but_not_a_day_more(client: Any) -> None:
    departure = date.today() + timedelta(days=3)
    a_year_later = otv.add_months(departure, 12)
    assert post_form(client, a_form(departure_date=str(departure), return_date=str(a_year_later))).status_code == 200
    too_long = post_form(client, a_form(departure_date=str(departure), return_date=str(a_year_later + timedelta(1))))
    assert too_long.status_code == 400
    assert too_long.json_body["errors"][0]["message"] == "L'absence ne peut pas dépasser 12 mois."


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("0612345678", "06 12 34 56 78"), ("06-12-34-56-78", "06 12 34 56 78"), ("+33612345678", "+33 6 12 34 56 78"),
     ("0033 1 23 45 67 89", "+33 1 23 45 67 89"), ("+262 692 12 34 56", "+262 6 92 12 34 56"), ("0262 12 34 5", None),
     ("0012345678", None), ("06 12 34 56 7", None)],
)  # fmt: skip
def test_french_phone_numbers_are_checked_and_tidied(typed: str, shown: str | None) -> None:
    if shown is None:
        with pytest.raises(ValueError):
            otv.french_phone(typed)
    else:
        assert otv.french_phone(typed) == shown


def test_adding_months_clamps_to_the_end_of_the_month() -> None:
    assert otv.add_months(date(2027, 3, 31), 11) == date(2028, 2, 29)
    assert otv.add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert otv.add_months(date(2026, 12, 15), 12) == date(2027, 12, 15)

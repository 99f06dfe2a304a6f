"""OTV form: the blank and pre-filled PDFs (opened with pypdf) and the validation of each field."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from chalicelib import departements, holidays, otv, rules
from chalicelib.models import AlertLogEntry
from chalicelib.typography import french, plain

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
        "Opération tranquillité vacances", "Nom :", "Prénom :", "Téléphone :", "Adresse :", "Code postal :",
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


@pytest.mark.parametrize(
    ("postal_code", "brigade", "phone"),
    [("67220", "Brigade de gendarmerie - Villé", "03 88 58 50 30"),
     ("65360", "Brigade de gendarmerie - Tarbes", "05 62 44 55 30")],
)  # fmt: skip
def test_the_brigade_is_the_one_of_the_commune_with_that_postal_code(
    client: Any, postal_code: str, brigade: str, phone: str
) -> None:
    response = post_form(client, a_form(commune="Saint-Martin", postal_code=postal_code))
    text = pdf_text(response.body)
    assert f"Brigade la plus proche : {brigade}" in text and f"Téléphone : {phone}" in text
    assert "Unité la plus proche du centre de votre commune" in text
    assert "Votre brigade de gendarmerie" not in text  # never called competent


GENDARMERIE_RULES = "Vous habitez en zone gendarmerie"
POLICE_RULES = "Vous habitez en zone police"


def test_an_unknown_zone_gives_both_rule_sets_and_both_nearest_units(client: Any) -> None:
    text = pdf_text(post_form(client, a_form()).body)  # Montpellier, 34000: no official zone list in 34
    assert GENDARMERIE_RULES in text and POLICE_RULES in text
    assert "non connue avec certitude" in text
    assert "Brigade la plus proche : Brigade de gendarmerie - Castelnau-le-Lez" in text
    assert "Commissariat le plus proche : " in text
    assert "Votre commissariat" not in text and "Votre brigade de gendarmerie" not in text


@pytest.mark.parametrize(
    ("commune", "postal_code", "station"),
    [("Avon", "77210", "Commissariat de police de Fontainebleau"),
     ("Torcy", "77200", "Commissariat de police de Noisiel"),
     ("Paris", "75015", "Commissariat central de police de Paris 15e arrondissement")],
)  # fmt: skip
def test_an_official_police_zone_gives_the_police_rules_and_its_station(
    client: Any, commune: str, postal_code: str, station: str
) -> None:
    response = post_form(client, a_form(commune=commune, postal_code=postal_code))
    text = pdf_text(response.body)
    assert "Votre commissariat" in text and f"Commissariat : {station}" in text
    assert POLICE_RULES in text and GENDARMERIE_RULES not in text
    assert "non connue" not in text


def test_an_official_gendarmerie_zone_gives_its_rules_and_the_nearest_brigade_said_so(client: Any) -> None:
    text = pdf_text(post_form(client, a_form(commune="Gravon", postal_code="77118")).body)
    assert GENDARMERIE_RULES in text and POLICE_RULES not in text
    assert "Brigade la plus proche : Brigade de gendarmerie - " in text


def test_an_unknown_place_sends_the_citizen_to_the_brigade_search(client: Any) -> None:
    text = pdf_text(post_form(client, a_form(commune="Nulle-Part", postal_code="34999")).body)
    assert "Votre brigade ou commissariat" in text
    assert "Retrouvez votre brigade ou votre commissariat dans l'application" in text
    assert GENDARMERIE_RULES in text and POLICE_RULES in text


def dates(departure_in: int, days: int) -> dict[str, str]:
    departure = date.today() + timedelta(days=departure_in)
    return {"departure_date": str(departure), "return_date": str(departure + timedelta(days=days))}


AVON = {"commune": "Avon", "postal_code": "77210"}
GRAVON = {"commune": "Gravon", "postal_code": "77118"}


def test_in_the_police_zone_a_shop_is_pointed_to_the_closure_scheme(client: Any) -> None:
    response = post_form(client, a_form(**AVON, **dates(20, 10), home_type="commerce"))
    assert response.status_code == 400
    [error] = [e for e in response.json_body["errors"] if e["field"] == "home_type"]
    assert "Opération tranquillité entreprises et commerces" in plain(error["message"])
    assert "commissariat" in error["message"]


def test_in_the_police_zone_otv_is_for_the_main_home_only(client: Any) -> None:
    response = post_form(client, a_form(**AVON, **dates(20, 10), residence="secondaire"))
    assert response.status_code == 400
    [error] = [e for e in response.json_body["errors"] if e["field"] == "residence"]
    assert (
        plain(error["message"])
        == "En zone police, l'Opération tranquillité vacances ne concerne que la résidence principale."
    )
    assert post_form(client, a_form(**AVON, **dates(20, 10), residence="principale")).status_code == 200


def test_in_the_gendarmerie_zone_a_shop_a_second_home_and_four_months_are_accepted(client: Any) -> None:
    form = a_form(**GRAVON, **dates(20, 122), home_type="commerce", residence="secondaire")
    assert post_form(client, form).status_code == 200


def test_a_four_month_absence_is_refused_in_the_police_zone_in_french(client: Any) -> None:
    response = post_form(client, a_form(**AVON, **dates(20, 122)))
    assert response.status_code == 400
    assert any(
        e["field"] == "return_date" and plain(e["message"]) == "En zone police, l'absence ne peut pas dépasser 3 mois."
        for e in response.json_body["errors"]
    )


@pytest.mark.parametrize(
    ("where", "when", "field", "message"),
    [
        (AVON, dates(2, 10), "departure_date", "En zone police, l'inscription se fait au plus tard 3 jours avant"),
        (AVON, dates(10, 2), "return_date", "En zone police, l'absence doit durer au moins 3 jours."),
        (AVON, dates(10, 100), "return_date", "En zone police, l'absence ne peut pas dépasser 3 mois."),
        (AVON, dates(46, 10), "departure_date", "au plus tôt 45 jours avant le départ"),
        (GRAVON, dates(46, 10), "departure_date", "au plus tôt 45 jours avant le départ"),
        ({}, dates(46, 10), "departure_date", "au plus tôt 45 jours avant le départ"),  # Montpellier: unknown
    ],
)
def test_the_dates_follow_the_rules_of_the_communes_zone(
    client: Any, where: dict[str, str], when: dict[str, str], field: str, message: str
) -> None:
    response = post_form(client, a_form(**where, **when))
    assert response.status_code == 400
    assert any(e["field"] == field and message in plain(e["message"]) for e in response.json_body["errors"])


@pytest.mark.parametrize(
    ("where", "when"),
    [(AVON, dates(3, 3)), (AVON, dates(45, 90)), (GRAVON, dates(1, 1)), (GRAVON, dates(10, 300)),
     ({}, dates(1, 1)), ({}, dates(10, 300))],
)  # fmt: skip
def test_dates_the_zones_rules_allow_give_the_form(client: Any, where: dict[str, str], when: dict[str, str]) -> None:
    assert post_form(client, a_form(**where, **when)).status_code == 200


def test_a_failing_brigade_lookup_still_gives_the_form(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import brigades

    def unreadable(*_: Any, **__: Any) -> Any:
        raise FileNotFoundError("communes.csv")

    monkeypatch.setattr(brigades, "search_communes", unreadable)
    response = post_form(client, a_form())
    assert response.status_code == 200
    assert "Retrouvez votre brigade ou votre commissariat dans l'application" in pdf_text(response.body)


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
        ("key_holders", [{"name": "A", "phone": "0612345678"}] * 4, "au plus 3 éléments"),
        ("unexpected", 1, "n'est pas attendu"),
    ],
)
def test_each_invalid_field_is_a_400_naming_it(client: Any, field: str, value: Any, message: str) -> None:
    response = post_form(client, a_form(**{field: value}))
    assert response.status_code == 400
    errors = response.json_body["errors"]
    assert any(e["field"] == field and message in plain(e["message"]) for e in errors), errors


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
    assert plain(too_long.json_body["errors"][0]["message"]) == "L'absence ne peut pas dépasser 12 mois."


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


# --- Seasonal reminders (the daily schedule) -------------------------------------------------------


def fire(client: Any, day: str) -> None:
    """Invoke the daily schedule as EventBridge does, on `day` at 06:00 UTC."""
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[], region="eu-west-3"
    )
    event["time"] = f"{day}T06:00:00Z"
    client.lambda_.invoke("otv_reminders", event)


def feed_items(client: Any) -> list[dict[str, Any]]:
    return client.http.get("/feed?limit=50").json_body["items"]


def a_zone_c_period(monkeypatch: pytest.MonkeyPatch, **overrides: Any) -> holidays.Period:
    raw = {"id": "hiver-2030-c", "name": "Vacances d'hiver", "zone": "C", "start": "2030-02-09", "end": "2030-02-25"}
    period = holidays.parse_period({**raw, "to_confirm": False, **overrides})
    monkeypatch.setattr(holidays, "calendar", lambda: [period])
    return period


METROPOLITAN = [code for zone in "ABC" for code in departements.in_school_zone(zone)]


def test_the_christmas_reminder_fires_once_10_days_before_and_never_again(
    client: Any, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    fire(client, "2026-12-08")  # the day before the reminder day
    assert published("34") == [] and feed_items(client) == []

    fire(client, "2026-12-09")  # 10 days before Saturday 19 December
    # to every département of zones A, B and C (the dataset's); not Corsica nor overseas, not national
    assert {code: len(published(code)) for code in departements.CODES} == {
        code: int(code in METROPOLITAN) for code in departements.CODES
    }
    assert published(None) == []
    [push] = published("34")
    assert push["message"]["default"] == french(
        "Vacances de Noël le samedi 19 décembre : pensez à l'Opération tranquillité vacances, "
        "en ligne, à la brigade ou au commissariat."
    )
    assert push["attributes"]["AWS.SNS.MOBILE.APNS.COLLAPSE_ID"] == "prevention-nationale"
    [item] = feed_items(client)
    assert item["kind"] == "otv" and item["link"] == otv.ONLINE_PROCEDURE_URL
    assert "samedi 19 décembre 2026" in item["body"]

    fire(client, "2026-12-09")  # the schedule fires twice the same day
    fire(client, "2026-12-10")  # the day after
    assert len(published("34")) == 1 and len(published("59")) == 1
    assert len(feed_items(client)) == 1


def test_the_zone_c_winter_reminder_of_2027_is_sent_once_on_its_days_to_zone_c_only(
    client: Any, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    zone_c = departements.in_school_zone("C")
    fire(client, "2027-01-26")  # 11 days before Saturday 6 February 2027
    assert all(published(code) == [] for code in departements.CODES)
    fire(client, "2027-01-27")  # 10 days before
    assert {code: len(published(code)) for code in departements.CODES} == {
        code: int(code in zone_c) for code in departements.CODES
    }
    assert {"75", "77", "92", "93", "94", "95", "34", "31"} <= set(zone_c)
    assert plain(published("34")[0]["message"]["default"]).startswith("Vacances d'hiver (zone C) le samedi 6 février :")
    [item] = feed_items(client)
    assert item["title"] == french("Vacances d'hiver (zone C) : pensez à l'Opération tranquillité vacances")
    for day in ("2027-01-28", "2027-02-05", "2027-02-06"):  # the next days, the eve, the first day
        fire(client, day)
    assert all(len(published(code)) == 1 for code in zone_c)
    assert len([i for i in feed_items(client) if "zone C" in i["title"]]) == 1
    # meanwhile zone A's own reminder came on its days (10 days before 13 February), zone B's not yet
    assert all(len(published(code)) == 1 for code in departements.in_school_zone("A"))
    assert all(published(code) == [] for code in departements.in_school_zone("B"))


def test_the_reminder_is_logged_with_the_scheduler_as_author(client: Any) -> None:
    fire(client, "2026-12-09")
    [entry] = AlertLogEntry.query("34")
    assert (entry.kind, entry.sent_by, entry.delivery_status) == ("prevention", "planificateur-otv", "published")
    [published_item] = AlertLogEntry.query("feed")
    assert (published_item.kind, published_item.sent_by) == ("feed_published", "planificateur-otv")


def test_a_day_the_schedule_missed_is_caught_up_before_the_start(
    client: Any, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    fire(client, "2026-12-18")
    assert len(published("34")) == 1
    fire(client, "2026-12-19")  # the holidays have started: nothing more
    assert len(published("34")) == 1


def test_nothing_is_sent_once_the_holidays_have_started(
    client: Any, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    fire(client, "2026-12-19")
    fire(client, "2026-12-25")
    assert published("34") == [] and feed_items(client) == []


def test_a_zone_period_pushes_to_that_zones_departements_only_without_touching_their_alerts(
    client: Any, monkeypatch: pytest.MonkeyPatch, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    period = a_zone_c_period(monkeypatch)  # starts Saturday 9 February 2030
    fire(client, "2030-01-30")
    assert published(None) == []
    for code in departements.CODES:
        expected = 1 if code in period.departments else 0
        assert len(published(code)) == expected, code
    push = published("34")[0]
    assert plain(push["message"]["default"]).startswith("Vacances d'hiver (zone C) le samedi 9 février :")
    assert push["attributes"]["AWS.SNS.MOBILE.APNS.COLLAPSE_ID"] == "prevention-nationale"  # not "alerte-34"
    assert push["message"]["APNS"]["kind"] == "prevention"
    [item] = feed_items(client)
    assert item["title"] == french("Vacances d'hiver (zone C) : pensez à l'Opération tranquillité vacances")
    assert "pour la zone C" in item["body"]
    assert sorted(e.department for e in AlertLogEntry.scan(AlertLogEntry.kind == "prevention")) == sorted(
        period.departments
    )
    fire(client, "2030-01-31")
    assert len(published("34")) == 1


def test_periods_whose_dates_are_to_confirm_are_skipped_with_a_warning(
    client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    a_zone_c_period(monkeypatch, to_confirm=True)
    with caplog.at_level("WARNING"):
        fire(client, "2030-01-30")
    assert feed_items(client) == []
    assert "hiver-2030-c are to confirm" in caplog.text


def test_a_school_calendar_about_to_run_out_is_reported(
    client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(holidays, "dataset_end", lambda: date(2030, 3, 1))
    a_zone_c_period(monkeypatch)
    with caplog.at_level("WARNING"):
        fire(client, "2030-01-30")
    assert "upgrade vacances-scolaires-france" in caplog.text
    assert len(feed_items(client)) == 1  # the reminders still go


def test_the_number_of_days_comes_from_the_settings(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.config import get_settings

    monkeypatch.setenv("OTV_REMINDER_DAYS", "3")
    get_settings.cache_clear()
    try:
        assert otv.send_due_reminders(today=date(2026, 12, 15)) == []
        assert otv.send_due_reminders(today=date(2026, 12, 16)) == ["noel-2026"]
    finally:
        get_settings.cache_clear()


def test_a_feed_item_that_failed_is_published_by_the_next_run_without_pushing_again(
    client: Any, monkeypatch: pytest.MonkeyPatch, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    from chalicelib import feed

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("DynamoDB down")

    with monkeypatch.context() as patch:
        patch.setattr(feed, "publish", broken)
        with pytest.raises(RuntimeError):
            fire(client, "2026-12-09")
    assert len(published("34")) == 1
    fire(client, "2026-12-10")
    assert len(feed_items(client)) == 1
    assert len(published("34")) == 1  # the push had left: only the feed item was missing
    fire(client, "2026-12-11")
    assert len(feed_items(client)) == 1 and len(published("34")) == 1


def test_a_zone_reminder_cut_short_midway_sends_only_to_the_missing_departements_the_next_day(
    client: Any, monkeypatch: pytest.MonkeyPatch, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    from chalicelib import feed

    period = a_zone_c_period(monkeypatch)
    reached, broken = period.departments[:2], period.departments[2]
    audit = feed._audit

    def unavailable_for_one(partition: str, *args: Any, **kwargs: Any) -> Any:
        if partition == broken:
            raise RuntimeError("DynamoDB down")
        return audit(partition, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(feed, "_audit", unavailable_for_one)
        with pytest.raises(RuntimeError):
            fire(client, "2030-01-30")
    assert [len(published(code)) for code in reached] == [1, 1] and published(broken) == []
    assert feed_items(client) == []

    fire(client, "2030-01-31")
    assert {code: len(published(code)) for code in period.departments} == dict.fromkeys(period.departments, 1)
    assert len({published(code)[0]["message"]["APNS"]["alert_id"] for code in period.departments}) == 1
    assert len(feed_items(client)) == 1
    fire(client, "2030-02-01")
    assert len(published(broken)) == 1 and len(feed_items(client)) == 1


def test_every_calendar_period_gives_texts_that_pass_the_rules() -> None:
    for period in holidays.calendar():
        text = otv.reminder_push_text(period)
        assert rules.length(text) <= rules.MAX_LENGTH, text
        assert rules.check_topic(text) == []
        item = otv.reminder_feed_item(period)  # validated like an OPP publication
        assert rules.check_topic(item.title + " " + item.body) == []


def test_french_days_read_naturally() -> None:
    assert otv.french_day(date(2026, 12, 19)) == "samedi 19 décembre"
    assert otv.french_day(date(2027, 5, 1), year=True) == "samedi 1er mai 2027"


def test_the_schedule_runs_daily_at_6_utc() -> None:
    from app import app

    [source] = [s for s in app.event_sources if s.name == "otv_reminders"]
    assert source.schedule_expression.to_string() == "cron(0 6 * * ? *)"


def test_the_corg_sees_a_zone_reminder_in_its_departements_log(
    client: Any, monkeypatch: pytest.MonkeyPatch, auth_header: Callable[[str], dict[str, str]]
) -> None:
    a_zone_c_period(monkeypatch)
    fire(client, "2030-01-30")
    entries = client.http.get("/corg/alerts?department=34", headers=auth_header("corg-34")).json_body["entries"]
    [entry] = entries
    assert (entry["kind"], entry["sent_by"]) == ("prevention", "planificateur-otv")
    assert entry["delivery"]["status"] == "published"

"""The alert composer: French text from fields, validation in French, the guard on the result, the
log keeping the fields, the API's two shapes (`text` or `composition`)."""

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib import advice, composer, content, rules
from chalicelib.errors import AppError
from chalicelib.models import AlertLogEntry
from chalicelib.typography import french

Headers = Callable[[str], dict[str, str]]
NBSP = "\u00a0"
TODAY = date(2026, 12, 2)
LATTES, LE_CRES, LES_MATELLES, AGDE = "34129", "34090", "34153", "34003"
ANNECY = "74010"
FIRST_ADVICE = content.load("alert_advice")["items"][0]


def composition(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"communes": [LATTES], "when": {"kind": "night"}, "advice_id": FIRST_ADVICE["id"]}
    fields.update(overrides)
    return fields


def compose(offence_type: str = "cambriolage_habitation", department: str = "34", **overrides: Any) -> Any:
    fields = composer.Composition.model_validate(composition(**overrides))
    return composer.compose(department=department, offence_type=offence_type, composition=fields, today=TODAY)


def errors_of(**overrides: Any) -> dict[str, str]:
    with pytest.raises(AppError) as raised:
        compose(**overrides)
    assert raised.value.status == 400
    return {e["field"]: e["message"] for e in raised.value.errors or []}


# --- Composition (unit) ------------------------------------------------------------------------------


def test_the_composed_alert_states_the_offence_when_and_where_then_the_advice(aws: Any) -> None:
    composed = compose()
    assert composed.text == f"Cambriolage d'habitation constaté cette nuit à Lattes. {FIRST_ADVICE['text']}"
    assert composed.record == {
        "offence_type": "cambriolage_habitation",
        "communes": [{"insee": LATTES, "name": "Lattes"}],
        "when": {"kind": "night"},
        "advice": FIRST_ADVICE,
        "sentence": None,
    }


@pytest.mark.parametrize(
    ("offence_type", "opening"),
    [
        ("cambriolage_commerce", "Cambriolage de commerce constaté ce jour"),
        ("tentative_cambriolage", "Tentative de cambriolage constatée ce jour"),
        ("serie_cambriolages", "Plusieurs cambriolages constatés ce jour"),
    ],
)
def test_each_offence_opens_with_the_established_fact_agreed_in_gender(
    aws: Any, offence_type: str, opening: str
) -> None:
    assert compose(offence_type, when={"kind": "today"}).text.startswith(opening + " à Lattes.")


def test_the_composer_phrases_exactly_the_offence_types_the_guard_knows() -> None:
    assert set(composer.OFFENCE_PHRASES) == set(rules.OFFENCE_TYPES)


def test_communes_take_the_preposition_their_article_asks_for(aws: Any) -> None:
    assert " à Lattes et au Crès." in compose(communes=[LATTES, LE_CRES]).text
    assert " à Agde, à Lattes et aux Matelles." in compose(communes=[AGDE, LATTES, LES_MATELLES]).text


def test_hours_are_written_the_french_way_with_no_break_spaces(aws: Any) -> None:
    text = compose(when={"kind": "hours", "start": "14:00", "end": "16:30"}).text
    assert f" entre 14{NBSP}h et 16{NBSP}h{NBSP}30 à Lattes." in text
    overnight = compose(when={"kind": "hours", "start": "22:00", "end": "02:15"}).text
    assert f" entre 22{NBSP}h et 2{NBSP}h{NBSP}15 à Lattes." in overnight


def test_a_date_is_written_in_words_with_the_year_only_when_it_is_another(aws: Any) -> None:
    assert f" le 1er{NBSP}décembre à Lattes." in compose(when={"kind": "date", "date": "2026-12-01"}).text
    assert f" le 28{NBSP}novembre à Lattes." in compose(when={"kind": "date", "date": "2026-11-28"}).text
    new_year = composer.Composition.model_validate(composition(when={"kind": "date", "date": "2026-12-30"}))
    text = composer.compose(
        department="34", offence_type="cambriolage_habitation", composition=new_year, today=date(2027, 1, 3)
    ).text
    assert f" le 30{NBSP}décembre 2026 à Lattes." in text


@pytest.mark.parametrize(
    ("when", "field", "words"),
    [
        ({"kind": "hours", "start": "24:00", "end": "02:00"}, "composition.when.start", "HH:MM"),
        ({"kind": "hours", "start": "14h", "end": "16:00"}, "composition.when.start", "HH:MM"),
        ({"kind": "hours", "start": "14:00", "end": "14:60"}, "composition.when.end", "HH:MM"),
        ({"kind": "hours", "start": "14:00"}, "composition.when.end", "HH:MM"),
        ({"kind": "hours", "start": "14:00", "end": "14:00"}, "composition.when.end", "doit différer"),
        ({"kind": "date", "date": "2026-12-03"}, "composition.when.date", "ne peut pas être à venir"),
        ({"kind": "date", "date": "2026-10-01"}, "composition.when.date", "plus de 30 jours"),
        ({"kind": "date", "date": "2026-02-30"}, "composition.when.date", "AAAA-MM-JJ"),
        ({"kind": "date"}, "composition.when.date", "AAAA-MM-JJ"),
        ({"kind": "night", "start": "14:00"}, "composition.when.start", "ne s'emploie pas"),
    ],
)
def test_an_invalid_time_is_refused_in_french_on_its_field(
    aws: Any, when: dict[str, str], field: str, words: str
) -> None:
    assert words in errors_of(when=when)[field]


def test_a_commune_of_another_department_is_refused_naming_both(aws: Any) -> None:
    message = errors_of(communes=[LATTES, ANNECY])["composition.communes.1"]
    assert "Annecy" in message and "Hérault (34)" in message


def test_unknown_and_repeated_communes_are_refused(aws: Any) -> None:
    errors = errors_of(communes=["34999", LATTES, LATTES])
    assert "inconnu" in errors["composition.communes.0"]
    assert "déjà" in errors["composition.communes.2"]


def test_every_wrong_field_is_named_at_once(aws: Any) -> None:
    errors = errors_of(
        offence_type="vol_de_voiture", communes=[ANNECY], when={"kind": "hours", "start": "9", "end": "10:00"},
        advice_id="inconnu",
    )  # fmt: skip
    assert set(errors) == {"offence_type", "composition.communes.0", "composition.when.start", "composition.advice_id"}
    assert "Conseil inconnu" in errors["composition.advice_id"]


def test_the_free_sentence_comes_last_and_counts_toward_the_length(aws: Any) -> None:
    composed = compose(sentence="  Plainte déposée à la brigade de Lattes.  ")
    assert composed.text.endswith(f"{FIRST_ADVICE['text']} Plainte déposée à la brigade de Lattes.")
    assert composed.record["sentence"] == "Plainte déposée à la brigade de Lattes."
    # a no-break space is one character, as a person counts
    hours = compose(when={"kind": "hours", "start": "14:00", "end": "16:30"}).text
    assert rules.length(hours) == len(hours)


def test_every_vetted_advice_sentence_passes_the_guard_in_an_alert(aws: Any) -> None:
    for item in advice.current()["items"]:
        for offence_type in composer.OFFENCE_PHRASES:
            text = compose(offence_type, communes=[LATTES, LE_CRES], advice_id=item["id"]).text
            findings = rules.check_alert(text=text, offence_type=offence_type, offence_established=True)
            assert findings == [], (item["id"], text)


def test_the_date_of_an_overseas_department_is_its_own() -> None:
    assert composer.local_today("974") - composer.local_today("971") in (timedelta(0), timedelta(days=1))


# --- Through the API (Chalice test client on moto) --------------------------------------------------


def send(client: Any, headers: dict[str, str], **fields: Any) -> Any:
    body = {"department": "34", "offence_type": "cambriolage_habitation", "offence_established": True}
    body["composition"] = composition(**fields)
    return client.http.post("/corg/alerts", headers=headers, body=json.dumps(body))


def test_a_composed_alert_is_sent_and_the_log_keeps_its_fields(client: Any, auth_header: Headers) -> None:
    response = send(client, auth_header("corg-34"), communes=[LATTES, LE_CRES], sentence="Plainte déposée ce matin.")
    assert response.status_code == 201
    text = response.json_body["alert"]["text"]
    assert text.startswith("Cambriolage d'habitation constaté cette nuit à Lattes et au Crès. ")
    assert text.endswith(" Plainte déposée ce matin.")
    assert client.http.get("/alerts/34").json_body["alert"]["text"] == text
    log = client.http.get("/corg/alerts?department=34", headers=auth_header("corg-34")).json_body["entries"]
    assert log[0]["kind"] == "sent" and log[0]["text"] == text
    assert log[0]["composition"] == {
        "offence_type": "cambriolage_habitation",
        "communes": [{"insee": LATTES, "name": "Lattes"}, {"insee": LE_CRES, "name": "Le Crès"}],
        "when": {"kind": "night"},
        "advice": FIRST_ADVICE,
        "sentence": "Plainte déposée ce matin.",
    }


def test_the_live_check_returns_the_composed_text_and_its_length(client: Any, auth_header: Headers) -> None:
    body = {"department": "34", "offence_type": "tentative_cambriolage", "composition": composition()}
    response = client.http.post("/corg/alerts/check", headers=auth_header("corg-34"), body=json.dumps(body))
    assert response.status_code == 200
    answer = response.json_body
    assert answer["text"].startswith("Tentative de cambriolage constatée cette nuit à Lattes.")
    assert answer["length"] == rules.length(answer["text"])
    assert [f["rule"] for f in answer["findings"]] == ["offence_not_established"]


def test_a_commune_outside_the_department_is_a_400_in_french_and_nothing_is_sent(
    client: Any, auth_header: Headers
) -> None:
    response = send(client, auth_header("corg-34"), communes=[ANNECY])
    assert response.status_code == 400
    assert response.json_body["errors"][0]["field"] == "composition.communes.0"
    assert "n'est pas dans le département Hérault (34)" in response.json_body["errors"][0]["message"]
    assert client.http.get("/alerts/34").json_body["alert"] is None


def test_an_unknown_advice_id_is_a_400(client: Any, auth_header: Headers) -> None:
    response = send(client, auth_header("corg-34"), advice_id="pas-dans-la-liste")
    assert response.status_code == 400
    message = "Conseil inconnu (« pas-dans-la-liste ») : choisissez-en un de la liste."
    assert response.json_body["errors"] == [{"field": "composition.advice_id", "message": french(message)}]


def test_a_free_sentence_the_guard_refuses_is_a_422_logged_without_the_personal_data(
    client: Any, auth_header: Headers
) -> None:
    response = send(client, auth_header("corg-34"), sentence="Témoins : appelez le 06 12 34 56 78.")
    assert response.status_code == 422
    problem = response.json_body
    assert "phone_number" in [f["rule"] for f in problem["findings"]]
    assert "composition.sentence" in [e["field"] for e in problem["errors"]]
    refused = next(iter(AlertLogEntry.query("34")))
    assert refused.kind == "refused"
    assert "06 12 34 56 78" not in json.dumps(refused.composition, ensure_ascii=False)
    assert "06 12 34 56 78" not in (refused.text or "")
    assert refused.composition["communes"] == [{"insee": LATTES, "name": "Lattes"}]


def test_a_composition_too_long_for_160_characters_gets_the_length_finding(client: Any, auth_header: Headers) -> None:
    response = send(client, auth_header("corg-34"), sentence="Plainte déposée ce matin. " * 4)
    assert response.status_code == 422
    assert [e["field"] for e in response.json_body["errors"] if "160" in e["message"]] == ["composition"]


@pytest.mark.parametrize("shape", ["both", "neither"])
def test_an_alert_has_either_a_text_or_a_composition(client: Any, auth_header: Headers, shape: str) -> None:
    body: dict[str, Any] = {"department": "34", "offence_type": "cambriolage_habitation", "offence_established": True}
    if shape == "both":
        body.update(text="Cambriolage constaté à Lattes.", composition=composition())
    response = client.http.post("/corg/alerts", headers=auth_header("corg-34"), body=json.dumps(body))
    assert response.status_code == 400
    assert "soit le texte" in response.json_body["errors"][0]["message"]


def test_the_composed_alert_keeps_the_advice_as_sent_after_the_opp_edits_the_list(
    client: Any, auth_header: Headers
) -> None:
    assert send(client, auth_header("corg-34")).status_code == 201
    edited = {"revision": 0, "items": [{"id": FIRST_ADVICE["id"], "text": "Fermez à clé, même en journée."}]}
    saved = client.http.put("/opp/alert-advice", headers=auth_header("opp-ggd34"), body=json.dumps(edited))
    assert saved.status_code == 200
    after = send(client, auth_header("corg-34"))
    assert after.json_body["alert"]["text"].endswith(" Fermez à clé, même en journée.")
    log = client.http.get("/corg/alerts?department=34", headers=auth_header("corg-34")).json_body["entries"]
    assert [e["composition"]["advice"]["text"] for e in log] == ["Fermez à clé, même en journée.", FIRST_ADVICE["text"]]


def test_the_commune_type_ahead_can_be_limited_to_one_department(client: Any) -> None:
    everywhere = client.http.get("/communes?q=saint&limit=20").json_body["results"]
    herault = client.http.get("/communes?q=saint&limit=20&department=34").json_body["results"]
    assert {c["department"] for c in everywhere} != {"34"}
    assert len(herault) == 20 and {c["department"] for c in herault} == {"34"}
    assert all(c["name"].startswith("Saint") for c in herault)
    typo = client.http.get("/communes?q=montpelier&department=34").json_body["results"]
    assert typo[0]["insee"] == "34172"
    by_postal_code = client.http.get("/communes?q=34920&department=34").json_body["results"]
    assert [c["insee"] for c in by_postal_code] == [LE_CRES]
    assert client.http.get("/communes?q=34920&department=74").json_body["results"] == []
    assert client.http.get("/communes?q=saint&department=99").status_code == 400

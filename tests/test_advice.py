"""The composer's advice list: read by CORG operators, kept by the OPP of GGD34, checked by the guard."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib import content
from chalicelib.models import AlertLogEntry
from chalicelib.typography import plain

Headers = Callable[[str], dict[str, str]]
INITIAL = content.load("alert_advice")


def save(client: Any, headers: dict[str, str], items: list[dict[str, str]], revision: int = 0) -> Any:
    body = json.dumps({"items": items, "revision": revision})
    return client.http.put("/opp/alert-advice", headers=headers, body=body)


def test_the_initial_list_is_the_data_file_with_its_sources() -> None:
    assert INITIAL["sources"] and all(s["url"].startswith("https://") for s in INITIAL["sources"])
    ids = [item["id"] for item in INITIAL["items"]]
    assert len(ids) == len(set(ids)) >= 5


@pytest.mark.parametrize("operator", ["corg-34", "corg-74", "opp-ggd34", "admin"])
def test_operators_read_the_list_in_service(client: Any, auth_header: Headers, operator: str) -> None:
    response = client.http.get("/corg/alert-advice", headers=auth_header(operator))
    assert response.status_code == 200
    assert response.json_body == {"items": INITIAL["items"], "revision": 0, "updated_by": None, "updated_at": None}


def test_reading_the_list_needs_a_token(client: Any) -> None:
    assert client.http.get("/corg/alert-advice").status_code == 401


def test_the_opp_saves_a_new_list_that_is_then_in_service_and_logged(client: Any, auth_header: Headers) -> None:
    items = [{"id": "volets", "text": "Fermez vos volets la nuit."}, {"id": "appeler-17", "text": "Urgence : le 17."}]
    response = save(client, auth_header("opp-ggd34"), items)
    assert response.status_code == 200
    assert response.json_body["items"] == items and response.json_body["revision"] == 1
    assert response.json_body["updated_by"] == "opp-ggd34" and response.json_body["updated_at"].endswith("Z")
    read = client.http.get("/corg/alert-advice", headers=auth_header("corg-34")).json_body
    assert read["items"] == items
    audit = list(AlertLogEntry.query("advice"))
    assert [(e.kind, e.sent_by, e.revision, e.composition) for e in audit] == [
        ("advice_updated", "opp-ggd34", 1, {"advice": items})
    ]


def test_a_corg_operator_cannot_edit_the_list(client: Any, auth_header: Headers) -> None:
    response = save(client, auth_header("corg-34"), [{"id": "a", "text": "Fermez vos volets."}])
    assert response.status_code == 403
    assert response.json_body["detail"] == "La liste des conseils des alertes est tenue par l'OPP du GGD34."


def test_an_edit_based_on_an_old_revision_is_a_conflict(client: Any, auth_header: Headers) -> None:
    opp = auth_header("opp-ggd34")
    assert save(client, opp, [{"id": "a", "text": "Fermez vos volets."}]).status_code == 200
    stale = save(client, auth_header("admin"), [{"id": "b", "text": "Fermez à clé."}], revision=0)
    assert stale.status_code == 409 and "modifiée entre-temps" in stale.json_body["detail"]
    assert save(client, opp, [{"id": "b", "text": "Fermez à clé."}], revision=1).json_body["revision"] == 2


@pytest.mark.parametrize(
    ("items", "field", "words"),
    [
        ([{"id": "a", "text": "Fermez."}, {"id": "a", "text": "Verrouillez."}], "items.1.id", "déjà pris"),
        ([{"id": "Volets Fermés", "text": "Fermez."}], "items.0.id", "Identifiant invalide"),
        ([{"id": "a", "text": "Appelez le 06 12 34 56 78."}], "items.0.text", ""),
        ([{"id": "a", "text": "Fermez vos volets. " * 6}], "items.0.text", "de 1 à 100 caractères"),
        ([{"id": "a", "text": "Fermez\nvos volets."}], "items.0.text", "retours à la ligne"),
        ([], "items", ""),
    ],
)
def test_an_invalid_list_is_refused_field_by_field_in_french(
    client: Any, auth_header: Headers, items: list[dict[str, str]], field: str, words: str
) -> None:
    response = save(client, auth_header("opp-ggd34"), items)
    assert response.status_code == 400
    messages = {e["field"]: e["message"] for e in response.json_body["errors"]}
    assert words in plain(messages[field])
    assert client.http.get("/corg/alert-advice", headers=auth_header("corg-34")).json_body["revision"] == 0

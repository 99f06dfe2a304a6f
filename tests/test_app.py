"""The HTTP surface shared by every route: health, départements, errors and headers."""

from typing import Any

from chalicelib.typography import french, plain


def test_health_is_ok_and_dates_the_search_data(client: Any) -> None:
    response = client.http.get("/health")
    assert response.status_code == 200
    body = response.json_body
    assert body["status"] == "ok"
    assert body["data"]["units_updated"] == "2022-01-04"  # the newest record of the shared open data
    assert body["data"]["official_zones"] == ["75", "77", "92", "93", "94", "95"]
    assert body["data"]["ministry_competence"] is False and body["data"]["built_at"] is None  # not built by make data


def test_departments_lists_101_with_corsica_and_the_drom(client: Any) -> None:
    departments = client.http.get("/departments").json_body["departments"]
    codes = [d["code"] for d in departments]
    assert len(codes) == 101
    assert {"2A", "2B", "971", "972", "973", "974", "976"} <= set(codes)
    assert departments[0] == {"code": "01", "name": "Ain"}


def test_every_answer_carries_security_headers(client: Any) -> None:
    headers = client.http.get("/health").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]


def test_malformed_json_is_a_french_problem(client: Any) -> None:
    response = client.http.post("/auth/login", headers={"Content-Type": "application/json"}, body="{oops")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json_body["detail"] == "Le corps de la requête n'est pas un JSON valide."


def test_deeply_nested_json_is_a_french_400_not_a_500(client: Any) -> None:
    for path in ("/subscriptions", "/auth/login"):
        response = client.http.post(path, headers={"Content-Type": "application/json"}, body="[" * 30_000)
        assert response.status_code == 400, path
        assert (
            plain(response.json_body["detail"])
            == "Le document JSON est trop imbriqué : 32 niveaux au plus sont acceptés."
        )


def test_a_non_json_body_is_a_415_in_french(client: Any) -> None:
    response = client.http.post("/auth/login", headers={"Content-Type": "text/plain"}, body="x")
    assert response.status_code == 415
    assert response.json_body["code"] == "unsupported_media_type"
    assert "JSON" in response.json_body["detail"]


def test_a_wrong_method_is_a_405_problem_of_its_own_with_the_allowed_methods(client: Any) -> None:
    response = client.http.delete("/health")
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json_body["code"] == "method_not_allowed"
    assert response.json_body["status"] == 405
    assert "Allow" in response.json_body["detail"]
    assert response.headers["Allow"] == "GET"

    assert client.http.post("/subscriptions/abc").headers["Allow"] in ("PUT, DELETE", "DELETE, PUT")


def test_an_unexpected_failure_is_a_500_without_internals(client: Any, monkeypatch: Any) -> None:
    from chalicelib import departements

    def broken() -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(departements, "listing", broken)
    response = client.http.get("/departments")
    assert response.status_code == 500
    assert "secret" not in response.body.decode()
    assert response.json_body["code"] == "internal_error"


def test_an_unreachable_aws_is_a_503(client: Any, monkeypatch: Any) -> None:
    from botocore.exceptions import EndpointConnectionError

    from chalicelib import feed

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.eu-west-3.amazonaws.com")

    monkeypatch.setattr(feed, "page", unreachable)
    response = client.http.get("/feed")
    assert response.status_code == 503
    assert response.json_body["code"] == "service_unavailable"
    assert "amazonaws" not in response.body.decode()


def test_an_empty_number_parameter_is_a_400_not_the_default(client: Any) -> None:
    response = client.http.get("/feed?limit=")
    assert response.status_code == 400
    assert response.json_body["errors"] == [
        {"field": "limit", "message": french("« limit » doit être un nombre entier.")}
    ]

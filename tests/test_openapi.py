"""The OpenAPI description: it lists exactly the app's routes, is valid 3.1 and is served."""

import json
from typing import Any

from chalicelib.openapi import document

OPERATOR_PREFIXES = ("/corg/", "/opp/", "/admin/")


def described_operations() -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, operations in document()["paths"].items() for method in operations}


def test_the_description_lists_exactly_the_routes_and_methods_of_the_app() -> None:
    from app import app

    routed = {(path, method) for path, methods in app.routes.items() for method in methods}
    assert described_operations() == routed


def test_the_description_is_valid_openapi_3_1() -> None:
    from openapi_spec_validator import validate

    assert document()["openapi"] == "3.1.0"
    validate(document())


def test_it_is_served_as_json_with_security_headers(client: Any) -> None:
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.json_body == json.loads(json.dumps(document()))


def test_operator_routes_and_only_they_require_a_bearer_token() -> None:
    assert document()["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Jeton d'identité Cognito obtenu par POST /auth/login.",
    }
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            secured = operation.get("security") == [{"bearer": []}]
            assert secured == path.startswith(OPERATOR_PREFIXES), f"{method} {path}"
            if secured:
                assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"


def test_request_bodies_refuse_unknown_fields_as_the_routes_do() -> None:
    schemas = document()["components"]["schemas"]
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            assert schema.get("additionalProperties") is False, f"{method} {path}"
            assert {"400", "413", "415"} <= set(operation["responses"]), f"{method} {path}"
            for nested in schema.get("properties", {}).values():
                target = nested.get("$ref", "").rpartition("/")[2]
                if target:
                    assert schemas[target].get("additionalProperties") is False, target


def test_every_error_is_described_as_problem_json() -> None:
    responses = document()["components"]["responses"]
    for name, response in responses.items():
        assert list(response["content"]) == ["application/problem+json"], name
        assert response["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    problem = document()["components"]["schemas"]["Problem"]
    assert problem["required"] == ["status", "title", "detail"]

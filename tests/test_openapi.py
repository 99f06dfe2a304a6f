"""The OpenAPI description: it lists exactly the app's routes, is valid 3.1 and is served."""

import json
import re
from collections.abc import Iterator
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
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            schema = schemas[body["$ref"].rpartition("/")[2]]  # a named model for generated clients
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


def _walk(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema-like dict of the description with its location."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}/{index}")


def test_every_operation_has_a_unique_camel_case_operation_id_and_ascii_tags() -> None:
    ids = [
        operation.get("operationId") for operations in document()["paths"].values() for operation in operations.values()
    ]
    assert all(isinstance(i, str) and re.fullmatch(r"[a-z][A-Za-z]+", i) for i in ids), ids
    assert len(ids) == len(set(ids))
    declared = {tag["name"]: tag for tag in document()["tags"]}
    for name, tag in declared.items():
        assert name.isascii() and re.fullmatch(r"[a-z]+", name)
        assert tag["x-displayName"]
    used = {tag for operations in document()["paths"].values() for o in operations.values() for tag in o["tags"]}
    assert used == set(declared)


def test_no_object_is_left_untyped_and_no_schema_is_empty() -> None:
    for where, node in _walk(document()):
        if node.get("type") == "object":
            assert "properties" in node or "additionalProperties" in node, f"bare object at {where}"
        if where.endswith("/schema"):
            assert node, f"empty schema at {where}"


def test_department_codes_are_named_for_generated_enums() -> None:
    codes = document()["components"]["schemas"]["DepartmentCode"]
    assert len(codes["x-enum-varnames"]) == len(codes["enum"]) == 101
    named = dict(zip(codes["enum"], codes["x-enum-varnames"], strict=True))
    assert (named["19"], named["2A"], named["971"]) == ("D19", "D2A", "D971")


def test_binary_bodies_405_204_and_timestamps_are_declared_for_generators() -> None:
    paths = document()["paths"]
    for path in ("/otv/form.pdf", "/otv/form"):
        (operation,) = paths[path].values()
        assert operation["responses"]["200"]["content"] == {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}}
        }
    assert "content" not in paths["/subscriptions/{subscription_id}"]["delete"]["responses"]["204"]
    method_not_allowed = document()["components"]["responses"]["E405"]
    assert method_not_allowed["headers"]["Allow"]["required"] is True
    assert "method_not_allowed" in document()["components"]["schemas"]["ProblemCode"]["enum"]
    sent_at = document()["components"]["schemas"]["Alert"]["properties"]["sent_at"]
    assert sent_at == {"type": "string", "format": "date-time"}  # `+00:00` is as valid as `Z`
    described = [paths, document()["components"]["responses"]]
    media = {m for _, n in _walk(described) for m in n.get("content", {}) if m.endswith("json") and "manifest" not in m}
    assert media == {"application/json", "application/problem+json"}


def test_the_committed_snapshot_is_the_served_description() -> None:
    from tools.openapi_diff import SNAPSHOT, compare, served

    committed = json.loads(SNAPSHOT.read_text())
    changes = compare(committed, served())
    assert committed == served(), (
        "The served OpenAPI description differs from docs/openapi.json:\n"
        + "\n".join(f"  {change}" for change in changes[:30])
        + "\nRun `make openapi` (or `.venv/bin/python -m tools.openapi_diff --write`): it says which bump "
        "these changes need; set VERSION in chalicelib/openapi/__init__.py, add an entry to "
        "docs/CHANGELOG-api.md, and commit the new docs/openapi.json."
    )


def test_the_version_and_changelog_match_the_published_contract() -> None:
    from tools.openapi_diff import CHANGELOG

    version = document()["info"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert re.search(rf"^## {re.escape(version)}$", CHANGELOG.read_text(), re.MULTILINE), version

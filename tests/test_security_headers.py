"""Security headers on every kind of answer, pages and API alike: a policy that allows no inline
script and no framing, no MIME sniffing, no referrer."""

import json
from typing import Any

import pytest

from chalicelib.openapi import document

EXPECTED = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
POLICY = ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'")
EXAMPLES = {"{department}": "34", "{unit_id}": "unknown", "{name}": "app.css"}
QUERIES = {
    "/communes": "?q=Montpellier",
    "/brigades/nearest": "?lat=43.61&lon=3.88",
    "/content/prevention": "?audience=particulier",
}


def assert_secured(response: Any) -> None:
    for name, value in EXPECTED.items():
        assert response.headers[name] == value, name
    policy = response.headers["Content-Security-Policy"]
    assert all(directive in policy for directive in POLICY), policy
    assert "unsafe-" not in policy


def public_reads() -> list[str]:
    paths = []
    for path, operations in document()["paths"].items():
        if "get" in operations and not operations["get"].get("security"):
            for placeholder, example in EXAMPLES.items():
                path = path.replace(placeholder, example)
            paths.append(path + QUERIES.get(path, ""))
    return paths


@pytest.mark.parametrize("path", public_reads())
def test_every_public_read_carries_the_security_headers(client: Any, vapid: Any, path: str) -> None:
    response = client.http.get(path, headers={"Accept": "*/*"})
    assert response.status_code < 500, response.body
    assert_secured(response)


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status"),
    [
        ("DELETE", "/health", {}, None, 405),
        ("POST", "/auth/login", {"Content-Type": "text/plain"}, "x", 415),
        ("POST", "/auth/login", {"Content-Type": "application/json"}, "{", 400),
        ("GET", "/corg/alerts?department=34", {}, None, 401),
        ("DELETE", "/subscriptions/" + "a" * 32, {}, None, 404),
    ],
)
def test_errors_carry_them_too(
    client: Any, method: str, path: str, headers: dict[str, str], body: str | None, status: int
) -> None:
    response = client.http.request(method, path, headers=headers, body=body)
    assert response.status_code == status
    assert_secured(response)


def test_empty_answers_carry_them(client: Any) -> None:
    body = json.dumps({"platform": "ios", "token": "b" * 64, "department": "34", "accept_notifications": True})
    created = client.http.post("/subscriptions", headers={"Content-Type": "application/json"}, body=body)
    deleted = client.http.delete(f"/subscriptions/{created.json_body['id']}")
    assert deleted.status_code == 204
    assert_secured(deleted)
    etag = client.http.get("/").headers["ETag"]
    unchanged = client.http.get("/", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert_secured(unchanged)

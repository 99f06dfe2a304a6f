"""Authorization across every operator route of the OpenAPI description: authentication, object-level
checks (a CORG acts on its own département only) and function-level checks (who may publish what),
each refusal decided before any AWS call (no read, no write, no push)."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.openapi import document
from tests.conftest import AwsFaults

Headers = Callable[[str], dict[str, str]]
FEED_ITEM_ID = "0" * 32
VALID_BODIES = {
    "/corg/alerts": {
        "department": "74",
        "text": "Annecy : cambriolages de maisons en fin de journée, fermez portes et fenêtres.",
        "offence_type": "cambriolage_habitation",
        "offence_established": True,
    },
    "/corg/alerts/check": {"text": "Annecy : cambriolages de maisons en fin de journée."},
    "/opp/feed": {"title": "Partir serein", "body": "Inscrivez-vous à l'OTV avant de partir.", "kind": "otv"},
    "/opp/prevention-push": {"text": "Bientôt les vacances : pensez à l'opération tranquillité vacances."},
    "/opp/alert-advice": {"items": [{"id": "volets", "text": "Fermez vos volets."}], "revision": 0},
}
CONCRETE_PATHS = {"/corg/alerts/{department}": "/corg/alerts/74", "/opp/feed/{item_id}": f"/opp/feed/{FEED_ITEM_ID}"}
QUERIES = {("GET", "/corg/alerts"): "?department=74", ("GET", "/corg/subscribers"): "?department=74"}


def secured_operations() -> list[tuple[str, str]]:
    return sorted(
        (method.upper(), path)
        for path, operations in document()["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    )


def request(client: Any, method: str, template: str, headers: dict[str, str]) -> Any:
    path = CONCRETE_PATHS.get(template, template) + QUERIES.get((method, template), "")
    body = json.dumps(VALID_BODIES[template]) if method in ("POST", "PUT") else None
    return client.http.request(method, path, headers={"Content-Type": "application/json", **headers}, body=body)


def refused(client: Any, aws_faults: AwsFaults, headers: dict[str, str], method: str, template: str) -> str:
    """The French reason of a 403 given before any AWS call (the calls of the login are forgotten)."""
    aws_faults.calls.clear()
    response = request(client, method, template, headers)
    assert response.status_code == 403
    assert aws_faults.calls == []
    return str(response.json_body["detail"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


OPERATIONS = secured_operations()
SHARED = [("GET", "/corg/alert-advice")]  # the composer's advice list: every operator reads it
NOT_SCOPED = ["/corg/alerts/check", "/corg/alert-advice"]
CORG_ON_74 = [op for op in OPERATIONS if op[1].startswith("/corg/") and op[1] not in NOT_SCOPED]
OPP_ONLY = [op for op in OPERATIONS if op[1].startswith("/opp/")]
CORG_ONLY = [op for op in OPERATIONS if op[1].startswith("/corg/") and op not in SHARED]
ADMIN_ONLY = [op for op in OPERATIONS if op[1].startswith("/admin/")]


def test_the_matrix_covers_every_operator_route() -> None:
    assert len(OPERATIONS) == 11
    assert set(OPERATIONS) == {*CORG_ONLY, *OPP_ONLY, *SHARED, *ADMIN_ONLY}


@pytest.mark.parametrize(("method", "path"), SHARED)
@pytest.mark.parametrize("operator", ["corg-34", "corg-74", "opp-ggd34"])
def test_every_operator_reads_the_advice_list(
    client: Any, auth_header: Headers, method: str, path: str, operator: str
) -> None:
    assert request(client, method, path, auth_header(operator)).status_code == 200


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic Y29yZy0zNDpwYXNzd29yZA=="},
        bearer("not-a-token"),
        bearer("eyJhbGciOiJub25lIn0.eyJjb2duaXRvOmdyb3VwcyI6WyJhZG1pbiJdfQ."),  # alg "none", admin claimed
    ],
    ids=["no token", "basic", "garbage", "unsigned admin"],
)
def test_without_a_valid_token_every_operator_route_is_a_401_before_any_aws_call(
    client: Any, aws_faults: AwsFaults, method: str, path: str, headers: dict[str, str]
) -> None:
    response = request(client, method, path, headers)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert aws_faults.calls == []


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_an_expired_or_groupless_token_is_refused_before_any_aws_call(
    client: Any, aws_faults: AwsFaults, forge_token: Callable[..., str], method: str, path: str
) -> None:
    assert request(client, method, path, bearer(forge_token(exp=1))).status_code == 401
    assert request(client, method, path, bearer(forge_token(**{"cognito:groups": []}))).status_code == 403
    assert aws_faults.calls == []


@pytest.mark.parametrize(("method", "path"), CORG_ON_74)
def test_a_corg_of_34_cannot_touch_74_and_nothing_is_read_or_written(
    client: Any, aws_faults: AwsFaults, auth_header: Headers, method: str, path: str
) -> None:
    assert "74" in refused(client, aws_faults, auth_header("corg-34"), method, path)


@pytest.mark.parametrize(("method", "path"), CORG_ON_74)
def test_the_corg_of_74_may(client: Any, auth_header: Headers, method: str, path: str) -> None:
    response = request(client, method, path, auth_header("corg-74"))
    assert response.status_code not in (401, 403), response.json_body  # 404: no alert of 74 to retract yet


@pytest.mark.parametrize(("method", "path"), OPP_ONLY)
@pytest.mark.parametrize("operator", ["corg-34", "corg-74"])
def test_no_corg_may_publish_the_national_feed_or_prevention(
    client: Any, aws_faults: AwsFaults, auth_header: Headers, method: str, path: str, operator: str
) -> None:
    assert "OPP du GGD34" in refused(client, aws_faults, auth_header(operator), method, path)


@pytest.mark.parametrize(("method", "path"), CORG_ONLY)
def test_the_opp_may_not_send_check_or_read_alerts(
    client: Any, aws_faults: AwsFaults, auth_header: Headers, method: str, path: str
) -> None:
    assert "CORG" in refused(client, aws_faults, auth_header("opp-ggd34"), method, path)


@pytest.mark.parametrize(("method", "path"), ADMIN_ONLY)
@pytest.mark.parametrize("operator", ["corg-34", "opp-ggd34"])
def test_only_administrators_read_the_operations_figures(
    client: Any, aws_faults: AwsFaults, auth_header: Headers, method: str, path: str, operator: str
) -> None:
    assert "administrateurs" in refused(client, aws_faults, auth_header(operator), method, path)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_admin_may_do_everything(client: Any, auth_header: Headers, method: str, path: str) -> None:
    response = request(client, method, path, auth_header("admin"))
    assert response.status_code not in (401, 403), response.json_body


def test_a_corg_of_34_neither_reads_the_log_nor_retracts_the_alert_of_74(client: Any, auth_header: Headers) -> None:
    sent = request(client, "POST", "/corg/alerts", auth_header("corg-74"))
    assert sent.status_code == 201
    assert request(client, "GET", "/corg/alerts", auth_header("corg-34")).status_code == 403
    assert request(client, "DELETE", "/corg/alerts/{department}", auth_header("corg-34")).status_code == 403
    assert client.http.get("/alerts/74").json_body["alert"] == sent.json_body["alert"]
    log = request(client, "GET", "/corg/alerts", auth_header("corg-74")).json_body["entries"]
    assert [entry["kind"] for entry in log] == ["sent"]

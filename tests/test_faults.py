"""Injected AWS failures (DynamoDB, SNS, SQS, Cognito): a clear 503 problem+json, never a 500 with
internals; nothing accepted is lost and nothing is left half-created."""

import json
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD, AwsFaults

INTERNALS = ("amazonaws", "aws.example", "botocore", "Exception", "Error", "injected", "Traceback", "arn:aws")
KINDS = ("down", "internal", "throttled", "timeout", "unreachable")


def assert_unavailable(response: Any) -> None:
    """A French 503 problem+json that says to retry and shows nothing of the failure itself."""
    assert response.status_code == 503, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json_body["code"] == "service_unavailable"
    assert response.json_body["detail"].startswith("Un service nécessaire est momentanément indisponible")
    assert response.headers["Retry-After"] == "5"
    assert not [word for word in INTERNALS if word in response.body.decode()]


def login(client: Any, username: str = "corg-34", password: str = DEMO_PASSWORD) -> Any:
    body = json.dumps({"username": username, "password": password})
    return client.http.post("/auth/login", headers={"Content-Type": "application/json"}, body=body)


@pytest.mark.parametrize("kind", KINDS)
def test_login_with_cognito_failing_is_a_503(client: Any, aws_faults: AwsFaults, kind: str) -> None:
    aws_faults.fail("cognito-idp", "InitiateAuth", kind)
    assert_unavailable(login(client))
    assert aws_faults.failed == ["cognito-idp:InitiateAuth"]


@pytest.mark.parametrize("kind", ("down", "timeout"))
def test_login_with_dynamodb_failing_is_a_503(client: Any, aws_faults: AwsFaults, kind: str) -> None:
    aws_faults.fail("dynamodb", "*", kind)
    assert_unavailable(login(client))


def test_a_cognito_failure_does_not_count_as_a_failed_login(client: Any, aws_faults: AwsFaults) -> None:
    aws_faults.fail("cognito-idp", "InitiateAuth", "down")
    for _ in range(6):
        assert login(client).status_code == 503
    aws_faults.heal()
    assert login(client).status_code == 200

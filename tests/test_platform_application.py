"""The custom resource behind the SNS platform applications, run against moto, its answers to
CloudFormation caught by a local HTTP server standing in for the pre-signed S3 URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import ModuleType
from typing import Any

import pytest

from chalicelib import aws as aws_clients

APNS_KEY = {
    "signing_key": "-----BEGIN PRIVATE KEY-----\ntest\n-----END PRIVATE KEY-----",
    "key_id": "ABC123DEFG",
    "team_id": "TEAM123456",
    "bundle_id": "fr.gendarmerie.stopcambriolages",
}


@pytest.fixture
def cloudformation() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The response URL and the answers PUT to it."""
    answers: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            answers.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/response", answers
    server.shutdown()
    server.server_close()


@pytest.fixture
def send(
    platform_application: ModuleType, cloudformation: tuple[str, list[dict[str, Any]]], aws: dict[str, str]
) -> Iterator[Callable[..., dict[str, Any]]]:
    """Sends one CloudFormation request to the handler and returns its answer; the applications
    created are deleted afterwards (moto's state lives for the whole run)."""
    url, answers = cloudformation

    def event(request: str, properties: dict[str, str], **extra: Any) -> dict[str, Any]:
        platform_application.handler(
            {
                "RequestType": request,
                "ResponseURL": url,
                "StackId": "arn:aws:cloudformation:eu-west-3:123456789012:stack/stopcamb-test/1",
                "RequestId": f"request-{len(answers)}",
                "LogicalResourceId": "ApnsApplication",
                "ResourceProperties": {"ServiceToken": "arn:fn", **properties},
                **extra,
            },
            None,
        )
        return answers[-1]

    yield event
    sns = aws_clients.client("sns")
    for application in sns.list_platform_applications()["PlatformApplications"]:
        if "/stopcamb-test-" in application["PlatformApplicationArn"]:
            sns.delete_platform_application(PlatformApplicationArn=application["PlatformApplicationArn"])


@pytest.fixture
def secrets(aws: dict[str, str]) -> Iterator[Any]:
    client = aws_clients.client("secretsmanager")
    client.create_secret(Name="stopcamb-test/apns", SecretString=json.dumps(APNS_KEY))
    client.create_secret(
        Name="stopcamb-test/fcm", SecretString=json.dumps({"type": "service_account", "project_id": "p"})
    )
    yield client
    for name in ("stopcamb-test/apns", "stopcamb-test/fcm"):
        client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)


APNS = {"Name": "stopcamb-test-ios", "Platform": "APNS", "SecretId": "stopcamb-test/apns", "CredentialsVersion": "1"}


def _attributes(arn: str) -> dict[str, str]:
    return dict(aws_clients.client("sns").get_platform_application_attributes(PlatformApplicationArn=arn)["Attributes"])


def test_an_apns_application_is_created_with_the_token_key_of_its_secret(
    send: Callable[..., Any], secrets: Any
) -> None:
    answer = send("Create", APNS)
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    arn = answer["PhysicalResourceId"]
    assert arn.endswith(":app/APNS/stopcamb-test-ios") and answer["Data"] == {"Arn": arn}
    attributes = _attributes(arn)
    assert attributes["PlatformPrincipal"] == "ABC123DEFG"
    assert attributes["ApplePlatformTeamID"] == "TEAM123456"
    assert attributes["ApplePlatformBundleID"] == "fr.gendarmerie.stopcambriolages"


def test_an_fcm_application_takes_the_service_account_json(send: Callable[..., Any], secrets: Any) -> None:
    answer = send(
        "Create", {**APNS, "Name": "stopcamb-test-android", "Platform": "GCM", "SecretId": "stopcamb-test/fcm"}
    )
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert json.loads(_attributes(answer["PhysicalResourceId"])["PlatformCredential"])["project_id"] == "p"


def test_a_rotated_secret_updates_the_same_application(send: Callable[..., Any], secrets: Any) -> None:
    arn = send("Create", APNS)["PhysicalResourceId"]
    secrets.put_secret_value(
        SecretId="stopcamb-test/apns", SecretString=json.dumps({**APNS_KEY, "key_id": "NEWKEY1234"})
    )
    answer = send("Update", {**APNS, "CredentialsVersion": "2"}, PhysicalResourceId=arn, OldResourceProperties=APNS)
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", arn)
    assert _attributes(arn)["PlatformPrincipal"] == "NEWKEY1234"


def test_a_renamed_application_is_a_new_one(send: Callable[..., Any], secrets: Any) -> None:
    arn = send("Create", APNS)["PhysicalResourceId"]
    renamed = {**APNS, "Name": "stopcamb-test-ios2"}
    answer = send("Update", renamed, PhysicalResourceId=arn, OldResourceProperties=APNS)
    assert answer["PhysicalResourceId"].endswith("/stopcamb-test-ios2")


def test_a_missing_secret_fails_without_creating_anything(send: Callable[..., Any], aws: dict[str, str]) -> None:
    answer = send("Create", {**APNS, "SecretId": "stopcamb-test/absent"})
    assert answer["Status"] == "FAILED"
    assert "ResourceNotFoundException" in answer["Reason"]
    assert answer["PhysicalResourceId"] == "not-created"
    assert send("Delete", APNS, PhysicalResourceId="not-created")["Status"] == "SUCCESS"


def test_a_failure_never_puts_the_secret_in_the_answer(send: Callable[..., Any], secrets: Any) -> None:
    secrets.put_secret_value(SecretId="stopcamb-test/apns", SecretString=json.dumps({"signing_key": "SECRET-VALUE"}))
    answer = send("Create", APNS)
    assert answer["Status"] == "FAILED"
    assert "SECRET-VALUE" not in json.dumps(answer)


def test_deleting_removes_the_application(send: Callable[..., Any], secrets: Any) -> None:
    arn = send("Create", APNS)["PhysicalResourceId"]
    assert send("Delete", APNS, PhysicalResourceId=arn)["Status"] == "SUCCESS"
    applications = aws_clients.client("sns").list_platform_applications()["PlatformApplications"]
    assert arn not in {a["PlatformApplicationArn"] for a in applications}

"""Shared fixtures: an in-process moto AWS bootstrapped once, reset between tests; the Chalice
test client; operator tokens; token forgers for the authentication matrix."""

from __future__ import annotations

import os

# Before anything imports chalicelib: a local stage on moto, never a real AWS account.
os.environ.update(
    {
        "STAGE": "local",
        "RESOURCE_PREFIX": "stopcamb-local",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_REGION": "eu-west-3",
    }
)
for _name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "COGNITO_JWKS_URL"):
    os.environ.pop(_name, None)

import gzip  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from chalicelib import aws as aws_clients  # noqa: E402
from chalicelib.config import get_settings  # noqa: E402

DEMO_PASSWORD = "Demo-Gendarmerie-2026!"


@pytest.fixture(scope="session")
def aws_session() -> Iterator[dict[str, str]]:
    """moto for the whole run, with every resource created once by the real bootstrap code."""
    from tools.bootstrap import create_all

    with mock_aws():
        aws_clients.reset()
        get_settings.cache_clear()
        env = create_all(DEMO_PASSWORD)
        os.environ.update(env)
        get_settings.cache_clear()
        yield env


@pytest.fixture
def aws(aws_session: dict[str, str]) -> Iterator[dict[str, str]]:
    """A clean AWS for one test: tables emptied, SNS endpoints and deliveries forgotten, queues purged."""
    _reset_state()
    yield aws_session


def _reset_state() -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns import sns_backends
    from moto.sqs import sqs_backends

    from chalicelib.auth import KEYS
    from chalicelib.models import ALL_MODELS

    for model in ALL_MODELS:
        with model.batch_write() as batch:
            for item in model.scan():
                batch.delete(item)
    backend = sns_backends[DEFAULT_ACCOUNT_ID][get_settings().region]
    for topic in backend.topics.values():
        topic.sent_notifications.clear()
    backend.subscriptions.clear()
    for application in backend.applications.values():
        application.endpoints = {}
    backend.platform_endpoints.clear()
    for queue in sqs_backends[DEFAULT_ACCOUNT_ID][get_settings().region].queues.values():
        queue._messages.clear()  # PurgeQueue is limited to once a minute
    KEYS.clear()
    get_settings.cache_clear()


@pytest.fixture
def client(aws: dict[str, str]) -> Iterator[Any]:
    """Chalice's test client on the real app, stage `local`; every answer it receives is checked
    against the OpenAPI description read strictly (tests/contract.py): an undescribed status,
    header, media type or field fails the test that received it."""
    from chalice.test import Client

    from app import app
    from tests.contract import checked_client

    with Client(app, stage_name="local", project_dir=str(Path(__file__).parent.parent)) as test_client:
        yield checked_client(test_client)


@pytest.fixture
def operator_token(aws: dict[str, str]) -> Callable[[str], str]:
    """`operator_token("corg-34")` logs a demo operator in through Cognito and returns its id token."""
    from chalicelib.auth import login

    cache: dict[str, str] = {}

    def token(username: str) -> str:
        if username not in cache:
            cache[username] = login(username, DEMO_PASSWORD)["id_token"]
        return cache[username]

    return token


@pytest.fixture
def auth_header(operator_token: Callable[[str], str]) -> Callable[[str], dict[str, str]]:
    def header(username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {operator_token(username)}", "Content-Type": "application/json"}

    return header


@pytest.fixture
def forge_token(aws: dict[str, str]) -> Callable[..., str]:
    """Signs id tokens with moto's Cognito key (the pool's real JWKS), with claims a test chooses."""
    import jwt
    import moto.cognitoidp

    resources = Path(moto.cognitoidp.__file__).parent / "resources"
    private_jwk = json.loads(gzip.decompress((resources / "jwks-private.json.gz").read_bytes()))
    key = jwt.PyJWK.from_dict(private_jwk).key

    def forge(*, signing_key: Any = None, kid: str | None = None, **overrides: Any) -> str:
        settings = get_settings()
        now = int(time.time())
        claims = {
            "iss": settings.issuer,
            "aud": settings.cognito_client_id,
            "sub": "forged",
            "token_use": "id",
            "iat": now,
            "exp": now + 3600,
            "cognito:username": "corg-34",
            "cognito:groups": ["corg-34"],
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, signing_key or key, algorithm="RS256", headers={"kid": kid or private_jwk["kid"]})

    return forge


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The server `make run` starts, on free ports, for end-to-end tests; its logs are privacy-checked."""
    from tests.privacy_plugin import inspect_output
    from tools.live_server import running

    with running(tmp_path_factory.mktemp("live-server")) as server:
        yield server
    inspect_output("live server log", server.log_path.read_text(errors="replace"))


AWS_FAULTS = {
    "down": lambda operation: _client_error(operation, "ServiceUnavailable", 503),
    "internal": lambda operation: _client_error(operation, "InternalErrorException", 500),
    "throttled": lambda operation: _client_error(operation, "ThrottlingException", 400),
    "timeout": lambda operation: _botocore_error("ReadTimeoutError", endpoint_url="https://aws.example/"),
    "unreachable": lambda operation: _botocore_error("EndpointConnectionError", endpoint_url="https://aws.example/"),
}


def _client_error(operation: str, code: str, status: int) -> Exception:
    from botocore.exceptions import ClientError

    answer = {"Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(answer, operation)  # type: ignore[arg-type]


def _botocore_error(name: str, **kwargs: Any) -> Exception:
    import botocore.exceptions

    error: Exception = getattr(botocore.exceptions, name)(**kwargs)
    return error


class AwsFaults:
    """Failing AWS calls on demand, for boto3 clients and PynamoDB alike: both go through botocore's
    `BaseClient._make_api_call`, which is patched (below botocore's retries, so failures are instant)."""

    def __init__(self) -> None:
        self.faults: dict[tuple[str, str], str] = {}
        self.calls: list[str] = []  # "service:Operation" of every call, failed or not
        self.failed: list[str] = []  # those made to fail

    def fail(self, service: str, operation: str = "*", kind: str = "down") -> None:
        """Make `operation` of `service` ("*": every call) fail from now on; `kind` is a key of AWS_FAULTS."""
        self.faults[(service, operation)] = kind

    def heal(self) -> None:
        self.faults.clear()

    def fault_for(self, service: str, operation: str) -> Exception | None:
        self.calls.append(f"{service}:{operation}")
        kind = self.faults.get((service, operation)) or self.faults.get((service, "*"))
        if kind is None:
            return None
        self.failed.append(f"{service}:{operation}")
        return AWS_FAULTS[kind](operation)


@pytest.fixture
def aws_faults(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> AwsFaults:
    """`aws_faults.fail("sns", "Subscribe", "timeout")`, `aws_faults.heal()`, `aws_faults.calls`."""
    from botocore.client import BaseClient

    original = BaseClient._make_api_call
    faults = AwsFaults()

    def make_api_call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        fault = faults.fault_for(self.meta.service_model.service_name, operation)
        if fault is not None:
            raise fault
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)
    return faults


@pytest.fixture
def published(aws: dict[str, str]) -> Callable[[str | None], list[dict[str, Any]]]:
    """What SNS received on a département's topic (None: national), read from moto's backend since
    a topic publish is not copied to the endpoints: one dict per publish with `message` (each
    platform's payload decoded) and `attributes` ({name: value})."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns import sns_backends

    def read(department: str | None) -> list[dict[str, Any]]:
        settings = get_settings()
        topic = sns_backends[DEFAULT_ACCOUNT_ID][settings.region].topics[settings.topic_arn(department)]
        found = []
        for message_id, message, _subject, attributes, _group in topic.sent_notifications:
            structure = json.loads(message)
            decoded = {k: v if k == "default" else json.loads(v) for k, v in structure.items()}
            values = {name: a["Value"] for name, a in (attributes or {}).items()}
            found.append({"message_id": message_id, "message": decoded, "attributes": values})
        return found

    return read


@pytest.fixture
def atomic_aws(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """One mocked AWS request at a time, as each request is atomic in AWS: moto's in-process
    DynamoDB is not thread-safe (a cancelled transaction restores a snapshot of the whole table,
    erasing what other threads wrote meanwhile). Threads still interleave between requests."""
    import threading

    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.RLock()
    serve = BotocoreStubber.__call__

    def one_at_a_time(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return serve(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", one_at_a_time)
    return aws


@pytest.fixture(scope="session")
def vapid_keys() -> dict[str, str]:
    """One VAPID key pair for the run (raw base64url, as `make run` keeps its own)."""
    from tools.run_local import generate_vapid_keys

    return generate_vapid_keys()


@pytest.fixture
def vapid(vapid_keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The app signs web pushes with `vapid_keys` (VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY set)."""
    monkeypatch.setenv("VAPID_PUBLIC_KEY", vapid_keys["public_key"])
    monkeypatch.setenv("VAPID_PRIVATE_KEY", vapid_keys["private_key"])
    get_settings.cache_clear()
    yield vapid_keys
    get_settings.cache_clear()


@pytest.fixture
def push_service(vapid: dict[str, str]) -> Iterator[Any]:
    """The loopback push service (tools/push_service.py), its subscriptions bound to our VAPID key."""
    from tools.push_service import PushService

    with PushService(vapid_public_key=vapid["public_key"]) as service:
        yield service


@pytest.fixture(scope="session")
def platform_application() -> Any:
    """infra/platform_application.py, the custom resource's code (a file, not a package), as a module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "platform_application", Path(__file__).parent.parent / "infra" / "platform_application.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The log-privacy guard watches the whole run (see tests/privacy_plugin.py).
pytest_plugins = ["tests.privacy_plugin", "pytester"]

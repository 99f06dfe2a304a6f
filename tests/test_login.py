"""Sign-in with Cognito's challenges on moto, with real TOTP codes: moto checks them when
MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP is true, against its one secret per run, which the fixture
replaces by a random 160-bit one (moto's own is too short for pyotp)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chalicelib.config import get_settings
from tests.conftest import DEMO_PASSWORD

Headers = Callable[[str], dict[str, str]]
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def totp(monkeypatch: pytest.MonkeyPatch, aws: dict[str, str]) -> Any:
    """A pyotp TOTP on the secret moto hands out, with moto checking every code."""
    import moto.cognitoidp.models
    import pyotp

    secret = pyotp.random_base32()
    monkeypatch.setattr(moto.cognitoidp.models, "COGNITO_TOTP_MFA_SECRET", secret)
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    monkeypatch.setenv("LOGIN_FAILURE_SECONDS", "0.01")
    get_settings.cache_clear()
    return pyotp.TOTP(secret)


@pytest.fixture
def mfa_required(monkeypatch: pytest.MonkeyPatch, aws: dict[str, str]) -> Iterator[None]:
    """The dev/prod configuration: MFA_REQUIRED and the pool's MFA on (restored afterwards)."""
    from chalicelib import aws as clients

    cognito = clients.client("cognito-idp")
    pool = get_settings().cognito_user_pool_id
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    monkeypatch.setenv("MFA_REQUIRED", "true")
    get_settings.cache_clear()
    yield
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )
    get_settings.cache_clear()


def post(client: Any, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return client.http.post(path, headers={**JSON, **(headers or {})}, body=json.dumps(body))


def login(client: Any, username: str, password: str = DEMO_PASSWORD) -> Any:
    return post(client, "/auth/login", {"username": username, "password": password})


def enrol(client: Any, totp: Any, username: str) -> dict[str, Any]:
    tokens = login(client, username).json_body
    bearer = {"Authorization": f"Bearer {tokens['id_token']}"}
    started = post(client, "/me/mfa", {"access_token": tokens["access_token"]}, bearer)
    assert started.status_code == 200, started.json_body
    confirmed = post(client, "/me/mfa/confirm", {"access_token": tokens["access_token"], "code": totp.now()}, bearer)
    assert confirmed.json_body == {"mfa": True}
    return started.json_body


def test_enrolment_shows_the_secret_as_text_and_as_a_qr_code_drawn_here(client: Any, totp: Any) -> None:
    enrolment = enrol(client, totp, "corg-34")
    assert enrolment["secret"] == totp.secret
    assert enrolment["secret_grouped"].replace(" ", "") == totp.secret
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/Stop%20Cambriolages:corg-34?secret=" + totp.secret)
    assert "issuer=Stop%20Cambriolages" in enrolment["otpauth_uri"]
    prefix = "data:image/svg+xml;base64,"
    assert enrolment["qr"].startswith(prefix)
    svg = base64.b64decode(enrolment["qr"][len(prefix) :]).decode()
    assert svg.startswith("<svg") and "<path" in svg


def test_a_wrong_first_code_does_not_turn_mfa_on(client: Any, totp: Any) -> None:
    tokens = login(client, "corg-74").json_body
    bearer = {"Authorization": f"Bearer {tokens['id_token']}"}
    post(client, "/me/mfa", {"access_token": tokens["access_token"]}, bearer)
    wrong = str((int(totp.now()) + 1) % 1_000_000).zfill(6)
    refused = post(client, "/me/mfa/confirm", {"access_token": tokens["access_token"], "code": wrong}, bearer)
    assert refused.status_code == 401
    assert refused.json_body["title"] == "Code incorrect"
    assert "access_token" in login(client, "corg-74").json_body  # still password only


def test_another_operators_access_token_cannot_enrol(client: Any, totp: Any, auth_header: Headers) -> None:
    other = login(client, "corg-74").json_body["access_token"]
    answer = post(client, "/me/mfa", {"access_token": other}, auth_header("corg-34"))
    assert answer.status_code == 403


def test_once_enrolled_login_asks_for_the_code_and_checks_it(client: Any, totp: Any) -> None:
    enrol(client, totp, "corg-34")
    challenge = login(client, "corg-34").json_body
    assert challenge["challenge"] == "totp" and "id_token" not in challenge
    wrong = str((int(totp.now()) + 1) % 1_000_000).zfill(6)
    answer = {"challenge": "totp", "username": "corg-34", "session": challenge["session"]}
    refused = post(client, "/auth/challenge", {**answer, "code": wrong})
    assert refused.status_code == 401
    assert "Code de vérification incorrect" in refused.json_body["detail"]
    tokens = post(client, "/auth/challenge", {**answer, "code": totp.now()}).json_body
    assert tokens["mfa"] is True and tokens["groups"] == ["corg-34"]
    assert tokens["id_token"].count(".") == 2 and tokens["refresh_token"]


def test_an_unknown_session_is_told_to_start_again(client: Any, totp: Any) -> None:
    answer = post(
        client, "/auth/challenge", {"challenge": "totp", "username": "corg-34", "session": "x" * 40, "code": "123456"}
    )
    assert answer.status_code == 401
    assert "a expiré" in answer.json_body["detail"]


def test_first_login_changes_the_password_then_enrols_when_mfa_is_required(
    client: Any, totp: Any, mfa_required: None, forge_token: Callable[..., str]
) -> None:
    admin = {"Authorization": "Bearer " + forge_token(**{"cognito:username": "admin", "cognito:groups": ["admin"]})}
    invited = post(client, "/admin/accounts", {"username": "corg34.dupont", "group": "corg-34"}, admin)
    assert invited.status_code == 201
    first = login(client, "corg34.dupont", invited.json_body["temporary_password"]).json_body
    assert first["challenge"] == "new_password"
    assert "12 caractères" in first["password_policy"]
    step = {"username": "corg34.dupont", "session": first["session"], "challenge": "new_password"}
    weak = post(client, "/auth/challenge", {**step, "new_password": "motdepasse"})
    assert weak.status_code == 400
    assert weak.json_body["errors"][0]["field"] == "new_password"
    assert "une majuscule" in weak.json_body["errors"][0]["message"]
    setup = post(client, "/auth/challenge", {**step, "new_password": "Nouveau-Mot-2026!"}).json_body
    assert setup["challenge"] == "mfa_setup" and setup["secret"] == totp.secret
    assert setup["qr"].startswith("data:image/svg+xml;base64,")
    code = {"username": "corg34.dupont", "session": setup["session"], "challenge": "mfa_setup", "code": totp.now()}
    tokens = post(client, "/auth/challenge", code).json_body
    assert tokens["mfa"] is True and tokens["groups"] == ["corg-34"]
    assert login(client, "corg34.dupont", "Nouveau-Mot-2026!").json_body["challenge"] == "totp"


def test_where_mfa_is_required_a_password_alone_never_gives_tokens(client: Any, mfa_required: None) -> None:
    answer = login(client, "corg-74")
    assert answer.status_code == 403
    assert "double authentification" in answer.json_body["detail"]


def test_refresh_gives_fresh_tokens_until_logout(client: Any) -> None:
    tokens = login(client, "corg-34").json_body
    refreshed = post(client, "/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert refreshed.json_body["groups"] == ["corg-34"] and refreshed.json_body["id_token"].count(".") == 2
    assert post(client, "/auth/logout", {"access_token": tokens["access_token"]}).status_code == 204
    ended = post(client, "/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert ended.status_code == 401
    assert "reconnectez-vous" in ended.json_body["detail"]


def test_a_disabled_account_cannot_refresh(client: Any, auth_header: Headers) -> None:
    tokens = login(client, "corg-74").json_body
    assert post(client, "/admin/accounts/corg-74/disable", {}, auth_header("admin")).status_code == 200
    assert post(client, "/auth/refresh", {"refresh_token": tokens["refresh_token"]}).status_code == 401

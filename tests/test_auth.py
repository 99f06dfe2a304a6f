import json
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.auth import User, authorize
from chalicelib.errors import AppError
from tests.conftest import DEMO_PASSWORD


def user(*groups: str) -> User:
    return User(username="someone", groups=frozenset(groups))


# --- authorize(): who may do what --------------------------------------------------------------


@pytest.mark.parametrize(
    ("groups", "action", "department", "allowed"),
    [
        (["corg-34"], "alerts:send", "34", True),
        (["corg-34"], "alerts:send", "74", False),
        (["corg-2a"], "alerts:send", "2A", True),
        (["corg-34"], "alerts:read", "74", False),
        (["corg-34"], "alerts:retract", "34", True),
        (["corg-34"], "alerts:check", None, True),
        (["opp-ggd34"], "alerts:check", None, False),
        (["opp-ggd34"], "alerts:send", "34", False),
        (["admin"], "alerts:send", "971", True),
        (["corg-34"], "feed:publish", None, False),
        (["opp-ggd34"], "feed:publish", None, True),
        (["opp-ggd34"], "prevention:push", None, True),
        (["admin"], "feed:remove", None, True),
        ([], "alerts:check", None, False),
        (["corg-34", "corg-34-chef"], "accounts:invite", "34", True),
        (["corg-34", "corg-34-chef"], "accounts:disable", "74", False),
        (["corg-34", "corg-34-chef"], "accounts:invite", None, False),
        (["corg-34"], "accounts:invite", "34", False),
        (["corg-34-chef"], "audit:read", None, False),
        (["admin"], "audit:read", None, True),
        (["admin"], "accounts:remove", None, True),
        (["opp-ggd34"], "accounts:read", None, False),
    ],
)
def test_authorize_follows_groups_and_departement(
    groups: list[str], action: str, department: str | None, allowed: bool
) -> None:
    if allowed:
        authorize(user(*groups), action, department)
    else:
        with pytest.raises(AppError) as raised:
            authorize(user(*groups), action, department)
        assert raised.value.status == 403


def test_a_corg_refused_another_departement_is_told_why() -> None:
    with pytest.raises(AppError) as raised:
        authorize(user("corg-34"), "alerts:send", "74")
    assert "votre département" in raised.value.detail


def test_a_chief_refused_another_departement_is_told_why() -> None:
    with pytest.raises(AppError) as raised:
        authorize(user("corg-34", "corg-34-chef"), "accounts:disable", "74")
    assert "votre CORG" in raised.value.detail and "74" in raised.value.detail


def test_group_departements_read_both_operator_and_chief_groups() -> None:
    from chalicelib.auth import chief_group, corg_group, group_department

    assert (corg_group("2A"), chief_group("2A")) == ("corg-2a", "corg-2a-chef")
    assert group_department("corg-2a-chef") == group_department("corg-2a") == "2A"
    assert group_department("opp-ggd34") is None


def test_a_corg_cannot_publish_the_national_feed() -> None:
    with pytest.raises(AppError) as raised:
        authorize(user("corg-34"), "feed:publish")
    assert "OPP du GGD34" in raised.value.detail


# --- login ------------------------------------------------------------------------------------


def post_login(client: Any, username: str, password: str) -> Any:
    return client.http.post(
        "/auth/login",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"username": username, "password": password}),
    )


def test_a_corg_logs_in_and_gets_its_groups(client: Any) -> None:
    response = post_login(client, "corg-34", DEMO_PASSWORD)
    assert response.status_code == 200
    assert response.json_body["groups"] == ["corg-34"]
    assert response.json_body["expires_in"] > 0
    assert response.json_body["id_token"].count(".") == 2


def test_wrong_password_and_unknown_user_get_the_same_401(client: Any) -> None:
    wrong = post_login(client, "corg-34", "not-the-password")
    unknown = post_login(client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json_body == unknown.json_body
    assert wrong.headers["Content-Type"] == "application/problem+json"
    assert wrong.json_body["detail"] == "Identifiant ou mot de passe incorrect."


def test_login_body_is_validated(client: Any) -> None:
    response = client.http.post(
        "/auth/login", headers={"Content-Type": "application/json"}, body=json.dumps({"username": "x", "extra": 1})
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json_body["errors"]}
    assert fields == {"password", "extra"}


# --- token verification: the matrix -----------------------------------------------------------


def verify(header: str | None) -> Any:
    from chalicelib.auth import authenticate

    return authenticate(header)


def test_a_real_cognito_token_is_accepted(operator_token: Callable[[str], str]) -> None:
    operator = verify(f"Bearer {operator_token('opp-ggd34')}")
    assert operator.username == "opp-ggd34"
    assert operator.groups == frozenset({"opp-ggd34"})


@pytest.mark.parametrize("header", [None, ""])
def test_no_token_is_a_401(aws: Any, header: str | None) -> None:
    with pytest.raises(AppError) as raised:
        verify(header)
    assert (raised.value.status, raised.value.code) == (401, "unauthenticated")


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Bearer not-a-jwt", "Bearer a.b.c", "Token x.y.z"])
def test_malformed_tokens_are_a_401(aws: Any, header: str) -> None:
    with pytest.raises(AppError) as raised:
        verify(header)
    assert raised.value.status == 401


def test_a_token_signed_by_another_key_is_a_401(forge_token: Callable[..., str]) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(AppError) as raised:
        verify(f"Bearer {forge_token(signing_key=other)}")
    assert raised.value.code == "invalid_token"


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": 1_000_000},
        {"aud": "another-client"},
        {"iss": "https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_other"},
        {"token_use": "access"},
        {"exp": None},
    ],
    ids=["expired", "wrong-client", "wrong-issuer", "access-token", "no-expiry"],
)
def test_tokens_with_wrong_claims_are_a_401(forge_token: Callable[..., str], claims: dict[str, Any]) -> None:
    with pytest.raises(AppError) as raised:
        verify(f"Bearer {forge_token(**claims)}")
    assert raised.value.status == 401


def test_an_expired_token_says_the_session_expired(forge_token: Callable[..., str]) -> None:
    with pytest.raises(AppError) as raised:
        verify(f"Bearer {forge_token(exp=1_000_000)}")
    assert "expiré" in raised.value.detail


def test_an_unknown_key_id_is_a_401(forge_token: Callable[..., str]) -> None:
    with pytest.raises(AppError):
        verify(f"Bearer {forge_token(kid='unknown-key')}")


def test_a_forged_token_with_valid_signature_carries_its_groups(forge_token: Callable[..., str]) -> None:
    operator = verify(f"Bearer {forge_token(**{'cognito:groups': ['corg-74']})}")
    assert operator.groups == frozenset({"corg-74"})

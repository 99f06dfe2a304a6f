"""Accounts managed in the console (admin everywhere, a CORG chief for its département), their audit
log, and withdrawal: a disabled operator, or one taken out of its group, is refused at its next
write within a minute, with nothing sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.config import get_settings
from tests.conftest import DEMO_PASSWORD, AwsFaults

Headers = Callable[[str], dict[str, str]]
ALERT = {
    "department": "34",
    "text": "Montpellier : cambriolages de maisons en fin de journée, fermez portes et fenêtres.",
    "offence_type": "cambriolage_habitation",
    "offence_established": True,
}


def post(client: Any, path: str, headers: dict[str, str], body: dict[str, Any] | None = None) -> Any:
    return client.http.post(path, headers={**headers, "Content-Type": "application/json"}, body=json.dumps(body or {}))


def invite(client: Any, headers: dict[str, str], username: str, group: str) -> Any:
    return post(client, "/admin/accounts", headers, {"username": username, "group": group})


def login(client: Any, username: str, password: str = DEMO_PASSWORD) -> Any:
    body = json.dumps({"username": username, "password": password})
    return client.http.post("/auth/login", headers={"Content-Type": "application/json"}, body=body)


def cognito() -> Any:
    from chalicelib import aws

    return aws.client("cognito-idp")


# --- Withdrawal --------------------------------------------------------------------------------


def test_a_disabled_operator_is_refused_at_its_next_send_and_nothing_is_sent(
    client: Any, auth_header: Headers, published: Callable[[str | None], list[Any]]
) -> None:
    corg = auth_header("corg-34")
    assert post(client, "/corg/alerts", corg, ALERT).status_code == 201
    assert post(client, "/admin/accounts/corg-34/disable", auth_header("admin")).status_code == 200
    refused = post(client, "/corg/alerts", corg, {**ALERT, "text": ALERT["text"].replace("maisons", "villas")})
    assert refused.status_code == 401
    assert "désactivé" in refused.json_body["detail"]
    assert len(published("34")) == 1
    log = client.http.get("/corg/alerts?department=34", headers=auth_header("admin")).json_body["entries"]
    assert [entry["kind"] for entry in log] == ["sent"]


def test_a_change_made_in_cognito_itself_is_seen_within_a_minute(
    client: Any, auth_header: Headers, published: Callable[[str | None], list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import chalicelib.auth

    corg = auth_header("corg-34")
    assert post(client, "/corg/alerts", corg, ALERT).status_code == 201
    cognito().admin_remove_user_from_group(
        UserPoolId=get_settings().cognito_user_pool_id, Username="corg-34", GroupName="corg-34"
    )
    later = chalicelib.auth.time.monotonic() + get_settings().access_recheck_seconds
    monkeypatch.setattr(chalicelib.auth.time, "monotonic", lambda: later)
    refused = post(client, "/corg/alerts", corg, {**ALERT, "text": ALERT["text"].replace("maisons", "villas")})
    assert refused.status_code == 403
    assert "retirés" in refused.json_body["detail"]
    assert len(published("34")) == 1
    assert client.http.delete("/corg/alerts/34", headers=corg).status_code == 403


def test_the_recheck_is_never_cached_longer_than_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCESS_RECHECK_SECONDS", "3600")
    get_settings.cache_clear()
    assert get_settings().access_recheck_seconds == 60
    get_settings.cache_clear()


WRITES = [
    ("POST", "/corg/alerts", ALERT),
    ("DELETE", "/corg/alerts/34", None),
    ("POST", "/opp/feed", {"title": "Partir serein", "body": "Inscrivez-vous à l'OTV avant de partir.", "kind": "otv"}),
    ("DELETE", "/opp/feed/" + "0" * 32, None),
    ("POST", "/opp/prevention-push", {"text": "Bientôt les vacances : pensez à l'opération tranquillité vacances."}),
    ("PUT", "/opp/alert-advice", {"items": [{"id": "volets", "text": "Fermez vos volets."}], "revision": 0}),
    ("POST", "/admin/accounts", {"username": "corg34.martin", "group": "corg-34"}),
    ("POST", "/admin/accounts/corg-74/disable", {}),
    ("POST", "/admin/accounts/corg-74/enable", {}),
    ("POST", "/admin/accounts/corg-74/reset-mfa", {}),
    ("POST", "/admin/accounts/corg-74/invitation", {}),
    ("DELETE", "/admin/accounts/corg-74", None),
]


def test_the_list_of_writes_covers_every_operator_write_route() -> None:
    from chalicelib.openapi import document

    described = {
        (method.upper(), path)
        for path, operations in document()["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
        and method in ("post", "put", "delete")
        and not path.startswith("/me/")
        and path != "/corg/alerts/check"
    }
    concrete = {
        (method, path.replace("34", "{department}").replace("corg-74", "{username}")) for method, path, _ in WRITES
    }
    concrete = {(m, p.replace("/opp/feed/" + "0" * 32, "/opp/feed/{item_id}")) for m, p in concrete}
    assert concrete == described


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_every_write_of_a_disabled_admin_is_refused_and_changes_nothing(
    client: Any, auth_header: Headers, aws_faults: AwsFaults, method: str, path: str, body: dict[str, Any] | None
) -> None:
    headers = auth_header("admin")
    cognito().admin_disable_user(UserPoolId=get_settings().cognito_user_pool_id, Username="admin")
    aws_faults.calls.clear()
    answer = client.http.request(
        method, path, headers={**headers, "Content-Type": "application/json"}, body=json.dumps(body) if body else None
    )
    assert answer.status_code == 401, answer.json_body
    assert answer.json_body["code"] == "account_disabled"
    reads = ("cognito-idp:AdminGetUser", "cognito-idp:AdminListGroupsForUser")
    assert [call for call in aws_faults.calls if call not in reads] == []


# --- Accounts ----------------------------------------------------------------------------------


def test_an_admin_invites_an_operator_who_sets_a_password_at_first_login(client: Any, auth_header: Headers) -> None:
    invited = invite(client, auth_header("admin"), "corg34.dupont", "corg-34")
    assert invited.status_code == 201
    temporary = invited.json_body["temporary_password"]
    assert len(temporary) >= 12
    assert login(client, "corg34.dupont", temporary).json_body["challenge"] == "new_password"
    listed = client.http.get("/admin/accounts?group=corg-34", headers=auth_header("admin")).json_body
    account = next(a for a in listed["accounts"] if a["username"] == "corg34.dupont")
    assert account["status"] == "FORCE_CHANGE_PASSWORD" and account["enabled"] and not account["mfa"]
    assert invite(client, auth_header("admin"), "corg34.dupont", "corg-34").status_code == 409


def test_a_resent_invitation_carries_a_new_temporary_password(client: Any, auth_header: Headers) -> None:
    first = invite(client, auth_header("chef-34"), "corg34.leroy", "corg-34").json_body["temporary_password"]
    resent = post(client, "/admin/accounts/corg34.leroy/invitation", auth_header("chef-34"))
    assert resent.status_code == 200
    second = resent.json_body["temporary_password"]
    assert second != first
    assert login(client, "corg34.leroy", first).status_code == 401
    assert login(client, "corg34.leroy", second).json_body["challenge"] == "new_password"
    assert post(client, "/admin/accounts/corg-34/invitation", auth_header("admin")).status_code == 409


def test_disable_then_enable(client: Any, auth_header: Headers) -> None:
    admin = auth_header("admin")
    assert post(client, "/admin/accounts/corg-74/disable", admin).json_body == {"username": "corg-74", "enabled": False}
    refused = login(client, "corg-74")
    assert refused.status_code == 401
    assert refused.json_body["detail"] == "Identifiant ou mot de passe incorrect."
    assert post(client, "/admin/accounts/corg-74/enable", admin).status_code == 200
    assert login(client, "corg-74").status_code == 200


def test_reset_mfa_turns_the_second_factor_off(client: Any, auth_header: Headers) -> None:
    pool = get_settings().cognito_user_pool_id
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    user = cognitoidp_backends[DEFAULT_ACCOUNT_ID][get_settings().region].user_pools[pool].users["corg-74"]
    user.token_verified = True
    cognito().admin_set_user_mfa_preference(
        UserPoolId=pool, Username="corg-74", SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    assert login(client, "corg-74").json_body["challenge"] == "totp"
    assert post(client, "/admin/accounts/corg-74/reset-mfa", auth_header("admin")).json_body["mfa"] is False
    assert "id_token" in login(client, "corg-74").json_body


def test_a_chief_manages_its_own_departement_only(client: Any, auth_header: Headers) -> None:
    chief = auth_header("chef-34")
    assert invite(client, chief, "corg34.bernard", "corg-34").status_code == 201
    assert invite(client, chief, "corg74.bernard", "corg-74").status_code == 403
    assert invite(client, chief, "corg34.chef2", "corg-34-chef").status_code == 403
    assert invite(client, chief, "opp.bernard", "opp-ggd34").status_code == 403
    assert post(client, "/admin/accounts/corg-74/disable", chief).status_code == 403
    assert post(client, "/admin/accounts/corg-34/disable", chief).status_code == 200
    assert post(client, "/admin/accounts/chef-34/disable", chief).status_code == 403  # itself
    assert client.http.get("/admin/accounts?group=corg-74", headers=chief).status_code == 403
    listed = client.http.get("/admin/accounts?group=corg-34", headers=chief).json_body["accounts"]
    assert {a["username"] for a in listed} == {"corg-34", "corg34.bernard", "chef-34"}
    assert client.http.get("/admin/audit", headers=chief).status_code == 403


def test_a_chief_removes_its_operator_from_its_group_and_an_admin_deletes(client: Any, auth_header: Headers) -> None:
    pool = get_settings().cognito_user_pool_id
    cognito().admin_add_user_to_group(UserPoolId=pool, Username="corg-74", GroupName="corg-34")
    removed = client.http.delete("/admin/accounts/corg-74", headers=auth_header("chef-34")).json_body
    assert removed == {"username": "corg-74", "deleted": False, "removed_from": ["corg-34"]}
    assert login(client, "corg-74").json_body["groups"] == ["corg-74"]
    assert client.http.delete("/admin/accounts/corg-74", headers=auth_header("chef-34")).status_code == 403
    deleted = client.http.delete("/admin/accounts/corg-74", headers=auth_header("admin")).json_body
    assert deleted["deleted"] is True
    assert login(client, "corg-74").status_code == 401


def test_every_change_is_in_the_audit_log_for_the_admin(client: Any, auth_header: Headers) -> None:
    invite(client, auth_header("chef-34"), "corg34.petit", "corg-34")
    post(client, "/admin/accounts/corg34.petit/disable", auth_header("admin"))
    entries = client.http.get("/admin/audit?limit=10", headers=auth_header("admin")).json_body["entries"]
    assert [(e["by"], e["action"], e["account"]) for e in entries] == [
        ("admin", "disabled", "corg34.petit"),
        ("chef-34", "invited", "corg34.petit"),
    ]
    assert entries[1]["detail"] == "Invité dans le groupe corg-34"
    assert entries[0]["at"].endswith("Z") and entries[0]["action_label"] == "désactivation"


def test_an_invitation_to_an_unknown_group_or_with_a_bad_name_is_a_400(client: Any, auth_header: Headers) -> None:
    bad_group = invite(client, auth_header("admin"), "someone", "corg-20")
    assert bad_group.status_code == 400 and bad_group.json_body["errors"][0]["field"] == "group"
    bad_name = invite(client, auth_header("admin"), "Jean Dupont", "corg-34")
    assert bad_name.status_code == 400 and bad_name.json_body["errors"][0]["field"] == "username"

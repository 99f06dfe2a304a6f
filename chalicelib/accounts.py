"""Operator accounts managed from the console: invite, resend the invitation, disable, re-enable,
reset the second factor, remove; and the audit log of these changes.

Who may act on whom: an `admin` on every account; the chief of a CORG (group `corg-<dept>-chef`) on
the operators of its own département only, i.e. accounts whose groups are all `corg-<dept>`
groups it heads. Only an admin grants `corg-<dept>-chef`, `opp-ggd34` or `admin`. Every change is
written to the alert log under the partition `accounts` (who, what, whom, when), which admins read.
"""

from __future__ import annotations

import logging
import secrets
import string
from datetime import UTC, datetime
from typing import Any

from pydantic import Field, field_validator

from chalicelib import aws
from chalicelib.auth import (
    ACCESS,
    ADMIN,
    CHIEF_SUFFIX,
    CORG_PREFIX,
    OPP,
    User,
    authorize,
    authorize_write,
    corg_group,
    group_department,
)
from chalicelib.config import get_settings
from chalicelib.departements import CODES
from chalicelib.errors import AppError
from chalicelib.validation import Body

log = logging.getLogger(__name__)

AUDIT_PARTITION = "accounts"
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,63}$"
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,190}\.[a-z]{2,}$"
_ACTIONS_FR = {
    "invited": "invitation",
    "invitation_resent": "invitation renvoyée",
    "disabled": "désactivation",
    "enabled": "réactivation",
    "mfa_reset": "double authentification réinitialisée",
    "removed_from_group": "retrait du groupe",
    "deleted": "suppression du compte",
}


def known_groups() -> list[str]:
    """Every group an account can be invited to."""
    plain = [corg_group(code) for code in CODES]
    return [*plain, *(g + CHIEF_SUFFIX for g in plain), OPP, ADMIN]


def _is_plain_corg(group: str) -> bool:
    return group.startswith(CORG_PREFIX) and not group.endswith(CHIEF_SUFFIX)


def group_scope(group: str) -> str | None:
    """The département an action on `group` is authorised for: a chief manages `corg-<dept>`;
    every other group (chiefs, OPP, admin) is an admin's (None)."""
    return group_department(group) if _is_plain_corg(group) else None


class InviteBody(Body):
    username: str = Field(pattern=USERNAME_PATTERN, description="Identifiant (minuscules, chiffres, . _ -)")
    group: str = Field(min_length=3, max_length=40)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)

    @field_validator("username", "email", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("group")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in known_groups():
            raise ValueError("Groupe inconnu : corg-<département>, corg-<département>-chef, opp-ggd34 ou admin.")
        return value


def _cognito() -> Any:
    if not get_settings().cognito_user_pool_id:
        raise AppError("service_unavailable", "Le service d'authentification n'est pas configuré.")
    return aws.client("cognito-idp")


# --- Reading ----------------------------------------------------------------------------------


def list_accounts(actor: User, group: str) -> list[dict[str, Any]]:
    authorize(actor, "accounts:read", group_scope(group))
    cognito = _cognito()
    pool = get_settings().cognito_user_pool_id
    accounts = []
    try:
        for page in cognito.get_paginator("list_users_in_group").paginate(UserPoolId=pool, GroupName=group):
            for user in page.get("Users", []):
                accounts.append(_account(cognito, pool, user))
    except Exception as exc:
        if aws.error_code(exc) == "ResourceNotFoundException":
            raise AppError("not_found", "Ce groupe n'existe pas.") from None
        raise
    return sorted(accounts, key=lambda a: a["username"])


def _account(cognito: Any, pool: str, user: dict[str, Any]) -> dict[str, Any]:
    attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
    detail = cognito.admin_get_user(UserPoolId=pool, Username=user["Username"])
    created = user.get("UserCreateDate")
    return {
        "username": user["Username"],
        "email": attributes.get("email"),
        "status": user.get("UserStatus", ""),
        "enabled": bool(user.get("Enabled", False)),
        "mfa": "SOFTWARE_TOKEN_MFA" in (detail.get("UserMFASettingList") or []),
        "created_at": _iso(created) if isinstance(created, datetime) else None,
    }


def audit_log(actor: User, limit: int) -> list[dict[str, Any]]:
    from chalicelib.models import AlertLogEntry

    authorize(actor, "audit:read")
    entries = AlertLogEntry.query(AUDIT_PARTITION, scan_index_forward=False, limit=limit)
    return [
        {
            "at": _iso(entry.created_at),
            "by": entry.sent_by,
            "action": entry.kind.removeprefix("account_"),
            "action_label": _ACTIONS_FR.get(entry.kind.removeprefix("account_"), entry.kind),
            "account": entry.target,
            "detail": entry.text,
        }
        for entry in entries
    ]


# --- Changes ----------------------------------------------------------------------------------


def invite(actor: User, body: InviteBody) -> dict[str, Any]:
    """Creates the account in `body.group`. On AWS, Cognito e-mails the temporary password; on the
    local stage (no e-mail) the answer carries it, shown once by the console."""
    authorize_write(actor, "accounts:invite", group_scope(body.group))
    settings = get_settings()
    if not settings.is_local and not body.email:
        from chalicelib.errors import field_error

        raise field_error("email", "Indiquez l'adresse e-mail où envoyer le mot de passe provisoire.")
    cognito = _cognito()
    pool = get_settings().cognito_user_pool_id
    request: dict[str, Any] = {"UserPoolId": pool, "Username": body.username}
    if body.email:
        request["UserAttributes"] = [
            {"Name": "email", "Value": body.email},
            {"Name": "email_verified", "Value": "true"},
        ]
    temporary = None
    if settings.is_local:
        temporary = temporary_password()
        request.update(MessageAction="SUPPRESS", TemporaryPassword=temporary)
    else:
        request["DesiredDeliveryMediums"] = ["EMAIL"]
    try:
        cognito.admin_create_user(**request)
    except Exception as exc:
        if aws.error_code(exc) == "UsernameExistsException":
            raise AppError("account_exists") from None
        raise
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=body.username, GroupName=body.group)
    detail = f"Invité dans le groupe {body.group}" + (f" ({body.email})" if body.email else "")
    _audit(actor, "invited", body.username, detail)
    answer: dict[str, Any] = {"username": body.username, "group": body.group, "status": "FORCE_CHANGE_PASSWORD"}
    if temporary:
        answer["temporary_password"] = temporary
    return answer


def resend_invitation(actor: User, username: str) -> dict[str, Any]:
    _may_manage_someone(actor, "accounts:resend")
    cognito = _cognito()
    pool = get_settings().cognito_user_pool_id
    target = _target(cognito, pool, username)
    _authorize_on(actor, "accounts:resend", target["groups"])
    if target["status"] != "FORCE_CHANGE_PASSWORD":
        raise AppError("conflict", "Ce compte est déjà activé : son invitation ne peut plus être renvoyée.")
    answer: dict[str, Any] = {"username": username}
    if get_settings().is_local:
        answer["temporary_password"] = temporary = temporary_password()
        cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=temporary, Permanent=False)
    else:
        cognito.admin_create_user(
            UserPoolId=pool, Username=username, MessageAction="RESEND", DesiredDeliveryMediums=["EMAIL"]
        )
    _audit(actor, "invitation_resent", username, "Nouveau mot de passe provisoire")
    return answer


def disable(actor: User, username: str) -> dict[str, Any]:
    _may_manage_someone(actor, "accounts:disable")
    cognito = _cognito()
    pool = get_settings().cognito_user_pool_id
    target = _target(cognito, pool, username)
    _authorize_on(actor, "accounts:disable", target["groups"], username=username)
    cognito.admin_disable_user(UserPoolId=pool, Username=username)
    cognito.admin_user_global_sign_out(UserPoolId=pool, Username=username)
    ACCESS.forget(username)
    _audit(actor, "disabled", username, "Compte désactivé, sessions fermées")
    return {"username": username, "enabled": False}


def enable(actor: User, username: str) -> dict[str, Any]:
    _may_manage_someone(actor, "accounts:enable")
    cognito = _cognito()
    pool = get_settings().cognito_user_pool_id
    target = _target(cognito, pool, username)
    _authorize_on(actor, "accounts:enable", target["groups"], username=username)
    cognito.admin_enable_user(UserPoolId=pool, Username=username)
    ACCESS.forget(username)
    _audit(actor, "enabled", username, "Compte réactivé")
    return {"username": username, "enabled": True}


def reset_mfa(actor: User, username: str) -> dict[str, Any]:
    """Turns the account's TOTP off and ends its sessions: at its next login it enrols a new
    authenticator (required stages) or may do so (local)."""
    _may_manage_someone(actor, "accounts:reset-mfa")
    cognito = _cognito()
    pool = get_settings().cognito_user_pool_id
    target = _target(cognito, pool, username)
    _authorize_on(actor, "accounts:reset-mfa", target["groups"], username=username)
    cognito.admin_set_user_mfa_preference(
        UserPoolId=pool, Username=username, SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False}
    )
    cognito.admin_user_global_sign_out(UserPoolId=pool, Username=username)
    _audit(actor, "mfa_reset", username, "Double authentification à refaire, sessions fermées")
    return {"username": username, "mfa": False}


def remove(actor: User, username: str) -> dict[str, Any]:
    """Takes the account out of the groups `actor` manages (a chief: its département's); an account
    left in no group is deleted. Its sessions end either way."""
    _may_manage_someone(actor, "accounts:remove")
    cognito = _cognito()
    pool = get_settings().cognito_user_pool_id
    target = _target(cognito, pool, username)
    if username.lower() == actor.username.lower():
        raise AppError("forbidden", "Vous ne pouvez pas supprimer votre propre compte.")
    if ADMIN in actor.groups:
        mine = set(target["groups"])
        authorize_write(actor, "accounts:remove", None)
    else:
        mine = {g for g in target["groups"] if _is_plain_corg(g) and group_scope(g) and _heads(actor, g)}
        if not mine:
            _authorize_on(actor, "accounts:remove", target["groups"])  # raises: not one of its operators
        for group in mine:
            authorize_write(actor, "accounts:remove", group_scope(group))
    for group in sorted(mine):
        cognito.admin_remove_user_from_group(UserPoolId=pool, Username=username, GroupName=group)
        _audit(actor, "removed_from_group", username, f"Retiré du groupe {group}")
    cognito.admin_user_global_sign_out(UserPoolId=pool, Username=username)
    deleted = not (set(target["groups"]) - mine)
    if deleted:
        cognito.admin_delete_user(UserPoolId=pool, Username=username)
        _audit(actor, "deleted", username, "Compte supprimé")
    ACCESS.forget(username)
    return {"username": username, "deleted": deleted, "removed_from": sorted(mine)}


def _heads(actor: User, group: str) -> bool:
    return f"{group}{CHIEF_SUFFIX}" in actor.groups


def _may_manage_someone(actor: User, action: str) -> None:
    """Before reading the target: an operator who is neither admin nor a chief is refused at once."""
    if ADMIN not in actor.groups and not any(g.endswith(CHIEF_SUFFIX) for g in actor.groups):
        authorize(actor, action, None)


def _target(cognito: Any, pool: str, username: str) -> dict[str, Any]:
    """The account's status and groups as Cognito has them now (404 if there is none)."""
    try:
        user = cognito.admin_get_user(UserPoolId=pool, Username=username)
        groups: list[str] = []
        for page in cognito.get_paginator("admin_list_groups_for_user").paginate(UserPoolId=pool, Username=username):
            groups.extend(g["GroupName"] for g in page.get("Groups", []))
    except Exception as exc:
        if aws.error_code(exc) == "UserNotFoundException":
            raise AppError("not_found", "Ce compte n'existe pas.") from None
        raise
    return {"status": user.get("UserStatus", ""), "enabled": user.get("Enabled", False), "groups": groups}


def _authorize_on(actor: User, action: str, groups: list[str], *, username: str | None = None) -> None:
    """`actor` may act on an account only if it may act on every group of the account."""
    if username and username.lower() == actor.username.lower():
        raise AppError("forbidden", "Vous ne pouvez pas faire cette action sur votre propre compte.")
    scopes = {group_scope(g) for g in groups} or {None}
    for scope in sorted(scopes, key=lambda s: s or ""):
        authorize_write(actor, action, scope)


def _audit(actor: User, action: str, target: str, detail: str) -> None:
    from chalicelib.alerts import LOG_RETENTION
    from chalicelib.models import AlertLogEntry

    now = datetime.now(UTC)
    AlertLogEntry(
        AUDIT_PARTITION,
        f"{now.isoformat(timespec='microseconds').replace('+00:00', 'Z')}#{secrets.token_hex(6)}",
        kind=f"account_{action}",
        sent_by=actor.username,
        target=target,
        text=detail,
        created_at=now,
        expires_at=now + LOG_RETENTION,
    ).save()
    log.info("account %s", action, extra={"operator": actor.username})


def temporary_password() -> str:
    """A temporary password that meets the pool's policy (local stage only: on AWS Cognito makes it)."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(14))
    return (
        secrets.choice(string.ascii_uppercase)
        + secrets.choice(string.ascii_lowercase)
        + secrets.choice(string.digits)
        + secrets.choice("!?-_@#")
        + core
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

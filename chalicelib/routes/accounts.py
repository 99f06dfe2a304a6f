"""Operator accounts, managed by admins and CORG chiefs (`chalicelib.accounts`), and their audit log."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.errors import field_error
from chalicelib.routes import ApiBlueprint, json_response

bp = ApiBlueprint(__name__)


@bp.route("/admin/accounts", methods=["GET"])
def list_accounts() -> dict[str, Any]:
    from chalicelib import accounts

    user = bp.operator()
    group = (bp.query("group") or "").strip().lower()
    if group not in accounts.known_groups():
        raise field_error("group", "Indiquez le groupe (?group=corg-34).", "invalid_parameter")
    return {"group": group, "accounts": accounts.list_accounts(user, group)}


@bp.route("/admin/accounts", methods=["POST"])
def invite() -> Response:
    from chalicelib import accounts

    user = bp.operator()
    return json_response(accounts.invite(user, bp.body(accounts.InviteBody)), status=201)


@bp.route("/admin/accounts/{username}/invitation", methods=["POST"])
def resend_invitation(username: str) -> dict[str, Any]:
    from chalicelib import accounts

    return accounts.resend_invitation(bp.operator(), _username(username))


@bp.route("/admin/accounts/{username}/disable", methods=["POST"])
def disable(username: str) -> dict[str, Any]:
    from chalicelib import accounts

    return accounts.disable(bp.operator(), _username(username))


@bp.route("/admin/accounts/{username}/enable", methods=["POST"])
def enable(username: str) -> dict[str, Any]:
    from chalicelib import accounts

    return accounts.enable(bp.operator(), _username(username))


@bp.route("/admin/accounts/{username}/reset-mfa", methods=["POST"])
def reset_mfa(username: str) -> dict[str, Any]:
    from chalicelib import accounts

    return accounts.reset_mfa(bp.operator(), _username(username))


@bp.route("/admin/accounts/{username}", methods=["DELETE"])
def remove(username: str) -> dict[str, Any]:
    from chalicelib import accounts

    return accounts.remove(bp.operator(), _username(username))


@bp.route("/admin/audit", methods=["GET"])
def audit_log() -> dict[str, Any]:
    from chalicelib import accounts

    user = bp.operator()
    limit = bp.query_int("limit", default=50, low=1, high=200)
    return {"entries": accounts.audit_log(user, limit)}


def _username(raw: str) -> str:
    import re
    from urllib.parse import unquote

    from chalicelib.accounts import USERNAME_PATTERN

    name = unquote(raw).strip().lower()
    if not re.fullmatch(USERNAME_PATTERN, name):
        raise field_error("username", "Identifiant invalide.", "invalid_parameter")
    return name

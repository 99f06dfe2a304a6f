"""Operator sign-in (CORG shift chiefs, OPP of GGD34, administrators): password, Cognito's
challenges, refresh, logout, and TOTP enrolment of a signed-in operator."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.routes import ApiBlueprint

bp = ApiBlueprint(__name__)


@bp.route("/auth/login", methods=["POST"])
def login() -> dict[str, Any]:
    from chalicelib import login

    body = bp.body(login.LoginBody)
    return login.login(body.username, body.password, client=bp.client_address())


@bp.route("/auth/challenge", methods=["POST"])
def answer_challenge() -> dict[str, Any]:
    from chalicelib import login

    return login.answer_challenge(bp.body(login.ChallengeBody), client=bp.client_address())


@bp.route("/auth/refresh", methods=["POST"])
def refresh() -> dict[str, Any]:
    from chalicelib import login

    return login.refresh(bp.body(login.RefreshBody).refresh_token)


@bp.route("/auth/logout", methods=["POST"])
def logout() -> Response:
    from chalicelib import login

    login.logout(bp.body(login.LogoutBody).access_token)
    return Response(body="", status_code=204)


@bp.route("/me/mfa", methods=["POST"])
def start_mfa_enrolment() -> dict[str, Any]:
    from chalicelib import login

    user = bp.operator()
    return login.start_enrolment(bp.body(login.EnrolBody).access_token, user.username)


@bp.route("/me/mfa/confirm", methods=["POST"])
def confirm_mfa_enrolment() -> dict[str, Any]:
    from chalicelib import login

    user = bp.operator()
    body = bp.body(login.ConfirmEnrolBody)
    return login.confirm_enrolment(body.access_token, user.username, body.code)


@bp.route("/admin/metrics", methods=["GET"])
def read_metrics() -> dict[str, Any]:
    """The product's figures of the last `minutes` (default 60), summed: administrators only."""
    from chalicelib import observability
    from chalicelib.auth import authorize

    authorize(bp.operator(), "metrics:read")
    minutes = bp.query_int("minutes", default=60, low=1, high=180)
    return observability.summary(minutes * 60)

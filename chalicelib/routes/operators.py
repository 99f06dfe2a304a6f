"""Operator login (CORG shift chiefs, OPP of GGD34, administrators)."""

from __future__ import annotations

from typing import Any

from chalicelib.routes import ApiBlueprint

bp = ApiBlueprint(__name__)


@bp.route("/auth/login", methods=["POST"])
def login() -> dict[str, Any]:
    from chalicelib import auth

    body = bp.body(auth.LoginBody)
    return auth.login(body.username, body.password)

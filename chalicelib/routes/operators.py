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


@bp.route("/admin/metrics", methods=["GET"])
def read_metrics() -> dict[str, Any]:
    """The product's figures of the last `minutes` (default 60), summed: administrators only."""
    from chalicelib import observability
    from chalicelib.auth import authorize

    authorize(bp.operator(), "metrics:read")
    minutes = bp.query_int("minutes", default=60, low=1, high=180)
    return observability.summary(minutes * 60)

"""Public routes that every client reads: health and the list of départements."""

from __future__ import annotations

from typing import Any

from chalicelib import departements
from chalicelib.routes import ApiBlueprint

bp = ApiBlueprint(__name__)


@bp.route("/health", methods=["GET"])
def health() -> dict[str, Any]:
    return {"status": "ok"}


@bp.route("/departments", methods=["GET"])
def list_departments() -> dict[str, Any]:
    return {"departments": departements.listing()}

"""Public routes that every client reads: health and the list of départements."""

from __future__ import annotations

from typing import Any

from chalicelib import departements
from chalicelib.routes import ApiBlueprint

bp = ApiBlueprint(__name__)


@bp.route("/health", methods=["GET"])
def health() -> dict[str, Any]:
    """Up, with the date of the data the brigade search answers from (DESIGN §7)."""
    from chalicelib import dataset
    from chalicelib.config import get_settings

    return {"status": "ok", "data": dataset.info(get_settings().data_dir)}


@bp.route("/departments", methods=["GET"])
def list_departments() -> dict[str, Any]:
    return {"departments": departements.listing()}


@bp.route("/feed", methods=["GET"])
def read_feed() -> dict[str, Any]:
    from chalicelib import feed

    return feed.page(limit=bp.query_int("limit", default=20, low=1, high=50), cursor=bp.query("cursor"))

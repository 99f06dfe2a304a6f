"""Brigade search for citizens: communes by name or code, units by position or id (DESIGN §7).

The position query carries coordinates: its answer is never cached by a shared cache and no
position is logged here or in the domain code.
"""

from __future__ import annotations

from chalice.app import Response

from chalicelib.routes import ApiBlueprint, json_response

bp = ApiBlueprint(__name__)

PRIVATE = {"Cache-Control": "no-store"}


@bp.route("/communes", methods=["GET"])
def search_communes() -> Response:
    from chalicelib import brigades, departements

    text = bp.query_text("q", max_length=100)
    limit = bp.query_int("limit", default=10, low=1, high=50)
    raw_department = bp.query("department")
    department = departements.normalize(raw_department) if raw_department else None
    found = brigades.search_communes(text, limit=limit, department=department)
    return json_response({"results": found})


@bp.route("/brigades/nearest", methods=["GET"])
def nearest_brigades() -> Response:
    from chalicelib import brigades

    lat = bp.query_float("lat", low=-90, high=90)
    lon = bp.query_float("lon", low=-180, high=180)
    limit = bp.query_int("limit", default=3, low=1, high=20)
    return json_response(brigades.nearest(lat=lat, lon=lon, limit=limit), headers=PRIVATE)


@bp.route("/brigades/{unit_id}", methods=["GET"])
def get_unit(unit_id: str) -> Response:
    from chalicelib import brigades

    return json_response(brigades.unit(unit_id))

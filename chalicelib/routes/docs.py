"""The API's own description: `GET /openapi.json` (OpenAPI 3.1, see chalicelib/openapi.py)."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.routes import ApiBlueprint, json_response

bp = ApiBlueprint(__name__)


@bp.route("/openapi.json", methods=["GET"])
def openapi_description() -> Response:
    from chalicelib import openapi

    return json_response(openapi.document())

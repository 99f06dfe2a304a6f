"""Public reading pages: prevention advice, what to do after a burglary, OTV information."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.routes import ApiBlueprint, json_response

bp = ApiBlueprint(__name__)

# The pages change only with a deployment: browsers and the CDN keep them (chalicelib/caching.py).


@bp.route("/content/prevention", methods=["GET"])
def content_prevention() -> Response:
    from chalicelib import content

    return json_response(content.prevention(bp.query("audience")))


@bp.route("/content/victim", methods=["GET"])
def content_victim() -> Response:
    from chalicelib import content

    return json_response(content.victim())


@bp.route("/content/otv", methods=["GET"])
def content_otv() -> Response:
    from chalicelib import brigades, content

    code = bp.query("commune")
    commune = brigades.commune(code) if code is not None else None
    return json_response(content.otv(commune))

"""What the web app needs before subscribing its browser: the VAPID public key."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.config import get_settings
from chalicelib.errors import AppError
from chalicelib.routes import ApiBlueprint, json_response

bp = ApiBlueprint(__name__)


@bp.route("/webpush/public-key", methods=["GET"])
def public_key() -> Response:
    """`applicationServerKey` for `PushManager.subscribe()` (base64url, uncompressed P-256 point)."""
    key = get_settings().vapid_public_key
    if not key:
        raise AppError("service_unavailable", "Les notifications du navigateur ne sont pas encore disponibles.")
    return json_response({"public_key": key})

"""Citizens' push subscriptions (iOS and Android through SNS; web push)."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.routes import ApiBlueprint, json_response

bp = ApiBlueprint(__name__)


@bp.route("/subscriptions", methods=["POST"])
def create_subscription() -> Response:
    from chalicelib import subscriptions

    body = bp.body(subscriptions.SubscriptionBody)
    return json_response(subscriptions.register(body, client=bp.client_address()), 201)


@bp.route("/subscriptions/{subscription_id}", methods=["PUT"])
def update_subscription(subscription_id: str) -> dict[str, Any]:
    from chalicelib import subscriptions

    body = bp.body(subscriptions.SubscriptionUpdate)
    return subscriptions.update(subscription_id, body)


@bp.route("/subscriptions/{subscription_id}", methods=["DELETE"])
def delete_subscription(subscription_id: str) -> Response:
    from chalicelib import subscriptions

    subscriptions.unsubscribe(subscription_id)
    return Response(body="", status_code=204)

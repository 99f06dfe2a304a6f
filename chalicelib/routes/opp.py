"""OPP of GGD34 (and admin) only: the national feed, national prevention pushes, the alert advice list."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.routes import ApiBlueprint, json_response

bp = ApiBlueprint(__name__)


@bp.route("/opp/feed", methods=["POST"])
def publish_feed_item() -> Response:
    from chalicelib import feed
    from chalicelib.auth import authorize

    user = bp.operator()
    authorize(user, "feed:publish")
    return json_response(feed.publish(bp.body(feed.FeedItemBody), author=user.username), status=201)


@bp.route("/opp/feed/{item_id}", methods=["DELETE"])
def remove_feed_item(item_id: str) -> Response:
    from chalicelib import feed
    from chalicelib.auth import authorize

    user = bp.operator()
    authorize(user, "feed:remove")
    feed.remove(item_id, author=user.username)
    return Response(body="", status_code=204)


@bp.route("/opp/prevention-push", methods=["POST"])
def prevention_push() -> Response:
    from chalicelib import feed
    from chalicelib.auth import authorize

    user = bp.operator()
    authorize(user, "prevention:push")
    body = bp.body(feed.PreventionPushBody)
    return json_response(feed.push_prevention(body.text, author=user.username), status=201)


@bp.route("/opp/alert-advice", methods=["PUT"])
def save_alert_advice() -> dict[str, Any]:
    from chalicelib import advice
    from chalicelib.auth import authorize

    user = bp.operator()
    authorize(user, "advice:edit")
    return advice.replace(bp.body(advice.AdviceListBody), author=user.username)

"""Alerts: the CORG routes (check, send, retract, log, audience) and the citizens' read."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.errors import field_error
from chalicelib.routes import PROBLEM, ApiBlueprint, json_response

bp = ApiBlueprint(__name__)


@bp.route("/alerts/{department}", methods=["GET"])
def read_current_alert(department: str) -> dict[str, Any]:
    from chalicelib import alerts, departements

    return {"alert": alerts.current_alert(departements.normalize(department))}


@bp.route("/corg/alerts/check", methods=["POST"])
def check_alert() -> dict[str, Any]:
    from chalicelib import alerts
    from chalicelib.auth import authorize

    user = bp.operator()
    authorize(user, "alerts:check")
    return alerts.check(bp.body(alerts.CheckBody))


@bp.route("/corg/alerts", methods=["POST"])
def send_alert() -> Response:
    from chalicelib import alerts, departements, idempotency
    from chalicelib.auth import authorize

    user = bp.operator()
    body = bp.body(alerts.AlertBody)
    department = departements.normalize(body.department)
    authorize(user, "alerts:send", department)
    reply = idempotency.once(
        scope=f"{user.username}#send-alert",
        key=bp.header(idempotency.HEADER),
        request=body,
        status=201,
        run=lambda: alerts.send(department=department, body=body, sender=user.username),
    )
    return _reply(reply)


@bp.route("/corg/alerts/{department}", methods=["DELETE"])
def retract_alert(department: str) -> dict[str, Any]:
    from chalicelib import alerts, departements
    from chalicelib.auth import authorize

    user = bp.operator()
    code = departements.normalize(department)
    authorize(user, "alerts:retract", code)
    return alerts.retract(department=code, sender=user.username)


@bp.route("/corg/alerts", methods=["GET"])
def alert_log() -> dict[str, Any]:
    from chalicelib import alerts
    from chalicelib.auth import authorize

    user = bp.operator()
    department = _department_parameter()
    authorize(user, "alerts:read", department)
    limit = bp.query_int("limit", default=20, low=1, high=100)
    return {"department": department, "entries": alerts.history(department, limit)}


@bp.route("/corg/alert-advice", methods=["GET"])
def alert_advice() -> dict[str, Any]:
    from chalicelib import advice
    from chalicelib.auth import authorize

    user = bp.operator()
    authorize(user, "advice:read")
    return advice.current()


@bp.route("/corg/subscribers", methods=["GET"])
def subscriber_count() -> dict[str, Any]:
    from chalicelib import subscriptions
    from chalicelib.auth import authorize

    user = bp.operator()
    department = _department_parameter()
    authorize(user, "subscribers:count", department)
    return {"department": department, "count": subscriptions.count(department)}


def _department_parameter() -> str:
    from chalicelib import departements

    raw = bp.query("department")
    if not raw:
        raise field_error("department", "Indiquez le département (?department=34).", "invalid_parameter")
    return departements.normalize(raw)


def _reply(reply: Any) -> Response:
    """A stored answer is replayed as it was first given (a refusal stays a problem+json)."""
    headers = {"Content-Type": PROBLEM} if reply.status >= 400 else {}
    if reply.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(reply.body, reply.status, headers)

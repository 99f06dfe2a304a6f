"""Stop Cambriolages API: wiring only (blueprints, middleware). Domain code is in chalicelib/."""

from collections.abc import Callable
from typing import Any

from chalice import Chalice, Rate, Response

from chalicelib.routes import content, corg, docs, finish_response, operators, opp, otv, pages, public, subscriptions

app = Chalice(app_name="stop-cambriolages")
app.api.binary_types.append("application/pdf")

app.register_blueprint(public.bp)
app.register_blueprint(operators.bp)
app.register_blueprint(subscriptions.bp)
app.register_blueprint(content.bp)
app.register_blueprint(otv.bp)
app.register_blueprint(opp.bp)
app.register_blueprint(docs.bp)
app.register_blueprint(pages.bp)
app.register_blueprint(corg.bp)


@app.middleware("http")
def security_headers(event: Any, get_response: Callable[[Any], Response]) -> Response:
    return finish_response(get_response(event))


@app.schedule(Rate(1, unit=Rate.MINUTES))
def retry_alert_deliveries(event: Any) -> None:
    from chalicelib import alerts

    alerts.retry_deliveries()


@app.schedule(Rate(1, unit=Rate.HOURS))
def sweep_expired_subscriptions(event: Any) -> None:
    from chalicelib import subscriptions

    subscriptions.sweep_expired()


@app.schedule(Rate(1, unit=Rate.DAYS))
def sweep_disabled_endpoints(event: Any) -> None:
    from chalicelib import subscriptions

    subscriptions.sweep_disabled()

"""Stop Cambriolages API: wiring only (blueprints, middleware, queue handlers). Domain code is in chalicelib/."""

from collections.abc import Callable
from typing import Any

from chalice import Chalice, Cron, Rate, Response
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib import observability
from chalicelib.config import get_settings
from chalicelib.routes import (
    accounts,
    brigades,
    content,
    corg,
    docs,
    finish_response,
    operators,
    opp,
    otv,
    pages,
    public,
    subscriptions,
    webpush,
)

app = Chalice(app_name="stop-cambriolages")
app.api.binary_types.append("application/pdf")

app.register_blueprint(public.bp)
app.register_blueprint(operators.bp)
app.register_blueprint(accounts.bp)
app.register_blueprint(subscriptions.bp)
app.register_blueprint(corg.bp)
app.register_blueprint(brigades.bp)
app.register_blueprint(content.bp)
app.register_blueprint(otv.bp)
app.register_blueprint(opp.bp)
app.register_blueprint(webpush.bp)
app.register_blueprint(pages.bp)
app.register_blueprint(docs.bp)


@app.middleware("all")
def observe(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Every invocation (API, schedules, queue): JSON logs with its request id, its trace, its
    metrics written as CloudWatch EMF when it ends (chalicelib/observability.py)."""
    context = getattr(event, "context", None)
    if context is None or isinstance(context, dict):  # an HTTP request's context is API Gateway's
        context = app.lambda_context
    with observability.invocation(context):
        return get_response(event)


@app.middleware("http")
def security_headers(event: Any, get_response: Callable[[Any], Response]) -> Response:
    return finish_response(get_response(event), event)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def retry_alert_deliveries(event: Any) -> None:
    from chalicelib import alerts, feed

    try:
        alerts.retry_deliveries()
    finally:  # an alert-table outage must not hold back the prevention pushes' retries
        feed.retry_prevention_pushes()


@app.schedule(Rate(1, unit=Rate.HOURS))
def sweep_expired_subscriptions(event: Any) -> None:
    from chalicelib import subscriptions

    subscriptions.sweep_expired()


@app.schedule(Rate(1, unit=Rate.DAYS))
def sweep_disabled_endpoints(event: Any) -> None:
    from chalicelib import subscriptions

    subscriptions.sweep_disabled()


# 06:00 UTC is 07:00 or 08:00 in Paris: the UTC date of the event is the French date.
@app.schedule(Cron(0, 6, "*", "*", "?", "*"), name="otv_reminders")
def otv_reminders(event: CloudWatchEvent) -> None:
    from chalicelib import otv

    otv.send_due_reminders(today=otv.event_date(event.time))


@app.on_sqs_message(queue=get_settings().webpush_queue_name, batch_size=4, name="webpush_worker")
def webpush_worker(event: SQSEvent) -> None:
    from chalicelib.push.webpush import send_batches

    send_batches([record.body for record in event], context=event.context)

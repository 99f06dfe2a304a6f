"""Stop Cambriolages API: wiring only (blueprints, middleware, queue handlers). Domain code is in chalicelib/."""

from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response
from chalice.app import SQSEvent

from chalicelib.config import get_settings
from chalicelib.routes import finish_response, operators, public, subscriptions, webpush

app = Chalice(app_name="stop-cambriolages")
app.api.binary_types.append("application/pdf")

app.register_blueprint(public.bp)
app.register_blueprint(operators.bp)
app.register_blueprint(subscriptions.bp)
app.register_blueprint(webpush.bp)


@app.middleware("http")
def security_headers(event: Any, get_response: Callable[[Any], Response]) -> Response:
    return finish_response(get_response(event))


@app.on_sqs_message(queue=get_settings().webpush_queue_name, batch_size=4, name="webpush_worker")
def webpush_worker(event: SQSEvent) -> None:
    from chalicelib.push import webpush

    webpush.send_batches([record.body for record in event], context=event.context)

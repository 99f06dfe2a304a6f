"""Stop Cambriolages API: wiring only (blueprints, middleware). Domain code is in chalicelib/."""

from collections.abc import Callable
from typing import Any

from chalice import Chalice, Cron, Response
from chalice.app import CloudWatchEvent

from chalicelib.routes import content, finish_response, operators, opp, otv, public

app = Chalice(app_name="stop-cambriolages")
app.api.binary_types.append("application/pdf")

app.register_blueprint(public.bp)
app.register_blueprint(operators.bp)
app.register_blueprint(content.bp)
app.register_blueprint(otv.bp)
app.register_blueprint(opp.bp)


@app.middleware("http")
def security_headers(event: Any, get_response: Callable[[Any], Response]) -> Response:
    return finish_response(get_response(event))


# 06:00 UTC is 07:00 or 08:00 in Paris: the UTC date of the event is the French date.
@app.schedule(Cron(0, 6, "*", "*", "?", "*"), name="otv_reminders")
def otv_reminders(event: CloudWatchEvent) -> None:
    from chalicelib import otv

    otv.send_due_reminders(today=otv.event_date(event.time))

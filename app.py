"""Stop Cambriolages API: wiring only (blueprints, middleware). Domain code is in chalicelib/."""

from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response

from chalicelib.routes import content, docs, finish_response, operators, opp, otv, pages, public, subscriptions

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


@app.middleware("http")
def security_headers(event: Any, get_response: Callable[[Any], Response]) -> Response:
    return finish_response(get_response(event))

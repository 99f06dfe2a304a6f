"""The OpenAPI 3.1 description of the HTTP API (API.md), served at `GET /openapi.json`.

Request bodies come from the pydantic models the routes validate with, so the description cannot
drift from what is accepted; answers are written in `paths.py`, following API.md. A test compares
its paths and methods with the app's routes, and Schemathesis fuzzes the running server against it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.openapi import paths
from chalicelib.openapi.build import ERRORS, SCHEMAS, error_response


@cache
def document() -> dict[str, Any]:
    """The whole description (built once per container)."""
    components = dict(SCHEMAS)
    described = {
        **paths.public(),
        **paths.content(components),
        **paths.subscriptions(components),
        **paths.alerts(components),
        **paths.brigades(),
        **paths.operators(components),
        **paths.pages(),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Stop Cambriolages",
            "version": "1.0.0",
            "description": "API de l'application anti-cambriolage de la Gendarmerie nationale. "
            "Erreurs au format application/problem+json (RFC 9457), `detail` en français.",
        },
        "paths": dict(sorted(described.items())),
        "components": {
            "schemas": components,
            "responses": {f"E{status}": error_response(status) for status in ERRORS},
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Jeton d'identité Cognito obtenu par POST /auth/login.",
                }
            },
        },
    }

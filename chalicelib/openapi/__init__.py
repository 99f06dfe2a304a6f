"""The OpenAPI 3.1 description of the HTTP API (API.md), served at `GET /openapi.json`.

Request bodies come from the pydantic models the routes validate with, so the description cannot
drift from what is accepted; answers are written in `paths.py`, following API.md. A test compares
its paths and methods with the app's routes, and Schemathesis fuzzes the running server against it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.caching import POLICIES
from chalicelib.openapi import paths
from chalicelib.openapi.build import ERRORS, NAMED, SCHEMAS, TAGS, cached, error_response

# The contract's version for client teams (semantic): a breaking change (a path, operation, field or
# enum value removed or narrowed) bumps the major, an addition the minor. `make openapi` compares the
# served description with docs/openapi.json, says which bump it needs, and writes the new snapshot;
# docs/CHANGELOG-api.md tells client teams what changed.
VERSION = "3.0.1"


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
    components.update(NAMED)
    for route in POLICIES:
        described[route] = {**described[route], "get": cached(described[route]["get"])}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Stop Cambriolages",
            "version": VERSION,
            "description": "API de l'application anti-cambriolage de la Gendarmerie nationale. "
            "Erreurs au format application/problem+json (RFC 9457), `detail` en français, `code` stable. "
            "Une méthode non prévue sur un chemin existant reçoit un 405 (`method_not_allowed`, en-tête "
            "`Allow`). Les heures sont en UTC (RFC 3339, écrites avec `Z`). Un client ignore les champs "
            "qu'il ne connaît pas : une version mineure en ajoute (docs/CHANGELOG-api.md).",
        },
        "tags": TAGS,
        "paths": dict(sorted(described.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
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

"""The OpenAPI 3.1 description of the HTTP API (API.md), served at `GET /openapi.json`.

Request bodies come from the pydantic models the routes validate with, so the description cannot
drift from what is accepted; responses are written here, following API.md. A test compares the
paths and methods with the app's routes, and Schemathesis fuzzes the running server against it.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import Any

from chalicelib.departements import CODES

PROBLEM = "application/problem+json"
JSON = "application/json"
Schema = dict[str, Any]

# --- schema helpers ---------------------------------------------------------------------------


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """An object with these required (and optional) properties; responses may add fields."""
    return {"type": "object", "required": list(required), "properties": {**required, **(optional or {})}}


def array(items: Schema, **constraints: Any) -> Schema:
    return {"type": "array", "items": items, **constraints}


STRING: Schema = {"type": "string"}
TEXT: Schema = {"type": "string", "minLength": 1}
TIME: Schema = {"type": "string", "format": "date-time", "pattern": "Z$"}
BOOL: Schema = {"type": "boolean"}
NUMBER: Schema = {"type": "number"}
COUNT: Schema = {"type": "integer", "minimum": 0}
OFFENCE_TYPES = ["cambriolage_habitation", "cambriolage_commerce", "tentative_cambriolage", "serie_cambriolages"]

SCHEMAS: dict[str, Schema] = {
    "Problem": obj(
        {"status": {"type": "integer", "minimum": 400, "maximum": 599}, "title": TEXT, "detail": TEXT},
        {
            "type": STRING,
            "code": STRING,
            "errors": array(obj({"field": STRING, "message": TEXT})),
        },
    ),
    "DepartmentCode": {"type": "string", "enum": list(CODES)},
    "Department": obj({"code": ref("DepartmentCode"), "name": TEXT}),
    "Unit": obj(
        {
            "id": TEXT,
            "kind": {"enum": ["gendarmerie", "police"]},
            "name": TEXT,
            "address": nullable(STRING),
            "postal_code": nullable(STRING),
            "commune": nullable(STRING),
            "department": STRING,
            "phone": nullable(STRING),
            "lat": NUMBER,
            "lon": NUMBER,
            "hours": nullable(STRING),
        }
    ),
    "Commune": obj(
        {
            "insee": {"type": "string", "pattern": "^[0-9][0-9AB][0-9]{3}$"},
            "name": TEXT,
            "department": STRING,
            "postal_codes": array(STRING),
            "lat": nullable(NUMBER),
            "lon": nullable(NUMBER),
            "competent": nullable(ref("Unit")),
            "competent_basis": {"enum": ["official", "nearest", None]},
            "police_zone": BOOL,
        },
        {"matched_name": TEXT},
    ),
    "Alert": obj(
        {
            "id": TEXT,
            "department": ref("DepartmentCode"),
            "text": TEXT,
            "offence_type": {"enum": OFFENCE_TYPES},
            "revision": {"type": "integer", "minimum": 1},
            "sent_at": TIME,
            "status": {"enum": ["active", "retracted"]},
        }
    ),
    "FeedItem": obj(
        {
            "id": TEXT,
            "title": TEXT,
            "body": TEXT,
            "kind": {"enum": ["prevention", "information", "otv"]},
            "link": nullable({"type": "string", "pattern": "^https://"}),
            "published_at": TIME,
        }
    ),
    "Finding": obj({"rule": TEXT, "message": TEXT}),
}

# --- responses --------------------------------------------------------------------------------

ERRORS: dict[int, str] = {
    400: "Requête ou paramètre invalide (liste `errors` par champ).",
    401: "Jeton absent, invalide ou expiré, ou identifiants incorrects.",
    403: "Groupe ou département de l'opérateur non autorisé pour cette action.",
    404: "Ressource inconnue.",
    409: "Modification concurrente : réessayer.",
    413: "Corps de requête trop volumineux.",
    415: "Corps de requête qui n'est pas du JSON.",
    422: "Requête comprise mais refusée (consentement absent, règles de contenu).",
    429: "Trop de tentatives de connexion (en-tête `Retry-After`).",
    503: "Un service AWS nécessaire est indisponible (en-tête `Retry-After`) : réessayer plus tard.",
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}}}
BODY_ERRORS = (400, 413, 415)
OPERATOR_ERRORS = (401, 403)


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {"description": ERRORS[status], "content": {PROBLEM: {"schema": ref("Problem")}}}
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def _answer(status: int, schema: Schema | None, media: str = JSON, description: str = "Succès") -> dict[str, Any]:
    return {str(status): {"description": description, **({"content": {media: {"schema": schema}}} if schema else {})}}


def op(
    summary: str,
    answer: dict[str, Any],
    *,
    tag: str,
    errors: tuple[int, ...] = (),
    params: tuple[dict[str, Any], ...] = (),
    body: Schema | None = None,
    operator: bool = False,
    aws: bool = True,
) -> dict[str, Any]:
    """One operation: its success answer, the errors it may give, its inputs and security."""
    statuses = set(errors) | (set(BODY_ERRORS) if body else set()) | (set(OPERATOR_ERRORS) if operator else set())
    if aws:
        statuses.add(503)
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "responses": {**answer, **{str(s): {"$ref": f"#/components/responses/E{s}"} for s in sorted(statuses)}},
    }
    if params:
        operation["parameters"] = list(params)
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    if operator:
        operation["security"] = [{"bearer": []}]
    return operation


def query(name: str, schema: Schema, description: str, *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": description}


def limit(high: int, default: int) -> dict[str, Any]:
    return query("limit", {"type": "integer", "minimum": 1, "maximum": high, "default": default}, "Nombre maximal")


DEPARTMENT = path("department", "Numéro de département (« 1 », « 2a » sont normalisés)")


def model(dotted: str, components: dict[str, Schema]) -> Schema:
    """The JSON Schema of a pydantic request model `module:Class`; nested models go to `components`."""
    module, _, name = dotted.partition(":")
    cls = getattr(import_module(f"chalicelib.{module}"), name)
    schema: Schema = cls.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    return schema


# --- paths ------------------------------------------------------------------------------------


def _citizen_paths(components: dict[str, Schema]) -> dict[str, Any]:
    return {
        "/health": {
            "get": op("État du service", _answer(200, obj({"status": {"const": "ok"}})), tag="public", aws=False)
        },
        "/departments": {
            "get": op(
                "Les 101 départements",
                _answer(200, obj({"departments": array(ref("Department"), minItems=101, maxItems=101)})),
                tag="public",
                aws=False,
            )
        },
        "/openapi.json": {
            "get": op("Cette description OpenAPI", _answer(200, {"type": "object"}), tag="public", aws=False)
        },
    }


def _operator_paths(components: dict[str, Schema]) -> dict[str, Any]:
    return {
        "/auth/login": {
            "post": op(
                "Connexion d'un opérateur (Cognito)",
                _answer(
                    200,
                    obj(
                        {
                            "id_token": {"type": "string", "pattern": r"^eyJ"},
                            "expires_in": COUNT,
                            "groups": array(STRING),
                        }
                    ),
                ),
                tag="opérateurs",
                errors=(401, 429),
                body=model("auth:LoginBody", components),
            )
        },
    }


@cache
def document() -> dict[str, Any]:
    """The whole description (built once per container)."""
    components = dict(SCHEMAS)
    paths = {**_citizen_paths(components), **_operator_paths(components)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Stop Cambriolages",
            "version": "1.0.0",
            "description": "API de l'application anti-cambriolage de la Gendarmerie nationale. "
            "Erreurs au format application/problem+json (RFC 9457), `detail` en français.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": components,
            "responses": {f"E{status}": _error_response(status) for status in ERRORS},
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

"""Building blocks of the OpenAPI description: shared schemas, error responses, operations."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from chalicelib.departements import CODES

PROBLEM = "application/problem+json"
JSON = "application/json"
Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """An object with these required (and optional) properties; answers may carry more fields."""
    return {"type": "object", "required": list(required), "properties": {**required, **(optional or {})}}


def array(items: Schema, **constraints: Any) -> Schema:
    return {"type": "array", "items": items, **constraints}


STRING: Schema = {"type": "string"}
TEXT: Schema = {"type": "string", "minLength": 1}
TIME: Schema = {"type": "string", "format": "date-time", "pattern": "Z$"}
BOOL: Schema = {"type": "boolean"}
NUMBER: Schema = {"type": "number"}
COUNT: Schema = {"type": "integer", "minimum": 0}
OBJECT: Schema = {"type": "object"}
OFFENCE_TYPES = ["cambriolage_habitation", "cambriolage_commerce", "tentative_cambriolage", "serie_cambriolages"]
SOURCES = array(obj({"title": TEXT, "url": {"type": "string", "pattern": "^https://"}}))

SCHEMAS: dict[str, Schema] = {
    "Problem": obj(
        {"status": {"type": "integer", "minimum": 400, "maximum": 599}, "title": TEXT, "detail": TEXT},
        {"type": STRING, "code": STRING, "errors": array(obj({"field": STRING, "message": TEXT}))},
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
    "Finding": obj({"rule": TEXT, "message": TEXT}, {"excerpt": STRING, "field": STRING}),
    "AdviceList": obj(
        {
            "items": array(obj({"id": TEXT, "text": TEXT}), minItems=1),
            "revision": COUNT,
            "updated_by": nullable(STRING),
            "updated_at": nullable(TIME),
        }
    ),
    "Delivery": obj({"status": TEXT, "channels": {"type": "object", "additionalProperties": obj({"ok": BOOL})}}),
    "LogEntry": obj(
        {
            "id": TEXT,
            "kind": TEXT,
            "department": STRING,
            "sent_by": TEXT,
            "created_at": TIME,
            "revision": nullable({"type": "integer", "minimum": 1}),
            "text": nullable(STRING),
            "composition": nullable(OBJECT),
            "delivery": nullable(OBJECT),
        }
    ),
    "Subscription": obj({"id": TEXT, "department": ref("DepartmentCode")}, {"subscribed": BOOL}),
}

ERRORS: dict[int, str] = {
    400: "Requête ou paramètre invalide (liste `errors` par champ).",
    401: "Jeton absent, invalide ou expiré, ou identifiants incorrects.",
    403: "Groupe ou département de l'opérateur non autorisé pour cette action.",
    404: "Ressource inconnue.",
    406: "Le document est un PDF : l'en-tête `Accept` doit l'accepter.",
    409: "Modification concurrente, ou requête de même clé d'idempotence en cours : réessayer.",
    410: "L'appareil n'est plus joignable : s'abonner à nouveau.",
    413: "Corps de requête trop volumineux.",
    415: "Corps de requête qui n'est pas du JSON.",
    422: "Requête comprise mais refusée (consentement absent, règles de contenu, clé réutilisée).",
    429: "Trop de tentatives de connexion (en-tête `Retry-After`).",
    503: "Un service AWS nécessaire est indisponible (en-tête `Retry-After`) : réessayer plus tard.",
}
BODY_ERRORS = (400, 413, 415)
OPERATOR_ERRORS = (401, 403)


def error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {"description": ERRORS[status], "content": {PROBLEM: {"schema": ref("Problem")}}}
    if status in (429, 503):
        response["headers"] = {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}}}
    return response


def answer(status: int, schema: Schema | None, media: str = JSON, description: str = "Succès") -> dict[str, Any]:
    """A success answer: `schema` None means no body (204, 304)."""
    content = {"content": {media: {"schema": schema}}} if schema is not None else {}
    return {str(status): {"description": description, **content}}


def op(
    summary: str,
    answers: dict[str, Any],
    *,
    tag: str,
    errors: tuple[int, ...] = (),
    params: tuple[dict[str, Any], ...] = (),
    body: Schema | None = None,
    operator: bool = False,
    aws: bool = True,
) -> dict[str, Any]:
    """One operation: its success answers, the errors it may give, its inputs and its security.
    Bodies add 400/413/415, operator routes 401/403 and 503, and routes that use AWS a 503."""
    statuses = set(errors) | (set(BODY_ERRORS) if body else set()) | (set(OPERATOR_ERRORS) if operator else set())
    if aws or operator:  # operator tokens are checked against the pool's keys, fetched from Cognito
        statuses.add(503)
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "responses": {**answers, **{str(s): {"$ref": f"#/components/responses/E{s}"} for s in sorted(statuses)}},
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


def header(name: str, schema: Schema, description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "schema": schema, "description": description}


def path(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", **schema},
        "description": description,
    }


def limit(high: int, default: int) -> dict[str, Any]:
    return query("limit", {"type": "integer", "minimum": 1, "maximum": high, "default": default}, "Nombre maximal")


def model(dotted: str, components: dict[str, Schema]) -> Schema:
    """The JSON Schema of the pydantic request model `module:Class` the route validates with; the
    models it nests go to `components`."""
    module, _, name = dotted.partition(":")
    cls = getattr(import_module(f"chalicelib.{module}"), name)
    schema: Schema = cls.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    return schema

"""Building blocks of the OpenAPI description: shared schemas, error responses, operations."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from chalicelib.departements import CODES
from chalicelib.errors import CATALOGUE

PROBLEM = "application/problem+json"
JSON = "application/json"
Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None, **keywords: Any) -> Schema:
    """An object with these required (and optional) properties. Answers stay open (a later version
    may add fields, API.md: extend, don't rename); the contract tests read them strictly."""
    properties = {**required, **(optional or {})}
    return {"type": "object", "required": list(required), "properties": properties, **keywords}


def mapping(values: Schema, description: str) -> Schema:
    """An object whose keys are data (a département, a channel), all with values of one schema."""
    return {"type": "object", "additionalProperties": values, "description": description}


def enum(values: list[str], description: str | None = None) -> Schema:
    schema: Schema = {"type": "string", "enum": values}
    return {**schema, "description": description} if description else schema


def array(items: Schema, **constraints: Any) -> Schema:
    return {"type": "array", "items": items, **constraints}


STRING: Schema = {"type": "string"}
TEXT: Schema = {"type": "string", "minLength": 1}
# The server writes UTC with `Z`; clients may read and write any RFC 3339 offset (`+00:00`).
TIME: Schema = {"type": "string", "format": "date-time"}
BOOL: Schema = {"type": "boolean"}
NUMBER: Schema = {"type": "number"}
COUNT: Schema = {"type": "integer", "minimum": 0}
HTTPS: Schema = {"type": "string", "format": "uri", "pattern": "^https://"}
BINARY: Schema = {"type": "string", "format": "binary"}
OFFENCE_TYPES = ["cambriolage_habitation", "cambriolage_commerce", "tentative_cambriolage", "serie_cambriolages"]

# Tags are ASCII identifiers (generators turn them into package names); people read `x-displayName`.
TAGS: list[dict[str, str]] = [
    {"name": "public", "x-displayName": "Public", "description": "État du service, départements, actualités."},
    {"name": "content", "x-displayName": "Contenus", "description": "Prévention, victimes, OTV et formulaire."},
    {"name": "subscriptions", "x-displayName": "Abonnements", "description": "Notifications des citoyens."},
    {"name": "alerts", "x-displayName": "Alertes", "description": "Alerte en cours d'un département."},
    {"name": "brigades", "x-displayName": "Brigades", "description": "Communes, brigades et commissariats."},
    {"name": "operators", "x-displayName": "Opérateurs", "description": "CORG, OPP du GGD34, administrateurs."},
    {
        "name": "accounts",
        "x-displayName": "Comptes",
        "description": "Comptes des opérateurs (administrateurs, chefs de CORG) et leur journal.",
    },
    {"name": "pages", "x-displayName": "Pages", "description": "Application citoyenne et console (HTML)."},
]


def department_varname(code: str) -> str:
    """`D34`, `D2A`, `D971`: what a generated enum member is called (not `VALUE_18` for "19")."""
    return f"D{code}"


CHANNEL = obj(
    {"ok": BOOL},
    {
        "message_id": TEXT,
        "error": TEXT,
        "batches": COUNT,
        "subscriptions": COUNT,
    },
    description="Résultat d'un canal de diffusion (journal : avec ses détails).",
)
UNIT_FIELDS: dict[str, Schema] = {
    "id": TEXT,
    "kind": enum(["gendarmerie", "police"]),
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

SCHEMAS: dict[str, Schema] = {
    "Problem": obj(
        {"status": {"type": "integer", "minimum": 400, "maximum": 599}, "title": TEXT, "detail": TEXT},
        {
            "type": {"type": "string", "pattern": "^urn:stop-cambriolages:problem:"},
            "code": ref("ProblemCode"),
            "errors": array(ref("FieldError")),
            "findings": {**array(ref("Finding")), "description": "Refus de contenu (`content_rejected`)."},
            "length": {**COUNT, "description": "Longueur du texte refusé, comptée comme à l'écran."},
            "valid_audiences": {**array(TEXT), "description": "Valeurs admises de `audience`."},
        },
        description="Erreur au format RFC 9457 ; `detail` en français, `code` stable pour les programmes.",
    ),
    "ProblemCode": enum(sorted(CATALOGUE), "Code stable de l'erreur (catalogue `chalicelib/errors.py`)."),
    "FieldError": obj({"field": STRING, "message": TEXT}),
    "DepartmentCode": {
        "type": "string",
        "enum": list(CODES),
        "x-enum-varnames": [department_varname(code) for code in CODES],
        "description": "Numéro de département : 01 à 95 (2A, 2B pour la Corse), 971 à 976.",
    },
    "Department": obj({"code": ref("DepartmentCode"), "name": TEXT}),
    "Unit": obj(UNIT_FIELDS),
    "NearUnit": obj({**UNIT_FIELDS, "distance_km": {"type": "number", "minimum": 0}}),
    "Commune": obj(
        {
            "insee": {"type": "string", "pattern": "^[0-9][0-9AB][0-9]{3}$"},
            "name": TEXT,
            "department": STRING,
            "postal_codes": array(STRING),
            "lat": nullable(NUMBER),
            "lon": nullable(NUMBER),
            "competent": nullable(ref("Unit")),
            "competent_basis": nullable(
                enum(
                    ["official", "nearest"],
                    "official : unité désignée par les textes (circonscription de sécurité publique, commissariat "
                    "de la commune, fichier du ministère) ; nearest : unité la plus proche, à présenter comme "
                    "« la plus proche », jamais comme « compétente ».",
                )
            ),
            "police_zone": {**BOOL, "description": "Vrai seulement si la zone police est officielle (zone = police)."},
            "zone": enum(
                ["police", "gendarmerie", "unknown"],
                "Zone de compétence : officielle là où un texte la donne, sinon unknown.",
            ),
            "zone_basis": enum(
                ["official", "estimated"],
                "official : arrêté ou fichier du ministère ; estimated : zone non connue.",
            ),
            "zone_estimate": {
                **nullable(enum(["police"])),
                "description": "Zone inconnue seulement : police si la commune a un commissariat "
                "(estimation, à présenter comme telle).",
            },
            "police_district": {
                **nullable(STRING),
                "description": "Circonscription de sécurité publique nommée par l'arrêté (zone police).",
            },
            "nearest_brigade": {
                **nullable(ref("NearUnit")),
                "description": "Zone inconnue seulement : la brigade la plus proche du centre de la commune.",
            },
            "nearest_police_station": {
                **nullable(ref("NearUnit")),
                "description": "Zone inconnue seulement : le commissariat le plus proche du centre de la commune.",
            },
        },
        {"matched_name": TEXT},
    ),
    "Alert": obj(
        {
            "id": TEXT,
            "department": ref("DepartmentCode"),
            "text": TEXT,
            "offence_type": enum(OFFENCE_TYPES),
            "revision": {"type": "integer", "minimum": 1},
            "sent_at": TIME,
            "status": enum(["active", "retracted"]),
        }
    ),
    "FeedItem": obj(
        {
            "id": TEXT,
            "title": TEXT,
            "body": TEXT,
            "kind": enum(["prevention", "information", "otv"]),
            "link": nullable(HTTPS),
            "published_at": TIME,
        }
    ),
    "Finding": obj(
        {"rule": TEXT, "message": TEXT},
        {"excerpt": STRING, "field": {**STRING, "description": "Champ concerné (vérification d'une composition)."}},
    ),
    "AdviceList": obj(
        {
            "items": array(obj({"id": TEXT, "text": TEXT}), minItems=1),
            "revision": COUNT,
            "updated_by": nullable(STRING),
            "updated_at": nullable(TIME),
        },
        description="Conseils que le composeur d'alerte propose ; `revision` 0 : la liste de départ.",
    ),
    "AlertComposition": obj(
        {
            "offence_type": enum(OFFENCE_TYPES),
            "communes": array(obj({"insee": TEXT, "name": TEXT}), minItems=1),
            "when": obj(
                {"kind": enum(["night", "today", "hours", "date"])},
                {"start": STRING, "end": STRING, "date": STRING},
            ),
            "advice": obj({"id": TEXT, "text": TEXT}),
            "sentence": nullable(STRING),
        },
        description="Les champs d'une alerte composée, tels qu'envoyés (le conseil avec son texte d'alors).",
    ),
    "ChannelOutcome": CHANNEL,
    "Channels": obj(
        {},
        {"sns": ref("ChannelOutcome"), "web": ref("ChannelOutcome")},
        additionalProperties=ref("ChannelOutcome"),
        description="Un résultat par canal, à son nom : `sns` (iOS, Android), `web` (navigateurs), "
        "d'autres canaux à venir.",
    ),
    "Delivery": obj(
        {"status": enum(["published", "failed"]), "channels": ref("Channels")},
        {"message": TEXT},
    ),
    "WebDelivery": obj({"sent": COUNT, "failed": COUNT, "pruned": COUNT}),
    "LogDelivery": obj(
        {
            "status": nullable(STRING),
            "attempts": COUNT,
            "channels": ref("Channels"),
            "web": nullable(ref("WebDelivery")),
        },
        description="`status` : pending, retrying, published, failed, superseded ou expired.",
    ),
    "LogEntry": obj(
        {
            "id": TEXT,
            "kind": {**TEXT, "description": "sent, retracted, refused ou prevention."},
            "department": STRING,
            "alert_id": nullable(STRING),
            "sent_by": TEXT,
            "created_at": TIME,
            "revision": nullable({"type": "integer", "minimum": 1}),
            "text": nullable(STRING),
            "offence_type": nullable(STRING),
            "findings": nullable(array(ref("Finding"))),
            "composition": nullable(ref("AlertComposition")),
            "delivery": nullable(ref("LogDelivery")),
        }
    ),
    "Subscription": obj({"id": TEXT, "department": ref("DepartmentCode")}, {"subscribed": BOOL}),
    "Source": obj(
        {"title": TEXT, "publisher": TEXT, "url": HTTPS},
        {"checked": {"type": "string", "format": "date", "description": "Date de la dernière vérification"}},
    ),
    "PhoneNumber": obj(
        {
            "number": TEXT,
            "label": TEXT,
            "channel": enum(["tel", "sms"]),
            "href": {"type": "string", "pattern": "^(tel|sms):"},
        },
        {"description": TEXT},
    ),
}

ERRORS: dict[int, str] = {
    400: "Requête ou paramètre invalide (liste `errors` par champ).",
    401: "Jeton absent, invalide ou expiré, ou identifiants incorrects.",
    403: "Groupe ou département de l'opérateur non autorisé pour cette action.",
    404: "Ressource inconnue.",
    405: "Méthode non autorisée sur ce chemin : l'en-tête `Allow` liste celles qui le sont.",
    406: "Le document est un PDF : l'en-tête `Accept` doit l'accepter.",
    409: (
        "Modification concurrente, requête de même clé d'idempotence en cours (réessayer), ou limite "
        "d'abonnements atteinte (clés de chiffrement déjà utilisées, service de notification complet)."
    ),
    410: "L'appareil n'est plus joignable : s'abonner à nouveau.",
    413: "Corps de requête trop volumineux.",
    415: "Corps de requête qui n'est pas du JSON.",
    422: "Requête comprise mais refusée (consentement absent, règles de contenu, clé réutilisée).",
    429: "Trop de tentatives de connexion ou d'inscriptions depuis cette adresse (en-tête `Retry-After`).",
    500: "Erreur interne, sans détail : réessayer plus tard.",
    503: "Un service AWS nécessaire est indisponible (en-tête `Retry-After`) : réessayer plus tard.",
}
BODY_ERRORS = (400, 413, 415)
OPERATOR_ERRORS = (401, 403)


def error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {"description": ERRORS[status], "content": {PROBLEM: {"schema": ref("Problem")}}}
    if status in (429, 503):
        response["headers"] = {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}}}
    if status == 405:
        response["headers"] = {
            "Allow": {"required": True, "schema": {"type": "string"}, "description": "Méthodes admises, ex. `GET, PUT`"}
        }
    return response


# Answers given a name (`answer(..., name="FeedPage")`): components/schemas, so that generated
# clients get that model name rather than one made of the operation's (`ListFeedItemsResponse200`).
NAMED: dict[str, Schema] = {}


def named(name: str, schema: Schema) -> Schema:
    if NAMED.setdefault(name, schema) != schema:
        raise ValueError(f"two different schemas named {name}")
    return ref(name)


def answer(
    status: int,
    schema: Schema | None,
    media: str = JSON,
    description: str = "Succès",
    headers: dict[str, Any] | None = None,
    *,
    name: str | None = None,
) -> dict[str, Any]:
    """A success answer: `schema` None means no body (204, 304)."""
    if name is not None and schema is not None:
        schema = named(name, schema)
    content = {"content": {media: {"schema": schema}}} if schema is not None else {}
    extra = {"headers": headers} if headers else {}
    return {str(status): {"description": description, **content, **extra}}


def op(
    summary: str,
    answers: dict[str, Any],
    *,
    id: str,
    tag: str,
    errors: tuple[int, ...] = (),
    params: tuple[dict[str, Any], ...] = (),
    body: Schema | None = None,
    operator: bool = False,
    aws: bool = True,
) -> dict[str, Any]:
    """One operation: its `operationId` (the method name of generated clients: a verb a client team
    would choose, `searchCommunes`), its success answers, the errors it may give, its inputs and
    its security. Bodies add 400/413/415, operator routes 401/403 and 503, routes using AWS a 503."""
    if tag not in {t["name"] for t in TAGS}:
        raise ValueError(f"unknown tag {tag}: add it to TAGS")
    statuses = set(errors) | (set(BODY_ERRORS) if body else set()) | (set(OPERATOR_ERRORS) if operator else set())
    if aws or operator:  # operator tokens are checked against the pool's keys, fetched from Cognito
        statuses.add(503)
    operation: dict[str, Any] = {
        "operationId": id,
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
    """A reference to the JSON Schema of the pydantic request model `module:Class` the route
    validates with, put in `components` with the models it nests."""
    module, _, name = dotted.partition(":")
    cls = getattr(import_module(f"chalicelib.{module}"), name)
    schema: Schema = cls.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    components[name] = schema  # a named model for generated clients (`AlertBody`)
    return ref(name)


VALIDATOR_HEADERS = {
    "ETag": {"required": True, "schema": {"type": "string"}, "description": "Validateur faible de la réponse"},
    "Cache-Control": {"required": True, "schema": {"type": "string"}, "description": "Durées de cache"},
}


def cached(operation: dict[str, Any]) -> dict[str, Any]:
    """A read of `chalicelib.caching.POLICIES`: its 200 carries an ETag and its Cache-Control, and an
    `If-None-Match` naming the ETag gets a 304 without a body."""
    ok = {**operation["responses"]["200"], "headers": VALIDATOR_HEADERS}
    parameters = [
        *operation.get("parameters", []),
        header("If-None-Match", STRING, "ETag d'une réponse précédente : 304 si elle n'a pas changé"),
    ]
    responses = {
        "200": ok,
        "304": {"description": "Inchangée depuis l'ETag donné", "headers": VALIDATOR_HEADERS},
        **{status: answer for status, answer in operation["responses"].items() if status != "200"},
    }
    return {**operation, "parameters": parameters, "responses": responses}

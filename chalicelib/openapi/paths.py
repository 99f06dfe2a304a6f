"""The operations of the description, one function per area of API.md."""

from __future__ import annotations

from typing import Any

from chalicelib.openapi.build import (
    BINARY,
    BOOL,
    COUNT,
    HTTPS,
    NUMBER,
    SCHEMAS,
    STRING,
    TEXT,
    TIME,
    Schema,
    answer,
    array,
    enum,
    header,
    limit,
    mapping,
    model,
    named,
    nullable,
    obj,
    op,
    path,
    query,
    ref,
)

Paths = dict[str, dict[str, Any]]
PDF = "application/pdf"

# How a commune of GET /communes matched what was typed (issue 18): the first word says how the
# name matched, the next ones which hints it agrees with.
MATCHES = {
    "name": "le nom exact (accents, majuscules, tirets, articles et abréviations St, Ste, Mt, s/ mis à part)",
    "prefix": "le début du nom (saisie en cours) ou d'un de ses mots (« hossegor » : Soorts-Hossegor)",
    "corrected": "le nom à une faute de frappe près (deux à partir de 8 lettres) : « Vouliez-vous dire … ? »",
    "phonetic": "un nom qui se prononce de même (« cholais » : Cholet) : « Vouliez-vous dire … ? »",
    "former_name": "le nom d'une ancienne commune (déléguée ou associée), donné dans `matched_name`",
    "postal_code": "le code postal saisi, seul ou à côté du nom",
    "insee_code": "le code INSEE saisi",
    "department_hint": "le numéro ou le nom du département saisi à côté du nom",
    "region_hint": "la région ou le territoire d'outre-mer saisi à côté du nom",
    "arrondissement": "le numéro d'arrondissement saisi (Paris, Lyon, Marseille)",
}


def _found_commune() -> Schema:
    """A `Commune` as `GET /communes` answers it: also how it matched, and the hints ignored."""
    commune = SCHEMAS["Commune"]
    match = array(
        {"enum": list(MATCHES)},
        minItems=1,
        description="Comment la commune correspond : "
        + " ; ".join(f"`{word}` : {meaning}" for word, meaning in MATCHES.items()),
    )
    ignored = array(
        TEXT,
        minItems=1,
        description="Indices saisis (code postal, département, région…) qu'aucune commune de ce nom ne vérifie : "
        "la recherche les a ignorés",
    )
    return {
        **commune,
        "required": [*commune["required"], "match"],
        "properties": {**commune["properties"], "match": match, "ignored_hints": ignored},
    }


FOUND_COMMUNE = _found_commune()


def public() -> Paths:
    return {
        "/health": {
            "get": op(
                "État du service",
                answer(
                    200,
                    obj(
                        {"status": {"type": "string", "const": "ok"}},
                        {
                            "data": obj(
                                {
                                    "units_updated": {
                                        **nullable({"type": "string", "format": "date"}),
                                        "description": "Mise à jour la plus récente des fiches des unités (annuaire "
                                        "Service-Public.fr)",
                                    },
                                    "official_zones": {
                                        **array(ref("DepartmentCode")),
                                        "description": "Départements dont la zone police/gendarmerie est officielle",
                                    },
                                    "ministry_competence": {
                                        **BOOL,
                                        "description": "Le fichier de compétence territoriale du ministère est utilisé",
                                    },
                                    "built_at": {
                                        **nullable(TIME),
                                        "description": "Date de préparation des données par `make data`",
                                    },
                                },
                                description="Les données de la recherche des brigades et leur date",
                            )
                        },
                    ),
                    name="Health",
                ),
                id="getHealth",
                tag="public",
                aws=False,
            )
        },
        "/departments": {
            "get": op(
                "Les 101 départements",
                answer(
                    200,
                    obj({"departments": array(ref("Department"), minItems=101, maxItems=101)}),
                    name="DepartmentList",
                ),
                id="listDepartments",
                tag="public",
                aws=False,
            )
        },
        "/openapi.json": {
            "get": op(
                "Cette description OpenAPI",
                answer(200, OPENAPI_DOCUMENT, name="OpenApiDocument"),
                id="getOpenApiDescription",
                tag="public",
                aws=False,
            )
        },
        "/webpush/public-key": {
            "get": op(
                "Clé publique VAPID pour abonner le navigateur",
                answer(
                    200, obj({"public_key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{80,}$"}}), name="WebPushKey"
                ),
                id="getWebPushPublicKey",
                tag="subscriptions",
                errors=(503,),
                aws=False,
            )
        },
        "/feed": {
            "get": op(
                "Actualités nationales, les plus récentes d'abord",
                answer(200, obj({"items": array(ref("FeedItem")), "next_cursor": nullable(TEXT)}), name="FeedPage"),
                id="listFeedItems",
                tag="public",
                errors=(400,),
                params=(limit(50, 20), query("cursor", STRING, "Curseur rendu par la page précédente")),
            )
        },
    }


def content(components: dict[str, Schema]) -> Paths:
    page = {"title": TEXT, "intro": TEXT, "sources": array(ref("Source"))}
    audience = ["particulier", "commercant"]
    return {
        "/content/prevention": {
            "get": op(
                "Conseils de prévention",
                answer(
                    200,
                    obj(
                        {
                            "audience": enum(audience),
                            "sections": array(obj({"title": TEXT, "items": array(TEXT)})),
                            **page,
                        }
                    ),
                    name="PreventionAdvice",
                ),
                id="getPreventionAdvice",
                tag="content",
                errors=(400,),
                params=(query("audience", enum(audience), "Public visé", required=True),),
                aws=False,
            )
        },
        "/content/victim": {
            "get": op(
                "Victime d'un cambriolage : que faire",
                answer(
                    200,
                    obj(
                        {
                            "steps": array(obj({"title": TEXT, "text": TEXT}, {"number": ref("PhoneNumber")})),
                            "numbers": array(ref("PhoneNumber")),
                            **page,
                        }
                    ),
                    name="VictimGuide",
                ),
                id="getVictimGuide",
                tag="content",
                aws=False,
            )
        },
        "/content/otv": {
            "get": op(
                "Opération Tranquillité Vacances",
                answer(200, otv_information(page), name="OtvInformation"),
                id="getOtvInformation",
                tag="content",
                errors=(404,),
                params=(
                    query(
                        "commune",
                        {"type": "string", "pattern": "^[0-9][0-9AB][0-9]{3}$"},
                        "Code INSEE d'une commune : seules les règles de sa zone (les deux si elle n'est pas "
                        "connue), avec la commune et son unité",
                    ),
                ),
                aws=False,
            )
        },
        "/otv/form.pdf": {
            "get": op(
                "Formulaire OTV vierge",
                answer(200, BINARY, PDF),
                id="downloadBlankOtvForm",
                tag="content",
                errors=(406,),
                aws=False,
            )
        },
        "/otv/form": {
            "post": op(
                "Formulaire OTV prérempli (rien n'est conservé)",
                answer(200, BINARY, PDF),
                id="fillOtvForm",
                tag="content",
                errors=(406,),
                body=model("otv:OtvForm", components),
                aws=False,
            )
        },
    }


def subscriptions(components: dict[str, Schema]) -> Paths:
    subscription_id = path("subscription_id", "Identifiant d'abonnement (seul moyen d'y accéder)")
    return {
        "/subscriptions": {
            "post": op(
                "S'abonner aux alertes d'un département (consentement obligatoire). Un jeton ou un "
                "navigateur déjà inscrit reçoit un nouvel identifiant : l'ancien ne sert plus (404). "
                "409 : clés de chiffrement déjà utilisées ou service de notification complet ; "
                "429 : trop d'inscriptions depuis cette adresse dans la minute (en-tête Retry-After)",
                answer(201, ref("Subscription"), description="Abonné"),
                id="createSubscription",
                tag="subscriptions",
                errors=(409, 422, 429),
                body=model("subscriptions:SubscriptionBody", components),
            )
        },
        "/subscriptions/{subscription_id}": {
            "put": op(
                "Rafraîchir, changer de département ou retirer le consentement (410 : appareil ou "
                "navigateur devenu injoignable, à réinscrire)",
                answer(
                    200,
                    obj({"id": TEXT, "department": ref("DepartmentCode"), "subscribed": BOOL}),
                    name="SubscriptionState",
                ),
                id="updateSubscription",
                tag="subscriptions",
                errors=(404, 410),
                params=(subscription_id,),
                body=model("subscriptions:SubscriptionUpdate", components),
            ),
            "delete": op(
                "Se désabonner : tout est effacé",
                answer(204, None, description="Effacé"),
                id="deleteSubscription",
                tag="subscriptions",
                errors=(404,),
                params=(subscription_id,),
            ),
        },
    }


def alerts(components: dict[str, Schema]) -> Paths:
    """The citizens' read of the current alert and the CORG routes."""
    department = path("department", "Numéro de département (« 1 », « 2a » sont normalisés)")
    department_query = query("department", STRING, "Numéro de département", required=True)
    idempotency_key = header(
        "Idempotency-Key",
        {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
        "Une requête rejouée avec la même clé renvoie la première réponse et n'envoie rien de plus.",
    )
    return {
        "/alerts/{department}": {
            "get": op(
                "Alerte en cours du département",
                answer(200, obj({"alert": nullable(ref("Alert"))}), name="CurrentAlert"),
                id="getCurrentAlert",
                tag="alerts",
                errors=(400,),
                params=(department,),
            )
        },
        "/corg/alerts/check": {
            "post": op(
                "Vérifier un projet d'alerte (texte saisi ou composé) sans l'envoyer",
                answer(
                    200,
                    obj({"ok": BOOL, "length": COUNT, "findings": array(ref("Finding"))}, {"text": STRING}),
                    description="Constats des règles ; pour une `composition`, le texte composé (`text`) et, pour "
                    "chaque constat, le champ concerné (`field`)",
                    name="AlertCheck",
                ),
                id="checkAlert",
                tag="operators",
                body=model("alerts:CheckBody", components),
                operator=True,
                aws=False,
            )
        },
        "/corg/alerts": {
            "post": op(
                "Envoyer une alerte (elle remplace la précédente)",
                answer(
                    201,
                    obj({"alert": ref("Alert"), "replaced": nullable(TEXT), "delivery": ref("Delivery")}),
                    description="Enregistrée et diffusée (ou à rediffuser : `delivery.status`)",
                    name="AlertSent",
                    headers={"Idempotent-Replayed": REPLAYED},
                ),
                id="sendAlert",
                tag="operators",
                errors=(409, 422),
                params=(idempotency_key,),
                body=model("alerts:AlertBody", components),
                operator=True,
            ),
            "get": op(
                "Journal des alertes du département, le plus récent d'abord",
                answer(
                    200, obj({"department": ref("DepartmentCode"), "entries": array(ref("LogEntry"))}), name="AlertLog"
                ),
                id="listAlertLog",
                tag="operators",
                errors=(400,),
                params=(department_query, limit(100, 20)),
                operator=True,
            ),
        },
        "/corg/alerts/{department}": {
            "delete": op(
                "Annuler l'alerte en cours (une notification la remplace)",
                answer(200, obj({"alert": ref("Alert"), "delivery": ref("Delivery")}), name="AlertRetracted"),
                id="retractAlert",
                tag="operators",
                errors=(400, 404, 409),
                params=(department,),
                operator=True,
            )
        },
        "/corg/alert-advice": {
            "get": op(
                "Liste des conseils que le composeur d'alerte propose (tenue par l'OPP du GGD34)",
                answer(200, ref("AdviceList")),
                id="listAlertAdvice",
                tag="operators",
                operator=True,
            )
        },
        "/corg/subscribers": {
            "get": op(
                "Nombre d'abonnés du département",
                answer(200, obj({"department": ref("DepartmentCode"), "count": COUNT}), name="SubscriberCount"),
                id="countSubscribers",
                tag="operators",
                errors=(400,),
                params=(department_query,),
                operator=True,
            )
        },
    }


def brigades() -> Paths:
    coordinate = {"type": "number"}
    return {
        "/communes": {
            "get": op(
                "Communes par nom tel qu'on le tape (avec code postal, département, région ou arrondissement), "
                "code postal ou code INSEE",
                answer(200, obj({"results": array(FOUND_COMMUNE)}), name="CommuneResults"),
                id="searchCommunes",
                tag="brigades",
                errors=(400,),
                params=(
                    query("q", {"type": "string", "minLength": 1, "maxLength": 100}, "Texte saisi", required=True),
                    limit(50, 10),
                    query("department", STRING, "Seulement les communes de ce département (composeur d'alerte)"),
                ),
                aws=False,
            )
        },
        "/brigades/nearest": {
            "get": op(
                "Commune, unité compétente et brigades les plus proches d'une position (jamais conservée)",
                answer(
                    200,
                    obj(
                        {
                            "commune": nullable(ref("Commune")),
                            "competent": nullable(ref("Unit")),
                            "nearest": array(ref("NearUnit")),
                        }
                    ),
                    name="NearestBrigades",
                ),
                id="findNearestBrigades",
                tag="brigades",
                errors=(400,),
                params=(
                    query("lat", {**coordinate, "minimum": -90, "maximum": 90}, "Latitude (WGS84)", required=True),
                    query("lon", {**coordinate, "minimum": -180, "maximum": 180}, "Longitude (WGS84)", required=True),
                    limit(20, 3),
                ),
                aws=False,
            )
        },
        "/brigades/{unit_id}": {
            "get": op(
                "Une brigade ou un commissariat",
                answer(200, ref("Unit")),
                id="getUnit",
                tag="brigades",
                errors=(404,),
                params=(path("unit_id", "Identifiant de l'unité"),),
                aws=False,
            )
        },
    }


def operators(components: dict[str, Schema]) -> Paths:
    token = {"type": "string", "pattern": r"^eyJ"}
    tokens = obj(
        {
            "id_token": token,
            "access_token": token,
            "expires_in": COUNT,
            "groups": array(STRING),
            "username": TEXT,
            "mfa": BOOL,
        },
        {"refresh_token": TEXT},
    )
    enrolment = {
        "secret": {"type": "string", "pattern": "^[A-Z2-7]+=*$"},
        "secret_grouped": TEXT,
        "otpauth_uri": {"type": "string", "pattern": "^otpauth://totp/"},
        "qr": {"type": "string", "pattern": "^data:image/svg\\+xml;base64,"},
    }
    challenge = obj(
        {"challenge": {"enum": ["totp", "new_password", "mfa_setup"]}, "session": TEXT, "username": TEXT},
        {"password_policy": TEXT, **enrolment},
    )
    signed_in = named("SignIn", {"oneOf": [named("Session", tokens), named("LoginChallenge", challenge)]})
    return {
        "/auth/login": {
            "post": op(
                "Connexion d'un opérateur (Cognito) : les jetons, ou l'étape suivante (code TOTP, "
                "nouveau mot de passe, enrôlement TOTP) à compléter par POST /auth/challenge",
                answer(200, signed_in),
                id="login",
                tag="operators",
                errors=(401, 403, 429),
                body=model("login:LoginBody", components),
            )
        },
        "/auth/challenge": {
            "post": op(
                "Réponse à l'étape demandée par la connexion : code TOTP, nouveau mot de passe ou premier code",
                answer(200, signed_in),
                id="answerLoginChallenge",
                tag="operators",
                errors=(401, 403, 429),
                body=model("login:ChallengeBody", components),
            )
        },
        "/auth/refresh": {
            "post": op(
                "Nouveaux jetons (15 min) à partir du jeton de rafraîchissement",
                answer(
                    200,
                    obj(
                        {
                            "id_token": token,
                            "access_token": token,
                            "expires_in": COUNT,
                            "groups": array(STRING),
                            "username": TEXT,
                        }
                    ),
                    name="RefreshedSession",
                ),
                id="refreshTokens",
                tag="operators",
                errors=(401,),
                body=model("login:RefreshBody", components),
            )
        },
        "/auth/logout": {
            "post": op(
                "Déconnexion : révoque les jetons de rafraîchissement de l'opérateur (toutes ses sessions)",
                answer(204, None, description="Déconnecté"),
                id="logout",
                tag="operators",
                errors=(401,),
                body=model("login:LogoutBody", components),
            )
        },
        "/me/mfa": {
            "post": op(
                "Enrôlement TOTP : un secret (texte et QR code dessiné par le serveur) à saisir dans l'application",
                answer(200, obj(enrolment), name="MfaEnrolment"),
                id="startMfaEnrolment",
                tag="operators",
                body=model("login:EnrolBody", components),
                operator=True,
            )
        },
        "/me/mfa/confirm": {
            "post": op(
                "Premier code de l'application : active la double authentification (SetUserMFAPreference)",
                answer(200, obj({"mfa": {"const": True}})),
                id="confirmMfaEnrolment",
                tag="operators",
                body=model("login:ConfirmEnrolBody", components),
                operator=True,
            )
        },
        **accounts(components),
        "/opp/feed": {
            "post": op(
                "Publier une actualité nationale",
                answer(201, ref("FeedItem"), description="Publiée"),
                id="publishFeedItem",
                tag="operators",
                errors=(422,),
                body=model("feed:FeedItemBody", components),
                operator=True,
            )
        },
        "/opp/feed/{item_id}": {
            "delete": op(
                "Retirer une actualité",
                answer(204, None, description="Retirée"),
                id="removeFeedItem",
                tag="operators",
                errors=(404,),
                params=(path("item_id", "Identifiant de l'actualité"),),
                operator=True,
            )
        },
        "/opp/alert-advice": {
            "put": op(
                "Enregistrer la liste des conseils du composeur d'alerte (elle remplace la précédente)",
                answer(200, ref("AdviceList"), description="Enregistrée"),
                id="saveAlertAdvice",
                tag="operators",
                errors=(409,),
                body=model("advice:AdviceListBody", components),
                operator=True,
            )
        },
        "/admin/metrics": {
            "get": op(
                "Indicateurs de la dernière heure (administrateurs, environnement local)",
                answer(
                    200,
                    obj(
                        {
                            "source": {"type": "string", "const": "process"},
                            "since": TIME,
                            "until": TIME,
                            "metrics": array(
                                obj(
                                    {"name": TEXT, "unit": enum(["Count", "Milliseconds"])},
                                    {
                                        "sum": NUMBER,
                                        "count": COUNT,
                                        "mean": NUMBER,
                                        "p95": NUMBER,
                                        "max": NUMBER,
                                        "by": array(
                                            obj(
                                                {"dimensions": mapping(STRING, "Valeur par dimension")},
                                                {
                                                    "sum": NUMBER,
                                                    "count": COUNT,
                                                    "mean": NUMBER,
                                                    "p95": NUMBER,
                                                    "max": NUMBER,
                                                },
                                            )
                                        ),
                                    },
                                )
                            ),
                        }
                    ),
                ),
                id="readOperationsMetrics",
                tag="operators",
                errors=(400, 404),
                params=(query("minutes", {"type": "integer", "minimum": 1, "maximum": 180, "default": 60}, "Durée"),),
                operator=True,
            )
        },
        "/opp/prevention-push": {
            "post": op(
                "Message de prévention national",
                answer(
                    201,
                    obj(
                        {
                            "id": TEXT,
                            "text": TEXT,
                            "sent_at": TIME,
                            "delivery": mapping(
                                enum(["published", "failed"]),
                                "Statut par audience : `national`, ou un département pour un rappel de zone.",
                            ),
                        }
                    ),
                    description="Envoyé",
                    name="PreventionPush",
                ),
                id="sendPreventionPush",
                tag="operators",
                errors=(422,),
                body=model("feed:PreventionPushBody", components),
                operator=True,
            )
        },
    }


def accounts(components: dict[str, Schema]) -> Paths:
    """Accounts managed by admins (every account) and CORG chiefs (`corg-<dept>-chef`: their
    département's operators); every change is in the audit log."""
    username = path("username", "Identifiant de l'opérateur", pattern="^[a-z0-9][a-z0-9._-]{2,63}$")
    account = obj(
        {"username": TEXT, "status": TEXT, "enabled": BOOL, "mfa": BOOL},
        {"email": nullable(STRING), "created_at": nullable(TIME)},
    )
    change = obj({"username": TEXT}, {"enabled": BOOL, "mfa": BOOL, "temporary_password": TEXT})

    def action(summary: str, operation_id: str, errors: tuple[int, ...] = (404,)) -> dict[str, Any]:
        return {
            "post": op(
                summary,
                answer(200, change),
                id=operation_id,
                tag="accounts",
                errors=(400, *errors),
                params=(username,),
                operator=True,
            )
        }

    return {
        "/admin/accounts": {
            "get": op(
                "Comptes d'un groupe",
                answer(200, obj({"group": TEXT, "accounts": array(account)})),
                id="listAccounts",
                tag="accounts",
                errors=(400, 404),
                params=(query("group", STRING, "Groupe : corg-34, corg-34-chef, opp-ggd34, admin", required=True),),
                operator=True,
            ),
            "post": op(
                "Inviter un opérateur dans un groupe (mot de passe provisoire par e-mail ; en local, dans la réponse)",
                answer(
                    201,
                    obj({"username": TEXT, "group": TEXT, "status": TEXT}, {"temporary_password": TEXT}),
                    description="Invité",
                ),
                id="inviteOperator",
                tag="accounts",
                errors=(409,),
                body=model("accounts:InviteBody", components),
                operator=True,
            ),
        },
        "/admin/accounts/{username}/invitation": action(
            "Renvoyer l'invitation (nouveau mot de passe provisoire)", "resendInvitation", (404, 409)
        ),
        "/admin/accounts/{username}/disable": action("Désactiver le compte et fermer ses sessions", "disableAccount"),
        "/admin/accounts/{username}/enable": action("Réactiver le compte", "enableAccount"),
        "/admin/accounts/{username}/reset-mfa": action("Réinitialiser la double authentification", "resetAccountMfa"),
        "/admin/accounts/{username}": {
            "delete": op(
                "Retirer l'opérateur des groupes gérés (supprimé s'il n'en a plus aucun)",
                answer(200, obj({"username": TEXT, "deleted": BOOL, "removed_from": array(STRING)})),
                id="removeAccount",
                tag="accounts",
                errors=(400, 404),
                params=(username,),
                operator=True,
            )
        },
        "/admin/audit": {
            "get": op(
                "Journal des modifications de comptes (qui, quoi, qui est visé, quand), le plus récent d'abord",
                answer(
                    200,
                    obj(
                        {
                            "entries": array(
                                obj(
                                    {
                                        "at": TIME,
                                        "by": TEXT,
                                        "action": TEXT,
                                        "action_label": TEXT,
                                        "account": TEXT,
                                        "detail": STRING,
                                    }
                                )
                            )
                        }
                    ),
                ),
                id="readAccountAudit",
                tag="accounts",
                errors=(400,),
                params=(limit(200, 50),),
                operator=True,
            )
        },
    }


def pages() -> Paths:
    """The web apps; files carry an ETag, and a matching `If-None-Match` gets a 304."""
    cached = (header("If-None-Match", STRING, "ETag d'une réponse précédente"),)
    not_modified = answer(304, None, description="Inchangé")

    def page(summary: str, operation_id: str, media: str) -> dict[str, Any]:
        answers = {**answer(200, STRING, media), **not_modified}
        return {"get": op(summary, answers, id=operation_id, tag="pages", params=cached, aws=False)}

    asset_types = {
        "text/css": STRING,
        "text/javascript": STRING,
        "image/svg+xml": STRING,
        "image/png": BINARY,
        "application/manifest+json": STRING,
    }
    asset = op(
        "Fichiers statiques des applications",
        {
            "200": {"description": "Succès", "content": {media: {"schema": s} for media, s in asset_types.items()}},
            **not_modified,
        },
        id="getStaticAsset",
        tag="pages",
        errors=(404,),
        params=(path("name", "Nom du fichier", examples=["app.css"]), *cached),
        aws=False,
    )
    return {
        "/": page("Application citoyenne (PWA)", "getCitizenApp", "text/html"),
        "/console": page("Console CORG / OPP", "getConsole", "text/html"),
        "/sw.js": page("Service worker de l'application citoyenne", "getServiceWorker", "text/javascript"),
        "/static/{name}": {"get": asset},
    }


def otv_information(page: dict[str, Schema]) -> Schema:
    return obj(
        {
            **page,
            "zones": array(
                obj(
                    {
                        "zone": enum(["gendarmerie", "police"]),
                        "title": TEXT,
                        "rules": array(TEXT),
                        "limits": obj(
                            {
                                "earliest_days_before": {**COUNT, "description": "Inscription au plus tôt (jours)"},
                                "latest_days_before": {**COUNT, "description": "Inscription au plus tard (jours)"},
                                "min_absence_days": {**COUNT, "description": "Absence minimale (jours)"},
                                "max_absence_months": {**COUNT, "description": "Absence maximale (mois)"},
                            },
                            {
                                "home_types": array(enum(["maison", "appartement", "commerce"])),
                                "residences": array(enum(["principale", "secondaire"])),
                            },
                            description="Les limites de dates que POST /otv/form applique dans cette zone",
                        ),
                    }
                )
            ),
            "unknown_zone": {
                **nullable(TEXT),
                "description": "Avertissement à afficher quand la zone de la commune n'est pas connue",
            },
            "local_practice": TEXT,
            "how_to_register": array(obj({"channel": enum(["online", "in_person"]), "title": TEXT, "text": TEXT})),
            "changes": TEXT,
            "online_procedure": obj({"label": TEXT, "url": HTTPS}),
            "form": obj(
                {
                    "label": TEXT,
                    "url": {**TEXT, "description": "Chemin du formulaire vierge (GET, PDF)"},
                    "prefill_url": {**TEXT, "description": "Chemin du formulaire prérempli (POST, PDF)"},
                    "fields": array(TEXT),
                }
            ),
        },
        {"commune": {**ref("Commune"), "description": "La commune demandée (`?commune=`), avec sa zone et son unité"}},
    )


REPLAYED: dict[str, Any] = {
    "description": "`true` quand la réponse est celle d'une requête antérieure de même `Idempotency-Key`",
    "schema": {"type": "string", "const": "true"},
}
# The description itself: its top level typed, the OpenAPI objects below it left to the OpenAPI
# schema (https://spec.openapis.org/oas/3.1/schema), hence explicitly open.
_OPEN: Schema = {"type": "object", "additionalProperties": True, "description": "Objet OpenAPI 3.1"}
OPENAPI_DOCUMENT: Schema = obj(
    {
        "openapi": {"type": "string", "const": "3.1.0"},
        "info": obj(
            {"title": TEXT, "version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"}}, {"description": TEXT}
        ),
        "paths": mapping({**_OPEN, "additionalProperties": _OPEN}, "Les chemins, puis leurs opérations"),
        "components": _OPEN,
        "tags": array(_OPEN),
    }
)

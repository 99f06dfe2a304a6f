"""The operations of the description, one function per area of API.md."""

from __future__ import annotations

from typing import Any

from chalicelib.openapi.build import (
    BOOL,
    COUNT,
    OBJECT,
    SOURCES,
    STRING,
    TEXT,
    TIME,
    Schema,
    answer,
    array,
    header,
    limit,
    model,
    nullable,
    obj,
    op,
    path,
    query,
    ref,
)

Paths = dict[str, dict[str, Any]]
PDF = "application/pdf"


def public() -> Paths:
    return {
        "/health": {
            "get": op("État du service", answer(200, obj({"status": {"const": "ok"}})), tag="public", aws=False)
        },
        "/departments": {
            "get": op(
                "Les 101 départements",
                answer(200, obj({"departments": array(ref("Department"), minItems=101, maxItems=101)})),
                tag="public",
                aws=False,
            )
        },
        "/openapi.json": {"get": op("Cette description OpenAPI", answer(200, OBJECT), tag="public", aws=False)},
        "/feed": {
            "get": op(
                "Actualités nationales, les plus récentes d'abord",
                answer(200, obj({"items": array(ref("FeedItem")), "next_cursor": nullable(TEXT)})),
                tag="public",
                errors=(400,),
                params=(limit(50, 20), query("cursor", STRING, "Curseur rendu par la page précédente")),
            )
        },
    }


def content(components: dict[str, Schema]) -> Paths:
    page = {"title": TEXT, "intro": TEXT, "sources": SOURCES}
    audience = {"enum": ["particulier", "commercant"]}
    return {
        "/content/prevention": {
            "get": op(
                "Conseils de prévention",
                answer(
                    200,
                    obj({"audience": audience, "sections": array(obj({"title": TEXT, "items": array(TEXT)})), **page}),
                ),
                tag="contenus",
                errors=(400,),
                params=(query("audience", {"type": "string", **audience}, "Public visé", required=True),),
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
                            "steps": array(obj({"title": TEXT, "text": TEXT})),
                            "numbers": array(obj({"number": TEXT, "label": TEXT})),
                            **page,
                        }
                    ),
                ),
                tag="contenus",
                aws=False,
            )
        },
        "/content/otv": {
            "get": op(
                "Opération Tranquillité Vacances",
                answer(200, obj({"zones": array(OBJECT), "online_procedure": OBJECT, "form": OBJECT, **page})),
                tag="contenus",
                aws=False,
            )
        },
        "/otv/form.pdf": {
            "get": op("Formulaire OTV vierge", answer(200, {}, PDF), tag="contenus", errors=(406,), aws=False)
        },
        "/otv/form": {
            "post": op(
                "Formulaire OTV prérempli (rien n'est conservé)",
                answer(200, {}, PDF),
                tag="contenus",
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
                "S'abonner aux alertes d'un département (consentement obligatoire)",
                answer(201, ref("Subscription"), description="Abonné"),
                tag="abonnements",
                errors=(422,),
                body=model("subscriptions:SubscriptionBody", components),
            )
        },
        "/subscriptions/{subscription_id}": {
            "put": op(
                "Rafraîchir, changer de département ou retirer le consentement",
                answer(200, obj({"id": TEXT, "department": ref("DepartmentCode"), "subscribed": BOOL})),
                tag="abonnements",
                errors=(404, 410),
                params=(subscription_id,),
                body=model("subscriptions:SubscriptionUpdate", components),
            ),
            "delete": op(
                "Se désabonner : tout est effacé",
                answer(204, None, description="Effacé"),
                tag="abonnements",
                errors=(404,),
                params=(subscription_id,),
            ),
        },
    }


def operators(components: dict[str, Schema]) -> Paths:
    token = {"type": "string", "pattern": r"^eyJ"}
    return {
        "/auth/login": {
            "post": op(
                "Connexion d'un opérateur (Cognito)",
                answer(200, obj({"id_token": token, "expires_in": COUNT, "groups": array(STRING)})),
                tag="opérateurs",
                errors=(401, 429),
                body=model("auth:LoginBody", components),
            )
        },
        "/opp/feed": {
            "post": op(
                "Publier une actualité nationale",
                answer(201, ref("FeedItem"), description="Publiée"),
                tag="opérateurs",
                errors=(422,),
                body=model("feed:FeedItemBody", components),
                operator=True,
            )
        },
        "/opp/feed/{item_id}": {
            "delete": op(
                "Retirer une actualité",
                answer(204, None, description="Retirée"),
                tag="opérateurs",
                errors=(404,),
                params=(path("item_id", "Identifiant de l'actualité"),),
                operator=True,
            )
        },
        "/opp/prevention-push": {
            "post": op(
                "Message de prévention national",
                answer(201, obj({"id": TEXT, "text": TEXT, "sent_at": TIME, "delivery": OBJECT}), description="Envoyé"),
                tag="opérateurs",
                errors=(422,),
                body=model("feed:PreventionPushBody", components),
                operator=True,
            )
        },
    }


def pages() -> Paths:
    """The web apps; files carry an ETag, and a matching `If-None-Match` gets a 304."""
    cached = (header("If-None-Match", STRING, "ETag d'une réponse précédente"),)
    not_modified = answer(304, None, description="Inchangé")

    def page(summary: str, media: str) -> dict[str, Any]:
        return {
            "get": op(summary, {**answer(200, STRING, media), **not_modified}, tag="pages", params=cached, aws=False)
        }

    asset_types = ("text/css", "text/javascript", "image/svg+xml", "image/png", "application/manifest+json")
    asset = op(
        "Fichiers statiques des applications",
        {"200": {"description": "Succès", "content": {media: {"schema": {}} for media in asset_types}}, **not_modified},
        tag="pages",
        errors=(404,),
        params=(path("name", "Nom du fichier", examples=["app.css"]), *cached),
        aws=False,
    )
    return {
        "/": page("Application citoyenne (PWA)", "text/html"),
        "/console": page("Console CORG / OPP", "text/html"),
        "/sw.js": page("Service worker de l'application citoyenne", "text/javascript"),
        "/static/{name}": {"get": asset},
    }

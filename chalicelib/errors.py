"""The error catalogue: each error a stable code, an HTTP status and a French message.

Domain code raises `AppError`; the routes layer turns it into `application/problem+json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorKind:
    status: int
    title: str
    detail: str


CATALOGUE: dict[str, ErrorKind] = {
    "validation_error": ErrorKind(400, "Requête invalide", "Certains champs de la requête sont invalides."),
    "malformed_json": ErrorKind(400, "Requête invalide", "Le corps de la requête n'est pas un JSON valide."),
    "invalid_department": ErrorKind(
        400,
        "Département inconnu",
        "Numéro de département inconnu : indiquez 01 à 95, 2A, 2B, 971, 972, 973, 974 ou 976.",
    ),
    "invalid_parameter": ErrorKind(400, "Paramètre invalide", "Un paramètre de la requête est invalide."),
    "outside_territory": ErrorKind(
        400,
        "Position hors de France",
        "Cette position est trop loin de toute commune de France métropolitaine ou d'outre-mer "
        "(Guadeloupe, Martinique, Guyane, La Réunion, Mayotte) : aucune brigade ne peut être proposée.",
    ),
    "unauthenticated": ErrorKind(401, "Authentification requise", "Connectez-vous pour accéder à ce service."),
    "invalid_token": ErrorKind(401, "Session invalide", "Votre session est invalide ou expirée : reconnectez-vous."),
    "bad_credentials": ErrorKind(401, "Identifiants incorrects", "Identifiant ou mot de passe incorrect."),
    "forbidden": ErrorKind(403, "Accès refusé", "Vous n'êtes pas autorisé à effectuer cette action."),
    "not_found": ErrorKind(404, "Introuvable", "La ressource demandée n'existe pas."),
    "method_not_allowed": ErrorKind(
        405, "Méthode non autorisée", "Cette méthode n'est pas autorisée pour cette ressource (voir l'en-tête Allow)."
    ),
    "not_acceptable": ErrorKind(
        406, "Format non disponible", "Ce document est un PDF : envoyez l'en-tête « Accept: application/pdf »."
    ),
    "conflict": ErrorKind(409, "Conflit", "La ressource a été modifiée entre-temps : réessayez."),
    "request_in_progress": ErrorKind(
        409, "Requête en cours", "Une requête avec la même clé d'idempotence est en cours : réessayez dans un instant."
    ),
    "subscription_gone": ErrorKind(
        410, "Abonnement expiré", "Cet appareil n'est plus joignable : abonnez-vous à nouveau aux alertes."
    ),
    "subscription_limit": ErrorKind(
        409,
        "Trop d'abonnements",
        "Le nombre maximal d'abonnements est atteint pour ce navigateur ou ce service de notification.",
    ),
    "payload_too_large": ErrorKind(413, "Requête trop volumineuse", "Le corps de la requête est trop volumineux."),
    "unsupported_media_type": ErrorKind(
        415, "Format non pris en charge", "Envoyez le corps de la requête en JSON (application/json)."
    ),
    "consent_required": ErrorKind(
        422,
        "Consentement requis",
        "Cochez « j'accepte de recevoir les notifications » pour vous abonner.",
    ),
    "content_rejected": ErrorKind(422, "Message refusé", "Le message ne respecte pas les règles de diffusion."),
    "idempotency_key_reused": ErrorKind(
        422,
        "Clé d'idempotence déjà utilisée",
        "Cette clé d'idempotence a déjà servi pour une autre requête : prenez une nouvelle clé.",
    ),
    "too_many_attempts": ErrorKind(
        429, "Trop de tentatives", "Trop de tentatives de connexion : réessayez dans quelques minutes."
    ),
    "too_many_registrations": ErrorKind(
        429, "Trop d'inscriptions", "Trop d'inscriptions depuis cette adresse : réessayez dans une minute."
    ),
    "internal_error": ErrorKind(500, "Erreur interne", "Une erreur interne est survenue. Réessayez plus tard."),
    "service_unavailable": ErrorKind(
        503, "Service indisponible", "Un service nécessaire est momentanément indisponible. Réessayez plus tard."
    ),
}


class AppError(Exception):
    """An error a user can act on; `code` is a key of `CATALOGUE`."""

    def __init__(
        self,
        code: str,
        detail: str | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.kind = CATALOGUE[code]
        self.code = code
        self.detail = detail or self.kind.detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__(f"{code}: {self.detail}")

    @property
    def status(self) -> int:
        return self.kind.status

    def to_problem(self) -> dict[str, Any]:
        """The `application/problem+json` body (RFC 9457)."""
        from chalicelib.typography import french

        body: dict[str, Any] = {
            "type": f"urn:stop-cambriolages:problem:{self.code}",
            "code": self.code,
            "status": self.status,
            "title": french(self.kind.title),
            "detail": french(self.detail),
        }
        if self.errors is not None:
            body["errors"] = [{**e, "message": french(e["message"])} if "message" in e else e for e in self.errors]
        body.update(self.extra)
        return body


def field_error(field: str, message: str, code: str = "validation_error") -> AppError:
    """A 400 naming one bad field."""
    return AppError(code, message, errors=[{"field": field, "message": message}])

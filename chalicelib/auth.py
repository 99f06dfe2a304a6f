"""Operators: login through Cognito, id-token verification against the pool's JWKS, `authorize()`.

Every operator route calls `authenticate()` then `authorize(user, action, department)` before it
touches any storage.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from chalicelib import aws
from chalicelib.config import get_settings
from chalicelib.errors import AppError
from chalicelib.observability import metric
from chalicelib.validation import Body

log = logging.getLogger(__name__)

ADMIN = "admin"
OPP = "opp-ggd34"
CORG_PREFIX = "corg-"

# Who may do what: "corg" means a member of `corg-<dept>` acting on that département.
ACTIONS: dict[str, frozenset[str]] = {
    "alerts:check": frozenset({"corg-any", ADMIN}),
    "alerts:send": frozenset({"corg", ADMIN}),
    "alerts:retract": frozenset({"corg", ADMIN}),
    "alerts:read": frozenset({"corg", ADMIN}),
    "subscribers:count": frozenset({"corg", ADMIN}),
    "feed:publish": frozenset({OPP, ADMIN}),
    "feed:remove": frozenset({OPP, ADMIN}),
    "prevention:push": frozenset({OPP, ADMIN}),
    "advice:read": frozenset({"corg-any", OPP, ADMIN}),
    "advice:edit": frozenset({OPP, ADMIN}),
    "metrics:read": frozenset({ADMIN}),
}


@dataclass(frozen=True)
class User:
    username: str
    groups: frozenset[str]


def authorize(user: User, action: str, department: str | None = None) -> None:
    """Raise a 403 unless `user` may do `action` (on `department`, for département-scoped actions)."""
    allowed = ACTIONS[action]
    if ADMIN in user.groups and ADMIN in allowed:
        return
    if OPP in allowed and OPP in user.groups:
        return
    if "corg-any" in allowed and any(g.startswith(CORG_PREFIX) for g in user.groups):
        return
    if "corg" in allowed and department is not None and f"{CORG_PREFIX}{department.lower()}" in user.groups:
        return
    if "corg" in allowed and department is not None and any(g.startswith(CORG_PREFIX) for g in user.groups):
        raise AppError("forbidden", f"Vous ne pouvez agir que pour votre département, pas pour le {department}.")
    raise AppError("forbidden", _FORBIDDEN.get(action.split(":")[0], "Action réservée à d'autres opérateurs."))


_FORBIDDEN = {
    "feed": "La publication du flux national est réservée à l'OPP du GGD34.",
    "prevention": "Les messages de prévention nationaux sont réservés à l'OPP du GGD34.",
    "alerts": "Les alertes sont réservées aux chefs de quart des CORG.",
    "subscribers": "Les alertes sont réservées aux chefs de quart des CORG.",
    "advice": "La liste des conseils des alertes est tenue par l'OPP du GGD34.",
    "metrics": "Les indicateurs d'exploitation sont réservés aux administrateurs.",
}


# --- Login ------------------------------------------------------------------------------------


class LoginBody(Body):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)


def login(username: str, password: str) -> dict[str, Any]:
    """Exchange credentials for an id token; failures per username are throttled."""
    settings = get_settings()
    if not settings.cognito_user_pool_id or not settings.cognito_client_id:
        raise AppError("service_unavailable", "Le service d'authentification n'est pas configuré.")
    key = f"login#{username.lower()}"
    _refuse_if_locked(key)
    try:
        answer = aws.client("cognito-idp").initiate_auth(
            ClientId=settings.cognito_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except Exception as exc:  # botocore's modelled errors are built per client: match by code
        if _error_code(exc) in ("NotAuthorizedException", "UserNotFoundException"):
            _record_failure(key)
            log.info("login refused")
            metric("LoginFailures")
            raise AppError("bad_credentials") from None
        raise
    result = answer.get("AuthenticationResult")
    if not result:
        raise AppError("bad_credentials", "Ce compte doit d'abord changer son mot de passe auprès de l'administrateur.")
    _clear_failures(key)
    user = verify_token(result["IdToken"])
    log.info("login ok", extra={"operator": user.username})
    return {"id_token": result["IdToken"], "expires_in": result["ExpiresIn"], "groups": sorted(user.groups)}


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _refuse_if_locked(key: str) -> None:
    from chalicelib.models import Marker

    settings = get_settings()
    try:
        marker = Marker.get(key)
    except Marker.DoesNotExist:
        return
    elapsed = time.time() - marker.first_at
    if marker.hits >= settings.login_max_failures and elapsed < settings.login_lock_seconds:
        wait = int(settings.login_lock_seconds - elapsed) + 1
        metric("LoginThrottled")
        raise AppError(
            "too_many_attempts",
            f"Trop de tentatives de connexion échouées : réessayez dans {max(1, wait // 60)} minute(s).",
            headers={"Retry-After": str(wait)},
        )


def _record_failure(key: str) -> None:
    from pynamodb.exceptions import UpdateError

    from chalicelib.models import Marker

    settings = get_settings()
    now = int(time.time())
    try:
        Marker(key).update(
            actions=[Marker.hits.add(1)],
            condition=Marker.first_at > now - settings.login_lock_seconds,
        )
    except UpdateError:  # no marker yet, or an expired window: start a new one
        expires = datetime.fromtimestamp(now + 2 * settings.login_lock_seconds, tz=UTC)
        Marker(key, hits=1, first_at=now, expires_at=expires).save()


def _clear_failures(key: str) -> None:
    from chalicelib.models import Marker

    Marker(key).delete()


# --- Tokens -----------------------------------------------------------------------------------


class _KeyCache:
    """The pool's signing keys, fetched once per container and again for an unknown key id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._url = ""
        self._fetched_at = 0.0

    def key(self, url: str, kid: str) -> Any:
        with self._lock:
            stale = url != self._url or (kid not in self._keys and time.time() - self._fetched_at > 30)
            if stale:
                self._fetch(url)
            return self._keys.get(kid)

    def _fetch(self, url: str) -> None:
        import jwt
        import requests

        try:
            response = requests.get(url, timeout=5)
            response.raise_for_status()
            keyset = jwt.PyJWKSet.from_dict(response.json())
        except Exception:
            log.exception("JWKS unavailable")
            raise AppError("service_unavailable", "Le service d'authentification est indisponible.") from None
        self._keys = {k.key_id: k.key for k in keyset.keys if k.key_id}
        self._url = url
        self._fetched_at = time.time()

    def clear(self) -> None:
        with self._lock:
            self._keys, self._url, self._fetched_at = {}, "", 0.0


KEYS = _KeyCache()


def verify_token(token: str) -> User:
    """The operator behind a Cognito id token; 401 unless signature, expiry, issuer and client hold."""
    import jwt

    settings = get_settings()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise AppError("invalid_token") from None
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise AppError("invalid_token")
    key = KEYS.key(settings.jwks_url, header["kid"])
    if key is None:
        raise AppError("invalid_token")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=settings.cognito_client_id,
            issuer=settings.issuer,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise AppError("invalid_token", "Votre session a expiré : reconnectez-vous.") from None
    except jwt.PyJWTError:
        raise AppError("invalid_token") from None
    if claims.get("token_use") != "id":
        raise AppError("invalid_token")
    username = claims.get("cognito:username") or claims.get("sub") or ""
    groups = claims.get("cognito:groups") or []
    return User(username=str(username), groups=frozenset(str(g) for g in groups))


def authenticate(authorization: str | None) -> User:
    """The operator of an `Authorization: Bearer <id token>` header, or a 401."""
    if not authorization:
        raise AppError("unauthenticated")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AppError("invalid_token", "En-tête Authorization invalide : « Bearer <jeton> » attendu.")
    return verify_token(token.strip())

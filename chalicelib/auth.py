"""Operators: id-token verification against the pool's JWKS, `authorize()`, and the live re-check
of writes (sign-in itself is in `chalicelib.login`).

Every operator route calls `authenticate()` then `authorize(user, action, department)` before it
touches any storage; a route that writes calls `authorize_write()`, which also asks Cognito (at most
`access_recheck_seconds` ago, 60 s) whether the account is still enabled and still in the group it
acts for: a disabled operator, or one removed from the group, is refused within a minute even with
an id token that is still valid.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from chalicelib import aws
from chalicelib.config import get_settings
from chalicelib.errors import AppError

log = logging.getLogger(__name__)

ADMIN = "admin"
OPP = "opp-ggd34"
CORG_PREFIX = "corg-"
CHIEF_SUFFIX = "-chef"

# Who may do what: "corg" means a member of `corg-<dept>` acting on that département, "chief" a
# member of `corg-<dept>-chef` (the CORG's head, who manages its operators) acting on it.
ACTIONS: dict[str, frozenset[str]] = {
    "alerts:check": frozenset({"corg-any", ADMIN}),
    "alerts:send": frozenset({"corg", ADMIN}),
    "alerts:retract": frozenset({"corg", ADMIN}),
    "alerts:read": frozenset({"corg", ADMIN}),
    "subscribers:count": frozenset({"corg", ADMIN}),
    "feed:publish": frozenset({OPP, ADMIN}),
    "feed:remove": frozenset({OPP, ADMIN}),
    "prevention:push": frozenset({OPP, ADMIN}),
    "accounts:read": frozenset({"chief", ADMIN}),
    "accounts:invite": frozenset({"chief", ADMIN}),
    "accounts:resend": frozenset({"chief", ADMIN}),
    "accounts:disable": frozenset({"chief", ADMIN}),
    "accounts:enable": frozenset({"chief", ADMIN}),
    "accounts:reset-mfa": frozenset({"chief", ADMIN}),
    "accounts:remove": frozenset({"chief", ADMIN}),
    "audit:read": frozenset({ADMIN}),
    "advice:read": frozenset({"corg-any", OPP, ADMIN}),
    "advice:edit": frozenset({OPP, ADMIN}),
    "metrics:read": frozenset({ADMIN}),
}
# Actions that change something: `authorize_write` re-checks them against Cognito.
WRITES = frozenset(action for action in ACTIONS if not action.endswith((":read", ":check", ":count")))


def corg_group(department: str) -> str:
    return f"{CORG_PREFIX}{department.lower()}"


def chief_group(department: str) -> str:
    return f"{CORG_PREFIX}{department.lower()}{CHIEF_SUFFIX}"


def group_department(group: str) -> str | None:
    """`corg-34` and `corg-34-chef` → "34" (upper case: `corg-2a` → "2A"); other groups → None."""
    if not group.startswith(CORG_PREFIX):
        return None
    code = group[len(CORG_PREFIX) :].removesuffix(CHIEF_SUFFIX)
    return code.upper()


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
    if "corg" in allowed and department is not None and corg_group(department) in user.groups:
        return
    if "chief" in allowed and department is not None and chief_group(department) in user.groups:
        return
    if "corg" in allowed and department is not None and any(g.startswith(CORG_PREFIX) for g in user.groups):
        raise AppError("forbidden", f"Vous ne pouvez agir que pour votre département, pas pour le {department}.")
    if "chief" in allowed and any(g.endswith(CHIEF_SUFFIX) for g in user.groups):
        where = f"le {department}" if department else "ce groupe"
        raise AppError("forbidden", f"Vous ne gérez que les opérateurs de votre CORG, pas {where}.")
    raise AppError("forbidden", _FORBIDDEN.get(action.split(":")[0], "Action réservée à d'autres opérateurs."))


_FORBIDDEN = {
    "feed": "La publication du flux national est réservée à l'OPP du GGD34.",
    "prevention": "Les messages de prévention nationaux sont réservés à l'OPP du GGD34.",
    "alerts": "Les alertes sont réservées aux chefs de quart des CORG.",
    "subscribers": "Les alertes sont réservées aux chefs de quart des CORG.",
    "accounts": "La gestion des comptes est réservée aux administrateurs et aux chefs de CORG.",
    "audit": "Le journal des comptes est réservé aux administrateurs.",
    "advice": "La liste des conseils des alertes est tenue par l'OPP du GGD34.",
    "metrics": "Les indicateurs d'exploitation sont réservés aux administrateurs.",
}


def authorize_write(user: User, action: str, department: str | None = None) -> None:
    """`authorize()` on the token, then again on the account as Cognito has it now (cached at most
    `access_recheck_seconds`): 401 if it was disabled or deleted, 403 if it left the group."""
    authorize(user, action, department)
    enabled, groups = ACCESS.current(user.username)
    if not enabled:
        log.warning("write refused: account disabled", extra={"operator": user.username})
        raise AppError("account_disabled")
    try:
        authorize(User(username=user.username, groups=user.groups & groups), action, department)
    except AppError:
        log.warning("write refused: group withdrawn", extra={"operator": user.username})
        raise AppError(
            "forbidden", "Vos droits ont été retirés depuis votre connexion : cette action ne vous est plus permise."
        ) from None


class _AccessCache:
    """Each operator's `Enabled` flag and groups as Cognito has them, kept `access_recheck_seconds`
    at most per container; account changes made through the API forget the entry at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, bool, frozenset[str]]] = {}

    def current(self, username: str) -> tuple[bool, frozenset[str]]:
        key = username.lower()
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
        if entry and now - entry[0] < get_settings().access_recheck_seconds:
            return entry[1], entry[2]
        enabled, groups = _account_access(username)
        with self._lock:
            self._entries[key] = (now, enabled, groups)
        return enabled, groups

    def forget(self, username: str) -> None:
        with self._lock:
            self._entries.pop(username.lower(), None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


ACCESS = _AccessCache()


def _account_access(username: str) -> tuple[bool, frozenset[str]]:
    cognito = aws.client("cognito-idp")
    pool = get_settings().cognito_user_pool_id
    try:
        enabled = bool(cognito.admin_get_user(UserPoolId=pool, Username=username).get("Enabled", False))
        groups: set[str] = set()
        for page in cognito.get_paginator("admin_list_groups_for_user").paginate(UserPoolId=pool, Username=username):
            groups.update(g["GroupName"] for g in page.get("Groups", []))
    except Exception as exc:
        if aws.error_code(exc) == "UserNotFoundException":
            return False, frozenset()
        raise
    return enabled, frozenset(groups)


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


def verify_access_token(token: str) -> str:
    """The username of a Cognito access token of our app client; 401 otherwise."""
    import jwt

    settings = get_settings()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        raise AppError("invalid_token") from None
    key = KEYS.key(settings.jwks_url, kid) if isinstance(kid, str) else None
    if key is None:
        raise AppError("invalid_token")
    try:
        claims = jwt.decode(
            token, key, algorithms=["RS256"], issuer=settings.issuer, options={"require": ["exp", "iss"]}
        )
    except jwt.PyJWTError:
        raise AppError("invalid_token") from None
    if claims.get("token_use") != "access" or claims.get("client_id") != settings.cognito_client_id:
        raise AppError("invalid_token")
    return str(claims.get("username") or "")


def authenticate(authorization: str | None) -> User:
    """The operator of an `Authorization: Bearer <id token>` header, or a 401."""
    if not authorization:
        raise AppError("unauthenticated")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AppError("invalid_token", "En-tête Authorization invalide : « Bearer <jeton> » attendu.")
    return verify_token(token.strip())

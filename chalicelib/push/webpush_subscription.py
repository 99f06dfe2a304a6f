"""A browser's PushSubscription, as the web app sends it in `POST /subscriptions`, checked.

Only endpoints of known push services are accepted (`WEBPUSH_ALLOWED_HOSTS`, `*.` wildcards for
sub-domains), on the default HTTPS port (an explicit port other than 443 is refused: no push service
uses one, and a dead port is an endpoint that never answers 404/410 and is never pruned):
otherwise the worker could be made to post to any address. The local stage also accepts
`http://127.0.0.1` and `http://localhost` on any port (the loopback push service of `make run`).
The keys must decode to what RFC 8291 encrypts for: a P-256 public point and a 16-byte secret.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from chalicelib.config import get_settings
from chalicelib.push.push_services import LOCAL_HOSTS, host_matches
from chalicelib.validation import Body

BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


class WebPushKeys(Body):
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)

    @field_validator("p256dh")
    @classmethod
    def _p256dh(cls, value: str) -> str:
        raw = _decode(value, "p256dh")
        if len(raw) != 65 or raw[0] != 4 or not _on_curve(raw):
            raise ValueError("La clé « p256dh » doit être une clé publique P-256 non compressée (65 octets).")
        return value

    @field_validator("auth")
    @classmethod
    def _auth(cls, value: str) -> str:
        if len(_decode(value, "auth")) != 16:
            raise ValueError("Le secret « auth » doit faire 16 octets.")
        return value


class WebPushSubscription(Body):
    """`PushSubscription.toJSON()`: `expirationTime` is accepted (browsers send it) and ignored."""

    endpoint: str = Field(max_length=2048)
    keys: WebPushKeys
    expirationTime: int | None = None  # the browser's camelCase name

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        check_endpoint(value)
        return value

    def stored(self) -> dict[str, Any]:
        """What `Subscription.web_push` keeps: what the worker needs, nothing else."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.keys.p256dh, "auth": self.keys.auth}}


def check_endpoint(endpoint: str) -> None:
    """Raise a French `ValueError` unless `endpoint` is a push service's URL we may post to."""
    try:
        url = urlsplit(endpoint)
        host = (url.hostname or "").lower()
        port = url.port  # raises on a malformed port
    except ValueError:
        raise ValueError("L'adresse du service de notification est invalide.") from None
    if url.username is not None or url.password is not None or not url.path.strip("/"):
        raise ValueError("L'adresse du service de notification est invalide.")
    settings = get_settings()
    if settings.is_local and host in LOCAL_HOSTS and url.scheme in ("http", "https"):
        return
    if url.scheme != "https":
        raise ValueError("L'adresse du service de notification doit commencer par https://.")
    if port not in (None, 443):
        raise ValueError("L'adresse du service de notification ne doit pas indiquer d'autre port que 443.")
    if not any(host_matches(host, allowed) for allowed in settings.webpush_allowed_hosts):
        raise ValueError("Ce service de notification n'est pas reconnu : utilisez un navigateur à jour.")


def _decode(value: str, name: str) -> bytes:
    if not BASE64URL.fullmatch(value):  # the decoder would silently skip foreign characters
        raise ValueError(f"La clé « {name} » doit être encodée en base64url.")
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        raise ValueError(f"La clé « {name} » doit être encodée en base64url.") from None


def _on_curve(raw: bytes) -> bool:
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True

"""Web Push message encryption (RFC 8291, `aes128gcm` content coding of RFC 8188), written on
`cryptography`'s primitives: per message, the work the standard needs and nothing else.

Per message: one ephemeral P-256 key pair, one ECDH with the browser's key, four HMAC-SHA-256
(the two HKDF steps, RFC 5869: every output is at most one hash long, so each Expand is one HMAC),
one AES-128-GCM encryption of a single record. pywebpush/http_ece did the same work through layers
that cost twice as much (a deep copy of the subscription, key objects and HKDF objects rebuilt,
base64 round trips): ≈ 240 µs against ≈ 125 µs here on this machine.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache
from typing import Any

RECORD_SIZE = 4096  # one record: a push message is at most 4 kB (RFC 8030 §7.2)
KEY_INFO = b"WebPush: info\x00"
CEK_INFO = b"Content-Encoding: aes128gcm\x00\x01"  # \x01: HKDF-Expand's first (only) block
NONCE_INFO = b"Content-Encoding: nonce\x00\x01"
LAST_RECORD = b"\x02"  # delimiter of the last (and only) record, no padding


class InvalidKeys(ValueError):
    """The subscription's keys do not make a P-256 point and a secret (a 400 from the sender)."""


def b64decode(value: str) -> bytes:
    """base64url with or without padding (browsers send it without)."""
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def encrypt(payload: bytes, p256dh: str, auth: str) -> bytes:
    """The request body for one subscription: header (salt, record size, our public key) + record."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(payload) + len(LAST_RECORD) + 16 > RECORD_SIZE:
        raise ValueError("payload too large for one Web Push record")
    try:
        ua_public = b64decode(p256dh)
        secret = b64decode(auth)
        ua_key = ec.EllipticCurvePublicKey.from_encoded_point(_curve(), ua_public)
    except (ValueError, TypeError) as exc:
        raise InvalidKeys(str(exc)) from None
    as_key = ec.generate_private_key(_curve())
    as_public = as_key.public_key().public_bytes(*_x962())
    shared = as_key.exchange(_ecdh(), ua_key)
    # RFC 8291 §3.4: IKM = HKDF(salt=auth_secret, ikm=ecdh_secret, info="WebPush: info"||ua||as, 32)
    prk_key = hmac.digest(secret, shared, hashlib.sha256)
    ikm = hmac.digest(prk_key, KEY_INFO + ua_public + as_public + b"\x01", hashlib.sha256)
    # RFC 8188 §2.2: CEK and nonce from a random salt
    salt = os.urandom(16)
    prk = hmac.digest(salt, ikm, hashlib.sha256)
    cek = hmac.digest(prk, CEK_INFO, hashlib.sha256)[:16]
    nonce = hmac.digest(prk, NONCE_INFO, hashlib.sha256)[:12]
    record = AESGCM(cek).encrypt(nonce, payload + LAST_RECORD, None)
    return salt + RECORD_SIZE.to_bytes(4, "big") + bytes([len(as_public)]) + as_public + record


@cache
def _curve() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.SECP256R1()


@cache
def _ecdh() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.ECDH()


@cache
def _x962() -> tuple[Any, Any]:
    from cryptography.hazmat.primitives import serialization

    return serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint

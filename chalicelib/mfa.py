"""TOTP enrolment material: the `otpauth://` URI and its QR code, drawn here (no outside service)."""

from __future__ import annotations

import base64
import io
from typing import Any
from urllib.parse import quote

from chalicelib.config import get_settings


def otpauth_uri(secret: str, username: str) -> str:
    """The key URI authenticator apps read (Google's "Key Uri Format"): issuer, account, secret."""
    issuer = get_settings().mfa_issuer
    label = quote(f"{issuer}:{username}", safe=":@")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}&algorithm=SHA1&digits=6&period=30"


def qr_data_uri(text: str) -> str:
    """`text` as an SVG QR code in a `data:` URI (the console's CSP allows `img-src data:`)."""
    import segno

    code = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=6, border=4, xmldecl=False, svgns=True, dark="#000", light="#fff")
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def enrolment(secret: str, username: str) -> dict[str, Any]:
    """What the console shows to enrol an authenticator app: the secret as text and as a QR code."""
    uri = otpauth_uri(secret, username)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {"secret": secret, "secret_grouped": grouped, "otpauth_uri": uri, "qr": qr_data_uri(uri)}

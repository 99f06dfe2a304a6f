"""Schemathesis checks for tests/test_fuzz.py (loaded by the CLI through SCHEMATHESIS_HOOKS).

- `no_internal_details`: an error answer is a problem+json that shows no stack trace, no exception
  or library name, no AWS resource and no address of the embedded AWS;
- `security_headers`: every answer, pages and errors included, carries the security headers.
"""

from __future__ import annotations

from typing import Any

import schemathesis

INTERNAL_MARKERS = (
    "Traceback",
    'File "',
    ".py",
    "Exception",
    "botocore",
    "boto3",
    "pynamodb",
    "chalice",
    "pydantic",
    "arn:aws:",
    "amazonaws.com",
    "moto",
    "127.0.0.1",
    "localhost",
)
SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}
CSP_DIRECTIVES = ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'")


def header(response: Any, name: str) -> str:
    return next((v[0] for k, v in response.headers.items() if k.lower() == name and v), "")


@schemathesis.check
def no_internal_details(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code < 400:
        return None
    text = response.content.decode("utf-8", "replace")
    leaked = [marker for marker in INTERNAL_MARKERS if marker in text]
    if leaked:
        raise AssertionError(f"internal detail in an error body ({', '.join(leaked)}): {text[:300]}")
    if not header(response, "content-type").startswith("application/problem+json"):
        raise AssertionError(f"an error answered {header(response, 'content-type')!r}, not application/problem+json")
    return None


@schemathesis.check
def security_headers(ctx: Any, response: Any, case: Any) -> bool | None:
    wrong = {
        name: header(response, name) for name, value in SECURITY_HEADERS.items() if header(response, name) != value
    }
    if wrong:
        raise AssertionError(f"security headers missing or wrong: {wrong}")
    policy = header(response, "content-security-policy")
    missing = [directive for directive in CSP_DIRECTIVES if directive not in policy]
    if missing or "unsafe-" in policy:
        raise AssertionError(f"weak Content-Security-Policy {policy!r} (missing: {missing})")
    return None

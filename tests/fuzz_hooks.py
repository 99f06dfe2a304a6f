"""Schemathesis hooks for tests/test_fuzz.py (loaded by the CLI through SCHEMATHESIS_HOOKS).

`no_internal_details`: an error answer is a French problem+json that shows no stack trace, no
exception or library name, no AWS resource and no address of the embedded AWS.
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


@schemathesis.check
def no_internal_details(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code < 400:
        return None
    text = response.content.decode("utf-8", "replace")
    leaked = [marker for marker in INTERNAL_MARKERS if marker in text]
    if leaked:
        raise AssertionError(f"internal detail in an error body ({', '.join(leaked)}): {text[:300]}")
    content_type = next((v[0] for k, v in response.headers.items() if k.lower() == "content-type" and v), "")
    if not content_type.startswith("application/problem+json"):
        raise AssertionError(f"an error answered {content_type!r}, not application/problem+json")
    return None

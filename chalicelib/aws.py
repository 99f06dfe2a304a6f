"""Cached boto3 clients: one place builds them, so tests and the local runner can redirect them.

The endpoint comes from `AWS_ENDPOINT_URL`, which botocore reads itself (moto's server locally).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.config import get_settings


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    retries = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=3, read_timeout=10)
    return boto3.client(service, region_name=get_settings().region, config=retries)


def reset() -> None:
    """Forget cached clients (after the environment or moto's state changed)."""
    client.cache_clear()


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore `ClientError` ("" for anything else): botocore builds its
    modelled exception classes per client, so callers match on the code rather than the class."""
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))

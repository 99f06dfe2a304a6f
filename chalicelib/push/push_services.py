"""Which push service a browser's endpoint belongs to: the entry of `WEBPUSH_ALLOWED_HOSTS` its host
matches (`*.` wildcards for sub-domains), or the loopback service of the local stage.

No pydantic, no AWS: the registration (`webpush_subscription`) checks endpoints with it, and the
worker finds which push service's count a pruned subscription leaves.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from chalicelib.config import get_settings

LOCAL_HOSTS = ("127.0.0.1", "localhost")
LOOPBACK = "loopback"  # the push service of the local stage (any port of 127.0.0.1 or localhost)


def host_matches(host: str, allowed: str) -> bool:
    allowed = allowed.lower()
    if allowed.startswith("*."):
        return host.endswith(allowed[1:]) and len(host) > len(allowed) - 1
    return host == allowed


def push_service(endpoint: str) -> str | None:
    """The allow-list entry (host pattern) of an endpoint, `LOOPBACK` locally, None if unknown."""
    try:
        host = (urlsplit(endpoint).hostname or "").lower()
    except ValueError:
        return None
    settings = get_settings()
    if settings.is_local and host in LOCAL_HOSTS:
        return LOOPBACK
    return next((allowed.lower() for allowed in settings.webpush_allowed_hosts if host_matches(host, allowed)), None)

"""The HTTP layer: blueprints whose handlers validate input, call domain code and shape answers.

`ApiBlueprint.route` wraps every handler so that an `AppError` becomes `application/problem+json`,
an unavailable AWS dependency a 503, and anything else a 500 without internals.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalice.app import Blueprint, Response

from chalicelib.errors import AppError, field_error

if TYPE_CHECKING:
    from chalicelib.validation import Model

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
JSON = "application/json"  # the one JSON media type (RFC 8259: always UTF-8, no charset parameter)
RETRY_AFTER_SECONDS = "5"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'; object-src 'none'"
    ),
    "Strict-Transport-Security": "max-age=31536000",
}
_DEPENDENCY_DOWN = (
    "EndpointConnectionError",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ConnectionClosedError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalServerError",
    "InternalErrorException",
    "InternalError",
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "Throttling",
    "TooManyRequestsException",
)

Handler = TypeVar("Handler", bound=Callable[..., Any])
_DECIMAL = re.compile(r"[+-]?(?:\d{1,15}(?:\.\d{0,15})?|\.\d{1,15})")  # no exponent, NaN, infinity


def problem(error: AppError) -> Response:
    headers: dict[str, str | list[str]] = {"Content-Type": PROBLEM, **error.headers}
    if error.status == 503:
        headers.setdefault("Retry-After", RETRY_AFTER_SECONDS)  # every 503 says when to come back
    return Response(body=json.dumps(error.to_problem(), ensure_ascii=False), status_code=error.status, headers=headers)


def _is_dependency_failure(exc: BaseException) -> bool:
    """botocore/PynamoDB errors meaning AWS is unreachable or overloaded (not our bug)."""
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None) or {}  # None on PynamoDB errors and timeouts
        names = {type(seen).__name__, str(response.get("Error", {}).get("Code", ""))}
        if names & set(_DEPENDENCY_DOWN):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def guarded(handler: Handler) -> Handler:
    """Turn exceptions into problem+json answers; never leak a stack trace."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except AppError as error:
            return problem(error)
        except Exception as exc:
            if _is_dependency_failure(exc):
                log.error("dependency unavailable: %s", type(exc).__name__)
                return problem(AppError("service_unavailable"))
            log.exception("unhandled error in %s", handler.__name__)
            return problem(AppError("internal_error"))

    return wrapper  # type: ignore[return-value]


class ApiBlueprint(Blueprint):
    """A blueprint whose routes answer errors as problem+json."""

    def route(self, path: str, **kwargs: Any) -> Callable[..., Any]:
        register = super().route(path, **kwargs)

        def decorator(handler: Handler) -> Handler:
            register(guarded(handler))
            return handler

        return decorator

    # -- request helpers -----------------------------------------------------------------------

    def body(self, model: type[Model]) -> Model:
        """The request body validated against a pydantic model (imported lazily: cold start)."""
        from chalicelib.validation import parse

        raw = self.current_request.raw_body
        return parse(model, raw.encode() if isinstance(raw, str) else raw)

    def query(self, name: str) -> str | None:
        params: Any = self.current_request.query_params or {}
        value = params.get(name)
        return value if isinstance(value, str) else None

    def query_int(self, name: str, *, default: int, low: int, high: int) -> int:
        raw = self.query(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise field_error(name, f"« {name} » doit être un nombre entier.", "invalid_parameter") from None
        if not low <= value <= high:
            raise field_error(name, f"« {name} » doit être compris entre {low} et {high}.", "invalid_parameter")
        return value

    def query_text(self, name: str, *, max_length: int) -> str:
        """A required, non-blank text parameter of at most `max_length` characters (trimmed)."""
        value = (self.query(name) or "").strip()
        if not value:
            raise field_error(name, f"« {name} » est obligatoire et ne peut pas être vide.", "invalid_parameter")
        if len(value) > max_length:
            raise field_error(name, f"« {name} » dépasse {max_length} caractères.", "invalid_parameter")
        return value

    def query_float(self, name: str, *, low: float, high: float) -> float:
        """A required decimal parameter (`43.61`, `-1.5`) between `low` and `high`; no NaN, no infinity."""
        raw = (self.query(name) or "").strip()
        if not raw:
            raise field_error(name, f"« {name} » est obligatoire.", "invalid_parameter")
        if not _DECIMAL.fullmatch(raw):
            raise field_error(name, f"« {name} » doit être un nombre décimal, par exemple 43.61.", "invalid_parameter")
        value = float(raw)
        if not low <= value <= high:
            raise field_error(name, f"« {name} » doit être compris entre {low:g} et {high:g}.", "invalid_parameter")
        return value

    def header(self, name: str) -> str | None:
        return self.current_request.headers.get(name.lower())

    def client_address(self) -> str:
        """The caller's address as API Gateway saw it (`sourceIp`: the TCP peer, not a header a
        client could write); the local server puts its socket peer there."""
        context: Any = self.current_request.context or {}
        identity = context.get("identity") or {}
        return str(identity.get("sourceIp") or "unknown")

    def operator(self) -> Any:
        """The authenticated operator of this request (401 otherwise)."""
        from chalicelib.auth import authenticate

        return authenticate(self.header("authorization"))


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": JSON, **(headers or {})},
    )


# Chalice answers some errors itself ({"Code", "Message"}) before our handlers run.
_CHALICE_ERRORS = {
    "BadRequestError": "malformed_json",
    "UnsupportedMediaType": "unsupported_media_type",
    "NotFoundError": "not_found",
    "MethodNotAllowedError": "method_not_allowed",
    "InternalServerError": "internal_error",
}


def finish_response(response: Response, request: Any = None) -> Response:
    """Security headers on every answer; Chalice's own English errors rewritten as problem+json;
    the caching rules of `chalicelib.caching` (ETag, 304, Cache-Control) for the request's route."""
    body = response.body
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = _CHALICE_ERRORS.get(str(body["Code"]), "internal_error" if response.status_code >= 500 else None)
        error = AppError(code) if code else AppError("validation_error", "Requête invalide.")
        response = Response(
            body=json.dumps({**error.to_problem(), "status": response.status_code}, ensure_ascii=False),
            status_code=response.status_code,
            headers={**response.headers, "Content-Type": PROBLEM},
        )
    if request is not None:
        response = _cache_rules(response, request)
    if response.status_code in (204, 304):  # no body, hence no body type
        response.headers.pop("Content-Type", None)
        response.body = ""
    elif "Content-Type" not in response.headers:  # a handler's dict: Chalice sends it as JSON
        response.headers["Content-Type"] = JSON
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _cache_rules(response: Response, request: Any) -> Response:
    """A listed route's 200 gets its policy and an ETag, and becomes a 304 when the client already
    has it; whatever else has no policy of its own is `no-store`."""
    from chalicelib import caching

    rule = caching.policy(request.method, request.path) if response.status_code == 200 else None
    if rule is None:
        if caching.policy(request.method, request.path) is not None or "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = caching.NO_STORE
        return response
    if isinstance(response.body, dict | list):  # hashed as it is sent
        response.body = json.dumps(response.body, ensure_ascii=False)
    raw = response.body if isinstance(response.body, bytes) else str(response.body).encode()
    tag = caching.etag(raw)
    response.headers.update({"ETag": tag, "Cache-Control": rule.header})
    if caching.matches(request.headers.get("if-none-match"), tag):
        return Response(body="", status_code=304, headers={"ETag": tag, "Cache-Control": rule.header})
    return response

"""The two web apps served by the API itself: the citizen PWA (`/`), the CORG/OPP console
(`/console`), their assets (`/static/<name>`) and the service worker at the root (`/sw.js`) so that
its scope covers the whole app.

Files are read from `chalicelib/web/` once per container. Only flat names from that folder with a
known extension are served: a path with a slash, a dot-file or `..` never reaches the file system.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from chalice.app import Response

from chalicelib.errors import AppError
from chalicelib.routes import ApiBlueprint

bp = ApiBlueprint(__name__)

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webmanifest": "application/manifest+json; charset=utf-8",
}
# Assets are revalidated cheaply (ETag) rather than cached blindly: a deployment shows at once.
ASSET_CACHE = "public, max-age=300, must-revalidate"
PAGE_CACHE = "no-cache"
_SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9]+)+$")


@bp.route("/", methods=["GET"])
def citizen_app() -> Response:
    return _file("index.html", PAGE_CACHE)


@bp.route("/console", methods=["GET"])
def console() -> Response:
    return _file("console.html", PAGE_CACHE)


@bp.route("/sw.js", methods=["GET"])
def service_worker() -> Response:
    return _file("sw.js", PAGE_CACHE)


@bp.route("/static/{name}", methods=["GET"])
def asset(name: str) -> Response:
    if not _SAFE_NAME.match(name) or Path(name).suffix not in CONTENT_TYPES or name.endswith(".html"):
        raise AppError("not_found")
    return _file(f"static/{name}", ASSET_CACHE)


def _file(relative: str, cache_control: str) -> Response:
    """The file with its type, cache policy and ETag; 304 when the browser already has it."""
    body, etag = _load(relative)
    headers: dict[str, str | list[str]] = {"Cache-Control": cache_control, "ETag": etag}
    if bp.header("if-none-match") == etag:
        return Response(body="", status_code=304, headers=headers)
    content_type = CONTENT_TYPES[Path(relative).suffix]
    text_or_bytes = body if content_type == "image/png" else body.decode()
    return Response(body=text_or_bytes, headers={**headers, "Content-Type": content_type})


def _typeset(suffix: str, body: bytes) -> bytes:
    """French no-break spaces in the pages' text and the scripts' strings, set once per container
    (the files are written with plain spaces, like the content files)."""
    from chalicelib.typography import french_html, french_js

    typeset = {".html": french_html, ".js": french_js}.get(suffix)
    return typeset(body.decode()).encode() if typeset else body


@lru_cache(maxsize=64)
def _load(relative: str) -> tuple[bytes, str]:
    path = (WEB_DIR / relative).resolve()
    if not path.is_relative_to(WEB_DIR) or not path.is_file():
        raise AppError("not_found")
    body = _typeset(path.suffix, path.read_bytes())
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'

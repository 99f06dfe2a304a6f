"""The web pages and their assets as the API serves them: types, caching, and nothing but the
files of chalicelib/web."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from chalicelib.typography import french_js

WEB = Path(__file__).resolve().parent.parent / "chalicelib" / "web"


def test_the_citizen_app_and_the_console_are_french_html_pages(client: Any) -> None:
    for path, title in (("/", "<title>Stop Cambriolages</title>"), ("/console", "Console CORG / OPP")):
        response = client.http.get(path)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["Cache-Control"] == "no-cache"
        assert '<html lang="fr">' in response.body.decode()
        assert title in response.body.decode()


def test_pages_carry_the_security_headers(client: Any) -> None:
    headers = client.http.get("/console").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("app.css", "text/css; charset=utf-8"),
        ("console.js", "text/javascript; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
        ("manifest.webmanifest", "application/manifest+json; charset=utf-8"),
    ],
)
def test_assets_are_served_with_their_type_and_a_revalidated_cache(client: Any, name: str, content_type: str) -> None:
    response = client.http.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Cache-Control"] == "public, max-age=300, must-revalidate"
    raw = (WEB / "static" / name).read_bytes()
    assert response.body == (french_js(raw.decode()).encode() if name.endswith(".js") else raw)  # typeset scripts


def test_png_icons_are_served_as_binary(client: Any) -> None:
    response = client.http.get("/static/icon-192.png", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.body == (WEB / "static" / "icon-192.png").read_bytes()


def test_an_unchanged_asset_is_answered_304_without_a_body(client: Any) -> None:
    etag = client.http.get("/static/app.css").headers["ETag"]
    again = client.http.get("/static/app.css", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.body == b""
    assert client.http.get("/static/app.css", headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_service_worker_is_served_from_the_root_so_its_scope_is_the_whole_app(client: Any) -> None:
    response = client.http.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "name",
    ["..%2Fconsole.html", "..", ".hidden.js", "missing.js", "index.html", "app.py", "APP.CSS", "app.css%00.js"],
)
def test_only_the_known_assets_can_be_read(client: Any, name: str) -> None:
    response = client.http.get(f"/static/{name}")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json_body["detail"] == "La ressource demandée n'existe pas."


class _InlineCode(HTMLParser):
    """Collects what the Content-Security-Policy would block: inline scripts, styles, handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        self.found.extend(f"{tag}[{name}]" for name in names if name == "style" or name.startswith("on"))


@pytest.mark.parametrize("page", ["index.html", "console.html"])
def test_pages_have_no_inline_code_that_the_policy_would_block(page: str) -> None:
    parser = _InlineCode()
    parser.feed((WEB / page).read_text())
    assert parser.found == []


def test_scripts_never_write_html_from_text() -> None:
    sources = {path.name: path.read_text() for path in (WEB / "static").glob("*.js")} | {
        "sw.js": (WEB / "sw.js").read_text()
    }
    for name, source in sources.items():
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", source), name


def test_every_file_the_pages_reference_exists() -> None:
    for page in ("index.html", "console.html"):
        for reference in re.findall(r'(?:src|href)="(static/[^"]+)"', (WEB / page).read_text()):
            assert (WEB / reference).is_file(), reference

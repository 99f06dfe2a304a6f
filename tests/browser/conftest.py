"""Browser tests: the server `make run` starts (tools/run_local.py, in its own process group, on
free ports), Debian's Chromium driven by Playwright, axe-core for accessibility, and screenshots of
every checked page on a phone-sized and a desktop-sized viewport (artifacts/screenshots/)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
import requests
from playwright.sync_api import expect

PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE = Path(axe_playwright_python.__file__).with_name("axe.min.js")  # axe-core, as that package ships it
CHROMIUM = "/usr/bin/chromium"
# The flags that work on these machines (no sandbox as root, no network beyond loopback).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DEMO_PASSWORD = "Demo-Gendarmerie-2026!"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.browser)


# --- The server ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def push_service_port() -> int:
    from tools.live_server import free_port

    return free_port()


@pytest.fixture(scope="session")
def push_service(push_service_port: int) -> str:
    """Origin of the loopback push service `make run` starts (control API under /_control/)."""
    return f"http://127.0.0.1:{push_service_port}"


@pytest.fixture(scope="session")
def server(push_service_port: int) -> Iterator[str]:
    """`make run` on free ports, for the whole session (tools/live_server.py); its process group is
    stopped at the end and its log checked by the privacy guard."""
    from tests.privacy_plugin import inspect_output
    from tools.live_server import running

    environment = {"LOG_LEVEL": "WARNING", "PUSH_SERVICE_PORT": str(push_service_port)}
    with running(ARTIFACTS / "browser-server", **environment) as live:
        yield live.base_url
    inspect_output("browser server log", live.log_path.read_text(errors="replace"))


class Api:
    """The HTTP API as a test sets up its state with it (what another operator would have done)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self._tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self._tokens:
            answer = self.request("POST", "/auth/login", body={"username": username, "password": DEMO_PASSWORD})
            self._tokens[username] = answer.json()["id_token"]
        return self._tokens[username]

    def request(self, method: str, path: str, *, body: Any = None, user: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token(user)}"} if user else {}
        return self.session.request(method, self.base + path, json=body, headers=headers, timeout=30)

    def send_alert(self, department: str, text: str, user: str) -> dict[str, Any]:
        body = {
            "department": department,
            "text": text,
            "offence_type": "cambriolage_habitation",
            "offence_established": True,
        }
        response = self.request("POST", "/corg/alerts", body=body, user=user)
        assert response.status_code == 201, response.text
        return dict(response.json()["alert"])


@pytest.fixture(scope="session")
def api(server: str) -> Api:
    return Api(server)


# --- The browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module: Playwright's sync API runs an event loop in this thread while
    it lives, which would stop later (non-browser) tests from running their own."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, viewport=DESKTOP, locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    """A tab that fails the test on any uncaught script error or Content-Security-Policy violation."""
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    assert not problems, problems


@pytest.fixture
def check_page(request: pytest.FixtureRequest) -> Callable[[Any, str], None]:
    """`check_page(page, "name")`: on a phone and a desktop viewport, save a screenshot and run
    axe-core; any serious or critical accessibility violation fails the test."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(page: Any, name: str) -> None:
        original = page.viewport_size
        for label, viewport in (("telephone", PHONE), ("ordinateur", DESKTOP)):
            page.set_viewport_size(viewport)
            page.wait_for_timeout(100)
            page.screenshot(path=SCREENSHOTS / f"{request.node.name}--{name}--{label}.png", full_page=True)
            violations = axe_violations(page)
            assert not violations, f"{name} ({label}): {json.dumps(violations, ensure_ascii=False, indent=1)}"
        page.set_viewport_size(original)

    return check


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now (WCAG 2.1 A/AA + practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())  # evaluated by the driver, so the page's CSP does not apply
    result = page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            resultTypes: ['violations'],
        })"""
    )
    return [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["html"][:160] for n in v["nodes"][:5]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def console_login() -> Callable[[Any, str], None]:
    """`console_login(page, "corg-34")` logs into the console through its form."""

    def login(page: Any, username: str) -> None:
        page.goto("/console")
        page.get_by_label("Identifiant", exact=True).fill(username)
        page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        expect(page.locator("#main")).to_be_focused()  # the console has loaded what it shows

    return login

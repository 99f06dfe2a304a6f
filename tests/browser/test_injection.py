"""Texts from the feed and from alerts are shown as text, never parsed as HTML: the API answers are
replaced by hostile ones (markup, script handlers, a javascript: link), whatever the server would
have let through, and the pages must display them literally and run nothing."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

HOSTILE = '<img src="x" id="injected-img" onerror="window.__pwned = true"><b id="injected-b">gras</b>'
NOW = "2026-11-29T12:00:00Z"
HOSTILE_ALERT = {
    "id": "hostile",
    "department": "74",
    "text": HOSTILE,
    "offence_type": "cambriolage_habitation",
    "revision": 7,
    "sent_at": NOW,
    "status": "active",
}


def answer_with(page: Any, pattern: str, body: dict[str, Any]) -> None:
    """Every request whose URL matches `pattern` gets `body` as its JSON answer."""
    page.route(
        re.compile(pattern),
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(body)),
    )


def assert_nothing_injected(page: Any) -> None:
    assert page.locator("#injected-img, #injected-b, a[href^='javascript']").count() == 0
    assert page.evaluate("window.__pwned === undefined")


def test_the_citizen_app_shows_hostile_alert_and_feed_texts_literally(page: Any) -> None:
    feed_item = {"id": "f" * 32, "title": HOSTILE, "body": HOSTILE, "kind": "information", "published_at": NOW}
    answer_with(
        page, r"/feed(\?|$)", {"items": [{**feed_item, "link": "javascript:window.__pwned=true"}], "next_cursor": None}
    )
    answer_with(page, r"/alerts/74$", {"alert": HOSTILE_ALERT})
    page.add_init_script("localStorage.setItem('stopcamb.department', '74')")
    page.goto("/#accueil")
    expect(page.locator("#home-alert .alert-text")).to_have_text(HOSTILE)
    expect(page.locator(".feed-item").first).to_contain_text(HOSTILE)
    assert_nothing_injected(page)


def test_the_console_shows_hostile_log_and_alert_texts_literally(page: Any, console_login: Any) -> None:
    entry = {"id": "e1", "kind": "sent", "department": "74", "revision": 7, "text": HOSTILE, "sent_by": HOSTILE}
    answer_with(page, r"/corg/alerts\?department=", {"department": "74", "entries": [{**entry, "created_at": NOW}]})
    answer_with(page, r"/alerts/74$", {"alert": HOSTILE_ALERT})
    console_login(page, "corg-74")
    expect(page.get_by_text(HOSTILE).first).to_be_visible()
    assert_nothing_injected(page)

"""The log-privacy guard: what it recognises, that it watches the run, and that it fails a run."""

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.privacy_plugin import GUARD, find_leaks, record_text, sensitive_values

PROJECT = Path(__file__).parent.parent
FCM_TOKEN = "dQw4w9WgXcQ:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx" + "k" * 100
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("token eyJraWQiOiJhYmMiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "JWT"),
        (f"login for corg-34 with {DEMO_PASSWORD}", "password"),
        ("push to https://fcm.googleapis.com/fcm/send/cXyZ:APA91b", "web-push endpoint"),
        ("push to https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk", "web-push endpoint"),
        (f"registering {FCM_TOKEN}", "push token or key"),
        (f"keys {P256DH}", "push token or key"),
        ("user at 43.61093, 3.87723", "coordinates"),
        ("nearest to 43.6109 3.8772", "coordinates"),
        ("query lat=43.6&lon=3.8", "named coordinate"),
        ('{"lat": 43.6, "lon": 3.8}', "named coordinate"),
    ],
)
def test_each_kind_of_sensitive_data_is_recognised(text: str, kind: str) -> None:
    assert kind in find_leaks(text)


@pytest.mark.parametrize(
    "text",
    [
        "bootstrap done: 102 topics, 6 tables",
        "alert 34 revision 3 published, 2 web batches queued in 0.123 s",
        "dependency unavailable: EndpointConnectionError",
        "login ok operator='corg-34'",
        "web push to fcm.googleapis.com answered 410: subscription pruned",
        "subscription 6f1c0c7e0d9b4c5e8a7f3b2a1c0d9e8f moved from 34 to 74",
    ],
)
def test_ordinary_log_lines_are_clean(text: str) -> None:
    assert find_leaks(text) == []


def test_a_value_sent_by_a_test_is_recognised_wherever_it_appears() -> None:
    assert find_leaks("endpoint arn for 0123abcd0123abcd", values={"0123abcd0123abcd"}) == [
        "a sensitive value sent by a test"
    ]


def test_sensitive_fields_are_collected_from_nested_bodies() -> None:
    body = {
        "platform": "web",
        "token": "apns-device-token-0001",
        "web_push": {"endpoint": "https://push.example/abc", "keys": {"p256dh": P256DH, "auth": "aGVsbG8td29ybGQ"}},
        "department": "34",
        "list": [{"password": "s3cret-pass"}],
    }
    assert set(sensitive_values(body)) == {
        "apns-device-token-0001",
        "https://push.example/abc",
        P256DH,
        "aGVsbG8td29ybGQ",
        "s3cret-pass",
    }


def test_extra_fields_and_exceptions_of_a_record_are_scanned_too() -> None:
    try:
        raise ValueError("bad token eyJhbGciOi.eyJzdWIiOiIx.sig")
    except ValueError:
        record = logging.LogRecord("chalicelib.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    record.operator = "corg-34"
    text = record_text(record)
    assert "operator='corg-34'" in text
    assert "JWT" in find_leaks(text)


def test_the_guard_watches_this_run_and_learns_what_requests_carry(client: Any) -> None:
    assert any(type(h).__name__ == "_GuardHandler" for h in logging.getLogger().handlers)
    password = "Unique-Wrong-Password-42"
    response = client.http.post(
        "/auth/login",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"username": "corg-34", "password": password}),
    )
    assert response.status_code == 401
    assert password in GUARD.values


def test_logins_log_neither_the_password_nor_the_token(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="chalicelib")
    for password in (DEMO_PASSWORD, "Wrong-Password-123"):
        client.http.post(
            "/auth/login",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"username": "corg-34", "password": password}),
        )
    assert len([r for r in caplog.records if r.name.startswith("chalicelib")]) >= 2  # one per login at least
    assert all(find_leaks(record_text(r), {"Wrong-Password-123"}) == [] for r in caplog.records)


def test_a_run_whose_logs_leak_a_token_fails(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(PROJECT), os.environ.get("PYTHONPATH", "")]))
    pytester.makepyfile(
        test_leaky="""
        import logging

        def test_logs_a_token():
            logging.getLogger("chalicelib.leaky").info("sent eyJhbGciOi.eyJzdWIiOiIx.sig")

        def test_clean():
            logging.getLogger("chalicelib.leaky").info("nothing to see")
        """
    )
    result = pytester.runpytest_subprocess("-p", "tests.privacy_plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*sensitive data in the logs of this run (1 records)*", "*test_logs_a_token*JWT*"])

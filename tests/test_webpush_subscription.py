"""Browsers subscribe with their PushSubscription: allow-listed push services, checked keys,
one item per endpoint, PUT and DELETE as for phones, and the VAPID public key to subscribe with."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.config import get_settings
from chalicelib.models import Subscription
from chalicelib.push.webpush_subscription import check_endpoint
from tools.push_service import PushService

JSON = {"Content-Type": "application/json"}
FCM = "https://fcm.googleapis.com/fcm/send/dGVzdC1lbmRwb2ludA:APA91bExample"


@pytest.fixture
def prod_stage(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("STAGE", "prod")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()  # before monkeypatch restores the environment


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def subscribe(client: Any, web_push: dict[str, Any], **overrides: Any) -> Any:
    body = {"platform": "web", "web_push": web_push, "department": "34", "accept_notifications": True, **overrides}
    return client.http.post("/subscriptions", headers=JSON, body=json.dumps(body))


def errors(response: Any) -> dict[str, str]:
    assert response.status_code == 400, response.json_body
    return {e["field"]: e["message"] for e in response.json_body["errors"]}


def test_a_browser_subscribes_with_its_push_subscription(
    client: Any, push_service: PushService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="chalicelib")
    web_push = push_service.subscribe()  # toJSON(): endpoint, expirationTime, keys

    response = subscribe(client, web_push)

    assert response.status_code == 201
    assert set(response.json_body) == {"id", "department"}
    item = Subscription.get(response.json_body["id"])
    assert (item.platform, item.department, item.audience) == ("web", "34", "34#web")
    assert item.web_push == {"endpoint": web_push["endpoint"], "keys": web_push["keys"]}
    assert item.token_hash == hashlib.sha256(web_push["endpoint"].encode()).hexdigest()
    assert item.endpoint_arn is None
    for secret in (web_push["endpoint"], web_push["keys"]["p256dh"], web_push["keys"]["auth"]):
        assert secret not in response.body.decode() and secret not in caplog.text


def test_the_same_browser_subscribing_again_gets_a_new_id_and_keeps_one_subscription(
    client: Any, push_service: PushService
) -> None:
    web_push = push_service.subscribe()
    first = subscribe(client, web_push).json_body["id"]
    again = subscribe(client, web_push, department="74").json_body
    assert again["department"] == "74" and again["id"] != first
    assert [(s.id, s.audience) for s in Subscription.scan()] == [(again["id"], "74#web")]
    assert client.http.delete(f"/subscriptions/{first}").status_code == 404


def test_stored_keys_are_never_overwritten_new_keys_make_a_new_subscription(
    client: Any, push_service: PushService
) -> None:
    victim = push_service.subscribe()
    victim_id = subscribe(client, victim).json_body["id"]
    forged = {**victim, "keys": push_service.subscribe()["keys"]}  # the same endpoint, other keys

    response = subscribe(client, forged)

    assert response.status_code == 201 and response.json_body["id"] != victim_id
    [item] = Subscription.scan()
    assert (item.id, item.web_push["keys"]) == (response.json_body["id"], forged["keys"])
    assert client.http.put(f"/subscriptions/{victim_id}", headers=JSON, body="{}").status_code == 404
    assert subscribe(client, victim).status_code == 201  # the real browser registers again
    [item] = Subscription.scan()
    assert item.web_push["keys"] == victim["keys"]


def test_one_key_pair_serves_one_subscription(client: Any, push_service: PushService) -> None:
    """A flood reusing one key pair for many endpoints gets one subscription (RFC 8291: each
    browser subscription has its own keys)."""
    first = push_service.subscribe()
    assert subscribe(client, first).status_code == 201
    for _ in range(3):
        reused = {**push_service.subscribe(), "keys": first["keys"]}
        response = subscribe(client, reused)
        assert response.status_code == 409
        assert response.json_body["code"] == "subscription_limit"
    assert Subscription.count() == 1


def test_each_push_service_holds_at_most_its_limit_and_removals_free_room(
    client: Any, push_service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import limits
    from chalicelib.push.push_services import LOOPBACK

    monkeypatch.setenv("WEBPUSH_MAX_PER_PUSH_SERVICE", "2")
    get_settings.cache_clear()
    first = subscribe(client, push_service.subscribe()).json_body["id"]
    kept = push_service.subscribe()
    subscribe(client, kept)
    assert subscribe(client, kept).status_code == 201  # a rotation takes its own place
    refused = subscribe(client, push_service.subscribe())
    assert (refused.status_code, refused.json_body["code"]) == (409, "subscription_limit")
    assert limits.counted(f"push-service#{LOOPBACK}") == 2
    assert client.http.delete(f"/subscriptions/{first}").status_code == 204
    assert limits.counted(f"push-service#{LOOPBACK}") == 1
    assert subscribe(client, push_service.subscribe()).status_code == 201
    monkeypatch.delenv("WEBPUSH_MAX_PER_PUSH_SERVICE")
    get_settings.cache_clear()


def test_a_browser_moves_withdraws_and_deletes_like_a_phone(client: Any, push_service: PushService) -> None:
    subscription_id = subscribe(client, push_service.subscribe()).json_body["id"]
    moved = client.http.put(f"/subscriptions/{subscription_id}", headers=JSON, body=json.dumps({"department": "2a"}))
    assert (moved.status_code, moved.json_body["department"]) == (200, "2A")
    assert Subscription.get(subscription_id).audience == "2A#web"
    withdrawn = client.http.put(
        f"/subscriptions/{subscription_id}", headers=JSON, body=json.dumps({"accept_notifications": False})
    )
    assert (withdrawn.status_code, withdrawn.json_body["subscribed"]) == (200, False)
    assert Subscription.count(subscription_id) == 0

    other = subscribe(client, push_service.subscribe()).json_body["id"]
    assert client.http.delete(f"/subscriptions/{other}").status_code == 204
    assert Subscription.count(other) == 0


def test_without_consent_nothing_is_stored(client: Any, push_service: PushService) -> None:
    response = subscribe(client, push_service.subscribe(), accept_notifications=False)
    assert response.status_code == 422
    assert Subscription.count() == 0


def test_web_needs_its_push_subscription_and_no_token(client: Any, push_service: PushService) -> None:
    missing = client.http.post(
        "/subscriptions",
        headers=JSON,
        body=json.dumps({"platform": "web", "department": "34", "accept_notifications": True}),
    )
    assert "obligatoire" in errors(missing)["web_push"]
    with_token = subscribe(client, push_service.subscribe(), token="x" * 32)
    assert "iOS et Android" in errors(with_token)["token"]


def _point_off_the_curve() -> str:
    return b64url(b"\x04" + b"\x01" * 64)


@pytest.mark.parametrize(
    ("keys", "field", "words"),
    [
        ({"p256dh": "pas du base64 !"}, "web_push.keys.p256dh", "base64url"),
        ({"p256dh": b64url(b"\x04" + b"\x01" * 63)}, "web_push.keys.p256dh", "65 octets"),
        ({"p256dh": "OFF_CURVE"}, "web_push.keys.p256dh", "P-256"),
        ({"auth": b64url(b"\x00" * 15)}, "web_push.keys.auth", "16 octets"),
        ({"auth": "a+b/c"}, "web_push.keys.auth", "base64url"),
    ],
)
def test_keys_that_cannot_encrypt_are_400s_in_french(
    client: Any, push_service: PushService, keys: dict[str, str], field: str, words: str
) -> None:
    web_push = push_service.subscribe()
    if keys.get("p256dh") == "OFF_CURVE":
        keys = {"p256dh": _point_off_the_curve()}
    web_push["keys"].update(keys)
    assert words in errors(subscribe(client, web_push))[field]
    assert Subscription.count() == 0


def test_an_endpoint_outside_the_allow_list_is_a_400(client: Any, push_service: PushService) -> None:
    web_push = {**push_service.subscribe(), "endpoint": "https://push.example.com/send/abc"}
    assert "n'est pas reconnu" in errors(subscribe(client, web_push))["web_push.endpoint"]


@pytest.mark.parametrize(
    "endpoint",
    [
        FCM,
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABexample",
        "https://web.push.apple.com/QGuQyavXutnMH-example",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAD-example",
    ],
)
def test_the_known_push_services_are_accepted_in_every_stage(endpoint: str, prod_stage: None) -> None:
    check_endpoint(endpoint)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com:22/fcm/send/abc",
        "https://fcm.googleapis.com:8443/fcm/send/abc",
        "https://updates.push.services.mozilla.com:80/wpush/v2/abc",
    ],
)
def test_an_explicit_port_other_than_443_is_refused(endpoint: str, prod_stage: None) -> None:
    with pytest.raises(ValueError, match="port"):
        check_endpoint(endpoint)
    check_endpoint(endpoint.replace(endpoint.split("/")[2], endpoint.split("/")[2].split(":")[0] + ":443"))


@pytest.mark.parametrize(
    ("endpoint", "words"),
    [
        ("http://fcm.googleapis.com/fcm/send/abc", "https://"),
        ("http://127.0.0.1:8600/push/abc", "https://"),
        ("https://localhost/push/abc", "n'est pas reconnu"),
        ("https://notify.windows.com.evil.example/w/abc", "n'est pas reconnu"),
        ("https://evilnotify.windows.com/w/abc", "n'est pas reconnu"),
        ("https://user:pw@fcm.googleapis.com/fcm/send/abc", "invalide"),
        ("https://fcm.googleapis.com", "invalide"),
        ("https://fcm.googleapis.com:99999/fcm/send/abc", "invalide"),
    ],
)
def test_outside_the_local_stage_only_https_push_services_are_accepted(
    endpoint: str, words: str, prod_stage: None
) -> None:
    with pytest.raises(ValueError, match=words):
        check_endpoint(endpoint)


def test_the_local_stage_also_accepts_the_loopback_push_service() -> None:
    assert get_settings().is_local
    check_endpoint("http://127.0.0.1:8600/push/abc")
    check_endpoint("http://localhost:8600/push/abc")


def test_the_web_app_reads_the_vapid_public_key(client: Any, vapid: dict[str, str]) -> None:
    response = client.http.get("/webpush/public-key")
    assert response.status_code == 200
    assert response.json_body == {"public_key": vapid["public_key"]}
    assert len(base64.urlsafe_b64decode(vapid["public_key"] + "=")) == 65


def test_without_a_vapid_key_the_public_key_is_a_french_503(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAPID_PUBLIC_KEY", raising=False)
    get_settings.cache_clear()
    response = client.http.get("/webpush/public-key")
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "navigateur" in response.json_body["detail"]

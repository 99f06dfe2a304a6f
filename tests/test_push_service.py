"""The loopback push service behaves like a real one: VAPID (RFC 8292), aes128gcm (RFC 8291),
RFC 8030 headers, scripted failures, and an HTTP control API for other processes."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
import requests
from pywebpush import WebPushException, webpush

from tools.push_service import PushService, b64url_decode, control, separate_process
from tools.run_local import generate_vapid_keys

SUBJECT = "mailto:opp-ggd34@gendarmerie.interieur.gouv.fr"


def push(subscription: dict[str, Any], keys: dict[str, str], data: str = '{"title": "t"}', **kwargs: Any) -> int:
    """Send with pywebpush's one-call API; the status the service answered."""
    claims = {"sub": SUBJECT, **kwargs.pop("claims", {})}
    kwargs.setdefault("ttl", 60)
    try:
        return int(
            webpush(
                subscription, data, vapid_private_key=keys["private_key"], vapid_claims=claims, **kwargs
            ).status_code
        )
    except WebPushException as refused:
        return int(refused.response.status_code)


def signed_header(keys: dict[str, str], claims: dict[str, Any]) -> str:
    from py_vapid import Vapid

    return str(Vapid.from_raw(keys["private_key"].encode()).sign(claims)["Authorization"])


def test_a_minted_subscription_looks_like_a_browsers(push_service: PushService) -> None:
    subscription = push_service.subscribe()
    assert subscription["endpoint"].startswith(push_service.origin + "/push/")
    p256dh = b64url_decode(subscription["keys"]["p256dh"])
    assert len(p256dh) == 65 and p256dh[0] == 4
    assert len(b64url_decode(subscription["keys"]["auth"])) == 16
    assert push_service.subscribe()["endpoint"] != subscription["endpoint"]


def test_a_push_is_decrypted_and_its_headers_recorded(push_service: PushService, vapid: dict[str, str]) -> None:
    subscription = push_service.subscribe()
    status = push(
        subscription, vapid, '{"title": "Alerte"}', ttl=120, headers={"Topic": "alerte-34", "Urgency": "high"}
    )
    assert status == 201
    (delivery,) = push_service.deliveries()
    assert delivery.json() == {"title": "Alerte"}
    assert (delivery.topic, delivery.ttl, delivery.urgency) == ("alerte-34", 120, "high")
    assert delivery.vapid["aud"] == push_service.origin
    assert delivery.vapid["sub"] == SUBJECT


def test_a_payload_encrypted_for_another_subscription_does_not_decrypt(
    push_service: PushService, vapid: dict[str, str]
) -> None:
    mine, other = push_service.subscribe(), push_service.subscribe()
    tampered = {"endpoint": mine["endpoint"], "keys": other["keys"]}
    assert push(tampered, vapid) == 400
    assert push_service.deliveries() == []


def test_a_vapid_key_other_than_the_subscriptions_is_forbidden(push_service: PushService) -> None:
    assert push(push_service.subscribe(), generate_vapid_keys()) == 403


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "https://fcm.googleapis.com"},
        {"exp": int(time.time()) + 25 * 3600},
        {"exp": int(time.time()) - 10},
        {"sub": "nobody"},
    ],
    ids=["another-audience", "valid-over-24h", "expired", "no-contact"],
)
def test_a_vapid_token_breaking_rfc_8292_is_refused(
    push_service: PushService, vapid: dict[str, str], claims: dict[str, Any]
) -> None:
    subscription = push_service.subscribe()
    full = {"aud": push_service.origin, "sub": SUBJECT, "exp": int(time.time()) + 3600, **claims}
    if claims.get("sub") == "nobody":  # py_vapid refuses to sign that: forge the header around it
        good = signed_header(vapid, {**full, "sub": SUBJECT})
        token, key = good.removeprefix("vapid t=").split(",k=")
        head, _, signature = token.split(".")
        body = base64.urlsafe_b64encode(json.dumps(full).encode()).rstrip(b"=").decode()
        header = f"vapid t={head}.{body}.{signature},k={key}"
    else:
        header = signed_header(vapid, full)
    response = requests.post(
        subscription["endpoint"], data=b"", headers={"Authorization": header, "TTL": "60"}, timeout=5
    )
    assert response.status_code == 401


def test_a_push_without_vapid_or_ttl_or_with_a_bad_topic_is_refused(
    push_service: PushService, vapid: dict[str, str]
) -> None:
    subscription = push_service.subscribe()
    header = signed_header(vapid, {"aud": push_service.origin, "sub": SUBJECT})
    endpoint = subscription["endpoint"]
    assert requests.post(endpoint, headers={"TTL": "60"}, timeout=5).status_code == 401
    assert requests.post(endpoint, headers={"Authorization": header}, timeout=5).status_code == 400
    bad_topic = {"Authorization": header, "TTL": "60", "Topic": "alerte 34 avec des espaces"}
    assert requests.post(endpoint, headers=bad_topic, timeout=5).status_code == 400
    assert requests.post(endpoint, headers={"Authorization": header, "TTL": "60"}, timeout=5).status_code == 201


def test_unknown_and_unsubscribed_endpoints_answer_404_and_410(
    push_service: PushService, vapid: dict[str, str]
) -> None:
    subscription = push_service.subscribe()
    unknown = {**subscription, "endpoint": push_service.origin + "/push/nobody"}
    assert push(unknown, vapid) == 404
    push_service.unsubscribe(subscription)
    assert push(subscription, vapid) == 410


def test_scripted_answers_apply_to_one_endpoint_a_number_of_times(
    push_service: PushService, vapid: dict[str, str]
) -> None:
    flaky, healthy = push_service.subscribe(), push_service.subscribe()
    push_service.answer(500, endpoint=flaky["endpoint"], times=2)
    assert [push(flaky, vapid) for _ in range(3)] == [500, 500, 201]
    assert push(healthy, vapid) == 201
    assert [a.status for a in push_service.attempts(flaky["endpoint"])] == [500, 500, 201]


def test_a_429_carries_retry_after_and_latency_delays_answers(push_service: PushService, vapid: dict[str, str]) -> None:
    subscription = push_service.subscribe()
    push_service.answer(429, retry_after=7, times=1)
    push_service.delay(0.2)
    started = time.monotonic()
    response = requests.post(subscription["endpoint"], timeout=5)
    assert time.monotonic() - started >= 0.2
    assert (response.status_code, response.headers["Retry-After"]) == (429, "7")
    push_service.reset()
    assert push(subscription, vapid) == 201


def test_record_only_mode_accepts_without_decrypting(vapid: dict[str, str]) -> None:
    with PushService(vapid_public_key=vapid["public_key"], decrypt=False) as service:
        assert push(service.subscribe(), vapid, '{"title": "t"}') == 201
        (delivery,) = service.deliveries()
    assert delivery.payload is None
    assert delivery.ttl == 60


def test_another_process_controls_it_over_http(vapid: dict[str, str]) -> None:
    with separate_process("--vapid-public-key", vapid["public_key"]) as origin:
        (subscription,) = control(origin, "subscriptions", {"count": 1})["subscriptions"]
        control(origin, "behaviour", {"status": 410, "times": 1})
        assert push(subscription, vapid) == 410
        assert push(subscription, vapid, '{"title": "Alerte"}', headers={"Topic": "alerte-34"}) == 201
        (delivery,) = control(origin, "deliveries")["deliveries"]
        assert (delivery["payload"], delivery["topic"]) == ('{"title": "Alerte"}', "alerte-34")
        assert control(origin, "stats") == {"deliveries": 1, "attempts": {"201": 1, "410": 1}}

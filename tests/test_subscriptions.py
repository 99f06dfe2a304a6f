"""Citizens' subscriptions: consent, one endpoint per token, moves, removal, expiry, clean-up."""

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import aws, subscriptions
from chalicelib.config import get_settings
from chalicelib.models import Subscription
from chalicelib.push import sns

IOS_TOKEN = "a1" * 32
ANDROID_TOKEN = "fcm:APA91bH-example_token.0123456789"
JSON = {"Content-Type": "application/json"}


def subscribe(client: Any, **overrides: Any) -> Any:
    body = {"platform": "ios", "token": IOS_TOKEN, "department": "34", "accept_notifications": True}
    body.update(overrides)
    return client.http.post("/subscriptions", headers=JSON, body=_json(body))


def _json(body: Any) -> str:
    import json

    return json.dumps(body)


def topic_endpoints(department: str | None) -> list[str]:
    arn = get_settings().topic_arn(department)
    return [s["Endpoint"] for s in aws.client("sns").list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]]


def endpoints(platform: str = "ios") -> list[str]:
    application = get_settings().platform_application_arn(platform)
    listing = aws.client("sns").list_endpoints_by_platform_application(PlatformApplicationArn=application)
    return [e["EndpointArn"] for e in listing["Endpoints"]]


def stored() -> list[Subscription]:
    return list(Subscription.scan())


# --- POST ----------------------------------------------------------------------------------------


def test_a_device_subscribes_to_its_department_and_the_national_topic(client: Any) -> None:
    response = subscribe(client)
    assert response.status_code == 201
    assert set(response.json_body) == {"id", "department"}
    assert response.json_body["department"] == "34"
    [endpoint] = endpoints("ios")
    assert topic_endpoints("34") == [endpoint]
    assert topic_endpoints(None) == [endpoint]
    [item] = stored()
    assert item.id == response.json_body["id"]
    assert (item.platform, item.department, item.audience) == ("ios", "34", "34#ios")
    assert item.endpoint_arn == endpoint
    assert item.token_hash == hashlib.sha256(IOS_TOKEN.encode()).hexdigest()


def test_ids_are_unguessable(client: Any) -> None:
    ids = {subscribe(client, token=f"{i:064x}").json_body["id"] for i in range(3)}
    assert len(ids) == 3
    assert all(len(i) >= 32 for i in ids)  # 24 random bytes = 192 bits


def test_the_token_is_never_returned_nor_stored_nor_logged(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # botocore's DEBUG dumps request bodies: never enabled in a stage
    caplog.set_level(logging.DEBUG, logger="chalicelib")
    response = subscribe(client)
    assert IOS_TOKEN not in response.body.decode()
    assert IOS_TOKEN not in str(stored()[0].attribute_values)
    assert IOS_TOKEN not in caplog.text


def test_an_android_device_gets_an_fcm_endpoint(client: Any) -> None:
    assert subscribe(client, platform="android", token=ANDROID_TOKEN).status_code == 201
    assert len(endpoints("android")) == 1 and endpoints("ios") == []
    assert stored()[0].audience == "34#android"


def test_without_consent_nothing_is_registered(client: Any) -> None:
    response = subscribe(client, accept_notifications=False)
    assert response.status_code == 422
    assert response.json_body["code"] == "consent_required"
    assert "j'accepte" in response.json_body["detail"]
    assert stored() == [] and endpoints() == [] and topic_endpoints("34") == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"token": None}, "token"),
        ({"token": "short"}, "token"),
        ({"token": "has spaces in it 1234567"}, "token"),
        ({"platform": "windows"}, "platform"),
        ({"platform": "web"}, "token"),
        ({"accept_notifications": None}, "accept_notifications"),
        ({"name": "Jean"}, "name"),
        ({"web_push": {"endpoint": "x"}}, "web_push.endpoint"),
    ],
)
def test_invalid_registrations_are_400s_naming_the_field(client: Any, overrides: dict[str, Any], field: str) -> None:
    response = subscribe(client, **overrides)
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json_body["errors"]]
    assert stored() == [] and endpoints() == []


def test_the_department_is_normalised_and_20_is_refused(client: Any) -> None:
    assert subscribe(client, department="2a").json_body["department"] == "2A"
    response = subscribe(client, token="b" * 64, department="20")
    assert response.status_code == 400
    assert response.json_body["code"] == "invalid_department"


def put(client: Any, subscription_id: str, body: dict[str, Any]) -> Any:
    return client.http.put(f"/subscriptions/{subscription_id}", headers=JSON, body=_json(body))


def test_the_same_token_registered_again_gets_a_new_id_and_keeps_one_endpoint(client: Any) -> None:
    first = subscribe(client).json_body["id"]
    second = subscribe(client).json_body["id"]
    assert first != second
    [item] = stored()
    assert item.id == second
    assert len(endpoints()) == 1
    assert len(topic_endpoints("34")) == 1 and len(topic_endpoints(None)) == 1


def test_whoever_knows_a_token_cannot_take_over_its_subscription(client: Any) -> None:
    """Registering a victim's token never answers the victim's id: the id an attacker gets back is
    a new one, and the victim's old id stops working (its app registers again on the 404)."""
    victim = subscribe(client).json_body["id"]
    attacker = subscribe(client, department="74").json_body["id"]
    assert attacker != victim
    assert put(client, victim, {"department": "2A"}).status_code == 404
    assert client.http.delete(f"/subscriptions/{victim}").status_code == 404
    assert len(endpoints()) == 1 and len(topic_endpoints(None)) == 1
    again = subscribe(client).json_body["id"]  # the victim's app, on its next launch
    assert put(client, attacker, {"department": "2A"}).status_code == 404
    assert put(client, again, {"department": "34"}).status_code == 200


def test_registering_the_same_token_elsewhere_moves_it(client: Any) -> None:
    first = subscribe(client).json_body["id"]
    moved = subscribe(client, department="74").json_body
    assert moved["department"] == "74" and moved["id"] != first
    assert topic_endpoints("34") == [] and len(topic_endpoints("74")) == 1
    assert len(topic_endpoints(None)) == 1


def test_a_deleted_endpoint_is_recreated_when_its_token_registers_again(client: Any) -> None:
    subscribe(client)
    sns.delete_endpoint(stored()[0].endpoint_arn)
    again = subscribe(client).json_body["id"]
    [endpoint] = endpoints()
    [item] = stored()
    assert (item.id, item.endpoint_arn) == (again, endpoint)
    assert endpoint in topic_endpoints("34")


def test_two_registrations_of_one_token_racing_leave_one_subscription(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = subscribe(client).json_body["id"]
    real = subscriptions._find_by_token
    racing = real(hashlib.sha256(IOS_TOKEN.encode()).hexdigest())
    subscribe(client)  # the other registration wins while this one still holds the first item
    monkeypatch.setattr(subscriptions, "_find_by_token", lambda token_hash: racing)
    response = subscribe(client)
    assert response.status_code == 409
    assert [s.id for s in stored()] != [first] and len(stored()) == 1
    assert len(endpoints()) == 1 and len(topic_endpoints("34")) == 1


# --- Flood limits ---------------------------------------------------------------------------------


def test_registrations_per_client_and_minute_are_capped_with_a_french_429(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRATIONS_PER_MINUTE", "3")
    get_settings.cache_clear()
    try:
        answers = [subscribe(client, token=f"{i:064x}").status_code for i in range(5)]
        refused = subscribe(client, token="f" * 64)
    finally:
        monkeypatch.delenv("REGISTRATIONS_PER_MINUTE")
        get_settings.cache_clear()
    assert answers == [201, 201, 201, 429, 429]
    assert refused.json_body["code"] == "too_many_registrations"
    assert "réessayez dans une minute" in refused.json_body["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert len(stored()) == 3 and len(endpoints()) == 3  # nothing created beyond the limit


def test_the_rate_limit_counts_each_client_address_apart_and_stores_no_address(aws: Any) -> None:
    from chalicelib import limits
    from chalicelib.errors import AppError
    from chalicelib.models import Marker

    now = 1_800_000_000.0
    for _ in range(2):
        limits.take_rate("register", "203.0.113.7", limit=2, now=now)
    with pytest.raises(AppError) as refused:
        limits.take_rate("register", "203.0.113.7", limit=2, now=now + 1)
    assert refused.value.status == 429
    limits.take_rate("register", "198.51.100.1", limit=2, now=now)  # another client
    limits.take_rate("register", "203.0.113.7", limit=2, now=now + 60)  # the next minute
    keys = [m.key for m in Marker.scan()]
    assert len(keys) == 3 and not any("203.0.113.7" in k or "198.51.100.1" in k for k in keys)
    assert all(m.expires_at is not None for m in Marker.scan())


def test_the_console_counts_active_subscriptions_only(client: Any) -> None:
    for i in range(3):
        subscribe(client, token=f"{i:064x}")
    expired, disabled, _ = stored()
    expired.expires_at = datetime.now(UTC) - timedelta(minutes=5)
    expired.save()
    disabled.update(actions=[Subscription.audience.set("disabled#web")])
    assert subscriptions.count("34") == 1


# --- Half-done registrations are undone ----------------------------------------------------------


def test_a_failed_topic_subscription_leaves_no_endpoint_behind(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    real = sns.subscribe

    def national_down(endpoint_arn: str, department: str | None) -> str:
        if department is None:
            raise _aws_error("InternalError")
        return real(endpoint_arn, department)

    monkeypatch.setattr(sns, "subscribe", national_down)
    response = subscribe(client)
    assert response.status_code == 503
    assert endpoints() == [] and topic_endpoints("34") == [] and stored() == []


def test_a_failed_save_leaves_no_endpoint_nor_topic_subscription(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def table_down(*_: Any, **__: Any) -> None:
        raise _aws_error("ProvisionedThroughputExceededException")

    monkeypatch.setattr(Subscription, "save", table_down)
    assert subscribe(client).status_code == 503
    assert endpoints() == [] and topic_endpoints("34") == [] and topic_endpoints(None) == []


def test_a_failed_move_keeps_the_old_department(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    subscription_id = subscribe(client).json_body["id"]

    def table_down(*_: Any, **__: Any) -> None:
        raise _aws_error("InternalServerError")

    monkeypatch.setattr(Subscription, "save", table_down)
    response = client.http.put(f"/subscriptions/{subscription_id}", headers=JSON, body='{"department": "74"}')
    assert response.status_code == 503
    assert topic_endpoints("74") == [] and len(topic_endpoints("34")) == 1


def _aws_error(code: str) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": "injected"}}, "Injected")


# --- PUT -----------------------------------------------------------------------------------------


def test_put_moves_the_topic_subscription(client: Any) -> None:
    subscription_id = subscribe(client).json_body["id"]
    response = client.http.put(f"/subscriptions/{subscription_id}", headers=JSON, body='{"department": "1"}')
    assert response.status_code == 200
    assert response.json_body == {"id": subscription_id, "department": "01", "subscribed": True}
    assert topic_endpoints("34") == [] and len(topic_endpoints("01")) == 1 and len(topic_endpoints(None)) == 1
    assert stored()[0].audience == "01#ios"


def test_put_refreshes_the_sixty_day_expiry(client: Any) -> None:
    subscription_id = subscribe(client).json_body["id"]
    item = stored()[0]
    item.update(actions=[Subscription.expires_at.set(datetime.now(UTC) + timedelta(days=1))])
    assert client.http.put(f"/subscriptions/{subscription_id}", headers=JSON, body="{}").status_code == 200
    refreshed = stored()[0]
    expected = datetime.now(UTC) + timedelta(days=60)
    assert abs((refreshed.expires_at - expected).total_seconds()) < 60
    assert refreshed.expiry_day == refreshed.expires_at.date().isoformat()


def test_withdrawing_consent_removes_everything(client: Any) -> None:
    subscription_id = subscribe(client).json_body["id"]
    response = client.http.put(
        f"/subscriptions/{subscription_id}", headers=JSON, body='{"accept_notifications": false}'
    )
    assert response.status_code == 200
    assert response.json_body["subscribed"] is False
    assert stored() == [] and endpoints() == [] and topic_endpoints("34") == [] and topic_endpoints(None) == []


def test_a_refresh_of_a_disabled_endpoint_is_410_and_cleans_up(client: Any) -> None:
    subscription_id = subscribe(client).json_body["id"]
    aws.client("sns").set_endpoint_attributes(EndpointArn=endpoints()[0], Attributes={"Enabled": "false"})
    response = client.http.put(f"/subscriptions/{subscription_id}", headers=JSON, body="{}")
    assert response.status_code == 410
    assert response.json_body["code"] == "subscription_gone"
    assert stored() == [] and endpoints() == []


@pytest.mark.parametrize("subscription_id", ["unknown-id-000000000000000", "x", "a" * 200])
def test_unknown_subscriptions_are_404(client: Any, subscription_id: str) -> None:
    assert client.http.put(f"/subscriptions/{subscription_id}", headers=JSON, body="{}").status_code == 404
    assert client.http.delete(f"/subscriptions/{subscription_id}").status_code == 404


def test_put_refuses_unknown_fields_and_bad_departments(client: Any) -> None:
    subscription_id = subscribe(client).json_body["id"]
    assert client.http.put(f"/subscriptions/{subscription_id}", headers=JSON, body='{"token": "x"}').status_code == 400
    bad = client.http.put(f"/subscriptions/{subscription_id}", headers=JSON, body='{"department": "20"}')
    assert bad.status_code == 400


# --- DELETE --------------------------------------------------------------------------------------


def test_delete_removes_endpoint_topic_subscriptions_and_item(client: Any) -> None:
    subscription_id = subscribe(client).json_body["id"]
    subscribe(client, token="c" * 64)
    response = client.http.delete(f"/subscriptions/{subscription_id}")
    assert response.status_code == 204
    assert [s.id for s in stored()] != [subscription_id] and len(stored()) == 1
    assert len(endpoints()) == 1 and len(topic_endpoints("34")) == 1 and len(topic_endpoints(None)) == 1
    assert client.http.delete(f"/subscriptions/{subscription_id}").status_code == 404


def test_a_delete_that_fails_half_way_can_be_retried(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    subscription_id = subscribe(client).json_body["id"]

    def sns_down(_: Any) -> None:
        raise _aws_error("ServiceUnavailable")

    with monkeypatch.context() as patch:
        patch.setitem(subscriptions._RELEASE, "endpoint", sns_down)
        assert client.http.delete(f"/subscriptions/{subscription_id}").status_code == 503
    assert len(stored()) == 1
    assert client.http.delete(f"/subscriptions/{subscription_id}").status_code == 204
    assert stored() == [] and endpoints() == []


# --- Sweeps and count ------------------------------------------------------------------------------


def test_the_sweep_removes_expired_subscriptions_with_their_endpoint(client: Any) -> None:
    subscribe(client)
    subscribe(client, token="d" * 64)
    old = next(s for s in stored() if s.endpoint_arn == _endpoint_of("d" * 64))
    expired = datetime.now(UTC) - timedelta(hours=1)
    old.update(actions=[Subscription.expires_at.set(expired), Subscription.expiry_day.set(expired.date().isoformat())])
    assert subscriptions.sweep_expired() == 1
    assert len(stored()) == 1 and len(endpoints()) == 1
    assert old.endpoint_arn not in topic_endpoints("34")
    assert subscriptions.sweep_expired() == 0


def test_the_sweep_runs_ahead_of_dynamodb_ttl(client: Any) -> None:
    subscribe(client)
    soon = stored()[0].expires_at - subscriptions.SWEEP_AHEAD + timedelta(minutes=1)
    assert subscriptions.sweep_expired(now=soon - timedelta(minutes=2)) == 0
    assert subscriptions.sweep_expired(now=soon) == 1


def _endpoint_of(token: str) -> str:
    digest = hashlib.sha256(token.encode()).hexdigest()
    return next(s.endpoint_arn for s in stored() if s.token_hash == digest)


def test_endpoints_disabled_by_sns_are_swept(client: Any) -> None:
    subscribe(client)
    subscribe(client, token="e" * 64)
    dead = _endpoint_of("e" * 64)
    aws.client("sns").set_endpoint_attributes(EndpointArn=dead, Attributes={"Enabled": "false"})
    orphan = sns.register_endpoint("android", ANDROID_TOKEN)
    aws.client("sns").set_endpoint_attributes(EndpointArn=orphan, Attributes={"Enabled": "false"})
    assert subscriptions.sweep_disabled() == 2
    assert len(stored()) == 1 and dead not in endpoints() and endpoints("android") == []
    assert dead not in topic_endpoints("34")


def test_a_disabled_endpoint_that_cannot_be_removed_does_not_stop_the_sweep(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for token in ("e" * 64, "f" * 64):
        subscribe(client, token=token)
        aws.client("sns").set_endpoint_attributes(EndpointArn=_endpoint_of(token), Attributes={"Enabled": "false"})
    calls: list[str | None] = []

    def down_once(arn: str | None) -> None:
        calls.append(arn)
        if len(calls) == 1:
            raise _aws_error("ServiceUnavailable")
        sns.unsubscribe(arn)

    monkeypatch.setitem(subscriptions._RELEASE, "department", down_once)
    assert subscriptions.sweep_disabled() == 1
    assert len(stored()) == 1  # the other one: the next sweep removes it
    assert subscriptions.sweep_disabled() == 1 and stored() == []


def test_count_uses_the_audience_of_each_platform(client: Any) -> None:
    subscribe(client)
    subscribe(client, token="f" * 64)
    subscribe(client, platform="android", token=ANDROID_TOKEN)
    subscribe(client, token="0" * 64, department="74")
    assert subscriptions.count("34") == 3
    assert subscriptions.count("74") == 1
    assert subscriptions.count("01") == 0

"""Privacy guarantees, end to end: what the citizens' flows log (nothing sensitive, checked record by
record), what an unsubscription leaves (nothing), what the OTV form keeps (nothing)."""

import json
import logging
from datetime import date, timedelta
from typing import Any

import pytest

from tests.conftest import AwsFaults
from tests.privacy_plugin import find_leaks, record_text, sensitive_values

JSON = {"Content-Type": "application/json"}
IOS_TOKEN = "f3" * 32


def post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.http.post(path, headers=JSON, body=json.dumps(body))


def leaks(caplog: pytest.LogCaptureFixture, *documents: Any) -> list[str]:
    """What the records captured so far leak, by shape or by the values these documents carry."""
    values = {value for document in documents for value in sensitive_values(document)}
    return [f"{r.name}: {kind}" for r in caplog.records for kind in find_leaks(record_text(r), values)]


def everything_stored() -> str:
    """Every item of every table, as text."""
    from chalicelib.models import ALL_MODELS

    return "\n".join(json.dumps(item.to_simple_dict(), default=str) for model in ALL_MODELS for item in model.scan())


def subscribers_of_topics() -> list[str]:
    from chalicelib import aws
    from chalicelib.config import get_settings

    sns, settings = aws.client("sns"), get_settings()
    topics = (settings.topic_arn("34"), settings.topic_arn("74"), settings.topic_arn(None))
    return [s["Endpoint"] for arn in topics for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]]


def sns_endpoint_tokens() -> list[str]:
    from chalicelib import aws
    from chalicelib.config import get_settings

    application = get_settings().platform_application_arn("ios")
    listing = aws.client("sns").list_endpoints_by_platform_application(PlatformApplicationArn=application)
    return [endpoint["Attributes"]["Token"] for endpoint in listing["Endpoints"]]


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="chalicelib")
    return caplog


def test_a_device_s_life_logs_neither_its_token_nor_anything_sensitive(
    client: Any, debug_logs: pytest.LogCaptureFixture
) -> None:
    body = {"platform": "ios", "token": IOS_TOKEN, "department": "34", "accept_notifications": True}
    subscription_id = post(client, "/subscriptions", body).json_body["id"]
    client.http.put(f"/subscriptions/{subscription_id}", headers=JSON, body='{"department": "74"}')
    assert client.http.delete(f"/subscriptions/{subscription_id}").status_code == 204
    assert debug_logs.records, "the flow logs something, and it was scanned"
    assert leaks(debug_logs, body) == []


def test_a_browser_s_life_logs_neither_its_endpoint_nor_its_keys(
    client: Any, push_service: Any, auth_header: Any, debug_logs: pytest.LogCaptureFixture
) -> None:
    body = {"platform": "web", "web_push": push_service.subscribe(), "department": "34", "accept_notifications": True}
    subscription_id = post(client, "/subscriptions", body).json_body["id"]
    alert = {
        "department": "34",
        "text": "Lodève : cambriolages de maisons cette nuit, fermez portes et volets.",
        "offence_type": "cambriolage_habitation",
        "offence_established": True,
    }
    assert client.http.post("/corg/alerts", headers=auth_header("corg-34"), body=json.dumps(alert)).status_code == 201
    assert client.http.delete(f"/subscriptions/{subscription_id}").status_code == 204
    assert leaks(debug_logs, body) == []


def test_looking_for_the_nearest_brigade_logs_no_position(client: Any, debug_logs: pytest.LogCaptureFixture) -> None:
    for query in ("lat=43.61093&lon=3.87723", "lat=91&lon=3.8", "lat=48.8566&lon=2.3522&limit=abc", "lat=0&lon=0"):
        client.http.get(f"/brigades/nearest?{query}")
    found = [r for r in debug_logs.records if "43.61" in record_text(r) or "3.877" in record_text(r)]
    assert found == [] and leaks(debug_logs) == []


@pytest.mark.parametrize("platform", ["ios", "web"])
def test_an_unsubscription_leaves_no_trace_anywhere(client: Any, push_service: Any, platform: str) -> None:
    if platform == "ios":
        body = {"platform": "ios", "token": IOS_TOKEN, "department": "34", "accept_notifications": True}
    else:
        body = {
            "platform": "web",
            "web_push": push_service.subscribe(),
            "department": "34",
            "accept_notifications": True,
        }
    secrets = set(sensitive_values(body))
    subscription_id = post(client, "/subscriptions", body).json_body["id"]
    assert subscription_id in everything_stored()
    assert client.http.delete(f"/subscriptions/{subscription_id}").status_code == 204
    stored = everything_stored()
    assert subscription_id not in stored and not [secret for secret in secrets if secret in stored]
    assert sns_endpoint_tokens() == [] and subscribers_of_topics() == []


def test_the_otv_form_keeps_and_logs_nothing_of_what_was_typed(
    client: Any, aws_faults: AwsFaults, debug_logs: pytest.LogCaptureFixture
) -> None:
    form = {
        "last_name": "Martin-Delacroix",
        "first_name": "Hélène",
        "phone": "06 12 34 56 78",
        "email": "helene.martin@example.fr",
        "address": "12 rue des Lilas",
        "postal_code": "34000",
        "commune": "Montpellier",
        "home_type": "maison",
        "departure_date": str(date.today() + timedelta(days=20)),  # registration opens 45 days before
        "return_date": str(date.today() + timedelta(days=41)),
    }
    response = client.http.post("/otv/form", headers={**JSON, "Accept": "application/pdf"}, body=json.dumps(form))
    assert response.status_code == 200 and response.body.startswith(b"%PDF")
    assert aws_faults.calls == []  # nothing stored anywhere
    typed = (form["last_name"], form["phone"], form["email"], form["address"])
    assert not [r for r in debug_logs.records if any(value in record_text(r) for value in typed)]

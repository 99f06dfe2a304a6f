"""National feed and prevention pushes: OPP-only publication, validation, audit, cursor paging."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import feed
from chalicelib.models import AlertLogEntry, FeedItem
from chalicelib.typography import french, plain

Headers = Callable[[str], dict[str, str]]


def an_item(**overrides: Any) -> dict[str, Any]:
    item = {
        "title": "Vacances : pensez à l'OTV",
        "body": "Avant de partir, inscrivez-vous à l'Opération Tranquillité Vacances.\nC'est gratuit.",
        "kind": "otv",
        "link": "https://www.service-public.fr/particuliers/vosdroits/F34634",
    }
    item.update(overrides)
    return item


def publish(client: Any, auth_header: Headers, who: str = "opp-ggd34", **overrides: Any) -> Any:
    return client.http.post("/opp/feed", headers=auth_header(who), body=json.dumps(an_item(**overrides)))


def audit(partition: str) -> list[AlertLogEntry]:
    return list(AlertLogEntry.query(partition))


# --- Publishing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["opp-ggd34", "admin"])
def test_the_opp_and_admin_publish_a_feed_item(client: Any, auth_header: Headers, who: str) -> None:
    response = publish(client, auth_header, who)
    assert response.status_code == 201
    item = response.json_body
    assert set(item) == {"id", "title", "body", "kind", "link", "published_at"}
    assert (item["title"], item["kind"]) == ("Vacances : pensez à l'OTV", "otv")
    assert item["body"].endswith("\nC'est gratuit.")
    assert item["published_at"].endswith("Z") and len(item["published_at"]) == 20
    assert FeedItem.get(item["id"]).author == who


def test_a_corg_operator_cannot_publish_nor_remove(client: Any, auth_header: Headers) -> None:
    refused = publish(client, auth_header, "corg-34")
    assert refused.status_code == 403
    assert refused.json_body["detail"] == "La publication du flux national est réservée à l'OPP du GGD34."
    item_id = publish(client, auth_header).json_body["id"]
    assert client.http.delete(f"/opp/feed/{item_id}", headers=auth_header("corg-34")).status_code == 403
    assert FeedItem.count() == 1


def test_publishing_needs_a_valid_token(client: Any, forge_token: Callable[..., str]) -> None:
    body = json.dumps(an_item())
    assert client.http.post("/opp/feed", headers={"Content-Type": "application/json"}, body=body).status_code == 401
    expired = {"Authorization": f"Bearer {forge_token(exp=1)}", "Content-Type": "application/json"}
    assert client.http.post("/opp/feed", headers=expired, body=body).status_code == 401
    forged_opp = forge_token(**{"cognito:groups": ["opp-ggd34"], "cognito:username": "opp-ggd34"})
    headers = {"Authorization": f"Bearer {forged_opp}", "Content-Type": "application/json"}
    assert client.http.post("/opp/feed", headers=headers, body=body).status_code == 201


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "x" * 121, "120 caractères"),
        ("title", "", "ne peut pas être vide"),
        ("title", "Deux\nlignes", "retours à la ligne"),
        ("body", "x" * 2001, "2000 caractères"),
        ("body", "Cliquez <a href='x'>ici</a>", "balises HTML"),
        ("body", "texte\u202einversé", "caractères de contrôle"),
        ("kind", "alerte", "Valeur non autorisée"),
        ("link", "http://www.service-public.fr", "https://"),
        ("link", "javascript:alert(1)", "https://"),
        ("link", "https://user:pw@exemple.fr/", "https://"),
        ("link", "https://localhost/", "https://"),
        ("link", "https://exemple.fr:8443/", "https://"),
    ],
)
def test_invalid_items_are_400_naming_the_field(
    client: Any, auth_header: Headers, field: str, value: str, message: str
) -> None:
    response = publish(client, auth_header, **{field: value})
    assert response.status_code == 400
    assert any(e["field"] == field and message in plain(e["message"]) for e in response.json_body["errors"])
    assert FeedItem.count() == 0


def test_a_body_of_exactly_2000_characters_and_no_link_is_accepted(client: Any, auth_header: Headers) -> None:
    response = publish(client, auth_header, body="é" * 2000, link=None)
    assert response.status_code == 201
    assert response.json_body["link"] is None


def test_an_off_topic_item_is_refused_with_findings_and_logged(client: Any, auth_header: Headers) -> None:
    response = publish(client, auth_header, title="Info", body="Sécurité routière : contrôles renforcés ce week-end")
    assert response.status_code == 422
    assert [f["rule"] for f in response.json_body["findings"]] == ["off_topic"]
    assert [e["field"] for e in response.json_body["errors"]] == ["body"]
    assert FeedItem.count() == 0
    [refusal] = audit(feed.FEED_LOG)
    assert (refusal.kind, refusal.sent_by, refusal.text) == ("refused", "opp-ggd34", "Info")


def test_the_title_is_checked_for_the_topic_too(client: Any, auth_header: Headers) -> None:
    response = publish(client, auth_header, title="Saisie de drogue à Béziers")
    assert response.status_code == 422
    assert [e["field"] for e in response.json_body["errors"]] == ["title"]


def test_publication_and_removal_are_audited_with_their_author(client: Any, auth_header: Headers) -> None:
    item_id = publish(client, auth_header).json_body["id"]
    response = client.http.delete(f"/opp/feed/{item_id}", headers=auth_header("admin"))
    assert response.status_code == 204
    assert FeedItem.count() == 0
    entries = audit(feed.FEED_LOG)
    assert [(e.kind, e.sent_by, e.alert_id) for e in entries] == [
        ("feed_published", "opp-ggd34", item_id),
        ("feed_removed", "admin", item_id),
    ]
    assert all(e.text == "Vacances : pensez à l'OTV" for e in entries)


def test_an_item_whose_publication_cannot_be_audited_is_not_left_published(
    client: Any, auth_header: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OPP is told to try again (503): the item must not stay in the feed, or the retry would
    publish it twice, and unaudited."""
    from botocore.exceptions import ClientError
    from pynamodb.exceptions import PutError

    def throttled(*args: Any, **kwargs: Any) -> None:
        error = ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected"}}, "PutItem")
        raise PutError("throttled") from error

    monkeypatch.setattr(AlertLogEntry, "save", throttled)
    assert publish(client, auth_header).status_code == 503
    assert client.http.get("/feed").json_body == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("item_id", ["0" * 32, "not-an-id", "%27%3B--"])
def test_removing_an_unknown_item_is_a_404(client: Any, auth_header: Headers, item_id: str) -> None:
    response = client.http.delete(f"/opp/feed/{item_id}", headers=auth_header("opp-ggd34"))
    assert response.status_code == 404
    assert response.json_body["detail"] == "Cette actualité n'existe pas ou a déjà été retirée."


def test_removing_twice_is_a_404_the_second_time(client: Any, auth_header: Headers) -> None:
    item_id = publish(client, auth_header).json_body["id"]
    assert client.http.delete(f"/opp/feed/{item_id}", headers=auth_header("opp-ggd34")).status_code == 204
    assert client.http.delete(f"/opp/feed/{item_id}", headers=auth_header("opp-ggd34")).status_code == 404


# --- Reading ------------------------------------------------------------------------------------


def test_the_feed_pages_newest_first_with_an_opaque_cursor(client: Any, auth_header: Headers) -> None:
    published = [publish(client, auth_header, title=f"Actualité {i}").json_body for i in range(5)]
    first = client.http.get("/feed?limit=2").json_body
    assert [i["title"] for i in first["items"]] == ["Actualité 4", "Actualité 3"]
    second = client.http.get(f"/feed?limit=2&cursor={first['next_cursor']}").json_body
    assert [i["title"] for i in second["items"]] == ["Actualité 2", "Actualité 1"]
    last = client.http.get(f"/feed?limit=2&cursor={second['next_cursor']}").json_body
    assert last == {"items": [published[0]], "next_cursor": None}


def test_an_exactly_full_page_has_no_next_cursor(client: Any, auth_header: Headers) -> None:
    for i in range(3):
        publish(client, auth_header, title=f"Actualité {i}")
    answer = client.http.get("/feed?limit=3").json_body
    assert len(answer["items"]) == 3
    assert answer["next_cursor"] is None


def test_an_empty_feed_and_the_default_limit(client: Any, auth_header: Headers) -> None:
    assert client.http.get("/feed").json_body == {"items": [], "next_cursor": None}
    for i in range(21):
        publish(client, auth_header, title=f"Actualité {i}")
    answer = client.http.get("/feed").json_body
    assert len(answer["items"]) == 20
    assert answer["next_cursor"]


def test_a_removed_item_leaves_the_feed(client: Any, auth_header: Headers) -> None:
    kept = publish(client, auth_header, title="Gardée").json_body
    removed = publish(client, auth_header, title="Retirée").json_body
    client.http.delete(f"/opp/feed/{removed['id']}", headers=auth_header("opp-ggd34"))
    assert client.http.get("/feed").json_body["items"] == [kept]


def _b64(document: Any) -> str:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "x" * 201,
        "AAAA",
        _b64(b"\xff\xfe"),
        _b64(["k"]),
        _b64({"k": 1}),
        _b64({"k": "2026-11-29T10:00:00.000000Z#" + "0" * 32, "extra": 1}),
        _b64({"k": "2026-11-29T10:00:00Z#" + "0" * 32}),
        _b64({"k": "2026-13-45T10:00:00.000000Z#" + "0" * 32}),
        _b64({"k": "2026-11-29T10:00:00.000000Z#" + "Z" * 32}),
    ],
)
def test_a_forged_or_garbled_cursor_is_a_400(client: Any, cursor: str) -> None:
    response = client.http.get(f"/feed?cursor={cursor}")
    assert response.status_code == 400
    assert response.json_body["errors"] == [{"field": "cursor", "message": french(feed.BAD_CURSOR)}]


def test_a_well_formed_cursor_for_an_unknown_position_just_pages_from_there(client: Any, auth_header: Headers) -> None:
    publish(client, auth_header)
    cursor = _b64({"k": "2000-01-01T00:00:00.000000Z#" + "0" * 32})
    assert client.http.get(f"/feed?cursor={cursor}").json_body == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("limit", ["0", "51", "abc", "-1"])
def test_limit_must_be_between_1_and_50(client: Any, limit: str) -> None:
    assert client.http.get(f"/feed?limit={limit}").status_code == 400


# --- Prevention pushes ----------------------------------------------------------------------------

TEXT = (
    "Bientôt les départs en vacances, pensez à vous inscrire à votre brigade dans le cadre des opérations "
    "tranquillité vacances"
)


def push_text(client: Any, auth_header: Headers, text: str, who: str = "opp-ggd34") -> Any:
    return client.http.post("/opp/prevention-push", headers=auth_header(who), body=json.dumps({"text": text}))


def test_a_prevention_push_goes_to_the_national_topic_with_the_prevention_collapse_key(
    client: Any, auth_header: Headers, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    response = push_text(client, auth_header, TEXT)
    assert response.status_code == 201
    answer = response.json_body
    assert answer["text"] == TEXT and answer["delivery"] == {"national": "published"}
    [sent] = published(None)
    assert sent["message"]["default"] == TEXT
    assert sent["attributes"]["AWS.SNS.MOBILE.APNS.COLLAPSE_ID"] == "prevention-nationale"
    android = sent["message"]["GCM"]["fcmV1Message"]["message"]["android"]
    assert android["collapse_key"] == android["notification"]["tag"] == "prevention-nationale"
    assert published("34") == []


def test_a_prevention_push_is_logged_with_its_author_and_delivery(client: Any, auth_header: Headers) -> None:
    push_id = push_text(client, auth_header, TEXT, who="admin").json_body["id"]
    [entry] = audit(feed.NATIONAL_LOG)
    assert (entry.kind, entry.sent_by, entry.alert_id, entry.text) == ("prevention", "admin", push_id, TEXT)
    assert entry.delivery_status == "published"
    assert entry.channels["sns"]["ok"] is True and entry.delivery_attempts == 1
    assert entry.expires_at > entry.created_at + timedelta(days=360)


def test_a_corg_operator_cannot_send_a_prevention_push(client: Any, auth_header: Headers) -> None:
    response = push_text(client, auth_header, TEXT, who="corg-34")
    assert response.status_code == 403
    assert "réservés à l'OPP du GGD34" in response.json_body["detail"]
    assert audit(feed.NATIONAL_LOG) == []


def test_160_characters_pass_and_161_do_not_counted_as_people_count(client: Any, auth_header: Headers) -> None:
    assert push_text(client, auth_header, "  " + "é" * 160 + " ").status_code == 201
    assert push_text(client, auth_header, "e\u0301" * 160).status_code == 201  # e + accent: one character
    response = push_text(client, auth_header, "a" * 161)
    assert response.status_code == 400
    assert response.json_body["errors"] == [
        {"field": "text", "message": french("Le message doit compter de 1 à 160 caractères ; il en compte 161.")}
    ]


@pytest.mark.parametrize("text", ["", "   ", "Deux\nlignes", "Attention\u202e"])
def test_empty_or_multiline_prevention_texts_are_refused(client: Any, auth_header: Headers, text: str) -> None:
    assert push_text(client, auth_header, text).status_code == 400


def test_an_off_topic_prevention_push_is_refused_logged_and_not_sent(
    client: Any, auth_header: Headers, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    response = push_text(client, auth_header, "Alcool au volant : soyez prudents ce week-end")
    assert response.status_code == 422
    assert response.json_body["findings"][0]["rule"] == "off_topic"
    assert published(None) == []
    [entry] = audit(feed.NATIONAL_LOG)
    assert (entry.kind, entry.sent_by) == ("refused", "opp-ggd34")


def test_a_failing_channel_is_marked_failed_in_the_log(
    client: Any, auth_header: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.push import sns

    def down(_: Any) -> Any:
        raise RuntimeError("SNS down")

    monkeypatch.setattr(sns.CHANNEL, "deliver", down)
    response = push_text(client, auth_header, TEXT)
    assert response.status_code == 201
    assert response.json_body["delivery"] == {"national": "failed"}
    [entry] = audit(feed.NATIONAL_LOG)
    assert entry.delivery_status == "failed"
    assert entry.channels["sns"] == {"ok": False, "error": "RuntimeError"}


def test_a_push_whose_outcome_cannot_be_logged_is_still_answered_and_the_next_audiences_still_served(
    aws: Any, monkeypatch: pytest.MonkeyPatch, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    """The push has left: an error while recording its outcome must neither answer 500 (the OPP
    would send it again) nor stop the seasonal reminder before the other départements."""
    from pynamodb.exceptions import UpdateError

    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise UpdateError("DynamoDB unavailable")

    monkeypatch.setattr(AlertLogEntry, "update", unavailable)
    answer = feed.push_prevention(TEXT, author="opp-ggd34", departments=["34", "30"])
    assert answer["delivery"] == {"34": "published", "30": "published"}
    assert len(published("34")) == len(published("30")) == 1


# --- Retrying failed prevention pushes -------------------------------------------------------------


def later(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


def sns_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.push import sns

    def down(_: Any) -> Any:
        raise RuntimeError("SNS down")

    monkeypatch.setattr(sns.CHANNEL, "deliver", down)


def waiting() -> list[AlertLogEntry]:
    """The retry queue: what the sparse index holds."""
    return list(AlertLogEntry.undelivered_prevention.query(feed.RETRY_QUEUE))


def a_failed_push(monkeypatch: pytest.MonkeyPatch, departments: list[str] | None = None) -> dict[str, Any]:
    with monkeypatch.context() as patch:
        sns_down(patch)
        return feed.push_prevention(TEXT, author="opp-ggd34", departments=departments)


def test_a_failed_prevention_push_is_retried_on_the_failed_channels_only_as_the_same_notification(
    aws: Any, monkeypatch: pytest.MonkeyPatch, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    from chalicelib import push
    from chalicelib.push import DeliveryResult, Notification, sns

    sent: list[Notification] = []

    class FlakyChannel:
        name = "flaky"

        def deliver(self, notification: Notification) -> DeliveryResult:
            sent.append(notification)
            return DeliveryResult(self.name, len(sent) > 1)

    monkeypatch.setattr(push, "channels", lambda: [sns.CHANNEL, FlakyChannel()])
    answer = feed.push_prevention(TEXT, author="opp-ggd34")
    assert answer["delivery"] == {"national": "failed"}
    assert feed.retry_prevention_pushes(now=later(seconds=30)) == 1  # a failure is retried at once
    first, again = sent
    assert again == first and (again.alert_id, again.kind) == (answer["id"], "prevention")
    assert again.collapse_key == "prevention-nationale" and again.department is None
    assert len(published(None)) == 1  # SNS had succeeded: not published twice
    [entry] = audit(feed.NATIONAL_LOG)
    assert entry.delivery_status == "published" and entry.delivery_attempts == 2
    assert entry.channels["sns"]["ok"] is True and entry.channels["flaky"] == {"ok": True}
    assert waiting() == []
    assert feed.retry_prevention_pushes(now=later(minutes=2)) == 0 and len(sent) == 2


def test_a_prevention_push_to_a_departement_is_retried_to_that_departement(
    aws: Any, monkeypatch: pytest.MonkeyPatch, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    push_id = a_failed_push(monkeypatch, departments=["34"])["id"]
    assert published("34") == []
    assert feed.retry_prevention_pushes(now=later(minutes=1)) == 1
    [sent] = published("34")
    assert sent["message"]["APNS"]["alert_id"] == push_id and sent["message"]["APNS"]["kind"] == "prevention"
    assert sent["attributes"]["AWS.SNS.MOBILE.APNS.COLLAPSE_ID"] == "prevention-nationale"
    assert published(None) == []
    [entry] = audit("34")
    assert entry.delivery_status == "published" and entry.channels["sns"]["ok"] is True


def test_only_undelivered_prevention_pushes_wait_in_the_retry_index(
    client: Any, auth_header: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(client, auth_header)
    feed.push_prevention(TEXT, author="opp-ggd34")
    a_failed_push(monkeypatch)
    [entry] = waiting()
    assert entry.delivery_status == "failed"


def test_a_prevention_push_left_pending_by_a_crash_is_sent_after_two_minutes(
    aws: Any, monkeypatch: pytest.MonkeyPatch, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(feed, "_deliver", lambda entry, done=None: "pending")  # the Lambda died mid-send
        feed.push_prevention(TEXT, author="opp-ggd34")
    assert feed.retry_prevention_pushes(now=later(minutes=1)) == 0  # may still be in flight
    assert published(None) == []
    assert feed.retry_prevention_pushes(now=later(minutes=2, seconds=5)) == 1
    assert len(published(None)) == 1
    assert audit(feed.NATIONAL_LOG)[0].delivery_status == "published"


def test_an_undelivered_prevention_push_past_its_ttl_is_marked_expired_and_logged(
    aws: Any,
    monkeypatch: pytest.MonkeyPatch,
    published: Callable[[str | None], list[dict[str, Any]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    a_failed_push(monkeypatch)
    with caplog.at_level("ERROR"):
        assert feed.retry_prevention_pushes(now=later(hours=24, minutes=1)) == 0
    assert "past its TTL" in caplog.text
    assert published(None) == []
    assert audit(feed.NATIONAL_LOG)[0].delivery_status == "expired"
    assert waiting() == []


def test_two_overlapping_prevention_retries_deliver_once(
    aws: Any, monkeypatch: pytest.MonkeyPatch, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    a_failed_push(monkeypatch)
    [stale] = waiting()
    assert feed.retry_prevention_pushes(now=later(minutes=1)) == 1
    assert feed._retry(stale, later(minutes=1)) == 0
    assert len(published(None)) == 1


def test_a_prevention_retry_that_fails_for_one_push_still_retries_the_others(
    aws: Any, monkeypatch: pytest.MonkeyPatch, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    a_failed_push(monkeypatch, departments=["34", "30"])
    claim = feed._claim
    calls: list[str] = []

    def throttled_once(entry: AlertLogEntry, now: datetime, *, status: str) -> bool:
        calls.append(entry.department)
        if len(calls) == 1:
            raise RuntimeError("throttled")
        return claim(entry, now, status=status)

    monkeypatch.setattr(feed, "_claim", throttled_once)
    assert feed.retry_prevention_pushes(now=later(minutes=1)) == 1
    [served] = {"34", "30"} - {calls[0]}
    assert len(published(served)) == 1 and published(calls[0]) == []


def test_the_alert_retry_schedule_retries_prevention_pushes_too(
    client: Any, monkeypatch: pytest.MonkeyPatch, published: Callable[[str | None], list[dict[str, Any]]]
) -> None:
    a_failed_push(monkeypatch)
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])
    client.lambda_.invoke("retry_alert_deliveries", event)
    assert len(published(None)) == 1

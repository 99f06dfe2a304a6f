"""CORG alerts: send, replace, retract, refuse, log, deliver through SNS, retry, idempotency."""

import json
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import alerts, push
from chalicelib.models import AlertLogEntry, CurrentAlert
from chalicelib.push import DeliveryResult, Notification, sns

SEED = (
    "MEYTHET, nombreux cambriolages dans les maisons, en fin de journée : prenez vos précautions et soyez "
    "vigilants, faites passer l'info !"
)
LODEVE = "Lodève : cambriolages de maisons cette nuit, fermez portes et volets."

Headers = Callable[[str], dict[str, str]]


def alert_body(**overrides: Any) -> dict[str, Any]:
    body = {"department": "34", "text": LODEVE, "offence_type": "cambriolage_habitation", "offence_established": True}
    body.update(overrides)
    return body


def post(client: Any, headers: dict[str, str], **overrides: Any) -> Any:
    return client.http.post("/corg/alerts", headers=headers, body=json.dumps(alert_body(**overrides)))


def log_entries(department: str = "34") -> list[AlertLogEntry]:
    return list(AlertLogEntry.query(department, scan_index_forward=False))


def current(department: str = "34") -> CurrentAlert:
    return CurrentAlert.get(department)


def sns_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    def refuse(_: Notification) -> DeliveryResult:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "Publish")

    monkeypatch.setattr(sns.CHANNEL, "deliver", refuse)


@pytest.fixture
def failed_alert(client: Any, auth_header: Headers, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """An alert of the Hérault recorded while SNS was down (its delivery status is `failed`)."""
    with monkeypatch.context() as patch:
        sns_down(patch)
        return dict(post(client, auth_header("corg-34")).json_body["alert"])


def later(**delay: float) -> Any:
    return alerts._now() + timedelta(**delay)


# --- Sending -------------------------------------------------------------------------------------


def test_a_corg_sends_an_alert_to_its_department(client: Any, auth_header: Headers) -> None:
    response = post(client, auth_header("corg-34"))
    assert response.status_code == 201
    body = response.json_body
    alert = body["alert"]
    assert alert["department"] == "34" and alert["text"] == LODEVE and alert["revision"] == 1
    assert alert["offence_type"] == "cambriolage_habitation" and alert["status"] == "active"
    assert alert["sent_at"].endswith("Z") and len(alert["id"]) >= 16
    assert body["replaced"] is None
    assert body["delivery"] == {"status": "published", "channels": {"sns": {"ok": True}, "web": {"ok": True}}}


def test_the_alert_is_one_publish_carrying_its_id_and_revision(
    client: Any, auth_header: Headers, published: Callable[..., Any]
) -> None:
    alert = post(client, auth_header("corg-34")).json_body["alert"]
    [sent] = published("34")
    assert sent["message"]["default"] == LODEVE
    assert sent["message"]["APNS"]["aps"]["alert"] == {"title": "Alerte cambriolages – Hérault", "body": LODEVE}
    assert sent["message"]["APNS"]["alert_id"] == alert["id"] and sent["message"]["APNS"]["revision"] == 1
    data = sent["message"]["GCM"]["fcmV1Message"]["message"]["data"]
    assert data == {"alert_id": alert["id"], "revision": "1", "kind": "alert", "department": "34"}
    assert sent["attributes"]["AWS.SNS.MOBILE.APNS.COLLAPSE_ID"] == "alerte-34"
    assert sent["attributes"]["AWS.SNS.MOBILE.APNS.TTL"] == "86400"
    assert published(None) == [] and published("74") == []


def test_the_alert_is_recorded_before_it_is_published(
    client: Any, auth_header: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str | None, str | None]] = []
    deliver = push.deliver

    def look_first(notification: Notification, **kwargs: Any) -> Any:
        entry = AlertLogEntry.get("34", notification.log_key)
        seen.append((current().delivery_status, entry.delivery_status))
        return deliver(notification, **kwargs)

    monkeypatch.setattr(push, "deliver", look_first)
    post(client, auth_header("corg-34"))
    assert seen == [("pending", "pending")]


def test_the_current_item_and_log_entry_hold_the_alert(client: Any, auth_header: Headers) -> None:
    alert = post(client, auth_header("corg-34")).json_body["alert"]
    item = current()
    assert (item.alert_id, item.revision, item.text, item.sent_by) == (alert["id"], 1, LODEVE, "corg-34")
    assert item.delivery_status == "published"
    [entry] = log_entries()
    assert (entry.kind, entry.alert_id, entry.revision, entry.sent_by) == ("sent", alert["id"], 1, "corg-34")
    assert entry.log_key == item.log_key
    assert entry.delivery_status == "published" and entry.delivery_attempts == 1
    assert entry.channels["sns"]["ok"] is True and entry.channels["sns"]["message_id"]


def test_a_new_alert_replaces_the_previous_one(
    client: Any, auth_header: Headers, published: Callable[..., Any]
) -> None:
    first = post(client, auth_header("corg-34")).json_body["alert"]
    second = post(client, auth_header("corg-34"), text=SEED, offence_type="serie_cambriolages").json_body
    assert second["replaced"] == first["id"]
    assert second["alert"]["revision"] == 2 and second["alert"]["id"] != first["id"]
    keys = {p["attributes"]["AWS.SNS.MOBILE.APNS.COLLAPSE_ID"] for p in published("34")}
    assert keys == {"alerte-34"} and len(published("34")) == 2
    assert client.http.get("/alerts/34").json_body["alert"] == second["alert"]


def test_the_text_is_stored_in_nfc_and_trimmed(client: Any, auth_header: Headers) -> None:
    alert = post(client, auth_header("corg-34"), text="  Se\u0300te : cambriolages de commerces.  ").json_body["alert"]
    assert alert["text"] == "Sète : cambriolages de commerces."


# --- Public read ---------------------------------------------------------------------------------


def test_citizens_read_the_current_alert(client: Any, auth_header: Headers) -> None:
    assert client.http.get("/alerts/34").json_body == {"alert": None}
    alert = post(client, auth_header("corg-34")).json_body["alert"]
    assert client.http.get("/alerts/34").json_body == {"alert": alert}
    assert client.http.get("/alerts/74").json_body == {"alert": None}


def test_the_department_of_the_public_read_is_normalised(client: Any) -> None:
    assert client.http.get("/alerts/2a").status_code == 200
    response = client.http.get("/alerts/20")
    assert response.status_code == 400
    assert response.json_body["code"] == "invalid_department"


# --- Refusals ------------------------------------------------------------------------------------


def test_a_forbidden_alert_is_a_422_with_findings_and_is_logged(
    client: Any, auth_header: Headers, published: Callable[..., Any]
) -> None:
    text = "Attention : véhicule AB-123-CD ou personnes suspectes en repérage dans les zones artisanales..."
    response = post(client, auth_header("corg-34"), text=text)
    assert response.status_code == 422
    problem = response.json_body
    assert problem["code"] == "content_rejected"
    assert {f["rule"] for f in problem["findings"]} == {"suspicion", "licence_plate"}
    assert {e["field"] for e in problem["errors"]} == {"text"}
    assert problem["length"] == len(text)
    assert published("34") == []
    [entry] = log_entries()
    assert entry.kind == "refused" and entry.sent_by == "corg-34"
    assert "AB-123-CD" not in entry.text and "[masqué]" in entry.text
    assert {f["rule"] for f in entry.findings} == {"suspicion", "licence_plate"}
    assert all("excerpt" not in f for f in entry.findings)
    assert client.http.get("/alerts/34").json_body == {"alert": None}


def test_an_unestablished_offence_or_unknown_type_is_refused(client: Any, auth_header: Headers) -> None:
    response = post(client, auth_header("corg-34"), offence_type="rodeo", offence_established=False)
    assert response.status_code == 422
    assert {e["field"] for e in response.json_body["errors"]} == {"offence_type", "offence_established"}


def test_161_characters_are_refused_and_160_pass(client: Any, auth_header: Headers) -> None:
    assert post(client, auth_header("corg-34"), text="x" * 161).status_code == 422
    assert post(client, auth_header("corg-34"), text="é" * 160).status_code == 201


@pytest.mark.parametrize(
    "overrides",
    [{"text": "x" * 2001}, {"offence_established": "peut-être"}, {"urgent": True}, {"department": "20"}],
)
def test_malformed_requests_are_400s(client: Any, auth_header: Headers, overrides: dict[str, Any]) -> None:
    assert post(client, auth_header("corg-34"), **overrides).status_code == 400
    assert log_entries() == []


# --- Check ---------------------------------------------------------------------------------------


def test_the_check_endpoint_reports_findings_without_logging(client: Any, auth_header: Headers) -> None:
    ok = client.http.post("/corg/alerts/check", headers=auth_header("corg-74"), body=json.dumps(alert_body(text=SEED)))
    assert ok.json_body == {"ok": True, "length": len(SEED), "findings": []}
    draft = json.dumps({"text": "Rôdeur signalé, appelez le 06 12 34 56 78"})
    refused = client.http.post("/corg/alerts/check", headers=auth_header("corg-34"), body=draft).json_body
    assert refused["ok"] is False
    assert {f["rule"] for f in refused["findings"]} == {
        "suspicion",
        "phone_number",
        "offence_type",
        "offence_not_established",
    }
    assert next(f for f in refused["findings"] if f["rule"] == "phone_number")["excerpt"] == "06 12 34 56 78"
    assert log_entries() == []


# --- Authorization -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/corg/alerts", alert_body(department="74")),
        ("DELETE", "/corg/alerts/74", None),
        ("GET", "/corg/alerts?department=74", None),
        ("GET", "/corg/subscribers?department=74", None),
    ],
)
def test_a_corg_cannot_act_on_another_department(
    client: Any, auth_header: Headers, method: str, path: str, body: Any
) -> None:
    response = client.http.request(method, path, headers=auth_header("corg-34"), body=json.dumps(body or {}))
    assert response.status_code == 403
    assert "74" in response.json_body["detail"]
    assert log_entries("74") == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/corg/alerts", alert_body()),
        ("POST", "/corg/alerts/check", alert_body()),
        ("DELETE", "/corg/alerts/34", None),
        ("GET", "/corg/alerts?department=34", None),
        ("GET", "/corg/subscribers?department=34", None),
    ],
)
def test_operator_routes_need_a_valid_token_and_a_corg_group(
    client: Any, auth_header: Headers, forge_token: Callable[..., str], method: str, path: str, body: Any
) -> None:
    raw = json.dumps(body or {})
    anonymous = client.http.request(method, path, headers={"Content-Type": "application/json"}, body=raw)
    assert anonymous.status_code == 401
    expired = {"Authorization": f"Bearer {forge_token(exp=1)}", "Content-Type": "application/json"}
    assert client.http.request(method, path, headers=expired, body=raw).status_code == 401
    assert client.http.request(method, path, headers=auth_header("opp-ggd34"), body=raw).status_code == 403
    assert log_entries() == []


def test_admin_may_send_anywhere(client: Any, auth_header: Headers) -> None:
    response = post(client, auth_header("admin"), department="974")
    assert response.status_code == 201
    assert current("974").sent_by == "admin"


# --- Retraction ----------------------------------------------------------------------------------


def test_a_retraction_replaces_the_push_and_clears_the_current_alert(
    client: Any, auth_header: Headers, published: Callable[..., Any]
) -> None:
    alert = post(client, auth_header("corg-34")).json_body["alert"]
    response = client.http.delete("/corg/alerts/34", headers=auth_header("corg-34"))
    assert response.status_code == 200
    retracted = response.json_body["alert"]
    assert (retracted["id"], retracted["status"], retracted["revision"]) == (alert["id"], "retracted", 2)
    assert response.json_body["delivery"]["status"] == "published"
    notice = published("34")[-1]
    assert notice["attributes"]["AWS.SNS.MOBILE.APNS.COLLAPSE_ID"] == "alerte-34"
    assert notice["message"]["default"] == alerts.RETRACTION_TEXT
    assert "annulé" in notice["message"]["APNS"]["aps"]["alert"]["body"]
    assert notice["message"]["APNS"]["kind"] == "retraction" and notice["message"]["APNS"]["revision"] == 2
    assert client.http.get("/alerts/34").json_body == {"alert": None}
    assert [e.kind for e in log_entries()] == ["retracted", "sent"]
    assert log_entries()[0].sent_by == "corg-34"


def test_retracting_when_nothing_is_current_is_a_404(client: Any, auth_header: Headers) -> None:
    assert client.http.delete("/corg/alerts/34", headers=auth_header("corg-34")).status_code == 404
    post(client, auth_header("corg-34"))
    assert client.http.delete("/corg/alerts/34", headers=auth_header("corg-34")).status_code == 200
    assert client.http.delete("/corg/alerts/34", headers=auth_header("corg-34")).status_code == 404


def test_a_new_alert_after_a_retraction_replaces_nothing(client: Any, auth_header: Headers) -> None:
    post(client, auth_header("corg-34"))
    client.http.delete("/corg/alerts/34", headers=auth_header("corg-34"))
    again = post(client, auth_header("corg-34")).json_body
    assert again["replaced"] is None and again["alert"]["revision"] == 3


# --- Delivery failures and retries -----------------------------------------------------------------


def test_an_sns_failure_keeps_the_alert_and_says_so(
    client: Any, auth_header: Headers, monkeypatch: pytest.MonkeyPatch, published: Callable[..., Any]
) -> None:
    sns_down(monkeypatch)
    response = post(client, auth_header("corg-34"))
    assert response.status_code == 201
    delivery = response.json_body["delivery"]
    assert delivery["status"] == "failed" and delivery["channels"] == {"sns": {"ok": False}, "web": {"ok": True}}
    assert "renvoyé automatiquement" in delivery["message"]
    assert current().delivery_status == "failed"
    [entry] = log_entries()
    assert entry.delivery_status == "failed" and entry.channels["sns"] == {"ok": False, "error": "ClientError"}
    assert client.http.get("/alerts/34").json_body["alert"]["id"] == response.json_body["alert"]["id"]
    assert published("34") == []


def test_the_scheduled_retry_publishes_a_failed_alert_once(
    failed_alert: dict[str, Any], published: Callable[..., Any]
) -> None:
    assert alerts.retry_deliveries(now=later(seconds=10)) == 0  # too recent: may be in flight
    assert alerts.retry_deliveries(now=later(minutes=1)) == 1
    [sent] = published("34")
    assert sent["message"]["APNS"]["alert_id"] == failed_alert["id"]
    assert current().delivery_status == "published"
    [entry] = log_entries()
    assert entry.delivery_status == "published" and entry.delivery_attempts == 2
    assert alerts.retry_deliveries(now=later(minutes=2)) == 0
    assert len(published("34")) == 1


def test_the_retry_schedule_is_wired(
    client: Any, failed_alert: dict[str, Any], monkeypatch: pytest.MonkeyPatch, published: Callable[..., Any]
) -> None:
    monkeypatch.setattr(alerts, "RETRY_AFTER", timedelta(0))
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])
    client.lambda_.invoke("retry_alert_deliveries", event)
    assert len(published("34")) == 1


def test_a_retry_publishes_only_the_newest_revision(
    client: Any, auth_header: Headers, failed_alert: dict[str, Any], published: Callable[..., Any]
) -> None:
    newest = post(client, auth_header("corg-34"), text=SEED).json_body["alert"]
    assert alerts.retry_deliveries(now=later(minutes=1)) == 0
    assert [p["message"]["APNS"]["alert_id"] for p in published("34")] == [newest["id"]]
    assert [e.delivery_status for e in log_entries()] == ["published", "superseded"]


def crash(*_: Any, **__: Any) -> Any:
    raise RuntimeError("the container died between the commit and the delivery")


def test_an_alert_left_pending_by_a_crash_is_delivered_by_the_retry(
    client: Any, auth_header: Headers, monkeypatch: pytest.MonkeyPatch, published: Callable[..., Any]
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(alerts, "_deliver", crash)
        assert post(client, auth_header("corg-34")).status_code == 500
    assert current().delivery_status == "pending"
    assert alerts.retry_deliveries(now=later(minutes=1)) == 1
    assert len(published("34")) == 1 and current().delivery_status == "published"


def test_an_undelivered_alert_past_its_ttl_is_marked_expired_not_sent(
    failed_alert: dict[str, Any], published: Callable[..., Any]
) -> None:
    assert alerts.retry_deliveries(now=later(hours=24, minutes=1)) == 0
    assert published("34") == []
    assert current().delivery_status == "expired" and log_entries()[0].delivery_status == "expired"


def test_a_retry_delivers_only_the_channels_that_failed(
    client: Any, auth_header: Headers, monkeypatch: pytest.MonkeyPatch, published: Callable[..., Any]
) -> None:
    attempts: list[int] = []

    class FlakyChannel:
        name = "flaky"

        def deliver(self, notification: Notification) -> DeliveryResult:
            attempts.append(notification.revision)
            return DeliveryResult(self.name, len(attempts) > 1)

    monkeypatch.setattr(push, "channels", lambda: [sns.CHANNEL, FlakyChannel()])
    delivery = post(client, auth_header("corg-34")).json_body["delivery"]
    assert delivery["status"] == "failed" and delivery["channels"] == {"sns": {"ok": True}, "flaky": {"ok": False}}
    assert alerts.retry_deliveries(now=later(minutes=1)) == 1
    assert attempts == [1, 1]
    assert len(published("34")) == 1  # SNS had succeeded: not published twice
    assert log_entries()[0].channels["flaky"] == {"ok": True}


def test_a_retry_that_fails_for_one_department_still_retries_the_others(
    client: Any, auth_header: Headers, monkeypatch: pytest.MonkeyPatch, published: Callable[..., Any]
) -> None:
    from pynamodb.exceptions import GetError

    with monkeypatch.context() as patch:
        sns_down(patch)
        post(client, auth_header("corg-34"))
        post(client, auth_header("admin"), department="30")
    read = AlertLogEntry.get
    calls: list[str] = []

    def throttled_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        if len(calls) == 1:
            raise GetError("throttled")
        return read(*args, **kwargs)

    monkeypatch.setattr(AlertLogEntry, "get", throttled_once)
    assert alerts.retry_deliveries(now=later(minutes=1)) == 1
    served = {"34", "30"} - {calls[0]}
    assert [len(published(code)) for code in sorted(served)] == [1]


def test_two_overlapping_retries_deliver_once(failed_alert: dict[str, Any], published: Callable[..., Any]) -> None:
    stale = current()
    assert alerts.retry_deliveries(now=later(minutes=1)) == 1
    assert alerts._claim_retry(stale, later(minutes=1)) is False
    assert len(published("34")) == 1


# --- Concurrency ---------------------------------------------------------------------------------


def test_concurrent_sends_lose_no_update(atomic_aws: Any, published: Callable[..., Any]) -> None:
    senders = 8
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(senders)

    def send(index: int) -> None:
        barrier.wait()
        body = alerts.AlertBody(**alert_body(text=f"Cambriolages à Agde, quartier {index}."))
        results.append(alerts.send(department="34", body=body, sender=f"corg-{index}"))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    revisions = sorted(r["alert"]["revision"] for r in results)
    assert revisions == list(range(1, senders + 1))
    entries = log_entries()
    assert sorted(e.revision for e in entries) == revisions
    newest = max(results, key=lambda r: r["alert"]["revision"])["alert"]
    item = current()
    assert (item.revision, item.alert_id, item.text) == (senders, newest["id"], newest["text"])
    assert len(published("34")) == senders


def test_a_sender_that_keeps_losing_the_race_gets_a_409(
    client: Any, auth_header: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(client, auth_header("corg-34"))
    monkeypatch.setattr(alerts, "_current", lambda department: None)  # always a stale read
    monkeypatch.setattr(alerts, "COMMIT_BUDGET_SECONDS", 0.05)
    response = post(client, auth_header("corg-34"))
    assert response.status_code == 409
    assert "réessayez" in response.json_body["detail"]
    assert len(log_entries()) == 1 and current().revision == 1


# --- Idempotency ---------------------------------------------------------------------------------


def test_a_retried_post_returns_the_first_answer_and_sends_once(
    client: Any, auth_header: Headers, published: Callable[..., Any]
) -> None:
    headers = {**auth_header("corg-34"), "Idempotency-Key": "console-7f3a"}
    first = post(client, headers)
    second = post(client, headers)
    assert first.status_code == second.status_code == 201
    assert second.json_body == first.json_body
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert len(published("34")) == 1 and len(log_entries()) == 1


def test_a_reused_key_with_another_body_is_refused(client: Any, auth_header: Headers) -> None:
    headers = {**auth_header("corg-34"), "Idempotency-Key": "console-7f3a"}
    post(client, headers)
    response = post(client, headers, text=SEED)
    assert response.status_code == 422
    assert response.json_body["code"] == "idempotency_key_reused"
    assert "nouvelle clé" in response.json_body["detail"]
    assert len(log_entries()) == 1


def test_a_retried_refusal_is_replayed_and_logged_once(client: Any, auth_header: Headers) -> None:
    headers = {**auth_header("corg-34"), "Idempotency-Key": "k1"}
    first = post(client, headers, text="Rôdeur aperçu")
    second = post(client, headers, text="Rôdeur aperçu")
    assert first.status_code == second.status_code == 422
    assert second.headers["Content-Type"] == "application/problem+json"
    without_excerpts = [{k: v for k, v in f.items() if k != "excerpt"} for f in first.json_body["findings"]]
    assert second.json_body == {**first.json_body, "findings": without_excerpts}
    assert len(log_entries()) == 1


def test_a_refusal_is_kept_for_replays_without_the_refused_personal_data(client: Any, auth_header: Headers) -> None:
    from chalicelib.models import IdempotencyRecord

    text = "Cambriolage chez Kevin Durand, voiture AB-123-CD, appelez le 06 12 34 56 78"
    first = post(client, {**auth_header("corg-34"), "Idempotency-Key": "k-personal"}, text=text)
    assert first.status_code == 422
    assert {f.get("excerpt") for f in first.json_body["findings"]} >= {"AB-123-CD", "06 12 34 56 78", "Kevin Durand"}
    stored = json.dumps([record.response for record in IdempotencyRecord.scan()], ensure_ascii=False)
    entry = json.dumps([e.text for e in log_entries()] + [e.findings for e in log_entries()], ensure_ascii=False)
    for personal in ("AB-123-CD", "06 12 34 56 78", "Kevin", "Durand"):
        assert personal not in stored and personal not in entry
    assert '"licence_plate"' in stored and '"named_person"' in stored


def test_keys_belong_to_their_operator(client: Any, auth_header: Headers) -> None:
    post(client, {**auth_header("corg-34"), "Idempotency-Key": "same"})
    second = post(client, {**auth_header("admin"), "Idempotency-Key": "same"})
    assert second.status_code == 201 and "Idempotent-Replayed" not in second.headers
    assert len(log_entries()) == 2


def test_a_retry_during_the_first_request_is_a_409(client: Any, auth_header: Headers) -> None:
    from chalicelib import idempotency

    body = alerts.AlertBody(**alert_body())
    scope, key = "corg-34#send-alert", "k-in-flight"

    def retry_meanwhile() -> dict[str, Any]:
        response = post(client, {**auth_header("corg-34"), "Idempotency-Key": key})
        assert response.status_code == 409
        assert response.json_body["code"] == "request_in_progress"
        return {"ok": True}

    assert idempotency.once(scope=scope, key=key, request=body, status=201, run=retry_meanwhile).body == {"ok": True}


def test_a_server_failure_releases_the_key(client: Any, auth_header: Headers, monkeypatch: pytest.MonkeyPatch) -> None:
    headers = {**auth_header("corg-34"), "Idempotency-Key": "k-503"}
    with monkeypatch.context() as patch:

        def table_down(*_: Any, **__: Any) -> None:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "x"}}, "GetItem")

        patch.setattr(alerts, "_current", table_down)
        assert post(client, headers).status_code == 503
    assert post(client, headers).status_code == 201


def test_an_invalid_idempotency_key_is_a_400(client: Any, auth_header: Headers) -> None:
    response = post(client, {**auth_header("corg-34"), "Idempotency-Key": "x" * 256})
    assert response.status_code == 400
    assert response.json_body["errors"][0]["field"] == "Idempotency-Key"


# --- Log and audience ----------------------------------------------------------------------------


def test_the_log_lists_newest_first_with_sender_and_delivery(client: Any, auth_header: Headers) -> None:
    post(client, auth_header("corg-34"))
    post(client, auth_header("admin"), text="Rôdeur")
    client.http.delete("/corg/alerts/34", headers=auth_header("corg-34"))
    response = client.http.get("/corg/alerts?department=34&limit=10", headers=auth_header("corg-34"))
    assert response.status_code == 200
    entries = response.json_body["entries"]
    assert [e["kind"] for e in entries] == ["retracted", "refused", "sent"]
    assert [e["sent_by"] for e in entries] == ["corg-34", "admin", "corg-34"]
    assert entries[0]["delivery"]["status"] == "published" and entries[0]["revision"] == 2
    assert entries[1]["delivery"] is None and entries[1]["findings"][0]["rule"] == "suspicion"
    assert entries[2]["delivery"]["channels"]["sns"]["ok"] is True
    limited = client.http.get("/corg/alerts?department=34&limit=1", headers=auth_header("corg-34"))
    assert [e["kind"] for e in limited.json_body["entries"]] == ["retracted"]


@pytest.mark.parametrize("query", ["", "?department=34&limit=0", "?department=34&limit=101", "?department=20"])
def test_the_log_query_is_validated(client: Any, auth_header: Headers, query: str) -> None:
    assert client.http.get(f"/corg/alerts{query}", headers=auth_header("admin")).status_code == 400


def test_the_console_reads_the_subscriber_count(client: Any, auth_header: Headers) -> None:
    for token in ("a" * 64, "b" * 64):
        body = {"platform": "ios", "token": token, "department": "34", "accept_notifications": True}
        client.http.post("/subscriptions", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    response = client.http.get("/corg/subscribers?department=34", headers=auth_header("corg-34"))
    assert response.json_body == {"department": "34", "count": 2}

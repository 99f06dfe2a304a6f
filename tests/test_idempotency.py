"""Idempotency-Key: run once, replay the first answer, refuse a reused key, release on failure."""

from datetime import timedelta
from typing import Any

import pytest

from chalicelib import idempotency
from chalicelib.errors import AppError
from chalicelib.models import IdempotencyRecord
from chalicelib.validation import Body


class Request(Body):
    text: str


def counter() -> tuple[list[int], Any]:
    runs: list[int] = []

    def run() -> dict[str, Any]:
        runs.append(1)
        return {"n": len(runs)}

    return runs, run


def once(key: str | None, run: Any, text: str = "a") -> idempotency.Reply:
    return idempotency.once(scope="op#route", key=key, request=Request(text=text), status=201, run=run)


def test_without_a_key_every_request_runs(aws: Any) -> None:
    runs, run = counter()
    once(None, run)
    once(None, run)
    assert len(runs) == 2


def test_with_a_key_the_first_answer_is_replayed(aws: Any) -> None:
    runs, run = counter()
    first = once("k", run)
    second = once("k", run)
    assert len(runs) == 1
    assert (first.status, first.body, first.replayed) == (201, {"n": 1}, False)
    assert (second.status, second.body, second.replayed) == (201, {"n": 1}, True)


def test_the_same_key_with_another_body_is_refused(aws: Any) -> None:
    _, run = counter()
    once("k", run, text="a")
    with pytest.raises(AppError) as refused:
        once("k", run, text="b")
    assert refused.value.code == "idempotency_key_reused" and refused.value.status == 422


def test_client_errors_are_replayed_server_errors_release_the_key(aws: Any) -> None:
    def refuse() -> dict[str, Any]:
        raise AppError("content_rejected")

    with pytest.raises(AppError):
        once("refused", refuse)
    replay = once("refused", refuse)
    assert replay.status == 422 and replay.body["code"] == "content_rejected" and replay.replayed

    def unavailable() -> dict[str, Any]:
        raise AppError("service_unavailable")

    with pytest.raises(AppError):
        once("down", unavailable)
    _, run = counter()
    assert once("down", run).body == {"n": 1}


def test_an_interrupted_first_request_is_never_run_again(aws: Any) -> None:
    record = IdempotencyRecord(
        "op#route#k",
        fingerprint=_fingerprint("a"),
        expires_at=idempotency._now() + idempotency.RETENTION - idempotency.LEASE - timedelta(seconds=1),
    )
    record.save()
    runs, run = counter()
    with pytest.raises(AppError) as refused:
        once("k", run)
    assert refused.value.code == "request_in_progress" and "interrompue" in refused.value.detail
    assert runs == []


def _fingerprint(text: str) -> str:
    import hashlib

    return hashlib.sha256(Request(text=text).model_dump_json().encode()).hexdigest()


def test_records_expire_after_a_day(aws: Any) -> None:
    _, run = counter()
    once("k", run)
    record = IdempotencyRecord.get("op#route#k")
    assert timedelta(hours=23) < record.expires_at - idempotency._now() <= idempotency.RETENTION


def test_an_answer_that_cannot_be_stored_is_still_given_and_the_work_not_redone(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The work is done (an alert sent): failing to store its answer must not turn it into a 500
    that invites a second send; a retry with the key is then held back, never run again."""
    from pynamodb.exceptions import UpdateError

    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise UpdateError("DynamoDB unavailable")

    monkeypatch.setattr(IdempotencyRecord, "update", unavailable)
    runs, run = counter()
    assert once("k", run).body == {"n": 1}

    def refuse() -> dict[str, Any]:
        raise AppError("content_rejected")

    with pytest.raises(AppError) as refused:
        once("refused", refuse)
    assert refused.value.code == "content_rejected"

    with pytest.raises(AppError) as held:
        once("k", run)
    assert held.value.code == "request_in_progress" and runs == [1]


def test_a_conflict_that_says_try_again_releases_the_key(aws: Any) -> None:
    """A 409 « réessayez dans un instant » (too many simultaneous sends) is not an answer to replay:
    the retry with the same key must run."""

    def busy() -> dict[str, Any]:
        raise AppError("conflict")

    with pytest.raises(AppError):
        once("busy", busy)
    runs, run = counter()
    assert once("busy", run).body == {"n": 1} and runs == [1]


def test_a_record_past_its_retention_is_ignored_even_before_dynamodb_deletes_it(aws: Any) -> None:
    """DynamoDB's TTL deletes expired items up to days late: a key older than a day is free again."""
    IdempotencyRecord(
        "op#route#k",
        fingerprint=_fingerprint("other"),
        completed=True,
        status_code=201,
        response={"n": 0},
        expires_at=idempotency._now() - timedelta(minutes=1),
    ).save()
    runs, run = counter()
    reply = once("k", run)
    assert (reply.body, reply.replayed, runs) == ({"n": 1}, False, [1])


def test_a_key_released_between_the_claim_and_the_read_is_a_409_to_retry(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first request failed and released its key just after this one found it claimed."""
    _, run = counter()
    once("k", run)

    def released(*args: Any, **kwargs: Any) -> None:
        raise IdempotencyRecord.DoesNotExist()

    monkeypatch.setattr(IdempotencyRecord, "get", released)
    with pytest.raises(AppError) as held:
        once("k", run)
    assert held.value.code == "request_in_progress" and held.value.headers == {"Retry-After": "2"}


def test_a_stored_refusal_keeps_its_findings_without_their_excerpts(aws: Any) -> None:
    def refuse() -> dict[str, Any]:
        finding = {"rule": "licence_plate", "message": "Retirez la plaque.", "excerpt": "AB-123-CD"}
        raise AppError("content_rejected", extra={"findings": [finding]})

    with pytest.raises(AppError) as first:
        once("k-plate", refuse)
    assert first.value.to_problem()["findings"][0]["excerpt"] == "AB-123-CD"  # the operator sees it once
    stored = IdempotencyRecord.get("op#route#k-plate")
    assert stored.response["findings"] == [{"rule": "licence_plate", "message": "Retirez la plaque."}]
    assert "AB-123-CD" not in str(stored.response)
    replay = once("k-plate", refuse)
    assert replay.replayed and replay.body["findings"] == [{"rule": "licence_plate", "message": "Retirez la plaque."}]

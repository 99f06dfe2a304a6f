"""The strict reading of the description that checks every answer of the suite (tests/contract.py)
refuses what the description does not allow, and accepts what it does."""

import json
import time
from typing import Any

import pytest

from tests.contract import ContractViolation, contract

JSON = {"Content-Type": "application/json"}
PROBLEM = {"Content-Type": "application/problem+json"}
READ = {**JSON, "ETag": 'W/"0123"', "Cache-Control": "public, max-age=0"}  # a cached read's validators
ALERT = {
    "id": "a1",
    "department": "34",
    "text": "Cambriolages signalés ce matin à Lunel.",
    "offence_type": "cambriolage_habitation",
    "revision": 2,
    "sent_at": "2026-12-02T10:00:00Z",
    "status": "active",
}


def verify(method: str, path: str, status: int, headers: dict[str, str], body: Any) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    contract().verify(method, path, status, headers, raw)


def test_a_described_answer_passes_with_either_utc_notation() -> None:
    verify("GET", "/alerts/34", 200, READ, {"alert": ALERT})
    verify("GET", "/alerts/2a", 200, READ, {"alert": {**ALERT, "sent_at": "2026-12-02T10:00:00+00:00"}})
    verify("GET", "/alerts/34", 200, READ, {"alert": None})


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ({"alert": {**ALERT, "zone": "police"}}, "Additional properties are not allowed ('zone'"),
        ({"alert": {**ALERT, "sent_at": "hier"}}, "is not a 'date-time'"),
        ({"alert": {k: v for k, v in ALERT.items() if k != "revision"}}, "'revision' is a required property"),
        ({"alert": {**ALERT, "department": "20"}}, "'20' is not one of"),
    ],
)
def test_an_undescribed_field_or_a_wrong_value_is_refused(answer: dict[str, Any], says: str) -> None:
    with pytest.raises(ContractViolation, match="does not match") as refused:
        verify("GET", "/alerts/34", 200, READ, answer)
    assert says in str(refused.value)


def test_an_undescribed_status_media_type_or_body_is_refused() -> None:
    with pytest.raises(ContractViolation, match="status not described"):
        verify("GET", "/health", 404, PROBLEM, {"status": 404, "title": "x", "detail": "x"})
    with pytest.raises(ContractViolation, match="Content-Type 'text/plain' not described"):
        verify("GET", "/health", 200, {"Content-Type": "text/plain"}, b"ok")
    with pytest.raises(ContractViolation, match="without a body"):
        verify("DELETE", "/subscriptions/abc", 204, JSON, b"")


def test_a_wrong_method_must_be_a_405_problem_with_allow() -> None:
    problem = {"status": 405, "title": "Méthode", "detail": "Non.", "code": "method_not_allowed"}
    verify("DELETE", "/health", 405, {**PROBLEM, "Allow": "GET"}, problem)
    with pytest.raises(ContractViolation, match="405 with Allow"):
        verify("DELETE", "/health", 405, PROBLEM, problem)
    with pytest.raises(ContractViolation, match="'not_a_code' is not one of"):
        verify("DELETE", "/health", 405, {**PROBLEM, "Allow": "GET"}, {**problem, "code": "not_a_code"})


def test_a_cached_read_must_carry_its_validators() -> None:
    with pytest.raises(ContractViolation, match="header ETag missing"):
        verify("GET", "/feed", 200, JSON, {"items": [], "next_cursor": None})
    verify("GET", "/feed", 304, {"ETag": 'W/"0123"', "Cache-Control": "public"}, b"")


def test_literal_paths_win_over_templates() -> None:
    nearest = {"commune": None, "competent": None, "nearest": []}
    verify("GET", "/brigades/nearest?lat=43.6&lon=3.8", 200, {**JSON, "Cache-Control": "no-store"}, nearest)
    with pytest.raises(ContractViolation):
        verify("GET", "/brigades/gendarmerie-1", 200, JSON, nearest)


def test_checking_an_answer_is_cheap() -> None:
    page = {"items": [], "next_cursor": None}
    verify("GET", "/feed", 200, READ, page)
    start = time.perf_counter()
    for _ in range(200):
        verify("GET", "/alerts/34", 200, READ, {"alert": ALERT})
        verify("GET", "/feed", 200, READ, page)
    assert (time.perf_counter() - start) / 400 < 0.005

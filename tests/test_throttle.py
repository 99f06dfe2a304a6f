"""Login throttling (chalicelib/throttle.py through POST /auth/login): a stranger's guesses slow down
only the stranger's client, each limit is counted and checked in one conditional update, and a
refused password looks the same whether the account exists or not."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.config import get_settings
from chalicelib.errors import AppError
from tests.conftest import DEMO_PASSWORD, AwsFaults


class Clock:
    """`time.time()` of the throttle, moved by the test."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    import chalicelib.throttle

    fake = Clock()
    monkeypatch.setattr(chalicelib.throttle, "clock", fake.time)
    return fake


@pytest.fixture
def quick_failures(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LOGIN_FAILURE_SECONDS", "0.01")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def from_client(client: Any, monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    """Requests of the Chalice test client come from `address` (API Gateway's sourceIp)."""
    from chalice.local import LambdaEventConverter

    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", address)


def post_login(client: Any, username: str, password: str) -> Any:
    body = json.dumps({"username": username, "password": password})
    return client.http.post("/auth/login", headers={"Content-Type": "application/json"}, body=body)


def try_login(username: str, password: str, address: str) -> str:
    """ "ok", "401" or "429" for a login through the domain function."""
    from chalicelib.login import login

    try:
        login(username, password, client=address)
    except AppError as error:
        return str(error.status)
    return "ok"


def test_a_strangers_wrong_passwords_do_not_stop_the_operator_from_its_own_client(
    client: Any, monkeypatch: pytest.MonkeyPatch, quick_failures: None
) -> None:
    from_client(client, monkeypatch, "198.51.100.66")
    answers = [post_login(client, "corg-74", f"guess-{i}") for i in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429]
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert "réessayez dans" in answers[-1].json_body["detail"]
    assert post_login(client, "corg-74", DEMO_PASSWORD).status_code == 429  # the stranger's client waits
    from_client(client, monkeypatch, "203.0.113.74")
    assert post_login(client, "corg-74", DEMO_PASSWORD).status_code == 200  # the operator's does not


def test_delays_double_after_the_free_tries_and_a_success_clears_them(clock: Clock, quick_failures: None) -> None:
    from chalicelib.throttle import _delay

    assert [_delay(n) for n in range(1, 8)] == [0, 0, 2, 4, 8, 16, 32]
    assert _delay(50) == get_settings().login_max_delay_seconds
    outcomes = [try_login("admin", "wrong", "192.0.2.1") for _ in range(4)]
    assert outcomes == ["401", "401", "401", "429"]
    clock.now += 2
    assert try_login("admin", "wrong", "192.0.2.1") == "401"
    clock.now += 3
    assert try_login("admin", "wrong", "192.0.2.1") == "429"  # the 4th failure asks for 4 s
    clock.now += 1
    assert try_login("admin", DEMO_PASSWORD, "192.0.2.1") == "ok"
    assert [try_login("admin", "wrong", "192.0.2.1") for _ in range(3)] == ["401", "401", "401"]


def test_parallel_guesses_reach_cognito_at_most_the_free_tries(
    atomic_aws: dict[str, str], aws_faults: AwsFaults, quick_failures: None, clock: Clock
) -> None:
    """100 guesses at once, within the same second (the clock stands still: the test's own slowness
    must not open the next delay), against one account from one client."""
    with ThreadPoolExecutor(max_workers=25) as pool:
        outcomes = list(pool.map(lambda i: try_login("corg-74", f"guess-{i}", "198.51.100.7"), range(100)))
    asked = aws_faults.calls.count("cognito-idp:InitiateAuth")
    assert asked <= get_settings().login_free_attempts
    assert outcomes.count("401") == asked
    assert outcomes.count("429") == 100 - asked


def test_one_client_spraying_usernames_is_capped_but_others_are_not(
    monkeypatch: pytest.MonkeyPatch, aws: dict[str, str], quick_failures: None
) -> None:
    monkeypatch.setenv("LOGIN_CLIENT_CAP", "4")
    get_settings.cache_clear()
    sprayed = [try_login(f"user-{i}", "wrong", "198.51.100.8") for i in range(6)]
    assert sprayed == ["401"] * 4 + ["429"] * 2
    assert try_login("corg-34", DEMO_PASSWORD, "203.0.113.34") == "ok"
    assert try_login("corg-34", DEMO_PASSWORD, "198.51.100.8") == "429"


def test_a_success_gives_its_slot_back_to_the_client_cap(
    monkeypatch: pytest.MonkeyPatch, aws: dict[str, str], quick_failures: None
) -> None:
    monkeypatch.setenv("LOGIN_CLIENT_CAP", "2")
    get_settings.cache_clear()
    office = "203.0.113.10"  # one gendarmerie network, several operators behind it
    assert [try_login(name, DEMO_PASSWORD, office) for name in ("corg-34", "corg-74", "admin", "opp-ggd34")] == [
        "ok"
    ] * 4


def test_the_global_cap_holds_across_clients(
    monkeypatch: pytest.MonkeyPatch, aws: dict[str, str], quick_failures: None
) -> None:
    monkeypatch.setenv("LOGIN_GLOBAL_CAP", "3")
    get_settings.cache_clear()
    outcomes = [try_login(f"user-{i}", "wrong", f"198.51.100.{i}") for i in range(5)]
    assert outcomes == ["401", "401", "401", "429", "429"]


def test_an_aws_outage_does_not_count_as_a_wrong_password(aws_faults: AwsFaults, quick_failures: None) -> None:
    aws_faults.fail("cognito-idp", "InitiateAuth", "down")
    for _ in range(5):
        with pytest.raises(Exception, match="ServiceUnavailable"):
            try_login("corg-34", DEMO_PASSWORD, "203.0.113.5")
    aws_faults.heal()
    assert try_login("corg-34", DEMO_PASSWORD, "203.0.113.5") == "ok"


def test_unknown_user_and_wrong_password_take_the_same_time(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    floor = get_settings().login_failure_seconds
    timings: dict[str, list[float]] = {"unknown": [], "wrong": []}
    for i in range(3):
        for kind, username in (("unknown", f"nobody-{i}"), ("wrong", "corg-34")):
            from_client(client, monkeypatch, f"198.51.100.{10 * i + len(kind)}")
            started = time.monotonic()
            answer = post_login(client, username, "not-the-password")
            timings[kind].append(time.monotonic() - started)
            assert answer.status_code == 401
            assert answer.json_body["detail"] == "Identifiant ou mot de passe incorrect."
    assert min(timings["unknown"] + timings["wrong"]) >= floor
    assert abs(statistics.median(timings["unknown"]) - statistics.median(timings["wrong"])) < 0.1

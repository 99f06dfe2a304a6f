"""Bounded loopback load test (issue 9), against the server `make run` starts, on free ports.

1. Read routes at sustained concurrency: `READ_THREADS` clients (one keep-alive session each) loop
   over the citizens' read routes for `READ_SECONDS`; every answer must be a 200.
2. `ALERT_SENDERS` CORG sends to one département released at once: none may be lost. Every send is
   accepted (a sender told 409 "réessayez dans un instant" retries, as the console's user would),
   the revisions are contiguous (one per send, no gap, no duplicate), the log holds every send, and
   the current alert is the last revision.

Everything stops by itself: the server runs in its own process group and is stopped at the end.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from tools.live_server import DEMO_PASSWORD, LiveServer, running

READ_THREADS = 16
READ_SECONDS = 10.0
ALERT_SENDERS = 50
BUSY_RETRIES = 3  # a 409 asks the console to retry "dans un instant": the load client does so
DEPARTMENT = "34"
READS = (
    "/health",
    "/departments",
    f"/alerts/{DEPARTMENT}",
    "/feed?limit=20",
    "/communes?q=montpel",
    "/communes?q=34000",
    "/brigades/nearest?lat=43.6109&lon=3.8772",
    "/content/prevention?audience=particulier",
    "/content/victim",
)
Row = dict[str, Any]


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as logs, running(Path(logs)) as server:
        return read_load(server) + concurrent_alerts(server)


# --- 1. reads ----------------------------------------------------------------------------------


def read_load(server: LiveServer) -> list[Row]:
    deadline = time.monotonic() + READ_SECONDS
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(offset: int) -> None:
        session, mine, failed = requests.Session(), [], []
        index = offset
        while time.monotonic() < deadline:
            path = READS[index % len(READS)]
            index += 1
            started = time.perf_counter()
            try:
                status = session.get(server.base_url + path, timeout=30).status_code
            except requests.RequestException as exc:
                failed.append(f"{path}: {type(exc).__name__}")
                continue
            mine.append(time.perf_counter() - started)
            if status != 200:
                failed.append(f"{path}: {status}")
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    started = time.monotonic()
    _together(READ_THREADS, client)
    elapsed = time.monotonic() - started
    label = f"reads, {READ_THREADS} concurrent clients, {READ_SECONDS:.0f} s"
    return [
        _row(label, "requests", len(latencies) + len(errors), ""),
        _row(label, "throughput", len(latencies) / elapsed, "req/s"),
        _row(label, "latency p50", _percentile(latencies, 50), "ms"),
        _row(label, "latency p95", _percentile(latencies, 95), "ms"),
        _row(label, "errors", len(errors), "", target=0, ok=not errors, detail=errors[:5]),
    ]


# --- 2. concurrent sends -------------------------------------------------------------------------


def concurrent_alerts(server: LiveServer) -> list[Row]:
    token = server.login(f"corg-{DEPARTMENT}", DEMO_PASSWORD)
    answers: dict[int, tuple[int, dict[str, Any], float]] = {}
    busy: list[int] = []
    gate = threading.Barrier(ALERT_SENDERS)

    def sender(number: int) -> None:
        body = {
            "department": DEPARTMENT,
            "text": f"Lunel : cambriolages de maisons cette nuit, fermez portes et volets (envoi {number}).",
            "offence_type": "cambriolage_habitation",
            "offence_established": True,
        }
        headers = {"Authorization": f"Bearer {token}"}
        gate.wait()
        started = time.perf_counter()
        for attempt in range(1 + BUSY_RETRIES):
            answer = requests.post(f"{server.base_url}/corg/alerts", json=body, headers=headers, timeout=60)
            if answer.status_code != 409:  # 409: "trop d'envois simultanés : réessayez dans un instant"
                break
            busy.append(number)
            time.sleep(0.5 * (attempt + 1))
        answers[number] = (answer.status_code, answer.json(), time.perf_counter() - started)

    _together(ALERT_SENDERS, sender)
    accepted = [body["alert"] for status, body, _ in answers.values() if status == 201]
    verdict = _lost_updates(server, token, accepted)
    refused = sorted({f"{status}: {body.get('detail')}" for status, body, _ in answers.values() if status != 201})
    seconds = [elapsed for *_, elapsed in answers.values()]
    label = f"{ALERT_SENDERS} concurrent alert sends to {DEPARTMENT}"
    complete = len(accepted) == ALERT_SENDERS
    return [
        _row(label, "accepted", len(accepted), "", target=ALERT_SENDERS, ok=complete, detail=refused),
        _row(label, "lost updates", len(verdict), "", target=0, ok=not verdict, detail=verdict[:5]),
        _row(label, "409 busy answers (retried)", len(busy), ""),
        _row(label, "send latency p50", _percentile(seconds, 50), "ms"),
        _row(label, "send latency p95", _percentile(seconds, 95), "ms"),
    ]


def _lost_updates(server: LiveServer, token: str, alerts: list[dict[str, Any]]) -> list[str]:
    """What contradicts "nothing lost": a gap or duplicate among revisions, an accepted send missing
    from the log, a current alert other than the last revision."""
    problems = []
    revisions = sorted(alert["revision"] for alert in alerts)
    if revisions != list(range(1, len(alerts) + 1)):
        problems.append(f"revisions not contiguous from 1: {revisions}")
    log = server.request("GET", f"/corg/alerts?department={DEPARTMENT}&limit=100", token=token)["entries"]
    logged = {entry["alert_id"]: entry["revision"] for entry in log if entry["kind"] == "sent"}
    problems += [f"alert {a['id']} (revision {a['revision']}) not in the log" for a in alerts if a["id"] not in logged]
    if sorted(logged.values()) != revisions:
        problems.append(f"log revisions {sorted(logged.values())} differ from the answers")
    current = server.request("GET", f"/alerts/{DEPARTMENT}")["alert"]
    last = max(alerts, key=lambda alert: alert["revision"], default=None)
    if last is not None and (current or {}).get("id") != last["id"]:
        problems.append(f"current alert {current} is not the last revision {last['revision']}")
    return problems


# --- helpers -------------------------------------------------------------------------------------


def _together(count: int, work: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)


def _percentile(seconds: list[float], percent: int) -> float:
    if len(seconds) < 2:
        return seconds[0] * 1000 if seconds else 0.0
    return statistics.quantiles(seconds, n=100)[percent - 1] * 1000


def _row(label: str, metric: str, value: float, unit: str, **extra: Any) -> Row:
    return {"benchmark": label, "metric": metric, "value": value, "unit": unit, **extra}

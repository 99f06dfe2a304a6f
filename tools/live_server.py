"""The server `make run` starts (tools/run_local.py), in a subprocess on free ports, for end-to-end
tests and benchmarks. It runs in its own process group, so stopping it stops everything it started.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import Request, urlopen

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "Demo-Gendarmerie-2026!"
_KEPT_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "DATA_DIR")


def free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports (probes held open together, so no two are the same)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def free_port() -> int:
    return free_ports(1)[0]


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    moto_url: str
    log_path: Path  # what the server wrote to stderr: its logs and its access log

    def login(self, username: str, password: str = DEMO_PASSWORD) -> str:
        """An id token for a demo operator, through the real `POST /auth/login`."""
        answer = self.request("POST", "/auth/login", {"username": username, "password": password})
        return str(answer["id_token"])

    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        with urlopen(Request(self.base_url + path, data=data, method=method, headers=headers), timeout=30) as answer:
            raw = answer.read()
        return json.loads(raw) if raw else None


@contextmanager
def running(log_dir: Path, *, startup_seconds: float = 90, **environment: str) -> Iterator[LiveServer]:
    """Start `python -m tools.run_local` on free ports; stop its whole process group afterwards."""
    # Every port the runner binds is chosen here: a port it left to the system (0) could be the one
    # just probed for the API, and the API would then fail to bind.
    ports = free_ports(3)
    while environment.get("PUSH_SERVICE_PORT") in {str(p) for p in ports}:  # a port the caller holds
        ports = free_ports(3)
    port, moto_port, push_port = ports
    env = {name: os.environ[name] for name in _KEPT_ENVIRONMENT if name in os.environ}
    env.update(PORT=str(port), MOTO_PORT=str(moto_port), PUSH_SERVICE_PORT=str(push_port))
    env.update(DEMO_PASSWORD=DEMO_PASSWORD, PYTHONUNBUFFERED="1")
    env.update({"LOG_LEVEL": "INFO", **environment})
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"server-{port}.log"
    with (log_dir / f"server-{port}.out").open("wb") as out, log_path.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.run_local"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{moto_port}", log_path)
    try:
        _wait_until_healthy(server, process, startup_seconds)
        yield server
    finally:
        _stop(process)


def _wait_until_healthy(server: LiveServer, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local server exited ({process.returncode}): see {server.log_path}")
        try:
            answer = server.request("GET", "/health")
            if isinstance(answer, dict) and answer.get("status") == "ok":
                return
        except (URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"the local server did not answer within {seconds:.0f} s: see {server.log_path}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group (run_local stops its threads and moto), SIGKILL if it lingers."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)

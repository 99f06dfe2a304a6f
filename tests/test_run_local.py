"""`make run`'s runner: it serves, and SIGTERM or the loss of its parent stops all it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from tools.live_server import free_ports

PROJECT = Path(__file__).resolve().parent.parent


def _wait_for_health(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the local server never answered /health")


def _gone(pid: int, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def _port_free(port: int) -> bool:
    try:
        with urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
            return False
    except OSError:
        return True


@pytest.mark.slow
def test_sigterm_stops_the_api_the_workers_and_the_embedded_aws(tmp_path: Path) -> None:
    port, moto_port, push_port = free_ports(3)
    env = {**os.environ, "PORT": str(port), "MOTO_PORT": str(moto_port), "PUSH_SERVICE_PORT": str(push_port)}
    with (tmp_path / "server.log").open("wb") as log:
        command = [sys.executable, "-m", "tools.run_local"]
        runner = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=log)
        try:
            _wait_for_health(port)
            runner.send_signal(signal.SIGTERM)
            assert runner.wait(timeout=20) == 0
        finally:
            runner.kill()
    assert _port_free(port) and _port_free(moto_port)
    assert "Arrêt" in (tmp_path / "server.log").read_text()


@pytest.mark.slow
def test_the_runner_stops_when_its_parent_is_killed_as_make_would_be(tmp_path: Path) -> None:
    port, moto_port, push_port = free_ports(3)
    env = {**os.environ, "PORT": str(port), "MOTO_PORT": str(moto_port), "PUSH_SERVICE_PORT": str(push_port)}
    pid_file = tmp_path / "runner.pid"
    # A parent that does not forward signals, like make: it starts the runner, then waits.
    script = f"{sys.executable} -m tools.run_local > {tmp_path}/server.log 2>&1 & echo $! > {pid_file}; wait"
    parent = subprocess.Popen(
        ["/bin/sh", "-c", script],
        cwd=PROJECT,
        env=env,
    )
    try:
        _wait_for_health(port)
        runner_pid = int(pid_file.read_text())
        parent.kill()
        parent.wait(timeout=5)
        assert _gone(runner_pid), "the runner outlived its parent"
    finally:
        parent.kill()
    assert _port_free(port)


def test_text_is_gzipped_as_the_deployed_api_does_and_nothing_else() -> None:
    import gzip

    from tools.run_local import compressed

    page = ("<p>" + "Cambriolages : les bons réflexes. " * 60 + "</p>").encode()
    headers = {"Content-Type": "text/html; charset=utf-8", "ETag": '"x"'}
    sent_headers, sent = compressed("gzip, deflate, br", headers, page)
    assert sent_headers["Content-Encoding"] == "gzip" and sent_headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(sent) == page and len(sent) < len(page) / 5
    assert sent_headers["ETag"] == '"x"'
    problem = {"Content-Type": "application/problem+json"}
    assert "Content-Encoding" in compressed("gzip", problem, page)[0]
    for accept, kind, body in [
        ("", "text/html", page),  # the client did not ask
        ("br;q=1, identity", "text/html", page),
        ("gzip", "text/html", b"<p>court</p>"),  # under 1 KiB: not worth it
        ("gzip", "image/png", page),  # already compressed
        ("gzip", "application/pdf", page),
    ]:
        assert compressed(accept, {"Content-Type": kind}, body) == ({"Content-Type": kind}, body)

"""The worker's HTTP/1.1 client and RFC 8291 encryption (chalicelib/push/webpush_http.py,
webpush_crypto.py), against scripted servers and http_ece's reference decryption."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Awaitable
from typing import Any

import pytest

from chalicelib.push.webpush_crypto import InvalidKeys, encrypt
from chalicelib.push.webpush_http import Endpoint, Pool, ProtocolError


async def serve(answers: list[bytes | None], *, close_after_each: bool = False) -> tuple[Any, list[bytes], str]:
    """A server that answers each request with the next raw answer; records the requests."""
    requests: list[bytes] = []
    queue = list(answers)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while queue:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                requests.append(head + await reader.readexactly(length))
                answer = queue.pop(0)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if close_after_each:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, requests, f"http://127.0.0.1:{port}/push/abc?x=1"


def run(coroutine: Awaitable[Any]) -> Any:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


HEADERS = b"TTL: 60\r\nTopic: alerte-34\r\nUrgency: high\r\n"


def test_a_push_is_one_post_with_its_headers_and_the_connection_is_reused() -> None:
    async def scenario() -> tuple[list[tuple[int, str | None]], list[bytes]]:
        server, requests, url = await serve([b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"] * 2)
        pool = Pool()
        answers = [await pool.post(Endpoint.parse(url), HEADERS, b"\x01\x02") for _ in range(2)]
        await pool.close()
        server.close()
        return answers, requests

    answers, requests = run(scenario())
    assert answers == [(201, None), (201, None)]
    assert len(requests) == 2  # both on the one connection the server served
    head, _, body = requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /push/abc?x=1 HTTP/1.1"
    port = url_port(requests)
    assert f"Host: 127.0.0.1:{port}".encode() in lines and b"Content-Length: 2" in lines
    assert {b"TTL: 60", b"Topic: alerte-34", b"Urgency: high"} <= set(lines) and body == b"\x01\x02"


def url_port(requests: list[bytes]) -> str:
    host = next(line for line in requests[0].split(b"\r\n") if line.startswith(b"Host:"))
    return host.decode().rsplit(":", 1)[1]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (b"HTTP/1.1 429 Too Many\r\nRetry-After: 7\r\nContent-Length: 2\r\n\r\nno", (429, "7")),
        (b"HTTP/1.1 410 Gone\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\ngone\r\n0\r\nX-T: 1\r\n\r\n", (410, None)),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", (201, None)),
        (b"HTTP/1.1 301 Moved\r\nLocation: https://elsewhere.example/\r\nContent-Length: 0\r\n\r\n", (301, None)),
    ],
    ids=["429 with Retry-After", "chunked 410", "interim 100", "redirect not followed"],
)
def test_the_status_and_retry_after_of_every_answer_shape(answer: bytes, expected: tuple[int, str | None]) -> None:
    async def scenario() -> tuple[Any, ...]:
        server, requests, url = await serve([answer, b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"])
        pool = Pool()
        first = await pool.post(Endpoint.parse(url), HEADERS, b"x")
        second = await pool.post(Endpoint.parse(url), HEADERS, b"x")  # the body was read: reusable
        await pool.close()
        server.close()
        return first, second, len(requests)

    first, second, served = run(scenario())
    assert first == expected and second == (201, None) and served == 2


def test_a_server_that_closes_is_not_reused_and_a_stale_connection_is_replaced() -> None:
    async def scenario() -> tuple[Any, ...]:
        closing = b"HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        server, requests, url = await serve([closing, closing, closing], close_after_each=True)
        pool = Pool()
        endpoint = Endpoint.parse(url)
        answers = [await pool.post(endpoint, HEADERS, b"x") for _ in range(3)]
        await pool.close()
        server.close()
        return answers, len(requests)

    answers, served = run(scenario())
    assert answers == [(201, None)] * 3 and served == 3


def test_a_keep_alive_connection_closed_by_the_server_is_retried_once_on_a_new_one() -> None:
    async def scenario() -> tuple[Any, ...]:
        ok = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
        server, requests, url = await serve([ok, None, ok])  # drops the 2nd request unanswered
        pool = Pool()
        endpoint = Endpoint.parse(url)
        answers = [await pool.post(endpoint, HEADERS, b"x") for _ in range(2)]
        await pool.close()
        server.close()
        return answers, len(requests)

    answers, served = run(scenario())
    assert answers == [(201, None), (201, None)] and served == 3


def test_garbage_or_an_unreachable_server_is_an_error_for_the_retry_policy() -> None:
    async def garbage() -> None:
        server, _, url = await serve([b"SSH-2.0-OpenSSH\r\n\r\n"])
        try:
            await Pool().post(Endpoint.parse(url), HEADERS, b"x")
        finally:
            server.close()

    with pytest.raises(ProtocolError):
        run(garbage())
    with pytest.raises(OSError):
        run(Pool().post(Endpoint.parse("http://127.0.0.1:9/push/x"), HEADERS, b"x"))


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.0 201 Created\r\n\r\nbody until the close",
        b"HTTP/1.1 201 Created\r\nContent-Length: 99999999\r\n\r\n" + b"x" * 70_000,
    ],
    ids=["body until the close", "body too long to read"],
)
def test_an_answer_whose_body_is_not_read_gives_its_status_and_a_new_connection_next(answer: bytes) -> None:
    async def scenario() -> tuple[Any, ...]:
        server, requests, url = await serve([answer, b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"])
        pool = Pool()
        first = await pool.post(Endpoint.parse(url), HEADERS, b"x")
        kept = len(pool._idle.get(Endpoint.parse(url).key, []))
        second = await pool.post(Endpoint.parse(url), HEADERS, b"x")
        await pool.close()
        server.close()
        return first, kept, second, len(requests)

    first, kept, second, served = run(scenario())
    assert first == (201, None) and kept == 0  # its connection was dropped, not kept for the next push
    assert second == (201, None) and served == 2


def test_an_endless_answer_head_and_a_timeout_mid_answer_never_leave_a_connection_to_reuse() -> None:
    async def endless_head() -> None:
        server, _, url = await serve([b"HTTP/1.1 201 Created\r\nX-Pad: " + b"a" * 100_000])
        try:
            await Pool().post(Endpoint.parse(url), HEADERS, b"x")
        finally:
            server.close()

    async def timeout_then_again() -> tuple[int, str | None]:
        half = b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nab"
        server, _, url = await serve([half, half])  # then waits for a request that never comes
        pool = Pool()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await pool.post(Endpoint.parse(url), HEADERS, b"x")
        assert not pool._idle.get(Endpoint.parse(url).key)  # the half-read connection was closed
        server.close()
        await pool.close()
        return 0, None

    with pytest.raises(ProtocolError):
        run(endless_head())
    run(timeout_then_again())


@pytest.mark.parametrize(
    "url",
    [
        "ftp://push.example/x",
        "https:///x",
        "https://push.example/a b",
        "https://push.example/x\r\nX-Evil: 1",
        "https://pûsh.example/",
    ],
)
def test_an_endpoint_that_cannot_be_posted_to_safely_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        Endpoint.parse(url)


def test_default_ports_are_left_out_of_the_host_header() -> None:
    assert Endpoint.parse("https://fcm.googleapis.com/fcm/send/abc").authority == "fcm.googleapis.com"
    assert Endpoint.parse("https://fcm.googleapis.com:8443/x").authority == "fcm.googleapis.com:8443"
    assert Endpoint.parse("https://[::1]/x").authority == "[::1]"
    assert Endpoint.parse("https://push.example").target == "/"


# --- Encryption -----------------------------------------------------------------------------------------


def browser_keys() -> tuple[Any, str, str, bytes]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    auth = os.urandom(16)
    encode = lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("=")  # noqa: E731
    return private, encode(public), encode(auth), auth


def test_a_message_decrypts_with_the_reference_implementation_and_uses_fresh_keys() -> None:
    import http_ece

    private, p256dh, auth, secret = browser_keys()
    payload = '{"title": "Alerte cambriolages – Hérault"}'.encode()
    first, second = encrypt(payload, p256dh, auth), encrypt(payload, p256dh, auth)
    for body in (first, second):
        assert http_ece.decrypt(body, private_key=private, auth_secret=secret, version="aes128gcm") == payload
        assert int.from_bytes(body[16:20], "big") == 4096 and body[20] == 65 and body[21] == 0x04
    assert first[:16] != second[:16], "a new salt per message"
    assert first[21:86] != second[21:86], "a new key pair per message"


def test_keys_that_are_not_a_p256_point_are_refused() -> None:
    _, p256dh, auth, _ = browser_keys()
    with pytest.raises(InvalidKeys):
        encrypt(b"x", "AAAA" + p256dh[4:], auth)
    with pytest.raises(ValueError):
        encrypt(b"x" * 4096, p256dh, auth)

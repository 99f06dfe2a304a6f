"""The few HTTP/1.1 exchanges a Web Push worker makes, on pooled keep-alive connections (asyncio).

A push request is always the same shape (RFC 8030 §5): `POST` of a small binary body with a handful
of headers, answered by a status, maybe `Retry-After`, and a short body nobody reads. aiohttp did
that for ≈ 310 µs of CPU per request on this machine (URL objects, header multidicts, response
objects, cookie and redirect machinery); these 150 lines do it for ≈ 100 µs, which is what made a
worker fit in 0.4 ms per delivery (README, Web Push).

What it does: one pool of idle connections per (scheme, host, port), TLS with certificate and host
name verification for `https`, `Content-Length`, chunked or until-close response bodies (read and
dropped), `Connection: close` honoured, interim 1xx answers skipped. What it does not: redirects
(never followed: a 3xx is the answer), proxies, cookies, compression, HTTP/2. A request on a reused
connection that the server had closed meanwhile is sent once more on a new connection (keep-alive
race); a duplicate push is harmless, its `Topic` makes it replace the first one. Timeouts are the
caller's (`asyncio.timeout`): a connection interrupted mid-exchange is closed, never reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 1024 * 1024  # a push service's answer is a few bytes; more is read until dropped


class ProtocolError(ValueError):
    """The server's answer is not HTTP/1.x we can read (the connection is dropped)."""


@dataclass(frozen=True)
class Endpoint:
    """A push endpoint split once: where to connect and what to put in the request line."""

    scheme: str
    host: str
    port: int
    authority: str  # the Host header
    target: str  # path and query

    @property
    def key(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL")
        default = 443 if parts.scheme == "https" else 80
        port = parts.port or default
        host = parts.hostname
        shown = f"[{host}]" if ":" in host else host
        authority = shown if port == default else f"{shown}:{port}"
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if any(c in target or c in authority for c in "\r\n \t") or not (target + authority).isascii():
            raise ValueError("whitespace or non-ASCII characters in the URL")
        return cls(parts.scheme, host, port, authority, target)


class _Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()


class Pool:
    """Idle keep-alive connections per origin; at most `idle_limit` kept per origin."""

    def __init__(self, *, idle_limit: int = 100) -> None:
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._idle_limit = idle_limit

    async def post(self, endpoint: Endpoint, headers: bytes, body: bytes) -> tuple[int, str | None]:
        """Send `POST` with these header lines (each ending in CRLF, without Host and
        Content-Length); the status and `Retry-After` of the answer."""
        request = (
            b"POST "
            + endpoint.target.encode("ascii")
            + b" HTTP/1.1\r\nHost: "
            + endpoint.authority.encode("ascii")
            + b"\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n"
            + headers
            + b"\r\n"
            + body
        )
        idle = self._idle.get(endpoint.key)
        connection = idle.pop() if idle else None
        if connection is not None:
            try:
                return await self._exchange(endpoint, connection, request)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass  # the server closed the idle connection meanwhile: once more, on a new one
        connection = await _open(endpoint)
        return await self._exchange(endpoint, connection, request)

    async def _exchange(self, endpoint: Endpoint, connection: _Connection, request: bytes) -> tuple[int, str | None]:
        try:
            connection.writer.write(request)
            status, retry_after, keep = await _read_answer(connection.reader)
        except BaseException:  # errors, timeouts, cancellation: the connection's state is unknown
            connection.close()
            raise
        if keep and len(self._idle.setdefault(endpoint.key, [])) < self._idle_limit:
            self._idle[endpoint.key].append(connection)
        else:
            connection.close()
        return status, retry_after

    async def close(self) -> None:
        connections = [c for idle in self._idle.values() for c in idle]
        self._idle.clear()
        for connection in connections:
            connection.close()
        for connection in connections:
            with contextlib.suppress(OSError):  # TLS errors are OSErrors too
                await connection.writer.wait_closed()


async def _open(endpoint: Endpoint) -> _Connection:
    context = _tls() if endpoint.scheme == "https" else None
    reader, writer = await asyncio.open_connection(
        endpoint.host, endpoint.port, ssl=context, server_hostname=endpoint.host if context else None
    )
    return _Connection(reader, writer)


@cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, str | None, bool]:
    """Status, `Retry-After`, and whether the connection can serve another request."""
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise ProtocolError("answer head too long") from None
        if len(head) > MAX_HEAD_BYTES:
            raise ProtocolError("answer head too long")
        lines = head[:-4].split(b"\r\n")
        version, _, rest = lines[0].partition(b" ")
        code = rest[:3]
        if not version.startswith(b"HTTP/1.") or not code.isdigit():
            raise ProtocolError("not an HTTP/1.x answer")
        status = int(code)
        if 100 <= status < 200:
            continue  # interim answer (100 Continue, 103 Early Hints): the real one follows
        break
    fields: dict[bytes, bytes] = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    connection = fields.get(b"connection", b"").lower()
    keep = connection != b"close" if version == b"HTTP/1.1" else connection == b"keep-alive"
    if status in (204, 304):
        pass
    elif b"chunked" in fields.get(b"transfer-encoding", b"").lower():
        await _drop_chunks(reader)
    elif b"content-length" in fields:
        length = fields[b"content-length"]
        if not length.isdigit():
            raise ProtocolError("bad Content-Length")
        if int(length) > MAX_BODY_BYTES:
            keep = False  # not worth reading: the connection is dropped instead
        else:
            await reader.readexactly(int(length))
    else:  # the body lasts until the server closes
        keep = False
    retry_after = fields.get(b"retry-after")
    return status, (retry_after.decode("latin-1") if retry_after is not None else None), keep


async def _drop_chunks(reader: asyncio.StreamReader) -> None:
    read = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise ProtocolError("bad chunk size") from None
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then the blank line
                pass
            return
        read += size
        if read > MAX_BODY_BYTES:
            raise ProtocolError("answer body too long")
        await reader.readexactly(size + 2)

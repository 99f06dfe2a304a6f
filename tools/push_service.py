"""A loopback Web Push service: what FCM, Mozilla autopush or Apple do, on 127.0.0.1.

It plays the push service for the tests, the benchmark and `make run`:
- mints subscriptions as a browser's `PushManager.subscribe()` returns them (endpoint, p256dh,
  auth), keeping each one's private key and binding it to an application server key;
- checks the VAPID `Authorization: vapid t=<JWT>, k=<key>` header (RFC 8292): ES256 signature by
  `k`, `k` equal to the key the subscription is bound to, `aud` = this service's origin,
  `exp` in the future and at most 24 h away, a `sub` contact;
- checks the RFC 8030 headers (`TTL` required, `Topic` ≤ 32 URL-safe base64 characters,
  `Urgency`) and decrypts the aes128gcm payload (RFC 8291) with the subscription's private key;
- records every attempt and every accepted message, and answers what a test scripts: 404, 410,
  429 with `Retry-After`, 500…, for one endpoint or all, a number of times or forever, with latency.

`decrypt=False` only records and answers (the benchmark measures the sender, not this service).
It is also an HTTP service controlled under `/_control/` (mint subscriptions, script answers, read
deliveries), so `python -m tools.push_service` can run it in another process.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
MAX_VAPID_LIFETIME = 86_400
URGENCIES = ("very-low", "low", "normal", "high")
TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")
PUSH_PATH = "/push/"
CONTROL_PATH = "/_control/"


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class _Subscription:
    token: str
    private_key: Any  # cryptography EllipticCurvePrivateKey
    auth: bytes
    server_key: str | None  # the application server key it is bound to (None: any)
    gone: bool = False


@dataclass
class Delivery:
    """A message the service accepted."""

    endpoint: str
    topic: str | None
    ttl: int
    urgency: str | None
    payload: bytes | None  # decrypted; None in record-only mode
    vapid: dict[str, Any]
    received_at: float = field(default_factory=time.time)

    def json(self) -> Any:
        return None if self.payload is None else json.loads(self.payload)

    def view(self) -> dict[str, Any]:
        payload = None if self.payload is None else self.payload.decode("utf-8", "replace")
        return {
            "endpoint": self.endpoint,
            "topic": self.topic,
            "ttl": self.ttl,
            "urgency": self.urgency,
            "payload": payload,
            "received_at": self.received_at,
        }


@dataclass(frozen=True)
class Attempt:
    """Any request to a push endpoint, with the status it was answered."""

    endpoint: str
    status: int
    at: float


@dataclass
class _Rule:
    status: int | None = None
    retry_after: str | None = None
    location: str | None = None
    latency: float = 0.0
    remaining: int | None = None  # None: forever


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class PushService:
    """The service and its state; `with PushService() as service:` starts and stops it."""

    def __init__(
        self,
        *,
        vapid_public_key: str | None = None,
        decrypt: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        keep: int = 100_000,
    ) -> None:
        self.vapid_public_key = vapid_public_key
        self.decrypt = decrypt
        self._lock = threading.Lock()
        self._subscriptions: dict[str, _Subscription] = {}
        self._rules: dict[str | None, _Rule] = {}  # by token; None: every endpoint
        self._deliveries: deque[Delivery] = deque(maxlen=keep)
        self._attempts: deque[Attempt] = deque(maxlen=keep)
        self._verified: dict[str, dict[str, Any]] = {}  # Authorization header → its claims
        # bound now, so that `origin` is known before the service starts
        self._socket = socket.create_server((host, port), backlog=1024)
        self._address = self._socket.getsockname()[:2]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connections: set[_Connection] = set()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        host, port = self._address
        return f"http://{host}:{port}"

    def serve_forever(self) -> None:
        """Serve on this thread, on an event loop of its own (uvloop, as the worker) until `stop()`."""
        import uvloop

        loop = uvloop.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(loop.create_server(lambda: _Connection(self, loop), sock=self._socket))
            self._ready.set()
            loop.run_forever()
        finally:
            for connection in list(self._connections):
                connection.close()
            loop.run_until_complete(asyncio.sleep(0))  # let the transports close
            loop.close()

    def start(self) -> PushService:
        self._thread = threading.Thread(target=self.serve_forever, name="push-service", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        self._socket.close()

    def __enter__(self) -> PushService:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- subscriptions ---------------------------------------------------------------------------

    def subscribe(self, *, application_server_key: str | None = None) -> dict[str, Any]:
        """A new subscription, as `PushSubscription.toJSON()` gives it to the web app."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        token = secrets.token_urlsafe(24)
        auth = secrets.token_bytes(16)
        bound = application_server_key or self.vapid_public_key
        with self._lock:
            self._subscriptions[token] = _Subscription(token, key, auth, bound)
        return {
            "endpoint": f"{self.origin}{PUSH_PATH}{token}",
            "expirationTime": None,
            "keys": {"p256dh": b64url_encode(public), "auth": b64url_encode(auth)},
        }

    def unsubscribe(self, subscription: dict[str, Any]) -> None:
        """The browser dropped it: its endpoint answers 410 from now on."""
        with self._lock:
            self._subscriptions[_token(subscription["endpoint"])].gone = True

    # -- scripted behaviour ----------------------------------------------------------------------

    def answer(
        self,
        status: int,
        *,
        endpoint: str | None = None,
        times: int | None = None,
        retry_after: str | int | None = None,
        location: str | None = None,
    ) -> None:
        """Answer `status` (to one endpoint or all) `times` times, or until `reset()`; `location`
        makes it a redirect."""
        with self._lock:
            rule = self._rules.setdefault(_token(endpoint) if endpoint else None, _Rule())
            rule.status, rule.remaining, rule.location = status, times, location
            rule.retry_after = None if retry_after is None else str(retry_after)

    def delay(self, seconds: float, *, endpoint: str | None = None) -> None:
        """Wait `seconds` before answering (one endpoint or all)."""
        with self._lock:
            self._rules.setdefault(_token(endpoint) if endpoint else None, _Rule()).latency = seconds

    def reset(self) -> None:
        """Forget scripted answers, latency, deliveries and attempts (subscriptions stay)."""
        with self._lock:
            self._rules.clear()
            self._deliveries.clear()
            self._attempts.clear()

    # -- what happened ---------------------------------------------------------------------------

    def deliveries(self, endpoint: str | None = None) -> list[Delivery]:
        with self._lock:
            return [d for d in self._deliveries if endpoint is None or d.endpoint == endpoint]

    def attempts(self, endpoint: str | None = None) -> list[Attempt]:
        with self._lock:
            return [a for a in self._attempts if endpoint is None or a.endpoint == endpoint]

    def stats(self) -> dict[str, Any]:
        with self._lock:
            statuses = Counter(a.status for a in self._attempts)
            return {"deliveries": len(self._deliveries), "attempts": {str(k): v for k, v in sorted(statuses.items())}}

    # -- the push endpoint -----------------------------------------------------------------------

    def latency(self, token: str) -> float:
        """Seconds to wait before answering a push to this endpoint (its rule before the global one)."""
        with self._lock:
            rules = [r for r in (self._rules.get(token), self._rules.get(None)) if r is not None]
        return next((r.latency for r in rules if r.latency), 0.0)

    def receive(self, token: str, headers: Any, body: bytes) -> tuple[int, dict[str, str]]:
        """Handle one push request (after its latency); returns the status and headers to answer."""
        endpoint = f"{self.origin}{PUSH_PATH}{token}"
        status, extra = self._scripted(token)
        if status is None:
            try:
                self._accept(endpoint, token, headers, body)
                status, extra = 201, {"Location": f"/message/{secrets.token_urlsafe(8)}"}
            except _Refused as refused:
                status, extra = refused.status, {"X-Refused": refused.reason}
        with self._lock:
            self._attempts.append(Attempt(endpoint, status, time.time()))
        return status, extra

    def _scripted(self, token: str) -> tuple[int | None, dict[str, str]]:
        """A scripted answer if one applies (endpoint rules before global ones)."""
        with self._lock:
            for rule in (self._rules.get(token), self._rules.get(None)):
                if rule is not None and rule.status is not None and rule.remaining != 0:
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    extra = {"Retry-After": rule.retry_after} if rule.retry_after else {}
                    return rule.status, {**extra, **({"Location": rule.location} if rule.location else {})}
        return None, {}

    def _accept(self, endpoint: str, token: str, headers: Any, body: bytes) -> None:
        with self._lock:
            subscription = self._subscriptions.get(token)
        if subscription is None:
            raise _Refused(404, "unknown subscription")
        if subscription.gone:
            raise _Refused(410, "subscription gone")
        claims = self._verify_vapid(headers.get("Authorization", ""), subscription)
        ttl, topic, urgency = _check_push_headers(headers)
        if body and headers.get("Content-Encoding", "").lower() != "aes128gcm":
            raise _Refused(415, "Content-Encoding must be aes128gcm")
        payload = self._decrypt(subscription, body) if body and self.decrypt else None
        with self._lock:
            self._deliveries.append(Delivery(endpoint, topic, ttl, urgency, payload, claims))

    def _decrypt(self, subscription: _Subscription, body: bytes) -> bytes:
        import http_ece

        try:
            return bytes(
                http_ece.decrypt(
                    body, private_key=subscription.private_key, auth_secret=subscription.auth, version="aes128gcm"
                )
            )
        except Exception as exc:
            raise _Refused(400, f"payload does not decrypt: {type(exc).__name__}") from None

    def _verify_vapid(self, authorization: str, subscription: _Subscription) -> dict[str, Any]:
        """RFC 8292 checks; a verified header is remembered (senders reuse one token per origin)."""
        params = _vapid_params(authorization)
        if subscription.server_key is not None and params["k"] != subscription.server_key:
            raise _Refused(403, "VAPID key differs from the subscription's application server key")
        with self._lock:
            claims = self._verified.get(authorization)
        if claims is None:
            claims = _decode_vapid_jwt(params["t"], params["k"], self.origin)
            with self._lock:
                if len(self._verified) > 10_000:
                    self._verified.clear()
                self._verified[authorization] = claims
        now = time.time()
        if not now < claims["exp"] <= now + MAX_VAPID_LIFETIME:
            raise _Refused(401, "VAPID token expired or valid for more than 24 h")
        return claims


def _token(endpoint: str) -> str:
    return urlsplit(endpoint).path.removeprefix(PUSH_PATH)


def _vapid_params(authorization: str) -> dict[str, str]:
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise _Refused(401, "Authorization must use the vapid scheme")
    params = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
    if not params.get("t") or not params.get("k"):
        raise _Refused(401, "vapid t= and k= are required")
    return params


def _decode_vapid_jwt(token: str, key: str, origin: str) -> dict[str, Any]:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        claims: dict[str, Any] = jwt.decode(
            token, public_key, algorithms=["ES256"], audience=origin, options={"require": ["exp", "aud", "sub"]}
        )
    except (ValueError, jwt.PyJWTError) as exc:
        raise _Refused(401, f"bad VAPID token: {type(exc).__name__}") from None
    if not str(claims["sub"]).startswith(("mailto:", "https:")):
        raise _Refused(401, "VAPID sub must be a mailto: or https: contact")
    return claims


def _check_push_headers(headers: Any) -> tuple[int, str | None, str | None]:
    raw_ttl = headers.get("TTL")
    if raw_ttl is None or not raw_ttl.isdigit():
        raise _Refused(400, "TTL header required")
    topic = headers.get("Topic")
    if topic is not None and not TOPIC.fullmatch(topic):
        raise _Refused(400, "Topic must be at most 32 URL-safe base64 characters")
    urgency = headers.get("Urgency")
    if urgency is not None and urgency not in URGENCIES:
        raise _Refused(400, "unknown Urgency")
    return int(raw_ttl), topic, urgency


class _Headers(dict[str, str]):
    """Request header fields by lower-case name; `get` takes any case, as HTTP's names do."""

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)


@dataclass
class _Request:
    method: str
    path: str
    query: str
    headers: _Headers
    body: bytes
    keep_alive: bool


class _Connection(asyncio.Protocol):
    """One client connection: requests parsed by httptools (llhttp), answered in order; a push
    request waits for its scripted latency on the event loop (many connections wait at once)."""

    def __init__(self, service: PushService, loop: asyncio.AbstractEventLoop) -> None:
        import httptools

        self.service, self.loop = service, loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.queue: deque[_Request] = deque()
        self._start()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.service._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.service._connections.discard(self)

    def data_received(self, data: bytes) -> None:
        import httptools

        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            assert self.transport is not None
            self.transport.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            self.close()

    # httptools callbacks

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1").strip()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        path, _, query = self._url.decode("latin-1").partition("?")
        method = self.parser.get_method().decode("ascii")
        keep = bool(self.parser.should_keep_alive())
        self.queue.append(_Request(method, path, query, self._headers, b"".join(self._body), keep))
        self._start()
        if len(self.queue) == 1:
            self._next()

    def _start(self) -> None:
        self._url = b""
        self._headers = _Headers()
        self._body: list[bytes] = []

    def _next(self) -> None:
        """Answer the oldest request, after its latency if it is a push."""
        if not self.queue:
            return
        request = self.queue[0]
        push = request.method == "POST" and request.path.startswith(PUSH_PATH)
        latency = self.service.latency(request.path.removeprefix(PUSH_PATH)) if push else 0.0
        if latency:
            self.loop.call_later(latency, self._answer)
        else:
            self._answer()

    def _answer(self) -> None:
        if not self.queue:
            return
        request = self.queue.popleft()
        try:  # handled even if the sender gave up waiting: the service received the push
            status, headers, document = _route(self.service, request)
        except Exception as exc:  # a bug of this stand-in: a 500 the sender sees, with its cause
            status, headers, document = 500, {"X-Error": type(exc).__name__}, None
        if self.transport is None or self.transport.is_closing():
            return
        body = b"" if document is None else json.dumps(document).encode()
        lines = [f"HTTP/1.1 {status} {_reason(status)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if document is not None:
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(body)}")
        if not request.keep_alive:
            lines.append("Connection: close")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        if request.keep_alive:
            self._next()
        else:
            self.close()


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _route(service: PushService, request: _Request) -> tuple[int, dict[str, str], Any]:
    """The status, extra headers and JSON document (or None) that answer a request."""
    path, method = request.path, request.method
    if method == "POST" and path.startswith(PUSH_PATH):
        status, headers = service.receive(path.removeprefix(PUSH_PATH), request.headers, request.body)
        return status, headers, None
    if method == "POST" and path == CONTROL_PATH + "subscriptions":
        count = int(_json(request.body).get("count", 1))
        return 201, {}, {"subscriptions": [service.subscribe() for _ in range(count)]}
    if method == "POST" and path == CONTROL_PATH + "behaviour":
        _script(service, _json(request.body))
        return 204, {}, None
    if method == "GET" and path == CONTROL_PATH + "deliveries":
        limit = int(parse_qs(request.query).get("limit", ["50"])[0])
        return 200, {}, {"deliveries": [d.view() for d in service.deliveries()[-limit:]]}
    if method == "GET" and path == CONTROL_PATH + "stats":
        return 200, {}, service.stats()
    if method == "DELETE" and path == CONTROL_PATH + "behaviour":
        service.reset()
        return 204, {}, None
    return 404, {}, None


def _json(body: bytes) -> dict[str, Any]:
    return dict(json.loads(body)) if body.strip() else {}


def _script(service: PushService, rule: dict[str, Any]) -> None:
    """`{"status", "endpoint"?, "times"?, "retry_after"?}` and/or `{"latency", "endpoint"?}`."""
    endpoint = rule.get("endpoint")
    if "status" in rule:
        service.answer(
            int(rule["status"]), endpoint=endpoint, times=rule.get("times"), retry_after=rule.get("retry_after")
        )
    if "latency" in rule:
        service.delay(float(rule["latency"]), endpoint=endpoint)


@contextlib.contextmanager
def separate_process(*options: str) -> Iterator[str]:
    """`python -m tools.push_service OPTIONS` in another process (as the benchmark needs it, so
    that the service does not share the sender's interpreter); yields its origin."""
    command = [sys.executable, "-m", "tools.push_service", *options]
    process = subprocess.Popen(command, cwd=PROJECT_DIR, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield process.stdout.readline().split()[-1]
    finally:
        process.terminate()
        process.wait(10)


def control(origin: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the control API of a service in another process (POST with a body, GET without)."""
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{origin}{CONTROL_PATH}{path}", data=data)
    with urllib.request.urlopen(request, timeout=60) as answer:
        raw = answer.read()
    return json.loads(raw) if raw else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PUSH_SERVICE_PORT", "0")))
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--record-only", action="store_true", help="do not decrypt payloads")
    parser.add_argument("--vapid-public-key", default=os.environ.get("VAPID_PUBLIC_KEY") or None)
    args = parser.parse_args()
    service = PushService(vapid_public_key=args.vapid_public_key, decrypt=not args.record_only, port=args.port)
    if args.latency:
        service.delay(args.latency)
    print(f"push service: {service.origin}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt):
        service.serve_forever()


if __name__ == "__main__":
    main()

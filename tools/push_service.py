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
import base64
import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
        self._server = _Server((host, port), _Handler)
        self._server.service = self
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.05)  # a quick stop()

    def start(self) -> PushService:
        self._thread = threading.Thread(target=self.serve_forever, name="push-service", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

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

    def receive(self, token: str, headers: Any, body: bytes) -> tuple[int, dict[str, str]]:
        """Handle one push request; returns the status and headers to answer."""
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
        """Latency, then a scripted answer if one applies (endpoint rules before global ones)."""
        with self._lock:
            rules = [r for r in (self._rules.get(token), self._rules.get(None)) if r is not None]
        latency = next((r.latency for r in rules if r.latency), 0.0)
        if latency:
            time.sleep(latency)
        with self._lock:
            for rule in rules:
                if rule.status is not None and rule.remaining != 0:
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


class _Server(ThreadingHTTPServer):
    """Many concurrent senders: the default listen backlog (5) would throttle them."""

    request_queue_size = 1024
    daemon_threads = True
    allow_reuse_address = True
    service: PushService

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A sender that gave up (its timeout) closed the connection: nothing to report."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: senders pool their connections
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # the endpoints are secrets
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        service = self.server.service
        if path.startswith(PUSH_PATH):
            status, headers = service.receive(path.removeprefix(PUSH_PATH), self.headers, body)
            self._answer(status, headers=headers)
        elif path == CONTROL_PATH + "subscriptions":
            count = int(_json(body).get("count", 1))
            self._answer(201, {"subscriptions": [service.subscribe() for _ in range(count)]})
        elif path == CONTROL_PATH + "behaviour":
            _script(service, _json(body))
            self._answer(204)
        else:
            self._answer(404)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        service = self.server.service
        if url.path == CONTROL_PATH + "deliveries":
            limit = int(parse_qs(url.query).get("limit", ["50"])[0])
            self._answer(200, {"deliveries": [d.view() for d in service.deliveries()[-limit:]]})
        elif url.path == CONTROL_PATH + "stats":
            self._answer(200, service.stats())
        else:
            self._answer(404)

    def do_DELETE(self) -> None:
        if urlsplit(self.path).path == CONTROL_PATH + "behaviour":
            self.server.service.reset()
            self._answer(204)
        else:
            self._answer(404)

    def _answer(self, status: int, document: Any = None, *, headers: dict[str, str] | None = None) -> None:
        body = b"" if document is None else json.dumps(document).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if document is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


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

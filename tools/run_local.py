"""`make run`: the whole backend on one machine, with moto's server as the embedded AWS.

One process, several threads: moto's server, the Chalice API (what `chalice local` runs), an SQS
poller that feeds the app's queue handlers, and a clock that fires its schedules. Ctrl-C or SIGTERM
stops all of them; nothing is left running.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
STATE_DIR = PROJECT_DIR / ".local"
VAPID_FILE = STATE_DIR / "vapid.json"

log = logging.getLogger("run_local")


def stage_environment(stage: str = "local") -> dict[str, str]:
    """The environment variables `.chalice/config.json` sets for a stage (top level, then stage)."""
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return {k: v for k, v in env.items() if v != ""}


def vapid_keys() -> dict[str, str]:
    """The local VAPID key pair, generated once and kept in a git-ignored file."""
    if VAPID_FILE.exists():
        return dict(json.loads(VAPID_FILE.read_text()))
    keys = generate_vapid_keys()
    STATE_DIR.mkdir(exist_ok=True)
    VAPID_FILE.write_text(json.dumps(keys, indent=2))
    VAPID_FILE.chmod(0o600)
    return keys


def generate_vapid_keys() -> dict[str, str]:
    """A new P-256 pair as web push wants it: raw private scalar and uncompressed public point, base64url."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    raw_private = key.private_numbers().private_value.to_bytes(32, "big")
    raw_public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"private_key": _b64url(raw_private), "public_key": _b64url(raw_public)}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def start_moto(port: int) -> Any:
    from moto.server import ThreadedMotoServer

    _one_dynamodb_request_at_a_time()
    _real_totp_codes()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


def _real_totp_codes() -> None:
    """The embedded Cognito checks TOTP codes as AWS does (moto: MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP),
    against one random secret for this run (moto's fixed one is too short for authenticator apps):
    an operator enrolled with a real app, or a test with pyotp, gives real codes."""
    import base64
    import secrets

    import moto.cognitoidp.models

    os.environ["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"
    secret = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    moto.cognitoidp.models.COGNITO_TOTP_MFA_SECRET = secret  # type: ignore[misc]


def _one_dynamodb_request_at_a_time() -> None:
    """Make each DynamoDB request to the embedded AWS atomic, as it is on AWS. moto snapshots the
    tables of a transaction and restores them when it is cancelled, erasing whatever concurrent
    requests wrote meanwhile: concurrent alert sends (conditional transactions) lost updates.
    (Only DynamoDB: SQS long polls must not hold the lock.)"""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    serve = DomainDispatcherApplication.__call__
    lock = threading.Lock()

    def atomic(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return serve(self, environ, start_response)
        with lock:
            return list(serve(self, environ, start_response))

    DomainDispatcherApplication.__call__ = atomic  # type: ignore[method-assign]


def configure_environment(moto_port: int) -> None:
    os.environ.update(stage_environment("local"))
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-west-3"),
        }
    )
    keys = vapid_keys()
    os.environ["VAPID_PUBLIC_KEY"] = keys["public_key"]
    os.environ["VAPID_PRIVATE_KEY"] = keys["private_key"]


class QueuePoller(threading.Thread):
    """Feeds SQS messages to the app's `@app.on_sqs_message` handlers, as Lambda's poller does."""

    def __init__(self, app: Any, stop: threading.Event) -> None:
        super().__init__(name="sqs-poller", daemon=True)
        self.app, self.stop = app, stop

    def run(self) -> None:
        from chalice.app import SQSEventConfig

        from chalicelib import aws

        sources = [s for s in self.app.event_sources if isinstance(s, SQSEventConfig)]
        sqs = aws.client("sqs")
        urls = {s.name: sqs.get_queue_url(QueueName=s.queue)["QueueUrl"] for s in sources}
        while not self.stop.is_set():
            if not sources:
                self.stop.wait(1)
            for source in sources:
                self._poll(sqs, source, urls[source.name])

    def _poll(self, sqs: Any, source: Any, url: str) -> None:
        answer = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=min(source.batch_size, 10), WaitTimeSeconds=1, AttributeNames=["All"]
        )
        messages = answer.get("Messages", [])
        if not messages:
            return
        event = {"Records": [_sqs_record(m, source.queue) for m in messages]}
        try:
            self.app.handler_map[source.name](event, _LambdaContext(source.name))
        except Exception:
            log.exception("queue handler %s failed; SQS will redeliver the batch", source.name)
            return
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )


def _sqs_record(message: dict[str, Any], queue: str) -> dict[str, Any]:
    region = os.environ["AWS_DEFAULT_REGION"]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{region}:123456789012:{queue}",
        "awsRegion": region,
    }


class Clock(threading.Thread):
    """Fires the app's `@app.schedule` handlers: once at start, then every `LOCAL_SCHEDULE_SECONDS`."""

    def __init__(self, app: Any, stop: threading.Event, every: float) -> None:
        super().__init__(name="schedules", daemon=True)
        self.app, self.stop, self.every = app, stop, every

    def run(self) -> None:
        from chalice.app import ScheduledEventConfig

        sources = [s for s in self.app.event_sources if isinstance(s, ScheduledEventConfig)]
        while not self.stop.is_set():
            for source in sources:
                event = {
                    "version": "0",
                    "account": "123456789012",
                    "id": str(uuid.uuid4()),
                    "detail-type": "Scheduled Event",
                    "source": "aws.events",
                    "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "region": os.environ["AWS_DEFAULT_REGION"],
                    "resources": [],
                    "detail": {},
                }
                try:
                    self.app.handler_map[source.name](event, _LambdaContext(source.name))
                except Exception:
                    log.exception("schedule %s failed", source.name)
            self.stop.wait(self.every)


class _LambdaContext:
    def __init__(self, name: str) -> None:
        self.function_name = name
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 512

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _stop_when_orphaned(parent: int) -> None:
    """`make run` killed by SIGTERM does not pass it on: stop when the parent goes, leaving no orphan."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def serve(port: int, moto_port: int) -> None:
    stop = threading.Event()

    def _terminate(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    threading.Thread(target=_stop_when_orphaned, args=(os.getppid(),), name="parent-watch", daemon=True).start()
    started = time.monotonic()
    moto = start_moto(moto_port)
    configure_environment(moto_port)
    sys.path.insert(0, str(PROJECT_DIR))
    from chalicelib.config import get_settings
    from tools.bootstrap import DEFAULT_DEMO_PASSWORD, create_all

    demo_password = os.environ.get("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
    os.environ.update(create_all(demo_password))
    settings = get_settings()
    pool = os.environ["COGNITO_USER_POOL_ID"]
    os.environ["COGNITO_JWKS_URL"] = f"http://127.0.0.1:{moto_port}/{pool}/.well-known/jwks.json"
    get_settings.cache_clear()
    for hook in _extra_services():
        hook(stop)

    from chalice.cli.factory import CLIFactory
    from chalice.local import create_local_server

    factory = CLIFactory(str(PROJECT_DIR), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name="local")
    app = config.chalice_app
    server = create_local_server(app, config, "127.0.0.1", port)
    server.server.RequestHandlerClass = functools.partial(_request_handler(), app_object=app, config=config)
    server.server.socket.listen(128)  # the backlog is fixed at bind time (5): re-listen to raise it
    api = threading.Thread(target=server.serve_forever, name="api", daemon=True)
    QueuePoller(app, stop).start()
    Clock(app, stop, float(os.environ.get("LOCAL_SCHEDULE_SECONDS", "60"))).start()
    api.start()
    _banner(port, moto_port, demo_password, settings.data_dir, time.monotonic() - started)
    try:
        while api.is_alive():
            api.join(0.5)
    except KeyboardInterrupt:
        for received in (signal.SIGINT, signal.SIGTERM):  # a second signal must not cut the shutdown short
            signal.signal(received, signal.SIG_IGN)
        print("\nArrêt : API, files SQS, planificateur et AWS embarqué…", flush=True)
    finally:
        stop.set()
        server.shutdown()
        moto.stop()


def _request_handler() -> type:
    """Chalice's local request handler, made to behave as the deployed API does."""
    from chalice.local import ChaliceRequestHandler

    from chalicelib.routes import SECURITY_HEADERS

    class RequestHandler(ChaliceRequestHandler):
        """Every HTTP method reaches the app, which answers a problem+json 405 (the base class
        answers TRACE, QUERY… with an HTML 501); `sourceIp` is the socket peer, as API Gateway's is
        the caller's; what the gateway answers itself (OPTIONS, unknown paths) carries the security
        headers too, as API Gateway's gateway responses do; text is gzip-compressed as API Gateway
        and CloudFront compress it (`compressed`); the access
        log drops query strings, since they may carry a position (`/brigades/nearest?lat=..`) and
        positions are never logged."""

        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):
                return self._generic_handle
            raise AttributeError(name)

        def _generic_handle(self) -> None:
            # API Gateway's `sourceIp` is the caller's address; chalice local writes 127.0.0.1.
            self.local_gateway.event_converter.LOCAL_SOURCE_IP = self.client_address[0]
            super()._generic_handle()

        def _send_http_response(self, code: int, headers: dict[str, Any], body: Any) -> None:
            headers = {**SECURITY_HEADERS, **headers}
            if code in (204, 304):  # no body, hence no Content-Type (the base class adds one)
                body = None
            elif body is not None:
                headers, body = compressed(self.headers.get("Accept-Encoding", ""), headers, body)
            super()._send_http_response(code, headers, body)

        def log_message(self, format: str, *args: Any) -> None:
            line = _QUERY.sub("?…", format % args)
            sys.stderr.write(f"{self.address_string()} - [{self.log_date_time_string()}] {line}\n")

    return RequestHandler


_QUERY = re.compile(r"\?[^\s\"]*")
# What API Gateway (MinimumCompressionSize) and CloudFront compress: text of 1 KiB and more.
MINIMUM_COMPRESSION_SIZE = 1024
_COMPRESSIBLE = re.compile(r"^(text/|application/([\w.-]+\+)?json|application/javascript|image/svg\+xml)")


def compressed(accept_encoding: str, headers: dict[str, Any], body: str | bytes) -> tuple[dict[str, Any], bytes]:
    """gzip the answer as the deployed API does, when the client accepts it and it is worth it."""
    raw = body.encode() if isinstance(body, str) else body
    accepted = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
    kind = str(headers.get("Content-Type", "application/json"))
    if (
        "gzip" not in accepted
        or len(raw) < MINIMUM_COMPRESSION_SIZE
        or not _COMPRESSIBLE.match(kind)
        or "Content-Encoding" in headers
    ):
        return headers, raw
    import gzip

    return {**headers, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}, gzip.compress(raw, compresslevel=6)


def _extra_services() -> list[Any]:
    """Local stand-ins started beside the API (e.g. the loopback push service), if present."""
    hooks = []
    try:
        from tools import local_services
    except ImportError:
        return hooks
    hooks.extend(local_services.HOOKS)
    return hooks


def _banner(port: int, moto_port: int, password: str, data_dir: Path, seconds: float) -> None:
    base = f"http://127.0.0.1:{port}"
    print(
        f"""
Stop Cambriolages : backend local prêt en {seconds:.1f} s
  API               {base}/health
  Application       {base}/
  Console CORG/OPP  {base}/console
  AWS embarqué      http://127.0.0.1:{moto_port} (moto)
  Données           {data_dir}
  Comptes de démonstration (mot de passe : {password}) : {", ".join(_demo_users())}
Ctrl-C pour tout arrêter.""",
        flush=True,
    )


def _demo_users() -> list[str]:
    from tools.bootstrap import DEMO_OPERATORS

    return list(DEMO_OPERATORS)


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(message)s")
    for noisy in ("botocore", "werkzeug", "urllib3", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    serve(int(os.environ.get("PORT", "8000")), int(os.environ.get("MOTO_PORT", "4566")))


if __name__ == "__main__":
    main()
